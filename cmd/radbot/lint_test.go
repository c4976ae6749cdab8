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

	// Whatever the golden file says, the three planted problems must each be there with file:line.
	exams, training := filepath.Join(dir, "exams.yaml"), filepath.Join(dir, "training.yaml")
	for _, want := range []string{
		fmt.Sprintf(`exams.yaml:%d: entry "frcr-exams": unknown field "anwser" in an entry (did you mean "answer"?)`,
			lineContaining(t, exams, "anwser:")),
		fmt.Sprintf(`training.yaml:%d: entry "frcr-exams": duplicate id: already used at exams.yaml:%d`,
			lineContaining(t, training, "- id: frcr-exams"), lineContaining(t, exams, "- id: frcr-exams")),
		fmt.Sprintf(`exams.yaml:%d: entry "frcr-part-1": related id "training-lenght" does not exist (did you mean "training-length"?)`,
			lineContaining(t, exams, "training-lenght")),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !regexp.MustCompile(`(?m)^knowledge/testdata/broken: \d+ problem\(s\)\. Fix each one at the file:line shown`).MatchString(out) {
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
