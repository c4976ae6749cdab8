package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEvalMeetsThresholds runs the shipped evaluation the way CI does: every set, from the embedded
// files, from any working directory.
func TestEvalMeetsThresholds(t *testing.T) {
	t.Parallel()
	code, out, errOut := runRadbot(t, "", "eval", "--quiet")
	if code != 0 {
		t.Fatalf("eval exit %d (thresholds not met?), stderr %q:\n%s", code, errOut, out)
	}
	for _, set := range []string{"blind", "real", "health-words", "dev"} {
		re := regexp.MustCompile(`(?m)^set ` + set + ` \((held out|development set, not held out)\): \d+ cases: \d+ in scope`)
		if !re.MatchString(out) {
			t.Errorf("eval output has no summary for set %s:\n%s", set, out)
		}
	}
	if strings.Contains(out, "FAIL") {
		t.Errorf("eval passed but printed a failure:\n%s", out)
	}
}

// writeEval writes a manifest and one case set into a temporary testdata folder and returns the
// manifest's path.
func writeEval(t *testing.T, thresholds, cases string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sets"), 0o755); err != nil {
		t.Fatal(err)
	}
	man := "sets:\n  - file: mine.yaml\n    held_out: true\n    thresholds: " + thresholds + "\n"
	for name, data := range map[string]string{"eval.yaml": man, "sets/mine.yaml": "set: mine\ncases:\n" + cases} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "eval.yaml")
}

func TestEvalReportsFailures(t *testing.T) {
	t.Parallel()
	manifest := writeEval(t, "{min_correct: 0.9, min_out_of_scope: 0.9}", `  - q: how long does it take to train in radiology
    expect: training-length
  - q: best pizza near campus
    expect: answered
    must: ["five years"]
  - q: what is the capital of France
    expect: out-of-scope
`)
	code, out, _ := runRadbot(t, "", "eval", manifest)
	if code != 1 {
		t.Errorf("eval with a failing case: exit %d, want 1", code)
	}
	for _, want := range []string{
		`sets/mine.yaml:5: "best pizza near campus": want answered, got `,
		"set mine (held out): 3 cases: 2 in scope, 1 out of scope",
		"FAIL in-scope correct",
		" 50.0%  1/2 ",
		"ok   out-of-scope held",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
	// --quiet keeps the summary and drops the failure lines.
	_, out, _ = runRadbot(t, "", "eval", "--quiet", manifest)
	if strings.Contains(out, `"best pizza near campus": want`) || !strings.Contains(out, "FAIL in-scope correct") {
		t.Errorf("eval --quiet:\n%s", out)
	}
}

func TestEvalRejectsBadSets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, cases, want string }{
		{"unknown entry id", "  - q: how long is training\n    expect: training-lenght\n", `sets/mine.yaml:3: expect "training-lenght" is not an entry id`},
		{"answered without must", "  - q: how long is training\n    expect: answered\n", "sets/mine.yaml:3: expect answered needs must"},
		{"regex that does not compile", "  - q: how long is training\n    expect: answered\n    must: [\"(five\"]\n", `sets/mine.yaml:3: must "(five"`},
		{"repeat", "  - q: What is a CT scanner made of\n    expect: out-of-scope\n  - q: what is a ct scanner made of?\n    expect: out-of-scope\n", "sets/mine.yaml:5: \"what is a ct scanner made of?\" repeats the case at line 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := runRadbot(t, "", "eval", writeEval(t, "{}", tc.cases))
			if code != 1 || !strings.Contains(errOut, tc.want) {
				t.Errorf("eval = %d, stderr %q; want 1 and %q", code, errOut, tc.want)
			}
		})
	}
}

// --save writes every outcome; --compare against it lists what changed.
func TestEvalCompare(t *testing.T) {
	t.Parallel()
	before := writeEval(t, "{}", "  - q: how long does it take to train in radiology\n    expect: training-length\n  - q: what is the capital of France\n    expect: out-of-scope\n")
	saved := filepath.Join(t.TempDir(), "run.jsonl")
	if code, out, errOut := runRadbot(t, "", "eval", "--save", saved, before); code != 0 {
		t.Fatalf("eval --save = %d: %s %s", code, out, errOut)
	}
	// The same questions, now expecting something else of the first: its outcome flips.
	after := writeEval(t, "{}", "  - q: how long does it take to train in radiology\n    expect: answered\n    must: [\"no such text\"]\n  - q: what is the capital of France\n    expect: out-of-scope\n")
	_, out, errOut := runRadbot(t, "", "eval", "--compare", saved, after)
	for _, want := range []string{`  - mine:3 "how long does it take to train in radiology": correct`, "0 fixed (+), 1 broken (-), 0 otherwise changed (~)"} {
		if !strings.Contains(out, want) {
			t.Errorf("eval --compare lacks %q:\n%s%s", want, out, errOut)
		}
	}
}

// --resamples fits a model per sample and prints each figure's mean and range; sample 0 is the model
// the bot uses, so its figure is the one a plain run prints.
func TestEvalResamples(t *testing.T) {
	t.Parallel()
	manifest := writeEval(t, "{min_correct: 0.0}", `  - q: how long does it take to train in radiology
    expect: training-length
  - q: whats the dosh like for a rads trainee in the first two years
    expect: answered
    must: ["£"]
  - q: what is the capital of France
    expect: out-of-scope
`)
	code, plain, errPlain := runRadbot(t, "", "eval", manifest)
	if code != 0 {
		t.Fatalf("plain eval: exit %d, stderr %q:\n%s", code, errPlain, plain)
	}
	code, out, errOut := runRadbot(t, "", "eval", "--resamples", "3", manifest)
	if code != 0 {
		t.Fatalf("eval --resamples: exit %d, stderr %q:\n%s", code, errOut, out)
	}
	if !strings.Contains(out, "over 3 models") || !strings.Contains(out, "set mine (held out):") {
		t.Errorf("eval --resamples output lacks its header or set:\n%s", out)
	}
	m := regexp.MustCompile(`in-scope correct\s+[\d.]+%\s+mean\s+([\d.]+) of 2\s+range (\d)-(\d) \(sample 0: (\d)\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no in-scope correct line with a mean and range:\n%s", out)
	}
	if !strings.Contains(plain, m[4]+"/2") {
		t.Errorf("sample 0 gave %s correct, the plain run:\n%s", m[4], plain)
	}
	if m[2] > m[4] || m[4] > m[3] {
		t.Errorf("sample 0's %s is outside the range %s-%s", m[4], m[2], m[3])
	}
}

// With models in the manifest, the bars are checked on the mean over that many models, printed beside
// the bot's own figure; --models 1 checks the bot's own model alone.
func TestEvalModelsMean(t *testing.T) {
	t.Parallel()
	manifest := writeEval(t, "{min_correct: 0.0, max_wrong: 1.0}", `  - q: how long does it take to train in radiology
    expect: training-length
  - q: what is the capital of France
    expect: out-of-scope
`)
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, append([]byte("models: 3\n"), data...), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runRadbot(t, "", "eval", manifest)
	if code != 0 {
		t.Fatalf("eval: exit %d, stderr %q:\n%s", code, errOut, out)
	}
	if !regexp.MustCompile(`in-scope correct\s+[\d.]+%\s+\d/1\s+mean of 3 models\s+[\d.]+%\s+\(threshold >= 0\.0%\)`).MatchString(out) {
		t.Errorf("no mean of 3 models beside the figure:\n%s", out)
	}
	code, out, _ = runRadbot(t, "", "eval", "--models", "1", manifest)
	if code != 0 || strings.Contains(out, "mean of") {
		t.Errorf("eval --models 1: exit %d, want the bot's own model alone:\n%s", code, out)
	}
}

// eval --cv checks its bar on the mean over the models too.
func TestEvalCVModelsMean(t *testing.T) {
	t.Parallel()
	code, out, errOut := runRadbot(t, "", "eval", "--cv", "--quiet", "--models", "2")
	if code != 0 {
		t.Fatalf("eval --cv --models 2: exit %d, stderr %q:\n%s", code, errOut, out)
	}
	if !regexp.MustCompile(`in-scope correct\s+[\d.]+%\s+\d+/\d+\s+mean of 2 models\s+[\d.]+%\s+\(threshold >= `).MatchString(out) {
		t.Errorf("no mean of 2 models beside the cross-validated figure:\n%s", out)
	}
}
