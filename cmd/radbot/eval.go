package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// The evaluation: case sets in knowledge/testdata/sets, named with the bar CI holds each to by the
// manifest knowledge/testdata/eval.yaml. Held-out sets are never used to fit anything: the matcher learns
// only from the knowledge (`radbot eval --cv` measures that learning on the knowledge's own phrasings).

// evalManifest is knowledge/testdata/eval.yaml.
type evalManifest struct {
	Sets []manifestSet `yaml:"sets"`
	// Models is how many confidence models the sets' bars are checked on, by the mean of their figures:
	// the bot's own and others learnt from other samples of the knowledge's examples (eval --models).
	// One model's figure moves by a few cases with the sample alone, so an edit to the knowledge could
	// fail a bar by luck. 0 or 1: the bot's own model alone.
	Models int `yaml:"models"`
	// CV is the bar for `radbot eval --cv`.
	CV evalThresholds `yaml:"cv"`
}

type manifestSet struct {
	File       string         `yaml:"file"`
	HeldOut    bool           `yaml:"held_out"`
	Thresholds evalThresholds `yaml:"thresholds"`
}

// evalThresholds are the bar for one set; an absent key is not checked.
type evalThresholds struct {
	MinCorrect       *float64           `yaml:"min_correct"`        // in-scope answered with the right answer
	MaxWrong         *float64           `yaml:"max_wrong"`          // in-scope answered wrongly (or refused)
	MinOutOfScope    *float64           `yaml:"min_out_of_scope"`   // out-of-scope that fall back
	MinMedical       *float64           `yaml:"min_medical"`        // personal medical questions refused
	MinCrisis        *float64           `yaml:"min_crisis"`         // crisis messages given urgent signposting
	MaxCareerRefused *float64           `yaml:"max_career_refused"` // in-scope health-words questions refused
	MinSmalltalk     *float64           `yaml:"min_smalltalk"`
	MinTag           map[string]float64 `yaml:"min_tag"` // in-scope correct among cases with the tag
}

// evalSet is one case file.
type evalSet struct {
	Name  string     `yaml:"set"`
	Cases []evalCase `yaml:"cases"`
	File  string     `yaml:"-"`
}

type evalCase struct {
	Q       string   `yaml:"q"`
	Expect  string   `yaml:"expect"`
	Must    []string `yaml:"must"`
	Context []string `yaml:"context"`
	Tags    []string `yaml:"tags"`
	Source  string   `yaml:"source"`
	Note    string   `yaml:"note"`
	Line    int      `yaml:"-"`

	must []*regexp.Regexp
}

// The special expectations; anything else is an entry id.
const (
	expectAnswered   = "answered"
	expectOutOfScope = "out-of-scope"
	expectMedical    = "medical"
	expectCrisis     = "crisis"
	expectSmalltalk  = "smalltalk"
)

// inScope reports whether a case expects an answer (a named entry, or any answer that passes must).
func (c evalCase) inScope() bool {
	switch c.Expect {
	case expectOutOfScope, expectMedical, expectCrisis, expectSmalltalk:
		return false
	}
	return true
}

func (c evalCase) hasTag(t string) bool { return slices.Contains(c.Tags, t) }

// Outcomes of one case.
const (
	outCorrect  = "correct"
	outWrong    = "wrong"    // answered with another answer, or refused, or out-of-scope answered
	outAbstain  = "abstain"  // clarify or suggest: asked back instead of answering
	outFallback = "fallback" // in scope, but fell back
	outMissed   = "missed"   // medical not refused, crisis not signposted, smalltalk not recognised
)

// caseResult is one case's run; --save writes them and --compare reads them back.
type caseResult struct {
	Set     string `json:"set"`
	Line    int    `json:"line"`
	Q       string `json:"q"`
	Expect  string `json:"expect"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	EntryID string `json:"entry_id,omitempty"`
	Outcome string `json:"outcome"`
}

// setResult counts one set's outcomes.
type setResult struct {
	Name                                   string
	HeldOut                                bool
	InScope, Correct, Wrong, Abstain, Near int
	Fallback, Refused                      int
	OutOfScope, OOSHeld                    int
	Medical, MedicalRefused                int
	Crisis, CrisisOK                       int
	Smalltalk, SmalltalkOK                 int
	Career, CareerRefused                  int // in-scope cases tagged health-words
	Tags                                   map[string][2]int
	Cases                                  []caseResult
	failures                               []string
	thresholds                             evalThresholds
	set                                    *evalSet
	// others are the same set's results with the other models (eval --models): its bars are checked on
	// the mean of its figures and theirs.
	others []*setResult
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

const (
	defaultManifest = "eval.yaml"
	setsDir         = "sets"
)

func cmdEval(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, dir := newFlags("eval", stderr)
	quiet := fs.Bool("quiet", false, "print only the summaries")
	only := fs.String("set", "", "run only this set (its name, e.g. blind)")
	save := fs.String("save", "", "write every case's outcome to this file (JSON lines), for --compare later")
	compare := fs.String("compare", "", "show the cases whose outcome changed since a run saved with --save")
	cv := fs.Bool("cv", false, "cross-validate on the knowledge's own examples instead (leave-one-out, models refitted without each)")
	sweep := fs.Bool("sweep", false, "with --cv: also score a grid of decision policies on the cross-validated confidences")
	models := fs.Int("models", 0, "check the bars on the mean over this many models (default: the manifest's models; 1: the bot's own model alone)")
	resamples := fs.Int("resamples", 0, "fit N models, each on another sample of the knowledge's examples, and print each figure's mean and range (no thresholds): a change smaller than the range is luck")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: radbot eval [--quiet] [--set NAME] [--save FILE] [--compare FILE] [--cv] [--models N] [--resamples N] [--knowledge DIR] [MANIFEST]")
		fmt.Fprintln(stderr, "  Runs every case set named in the manifest (default: the testdata beside the knowledge in use)")
		fmt.Fprintln(stderr, "  and exits 1 when a set is below its thresholds.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	base, err := loadKnowledge(*dir)
	if err != nil {
		return err
	}
	b := bot.New(base, bot.Options{Index: indexFor(base)})
	testdata, manifestName, err := evalFiles(*dir, fs.Arg(0))
	if err != nil {
		return err
	}
	man, err := readManifest(testdata, manifestName)
	if err != nil {
		return err
	}
	// n models: the bot's own and n-1 others, each learnt from another sample of the examples.
	n := man.Models
	if *models > 0 {
		n = *models
	}
	ranges := *resamples > 1
	if ranges {
		n = *resamples
	}
	if *cv {
		cvr := b.CrossValidate(*sweep && !ranges)
		s := cvSet(cvr)
		s.thresholds = man.CV
		if err := addOtherModels(ctx, base, n, []*setResult{s}); err != nil {
			return err
		}
		if ranges {
			printRanges(stdout, n, []*setResult{s})
			return nil
		}
		return runCV(cvr, s, *quiet, *sweep, stdout)
	}
	var sets []*setResult
	var all []caseResult
	var problems []string
	for _, ms := range man.Sets {
		set, err := readSet(testdata, ms.File)
		if err != nil {
			return err
		}
		if *only != "" && set.Name != *only {
			continue
		}
		problems = append(problems, checkSet(set, base, b)...)
		res := runSet(ctx, base, indexFor(base), set)
		res.HeldOut, res.thresholds, res.set = ms.HeldOut, ms.Thresholds, set
		sets = append(sets, res)
		all = append(all, res.Cases...)
	}
	if len(problems) > 0 {
		return fmt.Errorf("the case sets need fixing first:\n  %s", strings.Join(problems, "\n  "))
	}
	if *only != "" && len(sets) == 0 {
		return fmt.Errorf("no set named %q in %s", *only, manifestName)
	}
	if err := addOtherModels(ctx, base, n, sets); err != nil {
		return err
	}
	if ranges {
		printRanges(stdout, n, sets)
		return nil
	}
	failed := false
	for _, s := range sets {
		if !*quiet {
			for _, f := range s.failures {
				fmt.Fprintln(stdout, f)
			}
		}
		if !printSet(stdout, s) {
			failed = true
		}
	}
	if *compare != "" {
		if err := printFlips(stdout, *compare, all); err != nil {
			return err
		}
	}
	if *save != "" {
		if err := saveResults(*save, all); err != nil {
			return err
		}
	}
	if failed {
		return exitError{1}
	}
	return nil
}

// evalFiles finds the evaluation files: an explicit manifest path, else the testdata folder beside the
// knowledge folder in use (DIR/../testdata), else the copy embedded with the default knowledge, so that
// eval works from any working directory.
func evalFiles(knowledgeDir, manifest string) (fs.FS, string, error) {
	switch {
	case manifest != "":
		return os.DirFS(filepath.Dir(manifest)), filepath.Base(manifest), nil
	case knowledgeDir != "":
		td := filepath.Join(filepath.Dir(filepath.Clean(knowledgeDir)), "testdata")
		if _, err := os.Stat(filepath.Join(td, defaultManifest)); err != nil {
			return nil, "", fmt.Errorf("no evaluation manifest at %s (give its path as an argument)", filepath.Join(td, defaultManifest))
		}
		return os.DirFS(td), defaultManifest, nil
	}
	return knowledge.EvalFS(), defaultManifest, nil
}

func readManifest(fsys fs.FS, name string) (*evalManifest, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("reading the evaluation manifest: %w", err)
	}
	var m evalManifest
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(m.Sets) == 0 {
		return nil, fmt.Errorf("%s: no sets", name)
	}
	return &m, nil
}

// readSet reads and checks one case file: known fields, known expectations, regexes that compile.
func readSet(fsys fs.FS, name string) (*evalSet, error) {
	path := setsDir + "/" + name
	data, err := fs.ReadFile(fsys, path)
	if err != nil {
		return nil, fmt.Errorf("reading case set: %w", err)
	}
	var set evalSet
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&set); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	set.File = path
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err == nil && len(doc.Content) > 0 {
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			if root.Content[i].Value == "cases" {
				for j, n := range root.Content[i+1].Content {
					if j < len(set.Cases) {
						set.Cases[j].Line = n.Line
					}
				}
			}
		}
	}
	var bad []string
	for i := range set.Cases {
		c := &set.Cases[i]
		if c.Expect == expectAnswered && len(c.Must) == 0 {
			bad = append(bad, fmt.Sprintf("%s:%d: expect answered needs must (what a right answer contains)", path, c.Line))
		}
		for _, m := range c.Must {
			re, err := regexp.Compile("(?is)" + m)
			if err != nil {
				bad = append(bad, fmt.Sprintf("%s:%d: must %q: %v", path, c.Line, m, err))
				continue
			}
			c.must = append(c.must, re)
		}
	}
	if len(bad) > 0 {
		return nil, errors.New(strings.Join(bad, "\n"))
	}
	if set.Name == "" {
		set.Name = strings.TrimSuffix(name, ".yaml")
	}
	return &set, nil
}

// checkSet finds cases that cannot measure anything: an unknown entry id, a repeat, or a near-copy of
// something the bot learns from (an entry's phrasing or title, an out-of-scope or safety example): the
// same content words once normalised. A near-copy measures recall of our own wording, not matching.
func checkSet(set *evalSet, base *knowledge.Base, b *bot.Bot) []string {
	learned := map[string]string{}
	for _, e := range base.Entries {
		for _, q := range append([]string{e.Title}, e.Questions...) {
			learned[b.ContentKey(q)] = "a phrasing of entry " + e.ID
		}
	}
	for _, q := range base.OutOfScope {
		learned[b.ContentKey(q)] = "an example in " + knowledge.OutOfScopeFile
	}
	for _, q := range append(append([]string(nil), base.Safety.Refuse...), base.Safety.Answer...) {
		learned[b.ContentKey(q)] = "an example in " + knowledge.SafetyFile
	}
	var out []string
	seen := map[string]int{}
	for _, c := range set.Cases {
		switch c.Expect {
		case expectAnswered, expectOutOfScope, expectMedical, expectCrisis, expectSmalltalk:
		default:
			if base.Entry(c.Expect) == nil {
				out = append(out, fmt.Sprintf("%s:%d: expect %q is not an entry id", set.File, c.Line, c.Expect))
			}
		}
		n := knowledge.Normalize(c.Q)
		if prev, ok := seen[n]; ok {
			out = append(out, fmt.Sprintf("%s:%d: %q repeats the case at line %d", set.File, c.Line, c.Q, prev))
		}
		seen[n] = c.Line
		if len(c.Context) > 0 || c.Expect == expectSmalltalk || c.Expect == expectCrisis {
			continue // a follow-up is hard because of its context; small talk and crisis words are few
		}
		if what, ok := learned[b.ContentKey(c.Q)]; ok && b.ContentKey(c.Q) != "" {
			out = append(out, fmt.Sprintf("%s:%d: %q is a near-copy of %s (same content words); write it differently or drop it", set.File, c.Line, c.Q, what))
		}
	}
	return out
}

// runSet asks every case in a fresh conversation (after its context messages).
func runSet(ctx context.Context, base *knowledge.Base, ix *bot.Index, set *evalSet) *setResult {
	b := bot.New(base, bot.Options{Index: ix})
	res := &setResult{Name: set.Name, Tags: map[string][2]int{}}
	for i, c := range set.Cases {
		q := cliQuery
		q.ConversationID = fmt.Sprintf("%s-%d", set.Name, i)
		for _, prev := range c.Context {
			q.Text = prev
			b.Answer(ctx, q)
		}
		q.Text = c.Q
		r := b.Answer(ctx, q)
		out := res.score(c, r)
		cr := caseResult{Set: set.Name, Line: c.Line, Q: c.Q, Expect: c.Expect, Status: string(r.Status), Reason: string(r.Reason), Outcome: out}
		if r.Entry != nil {
			cr.EntryID = r.Entry.ID
		}
		res.Cases = append(res.Cases, cr)
		if out != outCorrect {
			res.failures = append(res.failures, fmt.Sprintf("%s:%d: %q: want %s, got %s (%s)", set.File, c.Line, c.Q, c.Expect, describeReply(r), out))
		}
	}
	return res
}

// score counts one case and returns its outcome.
func (res *setResult) score(c evalCase, r bot.Reply) string {
	out := outMissed
	switch c.Expect {
	case expectOutOfScope:
		res.OutOfScope++
		if r.Status == bot.StatusFallback {
			res.OOSHeld++
			out = outCorrect
		} else if r.Status == bot.StatusAnswered {
			out = outWrong
		}
	case expectMedical:
		res.Medical++
		if r.Status == bot.StatusRefused {
			res.MedicalRefused++
			out = outCorrect
		}
	case expectCrisis:
		res.Crisis++
		if r.Status == bot.StatusRefused && r.Reason == bot.ReasonCrisis {
			res.CrisisOK++
			out = outCorrect
		}
	case expectSmalltalk:
		res.Smalltalk++
		if r.Status == bot.StatusSmalltalk {
			res.SmalltalkOK++
			out = outCorrect
		}
	default:
		res.InScope++
		if c.hasTag("health-words") {
			res.Career++
			if r.Status == bot.StatusRefused {
				res.CareerRefused++
			}
		}
		switch r.Status {
		case bot.StatusAnswered:
			if c.answeredRight(r) {
				res.Correct++
				out = outCorrect
			} else {
				res.Wrong++
				out = outWrong
			}
		case bot.StatusRefused:
			res.Wrong++
			res.Refused++
			out = outWrong
		case bot.StatusClarify, bot.StatusSuggest:
			res.Abstain++
			out = outAbstain
		default:
			res.Fallback++
			out = outFallback
		}
		for _, t := range c.Tags {
			v := res.Tags[t]
			v[1]++
			if out == outCorrect {
				v[0]++
			}
			res.Tags[t] = v
		}
	}
	return out
}

// answeredRight: the named entry, or an answer whose text has everything the case's must requires.
func (c evalCase) answeredRight(r bot.Reply) bool {
	if c.Expect != expectAnswered {
		return r.Entry != nil && r.Entry.ID == c.Expect
	}
	for _, re := range c.must {
		if !re.MatchString(r.Text) {
			return false
		}
	}
	return true
}

// printSet prints a set's summary against its thresholds and reports whether it met them all.
func printSet(w io.Writer, s *setResult) bool {
	kind := "development set, not held out"
	if s.HeldOut {
		kind = "held out"
	}
	fmt.Fprintf(w, "\nset %s (%s): %d cases: %d in scope, %d out of scope, %d medical, %d crisis, %d smalltalk\n",
		s.Name, kind, len(s.Cases), s.InScope, s.OutOfScope, s.Medical, s.Crisis, s.Smalltalk)
	return printSetLines(w, s)
}

// printSetLines prints the figures of a set against its thresholds and reports whether it met them.
func printSetLines(w io.Writer, s *setResult) bool {
	t := s.thresholds
	ok := true
	// line prints one figure of the bot's own model; with other models, the bar is checked on the mean
	// of all of theirs, printed beside it.
	line := func(name string, a, b int, limit *float64, atLeast bool, of func(*setResult) int) {
		if b == 0 {
			return
		}
		got := ratio(a, b)
		judged, mean := got, ""
		if len(s.others) > 0 && of != nil {
			sum := a
			for _, o := range s.others {
				sum += of(o)
			}
			judged = float64(sum) / float64(len(s.others)+1) / float64(b)
			mean = fmt.Sprintf("mean of %d models %5.1f%%  ", len(s.others)+1, 100*judged)
		}
		mark, bar := "    ", ""
		if limit != nil {
			mark = "ok  "
			cmp := ">="
			if !atLeast {
				cmp = "<="
			}
			bar = fmt.Sprintf("(threshold %s %.1f%%)", cmp, 100**limit)
			if atLeast && judged < *limit-1e-9 || !atLeast && judged > *limit+1e-9 {
				mark, ok = "FAIL", false
			}
		}
		fmt.Fprintf(w, "  %s %-26s %6.1f%%  %-9s %s%s\n", mark, name, 100*got, fmt.Sprintf("%d/%d", a, b), mean, bar)
	}
	line("in-scope correct", s.Correct, s.InScope, t.MinCorrect, true, func(r *setResult) int { return r.Correct })
	line("in-scope wrong", s.Wrong, s.InScope, t.MaxWrong, false, func(r *setResult) int { return r.Wrong })
	if s.Refused > 0 {
		// Every career question refused as medical, tagged health-words or not (counted in wrong too).
		line("  of which refused", s.Refused, s.InScope, nil, false, func(r *setResult) int { return r.Refused })
	}
	if s.Name == "cv" {
		line("answered a related entry", s.Near, s.InScope, nil, false, nil)
	}
	line("in-scope clarify/suggest", s.Abstain, s.InScope, nil, true, func(r *setResult) int { return r.Abstain })
	line("in-scope fallback", s.Fallback, s.InScope, nil, true, func(r *setResult) int { return r.Fallback })
	line("career refused", s.CareerRefused, s.Career, t.MaxCareerRefused, false, func(r *setResult) int { return r.CareerRefused })
	line("out-of-scope held", s.OOSHeld, s.OutOfScope, t.MinOutOfScope, true, func(r *setResult) int { return r.OOSHeld })
	line("medical refused", s.MedicalRefused, s.Medical, t.MinMedical, true, func(r *setResult) int { return r.MedicalRefused })
	line("crisis signposted", s.CrisisOK, s.Crisis, t.MinCrisis, true, func(r *setResult) int { return r.CrisisOK })
	line("smalltalk recognised", s.SmalltalkOK, s.Smalltalk, t.MinSmalltalk, true, func(r *setResult) int { return r.SmalltalkOK })
	for _, tag := range slices.Sorted(maps.Keys(t.MinTag)) {
		v := s.Tags[tag]
		limit := t.MinTag[tag]
		line("tag "+tag+" correct", v[0], v[1], &limit, true, func(r *setResult) int { return r.Tags[tag][0] })
	}
	return ok
}

func saveResults(path string, rs []caseResult) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("saving results: %w", err)
	}
	enc := json.NewEncoder(f)
	for _, r := range rs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return fmt.Errorf("saving results: %w", err)
		}
	}
	return f.Close()
}

// printFlips lists the cases whose outcome changed since an earlier saved run, matched by set and
// question.
func printFlips(w io.Writer, path string, now []caseResult) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading the earlier run: %w", err)
	}
	before := map[string]caseResult{}
	for i, ln := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var r caseResult
		if err := json.Unmarshal([]byte(ln), &r); err != nil {
			return fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
		before[r.Set+"\x00"+r.Q] = r
	}
	var fixed, broke, changed int
	fmt.Fprintf(w, "\nchanges since %s:\n", path)
	for _, r := range now {
		b, ok := before[r.Set+"\x00"+r.Q]
		if !ok || b.Outcome == r.Outcome && b.EntryID == r.EntryID && b.Status == r.Status {
			continue
		}
		mark := "  ~"
		switch {
		case r.Outcome == outCorrect && b.Outcome != outCorrect:
			mark = "  +"
			fixed++
		case b.Outcome == outCorrect && r.Outcome != outCorrect:
			mark = "  -"
			broke++
		default:
			changed++
		}
		fmt.Fprintf(w, "%s %s:%d %q: %s %s → %s %s\n", mark, r.Set, r.Line, r.Q, b.Outcome, flipDetail(b), r.Outcome, flipDetail(r))
	}
	fmt.Fprintf(w, "%d fixed (+), %d broken (-), %d otherwise changed (~)\n", fixed, broke, changed)
	return nil
}

func flipDetail(r caseResult) string {
	if r.EntryID != "" {
		return "(" + r.Status + " " + r.EntryID + ")"
	}
	return "(" + r.Status + ")"
}

func describeReply(r bot.Reply) string {
	switch r.Status {
	case bot.StatusAnswered:
		return fmt.Sprintf("answered %s (%.2f)", r.Entry.ID, r.Score)
	case bot.StatusClarify, bot.StatusSuggest:
		ids := make([]string, len(r.Candidates))
		for i, c := range r.Candidates {
			ids[i] = c.ID
		}
		return string(r.Status) + " [" + strings.Join(ids, ", ") + "]"
	}
	if r.Reason != "" {
		return fmt.Sprintf("%s/%s (%.2f)", r.Status, r.Reason, r.Score)
	}
	return fmt.Sprintf("%s (%.2f)", r.Status, r.Score)
}

// runCV prints the cross-validation on the knowledge's own examples against the manifest's cv bar.
func runCV(cv bot.CVResult, s *setResult, quiet, sweep bool, w io.Writer) error {
	if !quiet {
		for _, o := range cv.Outcomes {
			if o.Correct {
				continue
			}
			switch {
			case o.Entry == "":
				fmt.Fprintf(w, "out-of-scope %q: got %s %s\n", o.Text, o.Status, o.Got)
			default:
				fmt.Fprintf(w, "%s %q: got %s %s (ranked first: %s)\n", o.Entry, o.Text, o.Status, o.Got, o.Top)
			}
		}
		for _, m := range cv.SafetyMisses {
			fmt.Fprintf(w, "safety %s\n", m)
		}
	}
	fmt.Fprintf(w, "\ncross-validation on the knowledge's own examples (each hidden from the index and from the models that judge it):\n")
	fmt.Fprintf(w, "  %d phrasings (in scope), %d out-of-scope examples, %d safety refuse and %d safety answer examples\n",
		cv.Phrasings, cv.OutOfScope, cv.Refuse, cv.Career)
	fmt.Fprintf(w, "  ordinary questions (phrasings, out-of-scope examples) refused as medical: %.1f%% (%d/%d)\n", 100*ratio(cv.OrdinaryRefused, cv.Ordinary), cv.OrdinaryRefused, cv.Ordinary)
	fmt.Fprintf(w, "  right entry ranked first: %.1f%% of phrasings (%d/%d), whatever the decision\n", 100*ratio(cv.Top1, cv.Phrasings), cv.Top1, cv.Phrasings)
	ok := printSetLines(w, s)
	if sweep {
		fmt.Fprintf(w, "\n(* the policy in use, > the one the sweep chooses: the best utility, ties within 0.1%% broken by more correct answers, when it beats the policy in use by more than twice the standard error of the gain; else the policy in use)")
		fmt.Fprintf(w, "\ndecision policies by utility on these confidences (correct +1, a related entry that offers the right one +0.25, wrong %s, right entry among choices +0.25, out of scope held +1, answered -3, offered choices -0.25):\n", "-3")
		for i, p := range cv.Sweep {
			if i >= 5 && !p.Current && !p.Chosen {
				continue
			}
			mark := sweepMark(p.Current, p.Chosen)
			fmt.Fprintf(w, "%spick %.2f scope %.2f clarify %.2f suggest %.2f in-scope %.2f oos-margin %.1f: correct %d related %d wrong %d asked %d | out of scope held %d answered %d | utility %.1f (gain %+.1f ± %.1f)\n",
				mark, p.Pick, p.Scope, p.ClarifyAt, p.SuggestAt, p.InScopeAt, p.OOSMargin, p.Correct, p.Near, p.Wrong, p.Abstain, p.OOSHeld, p.OOSAnswered, p.Utility, p.Gain, p.GainSE)
		}
	}
	if sweep && len(cv.SafetySweep) > 0 {
		fmt.Fprintf(w, "\nsafety cuts (the most refusals with at most 1 career question in 30 and 1 ordinary question in 100 refused; it replaces the cut in use when that breaks a limit or when the refusals it gains minus those it loses exceed twice the square root of both):\n")
		for i, p := range cv.SafetySweep {
			if i >= 5 && !p.Current && !p.Chosen {
				continue
			}
			mark := sweepMark(p.Current, p.Chosen)
			fmt.Fprintf(w, "%srefuse from %.2f, unsure from %.2f, career when answered at %.2f: refused %d/%d (+%d -%d), career refused %d/%d, ordinary refused %d/%d\n",
				mark, p.RefuseAt, p.MaybeAt, p.CareerSure, p.Refused, cv.Refuse, p.Gained, p.Lost, p.CareerRefused, cv.Career, p.OrdinaryRefused, cv.Ordinary)
		}
	}
	if !ok {
		return exitError{1}
	}
	return nil
}

// sweepMark marks a swept policy: * the one in use, > the one the sweep chooses.
func sweepMark(current, chosen bool) string {
	switch {
	case current && chosen:
		return "*> "
	case current:
		return "*  "
	case chosen:
		return " > "
	}
	return "   "
}

// cvSet is a cross-validation's figures as a set's, for printing against the cv bar.
func cvSet(cv bot.CVResult) *setResult {
	return &setResult{Name: "cv", InScope: cv.Phrasings, Correct: cv.Correct, Wrong: cv.Wrong, Near: cv.Near,
		Abstain: cv.Abstain, Fallback: cv.Fallback, OutOfScope: cv.OutOfScope, OOSHeld: cv.OOSHeld,
		Medical: cv.Refuse, MedicalRefused: cv.Refused, Career: cv.Career, CareerRefused: cv.CareerRefused}
}

// addOtherModels runs each set again with n-1 other models, each learnt from another sample of the
// knowledge's examples (sample 0 is the bot's own), into the set's others: the bars are checked on the
// mean, and --resamples prints the range. A cross-validation set is cross-validated again instead.
func addOtherModels(ctx context.Context, base *knowledge.Base, n int, sets []*setResult) error {
	for sample := 1; sample < n; sample++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		ix := bot.NewIndexSample(base, uint64(sample))
		for _, s := range sets {
			if s.set == nil {
				s.others = append(s.others, cvSet(bot.New(base, bot.Options{Index: ix}).CrossValidate(false)))
			} else {
				s.others = append(s.others, runSet(ctx, base, ix, s.set))
			}
		}
	}
	return nil
}
