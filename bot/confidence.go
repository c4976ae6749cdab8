package bot

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// The answer confidence: one probability per candidate entry that it is the right answer, from a
// conditional logit over the ranking signals with boosted trees on top (boost.go). It is learned when
// the index is built, from the knowledge alone: every phrasing of every entry is asked as a question
// with that phrasing hidden from the index (leave-one-out), and every out-of-scope example likewise; the
// right entry is the positive, every other candidate (and every candidate of an out-of-scope example) a
// negative. No held-out evaluation question is ever used, so the evaluation stays honest.

// featureNames label the confidence features, for --explain.
var featureNames = [...]string{
	"bias", "coverage", "q-coverage", "focus", "phrasing", "answer", "bm25", "exact", "off-knowledge",
	"unknown", "oos-sim", "oos-over-in", "prelim-gap", "top", "short", "phrasing-gap", "off-questions", "missing", "contains-phrasing", "contain-gap", "scope-odds", "scope-most", "scope-least",
}

// nFeatures is the length of a candidate's feature vector (featureNames).
const nFeatures = len(featureNames)

// features computes the feature vectors of candidates ordered by prelim score. The vectors share one
// allocation, all when it is long enough.
func features(cands []Scored, qi queryInfo, all []float64) {
	// The builtin max gives what math.Max does (NaN and signed zeros alike), faster. otherPhr, the best
	// phrasing similarity of the other candidates, is the best of all but for the (first) best one, whose
	// is the second best.
	maxPhr, maxCon, secondPhr, bestAt := 0.0, 0.0, 0.0, -1
	for i, c := range cands {
		if bestAt < 0 || c.Phrasing > cands[bestAt].Phrasing {
			bestAt = i
		}
		maxCon = max(maxCon, c.contain)
	}
	for i, c := range cands {
		maxPhr = max(maxPhr, c.Phrasing)
		if i != bestAt {
			secondPhr = max(secondPhr, c.Phrasing)
		}
	}
	if len(all) < len(cands)*nFeatures {
		all = make([]float64, len(cands)*nFeatures)
	}
	for i := range cands {
		c := &cands[i]
		gap := 0.0
		switch {
		case i == 0 && len(cands) > 1:
			gap = c.Prelim - cands[1].Prelim
		case i == 0:
			gap = c.Prelim
		default:
			gap = c.Prelim - cands[0].Prelim
		}
		otherPhr := maxPhr
		if i == bestAt {
			otherPhr = secondPhr
		}
		exact, top := 0.0, 0.0
		if c.Phrasing > 0.999 {
			exact = 1
		}
		if i == 0 {
			top = 1
		}
		f := all[i*nFeatures : (i+1)*nFeatures : (i+1)*nFeatures]
		f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7] = 1, c.Coverage, c.QCoverage, c.Focus, c.Phrasing, c.Answer, c.BM25, exact
		f[8], f[9], f[10], f[11], f[12], f[13] = qi.off, qi.unknown, qi.oosSim, qi.oosSim-maxPhr, gap, top
		f[14] = 1 / math.Sqrt(float64(max(1, qi.nContent)))
		f[15], f[16], f[17], f[18], f[19] = c.Phrasing-otherPhr, qi.offQ, c.miss, c.contain, c.contain-maxCon
		f[20], f[21], f[22] = qi.scope, qi.scopeMax/5, qi.scopeMin/5
		c.features = f
	}
}

// score sets each candidate's features and, once the model is learned, its confidence: the
// probability, among these candidates and "none of them", that it is the right answer. It computes
// what choiceProbs does, in place.
func (m *model) score(cands []Scored, qi queryInfo) {
	m.scoreInto(cands, qi, nil)
}

// scoreInto is score with the feature vectors in all when it is long enough.
func (m *model) scoreInto(cands []Scored, qi queryInfo, all []float64) {
	features(cands, qi, all)
	if m == nil {
		return
	}
	zmax := 0.0
	for i := range cands {
		z := dot(m.w, cands[i].features)
		// The trees learned from the first trainCandidates candidates (in prelim order, as here) only;
		// past them the linear score stands, and an answer costs 5 tree walks, not 12.
		if i < trainCandidates {
			z += m.trees.score(cands[i].features)
		}
		cands[i].Confidence = z
		zmax = max(zmax, z)
	}
	sum := math.Exp(-zmax) // "none"
	for i := range cands {
		cands[i].Confidence = math.Exp(cands[i].Confidence - zmax)
		sum += cands[i].Confidence
	}
	for i := range cands {
		cands[i].Confidence /= sum
	}
}

// Training size: beyond maxTrainQueries held-out questions (maxTrainQueriesLarge for a knowledge base of
// more than largeBase entries, where each one costs more to ask) the examples are sampled (thin), so that
// even 10,000 entries build in about a second. The shipped knowledge (about 3,650 examples) is learnt
// from whole: over 8 resampled models (`radbot eval --resamples 8`), learning from all examples instead
// of 2,500 gave the development sets 1.8 more right answers and 0.9 fewer wrong on average, with a
// narrower spread, for about 80 ms more load time (2026-12-02).
const (
	maxTrainQueries      = 4000
	maxTrainQueriesLarge = 1200
	largeBase            = 1000
	trainCandidates      = 5
	confLambda           = 0.5
)

// heldOut is one of the knowledge's own examples asked as a question: its terms, what hides it, and the
// entry it belongs to (-1 for an out-of-scope example).
type heldOut struct {
	terms []qterm
	m     mask
	entry int
	key   uint64 // exampleKey of its text: which subset, fold and context words it gets
}

// exampleKey is a fixed pseudo-random number for an example, from its entry and its text alone. Which
// examples the confidence model learns from, which of them are also asked with context words, and
// which cross-validation fold each falls in are decided by it, not by position: when a maintainer adds
// an entry, only its own examples join, and the model is not refitted on a reshuffled set (by position,
// one new entry moved every later example's fold and context words, and the figures by noise).
//
// sample (0 for the bot in use) draws another sample from the same examples: `radbot eval --resamples`
// fits several models this way, to tell a change's effect from the luck of one sample.
func exampleKey(sample uint64, entry, text string) uint64 {
	return textKey(sample, entry, Normalize(text))
}

// textKey is exampleKey of the text as written.
func textKey(sample uint64, entry, text string) uint64 {
	h := fnv64("\x00", fnv64(entry, fnvOffset))
	return mix64(fnv64(text, h) + sample*golden64)
}

// golden64 spreads consecutive numbers (samples, a word's uses) over the 64-bit range.
const golden64 = 0x9e3779b97f4a7c15

// heldOutText is a held-out example's entry id ("" for an out-of-scope example) and text.
func (ix *Index) heldOutText(h heldOut) (string, string) {
	if h.entry < 0 {
		return "", ix.base.OutOfScope[h.m.oos]
	}
	e := ix.base.Entries[h.entry]
	if h.m.phr == 0 {
		return e.ID, e.Title
	}
	return e.ID, e.Questions[h.m.phr-1]
}

const fnvOffset = 14695981039346656037

// fnv64 continues an FNV-1a hash h over s (start from fnvOffset), without allocating.
func fnv64(s string, h uint64) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// mix64 spreads a hash's bits (the splitmix64 finaliser): FNV's low bits alone are not uniform enough
// for a fold number.
func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// heldOuts lists every phrasing (the title too) and every out-of-scope example as a held-out question;
// at most limit of them (all when limit <= 0), evenly spread.
func (ix *Index) heldOuts(limit int) []heldOut {
	var out []heldOut
	for e, ps := range ix.phr {
		for j, p := range ps {
			if len(p) > 0 {
				out = append(out, heldOut{m: mask{entry: int32(e), phr: j, oos: -1}, entry: e})
			}
		}
	}
	for k, set := range ix.oos {
		if len(set) > 0 {
			out = append(out, heldOut{m: mask{entry: -1, phr: -1, oos: k}, entry: -1})
		}
	}
	// A large knowledge base is thinned on a cheap key (the text as written); exampleKey normalises the
	// text, which for every example of 10,000 entries cost 0.1 s, so only the kept ones get it.
	thinned := limit > 0 && len(out) > limit
	for i := range out {
		id, text := ix.heldOutText(out[i])
		if thinned {
			out[i].key = textKey(ix.sample, id, text)
		} else {
			out[i].key = exampleKey(ix.sample, id, text)
		}
	}
	if thinned {
		out = thin(out, limit)
		for i := range out {
			id, text := ix.heldOutText(out[i])
			out[i].key = exampleKey(ix.sample, id, text)
		}
	}
	// Only the kept ones are turned into question terms: a large knowledge base has many more.
	for i := range out {
		var set []int32
		if out[i].entry >= 0 {
			set = ix.phr[out[i].entry][out[i].m.phr]
		} else {
			set = ix.oos[out[i].m.oos]
		}
		stems := make([]string, len(set))
		for k, id := range set {
			stems[k] = ix.stemOf[id]
		}
		out[i].terms = ix.queryTerms(stems, 1, nil)
	}
	return out
}

// thin keeps at most n of hs: those with the smallest keys, a pseudo-random sample that an added
// example changes by at most one, in their order in hs.
func thin(hs []heldOut, n int) []heldOut {
	if len(hs) <= n {
		return hs
	}
	idx := make([]int, len(hs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(hs[a].key, hs[b].key) })
	idx = idx[:n]
	slices.Sort(idx)
	out := make([]heldOut, 0, n)
	for _, i := range idx {
		out = append(out, hs[i])
	}
	return out
}

// choiceOf turns a held-out question's candidates (in prelim order) into a training choice.
func choiceOf(cands []Scored, entry int) choice {
	// The model learns from the first candidates in prelim order, the order scoreInto sees. rank sorts
	// by the index's own model: none while the index is built, but during cross-validation the full
	// model, which has seen the fold's held-out examples and must not pick their training rows.
	slices.SortStableFunc(cands, func(a, b Scored) int { return cmp.Compare(b.Prelim, a.Prelim) })
	c := choice{right: -1}
	for i, s := range cands {
		if i == trainCandidates {
			break
		}
		c.x = append(c.x, s.features)
		if s.index == entry {
			c.right = i
		}
	}
	return c
}

// learnConfidence fits the confidence model on the knowledge's own examples, each asked with itself
// hidden, plainly and with context words added.
func learnConfidence(ix *Index) *model {
	return fitConfidence(ix.choices(ix.heldOuts(ix.trainSize())))
}

// confBoost shapes the trees boosted on the linear confidence model.
var confBoost = boostSettings{rounds: 40, depth: 3, bins: 32, rate: 0.1, lambda: 5, minHess: 5}

// fitConfidence fits the linear choice model, then boosts trees on its residuals.
func fitConfidence(cs []choice) *model {
	m := fitChoice(cs, confLambda, 15)
	if m != nil && confBoost.rounds > 0 {
		m.trees = newForest(boostChoice(cs, m.w, confBoost))
	}
	return m
}

// trainSize is how many held-out questions the confidence model learns from.
func (ix *Index) trainSize() int {
	if len(ix.base.Entries) > largeBase {
		return maxTrainQueriesLarge
	}
	return maxTrainQueries
}

// choices asks each held-out example as written, and half of them (by key) again with a few words of
// context added. People rarely type a question as tidily as a phrasing ("F2 in the midlands, thinking about rads, how long is
// training?"); asked only tidy questions, the model would learn that every word must match and doubt
// every real question. The context words are drawn from the words of other entries' phrasings and of
// the out-of-scope examples, as often as those words are used, by a generator seeded with the example's
// key, so an example gets the same words whatever else the knowledge holds (contextPool).
func (ix *Index) choices(hs []heldOut) []choice {
	pool := ix.contextPool()
	out := make([]choice, 0, 2*len(hs))
	for _, h := range hs {
		cands, _ := ix.rank(append([]qterm(nil), h.terms...), h.m)
		out = append(out, choiceOf(cands, h.entry))
		if len(pool.ids) == 0 || h.key>>63 == 1 {
			continue // half the examples also with context: enough to learn from, at half the cost
		}
		rng := rand.New(rand.NewPCG(h.key, 2))
		terms := append([]qterm(nil), h.terms...)
		for k := 2 + rng.IntN(4); k > 0; k-- {
			id := pool.draw(rng.Uint64())
			if !slices.ContainsFunc(terms, func(t qterm) bool { return t.id == id }) {
				terms = append(terms, qterm{stem: ix.stemOf[id], id: id, w: 1})
			}
		}
		cands, _ = ix.rank(terms, h.m)
		out = append(out, choiceOf(cands, h.entry))
	}
	return out
}

// wordPool holds one place per use of a word in the phrasings and out-of-scope examples, so that a
// common word is drawn as often as it is used. Each use sits at a fixed pseudo-random point (from the
// word and which use of it it is), and a draw takes the first use at or after a random point: a new
// entry's words take a few draws that fell just before them and leave every other draw as it was.
type wordPool struct {
	ids []int32
	at  []uint64 // ascending
}

func (p wordPool) draw(r uint64) int32 {
	j := sort.Search(len(p.at), func(i int) bool { return p.at[i] >= r })
	if j == len(p.at) {
		j = 0
	}
	return p.ids[j]
}

// contextPool lists the term of every word of every phrasing and out-of-scope example (wordPool).
//
// A place is packed into one number, its point in the high bits and the term id in the low idBits, so
// the pool sorts as plain integers (10,000 entries have about half a million places).
func (ix *Index) contextPool() wordPool {
	const idBits = 24
	if len(ix.stemOf) >= 1<<idBits {
		panic("bot: too many terms for the context pool")
	}
	uses := make([]uint64, len(ix.stemOf))
	hashes := make([]uint64, len(ix.stemOf))
	var places []uint64
	add := func(set []int32) {
		for _, id := range set {
			if hashes[id] == 0 {
				hashes[id] = fnv64(ix.stemOf[id], fnvOffset)
			}
			at := mix64(hashes[id] + uses[id]*golden64)
			uses[id]++
			places = append(places, at&^(1<<idBits-1)|uint64(id))
		}
	}
	for _, phr := range ix.phr {
		for _, p := range phr[1:] {
			add(p)
		}
	}
	for _, set := range ix.oos {
		add(set)
	}
	slices.Sort(places)
	pool := wordPool{ids: make([]int32, len(places)), at: make([]uint64, len(places))}
	for i, p := range places {
		pool.ids[i], pool.at[i] = int32(p&(1<<idBits-1)), p&^(1<<idBits-1)
	}
	return pool
}
