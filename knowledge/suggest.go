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
			d := EditDistance(s, g.opts[i], bestD)
			if d < bestD || d == bestD && d <= maxSuggestEdits && i < bestI {
				best, bestD, bestI = g.opts[i], d, i
			}
		}
	}
	g.memo[s] = best
	return best
}

// EditDistance is the optimal-string-alignment distance between a and b, in bytes (Levenshtein, with
// two swapped neighbours counting as one edit: "raidology" is 1 from "radiology"), when it is at most
// max, and max+1 otherwise; it stops as soon as every path is over max. The matcher's typo correction
// and lint's "did you mean" both use it.
func EditDistance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	var buf [3][32]int // words are short: no allocation for them
	var prev2, prev, cur []int
	if len(b) < len(buf[0]) {
		prev2, prev, cur = buf[0][:len(b)+1], buf[1][:len(b)+1], buf[2][:len(b)+1]
	} else {
		prev2, prev, cur = make([]int, len(b)+1), make([]int, len(b)+1), make([]int, len(b)+1)
	}
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
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], max+1)
}
