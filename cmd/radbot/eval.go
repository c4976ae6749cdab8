package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// evalFile is the evaluation case file: the thresholds CI enforces, and the cases.
type evalFile struct {
	Thresholds evalThresholds `yaml:"thresholds"`
	Cases      []evalCase     `yaml:"cases"`
}

// evalThresholds live beside the cases, so raising the bar is a one-line change in one place.
type evalThresholds struct {
	MinAccuracy         float64 `yaml:"min_accuracy"`
	MaxWrong            float64 `yaml:"max_wrong"`
	MinOutOfScope       float64 `yaml:"min_out_of_scope_fallback"`
	MinMedicalRefusal   float64 `yaml:"min_medical_refusal"`
	MinSelfCheck        float64 `yaml:"min_self_check"`
	MinFollowUpAccuracy float64 `yaml:"min_follow_up_accuracy"`
	MinTypoAccuracy     float64 `yaml:"min_typo_accuracy"`
}

type evalCase struct {
	Q       string   `yaml:"q"`
	Expect  string   `yaml:"expect"`
	Context []string `yaml:"context"`
	Tags    []string `yaml:"tags"`
	Line    int      `yaml:"-"`
}

// The special expectations; anything else is an entry id.
const (
	expectOutOfScope = "out-of-scope"
	expectMedical    = "medical"
	expectSmalltalk  = "smalltalk"
)

const defaultEvalFile = "knowledge/testdata/eval.yaml"

// evalResult is what one evaluation run measured.
type evalResult struct {
	InScope, Correct, Wrong, Clarify, InFallback, InRefused int
	OutOfScope, OOSFallback                                 int
	Medical, MedicalRefused                                 int
	Smalltalk, SmalltalkOK                                  int
	Phrasings, PhrasingsOK                                  int
	Tags                                                    map[string][2]int // tag → correct, total
	Failures                                                []string
	SelfFailures                                            []string
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func cmdEval(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dir := newFlags("eval", stderr)
	quiet := fs.Bool("quiet", false, "print only the summary")
	var th bot.Thresholds
	fs.Float64Var(&th.MinCoverage, "min-coverage", 0, "try another coverage threshold (default: the bot's)")
	fs.Float64Var(&th.MinScore, "min-score", 0, "try another score threshold (default: the bot's)")
	fs.Float64Var(&th.Margin, "margin", 0, "try another clarify margin (default: the bot's)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: radbot eval [--quiet] [--knowledge DIR] [FILE]   (default FILE: %s)\n", defaultEvalFile)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	path := defaultEvalFile
	if fs.NArg() > 0 {
		path = fs.Arg(0)
	}
	ef, err := readEvalFile(path)
	if err != nil {
		return err
	}
	base, err := loadKnowledge(*dir)
	if err != nil {
		return err
	}
	if err := checkEvalIDs(path, ef, base); err != nil {
		return err
	}
	res := runEval(ctx, base, ef.Cases, th)
	if !*quiet {
		for _, f := range res.Failures {
			fmt.Fprintln(stdout, f)
		}
		for _, f := range res.SelfFailures {
			fmt.Fprintln(stdout, f)
		}
	}
	want := ef.Thresholds
	fmt.Fprintf(stdout, "\n%d cases (%d in scope, %d out of scope, %d medical, %d smalltalk)\n",
		len(ef.Cases), res.InScope, res.OutOfScope, res.Medical, res.Smalltalk)
	var failed []string
	line := func(name string, got float64, want float64, atLeast bool, detail string) {
		mark := "ok  "
		if want > 0 && (atLeast && got < want || !atLeast && got > want) {
			mark = "FAIL"
			failed = append(failed, name)
		}
		cmp := ">="
		if !atLeast {
			cmp = "<="
		}
		limit := ""
		if want > 0 {
			limit = fmt.Sprintf("(threshold %s %.1f%%)", cmp, 100*want)
		}
		fmt.Fprintf(stdout, "%s %-28s %6.1f%%  %-10s %s\n", mark, name, 100*got, detail, limit)
	}
	line("in-scope top-1 accuracy", ratio(res.Correct, res.InScope), want.MinAccuracy, true, fmt.Sprintf("%d/%d", res.Correct, res.InScope))
	line("wrong-answer rate", ratio(res.Wrong, res.InScope), want.MaxWrong, false, fmt.Sprintf("%d/%d", res.Wrong, res.InScope))
	line("clarify rate (in scope)", ratio(res.Clarify, res.InScope), 0, true, fmt.Sprintf("%d/%d", res.Clarify, res.InScope))
	line("in-scope fallback rate", ratio(res.InFallback, res.InScope), 0, true, fmt.Sprintf("%d/%d", res.InFallback, res.InScope))
	line("in-scope refused (false)", ratio(res.InRefused, res.InScope), 0, true, fmt.Sprintf("%d/%d", res.InRefused, res.InScope))
	line("out-of-scope fallback rate", ratio(res.OOSFallback, res.OutOfScope), want.MinOutOfScope, true, fmt.Sprintf("%d/%d", res.OOSFallback, res.OutOfScope))
	line("medical refusal rate", ratio(res.MedicalRefused, res.Medical), want.MinMedicalRefusal, true, fmt.Sprintf("%d/%d", res.MedicalRefused, res.Medical))
	line("smalltalk recognised", ratio(res.SmalltalkOK, res.Smalltalk), 0, true, fmt.Sprintf("%d/%d", res.SmalltalkOK, res.Smalltalk))
	line("self-check (own phrasings)", ratio(res.PhrasingsOK, res.Phrasings), want.MinSelfCheck, true, fmt.Sprintf("%d/%d", res.PhrasingsOK, res.Phrasings))
	tags := make([]string, 0, len(res.Tags))
	for t := range res.Tags {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	for _, t := range tags {
		c := res.Tags[t]
		limit := 0.0
		switch t {
		case "follow-up":
			limit = want.MinFollowUpAccuracy
		case "typo":
			limit = want.MinTypoAccuracy
		}
		line("tag "+t+" accuracy", ratio(c[0], c[1]), limit, true, fmt.Sprintf("%d/%d", c[0], c[1]))
	}
	if len(failed) > 0 {
		fmt.Fprintf(stdout, "\nbelow threshold: %s\n", strings.Join(failed, ", "))
		return exitError{1}
	}
	return nil
}

func readEvalFile(path string) (*evalFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading evaluation cases: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var ef evalFile
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&ef); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// Record each case's line for failure messages.
	if len(doc.Content) > 0 {
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "cases" {
				for j, n := range root.Content[i+1].Content {
					if j < len(ef.Cases) {
						ef.Cases[j].Line = n.Line
					}
				}
			}
		}
	}
	return &ef, nil
}

func checkEvalIDs(path string, ef *evalFile, base *knowledge.Base) error {
	var bad []string
	for _, c := range ef.Cases {
		switch c.Expect {
		case expectOutOfScope, expectMedical, expectSmalltalk:
		default:
			if base.Entry(c.Expect) == nil {
				bad = append(bad, fmt.Sprintf("%s:%d: expect %q is not an entry id", path, c.Line, c.Expect))
			}
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%s", strings.Join(bad, "\n"))
	}
	return nil
}

// runEval asks every case in a fresh conversation (after its context messages), then checks every
// entry's own phrasings.
func runEval(ctx context.Context, base *knowledge.Base, cases []evalCase, th bot.Thresholds) evalResult {
	b := bot.New(base, bot.Options{Thresholds: th})
	res := evalResult{Tags: map[string][2]int{}}
	for i, c := range cases {
		q := cliQuery
		q.ConversationID = fmt.Sprintf("case-%d", i)
		for _, prev := range c.Context {
			q.Text = prev
			b.Answer(ctx, q)
		}
		q.Text = c.Q
		r := b.Answer(ctx, q)
		ok := false
		switch c.Expect {
		case expectOutOfScope:
			res.OutOfScope++
			ok = r.Status == bot.StatusFallback
			if ok {
				res.OOSFallback++
			}
		case expectMedical:
			res.Medical++
			ok = r.Status == bot.StatusRefused
			if ok {
				res.MedicalRefused++
			}
		case expectSmalltalk:
			res.Smalltalk++
			ok = r.Status == bot.StatusSmalltalk
			if ok {
				res.SmalltalkOK++
			}
		default:
			res.InScope++
			switch {
			case r.Status == bot.StatusAnswered && r.Entry.ID == c.Expect:
				ok = true
				res.Correct++
			case r.Status == bot.StatusAnswered:
				res.Wrong++
			case r.Status == bot.StatusClarify:
				res.Clarify++
			case r.Status == bot.StatusFallback:
				res.InFallback++
			case r.Status == bot.StatusRefused:
				res.InRefused++
			}
		}
		for _, t := range c.Tags {
			v := res.Tags[t]
			v[1]++
			if ok {
				v[0]++
			}
			res.Tags[t] = v
		}
		if !ok {
			res.Failures = append(res.Failures, fmt.Sprintf("line %d: %q: want %s, got %s", c.Line, c.Q, c.Expect, describeReply(r)))
		}
	}
	for _, e := range base.Entries {
		for _, p := range e.Questions {
			res.Phrasings++
			r := b.Answer(ctx, bot.Query{Platform: "cli", ConversationID: "self-check-" + e.ID + p, Text: p})
			if r.Status == bot.StatusAnswered && r.Entry.ID == e.ID {
				res.PhrasingsOK++
				continue
			}
			res.SelfFailures = append(res.SelfFailures, fmt.Sprintf("self-check %s:%d: %q of %s got %s", e.File, e.Line, p, e.ID, describeReply(r)))
		}
	}
	return res
}

func describeReply(r bot.Reply) string {
	switch r.Status {
	case bot.StatusAnswered:
		return fmt.Sprintf("answered %s (%.2f)", r.Entry.ID, r.Score)
	case bot.StatusClarify:
		ids := make([]string, len(r.Candidates))
		for i, c := range r.Candidates {
			ids[i] = c.ID
		}
		return "clarify [" + strings.Join(ids, ", ") + "]"
	default:
		return fmt.Sprintf("%s (%.2f)", r.Status, r.Score)
	}
}
