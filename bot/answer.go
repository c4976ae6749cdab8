package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/radbot/radbot/knowledge"
)

// Thresholds decide between answered, clarify and fallback. They were calibrated on the evaluation
// case file (knowledge/testdata/eval.yaml); `radbot eval` shows the effect of a change.
type Thresholds struct {
	// MinCoverage is the share of the question's weight the best entry must contain to be answered.
	MinCoverage float64
	// MinScore is the lowest ranking score that can be answered.
	MinScore float64
	// Margin: entries scoring within this of the best are offered together as a clarify.
	Margin float64
}

// A clear winner: within clearSlack of the thresholds and clearMargin ahead of the next entry.
const (
	clearSlack  = 0.08
	clearMargin = 0.18
)

// The calibrated defaults.
const (
	defaultMinCoverage = 0.5
	defaultMinScore    = 0.45
	defaultMargin      = 0.03
)

func (t Thresholds) withDefaults() Thresholds {
	if t.MinCoverage == 0 {
		t.MinCoverage = defaultMinCoverage
	}
	if t.MinScore == 0 {
		t.MinScore = defaultMinScore
	}
	if t.Margin == 0 {
		t.Margin = defaultMargin
	}
	return t
}

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

// Explanation says why the bot answered as it did, for maintainers fixing a misrouted question.
type Explanation struct {
	Question    string
	Normalized  string
	Tokens      []string // the stems compared, after synonyms and stop words
	Corrections []string
	Synonyms    []string
	Medical     bool
	Smalltalk   bool
	OtherField  bool
	Top         []Scored
	Reply       Reply
}

// Explain answers text as a fresh question (no conversation, nothing recorded) and says why.
func (b *Bot) Explain(text string) Explanation {
	ix := b.index.Load()
	ex := Explanation{Question: text, Normalized: Normalize(text)}
	tr := &trace{}
	ex.Tokens = ix.analyze(text, tr)
	ex.Corrections, ex.Synonyms = tr.Corrections, tr.Synonyms
	ws := words(text)
	ex.Medical = isMedical(ws, ex.Normalized)
	ex.Smalltalk = smalltalkKind(ws) != talkNone
	ex.OtherField = ix.aboutOtherField(ws)
	terms := ix.queryTerms(ex.Tokens, 1, nil)
	ex.Top = ix.search(terms, 5)
	for i := range ex.Top {
		ex.Top[i].Matched = ix.matched(ex.Top[i].index, terms)
	}
	ex.Reply, _ = b.decide(ix, text, nil, Query{})
	return ex
}

// answer picks the reply for one question within its conversation.
func (b *Bot) answer(ix *Index, q Query) (Reply, []Scored) {
	now := b.opts.Now()
	key := convKey(q)
	b.mu.Lock()
	b.gcLocked(now)
	var conv conversation
	if c := b.convs[key]; c != nil && now.Sub(c.at) <= b.opts.ContextTTL {
		conv = *c
	}
	b.mu.Unlock()

	r, top := b.decide(ix, q.Text, &conv, q)

	b.mu.Lock()
	defer b.mu.Unlock()
	switch r.Status {
	case StatusAnswered:
		b.convs[key] = &conversation{at: now, lastEntry: r.Entry.ID, lastTerms: conv.lastTerms}
	case StatusClarify:
		b.convs[key] = &conversation{at: now, lastEntry: conv.lastEntry, lastTerms: conv.lastTerms, candidates: r.Candidates}
	case StatusRefused:
		delete(b.convs, key) // a health question should not colour what comes next
	}
	return r, top
}

// decide is the matching pipeline: direct pick, clarify pick, safety, smalltalk, then ranking with an
// optional follow-up reading against the conversation. conv is nil for a question with no context;
// decide updates conv.lastTerms when it answers.
func (b *Bot) decide(ix *Index, text string, conv *conversation, q Query) (Reply, []Scored) {
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
			return Reply{Status: StatusFallback, Text: texts.Fallback, Links: texts.FallbackLinks}, nil
		}
	}
	if conv != nil && len(conv.candidates) > 0 {
		if e := pickCandidate(ix, text, conv.candidates); e != nil {
			conv.lastTerms = ix.analyze(e.Title, nil)
			return b.answered(ix, e, 1), nil
		}
	}
	ws := words(text)
	norm := strings.Join(ws, " ")
	if isMedical(ws, norm) {
		return Reply{Status: StatusRefused, Text: texts.Refusal, Links: texts.RefusalLinks}, nil
	}
	switch smalltalkKind(ws) {
	case talkGreeting:
		return Reply{Status: StatusSmalltalk, Text: texts.Greeting}, nil
	case talkThanks:
		return Reply{Status: StatusSmalltalk, Text: texts.Thanks}, nil
	case talkHelp:
		return Reply{Status: StatusSmalltalk, Text: texts.Help}, nil
	}

	stems := ix.finish(ix.wordTokens(ws, nil, true), nil)
	if onlyNumbers(stems) {
		// A bare "1" with no list to pick from is not a question about FRCR part 1.
		stems = nil
	}
	terms := ix.queryTerms(stems, 1, nil)
	top := ix.search(terms, 5)
	r := b.judge(ix, top)
	if ix.aboutOtherField(ws) && (conv == nil || len(conv.lastTerms) == 0 || !isFollowUp(ws, stems, r)) {
		r = Reply{Status: StatusFallback, Text: texts.Fallback, Links: texts.FallbackLinks}
		if len(top) > 0 {
			r.Score = top[0].Score
		}
		return r, top
	}

	// A short follow-up ("and for IR?", "how much do they earn?") is read against the last question.
	if conv != nil && len(conv.lastTerms) > 0 && isFollowUp(ws, stems, r) {
		ctxTerms := ix.queryTerms(conv.lastTerms, 0.5, append([]qterm(nil), terms...))
		ftop := ix.search(ctxTerms, 5)
		// The follow-up's own words must still count: the best entry has to contain one of them.
		if len(ftop) > 0 && len(ix.matched(ftop[0].index, terms)) > 0 {
			if fr := b.judge(ix, ftop); fr.Status == StatusAnswered || r.Status != StatusAnswered {
				r, top = fr, ftop
				stems = append(append([]string(nil), stems...), conv.lastTerms...)
			}
		}
	}
	if conv != nil && r.Status == StatusAnswered {
		conv.lastTerms = stems
	}
	return r, top
}

// judge turns a ranking into answered, clarify or fallback.
func (b *Bot) judge(ix *Index, top []Scored) Reply {
	t := b.opts.Thresholds
	texts := ix.base.Texts
	fallback := Reply{Status: StatusFallback, Text: texts.Fallback, Links: texts.FallbackLinks}
	if len(top) == 0 {
		return fallback
	}
	best := top[0]
	fallback.Score = best.Score
	if best.Coverage < t.MinCoverage || best.Score < t.MinScore {
		// A clear winner may still be answered a little below the thresholds: when the question's
		// distinctive words point at one entry and nothing else comes close ("is AI going to take
		// over radiology jobs" has two words no entry knows, but only one entry is about AI).
		second := 0.0
		if len(top) > 1 {
			second = top[1].Score
		}
		if best.Coverage < t.MinCoverage-clearSlack || best.Score < t.MinScore-clearSlack || best.Score-second < clearMargin {
			return fallback
		}
	}
	var close []EntryRef
	for _, s := range top[1:] {
		if best.Phrasing > 0.999 && s.Phrasing <= 0.999 {
			break // the question is exactly one of the best entry's phrasings: no need to ask
		}
		if best.Score-s.Score <= t.Margin && s.Coverage >= t.MinCoverage && len(close) < 2 {
			close = append(close, EntryRef{ID: s.Entry.ID, Title: s.Entry.Title, Score: s.Score})
		}
	}
	if len(close) > 0 {
		cands := append([]EntryRef{{ID: best.Entry.ID, Title: best.Entry.Title, Score: best.Score}}, close...)
		return Reply{Status: StatusClarify, Text: clarifyText(texts.Clarify, cands), Candidates: cands, Score: best.Score}
	}
	return b.answered(ix, best.Entry, best.Score)
}

func clarifyText(intro string, cands []EntryRef) string {
	var sb strings.Builder
	sb.WriteString(strings.TrimSpace(intro))
	for i, c := range cands {
		fmt.Fprintf(&sb, "\n%d. %s", i+1, c.Title)
	}
	return sb.String()
}

func (b *Bot) answered(ix *Index, e *knowledge.Entry, score float64) Reply {
	r := Reply{Status: StatusAnswered, Entry: e, Text: e.Answer, Score: score}
	for _, id := range e.Related {
		if re := ix.base.Entry(id); re != nil && len(r.Related) < 3 {
			r.Related = append(r.Related, EntryRef{ID: re.ID, Title: re.Title})
		}
	}
	return r
}

// followCues mark a message that leans on the previous one.
var followCues = toSet(`and also what about how they them their that it this those these there he she
his her one ones same`)

// isFollowUp decides whether a message should be read against the conversation: it is short and either
// starts like a follow-up or refers back, or it could not be answered on its own.
func isFollowUp(ws []string, stems []string, standalone Reply) bool {
	if len(stems) > 4 {
		return false
	}
	if len(ws) == 0 {
		return false
	}
	if ws[0] == "and" || ws[0] == "also" || ws[0] == "what" && len(ws) > 1 && ws[1] == "about" || ws[0] == "how" && len(ws) > 1 && ws[1] == "about" {
		return true
	}
	for _, w := range ws {
		if followCues[w] && w != "what" && w != "how" && w != "and" {
			return true
		}
	}
	return standalone.Status != StatusAnswered
}

var ordinals = map[string]int{"1": 1, "one": 1, "first": 1, "1st": 1, "2": 2, "two": 2, "second": 2, "2nd": 2, "3": 3, "three": 3, "third": 3, "3rd": 3, "last": -1}

// pickCandidate resolves a reply to a clarify question: a number ("2", "the second one") or the
// candidate's title (or most of it).
func pickCandidate(ix *Index, text string, cands []EntryRef) *knowledge.Entry {
	ws := words(text)
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
	stems := ix.analyze(text, nil)
	if len(stems) == 0 {
		return nil
	}
	bestI, bestN, tie := -1, 0, false
	for i, c := range cands {
		title := ix.analyze(c.Title, nil)
		n := 0
		for _, s := range stems {
			for _, t := range title {
				if s == t {
					n++
					break
				}
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
