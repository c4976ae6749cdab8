package bot

import (
	"math"
	"slices"
	"sort"
	"sync"

	"github.com/radbot/radbot/knowledge"
)

// Index is a knowledge base prepared for matching: the terms of every entry's text (title, phrasings,
// keywords and answer), the out-of-scope examples, the typo dictionary, and the two small models learned
// from them at build time (the answer confidence and the safety classifier). It is immutable: a reload
// builds a new one.
type Index struct {
	base   *knowledge.Base
	sample uint64 // which sample of its examples the confidence model learns from (NewIndexSample)

	terms      map[string]int32 // stem → term id
	stemOf     []string         // term id → stem
	df         []int32          // by term: entries whose text has the term
	dfQ        []int32          // by term: entries whose title, phrasings or keywords have it
	oosDF      []int32          // by term: out-of-scope examples that have it
	phrDF      []int32          // by term: phrasings and titles (of all entries) that have it
	nPhrasings int              // phrasings and titles in all
	idf        []float64        // by term
	post       [][]posting      // by term: the entries that have it, in entry order
	oosPo      [][]int32        // by term: the out-of-scope examples that have it

	docLen   []float64   // by entry: weighted length of its text
	bm25Norm []float64   // by entry: k1·(1-b+b·len/avgLen)
	phr      [][][]int32 // by entry: title and each phrasing as a sorted set of term ids
	phrW     [][]float64 // by entry, by phrasing: its idf mass
	// phrTerms are, by entry, the distinct terms of its title and phrasings (sorted), and phrOf which of
	// them (bit j: ix.phr[e][j]) has each, for entries of at most 64: phrasingSimMask reads them.
	phrTerms [][]int32
	phrOf    [][]uint64
	// titleStems are each entry's title analysed, for picking a choice by its words.
	titleStems [][]string
	entryIndex map[string]int
	oos        [][]int32 // by out-of-scope example: sorted set of term ids
	oosW       []float64 // by example: its idf mass

	// analysis
	stems      map[string]string    // known raw word → stem
	aliases    map[string]string    // misspelling in a phrasing → the word it was read as
	known      []string             // known raw words, for typo correction
	deletes    map[string][]int32   // a known word with one letter deleted (or none) → its indexes in known
	syn        map[string][]synRule // first stem of a synonym term → rules starting with it
	unknownIDF float64

	conf   *model // answer confidence, learned from the phrasings and out-of-scope examples
	safety *safetyModel
	crisis [][]string // crisis phrases as word sequences
	// crisisFirst indexes the crisis phrases by their first word, in list order.
	crisisFirst map[string][]int32

	pool sync.Pool // *scratch
}

type posting struct {
	entry int32
	tfQ   float32 // weighted occurrences in the question side: title, phrasings, keywords
	tfA   float32 // occurrences in the answer (capped at maxAnswerTF when scored)
	nPhr  uint16  // how many of the entry's phrasings (title included) have the term
	// focus is how central the term is to the entry: the share of its phrasings (and title) that use
	// it, doubled and capped at 1; a term only in the keywords counts one half; 0 if only in the answer.
	focus float32
}

// Field weights: a title and keywords say more about an entry than any one phrasing; the answer says
// least, but it holds the facts a question may name.
const (
	weightTitle    = 2.0
	weightKeyword  = 1.5
	weightPhrasing = 1.0
	weightAnswer   = 0.3
	maxAnswerTF    = 3 // an answer that repeats a word is not more about it
	bm25K1         = 1.2
	bm25B          = 0.5
	// unknownWeight scales words the knowledge has never seen: they count against a match, but less
	// than a rare known word, since some are fillers no list has.
	unknownWeight = 0.7
	// gradeWeight scales grade words ("st3", "F2") in a question that has another topic.
	gradeWeight = 0.5
	// questionWeight scales question words ("how", "who", "when").
	questionWeight = 0.3
)

// NewIndex prepares base for matching and learns its models.
func NewIndex(base *knowledge.Base) *Index { return NewIndexSample(base, 0) }

// NewIndexSample is NewIndex with the confidence model learnt from another sample of the knowledge's
// examples (and other context words and cross-validation folds); sample 0 is the one the bot uses. For
// measuring how much of a figure is the luck of one sample (`radbot eval --resamples`).
func NewIndexSample(base *knowledge.Base, sample uint64) *Index {
	ix := &Index{
		base:    base,
		sample:  sample,
		terms:   map[string]int32{},
		stems:   map[string]string{},
		aliases: map[string]string{},
		deletes: map[string][]int32{},
		syn:     map[string][]synRule{},

		crisisFirst: map[string][]int32{},
	}
	englishWords() // decode the dictionary now, not on the first question with a typo
	fields := ix.buildVocabulary()
	ix.buildSynonyms()
	ix.buildPostings(fields)
	ix.buildOutOfScope()
	ix.stemOf = make([]string, len(ix.terms))
	for s, id := range ix.terms {
		ix.stemOf[id] = s
	}
	ix.buildCrisis()
	ix.titleStems = make([][]string, len(base.Entries))
	ix.entryIndex = make(map[string]int, len(base.Entries))
	for i, e := range base.Entries {
		ix.titleStems[i] = ix.analyze(e.Title, nil)
		ix.entryIndex[e.ID] = i
	}
	ix.conf = learnConfidence(ix)
	ix.safety = learnSafety(ix)
	return ix
}

// entryText is one entry's text split into words once: title, phrasings, keywords, answer.
type entryText struct {
	title     []string
	phrasings [][]string
	keywords  [][]string
	answer    []string
	sentences [][]string // the answer's sentences, without its "Read more" line
}

// buildVocabulary splits every text into words and records every known word with its stem, for the
// stem cache and typo correction. Phrasings are written the way people type, typos included
// ("radiolgy"); a misspelling must not become a word the bot knows, or a question with the same typo
// would match only that phrasing and never be corrected. So the words of titles, keywords, answers and
// synonyms, real English words, and words used in two phrasings or more are trusted; any other word of a
// phrasing or example that is one or two edits from a trusted word is read as that word.
func (ix *Index) buildVocabulary() []entryText {
	var trusted, loose []string
	seen := map[string]int{} // phrasing and example words → how many uses
	trust := func(ws []string) { trusted = append(trusted, ws...) }
	count := func(ws []string) {
		for _, w := range ws {
			if seen[w] == 0 {
				loose = append(loose, w)
			}
			seen[w]++
		}
	}
	out := make([]entryText, len(ix.base.Entries))
	for i, e := range ix.base.Entries {
		t := entryText{title: words(e.Title), answer: words(e.Answer)}
		trust(t.title)
		trust(t.answer)
		for _, q := range e.Questions {
			ws := words(q)
			t.phrasings = append(t.phrasings, ws)
			count(ws)
		}
		for _, k := range e.Keywords {
			ws := words(k)
			t.keywords = append(t.keywords, ws)
			trust(ws)
		}
		out[i] = t
	}
	for _, g := range ix.base.Synonyms {
		for _, t := range g {
			trust(words(t))
		}
	}
	for _, q := range ix.base.OutOfScope {
		count(words(q))
	}
	add := func(w string) {
		if _, ok := ix.stems[w]; ok {
			return
		}
		ix.stems[w] = stem(w)
		if len(w) >= 4 && !isDigits(w) {
			ix.addKnown(w)
		}
	}
	for _, w := range trusted {
		add(w)
	}
	var doubtful []string
	for _, w := range loose {
		if _, ok := ix.stems[w]; ok {
			continue
		}
		if seen[w] > 1 || len(w) < 5 || isEnglishWord(w) {
			add(w)
		} else {
			doubtful = append(doubtful, w)
		}
	}
	// Correct the doubtful words against the trusted ones only, then trust what is left.
	for _, w := range doubtful {
		if c := ix.correct(w); c != "" {
			ix.stems[w] = ix.stems[c]
			ix.aliases[w] = c
		}
	}
	for _, w := range doubtful {
		add(w)
	}
	return out
}

// addKnown adds a word to the typo dictionary: the word itself and every form with one letter deleted
// point to it, so that a misspelling is found by looking up its own deletions, never by scanning.
func (ix *Index) addKnown(w string) {
	i := int32(len(ix.known))
	ix.known = append(ix.known, w)
	ix.deletes[w] = append(ix.deletes[w], i)
	for k := 0; k < len(w); k++ {
		d := w[:k] + w[k+1:]
		if l := ix.deletes[d]; len(l) == 0 || l[len(l)-1] != i {
			ix.deletes[d] = append(l, i)
		}
	}
}

// buildSynonyms makes every term of a group rewrite to the group's first term.
func (ix *Index) buildSynonyms() {
	for _, g := range ix.base.Synonyms {
		canon := ix.wordTokens(words(g[0]), nil, false)
		if len(canon) > 1 {
			// The canonical phrase itself is kept whole: without this rule a shorter synonym inside it
			// ("interventional" in "interventional radiology") would be rewritten to the whole phrase,
			// leaving the rest of it doubled ("interventional radiology radiology").
			stems := make([]string, len(canon))
			for i, tk := range canon {
				stems[i] = tk.stem
			}
			ix.syn[stems[0]] = append(ix.syn[stems[0]], synRule{from: stems, to: canon, identity: true})
		}
		for _, t := range g[1:] {
			from := ix.wordTokens(words(t), nil, false)
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
}

// termIDs maps analysed stems to term ids, adding new terms.
func (ix *Index) termIDs(stems []string) []int32 {
	out := make([]int32, 0, len(stems))
	for _, s := range stems {
		id, ok := ix.terms[s]
		if !ok {
			id = int32(len(ix.terms))
			ix.terms[s] = id
			ix.df = append(ix.df, 0)
			ix.dfQ = append(ix.dfQ, 0)
			ix.oosDF = append(ix.oosDF, 0)
			ix.phrDF = append(ix.phrDF, 0)
			ix.post = append(ix.post, nil)
			ix.oosPo = append(ix.oosPo, nil)
		}
		out = append(out, id)
	}
	return out
}

// setOf returns the sorted distinct term ids of words.
func (ix *Index) setOf(ws []string) []int32 {
	ids := ix.termIDs(ix.finish(ix.wordTokens(ws, nil, false), nil))
	slices.Sort(ids)
	return slices.Compact(ids)
}

// buildPostings counts every term of every entry, field by field.
func (ix *Index) buildPostings(texts []entryText) {
	n := len(ix.base.Entries)
	ix.docLen = make([]float64, n)
	ix.phr = make([][][]int32, n)
	type acc struct {
		tfQ, tfA float64
		nPhr     int
	}
	tf := map[int32]*acc{}
	for i, t := range texts {
		clear(tf)
		get := func(id int32) *acc {
			a := tf[id]
			if a == nil {
				a = &acc{}
				tf[id] = a
			}
			return a
		}
		addSet := func(set []int32, w float64, phrasing bool) {
			for _, id := range set {
				a := get(id)
				a.tfQ += w
				if phrasing {
					a.nPhr++
				}
				ix.docLen[i] += w
			}
			if phrasing {
				ix.phr[i] = append(ix.phr[i], set)
				ix.nPhrasings++
				for _, id := range set {
					ix.phrDF[id]++
				}
			}
		}
		addSet(ix.setOf(t.title), weightTitle, true)
		for _, p := range t.phrasings {
			addSet(ix.setOf(p), weightPhrasing, true)
		}
		for _, k := range t.keywords {
			addSet(ix.setOf(k), weightKeyword, false)
		}
		for _, id := range ix.termIDs(ix.finish(ix.wordTokens(t.answer, nil, false), nil)) {
			a := get(id)
			if a.tfA < maxAnswerTF {
				ix.docLen[i] += weightAnswer
			}
			a.tfA++
		}
		ids := make([]int32, 0, len(tf))
		for id := range tf {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			a := tf[id]
			ix.post[id] = append(ix.post[id], posting{entry: int32(i), tfQ: float32(a.tfQ), tfA: float32(a.tfA), nPhr: uint16(a.nPhr),
				focus: float32(focusOf(a.tfQ, a.nPhr, len(ix.phr[i])))})
			ix.df[id]++
			if a.tfQ > 0 {
				ix.dfQ[id]++
			}
		}
	}
	ix.idf = make([]float64, len(ix.terms))
	for id := range ix.idf {
		ix.idf[id] = idfOf(n, int(ix.df[id]))
	}
	ix.unknownIDF = unknownWeight * idfOf(n, 1)
	total := 0.0
	for _, l := range ix.docLen {
		total += l
	}
	avg := 1.0
	if n > 0 && total > 0 {
		avg = total / float64(n)
	}
	ix.bm25Norm = make([]float64, n)
	for i := range ix.bm25Norm {
		ix.bm25Norm[i] = bm25K1 * (1 - bm25B + bm25B*ix.docLen[i]/avg)
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
	ix.buildPhrasingTerms()
}

// buildPhrasingTerms lists each entry's phrasing terms and which phrasings have each (phrTerms, phrOf),
// in two allocations for all entries.
func (ix *Index) buildPhrasingTerms() {
	n := len(ix.phr)
	ix.phrTerms, ix.phrOf = make([][]int32, n), make([][]uint64, n)
	var all []int32
	ends := make([]int, n) // where each entry's terms end in all
	for i, ps := range ix.phr {
		if len(ps) <= maskPhrasings {
			start := len(all)
			for _, p := range ps {
				all = append(all, p...)
			}
			slices.Sort(all[start:])
			all = append(all[:start], slices.Compact(all[start:])...)
		}
		ends[i] = len(all)
	}
	all = slices.Clip(all)
	of := make([]uint64, len(all))
	start := 0
	for i, ps := range ix.phr {
		if len(ps) > maskPhrasings {
			continue
		}
		terms, end := all[start:ends[i]:ends[i]], ends[i]
		ix.phrTerms[i], ix.phrOf[i] = terms, of[start:end:end]
		for j, p := range ps {
			for _, id := range p {
				k, _ := slices.BinarySearch(terms, id)
				ix.phrOf[i][k] |= 1 << uint(j)
			}
		}
		start = end
	}
}

// maskPhrasings is how many phrasings (title included) an entry may have for phrasingSimMask; one with
// more takes the slower path.
const maskPhrasings = 64

// buildOutOfScope indexes the out-of-scope examples: their terms (some the entries never use, like
// "cardiology") and each example as a set, for the nearest-example similarity.
func (ix *Index) buildOutOfScope() {
	for k, q := range ix.base.OutOfScope {
		set := ix.setOf(words(q))
		ix.oos = append(ix.oos, set)
		for _, id := range set {
			ix.oosDF[id]++
			ix.oosPo[id] = append(ix.oosPo[id], int32(k))
		}
	}
	// Terms first seen here have no idf yet: they are rare as far as the entries go.
	for len(ix.idf) < len(ix.terms) {
		ix.idf = append(ix.idf, idfOf(len(ix.base.Entries), 0))
	}
	ix.oosW = make([]float64, len(ix.oos))
	for k, set := range ix.oos {
		for _, id := range set {
			ix.oosW[k] += ix.idf[id]
		}
	}
}

// focusOf is how central a term is to an entry (see posting.focus).
func focusOf(tfQ float64, nPhr, nPhrasings int) float64 {
	switch {
	case tfQ <= 1e-9:
		return 0
	case nPhr > 0 && nPhrasings > 0:
		return math.Min(1, 2*float64(nPhr)/float64(nPhrasings))
	}
	return 0.5 // a term only in the keywords
}

// idfOf is the BM25 inverse document frequency of a term found in df of n entries.
func idfOf(n, df int) float64 {
	if df < 1 {
		df = 1 // a term no entry has is as rare as one that one entry has
	}
	return math.Log(1 + (float64(n)-float64(df)+0.5)/(float64(df)+0.5))
}

func isDigits(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] < '0' || w[i] > '9' {
			return false
		}
	}
	return w != ""
}

// correct returns the known word a misspelt word most likely meant, or "". Only words of five or more
// letters are corrected, never abbreviations, numbers or real English words, and only within a distance
// that grows with length: one edit up to seven letters, two beyond. Candidates come from the deletion
// index, so the cost does not grow with the size of the knowledge.
func (ix *Index) correct(w string) string {
	if len(w) < 5 || stopWords[w] || isDigitsAny(w) || isEnglishWord(w) {
		return ""
	}
	maxD := 1
	if len(w) >= 8 {
		maxD = 2
	}
	best, bestD, ties := "", maxD+1, 0
	seen := map[int32]bool{}
	consider := func(key string) {
		for _, i := range ix.deletes[key] {
			if seen[i] {
				continue
			}
			seen[i] = true
			c := ix.known[i]
			d := knowledge.EditDistance(w, c, maxD)
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
	consider(w)
	for k := 0; k < len(w); k++ {
		d1 := w[:k] + w[k+1:]
		consider(d1)
		if maxD > 1 {
			for j := k; j < len(d1); j++ {
				consider(d1[:j] + d1[j+1:])
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

func isDigitsAny(w string) bool {
	for i := 0; i < len(w); i++ {
		if w[i] >= '0' && w[i] <= '9' {
			return true
		}
	}
	return false
}
