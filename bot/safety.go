package bot

import (
	"slices"
	"sort"
	"strings"

	"github.com/radbot/radbot/knowledge"
)

// Safety decides two things about every message, before any matching:
//
//   - crisis: a message that says someone may be in danger now (suicidal thoughts, emergency symptoms)
//     gets the urgent signposting. This is a rule, because a rule is clearer than an example here: the
//     phrases in safety.yaml's crisis list, matched as whole words in order (one extra word allowed
//     between them: "i just want to die" matches "want to die").
//   - personal medical advice: decided by what is asked, not by which words appear. A linear model on
//     words and word pairs is learned when the index is built from safety.yaml's two example lists
//     (refuse: personal medical questions; answer: career questions that use health words), with the
//     entries' phrasings and the out-of-scope examples as further questions that must not be refused.
//     "I'm pregnant, can I still do IR lists as a trainee?" is answered; "I'm pregnant, is my CT safe
//     for the baby?" is refused.

// safetyModel is the learned personal-medical-advice classifier.
type safetyModel struct {
	feats map[string]int32  // feature → index
	stems map[string]string // every word of the examples → its stem: stemming is the costly step
	w     []float64
	bias  float64
	// the examples, as feature sets, for --explain's nearest examples
	examples []safetyExample
}

type safetyExample struct {
	text   string
	refuse bool
	feats  []int32
}

// Training weights: the entries' phrasings and the out-of-scope examples are many and mostly far from
// health; they teach that ordinary questions are not refused without drowning the safety examples.
const (
	safetyOtherWeight = 0.05
	safetyLambda      = 0.1
)

// safetyTokens are the words a safety decision looks at: every word, stop words included (who is asked
// about, "my" and "I", matters here), as lemma stems.
func safetyTokens(ws []string, stems map[string]string) []string {
	return safetyTokensInto(make([]string, 0, len(ws)), ws, stems, nil)
}

// safetyTokensInto is safetyTokens appending to out, with the message's stem memo.
func safetyTokensInto(out []string, ws []string, stems map[string]string, memo *stemMemo) []string {
	for _, w := range ws {
		if r, ok := chatWord(w); ok {
			if r == "" {
				continue
			}
			w = r
		}
		s, ok := stems[w]
		if !ok {
			s = memo.stem(w)
		}
		out = append(out, s)
	}
	return out
}

// safetyFeatures are the words and adjacent word pairs of a message, and again, marked, those of the
// part that asks: the last clause with a question mark, else the last clause. "My nan had a thrombectomy
// and it inspired me, how do I become an interventional radiologist?" asks about a career; "I'm
// preparing for my radiology interview and I've noticed blood when I cough" tells of a symptom.
func safetyFeatures(text string, stems map[string]string) []string {
	out := pairs(safetyTokens(words(text), stems), "")
	if ask := askingClause(text); ask != "" {
		out = append(out, pairs(safetyTokens(words(ask), stems), "?")...)
	}
	return out
}

// pairs lists a message's words (but not function words like "my" or "is", which say little alone and
// would outweigh the rest) and every pair of adjacent words ("my scan", "my application", "is it").
// The tokens are stems, so a stop word whose stem differs ("really" is "realli") counts as a word here;
// leaving those out too was measured (2026-12-02) and refused more ordinary questions on
// cross-validation (21 -> 24 of 3612), so they stay.
func pairs(toks []string, mark string) []string {
	out := make([]string, 0, 2*len(toks))
	for i, t := range toks {
		if !stopWords[t] {
			out = append(out, mark+t)
		}
		if i > 0 && !articles[toks[i-1]] {
			out = append(out, mark+toks[i-1]+" "+t)
		}
	}
	return out
}

// articles start no word pair: who is asked about is in "my scan", not in "a scan", and "an MRI" was
// learnt as a patient's words ("can I get an MRI"), so "the difference between a CT scan and an MRI"
// was refused.
var articles = map[string]bool{"a": true, "an": true, "the": true}

// askingClause returns the clause of a message that asks: the last one ending in "?", else the last
// clause; "" when the message is one clause. Clauses end at punctuation, and at "and", "but" and "so".
// The classifier's features split this way; askingClauseBy(text, true) splits more carefully.
func askingClause(text string) string { return askingClauseBy(text, false) }

// askingClauseBy is askingClause; when strict, "and", "but" and "so" end a clause only when a new one
// starts after them (clauseStart): "my nan had a thrombectomy and it inspired me", not "the difference
// between a CT scan and an MRI", whose "an MRI?" asks nothing on its own. The career check uses the
// strict split (on cross-validation it refused 24 career questions of 764 instead of 25, and 24
// ordinary ones instead of 25; the development sets were unchanged). The classifier's features keep the
// loose one: with the strict split there, one more career question on dev-blind-b was refused
// (2026-12-02).
func askingClauseBy(text string, strict bool) string {
	var clauses []string
	start := 0
	flush := func(end int, q bool) {
		if c := strings.TrimSpace(text[start:end]); c != "" {
			if q {
				c += "?"
			}
			clauses = append(clauses, c)
		}
	}
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '?', '.', '!', ',', ';', ':', '\n':
			flush(i, text[i] == '?')
			start = i + 1
		case ' ':
			for _, c := range [...]string{" and ", " but ", " so "} {
				if strings.HasPrefix(text[i:], c) && (!strict || clauseStart(text[i+len(c):])) {
					flush(i, false)
					start = i + len(c) - 1
				}
			}
		}
	}
	flush(len(text), false)
	if len(clauses) < 2 {
		return ""
	}
	for i := len(clauses) - 1; i >= 0; i-- {
		if strings.HasSuffix(clauses[i], "?") {
			return clauses[i]
		}
	}
	return clauses[len(clauses)-1]
}

// clauseStart reports whether text starts a clause: its first word is a pronoun, a question word or
// an auxiliary verb ("and I've noticed", "but is it", "so how"), not the next item of a list ("and an
// MRI", "and pay").
func clauseStart(text string) bool {
	first, _, _ := strings.Cut(strings.TrimLeft(text, " "), " ")
	ws := knowledge.Words(first) // the one normaliser: "I've" is "ive", as everywhere else
	return len(ws) > 0 && clauseStarters[ws[0]]
}

// clauseStarters are the words that begin a clause after "and", "but" or "so".
var clauseStarters = toSet(`i im ive id ill it its my we were weve you u youre youve he hes she shes
	they theyre there theres this that thats how what whats when where why who which whether if
	can cant could couldnt do dont does doesnt did didnt is isnt are arent was wasnt will wont would
	wouldnt should shouldnt shall am have havent has hasnt had now then also still`)

func (m *safetyModel) ids(text string) []int32 {
	return m.appendIDs(nil, text, words(text), nil)
}

// appendIDs appends to out the sorted distinct ids of the known features of a message (safetyFeatures;
// ws is words(text)). It looks each feature up without building its string.
func (m *safetyModel) appendIDs(out []int32, text string, ws []string, memo *stemMemo) []int32 {
	var tb [32]string
	var kb [96]byte
	key := kb[:0]
	out, key = m.appendPairIDs(out, key, safetyTokensInto(tb[:0], ws, m.stems, memo), "")
	if ask := askingClause(text); ask != "" {
		out, _ = m.appendPairIDs(out, key, safetyTokensInto(tb[:0], words(ask), m.stems, memo), "?")
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// appendPairIDs appends the ids of the known features among pairs(toks, mark), using key as a buffer.
func (m *safetyModel) appendPairIDs(out []int32, key []byte, toks []string, mark string) ([]int32, []byte) {
	for i, t := range toks {
		if !stopWords[t] {
			key = append(append(key[:0], mark...), t...)
			if id, ok := m.feats[string(key)]; ok {
				out = append(out, id)
			}
		}
		if i > 0 && !articles[toks[i-1]] {
			key = append(append(append(append(key[:0], mark...), toks[i-1]...), ' '), t...)
			if id, ok := m.feats[string(key)]; ok {
				out = append(out, id)
			}
		}
	}
	return out, key
}

// probability returns how likely the message (its words) asks for personal medical advice.
func (m *safetyModel) probability(text string) float64 {
	return m.probabilityWords(text, words(text), nil)
}

// probabilityWords is probability with the message's words (words(text)) already split, and its stem
// memo.
func (m *safetyModel) probabilityWords(text string, ws []string, memo *stemMemo) float64 {
	if m == nil {
		return 0
	}
	var buf [64]int32
	z := m.bias
	for _, id := range m.appendIDs(buf[:0], text, ws, memo) {
		z += m.w[id]
	}
	return sigmoid(z)
}

// learnSafety fits the classifier on safety.yaml's examples (and the other questions the knowledge has).
func learnSafety(ix *Index) *safetyModel {
	s := ix.base.Safety
	if len(s.Refuse) == 0 {
		return nil
	}
	var others []string
	for _, e := range ix.base.Entries {
		others = append(others, e.Title)
		others = append(others, e.Questions...)
	}
	others = append(others, ix.base.OutOfScope...)
	return trainSafety(s.Refuse, s.Answer, others)
}

// trainSafety fits the classifier: refuse examples are positives; answer examples and others negatives.
func trainSafety(refuse, answer, others []string) *safetyModel {
	m := &safetyModel{feats: map[string]int32{}, stems: map[string]string{}}
	type row struct {
		feats  []int32
		y, wt  float64
		text   string
		refuse bool
	}
	var rows []row
	add := func(texts []string, y, wt float64, keep bool) {
		for _, t := range texts {
			var ids []int32
			for _, w := range words(t) {
				if _, ok := m.stems[w]; !ok {
					m.stems[w] = stem(w)
				}
			}
			for _, f := range safetyFeatures(t, m.stems) {
				id, ok := m.feats[f]
				if !ok {
					id = int32(len(m.feats))
					m.feats[f] = id
				}
				ids = append(ids, id)
			}
			slices.Sort(ids)
			ids = slices.Compact(ids)
			rows = append(rows, row{feats: ids, y: y, wt: wt})
			if keep {
				m.examples = append(m.examples, safetyExample{text: t, refuse: y == 1, feats: ids})
			}
		}
	}
	add(refuse, 1, 1, true)
	add(answer, 0, 1, true)
	add(others, 0, safetyOtherWeight, false)
	xs := make([][]int32, len(rows))
	ys := make([]float64, len(rows))
	ws := make([]float64, len(rows))
	for i, r := range rows {
		xs[i], ys[i], ws[i] = r.feats, r.y, r.wt
	}
	m.w, m.bias = fitSparseLogistic(xs, ys, ws, len(m.feats), safetyLambda)
	return m
}

// safetyPolicy cuts the classifier's probability that a message asks for personal medical advice:
// from RefuseAt it is refused; under MaybeAt it is not; in between, the knowledge settles it: when an
// entry answers the message with confidence CareerSure or more, it is a career question that happens to
// use health words, otherwise it is refused.
type safetyPolicy struct {
	RefuseAt, MaybeAt, CareerSure float64
}

// safetyCut is the policy the bot uses, chosen by `radbot eval --cv --sweep` on the safety examples
// (each judged by a classifier fitted without it): the most personal medical questions refused while at
// most 1 career question in 30 and 1 ordinary question in 100 is refused. The held-out evaluation sets
// play no part. Another cut replaces it only when it refuses significantly more (crossValidateSafety)
// and the development sets agree (README, "Measuring the matcher"): on 2026-12-02 a first version of the
// boosted confidence made the sweep prefer 0.40/0.30/0.30, which refused more career questions there and
// gained no medical one.
var safetyCut = safetyPolicy{RefuseAt: 0.55, MaybeAt: 0.35, CareerSure: 0.5}

// judgeSafety returns the classifier's probability for a message and the confidence of the knowledge's
// best answer to it (computed only when the probability is in the unsure middle, else -1).
func (ix *Index) judgeSafety(m *safetyModel, text string, lowest float64, highest float64) (p, career float64) {
	p, career = m.probability(text), -1
	if p >= lowest && p < highest {
		career = 0
		if top, _ := ix.rankLean(ix.queryTerms(ix.analyze(text, nil), 1, nil), noMask, nil); len(top) > 0 {
			career = ix.askedCareer(text, top[0].Confidence)
		}
	}
	return p, career
}

// askedCareer is how surely the knowledge answers what a message asks, given how surely it answers the
// whole message (whole): in a message of several clauses, the part that asks must be answered too. "I've
// found a lump in my neck. Can I ask the radiology department to scan me?" matches an entry on head and
// neck imaging as a whole, but nothing in the knowledge answers a request for a scan.
func (ix *Index) askedCareer(text string, whole float64) float64 {
	ask := askingClauseBy(text, true)
	if ask == "" {
		return whole
	}
	c := 0.0
	if top, _ := ix.rankLean(ix.queryTerms(ix.analyze(ask, nil), 1, nil), noMask, nil); len(top) > 0 {
		c = top[0].Confidence
	}
	return min(whole, c)
}

// refuses applies a safety policy to a judged message.
func (sp safetyPolicy) refuses(p, career float64) bool {
	switch {
	case p >= sp.RefuseAt:
		return true
	case p < sp.MaybeAt:
		return false
	}
	return career < sp.CareerSure
}

// SafetyNeighbour is a safety example close to a message, for --explain.
type SafetyNeighbour struct {
	Text       string
	Refuse     bool
	Similarity float64
}

// nearest returns the k examples most like the message (Jaccard similarity of their features).
func (m *safetyModel) nearest(text string, k int) []SafetyNeighbour {
	if m == nil {
		return nil
	}
	q := m.ids(text)
	var out []SafetyNeighbour
	for _, ex := range m.examples {
		shared := 0
		for _, id := range q {
			if containsID(ex.feats, id) {
				shared++
			}
		}
		if shared == 0 {
			continue
		}
		out = append(out, SafetyNeighbour{Text: ex.text, Refuse: ex.refuse, Similarity: float64(shared) / float64(len(q)+len(ex.feats)-shared)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Similarity > out[j].Similarity })
	if len(out) > k {
		out = out[:k]
	}
	return out
}

// buildCrisis prepares the crisis phrases as word sequences.
func (ix *Index) buildCrisis() {
	for _, p := range ix.base.Safety.Crisis {
		if ws := ix.crisisWords(nil, words(p), nil); len(ws) > 0 {
			ix.crisisFirst[ws[0]] = append(ix.crisisFirst[ws[0]], int32(len(ix.crisis)))
			ix.crisis = append(ix.crisis, ws)
		}
	}
}

// crisisWords reads chat spellings, so "cant breathe" and "can't breathe" are one phrase, and keeps
// negation: chat spelling reads "cant" as "can", which would make "cant breathe" fire on "can you
// breathe in a lead apron all day?", so a negative contraction becomes its verb and "not".
// They are appended to out; memo is the message's stem memo.
func (ix *Index) crisisWords(out, ws []string, memo *stemMemo) []string {
	for _, w := range ws {
		if v, ok := negatives[w]; ok {
			out = append(out, ix.wordStem(v, memo), "not")
			continue
		}
		if r, ok := chatWords[w]; ok && r != "" {
			w = r
		}
		out = append(out, ix.wordStem(w, memo)) // "killing myself" is "kill myself"
	}
	return out
}

// negatives are negative contractions (as normalised, without the apostrophe) and their verbs.
var negatives = map[string]string{
	"cant": "can", "cannot": "can", "cnt": "can", "dont": "do", "doesnt": "does", "didnt": "did", "isnt": "is",
	"arent": "are", "wasnt": "was", "werent": "were", "wont": "will", "wouldnt": "would", "couldnt": "could",
	"shouldnt": "should", "aint": "is", "havent": "have", "hasnt": "has", "hadnt": "had",
}

// crisisPhrase returns the crisis phrase a message contains (the first in the list when it contains
// several), or "". Only the phrases that start with one of the message's words are tried.
func (ix *Index) crisisPhrase(ws []string, memo *stemMemo) string {
	var buf [32]string
	ws = ix.crisisWords(buf[:0], ws, memo)
	first := -1
	for _, w := range ws {
		for _, k := range ix.crisisFirst[w] {
			if first >= 0 && int(k) >= first {
				break
			}
			if containsInOrder(ws, ix.crisis[k]) {
				first = int(k)
				break
			}
		}
	}
	if first < 0 {
		return ""
	}
	return strings.Join(ix.crisis[first], " ")
}

// containsInOrder reports whether phrase occurs in ws in order, with at most one other word between two
// of its words ("i just want to die" has "want to die"), or two in a phrase of three words or more
// ("i don't really want to be here any more"). A phrase right after "not" does not count unless it
// carries its own negation: "I don't want to die wondering if I should have tried IR" is no crisis.
func containsInOrder(ws, phrase []string) bool {
	gap := 1
	if len(phrase) >= 3 {
		gap = 2
	}
	ownNot := slices.Contains(phrase, "not")
	for start := range ws {
		if ws[start] != phrase[0] || !ownNot && start > 0 && ws[start-1] == "not" {
			continue
		}
		i, ok := start, true
		for _, p := range phrase[1:] {
			next := -1
			for k := i + 1; k <= i+1+gap && k < len(ws); k++ {
				if ws[k] == p {
					next = k
					break
				}
			}
			if next < 0 {
				ok = false
				break
			}
			i = next
		}
		if ok {
			return true
		}
	}
	return false
}
