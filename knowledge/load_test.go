package knowledge_test

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/radbot/radbot/knowledge"
)

// validBot is a copy of the shipped content/bot.yaml, shortened: every key, required or not.
const validBot = `# RadBot's own words.
greeting: |
  Hello! I'm RadBot. I answer questions about a career in UK clinical radiology.
help: |
  Ask me a careers question about UK clinical radiology in your own words, for example:
  - How long is radiology training?
thanks: |
  You're welcome! Ask me anything else about a career in radiology.
fallback: |
  Sorry, I don't have a good answer to that yet. These are good places to look:
fallback_kept: |
  I've kept your question for the maintainers.
out_of_scope: |
  I only answer careers questions about UK clinical radiology.
fallback_links:
  - title: "NHS Health Careers: clinical radiology"
    url: https://www.healthcareers.nhs.uk/explore-roles/doctors/roles-doctors/clinical-radiology
  - title: The Royal College of Radiologists
    url: https://www.rcr.ac.uk/clinical-radiology/specialty-training/curriculum/clinical-radiology-curriculum
refusal: |
  I'm sorry, I can't help with questions about your own or someone else's health. Please ask:
  - **NHS 111** for urgent problems that are not life-threatening.
  - **Your GP** or a pharmacist for anything less urgent.
  - **999** in an emergency.
refusal_links:
  - title: NHS 111
    url: https://111.nhs.uk/
crisis: |
  Please get help now: 999, NHS 111, or Samaritans on 116 123.
clarify: |
  I'm not sure which of these you mean. Pick one, or reply with its number:
suggest: |
  Did you mean one of these?
rate_limited: |
  You're asking faster than I can keep up with. Please wait a minute and try again.
too_long: |
  That's a long message! Please ask in under %d characters, one question at a time.
feedback_thanks: |
  Thank you for your feedback. It helps us improve the answers.
error: |
  Sorry, something went wrong on my side. Please try again in a moment.
`

// validTopic is one topic file with two entries that relate to each other.
const validTopic = `# Training
topic: Training
entries:
  - id: training-length
    title: How long is radiology training?
    questions:
      - how long is radiology training
      - how many years does it take to become a radiologist
      - length of clinical radiology training
      - radiology training duration
      - when do radiology trainees get their CCT
      - how many years until i am a consultant radiologist
      - is radiology a long training programme
      - rads training years
      - how long does it take to qualify in radiology
      - total time to train as a radiologist
    keywords: [years, duration]
    answer: |
      Radiology training takes about five years after the foundation programme; six with interventional radiology.
    related: [frcr-exams]
    sources:
      - title: RCR clinical radiology curriculum
        url: https://www.rcr.ac.uk/clinical-radiology/specialty-training/curriculum/clinical-radiology-curriculum
    reviewed: 2026-01-15
  - id: frcr-exams
    title: What are the FRCR exams?
    questions:
      - what are the frcr exams
      - tell me about the fellowship exams
      - which exams do radiology trainees sit
      - how many parts does the FRCR have
      - when do you take the first FRCR
      - frcr parts
      - what is the radiology fellowship exam
      - is the FRCR hard
      - what exams are there in radiology training
      - explain the FRCR to me
    answer: |
      The FRCR exams have three parts: Part 1, Part 2A and Part 2B.
    related: [training-length]
    sources:
      - title: RCR examinations
        url: https://www.rcr.ac.uk/exams-training/rcr-exams/
    reviewed: 2026-02-01
`

const validSynonyms = `# synonyms
groups:
  - [FRCR, fellowship exams, fellowship exam]
  - [musculoskeletal, MSK]
  - [interventional radiology, IR]
`

// validSafety and validOutOfScope hold the fewest examples the loader accepts.
var (
	validSafety     = exampleFile("refuse", "is my scan number %d safe for me", knowledge.MinSafetyExamples) + exampleFile("answer", "career question %d about cancer imaging", knowledge.MinSafetyExamples) + "crisis:\n  - kill myself\n  - cant breathe\n"
	validOutOfScope = exampleFile("questions", "how long is specialty %d training", knowledge.MinOutOfScope)
)

func exampleFile(key, format string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:\n", key)
	for i := range n {
		fmt.Fprintf(&b, "  - "+format+"\n", i)
	}
	return b.String()
}

// validFolder returns a fresh copy of the minimal valid knowledge folder, as file name → content.
func validFolder() map[string]string {
	return map[string]string{
		"bot.yaml":          validBot,
		"training.yaml":     validTopic,
		"synonyms.yaml":     validSynonyms,
		"safety.yaml":       validSafety,
		"out-of-scope.yaml": validOutOfScope,
	}
}

func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

// lineOf returns the 1-based line of the n-th (1-based) line in text that contains needle.
func lineOf(t *testing.T, text, needle string, n int) int {
	t.Helper()
	seen := 0
	for i, l := range strings.Split(text, "\n") {
		if strings.Contains(l, needle) {
			seen++
			if seen == n {
				return i + 1
			}
		}
	}
	t.Fatalf("%q occurs %d times, not %d", needle, seen, n)
	return 0
}

// replaceOnce replaces old, which must occur exactly once, in files[name].
func replaceOnce(t *testing.T, files map[string]string, name, old, new string) {
	t.Helper()
	if c := strings.Count(files[name], old); c != 1 {
		t.Fatalf("%s: %q occurs %d times; the test edit needs exactly one", name, old, c)
	}
	files[name] = strings.Replace(files[name], old, new, 1)
}

func TestLoadValidFolder(t *testing.T) {
	t.Parallel()
	base, err := knowledge.Load(mapFS(validFolder()))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := base.Stats(), (knowledge.Stats{Topics: 1, Entries: 2, Phrasings: 20, SynonymGroups: 3,
		OutOfScope: knowledge.MinOutOfScope, SafetyRefuse: knowledge.MinSafetyExamples, SafetyAnswer: knowledge.MinSafetyExamples, Crisis: 2}); got != want {
		t.Errorf("Stats() = %+v, want %+v", got, want)
	}
	e := base.Entry("training-length")
	if e == nil {
		t.Fatal(`Entry("training-length") = nil`)
	}
	if e.Title != "How long is radiology training?" || e.Topic != "Training" || e.File != "training.yaml" ||
		e.Line != lineOf(t, validTopic, "- id: training-length", 1) || e.Reviewed != "2026-01-15" {
		t.Errorf("entry fields: %+v", e)
	}
	if want := "Radiology training takes about five years after the foundation programme; six with interventional radiology."; e.Answer != want {
		t.Errorf("Answer = %q, want %q (trimmed)", e.Answer, want)
	}
	if len(e.Questions) != 10 || e.Questions[0] != "how long is radiology training" {
		t.Errorf("Questions = %q", e.Questions)
	}
	if len(e.Keywords) != 2 || len(e.Related) != 1 || e.Related[0] != "frcr-exams" {
		t.Errorf("Keywords = %q, Related = %q", e.Keywords, e.Related)
	}
	if len(e.Sources) != 1 || e.Sources[0].Title != "RCR clinical radiology curriculum" || !strings.HasPrefix(e.Sources[0].URL, "https://www.rcr.ac.uk/") {
		t.Errorf("Sources = %+v", e.Sources)
	}
	if base.Entry("no-such-id") != nil {
		t.Error(`Entry("no-such-id") != nil`)
	}
	if len(base.Topics) != 1 || base.Topics[0].Name != "Training" || len(base.Topics[0].Entries) != 2 {
		t.Errorf("Topics = %+v", base.Topics)
	}
	if len(base.Entries) != 2 || base.Entries[0].ID != "training-length" || base.Entries[1].ID != "frcr-exams" {
		t.Errorf("Entries are not in file order")
	}
	if len(base.Synonyms) != 3 || strings.Join(base.Synonyms[1], ",") != "musculoskeletal,msk" {
		t.Errorf("Synonyms = %q (terms lower-cased, in file order)", base.Synonyms)
	}
	tx := base.Texts
	if !strings.HasPrefix(tx.Greeting, "Hello! I'm RadBot.") || !strings.Contains(tx.Refusal, "999") ||
		!strings.Contains(tx.TooLong, "%d") || tx.Help == "" || tx.Thanks == "" || tx.Fallback == "" ||
		tx.Clarify == "" || tx.RateLimited == "" || tx.FeedbackThanks == "" || tx.Error == "" {
		t.Errorf("Texts = %+v", tx)
	}
	if len(tx.FallbackLinks) != 2 || len(tx.RefusalLinks) != 1 || tx.RefusalLinks[0].URL != "https://111.nhs.uk/" {
		t.Errorf("links: fallback %+v, refusal %+v", tx.FallbackLinks, tx.RefusalLinks)
	}
	// A base without synonyms.yaml is fine too.
	files := validFolder()
	delete(files, "synonyms.yaml")
	if b, err := knowledge.Load(mapFS(files)); err != nil || b.Stats().SynonymGroups != 0 {
		t.Errorf("without synonyms.yaml: %v", err)
	}
}

func TestLoadVersion(t *testing.T) {
	t.Parallel()
	version := func(files map[string]string) string {
		t.Helper()
		b, err := knowledge.Load(mapFS(files))
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		return b.Version
	}
	v1 := version(validFolder())
	if !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(v1) {
		t.Errorf("Version = %q, want 12 hex digits", v1)
	}
	if v2 := version(validFolder()); v2 != v1 {
		t.Errorf("Version changed between two loads of the same content: %q then %q", v1, v2)
	}
	seen := map[string]string{v1: "original"}
	for name, edit := range map[string]func(map[string]string){
		"answer changed": func(f map[string]string) {
			replaceOnce(t, f, "training.yaml", "about five years", "about 5 years")
		},
		"bot text changed": func(f map[string]string) {
			replaceOnce(t, f, "bot.yaml", "Please wait a minute", "Please wait")
		},
		"comment changed": func(f map[string]string) {
			replaceOnce(t, f, "synonyms.yaml", "# synonyms", "# synonym groups")
		},
		"file renamed": func(f map[string]string) {
			f["exams.yaml"] = f["training.yaml"]
			delete(f, "training.yaml")
		},
	} {
		files := validFolder()
		edit(files)
		v := version(files)
		if prev, dup := seen[v]; dup {
			t.Errorf("%s: Version %q is the same as for %s", name, v, prev)
		}
		seen[v] = name
	}
}

// wantErr is one expected error. Its line is where the needle at occurs (its n-th occurrence, default the
// first) in the edited file; an empty at means line 0.
type wantErr struct {
	file string
	at   string
	nth  int
	id   string
	msg  []string // substrings of Msg
	// anyLine skips the line check, for errors whose line is not the point of the case.
	anyLine bool
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	long := "The FRCR exams " + strings.Repeat("word ", 177) + "x" // 901 characters
	cases := []struct {
		name string
		edit func(t *testing.T, f map[string]string)
		want []wantErr
	}{
		{
			name: "unknown field with a hint",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "    keywords: [years", "    keywrds: [years")
			},
			want: []wantErr{{file: "training.yaml", at: "keywrds:", id: "training-length",
				msg: []string{`unknown field "keywrds" in an entry`, `did you mean "keywords"?`, "allowed: id, title"}}},
		},
		{
			name: "unknown field without a close match",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "    keywords: [years", "    colour: blue\n    keywords: [years")
			},
			want: []wantErr{{file: "training.yaml", at: "colour:", id: "training-length", msg: []string{`unknown field "colour"`}}},
		},
		{
			name: "unknown field in bot.yaml",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "bot.yaml", "\nthanks: |", "\nthank: |")
			},
			want: []wantErr{
				{file: "bot.yaml", at: "thank: |", msg: []string{`unknown field "thank" in the bot file`, `did you mean "thanks"?`}},
				{file: "bot.yaml", anyLine: true, msg: []string{`missing required field "thanks"`}},
			},
		},
		{
			name: "missing required text field",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "    title: What are the FRCR exams?\n", "")
			},
			// The field is absent, so the error points at the entry.
			want: []wantErr{{file: "training.yaml", at: "- id: frcr-exams", id: "frcr-exams", msg: []string{`missing required field "title"`}}},
		},
		{
			name: "missing sources",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "    sources:\n      - title: RCR examinations\n        url: https://www.rcr.ac.uk/exams-training/rcr-exams/\n", "")
			},
			want: []wantErr{{file: "training.yaml", at: "- id: frcr-exams", id: "frcr-exams", msg: []string{`missing required field "sources"`}}},
		},
		{
			name: "missing related",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "    related: [training-length]\n", "")
			},
			want: []wantErr{{file: "training.yaml", at: "- id: frcr-exams", id: "frcr-exams", msg: []string{`missing required field "related"`}}},
		},
		{
			name: "empty required field",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "title: What are the FRCR exams?", `title: "  "`)
			},
			want: []wantErr{{file: "training.yaml", at: `title: "  "`, id: "frcr-exams", msg: []string{`field "title" is empty`}}},
		},
		{
			name: "fewer than ten questions",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "      - when do you take the first FRCR\n", "")
			},
			want: []wantErr{{file: "training.yaml", at: "- id: frcr-exams", id: "frcr-exams", msg: []string{"has 9 questions", "at least 10"}}},
		},
		{
			name: "duplicate id across files names the first location",
			edit: func(t *testing.T, f map[string]string) {
				f["work.yaml"] = strings.NewReplacer(
					"topic: Training", "topic: Work",
					"how long", "for how long",
					"what are", "so what are",
					"how many", "and how many",
					"radiology training duration", "duration of radiology training",
					"when do", "so when do",
					"length of", "the length of",
					"tell me", "please tell me",
					"which exams", "and which exams",
					"- id: frcr-exams", "- id: work-frcr",
					"[training-length]", "[frcr-exams]",
				).Replace(validTopic)
			},
			want: []wantErr{{file: "work.yaml", at: "- id: training-length", id: "training-length",
				msg: []string{"duplicate id", fmt.Sprintf("already used at training.yaml:%d", lineOf(t, validTopic, "- id: training-length", 1))}}},
		},
		{
			name: "dangling related id",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "related: [frcr-exams]", "related:\n      - frcr-exams\n      - frcr-exam")
			},
			want: []wantErr{{file: "training.yaml", at: "      - frcr-exam", nth: 2, id: "training-length",
				msg: []string{`related id "frcr-exam" does not exist`, `did you mean "frcr-exams"?`}}},
		},
		{
			name: "related to itself",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "related: [training-length]", "related:\n      - frcr-exams\n      - training-length")
			},
			want: []wantErr{{file: "training.yaml", at: "      - frcr-exams", id: "frcr-exams", msg: []string{"related lists the entry itself"}}},
		},
		{
			name: "phrasing in two entries",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "- when do you take the first FRCR", "- How long is Radiology training?")
			},
			want: []wantErr{{file: "training.yaml", at: "- How long is Radiology training?", id: "frcr-exams",
				msg: []string{`"How long is Radiology training?" is also a phrasing of entry "training-length"`,
					fmt.Sprintf("training.yaml:%d", lineOf(t, validTopic, "- id: training-length", 1))}}},
		},
		{
			name: "answer over 900 characters",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "The FRCR exams have three parts: Part 1, Part 2A and Part 2B.", long)
			},
			want: []wantErr{{file: "training.yaml", at: "answer: |", nth: 2, id: "frcr-exams", msg: []string{"answer is 901 characters", "900 at most"}}},
		},
		{
			name: "safety example in both lists",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "safety.yaml", "  - career question 7 about cancer imaging\n", "  - Is my scan number 3 safe for me?\n")
			},
			want: []wantErr{{file: "safety.yaml", at: "  - Is my scan number 3 safe for me?", id: "",
				msg: []string{`is also at safety.yaml:5, where it is refused as personal medical advice`}}},
		},
		{
			name: "out-of-scope example that is a phrasing",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "out-of-scope.yaml", "  - how long is specialty 4 training\n", "  - radiology training duration\n")
			},
			want: []wantErr{{file: "out-of-scope.yaml", at: "  - radiology training duration", msg: []string{`is a phrasing of entry "training-length"`, "cannot also be out of scope"}}},
		},
		{
			name: "too few safety examples",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "safety.yaml", "  - is my scan number 0 safe for me\n", "")
			},
			want: []wantErr{{file: "safety.yaml", anyLine: true, msg: []string{fmt.Sprintf(`"refuse" has %d examples; write at least %d`, knowledge.MinSafetyExamples-1, knowledge.MinSafetyExamples)}}},
		},
		{
			name: "crisis phrase too long",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "safety.yaml", "  - kill myself\n", "  - i have been thinking that i might kill myself\n")
			},
			want: []wantErr{{file: "safety.yaml", at: "  - i have been thinking", msg: []string{"should be 1 to 6 words"}}},
		},
		{
			name: "crisis text without Samaritans",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "bot.yaml", "or Samaritans on 116 123.", "or a friend.")
			},
			want: []wantErr{{file: "bot.yaml", at: "crisis: |", msg: []string{"crisis should mention 116 123"}}},
		},
		{
			name: "missing safety file",
			edit: func(t *testing.T, f map[string]string) { delete(f, "safety.yaml") },
			want: []wantErr{{file: "safety.yaml", msg: []string{"missing: the examples that teach"}, anyLine: true}},
		},
		{
			name: "http source",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "url: https://www.rcr.ac.uk/exams-training/rcr-exams/", "url: http://www.rcr.ac.uk/exams-training/rcr-exams/")
			},
			want: []wantErr{{file: "training.yaml", at: "url: http://www.rcr.ac.uk/exams", id: "frcr-exams", msg: []string{"uses http://"}}},
		},
		{
			name: "mirror host",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "url: https://www.rcr.ac.uk/exams-training/rcr-exams/", "url: https://docslib.org/doc/123/rcr-exams")
			},
			want: []wantErr{{file: "training.yaml", at: "url: https://docslib.org", id: "frcr-exams", msg: []string{"docslib.org, a copy, mirror or aggregator"}}},
		},
		{
			name: "mirror link inside an answer",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "Part 2A and Part 2B.", "Part 2A and Part 2B. [More](https://www.parallelparliament.co.uk/question/1).")
			},
			want: []wantErr{{file: "training.yaml", at: "answer: |", nth: 2, id: "frcr-exams", msg: []string{"answer link", "parallelparliament.co.uk"}}},
		},
		{
			name: "pay figure without a year",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "Part 2A and Part 2B.", "Part 2A and Part 2B.\n      - Each sitting costs £700.\n      - Pass rates are about 60 % (2024).")
			},
			want: []wantErr{{file: "training.yaml", at: "answer: |", nth: 2, id: "frcr-exams", msg: []string{`figure with no year in the same sentence: "Each sitting costs £700."`}}},
		},
		{
			name: "bad url",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "url: https://www.rcr.ac.uk/exams-training/rcr-exams/", "url: www.rcr.ac.uk/exams")
			},
			want: []wantErr{{file: "training.yaml", at: "url: www.rcr.ac.uk/exams", id: "frcr-exams", msg: []string{`source url "www.rcr.ac.uk/exams" is not a full web address`}}},
		},
		{
			name: "bad url in bot.yaml links",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "bot.yaml", "url: https://111.nhs.uk/", "url: ftp://111.nhs.uk/")
			},
			want: []wantErr{{file: "bot.yaml", at: "url: ftp://111.nhs.uk/", msg: []string{`source url "ftp://111.nhs.uk/"`}}},
		},
		{
			name: "bad date",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "reviewed: 2026-02-01", "reviewed: 01/02/2026")
			},
			want: []wantErr{{file: "training.yaml", at: "reviewed: 01/02/2026", id: "frcr-exams", msg: []string{`reviewed date "01/02/2026" should be written YYYY-MM-DD`}}},
		},
		{
			name: "impossible date",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "reviewed: 2026-02-01", "reviewed: 2026-02-30")
			},
			want: []wantErr{{file: "training.yaml", at: "reviewed: 2026-02-30", id: "frcr-exams", msg: []string{`reviewed date "2026-02-30"`}}},
		},
		{
			name: "invalid YAML syntax reports its line",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "title: What are the FRCR exams?", "title: FRCR exams: what are they?")
			},
			want: []wantErr{{file: "training.yaml", at: "title: FRCR exams: what are they?", msg: []string{"not valid YAML", "mapping values are not allowed"}}},
		},
		{
			name: "list where text is expected",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "title: What are the FRCR exams?", "title: [FRCR exams, FRCR]")
			},
			want: []wantErr{{file: "training.yaml", at: "title: [FRCR exams, FRCR]", id: "frcr-exams", msg: []string{`field "title" should be text, not a list`}}},
		},
		{
			name: "text where a list is expected",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "keywords: [years, duration]", "keywords: years")
			},
			want: []wantErr{{file: "training.yaml", at: "keywords: years", id: "training-length", msg: []string{`field "keywords" should be a list`}}},
		},
		{
			name: "badly formed id",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "training.yaml", "- id: frcr-exams", "- id: FRCR_exams")
				replaceOnce(t, f, "training.yaml", "related: [frcr-exams]", "related: [FRCR_exams]")
			},
			want: []wantErr{{file: "training.yaml", at: "- id: FRCR_exams", id: "FRCR_exams", msg: []string{"lowercase words joined by hyphens"}}},
		},
		{
			name: "synonym term in two groups",
			edit: func(t *testing.T, f map[string]string) {
				f["synonyms.yaml"] += "  - [msk, bones]\n"
			},
			want: []wantErr{{file: "synonyms.yaml", at: "[msk, bones]",
				msg: []string{`term "msk" is already in the group at line ` + fmt.Sprint(lineOf(t, validSynonyms, "MSK]", 1))}}},
		},
		{
			name: "synonym group of one term",
			edit: func(t *testing.T, f map[string]string) {
				f["synonyms.yaml"] += "  - [lonely]\n"
			},
			want: []wantErr{{file: "synonyms.yaml", at: "[lonely]", msg: []string{"at least two terms"}}},
		},
		{
			name: "missing bot.yaml",
			edit: func(t *testing.T, f map[string]string) {
				delete(f, "bot.yaml")
			},
			want: []wantErr{{file: "bot.yaml", msg: []string{"missing"}}},
		},
		{
			name: "refusal missing 111, 999 and GP",
			edit: func(t *testing.T, f map[string]string) {
				i := strings.Index(f["bot.yaml"], "refusal: |")
				j := strings.Index(f["bot.yaml"], "refusal_links:")
				f["bot.yaml"] = f["bot.yaml"][:i] + "refusal: Please see a doctor.\n" + f["bot.yaml"][j:]
			},
			want: []wantErr{
				{file: "bot.yaml", at: "refusal: Please see a doctor.", msg: []string{"refusal should mention 111"}},
				{file: "bot.yaml", at: "refusal: Please see a doctor.", msg: []string{"refusal should mention 999"}},
				{file: "bot.yaml", at: "refusal: Please see a doctor.", msg: []string{"refusal should mention GP"}},
			},
		},
		{
			name: "refusal missing only GP",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "bot.yaml", "  - **Your GP** or a pharmacist for anything less urgent.\n", "")
			},
			want: []wantErr{{file: "bot.yaml", at: "refusal: |", msg: []string{"refusal should mention GP"}}},
		},
		{
			name: "too_long without %d",
			edit: func(t *testing.T, f map[string]string) {
				replaceOnce(t, f, "bot.yaml", "in under %d characters", "in fewer characters")
			},
			want: []wantErr{{file: "bot.yaml", at: "too_long: |", msg: []string{"too_long should contain %d once"}}},
		},
		{
			name: "no topic files",
			edit: func(t *testing.T, f map[string]string) {
				delete(f, "training.yaml")
			},
			want: []wantErr{{file: ".", msg: []string{"no topic files"}}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			files := validFolder()
			tc.edit(t, files)
			base, err := knowledge.Load(mapFS(files))
			if err == nil {
				t.Fatalf("Load succeeded; want errors")
			}
			if base != nil {
				t.Errorf("Load returned a base along with errors")
			}
			var list knowledge.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T %v is not a knowledge.ErrorList", err, err)
			}
			for _, w := range tc.want {
				line := 0
				if w.at != "" {
					n := w.nth
					if n == 0 {
						n = 1
					}
					line = lineOf(t, files[w.file], w.at, n)
				}
				if w.anyLine {
					line = -1
				}
				if !hasError(list, w.file, line, w.id, w.msg) {
					t.Errorf("no error %s:%d entry %q containing %q; got:\n%v", w.file, line, w.id, w.msg, list)
				}
			}
			if !sort.SliceIsSorted(list, func(i, j int) bool {
				return list[i].File < list[j].File || list[i].File == list[j].File && list[i].Line < list[j].Line
			}) {
				t.Errorf("errors are not sorted by file and line:\n%v", list)
			}
		})
	}
}

// hasError reports whether list has an error at file:line (any line if line < 0) for entry id whose
// message contains every one of msg.
func hasError(list knowledge.ErrorList, file string, line int, id string, msg []string) bool {
	for _, e := range list {
		if e.File != file || line >= 0 && e.Line != line || e.EntryID != id {
			continue
		}
		ok := true
		for _, m := range msg {
			ok = ok && strings.Contains(e.Msg, m)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestLoadReportsEveryError checks that one run finds the problems in every file, not just the first.
func TestLoadReportsEveryError(t *testing.T) {
	t.Parallel()
	files := validFolder()
	replaceOnce(t, files, "training.yaml", "    keywords: [years", "    keywrds: [years")
	replaceOnce(t, files, "training.yaml", "reviewed: 2026-02-01", "reviewed: 2026-2-1")
	replaceOnce(t, files, "training.yaml", "related: [training-length]", "related: [training-lenght]")
	replaceOnce(t, files, "bot.yaml", "\nthanks: |", "\nthank: |")
	files["synonyms.yaml"] += "  - [ir, interventional]\n"
	files["about.yaml"] = "topic: About\nentries:\n  - id: training-length\n    title: Duplicate\n"
	files["broken.yaml"] = "topic: Broken\nentries:\n  - id: x\n    title: Exams: the basics\n"

	_, err := knowledge.Load(mapFS(files))
	var list knowledge.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("Load error = %v, want a knowledge.ErrorList", err)
	}
	want := []struct {
		file string
		line int
		id   string
		msg  string
	}{
		{"about.yaml", 3, "training-length", "has 0 questions"}, // the first definition of the id is in about.yaml
		{"bot.yaml", lineOf(t, files["bot.yaml"], "thank: |", 1), "", `unknown field "thank"`},
		{"broken.yaml", 4, "", "not valid YAML"},
		{"synonyms.yaml", lineOf(t, files["synonyms.yaml"], "[ir, interventional]", 1), "", `term "ir" is already in the group`},
		{"training.yaml", lineOf(t, files["training.yaml"], "- id: training-length", 1), "training-length", "duplicate id: already used at about.yaml:3"},
		{"training.yaml", lineOf(t, files["training.yaml"], "keywrds:", 1), "training-length", `unknown field "keywrds"`},
		{"training.yaml", lineOf(t, files["training.yaml"], "reviewed: 2026-2-1", 1), "frcr-exams", `reviewed date "2026-2-1"`},
	}
	// broken.yaml did not parse, so its entries are unknown: a related id that may point into it is not
	// reported (TestLoadNoCascadeFromUnparsedFile), and the dangling "training-lenght" waits for the fix.
	for _, w := range want {
		if !hasError(list, w.file, w.line, w.id, []string{w.msg}) {
			t.Errorf("missing %s:%d entry %q: %s; got:\n%v", w.file, w.line, w.id, w.msg, list)
		}
	}
	files2 := map[string]bool{}
	for _, e := range list {
		files2[e.File] = true
	}
	if len(files2) != 5 {
		t.Errorf("errors name %d files, want 5: %v", len(files2), slicesSorted(files2))
	}
	if !sort.SliceIsSorted(list, func(i, j int) bool {
		return list[i].File < list[j].File || list[i].File == list[j].File && list[i].Line < list[j].Line
	}) {
		t.Errorf("errors are not sorted by file and line:\n%v", list)
	}
	// The list's message counts and lists every problem, each as file:line: entry "id": message.
	msg := err.Error()
	if !strings.HasPrefix(msg, fmt.Sprintf("%d problems in the knowledge files:", len(list))) {
		t.Errorf("Error() starts %q", strings.SplitN(msg, "\n", 2)[0])
	}
	for _, e := range list {
		if !strings.Contains(msg, "\n  "+e.Error()) {
			t.Errorf("Error() lacks %q", e.Error())
		}
	}
	dateErr := fmt.Sprintf(`training.yaml:%d: entry "frcr-exams": reviewed date "2026-2-1"`, lineOf(t, files["training.yaml"], "reviewed: 2026-2-1", 1))
	if !strings.Contains(msg, dateErr) {
		t.Errorf("Error() lacks %q:\n%s", dateErr, msg)
	}
}

func slicesSorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range maps.Keys(m) {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestLoadAnswerLengthCountsCharacters(t *testing.T) {
	t.Parallel()
	files := validFolder()
	// 1,200 two-byte characters: 2,400 bytes but exactly at the limit.
	replaceOnce(t, files, "training.yaml", "The FRCR exams have three parts: Part 1, Part 2A and Part 2B.", "The FRCR exams "+strings.Repeat("é", knowledge.MaxAnswerChars-len("The FRCR exams ")))
	base, err := knowledge.Load(mapFS(files))
	if err != nil {
		t.Fatalf("an answer of exactly %d characters: %v", knowledge.MaxAnswerChars, err)
	}
	if n := utf8.RuneCountInString(base.Entry("frcr-exams").Answer); n != knowledge.MaxAnswerChars {
		t.Errorf("answer has %d characters", n)
	}
}

func TestDefaultContent(t *testing.T) {
	t.Parallel()
	base, err := knowledge.Default()
	if err != nil {
		t.Fatalf("the embedded knowledge does not load:\n%v", err)
	}
	s := base.Stats()
	if s.Entries < 90 {
		t.Errorf("%d entries, want at least 90", s.Entries)
	}
	if s.Topics < 5 || s.SynonymGroups == 0 {
		t.Errorf("Stats = %+v", s)
	}
	for _, e := range base.Entries {
		where := fmt.Sprintf("%s:%d %s", e.File, e.Line, e.ID)
		if len(e.Questions) < 5 {
			t.Errorf("%s: %d questions, want at least 5", where, len(e.Questions))
		}
		if n := utf8.RuneCountInString(e.Answer); n > 1200 || n == 0 {
			t.Errorf("%s: answer has %d characters, want 1-1200", where, n)
		}
		if len(e.Related) < 1 {
			t.Errorf("%s: no related entries", where)
		}
		for _, r := range e.Related {
			if base.Entry(r) == nil || r == e.ID {
				t.Errorf("%s: related %q does not resolve to another entry", where, r)
			}
		}
		if len(e.Sources) < 1 {
			t.Errorf("%s: no sources", where)
		}
		for _, src := range e.Sources {
			if src.Title == "" || !strings.HasPrefix(src.URL, "https://") && !strings.HasPrefix(src.URL, "http://") {
				t.Errorf("%s: source %+v", where, src)
			}
		}
		if _, err := time.Parse("2006-01-02", e.Reviewed); err != nil {
			t.Errorf("%s: reviewed %q: %v", where, e.Reviewed, err)
		}
		if e.Title == "" || e.Topic == "" {
			t.Errorf("%s: title %q, topic %q", where, e.Title, e.Topic)
		}
	}
	if !strings.Contains(base.Texts.Refusal, "111") || !strings.Contains(base.Texts.Refusal, "999") || !strings.Contains(base.Texts.Refusal, "GP") {
		t.Errorf("refusal does not point to 111, 999 and a GP: %q", base.Texts.Refusal)
	}
	again, err := knowledge.Load(knowledge.DefaultFS())
	if err != nil || again.Version != base.Version {
		t.Errorf("a second load gives version %q (err %v), want %q", again.Version, err, base.Version)
	}
}

func TestLoadWarnings(t *testing.T) {
	t.Parallel()
	files := validFolder()
	replaceOnce(t, files, "training.yaml", "The FRCR exams have three parts", "You sit three parts")
	replaceOnce(t, files, "training.yaml", "reviewed: 2026-02-01", "reviewed: 2024-01-01")
	replaceOnce(t, files, "training.yaml", "reviewed: 2026-01-15", "reviewed: 2027-01-15")
	base, err := knowledge.LoadWith(mapFS(files), knowledge.Options{Now: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatalf("warnings must not stop loading: %v", err)
	}
	want := []string{"reviewed date 2027-01-15 is in the future", "shares no word with the title", "more than 18 months ago"}
	if len(base.Warnings) != len(want) {
		t.Fatalf("Warnings = %v, want %d", base.Warnings, len(want))
	}
	for i, w := range want {
		if !base.Warnings[i].Warning || !strings.Contains(base.Warnings[i].Msg, w) {
			t.Errorf("warning %d = %v, want one containing %q", i, base.Warnings[i], w)
		}
	}
}
