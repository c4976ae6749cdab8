package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// digestBase is a small knowledge base with the titles the seeded digest shows.
func digestBase() *knowledge.Base {
	entry := func(id, title string) *knowledge.Entry {
		return &knowledge.Entry{ID: id, Title: title, Topic: "Training"}
	}
	return knowledge.New([]*knowledge.Entry{
		entry("training-length", "How long is radiology training?"),
		entry("frcr-exams", "What are the FRCR exams?"),
		entry("ir-pathway", "How do I become an interventional radiologist?"),
		entry("salary", "What do radiology trainees earn?"),
		entry("less-than-full-time", "Can I train less than full time?"),
		entry("academic", "What academic training routes are there?"),
	}, nil, knowledge.Texts{})
}

// digestNow is when the seeded digest is built: the scheduled time in the golden file.
func digestNow(t testing.TB) time.Time { return time.Date(2026, 11, 30, 9, 0, 0, 0, london(t)) }

// seedDigestDB writes a database with a known week (the 7 days to digestNow) and older rows the
// digest must leave out, and returns its path.
func seedDigestDB(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "digest.db")
	ctx := context.Background()
	store, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	at := digestNow(t).Add(-3 * 24 * time.Hour)
	n := 0
	save := func(status bot.Status, reason bot.Reason, entry, nearest, question string) int64 {
		t.Helper()
		n++
		at = at.Add(time.Minute)
		id, err := store.SaveInteraction(ctx, &bot.Interaction{Time: at, Platform: "discord", ConversationHash: "c",
			UserHash: fmt.Sprintf("u%d", n), Question: question, Status: status, Reason: reason, EntryID: entry,
			NearestID: nearest, Score: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	answered := func(entry string) int64 { return save(bot.StatusAnswered, "", entry, entry, "q") }
	vote := func(id int64, helpful bool, comment string) {
		t.Helper()
		at = at.Add(time.Minute)
		if err := store.SaveVote(ctx, bot.Vote{InteractionID: id, Platform: "discord", UserHash: fmt.Sprintf("v%d", id),
			Helpful: helpful, Comment: comment, Time: at}); err != nil {
			t.Fatal(err)
		}
	}
	// training-length: 4 answers, 3 not helpful (two comments, one trying to ping everyone), 1 helpful.
	t1, t2, t3, t4 := answered("training-length"), answered("training-length"), answered("training-length"), answered("training-length")
	vote(t1, false, "too vague")
	vote(t2, false, "")
	vote(t3, false, "needs the 2026 numbers @everyone\nplease")
	vote(t4, true, "")
	// frcr-exams: 3 answers, 2 not helpful (one comment full of markup), 1 helpful.
	f1, f2, f3 := answered("frcr-exams"), answered("frcr-exams"), answered("frcr-exams")
	vote(f1, false, "<@300000000000000001> says it's **wrong** `see` [here](https://evil.example) <!channel>")
	vote(f2, true, "")
	vote(f3, false, "")
	// ir-pathway: 1 answer, 1 not helpful, no comment. An entry since removed: 1 answer, 1 not helpful.
	vote(answered("ir-pathway"), false, "")
	vote(answered("old-entry"), false, "gone")
	// salary: answered three times, no votes.
	answered("salary")
	answered("salary")
	answered("salary")

	// Unanswered, by nearest entry: ir-pathway 4, frcr-exams 2, salary 2, academic 1,
	// less-than-full-time 1, old-entry 1, none 1.
	for range 3 {
		save(bot.StatusFallback, bot.ReasonNoMatch, "", "ir-pathway", "How do I become an interventional radiologist?")
	}
	save(bot.StatusClarify, "", "", "ir-pathway", "IR fellowship abroad?")
	save(bot.StatusClarify, "", "", "frcr-exams", "exams")
	save(bot.StatusSuggest, "", "", "frcr-exams", "exams")
	save(bot.StatusFallback, bot.ReasonNoMatch, "", "salary", "**pay** [link](https://evil.example) @here\nsecond line")
	save(bot.StatusFallback, bot.ReasonNoMatch, "", "salary", "locum rates")
	save(bot.StatusFallback, bot.ReasonNoMatch, "", "less-than-full-time", "Can I do LTFT from ST1?")
	save(bot.StatusFallback, bot.ReasonNoMatch, "", "academic", "ACF or not?")
	save(bot.StatusFallback, bot.ReasonNoMatch, "", "old-entry", "what was the old thing")
	save(bot.StatusFallback, bot.ReasonNoMatch, "", "", "Parking at the hospital?")
	// Out of scope: counted by status, never listed as a gap.
	save(bot.StatusFallback, bot.ReasonOutOfScope, "", "", "How do I become a cardiologist?")
	save(bot.StatusRefused, bot.ReasonMedical, "", "", "[withheld: personal medical question]")
	save(bot.StatusSmalltalk, "", "", "", "thanks!")

	// Eight days before: outside the digest's week.
	at = digestNow(t).Add(-8 * 24 * time.Hour)
	save(bot.StatusFallback, bot.ReasonNoMatch, "", "ir-pathway", "an old question from last week")
	vote(answered("salary"), false, "an old comment")
	return path
}

// codeSpans matches `code` spans on one line.
var codeSpans = regexp.MustCompile("`[^`\n]*`")

func openDigestStore(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	store, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// TestDigestText compares the digest built from a seeded SQLite week with testdata/digest.golden
// (go test -run TestDigestText -update rewrites it), and checks what must never be in it.
func TestDigestText(t *testing.T) {
	t.Parallel()
	store := openDigestStore(t, seedDigestDB(t))
	text, err := buildDigest(context.Background(), store, digestBase(), digestNow(t), london(t))
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/digest.golden"
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestDigestText -update to create it)", err)
	}
	if text != string(want) {
		t.Errorf("digest differs from %s (rerun with -update if the change is intended):\n%s", golden, text)
	}
	for _, never := range []string{"an old question", "an old comment", "cardiologist", "withheld"} {
		if strings.Contains(text, never) {
			t.Errorf("the digest shows %q, which is outside the week or not a gap", never)
		}
	}
	// Whatever people typed sits in code spans, so outside them there is no mention, link or markup of theirs.
	outside := codeSpans.ReplaceAllString(text, "")
	for _, inert := range []string{"@everyone", "@here", "<@", "<!", "](", "evil.example"} {
		if strings.Contains(outside, inert) {
			t.Errorf("%q appears outside a code span", inert)
		}
	}
	for line := range strings.SplitSeq(text, "\n") {
		if strings.Count(line, "`")%2 != 0 {
			t.Errorf("unbalanced code span: %q", line)
		}
	}
}

// TestDigestEmptyWeek: a week without questions still gives a digest that says so.
func TestDigestEmptyWeek(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "empty.db")
	store := openDigestStore(t, path)
	text, err := buildDigest(context.Background(), store, nil, digestNow(t), london(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"**Questions: 0**\n", "**Not answered, by nearest entry**\nNone this week.",
		"**Most \"not helpful\" votes**\nNone this week.", "`radbot report --since 7d --html report.html`"} {
		if !strings.Contains(text, want) {
			t.Errorf("empty digest has no %q:\n%s", want, text)
		}
	}
}

// TestReportDigestCommand: `radbot report --digest` prints the digest of the last 7 days, and refuses
// to be combined with the other formats or with --since.
func TestReportDigestCommand(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "now.db")
	store := openDigestStore(t, path)
	if _, err := store.SaveInteraction(context.Background(), &bot.Interaction{Time: time.Now().Add(-time.Hour),
		Platform: "slack", ConversationHash: "c", UserHash: "u", Question: "Where is the <!here> FAQ?",
		Status: bot.StatusFallback, Reason: bot.ReasonNoMatch}); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "radbot.yaml")
	os.WriteFile(cfg, []byte("report:\n  digest:\n    timezone: UTC\n"), 0o600)
	out, stderr, err := runCmd(t, cmdReport, "--db", path, "--config", cfg, "--digest")
	if err != nil {
		t.Fatalf("report --digest: %v\n%s", err, stderr)
	}
	for _, want := range []string{"**RadBot weekly digest**: the 7 days to ", "(UTC)", "**Questions: 1**: no answer 1",
		"- no entry came close: asked once\n  - `Where is the <!here> FAQ?`"} {
		if !strings.Contains(out, want) {
			t.Errorf("output has no %q:\n%s", want, out)
		}
	}
	for _, args := range [][]string{{"--digest", "--json"}, {"--digest", "--html", "-"}, {"--digest", "--since", "30d"}, {"--digest", "--top", "3"}} {
		_, stderr, err := runCmd(t, cmdReport, append([]string{"--db", path}, args...)...)
		if err != (exitError{2}) || stderr == "" {
			t.Errorf("report %v = %v, %q; want exit status 2 with a reason", args, err, stderr)
		}
	}
}
