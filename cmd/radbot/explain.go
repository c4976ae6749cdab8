package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/radbot/radbot/bot"
)

// printExplain shows a maintainer why the bot replied as it did: what it read, the safety decision, and
// the candidates with the signals and learned weights behind their confidence.
func printExplain(w io.Writer, ex bot.Explanation) {
	fmt.Fprintf(w, "question:     %s\n", ex.Question)
	fmt.Fprintf(w, "normalised:   %s\n", ex.Normalized)
	fmt.Fprintf(w, "tokens:       %s\n", strings.Join(ex.Tokens, " "))
	fmt.Fprintf(w, "corrections:  %s\n", orNone(ex.Corrections))
	fmt.Fprintf(w, "synonyms:     %s\n", orNone(ex.Synonyms))
	if ex.Crisis != "" {
		fmt.Fprintf(w, "crisis:       matches the crisis phrase %q (rule in safety.yaml): urgent signposting\n", ex.Crisis)
	}
	verdict := "not refused"
	if ex.SafetyRefused {
		verdict = "refused"
	}
	fmt.Fprintf(w, "safety:       %.2f that this asks for personal medical advice (refused from %.2f; from %.2f unless an entry answers what is asked with %.2f or more): %s\n",
		ex.Safety, ex.SafetyAt, ex.SafetyMaybeAt, ex.CareerSure, verdict)
	if ex.Career >= 0 {
		part := "the question"
		if ex.AskingClause != "" {
			part = fmt.Sprintf("the part that asks, %q,", ex.AskingClause)
		}
		fmt.Fprintf(w, "              unsure: the knowledge answers %s with confidence %.2f\n", part, ex.Career)
	}
	for _, n := range ex.SafetyNeighbour {
		list := "answer"
		if n.Refuse {
			list = "refuse"
		}
		fmt.Fprintf(w, "              nearest %-6s example (%.2f): %s\n", list, n.Similarity, n.Text)
	}
	fmt.Fprintf(w, "smalltalk:    %v\n", ex.Smalltalk)
	fmt.Fprintf(w, "scope:        %.0f%% of the weight in words no entry uses (%.0f%% never seen)", 100*ex.OffKnowledge, 100*ex.Unknown)
	if ex.NearestOutOfScope != "" {
		fmt.Fprintf(w, "; nearest out-of-scope example (%.2f): %s", ex.OutOfScopeSim, ex.NearestOutOfScope)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "\ncandidates (confidence learned from the knowledge's own phrasings; in scope %.2f, the sum; answered when in scope from %.2f and the best holds %.2f of it, clarify when the second holds %.2f, suggest from %.2f, out of scope under %.2f):\n",
		ex.InScope, ex.Scope, ex.Pick, ex.ClarifyAt, ex.SuggestAt, ex.InScopeAt)
	for i, s := range ex.Top {
		fmt.Fprintf(w, "%d. %-34s confidence %.3f  coverage %.2f  q-coverage %.2f  focus %.2f  phrasing %.2f  answer %.2f  bm25 %.2f  matched: %s\n",
			i+1, s.Entry.ID, s.Confidence, s.Coverage, s.QCoverage, s.Focus, s.Phrasing, s.Answer, s.BM25, strings.Join(s.Matched, " "))
	}
	if len(ex.Top) == 0 {
		fmt.Fprintln(w, "   (no entry shares a word with the question)")
	}
	if len(ex.Weights) == len(ex.Features) {
		var parts []string
		for i, f := range ex.Features {
			parts = append(parts, fmt.Sprintf("%s %+.2f", f, ex.Weights[i]))
		}
		fmt.Fprintf(w, "model weights: %s", strings.Join(parts, ", "))
		if ex.Trees > 0 {
			fmt.Fprintf(w, "; plus %d boosted trees on the same signals", ex.Trees)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nreply: %s", ex.Reply.Status)
	if ex.Reply.Reason != "" {
		fmt.Fprintf(w, " (%s)", ex.Reply.Reason)
	}
	switch {
	case ex.Reply.Entry != nil:
		fmt.Fprintf(w, " → %s", ex.Reply.Entry.ID)
	case len(ex.Reply.Candidates) > 0:
		var ids []string
		for _, c := range ex.Reply.Candidates {
			ids = append(ids, c.ID)
		}
		fmt.Fprintf(w, " between %s", strings.Join(ids, ", "))
	}
	fmt.Fprintln(w)
}

// explainJSON is `radbot ask --explain --json`: the same facts as printExplain, for tools.
type explainOut struct {
	Question       string             `json:"question"`
	Normalized     string             `json:"normalized"`
	Tokens         []string           `json:"tokens"`
	Corrections    []string           `json:"corrections"`
	Synonyms       []string           `json:"synonyms"`
	Crisis         string             `json:"crisis"`
	Safety         float64            `json:"safety"`
	SafetyAt       float64            `json:"safety_threshold"`
	SafetyExamples []explainNeighbor  `json:"safety_nearest"`
	SafetyMaybeAt  float64            `json:"safety_unsure_from"`
	CareerSure     float64            `json:"career_sure"`
	Career         float64            `json:"career_confidence"`
	AskingClause   string             `json:"asking_clause"`
	SafetyRefused  bool               `json:"safety_refused"`
	Smalltalk      bool               `json:"smalltalk"`
	OffKnowledge   float64            `json:"off_knowledge"`
	Unknown        float64            `json:"unknown"`
	NearestOOS     string             `json:"nearest_out_of_scope"`
	OOSSimilarity  float64            `json:"out_of_scope_similarity"`
	Candidates     []explainCand      `json:"candidates"`
	Features       []string           `json:"features"`
	Weights        []float64          `json:"weights"`
	Thresholds     map[string]float64 `json:"thresholds"`
	InScope        float64            `json:"in_scope"`
	Reply          jsonReply          `json:"reply"`
	Reason         string             `json:"reason"`
}

type explainNeighbor struct {
	Text       string  `json:"text"`
	List       string  `json:"list"`
	Similarity float64 `json:"similarity"`
}

type explainCand struct {
	EntryID    string    `json:"entry_id"`
	Confidence float64   `json:"confidence"`
	Coverage   float64   `json:"coverage"`
	QCoverage  float64   `json:"q_coverage"`
	Focus      float64   `json:"focus"`
	Phrasing   float64   `json:"phrasing"`
	Answer     float64   `json:"answer"`
	BM25       float64   `json:"bm25"`
	Matched    []string  `json:"matched"`
	Features   []float64 `json:"features"`
}

func explainJSON(ex bot.Explanation) explainOut {
	out := explainOut{Question: ex.Question, Normalized: ex.Normalized, Tokens: nonNil(ex.Tokens),
		Corrections: nonNil(ex.Corrections), Synonyms: nonNil(ex.Synonyms), Crisis: ex.Crisis,
		Safety: round3(ex.Safety), SafetyAt: ex.SafetyAt, SafetyExamples: []explainNeighbor{}, Smalltalk: ex.Smalltalk,
		SafetyMaybeAt: ex.SafetyMaybeAt, CareerSure: ex.CareerSure, Career: round3(ex.Career), AskingClause: ex.AskingClause,
		SafetyRefused: ex.SafetyRefused,
		OffKnowledge:  round3(ex.OffKnowledge), Unknown: round3(ex.Unknown), NearestOOS: ex.NearestOutOfScope,
		OOSSimilarity: round3(ex.OutOfScopeSim), Candidates: []explainCand{}, Features: ex.Features, Weights: ex.Weights,
		Thresholds: map[string]float64{"pick": ex.Pick, "scope": ex.Scope, "clarify": ex.ClarifyAt, "suggest": ex.SuggestAt, "in_scope": ex.InScopeAt},
		InScope:    round3(ex.InScope),
		Reply:      replyJSON(ex.Question, ex.Reply), Reason: string(ex.Reply.Reason)}
	for _, n := range ex.SafetyNeighbour {
		list := "answer"
		if n.Refuse {
			list = "refuse"
		}
		out.SafetyExamples = append(out.SafetyExamples, explainNeighbor{n.Text, list, round3(n.Similarity)})
	}
	for _, s := range ex.Top {
		out.Candidates = append(out.Candidates, explainCand{EntryID: s.Entry.ID, Confidence: round3(s.Confidence),
			Coverage: round3(s.Coverage), QCoverage: round3(s.QCoverage), Focus: round3(s.Focus), Phrasing: round3(s.Phrasing),
			Answer: round3(s.Answer), BM25: round3(s.BM25), Matched: nonNil(s.Matched), Features: s.Features()})
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
