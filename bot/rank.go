package bot

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"sync"

	"github.com/radbot/radbot/knowledge"
)

// qterm is one distinct query term with its weight (grade words and follow-up context weigh less).
type qterm struct {
	stem string
	id   int32 // -1 when the knowledge has never seen it
	w    float64
}

// queryTerms turns analysed stems into distinct weighted terms. Grade words weigh half when the question
// has another content word. Question words alone are no question to match: "which one should he go
// for?" names nothing the knowledge could answer (as a follow-up, the last question gives it a topic).
func (ix *Index) queryTerms(stems []string, w float64, into []qterm) []qterm {
	if onlyQuestionWords(stems) {
		return into
	}
	other := false
	for _, s := range stems {
		if !gradeWords[s] {
			other = true
			break
		}
	}
next:
	for _, s := range stems {
		tw := w
		if other && gradeWords[s] {
			tw *= gradeWeight
		}
		if questionStems[s] {
			tw *= questionWeight
		}
		for i := range into {
			if into[i].stem == s {
				into[i].w = math.Max(into[i].w, tw)
				continue next
			}
		}
		id, ok := ix.terms[s]
		if !ok {
			id = -1
		}
		into = append(into, qterm{stem: s, id: id, w: tw})
	}
	return into
}

func onlyQuestionWords(stems []string) bool {
	for _, s := range stems {
		if !questionStems[s] {
			return false
		}
	}
	return len(stems) > 0
}

// mask hides one of the knowledge's own examples from the index, as if it had never been written, so
// that the example can be asked as a held-out question (leave-one-out). The zero mask hides nothing.
type mask struct {
	entry int32 // the entry whose phrasing is hidden, or -1
	phr   int   // which of its phrasings (0 is the title), or -1
	oos   int   // which out-of-scope example is hidden, or -1
}

var noMask = mask{entry: -1, phr: -1, oos: -1}

// counts returns a posting's counts with the masked text taken out: the question-side weight, the
// answer count (capped) and how many phrasings have the term.
func (ix *Index) counts(p posting, id int32, m mask) (tfQ, tfA float64, nPhr int) {
	tfQ, tfA, nPhr = float64(p.tfQ), float64(p.tfA), int(p.nPhr)
	if p.entry == m.entry {
		if m.phr >= 0 && containsID(ix.phr[m.entry][m.phr], id) {
			w := weightPhrasing
			if m.phr == 0 {
				w = weightTitle
			}
			tfQ -= w
			nPhr--
		}
	}
	if tfQ < 1e-9 {
		tfQ = 0
	}
	return tfQ, min(tfA, maxAnswerTF), nPhr
}

// Scored is an entry with how well it matched.
type Scored struct {
	Entry *knowledge.Entry
	// Confidence is the learned probability, 0..1, that this entry is the right answer.
	Confidence float64
	// The signals the confidence is computed from, each 0..1.
	Coverage   float64 // share of the question's weight found anywhere in the entry's text
	QCoverage  float64 // ... in its title, phrasings and keywords
	Answer     float64 // ... in its answer
	Focus      float64 // coverage weighted by how central each matched term is to the entry
	Phrasing   float64 // similarity to the entry's closest phrasing (or title)
	BM25       float64 // BM25 over all its text, per unit of question weight, scaled to 0..1
	Prelim     float64 // the cheap ranking score that picks candidates
	Matched    []string
	index      int
	features   []float64
	phrasingAt int     // which phrasing was closest (0 is the title)
	miss       float64 // share of the question's weight in its heaviest word this entry lacks
	contain    float64 // the most of one phrasing's weight that the question contains
}

// queryInfo holds what is known of the question as a whole.
type queryInfo struct {
	mass    float64 // total weight of its terms
	unknown float64 // share of the weight in words the knowledge has never seen
	off     float64 // share in words no entry has (unknown, or known only from out-of-scope examples)
	offQ    float64 // share in words no entry's questions (title, phrasings, keywords) use
	// scope is the weighted mean log-odds that the question's words come from a phrasing rather than an
	// out-of-scope example (naive Bayes): "radiology" says in scope, "cardiology" says out.
	scope float64
	// scopeMax and scopeMin are the log-odds of the question's most in-scope and most out-of-scope
	// words: one "radiology" or one "cardiology" can settle it.
	scopeMax, scopeMin float64
	oosSim             float64 // similarity to the nearest out-of-scope example
	oosAt              int     // which example (-1 for none)
	nContent           int
}

// scratch holds per-search accumulators, reused through a pool so that a search allocates little
// whatever the size of the knowledge base.
type scratch struct {
	bm25, cover, coverQ, ans, focus []float64
	touched                         []int32
	oosShared                       []float64
	oosTouched                      []int32
	keep                            []ranked
	cands                           [candidates]Scored
	feats                           [candidates * nFeatures]float64
	phrasing                        phrasingBuf
	// has and hasQ are, by entry, bitmasks of the query terms (by index in the sorted query, when it has
	// at most maskTerms terms) that the entry's text has (has), and its question side has (hasQ), with a
	// hidden example taken out: they spare heaviestMissing and phrasingSim a search per term.
	has, hasQ []uint64
}

// phrasingBuf is phrasingSimMask's scratch space.
type phrasingBuf struct {
	in            [maskTerms]uint64
	share, qShare [maskTerms]float64
}

// maskTerms is how many query terms the bitmasks of scratch can hold; a longer query takes the slower
// path.
const maskTerms = 64

type ranked struct {
	entry int32
	score float64
}

func better(score float64, entry int32, than ranked) bool {
	return score > than.score || score == than.score && entry < than.entry
}

// candidates is how many entries, ranked by the cheap signals, get the costlier phrasing similarity and
// the learned confidence.
const candidates = 12

// Prelim weights: the cheap score that chooses which entries to look at closely. It only has to keep the
// right entry among the first few; the learned confidence decides.
const (
	prelimCoverage = 0.25
	prelimFocus    = 0.35
	prelimBM25     = 0.25
	prelimAnswer   = 0.15
)

// rank scores every entry that shares a term with the query and returns the best candidates, ordered by
// confidence, with what was found about the query as a whole. m hides one example (leave-one-out).
func (ix *Index) rank(q []qterm, m mask) ([]Scored, queryInfo) {
	return ix.rankWith(q, m, true, nil)
}

// rankLean is rank for a reply: the candidates come without their feature vectors (features is nil),
// which only learning, cross-validation and --explain read. They are written to into when it is not
// nil (the caller's space, which the result then shares), else to a new slice.
func (ix *Index) rankLean(q []qterm, m mask, into *[candidates]Scored) ([]Scored, queryInfo) {
	return ix.rankWith(q, m, false, into)
}

// rankWith is rank, keeping the candidates' feature vectors or not (see rankLean for into).
func (ix *Index) rankWith(q []qterm, m mask, keepFeatures bool, into *[candidates]Scored) ([]Scored, queryInfo) {
	n := len(ix.base.Entries)
	var qi queryInfo
	qi.oosAt = -1
	slices.SortFunc(q, func(a, b qterm) int { return cmp.Compare(a.id, b.id) })
	var hiddenOOS []int32
	if m.oos >= 0 {
		hiddenOOS = ix.oos[m.oos]
	}
	idfs := make([]float64, len(q))
	for i, t := range q {
		qi.nContent++
		df, dfQ, odf := 0, 0, 0
		if t.id >= 0 {
			df, dfQ, odf = int(ix.df[t.id]), int(ix.dfQ[t.id]), int(ix.oosDF[t.id])
			if m.entry >= 0 {
				// Hiding the example may take the term out of its entry altogether.
				if p, ok := ix.posting(m.entry, t.id); ok {
					tfQ, tfA, _ := ix.counts(p, t.id, m)
					if tfQ == 0 && p.tfQ > 0 {
						dfQ--
					}
					if tfQ == 0 && tfA <= 0 {
						df--
					}
				}
			}
			if containsID(hiddenOOS, t.id) {
				odf--
			}
		}
		switch {
		case df > 0 && df == int(ix.df[t.id]):
			idfs[i] = ix.idf[t.id]
		case df > 0:
			idfs[i] = idfOf(n, df)
		case odf > 0:
			idfs[i] = idfOf(n, 1)
			qi.off += t.w * idfs[i]
		default:
			idfs[i] = ix.unknownIDF
			qi.off += t.w * idfs[i]
			qi.unknown += t.w * idfs[i]
		}
		if dfQ <= 0 {
			qi.offQ += t.w * idfs[i]
		}
		qi.mass += t.w * idfs[i]
	}
	if qi.mass == 0 {
		return nil, qi
	}
	qi.scope, qi.scopeMax, qi.scopeMin = ix.scopeOdds(q, idfs, m)
	qi.scope /= qi.mass
	qi.offQ /= qi.mass
	qi.off /= qi.mass
	qi.unknown /= qi.mass

	sc, _ := ix.pool.Get().(*scratch)
	if sc == nil {
		sc = &scratch{bm25: make([]float64, n), cover: make([]float64, n), coverQ: make([]float64, n),
			ans: make([]float64, n), focus: make([]float64, n), oosShared: make([]float64, len(ix.oos)),
			has: make([]uint64, n), hasQ: make([]uint64, n)}
	}
	defer func() {
		for _, e := range sc.touched {
			sc.bm25[e], sc.cover[e], sc.coverQ[e], sc.ans[e], sc.focus[e] = 0, 0, 0, 0, 0
			sc.has[e], sc.hasQ[e] = 0, 0
		}
		for _, k := range sc.oosTouched {
			sc.oosShared[k] = 0
		}
		sc.touched, sc.oosTouched = sc.touched[:0], sc.oosTouched[:0]
		ix.pool.Put(sc)
	}()

	useMask := len(q) <= maskTerms
	for i, t := range q {
		if t.id < 0 {
			continue
		}
		wi := t.w * idfs[i]
		bit := uint64(1) << (uint(i) % maskTerms)
		for _, p := range ix.post[t.id] {
			e := p.entry
			tfQ, tfA, focus := float64(p.tfQ), min(float64(p.tfA), maxAnswerTF), float64(p.focus)
			if e == m.entry {
				var nPhr int
				tfQ, tfA, nPhr = ix.counts(p, t.id, m)
				if tfQ == 0 && tfA <= 0 {
					continue
				}
				nP := len(ix.phr[e])
				if m.phr >= 0 {
					nP--
				}
				focus = focusOf(tfQ, nPhr, nP)
			}
			if sc.cover[e] == 0 {
				sc.touched = append(sc.touched, e)
			}
			tf := tfQ + weightAnswer*tfA
			sc.bm25[e] += wi * tf * (bm25K1 + 1) / (tf + ix.bm25Norm[e])
			sc.cover[e] += wi
			if tfQ > 1e-9 {
				sc.coverQ[e] += wi
				sc.focus[e] += wi * focus
				sc.hasQ[e] |= bit
			}
			if tfA > 0 {
				sc.ans[e] += wi
			}
			sc.has[e] |= bit
		}
		for _, k := range ix.oosPo[t.id] {
			if int(k) == m.oos {
				continue
			}
			if sc.oosShared[k] == 0 {
				sc.oosTouched = append(sc.oosTouched, k)
			}
			sc.oosShared[k] += wi
		}
	}
	for _, k := range sc.oosTouched {
		// Weighted Jaccard: shared weight over the weight of both together.
		if s := sc.oosShared[k] / (ix.oosW[k] + qi.mass - sc.oosShared[k]); s > qi.oosSim {
			qi.oosSim, qi.oosAt = s, int(k)
		}
	}
	if len(sc.touched) == 0 {
		return nil, qi
	}
	prelim := func(e int32) float64 {
		return prelimCoverage*sc.cover[e]/qi.mass + prelimFocus*sc.focus[e]/qi.mass +
			prelimBM25*sc.bm25[e]/qi.mass/(bm25K1+1) + prelimAnswer*sc.ans[e]/qi.mass
	}
	// Keep the best few without sorting them all: a small sorted buffer, best first.
	buf := sc.keep[:0]
	for _, e := range sc.touched {
		p := prelim(e)
		if len(buf) == candidates && !better(p, e, buf[len(buf)-1]) {
			continue
		}
		if len(buf) < candidates {
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
	// The candidates are scored in prelim order in the scratch, then copied out in confidence order into
	// one allocation that also holds their feature vectors when they are kept (else they are computed in
	// the scratch).
	var sorted []Scored
	var feats []float64
	switch {
	case keepFeatures:
		ro := new(rankOut)
		sorted, feats = ro.s[:len(buf):len(buf)], ro.f[:]
	case into != nil:
		sorted, feats = into[:len(buf):len(buf)], sc.feats[:]
	default:
		sorted, feats = make([]Scored, len(buf)), sc.feats[:]
	}
	out := sc.cands[:len(buf)]
	for i, r := range buf {
		e := r.entry
		s := Scored{Entry: ix.base.Entries[e], index: int(e), Prelim: r.score,
			Coverage: sc.cover[e] / qi.mass, QCoverage: sc.coverQ[e] / qi.mass, Answer: sc.ans[e] / qi.mass,
			Focus: sc.focus[e] / qi.mass, BM25: sc.bm25[e] / qi.mass / (bm25K1 + 1)}
		if useMask {
			s.Phrasing, s.phrasingAt, s.contain = ix.phrasingSimMask(int(e), q, idfs, sc.hasQ[e], qi.mass, m, &sc.phrasing)
			s.miss = heaviestMissingMask(q, idfs, sc.has[e]) / qi.mass
		} else {
			s.Phrasing, s.phrasingAt, s.contain = ix.phrasingSim(int(e), q, idfs, qi.mass, m)
			s.miss = ix.heaviestMissing(int(e), q, idfs, m) / qi.mass
		}
		out[i] = s
	}
	ix.conf.scoreInto(out, qi, feats)
	var order [candidates]int
	idx := order[:len(out)]
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(out[b].Confidence, out[a].Confidence) })
	for i, k := range idx {
		sorted[i] = out[k]
		if !keepFeatures {
			sorted[i].features = nil
		}
	}
	clear(out)
	return sorted, qi
}

// topPool holds the candidate buffers of decide's rankings (see rankLean's into).
var topPool = sync.Pool{New: func() any { return new([candidates]Scored) }}

// rankOut is what rank returns, in one allocation: the candidates and their feature vectors.
type rankOut struct {
	s [candidates]Scored
	f [candidates * nFeatures]float64
}

// heaviestMissing returns the weight of the question's heaviest term that entry e does not have anywhere:
// one rare word an entry lacks ("anaesthetics" in "how competitive is core anaesthetics training") says
// the question is about something else, however well the rest matches.
func (ix *Index) heaviestMissing(e int, q []qterm, idfs []float64, m mask) float64 {
	heaviest := 0.0
	for i, t := range q {
		w := t.w * idfs[i]
		if w <= heaviest {
			continue
		}
		if t.id >= 0 && ix.has(int32(e), t.id, m) {
			continue
		}
		heaviest = w
	}
	return heaviest
}

// heaviestMissingMask is heaviestMissing with the entry's terms given as a bitmask over q (has).
func heaviestMissingMask(q []qterm, idfs []float64, has uint64) float64 {
	heaviest := 0.0
	for i, t := range q {
		w := t.w * idfs[i]
		if w <= heaviest {
			continue
		}
		if t.id >= 0 && has&(1<<uint(i)) != 0 {
			continue
		}
		heaviest = w
	}
	return heaviest
}

// scopeOdds sums, weighted like the question's mass, each term's log-odds of appearing in a phrasing
// rather than in an out-of-scope example, with the hidden example's own counts taken out.
func (ix *Index) scopeOdds(q []qterm, idfs []float64, m mask) (sum, most, least float64) {
	const alpha = 0.5
	nP, nO := float64(ix.nPhrasings), float64(len(ix.oos))
	var hidden, hiddenOOS []int32
	if m.entry >= 0 && m.phr >= 0 {
		hidden, nP = ix.phr[m.entry][m.phr], nP-1
	}
	if m.oos >= 0 {
		hiddenOOS, nO = ix.oos[m.oos], nO-1
	}
	most, least = math.Inf(-1), math.Inf(1)
	for i, t := range q {
		cP, cO := 0.0, 0.0
		if t.id >= 0 {
			cP, cO = float64(ix.phrDF[t.id]), float64(ix.oosDF[t.id])
			if containsID(hidden, t.id) {
				cP--
			}
			if containsID(hiddenOOS, t.id) {
				cO--
			}
		}
		odds := math.Log((cP+alpha)/(nP+1)) - math.Log((cO+alpha)/(nO+1))
		sum += t.w * idfs[i] * odds
		most, least = max(most, odds), min(least, odds)
	}
	if len(q) == 0 {
		most, least = 0, 0
	}
	return sum, most, least
}

// has reports whether entry e's text has the term, with a hidden example taken out.
func (ix *Index) has(e, id int32, m mask) bool {
	p, ok := ix.posting(e, id)
	if !ok {
		return false
	}
	tfQ, tfA, _ := ix.counts(p, id, m)
	return tfQ > 0 || tfA > 0
}

// posting finds entry e's posting for a term.
func (ix *Index) posting(e, id int32) (posting, bool) {
	ps := ix.post[id]
	i, ok := slices.BinarySearchFunc(ps, e, func(p posting, e int32) int { return cmp.Compare(p.entry, e) })
	if !ok {
		return posting{}, false
	}
	return ps[i], true
}

// phrasingSim is the best weighted Jaccard similarity between the query and one of the entry's
// phrasings (or its title), skipping a hidden one. q is sorted by term id (unknown terms, id -1,
// first), so each phrasing is compared by one merge of two sorted lists.
func (ix *Index) phrasingSim(e int, q []qterm, idfs []float64, qMass float64, m mask) (float64, int, float64) {
	best, at, contain := 0.0, -1, 0.0
	for j, p := range ix.phr[e] {
		if int32(e) == m.entry && j == m.phr {
			continue
		}
		shared, qShared := 0.0, 0.0
		k := 0
		for i, t := range q {
			if t.id < 0 {
				continue
			}
			for k < len(p) && p[k] < t.id {
				k++
			}
			if k < len(p) && p[k] == t.id {
				shared += idfs[i] * math.Min(1, t.w)
				qShared += t.w * idfs[i]
			}
		}
		union := ix.phrW[e][j] + qMass - qShared
		if union > 0 && shared/union > best {
			best, at = shared/union, j
		}
		if ix.phrW[e][j] > 0 {
			contain = max(contain, shared/ix.phrW[e][j])
		}
	}
	return best, at, contain
}

// phrasingSimMask is phrasingSim with the query terms the entry's question side has given as a bitmask
// over q (hasQ): no phrasing has any other term. Each of those terms is looked up in the entry's
// phrasing terms (phrTerms) for the phrasings that have it (phrOf), and only the phrasings that share a
// term with the query are scored: one that shares none changes neither the best similarity nor the
// containment. The sums add the same terms in the same order, so the result is the same.
// buf is scratch space, from the pool: zeroing it on every call would cost more than the rest.
func (ix *Index) phrasingSimMask(e int, q []qterm, idfs []float64, hasQ uint64, qMass float64, m mask, buf *phrasingBuf) (float64, int, float64) {
	if hasQ == 0 {
		return 0, -1, 0
	}
	if len(ix.phr[e]) > maskPhrasings {
		return ix.phrasingSim(e, q, idfs, qMass, m)
	}
	in, share, qShare := &buf.in, &buf.share, &buf.qShare // the phrasings that have each term, its weights
	nc := 0
	some := uint64(0) // the phrasings that share a term with the query
	terms, of := ix.phrTerms[e], ix.phrOf[e]
	for i, t := range q {
		if hasQ&(1<<uint(i)) == 0 {
			continue
		}
		k, ok := slices.BinarySearch(terms, t.id)
		if !ok {
			continue
		}
		in[nc], share[nc], qShare[nc] = of[k], idfs[i]*math.Min(1, t.w), t.w*idfs[i]
		some |= of[k]
		nc++
	}
	if int32(e) == m.entry && m.phr >= 0 && m.phr < maskPhrasings {
		some &^= 1 << uint(m.phr)
	}
	best, at, contain := 0.0, -1, 0.0
	phrW := ix.phrW[e]
	for some != 0 {
		j := bits.TrailingZeros64(some)
		some &= some - 1
		bit := uint64(1) << uint(j)
		shared, qShared := 0.0, 0.0
		for c := 0; c < nc; c++ {
			if in[c]&bit != 0 {
				shared += share[c]
				qShared += qShare[c]
			}
		}
		union := phrW[j] + qMass - qShared
		if union > 0 && shared/union > best {
			best, at = shared/union, j
		}
		if phrW[j] > 0 {
			contain = max(contain, shared/phrW[j])
		}
	}
	return best, at, contain
}

func containsID(sorted []int32, id int32) bool {
	_, ok := slices.BinarySearch(sorted, id)
	return ok
}

// hasAnyTerm reports whether the entry contains any of the query's terms: whether matched would list
// any.
func (ix *Index) hasAnyTerm(e int, q []qterm) bool {
	for _, t := range q {
		if t.id < 0 {
			continue
		}
		if _, ok := ix.posting(int32(e), t.id); ok {
			return true
		}
	}
	return false
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
