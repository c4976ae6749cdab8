package bot

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/radbot/radbot/knowledge"
)

// policy cuts the learned confidences into a reply. Each candidate's confidence is the probability
// that it is the right answer; their sum is the probability that the question is about one of them at
// all (in scope), and each one's share of the sum says how sure the choice between them is:
//
//	answered  the question is in scope (sum at least Scope) and the best entry holds at least Pick of it;
//	clarify   in scope, but the second entry also holds at least ClarifyAt: ask which was meant;
//	suggest   not sure it is in scope, but the best entry's confidence is at least SuggestAt and the sum
//	          at least InScopeAt: "did you mean ...?" with up to three, and the question is kept as
//	          unanswered;
//	fallback  out of scope when the sum is under InScopeAt, most of the question's weight is in words
//	          no entry uses, or an out-of-scope example is nearer than every phrasing by more than
//	          OOSMargin (a suggestion is not offered then); otherwise "not in the knowledge yet".
type policy struct {
	Pick, Scope, ClarifyAt, SuggestAt, InScopeAt float64
	// OOSMargin: the confidence model already weighs the nearest out-of-scope example; this rule
	// overrides it, so the sweep decides how much nearer the example must be (1 or more: never).
	OOSMargin float64
}

// decision is the policy the bot uses. It was chosen by `radbot eval --cv --sweep` on the knowledge's
// own phrasings and out-of-scope examples (leave-one-out, models refitted without each), as the policy
// with the best utility there; the held-out evaluation sets play no part. The sweep recommends another
// only when it gains more than twice the standard error (sweepPolicies): with this stop's 752 phrasings
// the best on the grid (pick 0.75, margin 0.1) gained 10.2 ± 20.4, so this one stays.
var decision = policy{Pick: 0.65, Scope: 0.8, ClarifyAt: 0.25, SuggestAt: 0.1, InScopeAt: 0.7, OOSMargin: 0.3}

// outOfScopeOff: a question most of whose weight is in words no entry uses is out of scope.
const outOfScopeOff = 0.5

// conversation is what the bot remembers of one user in one channel, for follow-ups and clarify picks.
type conversation struct {
	at         time.Time
	lastEntry  string
	lastTerms  []string // the analysed question the last answer came from
	candidates []EntryRef
}

func convKey(q Query) string {
	return string(q.Platform) + "\x00" + q.ConversationID + "\x00" + q.UserID
}

// verdict is the outcome of judging one analysed question.
type verdict struct {
	reply Reply
	top   []Scored
	qi    queryInfo
	stems []string
}

// answer picks the reply for one question within its conversation. The conversation comes from the
// shared state when there is one (another replica may have answered the last question), else from
// memory.
// ws is words(q.Text), or nil to split it here; memo is the message's stem memo (or nil).
// It returns the reply and the entry nearest the question (nil when none was ranked).
func (b *Bot) answer(ctx context.Context, ix *Index, q Query, ws []string, memo *stemMemo) (Reply, *knowledge.Entry) {
	now := b.opts.Now()
	key := convKey(q)
	b.mu.Lock()
	b.gcLocked(now)
	var conv conversation
	if c := b.convs[key]; c != nil && now.Sub(c.at) <= b.opts.ContextTTL {
		conv = *c
	}
	b.mu.Unlock()
	sk, shared := b.loadConversation(ctx, q, now, &conv)

	r, nearest := b.decide(ix, q.Text, ws, memo, &conv, q)

	var next *conversation
	switch r.Status {
	case StatusAnswered:
		next = &conversation{at: now, lastEntry: r.Entry.ID, lastTerms: conv.lastTerms}
	case StatusClarify, StatusSuggest:
		next = &conversation{at: now, lastEntry: conv.lastEntry, lastTerms: conv.lastTerms, candidates: r.Candidates}
	case StatusRefused: // a health question should not colour what comes next
	default:
		return r, nearest // nothing changes
	}
	b.mu.Lock()
	if next == nil {
		delete(b.convs, key)
	} else {
		b.convs[key] = next
	}
	b.mu.Unlock()
	if shared {
		b.saveConversation(ctx, sk, next, now)
	}
	return r, nearest
}

// sharedConversation is a conversation as the shared state keeps it.
type sharedConversation struct {
	At         time.Time  `json:"at"`
	LastEntry  string     `json:"last_entry,omitempty"`
	LastTerms  []string   `json:"last_terms,omitempty"`
	Candidates []EntryRef `json:"candidates,omitempty"`
}

// loadConversation reads the conversation from the shared state into conv (leaving conv as it is when
// there is no shared state or it fails). It returns the conversation's key and whether the shared
// state is in use.
func (b *Bot) loadConversation(ctx context.Context, q Query, now time.Time, conv *conversation) (StateKey, bool) {
	if b.opts.State == nil {
		return StateKey{}, false
	}
	userHash := HashID(b.opts.HashKey, q.Platform, q.UserID)
	sk := StateKey{Platform: q.Platform, UserHash: userHash,
		Key: "conv:" + HashID(b.opts.HashKey, q.Platform, q.ConversationID+"\x00"+q.UserID)}
	ctx, cancel := context.WithTimeout(ctx, b.opts.StateTimeout)
	defer cancel()
	data, err := b.opts.State.Conversation(ctx, sk, now)
	if err != nil {
		b.log.Warn("shared conversation context unavailable; using this replica's", "err", err)
		return sk, true
	}
	var sc sharedConversation
	switch {
	case data == nil:
		*conv = conversation{}
	case json.Unmarshal(data, &sc) != nil:
		b.log.Warn("ignoring a shared conversation context that does not decode")
		*conv = conversation{}
	case now.Sub(sc.At) <= b.opts.ContextTTL:
		*conv = conversation{at: sc.At, lastEntry: sc.LastEntry, lastTerms: sc.LastTerms, candidates: sc.Candidates}
	default:
		*conv = conversation{}
	}
	return sk, true
}

// saveConversation writes the conversation (nil: deletes it) to the shared state.
func (b *Bot) saveConversation(ctx context.Context, sk StateKey, c *conversation, now time.Time) {
	var data []byte
	if c != nil {
		data, _ = json.Marshal(sharedConversation{At: c.at, LastEntry: c.lastEntry, LastTerms: c.lastTerms, Candidates: c.candidates})
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.opts.StateTimeout)
	defer cancel()
	if err := b.opts.State.SaveConversation(ctx, sk, data, now.Add(b.opts.ContextTTL)); err != nil {
		b.log.Warn("saving the shared conversation context failed; this replica keeps its own", "err", err)
	}
}

// decide is the pipeline: a button's entry, a pick from the last clarify, safety, small talk, then
// matching (with two questions in one message, and elliptical follow-ups read against the last answer).
// conv is nil for a question with no context; decide updates conv.lastTerms when it answers. ws is
// words(text), or nil to split it here; memo is the message's stem memo (or nil). It returns the reply
// and the entry nearest the question (the best candidate, whatever the reply; nil when none was ranked).
func (b *Bot) decide(ix *Index, text string, ws []string, memo *stemMemo, conv *conversation, q Query) (Reply, *knowledge.Entry) {
	texts := ix.base.Texts
	if q.EntryID != "" {
		if e := ix.base.Entry(q.EntryID); e != nil {
			if conv != nil {
				conv.lastTerms = ix.analyze(e.Title, nil)
			}
			return b.answered(ix, e, 1), nil
		}
		// A stale button from before a reload: treat its label as a question, if there is one.
		if strings.TrimSpace(text) == "" {
			return Reply{Status: StatusFallback, Reason: ReasonNoMatch, Text: texts.Fallback, Links: texts.FallbackLinks}, nil
		}
	}
	if ws == nil {
		ws = words(text)
	}
	// The message is analysed (ix.analyze) once, when first needed.
	var stems []string
	analysed := false
	analyse := func() []string {
		if !analysed {
			stems, analysed = ix.finish(ix.wordTokensMemo(ws, nil, true, memo), nil), true
		}
		return stems
	}
	if conv != nil && len(conv.candidates) > 0 {
		if e := pickCandidate(ix, ws, analyse, conv.candidates); e != nil {
			conv.lastTerms = ix.analyze(e.Title, nil)
			return b.answered(ix, e, 1), nil
		}
	}
	// Crisis messages never get here: Answer signposts them first, whatever the limits.
	// Personal medical advice is refused (judgeSafety and safetyCut). In the unsure middle the question is
	// analysed and ranked to see whether an entry answers it; the matching below reuses both.
	// The message's own candidates go into a pooled buffer: nothing decide returns or keeps refers to
	// them (only the nearest entry is returned), so it goes back to the pool at the end.
	mainTop := topPool.Get().(*[candidates]Scored)
	defer func() {
		clear(mainTop[:])
		topPool.Put(mainTop)
	}()
	var safetyTop []Scored
	var safetyQI queryInfo
	ranked := false
	p, career := ix.safety.probabilityWords(text, ws, memo), -1.0
	if p >= safetyCut.MaybeAt && p < safetyCut.RefuseAt {
		safetyTop, safetyQI = ix.rankLean(ix.queryTerms(analyse(), 1, nil), noMask, mainTop)
		ranked = true
		career = 0
		if len(safetyTop) > 0 {
			career = ix.askedCareer(text, safetyTop[0].Confidence)
		}
	}
	if safetyCut.refuses(p, career) {
		return Reply{Status: StatusRefused, Reason: ReasonMedical, Text: texts.Refusal, Links: texts.RefusalLinks}, nil
	}
	switch smalltalkKind(ws) {
	case talkGreeting:
		return Reply{Status: StatusSmalltalk, Text: texts.Greeting}, nil
	case talkThanks:
		return Reply{Status: StatusSmalltalk, Text: texts.Thanks}, nil
	case talkHelp:
		return Reply{Status: StatusSmalltalk, Text: texts.Help}, nil
	}

	analyse()
	if onlyNumbers(stems) {
		// A bare "1" with no list to pick from is not a question about FRCR part 1.
		stems, ranked = nil, false
	}
	var v verdict
	if ranked {
		v = verdict{reply: b.cut(ix, safetyTop, safetyQI, decision), top: safetyTop, qi: safetyQI}
	} else {
		v = b.judgeInto(ix, ix.queryTerms(stems, 1, nil), mainTop)
	}
	v.stems = stems

	// An elliptical follow-up ("and for IR?", "how long does that take") is read against the last
	// question; a question that is answered well on its own stays on its own.
	if conv != nil && len(conv.lastTerms) > 0 && elliptical(ws, stems, v) {
		if fv, ok := b.followUp(ix, stems, conv, v); ok {
			v = fv
		}
	}
	// Two questions in one message: answer the stronger, offer the other first.
	if v2, ok := b.twoQuestions(ix, text, v, memo); ok {
		v = v2
	}
	if conv != nil && v.reply.Status == StatusAnswered {
		conv.lastTerms = v.stems
	}
	if len(v.top) > 0 {
		return v.reply, v.top[0].Entry
	}
	return v.reply, nil
}

// judge ranks an analysed question and cuts the confidence into a reply.
func (b *Bot) judge(ix *Index, terms []qterm) verdict {
	return b.judgeInto(ix, terms, nil)
}

// judgeInto is judge with the candidates written to into (see rankLean).
func (b *Bot) judgeInto(ix *Index, terms []qterm, into *[candidates]Scored) verdict {
	top, qi := ix.rankLean(terms, noMask, into)
	return verdict{reply: b.cut(ix, top, qi, decision), top: top, qi: qi}
}

// cut turns ranked candidates into answered, clarify, suggest or fallback.
func (b *Bot) cut(ix *Index, top []Scored, qi queryInfo, p policy) Reply {
	texts := ix.base.Texts
	st, reason := p.status(top, qi)
	score := 0.0
	if len(top) > 0 {
		score = top[0].Confidence
	}
	switch st {
	case StatusAnswered:
		return b.answered(ix, top[0].Entry, score)
	case StatusClarify:
		return choices(StatusClarify, texts.Clarify, top, p.ClarifyAt*inScope(top))
	case StatusSuggest:
		return choices(StatusSuggest, texts.Suggest, top, p.SuggestAt)
	}
	if reason == ReasonOutOfScope {
		return Reply{Status: StatusFallback, Reason: reason, Text: texts.OutOfScope, Links: texts.OutOfScopeLinks, Score: score}
	}
	return Reply{Status: StatusFallback, Reason: reason, Text: texts.Fallback, Links: texts.FallbackLinks, Score: score}
}

// inScope is the probability that the question is about one of the candidates.
func inScope(top []Scored) float64 {
	sum := 0.0
	for _, s := range top {
		sum += s.Confidence
	}
	return sum
}

// status is the policy's decision on ranked candidates, without building the reply.
func (p policy) status(top []Scored, qi queryInfo) (Status, Reason) {
	sum := inScope(top)
	reason := ReasonNoMatch
	if outOfScope(top, qi, p.OOSMargin) || sum < p.InScopeAt {
		reason = ReasonOutOfScope
	}
	if len(top) == 0 || sum <= 0 {
		return StatusFallback, reason
	}
	best, second := top[0].Confidence/sum, 0.0
	if len(top) > 1 {
		second = top[1].Confidence / sum
	}
	switch {
	case sum >= p.Scope && best >= p.Pick:
		return StatusAnswered, ReasonNone
	case sum >= p.Scope && second >= p.ClarifyAt:
		return StatusClarify, ReasonNone
	case top[0].Confidence >= p.SuggestAt && reason != ReasonOutOfScope:
		return StatusSuggest, ReasonNone
	}
	return StatusFallback, reason
}

// outOfScope says whether a question that is not answered is outside what RadBot covers: most of its
// weight is in words no entry uses, or an out-of-scope example is nearer than any phrasing by more
// than margin.
func outOfScope(top []Scored, qi queryInfo, margin float64) bool {
	if qi.off >= outOfScopeOff {
		return true
	}
	bestPhr := 0.0
	for _, s := range top {
		bestPhr = max(bestPhr, s.Phrasing)
	}
	return qi.oosSim > bestPhr+margin
}

// choices lists up to three candidates at or above at, as a clarify or suggest reply.
func choices(st Status, intro string, top []Scored, at float64) Reply {
	var cands []EntryRef
	for _, s := range top {
		if len(cands) > 0 && s.Confidence < at || len(cands) == 3 {
			break
		}
		cands = append(cands, EntryRef{ID: s.Entry.ID, Title: s.Entry.Title, Score: s.Confidence})
	}
	return Reply{Status: st, Text: choicesText(intro, cands), Candidates: cands, Score: top[0].Confidence}
}

func choicesText(intro string, cands []EntryRef) string {
	var sb strings.Builder
	sb.WriteString(strings.TrimSpace(intro))
	for i, c := range cands {
		sb.WriteByte('\n') // "\n%d. %s"
		sb.WriteString(strconv.Itoa(i + 1))
		sb.WriteString(". ")
		sb.WriteString(c.Title)
	}
	return sb.String()
}

func crisisReply(texts knowledge.Texts) Reply {
	return Reply{Status: StatusRefused, Reason: ReasonCrisis, Text: texts.Crisis, Links: texts.CrisisLinks}
}

func (b *Bot) answered(ix *Index, e *knowledge.Entry, score float64) Reply {
	r := Reply{Status: StatusAnswered, Entry: e, Text: e.Answer, Score: score}
	for _, id := range e.Related {
		if re := ix.base.Entry(id); re != nil && len(r.Related) < maxRelated {
			r.Related = append(r.Related, EntryRef{ID: re.ID, Title: re.Title})
		}
	}
	return r
}

// maxRelated is how many related questions a reply offers.
const maxRelated = 3

// contextWeight is how much the last question's words count in a follow-up, against 1 for its own.
const contextWeight = 0.7

// followShare is the share of the in-scope probability a follow-up's candidate needs when it is the last
// answer's entry or one of its related entries: a follow-up most likely stays near what was just said.
const followShare = 0.3

// followUp reads a short message against the last question: its own words (weight 1) and the last
// question's (weight contextWeight). It answers when that reading picks an entry surely, or when its
// best candidate near the last answer (the same entry or one it lists as related) holds followShare of
// the in-scope probability; either way the entry must have one of the message's own words. A message
// answered on its own by a neighbour of the last answer keeps that answer (the topic is swapped).
func (b *Bot) followUp(ix *Index, stems []string, conv *conversation, alone verdict) (verdict, bool) {
	last := ix.base.Entry(conv.lastEntry)
	// "How about MRI?" after "what is a CT scan" swaps the topic for a neighbour of the last answer: when
	// the message alone is answered by an entry the last one lists as related (or that lists it), that is
	// the answer. Read with the last question's words, it would be the entry that has both (CT versus MRI).
	if last != nil && alone.reply.Status == StatusAnswered && len(alone.top) > 0 {
		if e := alone.top[0].Entry; e.ID != last.ID && (slices.Contains(last.Related, e.ID) || slices.Contains(e.Related, last.ID)) {
			return alone, true
		}
	}
	own := ix.queryTerms(stems, 1, nil)
	fv := b.judge(ix, ix.queryTerms(conv.lastTerms, contextWeight, ix.queryTerms(stems, 1, nil)))
	fv.stems = append(append([]string(nil), stems...), conv.lastTerms...)
	hasOwn := func(s Scored) bool { return len(stems) == 0 || ix.hasAnyTerm(s.index, own) }
	if fv.reply.Status == StatusAnswered && hasOwn(fv.top[0]) {
		return fv, true
	}
	// The conversation is about radiology already, so the question is in scope: it is enough for the best
	// candidate to hold Pick of the in-scope probability, read with the last question's words or, when
	// those lead astray ("what about the exams?" after "how long is training"), on its own.
	sum := inScope(fv.top)
	if len(fv.top) > 0 && sum > 0 && fv.top[0].Confidence/sum >= decision.Pick && hasOwn(fv.top[0]) {
		fv.reply = b.answered(ix, fv.top[0].Entry, fv.top[0].Confidence)
		return fv, true
	}
	if s := inScope(alone.top); len(stems) > 0 && len(alone.top) > 0 && s > 0 && alone.top[0].Confidence/s >= decision.Pick && alone.reply.Reason != ReasonOutOfScope {
		alone.reply = b.answered(ix, alone.top[0].Entry, alone.top[0].Confidence)
		return alone, true
	}
	if last == nil {
		return verdict{}, false
	}
	for _, s := range fv.top {
		near := s.Entry.ID == last.ID || slices.Contains(last.Related, s.Entry.ID) || slices.Contains(s.Entry.Related, last.ID)
		if near && hasOwn(s) && sum > 0 && s.Confidence/sum >= followShare {
			fv.reply = b.answered(ix, s.Entry, s.Confidence)
			return fv, true
		}
	}
	return verdict{}, false
}

// ellipsisStarts begin a message that leans on the previous one.
var ellipsisStarts = [][]string{{"and"}, {"also"}, {"plus"}, {"what", "about"}, {"how", "about"}, {"same", "for"},
	{"what", "if"}, {"and", "for"}, {"what", "for"}, {"is", "it", "the", "same"}}

// backRefs refer to something said before.
var backRefs = toSet(`that it they them their those these there this he she his her its one ones same`)

// elliptical decides whether a message should be read against the conversation: it starts like a
// follow-up ("and for IR?", "what about the exams?"), or it is short, not answered well on its own and
// refers back ("how much do they earn?") or is not out of scope.
func elliptical(ws []string, stems []string, standalone verdict) bool {
	for _, s := range ellipsisStarts {
		if len(ws) >= len(s) && slices.Equal(ws[:len(s)], s) {
			return true
		}
	}
	if standalone.reply.Status == StatusAnswered {
		return false
	}
	if len(stems) > 3 {
		return false
	}
	for _, w := range ws {
		if backRefs[w] {
			return true
		}
	}
	// A short question that seems in scope but is unsure on its own ("what's the interview like?" after
	// "how do I apply for ST1") leans on the conversation; one that is out of scope stands alone: "how do
	// I become a cardiologist" after an FRCR answer is about cardiology, not about the FRCR.
	return len(stems) <= 2 && standalone.reply.Reason != ReasonOutOfScope
}

// twoQuestions splits a message that asks two things ("how long is training and what's the pay") and,
// when the parts are answered on their own by different entries, answers one and offers the other as the
// first related question. The whole message's answer, when there is one, stays the answer; otherwise the
// part with the most to it is answered. It also rescues a message whose one real question sits beside a
// sentence of context ("F2 in the midlands here. how long is IR training?").
func (b *Bot) twoQuestions(ix *Index, text string, whole verdict, memo *stemMemo) (verdict, bool) {
	parts := splitQuestions(text)
	if len(parts) < 2 {
		return verdict{}, false
	}
	var got []verdict
	for _, p := range parts {
		stems := ix.finish(ix.wordTokensMemo(words(p), nil, true, memo), nil) // ix.analyze
		if len(stems) == 0 {
			continue
		}
		v := b.judge(ix, ix.queryTerms(stems, 1, nil))
		v.stems = stems
		// A one-word part ("what's the pay") must be answered surely to stand on its own: "and would I
		// get priority" qualifies the question before it.
		if v.reply.Status == StatusAnswered && (len(stems) > 1 || v.reply.Score >= oneWordPartAt) {
			got = append(got, v)
		}
	}
	if len(got) == 0 {
		return verdict{}, false
	}
	first := whole
	if whole.reply.Status != StatusAnswered {
		first = got[0]
		for _, v := range got[1:] {
			if len(v.stems) > len(first.stems) || len(v.stems) == len(first.stems) && v.reply.Score > first.reply.Score {
				first = v
			}
		}
	}
	// The other answered parts lead the related questions.
	var lead []EntryRef
	for _, v := range got {
		id := v.reply.Entry.ID
		if id != first.reply.Entry.ID && !slices.ContainsFunc(lead, func(r EntryRef) bool { return r.ID == id }) {
			lead = append(lead, EntryRef{ID: id, Title: v.reply.Entry.Title})
		}
	}
	if whole.reply.Status == StatusAnswered && len(lead) == 0 {
		return verdict{}, false
	}
	r := first.reply
	rel := lead
	for _, x := range r.Related {
		if x.ID != r.Entry.ID && !slices.ContainsFunc(rel, func(y EntryRef) bool { return y.ID == x.ID }) {
			rel = append(rel, x)
		}
	}
	if len(rel) > maxRelated {
		rel = rel[:maxRelated]
	}
	r.Related = rel
	first.reply = r
	return first, true
}

// oneWordPartAt is the confidence a one-word part of a message needs to count as a question of its own.
const oneWordPartAt = 0.9

// questionStarts begin a second question after "and", "also" or "plus".
var questionStarts = toSet(`what whats how when where who which why is are do does did can could should
would will whats`)

// splitQuestions splits a message into its sentences and, inside a sentence, at "and"/"also"/"plus"
// followed by a question word. It returns nil when there is nothing to split.
func splitQuestions(text string) []string {
	if !mightSplit(text) {
		return nil
	}
	var parts []string
	for _, s := range strings.FieldsFunc(text, isSentenceEnd) {
		ws := strings.Fields(s)
		start := 0
		for i := 1; i+1 < len(ws); i++ {
			w := strings.ToLower(strings.Trim(ws[i], ",")) // "and", "also", "plus"
			if w != "and" && w != "also" && w != "plus" && w != "&" {
				continue
			}
			if next := knowledge.Words(ws[i+1]); len(next) > 0 && questionStarts[next[0]] {
				parts = append(parts, strings.Join(ws[start:i], " "))
				start = i + 1
			}
		}
		if start < len(ws) {
			parts = append(parts, strings.Join(ws[start:], " "))
		}
	}
	if len(parts) < 2 {
		return nil
	}
	return parts
}

func isSentenceEnd(r rune) bool { return r == '?' || r == '.' || r == '!' || r == ';' || r == '\n' }

// mightSplit is a cheap test that splitQuestions can find two parts: the text has two sentences with
// words in them, or a sentence has "and", "also", "plus" or "&" somewhere (in any case; no other letter
// lower-cases to the ASCII letters of these words).
func mightSplit(text string) bool {
	sentences, words := 0, false
	for _, r := range text {
		switch {
		case isSentenceEnd(r):
			if words {
				sentences++
			}
			words = false
		case !unicode.IsSpace(r):
			words = true
		}
	}
	if words {
		sentences++
	}
	if sentences >= 2 {
		return true
	}
	for i := 0; i < len(text); i++ {
		switch text[i] | 0x20 {
		case 'a':
			if hasFoldPrefix(text[i:], "and") || hasFoldPrefix(text[i:], "also") {
				return true
			}
		case 'p':
			if hasFoldPrefix(text[i:], "plus") {
				return true
			}
		}
	}
	return strings.Contains(text, "&")
}

// hasFoldPrefix reports whether s starts with the lower-case ASCII word w, in any ASCII case.
func hasFoldPrefix(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if s[i]|0x20 != w[i] {
			return false
		}
	}
	return true
}

var ordinals = map[string]int{"1": 1, "one": 1, "first": 1, "1st": 1, "2": 2, "two": 2, "second": 2, "2nd": 2, "3": 3, "three": 3, "third": 3, "3rd": 3, "last": -1}

// pickCandidate resolves a reply to a clarify or suggest question: a number ("2", "the second one") or
// the candidate's title (or most of it). ws are the reply's words, and analyse returns its analysis.
func pickCandidate(ix *Index, ws []string, analyse func() []string, cands []EntryRef) *knowledge.Entry {
	var content []string
	for _, w := range ws {
		if w != "the" && w != "one" && w != "number" && w != "no" && w != "option" && w != "please" && w != "pls" {
			content = append(content, w)
		}
	}
	if len(content) == 1 {
		if n, ok := ordinals[content[0]]; ok {
			if n == -1 {
				n = len(cands)
			}
			if n >= 1 && n <= len(cands) {
				return ix.base.Entry(cands[n-1].ID)
			}
		}
		if n, err := strconv.Atoi(content[0]); err == nil && n >= 1 && n <= len(cands) {
			return ix.base.Entry(cands[n-1].ID)
		}
	}
	// By title: the candidate whose title shares the most of the message's words, if it is clearly best.
	stems := analyse()
	if len(stems) == 0 {
		return nil
	}
	bestI, bestN, tie := -1, 0, false
	for i, c := range cands {
		var title []string
		if e := ix.base.Entry(c.ID); e != nil {
			title = ix.titleStems[ix.entryIndex[e.ID]]
		}
		n := 0
		for _, s := range stems {
			if slices.Contains(title, s) {
				n++
			}
		}
		switch {
		case n > bestN:
			bestI, bestN, tie = i, n, false
		case n == bestN && n > 0:
			tie = true
		}
	}
	if bestI < 0 || tie || bestN*2 < len(stems)+1 {
		return nil
	}
	return ix.base.Entry(cands[bestI].ID)
}

func onlyNumbers(stems []string) bool {
	for _, s := range stems {
		if strings.Trim(s, "0123456789") != "" {
			return false
		}
	}
	return len(stems) > 0
}

// ContentKey is what a text means to the matcher, as a comparable string: its content stems after
// synonyms, sorted and without repeats. Two texts with the same key read the same to the bot; the
// evaluation uses it to reject cases that copy what the bot learns from.
func (b *Bot) ContentKey(text string) string {
	ix := b.index.Load()
	stems := ix.analyze(text, nil)
	slices.Sort(stems)
	return strings.Join(slices.Compact(stems), " ")
}
