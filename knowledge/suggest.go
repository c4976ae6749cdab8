package knowledge

// Suggest returns the option nearest to a misspelt word when it is close enough (two edits) to be a
// typo, or "". On a tie the earlier option wins. Lint and the configuration use it for their "did you
// mean" hints.
func Suggest(s string, options []string) string {
	return newSuggester(options).suggest(s)
}

// maxSuggestEdits is how many edits a word may be from an option for the option to be suggested.
const maxSuggestEdits = 2

// suggester finds the nearest of a fixed list of options. Built once, it answers each word by looking
// only at options of a near length, and gives up on an option as soon as it is more than
// maxSuggestEdits away, so that lint stays linear when a file names thousands of unknown ids.
type suggester struct {
	byLen map[int][]int // option indexes by length in bytes, in list order
	opts  []string
	memo  map[string]string
}

func newSuggester(options []string) *suggester {
	g := &suggester{byLen: map[int][]int{}, opts: options, memo: map[string]string{}}
	for i, o := range options {
		g.byLen[len(o)] = append(g.byLen[len(o)], i)
	}
	return g
}

func (g *suggester) suggest(s string) string {
	if best, ok := g.memo[s]; ok {
		return best
	}
	best, bestD, bestI := "", maxSuggestEdits+1, len(g.opts)
	for n := len(s) - maxSuggestEdits; n <= len(s)+maxSuggestEdits; n++ {
		for _, i := range g.byLen[n] {
			d := boundedEdits(s, g.opts[i], bestD)
			if d < bestD || d == bestD && d <= maxSuggestEdits && i < bestI {
				best, bestD, bestI = g.opts[i], d, i
			}
		}
	}
	g.memo[s] = best
	return best
}

// boundedEdits is the Levenshtein distance between a and b (in bytes) when it is at most limit, and
// limit+1 otherwise; it stops as soon as every path is over the limit.
func boundedEdits(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit+1)
}
