package bot

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/radbot/radbot/knowledge"
)

// Index is a knowledge base prepared for matching. It is immutable: a reload builds a new one.
type Index struct {
	base *knowledge.Base

	terms  map[string]int32 // stem → term id
	idf    []float64        // by term id
	post   [][]posting      // by term id: the entries that contain the term
	docLen []float64        // by entry: weighted length of the entry's text
	avgLen float64
	// bm25Norm is k1·(1-b+b·len/avgLen) by entry, precomputed for search.
	bm25Norm []float64
	pool     sync.Pool   // *scratch
	phr      [][][]int32 // by entry: each phrasing (and the title) as a sorted set of term ids
	phrW     [][]float64 // by entry, by phrasing: its idf mass

	// analysis
	stems      map[string]string    // known raw word → stem
	vocabByLen map[int][]string     // known raw words by length, for typo correction
	syn        map[string][]synRule // first stem of a synonym term → rules starting with it
	unknownIDF float64

	otherFields    phraseSet
	radiologyWords phraseSet
}

type posting struct {
	entry int32
	tf    float32
	// focus is how central the term is to the entry: the share of its phrasings (and title) that use it,
	// doubled and capped at 1; a term only in the keywords counts one half.
	focus float32
}

// synRule rewrites a sequence of stems (one synonym term) to the group's canonical term.
type synRule struct {
	from []string
	to   []token
	text string // the term as written, for --explain
}

// Field weights: a title and keywords say more about an entry than any one phrasing.
const (
	weightTitle    = 2.0
	weightKeyword  = 1.5
	weightPhrasing = 1.0
	bm25K1         = 1.2
	// The ranking score mixes four signals, each 0..1. Calibrated with `radbot eval`.
	scoreCoverage = 0.20
	scoreFocus    = 0.35
	scorePhrasing = 0.30
	scoreBM25     = 0.15
	exactBonus    = 0.10
	// unknownWeight scales words the knowledge has never seen: they count against a match, but less
	// than a rare known word, since many are fillers ("exactly", "normal").
	unknownWeight = 0.7
	bm25B         = 0.5
)

// NewIndex prepares base for matching.
func NewIndex(base *knowledge.Base) *Index {
	ix := &Index{
		base:       base,
		terms:      map[string]int32{},
		stems:      map[string]string{},
		vocabByLen: map[int][]string{},
		syn:        map[string][]synRule{},
	}
	// Split every text into words once; the vocabulary (for typo correction and the stem cache) comes
	// first, since analysis needs every known word.
	type text struct {
		ws       []string
		weight   float64
		phrasing bool
	}
	texts := make([][]text, len(base.Entries))
	addWords := func(ws []string) {
		for _, w := range ws {
			if _, ok := ix.stems[w]; !ok {
				ix.stems[w] = stem(w)
				ix.vocabByLen[len(w)] = append(ix.vocabByLen[len(w)], w)
			}
		}
	}
	for i, e := range base.Entries {
		ts := make([]text, 0, 1+len(e.Questions)+len(e.Keywords))
		ts = append(ts, text{words(e.Title), weightTitle, true})
		for _, q := range e.Questions {
			ts = append(ts, text{words(q), weightPhrasing, true})
		}
		for _, k := range e.Keywords {
			ts = append(ts, text{words(k), weightKeyword, false})
		}
		for _, t := range ts {
			addWords(t.ws)
		}
		texts[i] = ts
	}
	for _, g := range base.Synonyms {
		for _, t := range g {
			addWords(words(t))
		}
	}
	for n := range ix.vocabByLen {
		sort.Strings(ix.vocabByLen[n])
	}
	// Synonym rules: every term of a group rewrites to the group's first term.
	for _, g := range base.Synonyms {
		canon := ix.tokens(g[0], nil, false)
		for _, t := range g[1:] {
			from := ix.tokens(t, nil, false)
			if len(from) == 0 || len(canon) == 0 {
				continue
			}
			stems := make([]string, len(from))
			for i, tk := range from {
				stems[i] = tk.stem
			}
			ix.syn[stems[0]] = append(ix.syn[stems[0]], synRule{from: stems, to: canon, text: t + " → " + g[0]})
		}
	}
	for k := range ix.syn {
		rules := ix.syn[k]
		sort.SliceStable(rules, func(i, j int) bool { return len(rules[i].from) > len(rules[j].from) })
	}

	// Term statistics over entries: postings are appended entry by entry; a term's document frequency
	// is then the length of its posting list.
	n := len(base.Entries)
	ix.docLen = make([]float64, n)
	ix.phr = make([][][]int32, n)
	tf := map[int32]float64{}
	for i := range base.Entries {
		clear(tf)
		for _, t := range texts[i] {
			ids := ix.termIDs(ix.finish(ix.wordTokens(t.ws, nil, false), nil), true)
			for _, id := range ids {
				tf[id] += t.weight
				ix.docLen[i] += t.weight
			}
			if t.phrasing {
				ix.phr[i] = append(ix.phr[i], uniqSorted(ids))
			}
		}
		for id, f := range tf {
			cnt := 0
			for _, p := range ix.phr[i] {
				if containsID(p, id) {
					cnt++
				}
			}
			focus := 0.5
			if cnt > 0 {
				focus = math.Min(1, 2*float64(cnt)/float64(len(ix.phr[i])))
			}
			for int(id) >= len(ix.post) {
				ix.post = append(ix.post, nil)
			}
			ix.post[id] = append(ix.post[id], posting{entry: int32(i), tf: float32(f), focus: float32(focus)})
		}
	}
	ix.idf = make([]float64, len(ix.terms))
	for len(ix.post) < len(ix.terms) {
		ix.post = append(ix.post, nil)
	}
	total := 0.0
	for id, ps := range ix.post {
		d := float64(len(ps)) // entries were added in order, so each list is sorted by entry
		ix.idf[id] = math.Log(1 + (float64(n)-d+0.5)/(d+0.5))
	}
	ix.unknownIDF = unknownWeight * math.Log(1+(float64(n)-1+0.5)/(1+0.5))
	for i := range ix.docLen {
		total += ix.docLen[i]
	}
	ix.otherFields = wordSet(base.Scope.OtherFields)
	ix.radiologyWords = wordSet(base.Scope.RadiologyWords)
	if n > 0 {
		ix.avgLen = total / float64(n)
	}
	ix.bm25Norm = make([]float64, n)
	for i := range ix.bm25Norm {
		ix.bm25Norm[i] = bm25K1 * (1 - bm25B + bm25B*ix.docLen[i]/ix.avgLen)
	}
	ix.phrW = make([][]float64, n)
	for i, ps := range ix.phr {
		ix.phrW[i] = make([]float64, len(ps))
		for j, p := range ps {
			for _, id := range p {
				ix.phrW[i][j] += ix.idf[id]
			}
		}
	}
	return ix
}

// termIDs maps analysed stems to term ids, adding new terms when add is set (at build time) and
// dropping unknown ones otherwise.
func (ix *Index) termIDs(stems []string, add bool) []int32 {
	out := make([]int32, 0, len(stems))
	for _, s := range stems {
		id, ok := ix.terms[s]
		if !ok {
			if !add {
				continue
			}
			id = int32(len(ix.terms))
			ix.terms[s] = id
		}
		out = append(out, id)
	}
	return out
}

func uniqSorted(ids []int32) []int32 {
	out := append([]int32(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	j := 0
	for i, v := range out {
		if i == 0 || v != out[j-1] {
			out[j] = v
			j++
		}
	}
	return out[:j]
}

// trace records what the analyzer did, for --explain. A nil trace records nothing.
type trace struct {
	Corrections []string
	Synonyms    []string
}

// tokens splits text into tokens, correcting typos when correct is set.
func (ix *Index) tokens(text string, tr *trace, correct bool) []token {
	return ix.wordTokens(words(text), tr, correct)
}

func (ix *Index) wordTokens(ws []string, tr *trace, correct bool) []token {
	out := make([]token, 0, len(ws))
	for _, w := range ws {
		s, known := ix.stems[w]
		if !known {
			// Another form of a known word ("involve" for "involved") needs no correction.
			s = stem(w)
			_, known = ix.terms[s]
		}
		if !known && correct {
			if c := ix.correct(w); c != "" {
				if tr != nil {
					tr.Corrections = append(tr.Corrections, w+" → "+c)
				}
				w, s, known = c, ix.stems[c], true
			}
		}
		out = append(out, token{raw: w, stem: s, stop: stopWords[w]})
	}
	return out
}

// analyze turns text into the stems that matching compares: tokens, synonyms rewritten to their
// canonical term, stop words dropped.
func (ix *Index) analyze(text string, tr *trace) []string {
	return ix.finish(ix.tokens(text, tr, true), tr)
}

func (ix *Index) finish(toks []token, tr *trace) []string {
	toks = ix.rewriteSynonyms(toks, tr)
	out := make([]string, 0, len(toks))
	for _, t := range toks {
		if !t.stop {
			out = append(out, t.stem)
		}
	}
	return out
}

func (ix *Index) rewriteSynonyms(toks []token, tr *trace) []token {
	var out []token
	for i := 0; i < len(toks); {
		rules := ix.syn[toks[i].stem]
		matched := false
		for _, r := range rules {
			if i+len(r.from) > len(toks) {
				continue
			}
			ok := true
			for k, s := range r.from {
				if toks[i+k].stem != s {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			if out == nil {
				out = append(make([]token, 0, len(toks)+4), toks[:i]...)
			}
			// A synonym is meaningful even when its words are stop words ("US", "on call").
			for _, t := range r.to {
				t.stop = false
				out = append(out, t)
			}
			if tr != nil {
				tr.Synonyms = append(tr.Synonyms, r.text)
			}
			i += len(r.from)
			matched = true
			break
		}
		if !matched {
			if out != nil {
				out = append(out, toks[i])
			}
			i++
		}
	}
	if out == nil {
		return toks
	}
	return out
}

// correct returns the known word a misspelt word most likely meant, or "". Only words of five or more
// letters are corrected, never abbreviations, numbers or real English words, and only within a distance that grows with
// length: one edit up to seven letters, two beyond.
func (ix *Index) correct(w string) string {
	if len(w) < 5 || stopWords[w] || strings.ContainsAny(w, "0123456789") || isEnglishWord(w) {
		return ""
	}
	maxD := 1
	if len(w) >= 8 {
		maxD = 2
	}
	best, bestD, ties := "", maxD+1, 0
	for n := len(w) - maxD; n <= len(w)+maxD; n++ {
		for _, c := range ix.vocabByLen[n] {
			// One edit at the start still leaves one of the first two letters in place or shifted
			// by one; skipping other words avoids most distance computations.
			if len(c) < 4 || c[0] != w[0] && c[0] != w[1] && c[1] != w[0] && c[1] != w[1] {
				continue
			}
			d := boundedDistance(w, c, maxD)
			if d > maxD {
				continue
			}
			switch {
			case d < bestD:
				best, bestD, ties = c, d, 0
			case d == bestD && c != best:
				// Prefer a candidate that keeps the first letter; otherwise the word is ambiguous.
				if c[0] == w[0] && best[0] != w[0] {
					best = c
				} else if (c[0] == w[0]) == (best[0] == w[0]) {
					ties++
				}
			}
		}
	}
	if best == "" || ties > 0 {
		return ""
	}
	if bestD == maxD && maxD > 1 && best[0] != w[0] {
		return ""
	}
	return best
}

// boundedDistance is the Damerau-Levenshtein (optimal string alignment) distance between a and b, or
// max+1 as soon as it must exceed max.
func boundedDistance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	var buf [3][32]int
	if len(b) >= 31 {
		return max + 1
	}
	prev2, prev, cur := buf[0][:len(b)+1], buf[1][:len(b)+1], buf[2][:len(b)+1]
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
	return prev[len(b)]
}

// qterm is one distinct query term with its weight (follow-up context terms weigh less).
type qterm struct {
	stem string
	id   int32 // -1 when the knowledge has never seen it
	w    float64
}

// Scored is an entry with how well it matched.
type Scored struct {
	Entry    *knowledge.Entry
	Score    float64 // the ranking score, 0..1 (1.1 for an exact phrasing)
	Coverage float64 // share of the question's weight that the entry contains
	Focus    float64 // coverage weighted by how central each matched term is to the entry
	Phrasing float64 // similarity to the entry's closest phrasing
	BM25     float64
	Matched  []string // the question's stems found in the entry
	index    int
}

// scratch holds per-search accumulators, reused through a pool so that a search allocates little
// whatever the size of the knowledge base.
type scratch struct {
	bm25, cover, focus []float64
	touched            []int32
	keep               []ranked
}

type ranked struct {
	entry int32
	score float64
}

// better orders by score, then by entry order so that ties are stable.
func better(score float64, entry int32, than ranked) bool {
	return score > than.score || score == than.score && entry < than.entry
}

// prelimKeep is how many entries, ranked by the cheap signals, get the costlier phrasing similarity.
const prelimKeep = 16

// search ranks entries for the query terms, best first, and returns at most k. It sorts q by term id
// in place (phrasing similarity merges sorted lists); callers do not rely on its order.
func (ix *Index) search(q []qterm, k int) []Scored {
	total := 0.0
	for _, t := range q {
		total += t.w * ix.termIDF(t.id)
	}
	if total == 0 {
		return nil
	}
	slices.SortFunc(q, func(a, b qterm) int { return cmp.Compare(a.id, b.id) })
	sc, _ := ix.pool.Get().(*scratch)
	if sc == nil {
		n := len(ix.base.Entries)
		sc = &scratch{bm25: make([]float64, n), cover: make([]float64, n), focus: make([]float64, n)}
	}
	defer func() {
		for _, e := range sc.touched {
			sc.bm25[e], sc.cover[e], sc.focus[e] = 0, 0, 0
		}
		sc.touched = sc.touched[:0]
		ix.pool.Put(sc)
	}()
	for _, t := range q {
		if t.id < 0 {
			continue
		}
		idf := ix.idf[t.id]
		for _, p := range ix.post[t.id] {
			e := p.entry
			if sc.cover[e] == 0 {
				sc.touched = append(sc.touched, e)
			}
			tf := float64(p.tf)
			sc.bm25[e] += t.w * idf * tf * (bm25K1 + 1) / (tf + ix.bm25Norm[e])
			sc.cover[e] += t.w * idf
			sc.focus[e] += t.w * idf * float64(p.focus)
		}
	}
	if len(sc.touched) == 0 {
		return nil
	}
	maxBM := 0.0
	for _, e := range sc.touched {
		maxBM = math.Max(maxBM, sc.bm25[e])
	}
	// Rank every touched entry on the cheap signals, keep the best few, then add phrasing similarity.
	prelim := func(e int32) float64 {
		return scoreCoverage*sc.cover[e]/total + scoreFocus*sc.focus[e]/total + scoreBM25*sc.bm25[e]/maxBM
	}
	keep := sc.touched
	if len(keep) > prelimKeep {
		// Select the best prelimKeep without sorting them all: a small sorted buffer, best first.
		buf := sc.keep[:0]
		for _, e := range sc.touched {
			p := prelim(e)
			if len(buf) == prelimKeep && !better(p, e, buf[len(buf)-1]) {
				continue
			}
			if len(buf) < prelimKeep {
				buf = append(buf, ranked{})
			}
			i := len(buf) - 1
			for i > 0 && better(p, e, buf[i-1]) {
				buf[i] = buf[i-1]
				i--
			}
			buf[i] = ranked{e, p}
		}
		sc.keep = buf
		keep = make([]int32, len(buf))
		for i, r := range buf {
			keep[i] = r.entry
		}
	}
	out := make([]Scored, 0, len(keep))
	for _, e := range keep {
		s := Scored{Entry: ix.base.Entries[e], index: int(e), BM25: sc.bm25[e], Coverage: sc.cover[e] / total, Focus: sc.focus[e] / total}
		s.Phrasing = ix.phrasingSim(int(e), q, total)
		s.Score = prelim(e) + scorePhrasing*s.Phrasing
		if s.Phrasing > 0.999 {
			// The question is one of the entry's own phrasings (up to stop words and word forms): the
			// maintainer has said where it belongs.
			s.Score += exactBonus
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].index < out[j].index
	})
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// phrasingSim is the best weighted Jaccard similarity between the query and one of the entry's
// phrasings (or its title): shared idf mass over the idf mass of both together. q is sorted by term id
// (unknown terms, id -1, first), so each phrasing is compared by one merge of two sorted lists.
func (ix *Index) phrasingSim(e int, q []qterm, qTotal float64) float64 {
	best := 0.0
	for j, p := range ix.phr[e] {
		shared, qShared := 0.0, 0.0
		k := 0
		for _, t := range q {
			if t.id < 0 {
				continue
			}
			for k < len(p) && p[k] < t.id {
				k++
			}
			if k < len(p) && p[k] == t.id {
				idf := ix.idf[t.id]
				shared += idf * math.Min(1, t.w)
				qShared += t.w * idf
			}
		}
		// The union: the phrasing's own mass plus what the query has that the phrasing lacks.
		union := ix.phrW[e][j] + qTotal - qShared
		if union > 0 && shared/union > best {
			best = shared / union
		}
	}
	return best
}

func (ix *Index) termIDF(id int32) float64 {
	if id < 0 {
		return ix.unknownIDF
	}
	return ix.idf[id]
}

func containsID(sorted []int32, id int32) bool {
	i := sort.Search(len(sorted), func(i int) bool { return sorted[i] >= id })
	return i < len(sorted) && sorted[i] == id
}

// matched lists the query stems that the entry contains, for --explain.
func (ix *Index) matched(e int, q []qterm) []string {
	var out []string
	for _, t := range q {
		if t.id < 0 {
			continue
		}
		for _, p := range ix.post[t.id] {
			if int(p.entry) == e {
				out = append(out, t.stem)
				break
			}
		}
	}
	return out
}

// queryTerms turns analysed stems into distinct weighted terms.
func (ix *Index) queryTerms(stems []string, w float64, into []qterm) []qterm {
next:
	for _, s := range stems {
		for i := range into {
			if into[i].stem == s {
				into[i].w = math.Max(into[i].w, w)
				continue next
			}
		}
		id, ok := ix.terms[s]
		if !ok {
			id = -1
		}
		into = append(into, qterm{stem: s, id: id, w: w})
	}
	return into
}

// wordSet holds normalised terms of one or two words, for phraseSet matching.
func wordSet(terms []string) phraseSet {
	p := phraseSet{}
	for _, t := range terms {
		ws := words(t)
		switch len(ws) {
		case 0:
		case 1:
			p[ws[0]] = true
		default:
			p[ws[0]+"\x00"+ws[1]] = true // two words are enough to tell "general practice" apart
		}
	}
	return p
}

// aboutOtherField reports whether a question names another field and nothing of radiology.
func (ix *Index) aboutOtherField(ws []string) bool {
	return ix.otherFields.any(ws) && !ix.radiologyWords.any(ws)
}
