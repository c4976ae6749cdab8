package knowledge_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/knowledge"
)

// loadErrors loads files and returns its problems, failing the test if it loaded.
func loadErrors(t *testing.T, files map[string]string) knowledge.ErrorList {
	t.Helper()
	base, err := knowledge.Load(mapFS(files))
	var list knowledge.ErrorList
	if base != nil || !errors.As(err, &list) {
		t.Fatalf("Load = %v, %v; want an ErrorList", base != nil, err)
	}
	return list
}

// TestLoadSyntaxMistakes: a YAML mistake is reported at the line that is wrong (yaml.v3 alone often
// names the line where the entry starts, dozens of lines earlier), with a hint that fits it, and a
// list item that YAML read as something else is caught.
func TestLoadSyntaxMistakes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		old, new string
		at       string // the line the error must name
		msg      []string
	}{
		{
			name: "over-indented field",
			old:  "    related: [training-length]", new: "     related: [training-length]",
			at:  "     related: [training-length]",
			msg: []string{"not valid YAML", "indented differently"},
		},
		{
			name: "under-indented list item",
			old:  "      - tell me about the fellowship exams", new: "     - tell me about the fellowship exams",
			at:  "     - tell me about the fellowship exams",
			msg: []string{"not valid YAML", "indented differently"},
		},
		{
			name: "tab",
			old:  "      - which exams do radiology trainees sit", new: "\t- which exams do radiology trainees sit",
			at:  "\t- which exams do radiology trainees sit",
			msg: []string{"not valid YAML", "tab", "indent with spaces, never tabs"},
		},
		{
			name: "colon in a title",
			old:  "title: What are the FRCR exams?", new: "title: FRCR: what are the exams?",
			at:  "title: FRCR: what are the exams?",
			msg: []string{"not valid YAML", `must be in quotes: title: "FRCR: what are the exams?"`},
		},
		{
			name: "colon in a phrasing",
			old:  "      - how many parts does the FRCR have", new: "      - FRCR: how many parts?",
			at:  "      - FRCR: how many parts?",
			msg: []string{`field "questions"`, `read as "key: value"`, `put it in quotes: - "FRCR: how many parts?"`},
		},
		{
			name: "phrasing swallowed by an over-indented line",
			old:  "      - how many parts does the FRCR have", new: "       - how many parts does the FRCR have",
			at: "       - how many parts does the FRCR have",
			msg: []string{`field "questions"`, "joined the two into one item",
				`"which exams do radiology trainees sit - how many parts does the FRCR have"`},
		},
		{
			name: "two phrasings on one line",
			old:  "      - how many parts does the FRCR have", new: "      - how many parts does the FRCR have - when is part 1",
			at:  "      - how many parts does the FRCR have - when is part 1",
			msg: []string{`field "questions"`, `has " - " inside`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files := validFolder()
			replaceOnce(t, files, "training.yaml", tc.old, tc.new)
			list := loadErrors(t, files)
			if len(list) != 1 {
				t.Errorf("%d problems, want exactly 1:\n%v", len(list), list)
			}
			if line := lineOf(t, files["training.yaml"], tc.at, 1); !hasError(list, "training.yaml", line, "", tc.msg) && !hasError(list, "training.yaml", line, "frcr-exams", tc.msg) {
				t.Errorf("no problem at training.yaml:%d containing %q; got:\n%v", line, tc.msg, list)
			}
		})
	}
	// Quoted, the same text is fine; so is " - " in a flow list or in quotes.
	files := validFolder()
	replaceOnce(t, files, "training.yaml", "      - how many parts does the FRCR have", "      - \"FRCR: how many parts - and when?\"")
	replaceOnce(t, files, "training.yaml", "keywords: [years, duration]", "keywords: [years - duration, length]")
	if _, err := knowledge.Load(mapFS(files)); err != nil {
		t.Errorf("quoted phrasings: %v", err)
	}
}

// TestLoadNoCascadeFromUnparsedFile: when a file is not valid YAML its entries are unknown, so the
// related ids that point at them, and the special file it should have been, are not reported missing.
func TestLoadNoCascadeFromUnparsedFile(t *testing.T) {
	t.Parallel()
	files := validFolder()
	// Move frcr-exams into a file of its own, then break that file.
	exams := validTopic[strings.Index(validTopic, "  - id: frcr-exams"):]
	replaceOnce(t, files, "training.yaml", exams, "")
	files["exams.yaml"] = "topic: Exams\nentries:\n" + strings.Replace(exams, "    related: [training-length]", "     related: [training-length]", 1)
	files["bot.yaml"] = strings.Replace(files["bot.yaml"], "help: |", "help: |\n\t", 1)
	list := loadErrors(t, files)
	if len(list) != 2 {
		t.Fatalf("%d problems, want 2 (one per broken file):\n%v", len(list), list)
	}
	if !hasError(list, "bot.yaml", -1, "", []string{"not valid YAML"}) || !hasError(list, "exams.yaml", -1, "", []string{"not valid YAML"}) {
		t.Errorf("want the two syntax errors, got:\n%v", list)
	}
	// Once exams.yaml parses, a related id that is really missing is reported again.
	files = validFolder()
	replaceOnce(t, files, "training.yaml", "related: [frcr-exams]", "related: [frcr-exam]")
	if list := loadErrors(t, files); !hasError(list, "training.yaml", -1, "training-length", []string{`related id "frcr-exam" does not exist (did you mean "frcr-exams"?)`}) {
		t.Errorf("a dangling related id with every file parsed: %v", list)
	}
}

// writeFolder writes files into a new folder and returns it.
func writeFolder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLoadDuplicateBlamesTheNewerEntry: when two entries share an id or a phrasing, the error is on the
// one most likely just written: the one in the file saved later, or else with the later reviewed date,
// or else the later one in the folder.
func TestLoadDuplicateBlamesTheNewerEntry(t *testing.T) {
	t.Parallel()
	const phrasing = "how long is radiology training"
	// about.yaml sorts before training.yaml; its entry repeats an id and a phrasing of training.yaml.
	about := func(reviewed string) string {
		return fmt.Sprintf(`topic: About
entries:
  - id: frcr-exams
    title: About the exams
    questions:
      - %s
      - exams in radiology training
      - when are the radiology exams
      - radiology exam dates
      - radiology exam fees
    answer: Text.
    related: [training-length]
    sources:
      - title: RCR
        url: https://www.rcr.ac.uk/
    reviewed: %s
`, phrasing, reviewed)
	}
	trainingLine := lineOf(t, validTopic, "- id: frcr-exams", 1)
	aboutIDLine := lineOf(t, about("x"), "- id: frcr-exams", 1)
	aboutQLine := lineOf(t, about("x"), "- "+phrasing, 1)

	// By reviewed date: about.yaml's entry was reviewed after training.yaml's (2026-02-01), so it is new.
	files := validFolder()
	files["about.yaml"] = about("2026-03-01")
	list := loadErrors(t, files)
	if !hasError(list, "about.yaml", aboutIDLine, "frcr-exams", []string{"duplicate id", fmt.Sprintf("already used at training.yaml:%d", trainingLine)}) ||
		!hasError(list, "about.yaml", aboutQLine, "frcr-exams", []string{"is also a phrasing of entry \"training-length\""}) {
		t.Errorf("newer by reviewed date: the errors should be on about.yaml:\n%v", list)
	}
	if hasError(list, "training.yaml", -1, "frcr-exams", []string{"duplicate id"}) || hasError(list, "training.yaml", -1, "training-length", []string{"is also a phrasing"}) {
		t.Errorf("the older entries in training.yaml were blamed:\n%v", list)
	}

	// By the time each file was saved: training.yaml was edited an hour after about.yaml, whose
	// reviewed date is later; the file's save time wins.
	dir := writeFolder(t, files)
	hourAgo := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "about.yaml"), hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
	_, err := knowledge.LoadWith(os.DirFS(dir), knowledge.Options{Dir: dir})
	if !errors.As(err, &list) {
		t.Fatal(err)
	}
	training := filepath.Join(dir, "training.yaml")
	if !hasError(list, training, trainingLine, "frcr-exams", []string{"duplicate id", "already used at " + filepath.Join(dir, "about.yaml")}) ||
		!hasError(list, training, lineOf(t, validTopic, "- "+phrasing, 1), "training-length", []string{"is also a phrasing of entry \"frcr-exams\""}) {
		t.Errorf("training.yaml was saved last, so its entries should be blamed:\n%v", list)
	}

	// Same dates and save times: the later one in the folder.
	files["about.yaml"] = about("2026-02-01")
	if list := loadErrors(t, files); !hasError(list, "training.yaml", trainingLine, "frcr-exams", []string{"duplicate id", fmt.Sprintf("already used at about.yaml:%d", aboutIDLine)}) {
		t.Errorf("a tie: the later file should be blamed:\n%v", list)
	}
}

// TestLoadNearDuplicatePhrasings: phrasings of one entry that the matcher reads alike are warnings, not
// errors; different questions, even one digit apart, are not.
func TestLoadNearDuplicatePhrasings(t *testing.T) {
	t.Parallel()
	files := validFolder()
	replaceOnce(t, files, "training.yaml", "      - when do radiology trainees get their CCT\n", `      - when do radiology trainees get their CCT
      - How long is radiology training?
      - radiology training how long is
      - radiology train ing duration
      - length of clinical radiology trainings
      - FY1 radiology training length
      - FY2 radiology training length
`)
	base, err := knowledge.Load(mapFS(files))
	if err != nil {
		t.Fatalf("near-duplicates must not stop loading: %v", err)
	}
	at := func(s string) int { return lineOf(t, files["training.yaml"], s, 1) }
	want := map[string]string{
		"      - How long is radiology training?": fmt.Sprintf("repeats the phrasing at line %d", at("- how long is radiology training")),
		"      - radiology training how long is": fmt.Sprintf(`nearly the same as "how long is radiology training" at line %d (the same words in another order)`,
			at("- how long is radiology training")),
		"      - radiology train ing duration": fmt.Sprintf(`nearly the same as "radiology training duration" at line %d (only the spacing differs)`,
			at("- radiology training duration")),
		"      - length of clinical radiology trainings": fmt.Sprintf(`nearly the same as "length of clinical radiology training" at line %d (one letter differs)`,
			at("- length of clinical radiology training")),
	}
	for at, msg := range want {
		if !hasWarning(base.Warnings, "training.yaml", lineOf(t, files["training.yaml"], at, 1), "training-length", msg) {
			t.Errorf("no warning at %q containing %q; warnings:\n%v", at, msg, base.Warnings)
		}
	}
	if len(base.Warnings) != len(want) {
		t.Errorf("%d warnings, want %d (FY1 and FY2 are different questions):\n%v", len(base.Warnings), len(want), base.Warnings)
	}
}

func hasWarning(list knowledge.ErrorList, file string, line int, id, msg string) bool {
	for _, e := range list {
		if e.Warning && e.File == file && e.Line == line && e.EntryID == id && strings.Contains(e.Msg, msg) {
			return true
		}
	}
	return false
}

// TestLoadNamesFilesAsGiven: with Options.Dir, every file name in a problem, including the other file a
// message points to, is the folder joined to the file's name; Entry.File stays the bare name.
func TestLoadNamesFilesAsGiven(t *testing.T) {
	t.Parallel()
	files := validFolder()
	replaceOnce(t, files, "training.yaml", "- when do you take the first FRCR", "- How long is Radiology training?")
	_, err := knowledge.LoadWith(mapFS(files), knowledge.Options{Dir: "knowledge/content"})
	var list knowledge.ErrorList
	if !errors.As(err, &list) || len(list) != 1 {
		t.Fatalf("want one problem, got %v", err)
	}
	want := fmt.Sprintf(`knowledge/content/training.yaml:%d: entry "frcr-exams": question "How long is Radiology training?" is also a phrasing of entry "training-length" (knowledge/content/training.yaml:%d)`,
		lineOf(t, files["training.yaml"], "How long is Radiology training?", 1), lineOf(t, validTopic, "- id: training-length", 1))
	if !strings.HasPrefix(list[0].Error(), want) {
		t.Errorf("got  %s\nwant %s…", list[0].Error(), want)
	}
	base, err := knowledge.LoadWith(mapFS(validFolder()), knowledge.Options{Dir: "knowledge/content"})
	if err != nil || base.Entry("frcr-exams").File != "training.yaml" {
		t.Errorf("Entry.File with Options.Dir: %v", err)
	}
}

// bigTopic is a topic file of about size bytes whose entries each name six related ids that do not
// exist: the worst case for the related check, which once rebuilt and sorted the id list for each.
func bigTopic(size int) string {
	var b strings.Builder
	b.WriteString("topic: Big\nentries:\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "  - id: big-%d\n    title: Big %d\n    questions:\n", i, i)
		for j := range 5 {
			fmt.Fprintf(&b, "      - big question %d variant %d\n", i, j)
		}
		fmt.Fprintf(&b, "    answer: Answer %d.\n    related: [gone-%d-a, gone-%d-b, gone-%d-c, gone-%d-d, gone-%d-e, gone-%d-f]\n", i, i, i, i, i, i, i)
		b.WriteString("    sources:\n      - title: S\n        url: https://example.org/\n    reviewed: 2026-01-01\n")
	}
	return b.String()
}

// TestLoadLinearInSize: loading four times as much knowledge takes about four times as long, not
// sixteen (each time is the best of three, to ride out a busy machine).
func TestLoadLinearInSize(t *testing.T) {
	// Judged by the bytes allocated, not the time: time on a shared CI machine (and under -race) varies
	// several-fold between runs, while a quadratic loader (the old one rebuilt and sorted the whole id
	// list for each unknown related id) shows in what it allocates as much as in how long it takes.
	// BenchmarkLoad200KBUnknownRelated gives the time.
	allocLoad := func(size int) uint64 {
		files := validFolder()
		files["big.yaml"] = bigTopic(size)
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := knowledge.Load(mapFS(files))
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), `related id "gone-`) {
			t.Fatalf("the big file should have dangling related ids: %.200v", err)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	small, large := allocLoad(50_000), allocLoad(200_000)
	t.Logf("allocated: 50 KB file %d bytes, 200 KB file %d bytes", small, large)
	if ratio := float64(large) / float64(small); ratio > 6 {
		t.Errorf("200 KB allocated %.1f times as much as 50 KB (%d vs %d bytes); linear is about 4", ratio, large, small)
	}
}

func BenchmarkLoad200KBUnknownRelated(b *testing.B) {
	files := validFolder()
	files["big.yaml"] = bigTopic(200_000)
	fsys := mapFS(files)
	b.SetBytes(int64(len(files["big.yaml"])))
	for b.Loop() {
		knowledge.Load(fsys)
	}
}
