package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/radbot/radbot/knowledge"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the lint tests")

// runRadbot runs the radbot command line in-process and returns its exit code, stdout and stderr.
func runRadbot(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// lineContaining returns the 1-based line of the first line of a file that contains needle.
func lineContaining(t *testing.T, path, needle string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, needle) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line containing %q", path, needle)
	return 0
}

// TestLintBroken lints the deliberately broken folder from the module root, as a maintainer would, and
// compares the whole output with knowledge/testdata/broken.golden. Run with -update to rewrite it.
func TestLintBroken(t *testing.T) {
	t.Chdir("../..") // the module root, so the output names the folder as `radbot lint` there does
	const dir = "knowledge/testdata/broken"
	const golden = "knowledge/testdata/broken.golden"
	code, out, errOut := runRadbot(t, "", "lint", dir)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if errOut != "" {
		t.Errorf("stderr: %q, want nothing (the problems go to stdout)", errOut)
	}
	if *updateGolden {
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run `go test ./cmd/radbot -run TestLintBroken -update` to create it)", err)
	}
	if out != string(want) {
		t.Errorf("lint output differs from %s (rerun with -update if the change is intended)\n--- got:\n%s\n--- want:\n%s", golden, out, want)
	}

	// Whatever the golden file says, the three planted problems must each be there with file:line, the
	// files named as the folder was given, so that an editor can open them.
	exams, training := filepath.Join(dir, "exams.yaml"), filepath.Join(dir, "training.yaml")
	for _, want := range []string{
		fmt.Sprintf(`%s:%d: entry "frcr-exams": unknown field "anwser" in an entry (did you mean "answer"?)`,
			exams, lineContaining(t, exams, "anwser:")),
		fmt.Sprintf(`%s:%d: entry "frcr-exams": duplicate id: already used at %s:%d`,
			training, lineContaining(t, training, "- id: frcr-exams"), exams, lineContaining(t, exams, "- id: frcr-exams")),
		fmt.Sprintf(`%s:%d: entry "frcr-part-1": related id "training-lenght" does not exist (did you mean "training-length"?)`,
			exams, lineContaining(t, exams, "training-lenght")),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^knowledge/testdata/broken: \d+ problems\. Fix each one at the file:line shown`).MatchString(out) {
		t.Errorf("no summary line naming the folder:\n%s", out)
	}
}

func TestLintEmbedded(t *testing.T) {
	t.Parallel()
	base, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	s := base.Stats()
	want := fmt.Sprintf("embedded knowledge: ok: %d topics, %d entries, %d phrasings, %d synonym groups (version %s)\n",
		s.Topics, s.Entries, s.Phrasings, s.SynonymGroups, base.Version)
	code, out, errOut := runRadbot(t, "", "lint")
	if code != 0 || out != want || errOut != "" {
		t.Errorf("lint = %d, stdout %q, stderr %q; want 0, %q", code, out, errOut, want)
	}
	// The same content from a folder on disk, named by argument or by --knowledge.
	dir := tempKnowledge(t)
	for _, args := range [][]string{{"lint", dir}, {"lint", "--knowledge", dir}} {
		code, out, _ := runRadbot(t, "", args...)
		if code != 0 || !strings.HasPrefix(out, dir+": ok: ") || !strings.Contains(out, fmt.Sprintf("%d entries, %d phrasings", s.Entries, s.Phrasings)) {
			t.Errorf("%q = %d, %q", args, code, out)
		}
	}
}

func TestLintMissingFolder(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "nope")
	code, out, errOut := runRadbot(t, "", "lint", missing)
	if code != 1 || out != "" || !strings.HasPrefix(errOut, "radbot lint: loading "+missing) {
		t.Errorf("lint of a missing folder = %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// tempKnowledge copies the embedded knowledge folder into a temporary directory.
func tempKnowledge(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := knowledge.DefaultFS()
	names, err := fs.Glob(src, "*.yaml")
	if err != nil || len(names) == 0 {
		t.Fatalf("listing the embedded knowledge: %v (%d files)", err, len(names))
	}
	for _, name := range names {
		data, err := fs.ReadFile(src, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// breakFile rewrites one line of a file in dir: the first line containing old gets old replaced by new.
func breakFile(t *testing.T, dir, name, old, new string) int {
	t.Helper()
	path := filepath.Join(dir, name)
	line := lineContaining(t, path, strings.TrimSuffix(old, "\n"))
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return line
}

// TestLintIndentationMistake is the mistake from issue 15: one over-indented field in the real content.
// lint names that line (not where its entry starts), and nothing else: no "related id does not exist"
// in other files for the entries of the file that did not parse.
func TestLintIndentationMistake(t *testing.T) {
	t.Parallel()
	dir := tempKnowledge(t)
	line := breakFile(t, dir, "pay.yaml", "    related: [pay-extras", "     related: [pay-extras")
	code, out, _ := runRadbot(t, "", "lint", dir)
	want := fmt.Sprintf("%s:%d: not valid YAML: did not find expected key (this line is indented differently", filepath.Join(dir, "pay.yaml"), line)
	if code != 1 || !strings.HasPrefix(out, want) || !strings.Contains(out, dir+": 1 problem.") {
		t.Errorf("lint = %d:\n%s\nwant 1 problem, starting %q", code, out, want)
	}
}

// TestLintFile: `lint FILE` checks the file in its folder and lists only that file's problems, named as
// given; problems elsewhere are counted in one line.
func TestLintFile(t *testing.T) {
	t.Parallel()
	dir := tempKnowledge(t)
	pay, training := filepath.Join(dir, "pay.yaml"), filepath.Join(dir, "training.yaml")
	payLine := breakFile(t, dir, "pay.yaml", "related: [pay-extras", "related: [pay-extra")
	breakFile(t, dir, "work.yaml", "  - id: ", "  - id: Not An Id ")

	code, out, errOut := runRadbot(t, "", "lint", pay)
	if code != 1 || errOut != "" {
		t.Errorf("lint %s = %d, stderr %q; want 1", pay, code, errOut)
	}
	if !strings.HasPrefix(out, fmt.Sprintf(`%s:%d: entry "`, pay, payLine)) || !strings.Contains(out, `related id "pay-extra" does not exist (did you mean "pay-extras"?)`) ||
		strings.Contains(out, "work.yaml:") || !strings.Contains(out, pay+": 1 problem.") || !strings.Contains(out, "more problem") || !strings.Contains(out, "radbot lint "+dir) {
		t.Errorf("lint %s:\n%s", pay, out)
	}
	// A file without problems is ok, whatever the rest of the folder holds (which is still mentioned).
	code, out, _ = runRadbot(t, "", "lint", training)
	if code != 0 || !strings.HasPrefix(out, training+": ok\n") || !strings.Contains(out, "more problems in other files") {
		t.Errorf("lint %s = %d:\n%s", training, code, out)
	}
	// Not a knowledge file.
	other := filepath.Join(dir, "notes.txt")
	os.WriteFile(other, []byte("x"), 0o644)
	if code, _, errOut := runRadbot(t, "", "lint", other); code != 2 || !strings.Contains(errOut, "not a knowledge file") {
		t.Errorf("lint %s = %d, %q", other, code, errOut)
	}
}

// TestLintWarnings: warnings are printed with their file:line and lint still exits 0.
func TestLintWarnings(t *testing.T) {
	t.Parallel()
	dir := tempKnowledge(t)
	// Two phrasings of the first entry in training.yaml that differ only in case and punctuation.
	line := breakFile(t, dir, "training.yaml", "    questions:\n", "    questions:\n      - zebra radiology question\n      - Zebra radiology question!\n") + 2
	code, out, _ := runRadbot(t, "", "lint", dir)
	want := fmt.Sprintf("%s:%d: warning: entry %q: question %q repeats the phrasing at line %d", filepath.Join(dir, "training.yaml"), line,
		firstEntryIn(t, "training.yaml"), "Zebra radiology question!", line-1)
	if code != 0 || !strings.HasPrefix(out, want) || !strings.Contains(out, "; 1 warning above") {
		t.Errorf("lint = %d:\n%s\nwant exit 0, starting %q", code, out, want)
	}
}

func firstEntryIn(t *testing.T, file string) string {
	t.Helper()
	for _, e := range defaultBase(t).Entries {
		if e.File == file {
			return e.ID
		}
	}
	t.Fatalf("no entry in %s", file)
	return ""
}
