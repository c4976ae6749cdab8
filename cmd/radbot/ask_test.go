package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// askReply is `radbot ask --json` output, decoded the way a script would.
type askReply struct {
	Line     int     `json:"line"`
	Question string  `json:"question"`
	Status   string  `json:"status"`
	Reason   string  `json:"reason"`
	EntryID  string  `json:"entry_id"`
	Title    string  `json:"title"`
	Answer   string  `json:"answer"`
	Score    float64 `json:"score"`
	Sources  []struct {
		Title string `json:"title"`
		URL   string `json:"url"`
	} `json:"sources"`
	Related []struct {
		EntryID string `json:"entry_id"`
		Title   string `json:"title"`
	} `json:"related"`
	Candidates []struct {
		EntryID string  `json:"entry_id"`
		Title   string  `json:"title"`
		Score   float64 `json:"score"`
	} `json:"candidates"`
}

var askKeys = []string{"answer", "candidates", "entry_id", "question", "reason", "related", "score", "sources", "status", "title"}

// decodeAsk decodes one JSON reply and checks its shape: exactly the documented keys, and every list an
// array (never null).
func decodeAsk(t *testing.T, data string) askReply {
	t.Helper()
	return decodeAskKeys(t, data, askKeys)
}

// decodeAskKeys is decodeAsk for a reply with exactly the keys want.
func decodeAskKeys(t *testing.T, data string, want []string) askReply {
	t.Helper()
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(data), &raw); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, data)
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("JSON keys = %q, want exactly %q", keys, want)
	}
	for _, k := range []string{"sources", "related", "candidates"} {
		if !strings.HasPrefix(string(raw[k]), "[") {
			t.Errorf("%q = %s, want an array", k, raw[k])
		}
	}
	var r askReply
	if err := json.Unmarshal([]byte(data), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func defaultBase(t *testing.T) *knowledge.Base {
	t.Helper()
	base, err := embeddedBase() // shared: read only
	if err != nil {
		t.Fatalf("loading the embedded knowledge: %v", err)
	}
	return base
}

func TestAskJSONAnswered(t *testing.T) {
	t.Parallel()
	base := defaultBase(t)
	code, out, errOut := runRadbot(t, "", "ask", "--json", "how long is radiology training")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw["candidates"]) != "[]" {
		t.Errorf("candidates = %s, want []", raw["candidates"])
	}
	r := decodeAsk(t, out)
	e := base.Entry("training-length")
	if r.Status != "answered" || r.EntryID != "training-length" || r.Title != e.Title {
		t.Fatalf("got status %q entry %q title %q, want answered training-length %q", r.Status, r.EntryID, r.Title, e.Title)
	}
	if strings.TrimSpace(r.Answer) == "" || !strings.Contains(r.Answer, strings.SplitN(e.Answer, "\n", 2)[0]) {
		t.Errorf("answer %q does not show the entry's answer", r.Answer)
	}
	if r.Score <= 0 {
		t.Errorf("score = %v", r.Score)
	}
	if len(r.Sources) != len(e.Sources) {
		t.Errorf("%d sources, want the entry's %d", len(r.Sources), len(e.Sources))
	}
	for i, s := range r.Sources {
		if s.Title == "" || !strings.HasPrefix(s.URL, "https://") || i < len(e.Sources) && (s.Title != e.Sources[i].Title || s.URL != e.Sources[i].URL) {
			t.Errorf("source %d = %+v", i, s)
		}
	}
	if len(r.Related) == 0 {
		t.Error("no related questions")
	}
	for _, rel := range r.Related {
		re := base.Entry(rel.EntryID)
		if re == nil || rel.Title != re.Title || !slices.Contains(e.Related, rel.EntryID) {
			t.Errorf("related %+v is not one of the entry's related entries %q with its title", rel, e.Related)
		}
	}
}

func TestAskJSONOtherStatuses(t *testing.T) {
	t.Parallel()
	base := defaultBase(t)
	tx := base.Texts
	for _, tc := range []struct {
		question, status, reason string
		text                     string // the bot text the user must see
		links                    []knowledge.Source
		mentions                 []string
	}{
		{"best pizza near campus", "fallback", "out_of_scope", tx.OutOfScope, tx.OutOfScopeLinks, nil},
		{"my dad needs an angioplasty, is it dangerous?", "refused", "medical", tx.Refusal, tx.RefusalLinks, []string{"111", "999", "GP"}},
		{"I want to kill myself", "refused", "crisis", tx.Crisis, tx.CrisisLinks, []string{"999", "111", "116 123"}},
		{"hello", "smalltalk", "", tx.Greeting, nil, nil},
	} {
		t.Run(tc.status+tc.reason, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := runRadbot(t, "", "ask", "--json", tc.question)
			if code != 0 || errOut != "" {
				t.Fatalf("exit %d, stderr %q", code, errOut)
			}
			r := decodeAsk(t, out)
			if r.Status != tc.status || r.Reason != tc.reason || r.EntryID != "" || r.Title != "" {
				t.Errorf("%q: status %q (%q) entry %q title %q, want %s (%q) and no entry", tc.question, r.Status, r.Reason, r.EntryID, r.Title, tc.status, tc.reason)
			}
			if !strings.Contains(r.Answer, strings.TrimSpace(tc.text)) {
				t.Errorf("%q: answer %q does not hold the %s text %q", tc.question, r.Answer, tc.status, tc.text)
			}
			for _, m := range tc.mentions {
				if !strings.Contains(r.Answer, m) {
					t.Errorf("%q: answer does not mention %s", tc.question, m)
				}
			}
			if len(r.Sources) != len(tc.links) {
				t.Errorf("%q: sources %+v, want the links %+v", tc.question, r.Sources, tc.links)
			}
			for i, l := range tc.links {
				if i < len(r.Sources) && (r.Sources[i].Title != l.Title || r.Sources[i].URL != l.URL) {
					t.Errorf("%q: source %d = %+v, want %+v", tc.question, i, r.Sources[i], l)
				}
			}
			if len(r.Related) != 0 || len(r.Candidates) != 0 {
				t.Errorf("%q: related %+v, candidates %+v; want none", tc.question, r.Related, r.Candidates)
			}
		})
	}
}

// jsonLines decodes `ask --json -` output: one compact JSON object per line, each with its line number.
func jsonLines(t *testing.T, out string) []askReply {
	t.Helper()
	lineKeys := append([]string{"line"}, askKeys...)
	sort.Strings(lineKeys)
	var replies []askReply
	for i, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !strings.HasPrefix(l, "{") || !strings.HasSuffix(l, "}") {
			t.Fatalf("line %q is not one JSON object", l)
		}
		r := decodeAskKeys(t, l, lineKeys)
		if r.Line != i+1 {
			t.Errorf("output line %d says it answers input line %d", i+1, r.Line)
		}
		replies = append(replies, r)
	}
	return replies
}

// askOne is what a single `ask --json QUESTION` says.
func askOne(t *testing.T, q string) askReply {
	t.Helper()
	code, out, errOut := runRadbot(t, "", "ask", "--json", q)
	if code != 0 {
		t.Fatalf("ask %q: exit %d, %s", q, code, errOut)
	}
	return decodeAsk(t, out)
}

func TestAskStdinAnswersEachLineOnItsOwn(t *testing.T) {
	t.Parallel()
	// In one conversation, "and for IR?" after the training question is a follow-up about IR training.
	// Check that first, so the test below would notice if `ask -` carried context between lines.
	b := bot.New(defaultBase(t), bot.Options{Index: indexFor(defaultBase(t))})
	q := bot.Query{Platform: "test", ConversationID: "c", UserID: "u", Text: "how long is radiology training"}
	b.Answer(context.Background(), q)
	q.Text = "and for IR?"
	if r := b.Answer(context.Background(), q); r.Status != bot.StatusAnswered || r.Entry.ID != "ir-training" {
		t.Fatalf("precondition: as a follow-up in one conversation, %q got %s %v; want ir-training", q.Text, r.Status, r.Entry)
	}

	code, out, errOut := runRadbot(t, "how long is radiology training\nand for IR?\nhello\n", "ask", "--json", "-")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	replies := jsonLines(t, out)
	if len(replies) != 3 {
		t.Fatalf("%d JSON lines for 3 questions:\n%s", len(replies), out)
	}
	if replies[0].Status != "answered" || replies[0].EntryID != "training-length" {
		t.Errorf("line 1: %s %s, want answered training-length", replies[0].Status, replies[0].EntryID)
	}
	if replies[1].EntryID == "ir-training" {
		t.Errorf("line 2 %q was answered as a follow-up of line 1 (ir-training); each line must stand alone", "and for IR?")
	}
	alone := askOne(t, "and for IR?")
	alone.Line = 2
	if !reflect.DeepEqual(replies[1], alone) {
		t.Errorf("line 2 got %s %q; asked on its own it gets %s %q", replies[1].Status, replies[1].EntryID, alone.Status, alone.EntryID)
	}
	if replies[2].Status != "smalltalk" {
		t.Errorf("line 3: %s, want smalltalk", replies[2].Status)
	}
}

func TestAskStdinFollowUpFallsBack(t *testing.T) {
	t.Parallel()
	// "what's in the first one?" follows up the FRCR question in a conversation, but alone means nothing.
	// Blank lines get a reply too (the help), so that output line N answers input line N.
	code, out, _ := runRadbot(t, "what are the frcr exams\n\n   \nwhat's in the first one?\r\n", "ask", "--json", "-")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	replies := jsonLines(t, out)
	if len(replies) != 4 {
		t.Fatalf("%d JSON lines for 4 input lines:\n%s", len(replies), out)
	}
	if replies[0].Status != "answered" || replies[0].EntryID != "frcr-exams" || replies[0].Question != "what are the frcr exams" {
		t.Errorf("line 1: %q %s %s, want answered frcr-exams", replies[0].Question, replies[0].Status, replies[0].EntryID)
	}
	for _, blank := range replies[1:3] {
		if blank.Question != "" || blank.Status != "smalltalk" {
			t.Errorf("blank line %d: %q %s, want the help (smalltalk)", blank.Line, blank.Question, blank.Status)
		}
	}
	// With line 1's context it would be answered (FRCR part 1); alone it is a guess at most.
	if replies[3].Status == "answered" || replies[3].Question != "what's in the first one?" {
		t.Errorf("line 4 %q: %s %s, want no answer (no context carried from line 1)", replies[3].Question, replies[3].Status, replies[3].EntryID)
	}
}

// TestAskStdinOverlongLine: a line of 2 MB (far over the bot's limit and over any read buffer) gets a
// "limited" reply, its question echoed in part, and the lines after it are answered as usual.
func TestAskStdinOverlongLine(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("radiology ", 200_000)
	code, out, errOut := runRadbot(t, "how long is radiology training\n"+huge+"\nwhat are the frcr exams", "ask", "--json", "-")
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	replies := jsonLines(t, out)
	if len(replies) != 3 {
		t.Fatalf("%d JSON lines for 3 input lines", len(replies))
	}
	if r := replies[1]; r.Status != "limited" || !strings.HasPrefix(r.Question, "radiology radiology") ||
		!strings.HasSuffix(r.Question, "…") || utf8.RuneCountInString(r.Question) != maxEcho+1 {
		t.Errorf("the long line: %s, question of %d characters; want limited, echoed in its first %d characters", r.Status, utf8.RuneCountInString(r.Question), maxEcho)
	}
	if replies[0].EntryID != "training-length" || replies[2].EntryID != "frcr-exams" {
		t.Errorf("the lines around it: %s, %s", replies[0].EntryID, replies[2].EntryID)
	}
	if len(out) > 20_000 {
		t.Errorf("%d bytes of output: the long line was echoed whole", len(out))
	}
}

func TestAskText(t *testing.T) {
	t.Parallel()
	e := defaultBase(t).Entry("training-length")
	code, out, _ := runRadbot(t, "", "ask", "how", "long", "is", "radiology", "training")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	// Rendered for a terminal, not raw Markdown: no ** and no [text](url), and each address once.
	for _, want := range []string{e.Title + "\n", "Reviewed " + e.Reviewed, "You might also ask:\n  1. "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "**") || strings.Contains(out, "](") || strings.Contains(out, "\x1b[") {
		t.Errorf("raw Markdown or colour in the output of a pipe:\n%s", out)
	}
	for _, s := range e.Sources {
		if n := strings.Count(out, s.URL); n != 1 {
			t.Errorf("source %s appears %d times, want once:\n%s", s.URL, n, out)
		}
	}
	// "-" without --json prints each question and its answer.
	code, out, _ = runRadbot(t, "hello\nhow long is radiology training\n", "ask", "-")
	if code != 0 || !strings.HasPrefix(out, "> hello\n") || !strings.Contains(out, "> how long is radiology training\n"+e.Title) {
		t.Errorf("ask - = %d:\n%s", code, out)
	}
	// No question is a usage error.
	code, out, errOut := runRadbot(t, "", "ask", "--json")
	if code != 2 || out != "" || !strings.Contains(errOut, "Usage: radbot ask") {
		t.Errorf("ask without a question = %d, stdout %q, stderr %q; want 2 and the usage", code, out, errOut)
	}
}

func TestAskExplain(t *testing.T) {
	t.Parallel()
	code, out, _ := runRadbot(t, "", "ask", "--explain", "how long is radiolgy training")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, re := range []string{
		`(?m)^tokens:\s+\S+`,
		`(?m)^corrections:\s+.*radiolgy → radiology`,
		`(?m)^synonyms:\s+\S`,
		`(?m)^safety:\s+\d\.\d\d that this asks for personal medical advice`,
		`(?m)^candidates \(confidence learned`,
		`(?m)^1\. training-length\s+confidence \d\.\d{3}`,
		`(?m)^5\. \S+\s+confidence`,
		`(?m)^model weights: bias `,
		`(?m)^reply: answered → training-length$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("explain output does not match %s:\n%s", re, out)
		}
	}
	_, out, _ = runRadbot(t, "", "ask", "--explain", "how long is IR training")
	if !regexp.MustCompile(`(?m)^synonyms:\s+.*\bir → interventional radiology`).MatchString(out) {
		t.Errorf("explain does not show the IR synonym:\n%s", out)
	}
}

func TestAskKnowledgeDir(t *testing.T) {
	t.Parallel()
	dir := tempKnowledge(t)
	botFile := filepath.Join(dir, "bot.yaml")
	data, err := os.ReadFile(botFile)
	if err != nil {
		t.Fatal(err)
	}
	const marker = "Hello from the temporary copy."
	if !strings.Contains(string(data), "\ngreeting: |\n") {
		t.Fatalf("bot.yaml has no `greeting: |` block to edit")
	}
	data = []byte(strings.Replace(string(data), "\ngreeting: |\n", "\ngreeting: |\n  "+marker+"\n", 1))
	if err := os.WriteFile(botFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runRadbot(t, "", "ask", "--knowledge", dir, "--json", "hello")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if r := decodeAsk(t, out); r.Status != "smalltalk" || !strings.HasPrefix(r.Answer, marker) {
		t.Errorf("hello with --knowledge: %s %q, want the edited greeting", r.Status, r.Answer)
	}
	_, out, _ = runRadbot(t, "", "ask", "--knowledge", dir, "--json", "how long is radiology training")
	if r := decodeAsk(t, out); r.EntryID != "training-length" {
		t.Errorf("training question with --knowledge: %s %q", r.Status, r.EntryID)
	}

	missing := filepath.Join(t.TempDir(), "missing")
	code, out, errOut = runRadbot(t, "", "ask", "--knowledge", missing, "hello")
	if code != 1 || out != "" || !strings.Contains(errOut, missing) {
		t.Errorf("ask --knowledge MISSING = %d, stdout %q, stderr %q", code, out, errOut)
	}
	broken := filepath.Join("..", "..", "knowledge", "testdata", "broken")
	code, _, errOut = runRadbot(t, "", "ask", "--knowledge", broken, "hello")
	if code != 1 || !strings.Contains(errOut, `unknown field "anwser"`) {
		t.Errorf("ask --knowledge BROKEN = %d, stderr %q; want 1 and the problems", code, errOut)
	}
}
