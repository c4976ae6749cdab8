package bot

import (
	"fmt"
	"unicode/utf8"
)

// Explanation says why the bot answered as it did, for maintainers fixing a misrouted question.
type Explanation struct {
	Question    string
	Normalized  string
	Tokens      []string // the stems compared, after synonyms and stop words
	Corrections []string
	Synonyms    []string
	// Crisis is the crisis phrase the message contains, if any.
	Crisis string
	// Safety is the probability that the message asks for personal medical advice (refused from
	// SafetyAt), with the nearest examples from safety.yaml.
	Safety          float64
	SafetyAt        float64
	SafetyNeighbour []SafetyNeighbour
	// Between SafetyMaybeAt and SafetyAt the knowledge decides: the message is answered when an entry
	// answers what it asks (AskingClause, the part that asks, when it has several) with confidence
	// CareerSure or more. Career is that confidence (-1 outside the band); SafetyRefused the decision.
	SafetyMaybeAt, CareerSure, Career float64
	AskingClause                      string
	SafetyRefused                     bool
	Smalltalk                         bool
	// OffKnowledge is the share of the question's weight in words no entry uses; Unknown the share
	// in words the knowledge has never seen. NearestOutOfScope is the closest out-of-scope example
	// and OutOfScopeSim its similarity.
	OffKnowledge, Unknown float64
	NearestOutOfScope     string
	OutOfScopeSim         float64
	// Top are the best candidates with their signals and confidence.
	Top []Scored
	// Features names the confidence model's inputs and Weights its learned weights, in the order of
	// each candidate's Features().
	Features []string
	Weights  []float64
	Trees    int // boosted trees added to the linear score (boostChoice)
	// Thresholds of the decision (see the policy in decide.go).
	Pick, Scope, ClarifyAt, SuggestAt, InScopeAt float64
	// InScope is the sum of the candidates' confidences: how likely the question is about one of them.
	InScope float64
	Reply   Reply
}

// Features returns the confidence model's inputs for this candidate (see Explanation.Features).
func (s Scored) Features() []float64 { return s.features }

// Explain answers text as a fresh question (no conversation, nothing recorded) and says why. A text over
// the question length limit is not analysed: it gets the limited reply a question would.
func (b *Bot) Explain(text string) Explanation {
	ix := b.index.Load()
	if utf8.RuneCountInString(text) > b.opts.MaxQuestionChars {
		return Explanation{Question: text, Reply: Reply{Status: StatusLimited, Text: fmt.Sprintf(ix.base.Texts.TooLong, b.opts.MaxQuestionChars)}}
	}
	ws := words(text)
	ex := Explanation{Question: text, Normalized: Normalize(text), SafetyAt: safetyCut.RefuseAt,
		Pick: decision.Pick, Scope: decision.Scope, ClarifyAt: decision.ClarifyAt, SuggestAt: decision.SuggestAt, InScopeAt: decision.InScopeAt,
		Features: featureNames[:]}
	if ix.conf != nil {
		ex.Weights, ex.Trees = ix.conf.w, ix.conf.treeCount()
	}
	tr := &trace{}
	ex.Tokens = ix.analyze(text, tr)
	ex.Corrections, ex.Synonyms = tr.Corrections, tr.Synonyms
	ex.Crisis = ix.crisisPhrase(ws, nil)
	ex.Safety, ex.Career = ix.judgeSafety(ix.safety, text, safetyCut.MaybeAt, safetyCut.RefuseAt)
	ex.SafetyMaybeAt, ex.CareerSure = safetyCut.MaybeAt, safetyCut.CareerSure
	ex.SafetyRefused = ix.safety != nil && safetyCut.refuses(ex.Safety, ex.Career)
	ex.AskingClause = askingClause(text)
	ex.SafetyNeighbour = ix.safety.nearest(text, 3)
	ex.Smalltalk = smalltalkKind(ws) != talkNone
	terms := ix.queryTerms(ex.Tokens, 1, nil)
	top, qi := ix.rank(append([]qterm(nil), terms...), noMask)
	ex.OffKnowledge, ex.Unknown, ex.OutOfScopeSim = qi.off, qi.unknown, qi.oosSim
	if qi.oosAt >= 0 {
		ex.NearestOutOfScope = ix.base.OutOfScope[qi.oosAt]
	}
	ex.InScope = inScope(top)
	if len(top) > 5 {
		top = top[:5]
	}
	for i := range top {
		top[i].Matched = ix.matched(top[i].index, terms)
	}
	ex.Top = top
	if ex.Crisis != "" {
		ex.Reply = crisisReply(ix.base.Texts)
	} else {
		ex.Reply, _ = b.decide(ix, text, ws, nil, nil, Query{})
	}
	return ex
}
