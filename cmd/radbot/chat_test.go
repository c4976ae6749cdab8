package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
)

// flat collapses runs of white space, so that tests can look for text wherever it was wrapped.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// turns splits a piped chat transcript at each prompt: the greeting, then the reply to each line typed.
func turns(out string) []string { return strings.Split(out, "\nyou> ") }

func TestChat(t *testing.T) {
	t.Parallel()
	base := defaultBase(t)
	training := base.Entry("training-length")
	// The first related question offered after the training answer, as a fresh bot offers it.
	first := bot.New(base, bot.Options{Index: indexFor(base)}).Answer(context.Background(),
		bot.Query{Platform: "test", ConversationID: "c", UserID: "u", Text: "how long is radiology training"})
	if first.Status != bot.StatusAnswered || first.Entry.ID != training.ID || len(first.Related) != 3 {
		t.Fatalf("precondition: the bot answers the training question with 3 related questions; got %s %+v", first.Status, first.Related)
	}
	related := base.Entry(first.Related[0].ID)

	code, out, errOut := runRadbot(t, "hello\nhow long is radiology training\n1\nquit\nnever read\n", "chat")
	if code != 0 || errOut != "" {
		t.Fatalf("chat exit %d, stderr %q", code, errOut)
	}
	tt := turns(out)
	if len(tt) != 5 {
		t.Fatalf("%d prompts, want 4 (hello, question, 1, quit):\n%s", len(tt)-1, out)
	}
	if !strings.HasPrefix(tt[0], "Hello!") || !strings.Contains(flat(tt[0]), `"quit" or Ctrl-D to leave`) || !strings.Contains(tt[0], `"topics"`) {
		t.Errorf("chat does not open with the greeting, topics and how to leave:\n%s", tt[0])
	}
	if !strings.HasPrefix(tt[1], "\nHello!") {
		t.Errorf("reply to hello:\n%s", tt[1])
	}
	if !strings.HasPrefix(flat(tt[2]), training.Title+" ") ||
		!strings.Contains(flat(tt[2]), "You might also ask: 1. "+related.Title+" 2. ") ||
		!strings.Contains(tt[2], "(Type 1-3 for a related question.)") {
		t.Errorf("reply to the training question:\n%s", tt[2])
	}
	if strings.Contains(tt[2], "**") || strings.Contains(tt[2], "](http") {
		t.Errorf("raw Markdown in the answer:\n%s", tt[2])
	}
	for _, line := range strings.Split(tt[2], "\n") {
		if w := visibleWidth(line); w > 80 && strings.Contains(strings.TrimSpace(line), " ") { // one long address cannot wrap
			t.Errorf("line of %d columns is not wrapped at 80: %q", w, line)
		}
	}
	if !strings.HasPrefix(flat(tt[3]), related.Title) || !strings.Contains(tt[3], "Reviewed "+related.Reviewed) {
		t.Errorf(`"1" did not answer the first related question %q:\n%s`, related.ID, tt[3])
	}
	if strings.TrimSpace(tt[4]) != "" {
		t.Errorf("output after quit: %q", tt[4])
	}
}

func TestChatEndsAtEOFAndNumbersNeedAnAnswer(t *testing.T) {
	t.Parallel()
	// "1" before any answer picks nothing: it is an ordinary question, answered as `ask 1` answers it.
	// End of input ends the chat cleanly.
	_, alone, _ := runRadbot(t, "", "ask", "1")
	code, out, errOut := runRadbot(t, "1\n", "chat")
	if code != 0 || errOut != "" {
		t.Fatalf("chat exit %d, stderr %q", code, errOut)
	}
	tt := turns(out)
	if len(tt) != 3 || !strings.HasPrefix(tt[1], "\n"+alone) || tt[2] != "\n" {
		t.Errorf("transcript:\n%s\nwant the reply to 1 to be:\n%s", out, alone)
	}
}

func TestChatHintCountsTheRelatedQuestions(t *testing.T) {
	t.Parallel()
	refs := []bot.EntryRef{{ID: "a", Title: "A"}, {ID: "b", Title: "B"}, {ID: "c", Title: "C"}}
	for n, want := range []string{"", "(Type 1 for the related question.)", "(Type 1 or 2 for a related question.)", "(Type 1-3 for a related question.)"} {
		c := &chat{last: bot.Reply{Status: bot.StatusAnswered, Related: refs[:n]}}
		if got := c.hint(); got != want {
			t.Errorf("%d related: hint %q, want %q", n, got, want)
		}
		if _, ok := pickRelated(fmt.Sprint(n+1), c.last); ok {
			t.Errorf("%d related: %d picks one", n, n+1)
		}
	}
	c := &chat{store: "x.db", last: bot.Reply{Status: bot.StatusAnswered, Related: refs[:2], InteractionID: 7}}
	if got := c.hint(); got != "(Type 1 or 2 for a related question; + or - to rate this answer (a comment may follow).)" {
		t.Errorf("hint when recording: %q", got)
	}
	if got := (&chat{last: bot.Reply{Status: bot.StatusFallback}}).hint(); got != "" {
		t.Errorf("hint after a fallback: %q", got)
	}
}

func TestChatTopicsAndHelp(t *testing.T) {
	t.Parallel()
	base := defaultBase(t)
	code, out, _ := runRadbot(t, "topics\nhelp\n", "chat")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	tt := turns(out)
	for _, tp := range base.Topics {
		if !strings.Contains(flat(tt[1]), tp.Name+" • "+tp.Entries[0].Title) {
			t.Errorf("topics lacks %q with its first entry:\n%s", tp.Name, tt[1])
		}
	}
	for _, want := range []string{"topics", "+ or -", "quit", "Ctrl-C clears the line"} {
		if !strings.Contains(tt[2], want) {
			t.Errorf("help lacks %q:\n%s", want, tt[2])
		}
	}
	if strings.Contains(strings.ToLower(tt[2]), "button") {
		t.Errorf("chat's help mentions buttons, which chat does not have:\n%s", tt[2])
	}
}

// TestChatStoreVotesReportForget follows a maintainer trying the store locally: chat --store records
// the questions and the votes (through bot.Feedback, as serve does), report shows them, and forget
// erases them again.
func TestChatStoreVotesReportForget(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "chat.db")
	// A vote before any answer is a question; "-" with no comment asks for one.
	input := strings.Join([]string{
		"how long is radiology training", "+ clear and short",
		"what are the frcr exams", "-", "it did not say how hard they are",
		"how do I become a cardiologist",
		"what is interventional radiology", "- too much jargon",
	}, "\n") + "\n"
	code, out, errOut := runRadbot(t, input, "chat", "--store", db)
	if code != 0 || errOut != "" {
		t.Fatalf("chat --store: exit %d, stderr %q\n%s", code, errOut, out)
	}
	user := chatUser()
	if !strings.Contains(out, fmt.Sprintf("radbot forget --db %s --platform cli --user %s", shellQuote(db), shellQuote(user))) {
		t.Errorf("chat does not say how to erase what it records:\n%s", out)
	}
	thanks := strings.TrimSpace(defaultBase(t).Texts.FeedbackThanks)
	if n := strings.Count(out, thanks); n != 3 {
		t.Errorf("%d thank-yous for 3 votes:\n%s", n, out)
	}
	if !strings.Contains(out, "What were you looking for?") {
		t.Errorf(`"-" alone did not ask for a comment:\n%s`, out)
	}

	store, err := sqlite.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := store.Report(context.Background(), sqlite.ReportOptions{Normalize: bot.Normalize})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Interactions != 4 || rep.Totals.ByPlatform["cli"] != 4 || rep.Totals.Votes != 3 {
		t.Errorf("stored %+v, want 4 cli questions and 3 votes", rep.Totals)
	}
	votes := map[string]string{}
	for _, e := range rep.Entries {
		votes[e.ID] = fmt.Sprintf("%d/%d %q", e.Helpful, e.NotHelpful, e.Comments)
	}
	for id, want := range map[string]string{
		"training-length": `1/0 ["clear and short"]`,
		"frcr-exams":      `0/1 ["it did not say how hard they are"]`,
		"what-is-ir":      `0/1 ["too much jargon"]`,
	} {
		if votes[id] != want {
			t.Errorf("%s: votes %s, want %s (all: %v)", id, votes[id], want, votes)
		}
	}
	// The cardiology question is stored as out of scope, so it is not among the questions the
	// knowledge lacks an answer for.
	if len(rep.Unanswered) != 0 || rep.Totals.ByStatus["fallback"] != 1 {
		t.Errorf("unanswered %+v with %d fallbacks: want the one out-of-scope fallback stored but not listed", rep.Unanswered, rep.Totals.ByStatus["fallback"])
	}

	// The report command reads the same file, and forget erases the chat user's rows.
	if code, out, _ := runRadbot(t, "", "report", "--db", db); code != 0 || !strings.Contains(out, "too much jargon") {
		t.Errorf("report = %d:\n%s", code, out)
	}
	code, out, errOut = runRadbot(t, "", "forget", "--db", db, "--platform", "cli", "--user", user)
	if code != 0 || !regexp.MustCompile(`Erased 7 rows`).MatchString(out) {
		t.Errorf("forget = %d, %q, %q; want 7 rows (4 questions, 3 votes) erased", code, out, errOut)
	}
}

// TestChatWithoutStoreExplainsVotes: without --store there is nothing to vote into, and chat says so.
func TestChatWithoutStoreExplainsVotes(t *testing.T) {
	t.Parallel()
	_, out, _ := runRadbot(t, "how long is radiology training\n+\n", "chat")
	if !strings.Contains(turns(out)[2], "radbot chat --store") {
		t.Errorf("a vote without a store:\n%s", out)
	}
}

// TestChatStopsOnSignal: a cancelled context (SIGINT or SIGTERM outside line editing) ends a chat that
// is waiting for input, with status 0.
func TestChatStopsOnSignal(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	r, w := io.Pipe()
	defer w.Close()
	var out strings.Builder
	done := make(chan error, 1)
	go func() { done <- cmdChat(ctx, nil, r, &out, io.Discard) }()
	time.Sleep(50 * time.Millisecond) // let it reach the prompt; the result is the same if it has not
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("chat after cancel: %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("chat did not stop when its context was cancelled")
	}
}
