package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
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

// fakeClock is a clock the test moves by hand. After's channels fire when Set passes their time.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waits   []fakeWait
	sleeps  int           // After calls so far
	changed chan struct{} // closed and replaced on every After
}

type fakeWait struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t, changed: make(chan struct{})} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
	} else {
		c.waits = append(c.waits, fakeWait{c.now.Add(d), ch})
	}
	c.sleeps++
	close(c.changed)
	c.changed = make(chan struct{})
	return ch
}

// set moves the clock to t and fires the waits that are due, returning how many fired.
func (c *fakeClock) set(t time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	fired := 0
	keep := c.waits[:0]
	for _, w := range c.waits {
		if !w.at.After(t) {
			w.ch <- t
			fired++
		} else {
			keep = append(keep, w)
		}
	}
	c.waits = keep
	return fired
}

// waitSleeps waits until the clock has been asked to wait n times in all: the loop has done what was
// due and is asleep again.
func (c *fakeClock) waitSleeps(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		got, ch := c.sleeps, c.changed
		c.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("the digest loop did not go back to sleep (%d sleeps, want %d)", got, n)
		}
	}
}

// digestRun is a digester running on a fake clock with a recording poster.
type digestRun struct {
	t      *testing.T
	clock  *fakeClock
	store  *sqlite.Store
	log    *logBuffer
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.Mutex
	posts    []string // texts posted
	attempts int
	failures int // how many more attempts fail
}

func startDigest(t *testing.T, store *sqlite.Store, sched weeklySchedule, at time.Time, failures int) *digestRun {
	t.Helper()
	r := &digestRun{t: t, clock: newFakeClock(at), store: store, log: &logBuffer{}, done: make(chan struct{}), failures: failures}
	d := &digester{sched: sched, platform: "slack", channel: "C0MAINT0001", store: store,
		base: digestBase, clock: r.clock, log: slog.New(slog.NewTextHandler(r.log, nil))}
	d.post = func(ctx context.Context, channel, text string) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.attempts++
		if channel != "C0MAINT0001" {
			return fmt.Errorf("posted to %q", channel)
		}
		if r.failures > 0 {
			r.failures--
			return errors.New("channel_not_found")
		}
		r.posts = append(r.posts, text)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	go func() { defer close(r.done); d.run(ctx) }()
	t.Cleanup(r.stop)
	r.clock.waitSleeps(t, 1)
	return r
}

func (r *digestRun) stop() {
	r.cancel()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		r.t.Error("the digest loop did not stop")
	}
	if r.t.Failed() {
		r.t.Logf("digest log:\n%s", r.log.String())
	}
}

// to moves the clock to at and, if that woke the loop, waits until it sleeps again.
func (r *digestRun) to(at time.Time) {
	r.t.Helper()
	r.clock.mu.Lock()
	sleeps := r.clock.sleeps
	r.clock.mu.Unlock()
	if r.clock.set(at) > 0 {
		r.clock.waitSleeps(r.t, sleeps+1)
	}
}

func (r *digestRun) counts() (posts, attempts int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.posts), r.attempts
}

func (r *digestRun) wantPosts(n int, when string) {
	r.t.Helper()
	if got, _ := r.counts(); got != n {
		r.t.Fatalf("%s: %d digests posted, want %d", when, got, n)
	}
}

func lastDigest(t *testing.T, s *sqlite.Store) string {
	t.Helper()
	slot, err := s.LastDigest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return slot
}

// TestDigestLoopPostsOncePerWeek: on a fake clock, the digest goes out at 09:00 on Monday, not
// before, once, not again after a restart in the same week, and again the next Monday.
func TestDigestLoopPostsOncePerWeek(t *testing.T) {
	t.Parallel()
	store := openDigestStore(t, seedDigestDB(t))
	mon9 := weeklySchedule{day: time.Monday, hour: 9, loc: london(t)}
	monday := func(day, h, m int) time.Time { return time.Date(2026, 11, day, h, m, 0, 0, london(t)) }

	r := startDigest(t, store, mon9, monday(30, 7, 0), 0)
	r.wantPosts(0, "at 07:00")
	r.to(monday(30, 8, 0))
	r.to(monday(30, 8, 59))
	r.wantPosts(0, "at 08:59")
	r.to(monday(30, 9, 0))
	r.wantPosts(1, "at 09:00")
	r.mu.Lock()
	text := r.posts[0]
	r.mu.Unlock()
	if !strings.HasPrefix(text, "**RadBot weekly digest**: the 7 days to Mon 30 Nov 2026 09:00 (Europe/London)") ||
		!strings.Contains(text, "**Questions: 27**") {
		t.Errorf("posted text:\n%s", text)
	}
	r.to(monday(30, 10, 0))
	r.to(monday(30, 11, 0))
	r.wantPosts(1, "two hours later")
	r.stop()
	if got := lastDigest(t, store); got != "2026-11-30" {
		t.Errorf("the store records %q as posted, want 2026-11-30", got)
	}

	// Restarted at 11:30 the same morning: the week was posted, so nothing goes out.
	again := startDigest(t, store, mon9, monday(30, 11, 30), 0)
	again.wantPosts(0, "after a restart in the same week")
	if !strings.Contains(again.log.String(), "weekly digest already posted") {
		t.Errorf("the restart did not say the week was posted:\n%s", again.log.String())
	}
	again.to(time.Date(2026, 12, 7, 8, 59, 0, 0, london(t)))
	again.wantPosts(0, "the next Monday at 08:59")
	again.to(time.Date(2026, 12, 7, 9, 0, 0, 0, london(t)))
	again.wantPosts(1, "the next Monday at 09:00")
	if got := lastDigest(t, store); got != "2026-12-07" {
		t.Errorf("the store records %q, want 2026-12-07", got)
	}
}

// TestDigestLoopCatchesUp: down at 09:00 and started later that day, serve posts at once; started
// more than a day late, it waits for the next week.
func TestDigestLoopCatchesUp(t *testing.T) {
	t.Parallel()
	mon9 := weeklySchedule{day: time.Monday, hour: 9, loc: london(t)}

	late := startDigest(t, openDigestStore(t, seedDigestDB(t)), mon9, time.Date(2026, 11, 30, 14, 0, 0, 0, london(t)), 0)
	late.wantPosts(1, "started at 14:00 after a missed 09:00")

	tooLate := startDigest(t, openDigestStore(t, seedDigestDB(t)), mon9, time.Date(2026, 12, 1, 10, 0, 0, 0, london(t)), 0)
	tooLate.wantPosts(0, "started on Tuesday at 10:00")
	tooLate.to(time.Date(2026, 12, 7, 9, 0, 0, 0, london(t)))
	tooLate.wantPosts(1, "the next Monday at 09:00")
}

// TestDigestLoopAcrossSummerTime: weekly at 09:00 London through the change to summer time, the
// digest goes out at 08:00 UTC, not at 09:00 UTC; a Sunday 01:30 digest posts once on the night
// the clocks go back, though 01:30 happens twice.
func TestDigestLoopAcrossSummerTime(t *testing.T) {
	t.Parallel()
	utc := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, time.UTC) }

	r := startDigest(t, openDigestStore(t, filepath.Join(t.TempDir(), "spring.db")),
		weeklySchedule{day: time.Monday, hour: 9, loc: london(t)}, utc(3, 23, 9, 0), 0)
	r.wantPosts(1, "Monday 23 March, 09:00 GMT")
	r.to(utc(3, 30, 7, 59))
	r.wantPosts(1, "Monday 30 March, 07:59 UTC")
	r.to(utc(3, 30, 8, 0))
	r.wantPosts(2, "Monday 30 March, 08:00 UTC (09:00 BST)")

	night := startDigest(t, openDigestStore(t, filepath.Join(t.TempDir(), "autumn.db")),
		weeklySchedule{day: time.Sunday, hour: 1, min: 30, loc: london(t)}, utc(10, 24, 12, 0), 0)
	for at := utc(10, 24, 23, 0); at.Before(utc(10, 25, 6, 0)); at = at.Add(10 * time.Minute) {
		night.to(at)
	}
	night.wantPosts(1, "the night of 25 October")
}

// TestDigestLoopRetries: a failed post releases the week's claim and is tried again after a minute,
// then five; after five failures the week is given up until the next.
func TestDigestLoopRetries(t *testing.T) {
	t.Parallel()
	mon9 := weeklySchedule{day: time.Monday, hour: 9, loc: london(t)}
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, london(t))

	store := openDigestStore(t, seedDigestDB(t))
	r := startDigest(t, store, mon9, at, 2)
	if posts, attempts := r.counts(); posts != 0 || attempts != 1 {
		t.Errorf("first try: %d posts, %d attempts", posts, attempts)
	}
	if got := lastDigest(t, store); got != "" {
		t.Errorf("a failed post left the week claimed (%q)", got)
	}
	r.to(at.Add(59 * time.Second))
	if _, attempts := r.counts(); attempts != 1 {
		t.Errorf("retried before a minute had passed")
	}
	r.to(at.Add(time.Minute))
	r.to(at.Add(6 * time.Minute))
	if posts, attempts := r.counts(); posts != 1 || attempts != 3 {
		t.Errorf("after the retries: %d posts, %d attempts; want 1 and 3", posts, attempts)
	}
	if !strings.Contains(r.log.String(), "trying again") || !strings.Contains(r.log.String(), "channel_not_found") {
		t.Errorf("the failures were not logged with their cause:\n%s", r.log.String())
	}

	failing := startDigest(t, openDigestStore(t, seedDigestDB(t)), mon9, at, 1000)
	next := at
	for _, d := range digestRetries {
		next = next.Add(d)
		failing.to(next)
	}
	failing.to(next.Add(3 * time.Hour))
	if _, attempts := failing.counts(); attempts != len(digestRetries)+1 {
		t.Errorf("%d attempts at a failing week, want %d", attempts, len(digestRetries)+1)
	}
	if !strings.Contains(failing.log.String(), "giving up on this week") {
		t.Errorf("giving up was not logged")
	}
	failing.mu.Lock()
	failing.failures = 0
	failing.mu.Unlock()
	failing.to(time.Date(2026, 12, 7, 9, 0, 0, 0, london(t)))
	failing.wantPosts(1, "the week after giving up")
}

// TestDigestOffUnlessItsPlatformRuns: a digest for a platform that is not enabled is not scheduled,
// and the log says why; a disabled digest is silent.
func TestDigestOffUnlessItsPlatformRuns(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cfg := DigestConfig{Enabled: true, Platform: "discord", Channel: "600000000000000001", Weekday: "monday", Time: "09:00", Timezone: "UTC"}
	slackOnly := []platform{{name: "slack", post: func(context.Context, string, string) error { return nil }}}
	if d := newDigester(cfg, slackOnly, nil, nil, log); d != nil {
		t.Error("a digest for Discord was scheduled with only Slack running")
	}
	if !strings.Contains(logs.String(), "the weekly digest is off: its platform is not enabled") ||
		!strings.Contains(logs.String(), "discord.enabled") {
		t.Errorf("no warning:\n%s", logs.String())
	}
	logs.Reset()
	cfg.Enabled = false
	cfg.Platform = "slack"
	if d := newDigester(cfg, slackOnly, nil, nil, log); d != nil || logs.Len() != 0 {
		t.Errorf("a disabled digest: %v, log %q", d, logs.String())
	}
	cfg.Enabled = true
	if d := newDigester(cfg, slackOnly, nil, nil, log); d == nil || d.sched.String() != "monday 09:00 UTC" {
		t.Errorf("an enabled Slack digest with Slack running was not scheduled right: %+v", d)
	}
}

// TestDigestShutdownWhilePosting: a post under way when serve shuts down may finish within the
// grace; one still under way after it is given up, and the week stays claimed, so that a message
// that may have gone out is never posted again.
func TestDigestShutdownWhilePosting(t *testing.T) {
	t.Parallel()
	for _, finishes := range []bool{true, false} {
		t.Run(fmt.Sprintf("finishes=%v", finishes), func(t *testing.T) {
			t.Parallel()
			now := digestNow(t)
			store := openDigestStore(t, filepath.Join(t.TempDir(), "shutdown.db"))
			logs := &logBuffer{}
			started := make(chan struct{})
			d := &digester{sched: weeklySchedule{day: time.Monday, hour: 9, loc: london(t)}, platform: "slack",
				channel: "C0MAINT0001", store: store, base: digestBase, clock: newFakeClock(now),
				log: slog.New(slog.NewTextHandler(logs, nil)), grace: 300 * time.Millisecond}
			d.post = func(ctx context.Context, _, _ string) error {
				close(started)
				if finishes {
					time.Sleep(100 * time.Millisecond) // the answer arrives during the grace
					return ctx.Err()
				}
				<-ctx.Done()
				return ctx.Err()
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- d.attempt(ctx, d.sched.prev(now), now) }()
			<-started
			cancel()
			start := time.Now()
			err := <-done
			if finishes && err != nil {
				t.Errorf("a post that finished within the grace: %v", err)
			}
			if !finishes && (err == nil || time.Since(start) < 250*time.Millisecond) {
				t.Errorf("a post still under way: %v after %v, want an error after the 300ms grace", err, time.Since(start))
			}
			if got := lastDigest(t, store); got != "2026-11-30" {
				t.Errorf("the week's claim is %q, want it kept (2026-11-30)", got)
			}
			if !finishes && !strings.Contains(logs.String(), "may not have gone out") {
				t.Errorf("not logged:\n%s", logs.String())
			}
		})
	}
}
