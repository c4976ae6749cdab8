package bot_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radbot/radbot/bot"
)

// recordingStore is a fake at the edge (the real SQLite store has its own tests): it keeps what it is
// given, can hold writes until released, and can fail a number of times first.
type recordingStore struct {
	mu      sync.Mutex
	ins     []bot.Interaction
	batches []int
	votes   []bot.Vote
	gate    chan struct{} // when set, SaveInteractions waits until it is closed
	fail    int           // SaveInteractions fails this many more times
	calls   int
}

func (s *recordingStore) SaveInteractions(ctx context.Context, ins []bot.Interaction) error {
	s.mu.Lock()
	gate := s.gate
	s.calls++
	s.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return errors.New("database is locked")
	}
	s.ins = append(s.ins, ins...)
	s.batches = append(s.batches, len(ins))
	return nil
}

func (s *recordingStore) SaveVote(_ context.Context, v bot.Vote) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, in := range s.ins {
		if in.ID == v.InteractionID {
			s.votes = append(s.votes, v)
			return nil
		}
	}
	return fmt.Errorf("interaction %d: %w", v.InteractionID, bot.ErrNotFound)
}

func (s *recordingStore) stored() []bot.Interaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Interaction(nil), s.ins...)
}

// queueObserver records the queue measurements.
type queueObserver struct {
	mu       sync.Mutex
	depth    []int
	dropped  int
	batches  int
	answered int
}

func (o *queueObserver) ObserveAnswer(bot.Platform, bot.Status, time.Duration) {
	o.mu.Lock()
	o.answered++
	o.mu.Unlock()
}
func (o *queueObserver) ObserveFeedback(bot.Platform, bool) {}
func (o *queueObserver) ObserveQueue(d int) {
	o.mu.Lock()
	o.depth = append(o.depth, d)
	o.mu.Unlock()
}
func (o *queueObserver) ObserveDropped(n int) {
	o.mu.Lock()
	o.dropped += n
	o.mu.Unlock()
}
func (o *queueObserver) ObserveBatch(int, time.Duration) {
	o.mu.Lock()
	o.batches++
	o.mu.Unlock()
}

// waitWriter waits until the store has been called once (the writer is then blocked on its gate).
func waitWriter(t *testing.T, st *recordingStore) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		st.mu.Lock()
		calls := st.calls
		st.mu.Unlock()
		if calls >= 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the writer never started")
		}
		time.Sleep(time.Millisecond)
	}
}

func closeBot(t *testing.T, b *bot.Bot) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
}

func TestRecording(t *testing.T) {
	st := &recordingStore{}
	b := newDefaultBot(t, bot.Options{Store: st, HashKey: []byte("k")})
	ctx := context.Background()
	q := bot.Query{Platform: bot.PlatformDiscord, ConversationID: "c123", UserID: "u456"}

	q.Text = "how long is radiology training"
	r := b.Answer(ctx, q)
	if r.InteractionID <= 0 || r.KnowledgeVersion == "" {
		t.Fatalf("interaction id %d, version %q", r.InteractionID, r.KnowledgeVersion)
	}
	q.Text = "best pizza near campus"
	r2 := b.Answer(ctx, q)
	q.Text = "my dad needs an angioplasty, is it dangerous?"
	b.Answer(ctx, q)
	if r2.InteractionID <= r.InteractionID {
		t.Errorf("ids %d then %d: want them increasing", r.InteractionID, r2.InteractionID)
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	ins := st.stored()
	if len(ins) != 3 {
		t.Fatalf("stored %d interactions, want 3", len(ins))
	}
	got := ins[0]
	if got.ID != r.InteractionID {
		t.Errorf("stored id %d, reply carried %d", got.ID, r.InteractionID)
	}
	if got.UserHash == "u456" || got.ConversationHash == "c123" || got.UserHash != bot.HashID([]byte("k"), "discord", "u456") {
		t.Errorf("ids not stored as keyed hashes: %+v", got)
	}
	if got.EntryID != "training-length" || got.Status != bot.StatusAnswered {
		t.Errorf("answered interaction: %+v", got)
	}
	if fb := ins[1]; fb.Status != bot.StatusFallback || fb.Question != "best pizza near campus" || fb.EntryID != "" {
		t.Errorf("fallback interaction: %+v", fb)
	}
	if ref := ins[2]; ref.Status != bot.StatusRefused || strings.Contains(ref.Question, "dad") {
		t.Errorf("refused question text must be withheld: %+v", ref)
	}

	if err := b.Feedback(ctx, bot.Feedback{Platform: bot.PlatformDiscord, UserID: "u456", InteractionID: r.InteractionID, Helpful: false, Comment: "  wanted IR  "}); err != nil {
		t.Fatal(err)
	}
	if v := st.votes[0]; v.UserHash != got.UserHash || v.Helpful || v.Comment != "wanted IR" {
		t.Errorf("vote: %+v", v)
	}
	// An id from long ago that was never stored fails at once.
	old := int64(99) << 22
	if err := b.Feedback(ctx, bot.Feedback{Platform: bot.PlatformDiscord, UserID: "u456", InteractionID: old}); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("feedback on an unknown interaction: %v, want ErrNotFound", err)
	}
	if b.UserRef(bot.PlatformDiscord, "u456") != got.UserHash[:12] {
		t.Errorf("UserRef = %q, want the first 12 characters of the stored hash %q", b.UserRef(bot.PlatformDiscord, "u456"), got.UserHash)
	}
	closeBot(t, b)
}

// The reply never waits for the store, and a vote on an interaction that is still queued waits for it
// instead of failing.
func TestAnswerDoesNotWaitForStore(t *testing.T) {
	st := &recordingStore{gate: make(chan struct{})}
	b := newDefaultBot(t, bot.Options{Store: st, HashKey: []byte("k")})
	start := time.Now()
	r := ask(b, "u1", "how long is radiology training")
	if took := time.Since(start); took > time.Second || r.InteractionID <= 0 {
		t.Fatalf("Answer took %v with a stalled store (id %d)", took, r.InteractionID)
	}
	voted := make(chan error, 1)
	go func() {
		voted <- b.Feedback(context.Background(), bot.Feedback{Platform: "test", UserID: "u1", InteractionID: r.InteractionID, Helpful: true})
	}()
	select {
	case err := <-voted:
		t.Fatalf("the vote returned %v before its interaction was written", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(st.gate)
	if err := <-voted; err != nil {
		t.Fatalf("vote on a queued interaction: %v", err)
	}
	closeBot(t, b)
}

// Rows that queue up while a transaction is in flight are written together in the next one.
func TestGroupCommit(t *testing.T) {
	st := &recordingStore{gate: make(chan struct{})}
	obs := &queueObserver{}
	b := newDefaultBot(t, bot.Options{Store: st, Observer: obs})
	ask(b, "u0", "how long is radiology training")
	waitWriter(t, st) // the writer holds the first row; queue 100 more
	for i := range 100 {
		ask(b, fmt.Sprint("u", i+1), "how long is radiology training")
	}
	obs.mu.Lock()
	maxDepth := 0
	for _, d := range obs.depth {
		maxDepth = max(maxDepth, d)
	}
	obs.mu.Unlock()
	if maxDepth < 100 {
		t.Errorf("queue depth peaked at %d, want 100 observed", maxDepth)
	}
	close(st.gate)
	if err := b.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	st.mu.Lock()
	batches := append([]int(nil), st.batches...)
	st.mu.Unlock()
	if len(batches) != 2 || batches[0] != 1 || batches[1] != 100 {
		t.Errorf("batches = %v, want [1 100]", batches)
	}
	closeBot(t, b)
}

// A full queue drops the interaction, counts it, and the reply offers no feedback button.
func TestQueueFullDrops(t *testing.T) {
	st := &recordingStore{gate: make(chan struct{})}
	obs := &queueObserver{}
	b := newDefaultBot(t, bot.Options{Store: st, Observer: obs, QueueSize: 2,
		Logger: slog.New(slog.DiscardHandler)})
	var ids []int64
	ids = append(ids, ask(b, "u0", "how long is radiology training").InteractionID)
	waitWriter(t, st) // the writer holds the first row
	for i := range 5 {
		ids = append(ids, ask(b, fmt.Sprint("u", i+1), "how long is radiology training").InteractionID)
	}
	zero := 0
	for _, id := range ids {
		if id == 0 {
			zero++
		}
	}
	obs.mu.Lock()
	dropped := obs.dropped
	obs.mu.Unlock()
	// One row is with the writer and two wait in the queue: the other three are dropped.
	if zero != 3 || dropped != 3 {
		t.Errorf("ids %v: %d without an id, %d counted as dropped; want 3 and 3", ids, zero, dropped)
	}
	close(st.gate)
	closeBot(t, b)
	if n := len(st.stored()); n != 6-zero {
		t.Errorf("stored %d, want %d", n, 6-zero)
	}
}

// A store that fails for a while (another process holding the write lock) gets the batch again.
func TestStoreFailureRetried(t *testing.T) {
	st := &recordingStore{fail: 2}
	obs := &queueObserver{}
	b := newDefaultBot(t, bot.Options{Store: st, Observer: obs, Logger: slog.New(slog.DiscardHandler)})
	r := ask(b, "u1", "how long is radiology training")
	if err := b.Feedback(context.Background(), bot.Feedback{Platform: "test", UserID: "u1", InteractionID: r.InteractionID, Helpful: true}); err != nil {
		t.Fatalf("vote after two failed writes: %v", err)
	}
	if n := len(st.stored()); n != 1 || obs.dropped != 0 {
		t.Errorf("stored %d, dropped %d; want 1 and 0", n, obs.dropped)
	}
	closeBot(t, b)
}

// Close writes what is queued; if the store never comes back it gives up when its context ends.
func TestCloseFlushesOrGivesUp(t *testing.T) {
	st := &recordingStore{}
	b := newDefaultBot(t, bot.Options{Store: st})
	for i := range 20 {
		ask(b, fmt.Sprint("u", i), "how long is radiology training")
	}
	closeBot(t, b)
	if n := len(st.stored()); n != 20 {
		t.Errorf("after Close: %d stored, want 20", n)
	}
	if err := b.Close(context.Background()); !errors.Is(err, bot.ErrClosed) {
		t.Errorf("second Close = %v", err)
	}
	if r := ask(b, "late", "how long is radiology training"); r.Status != bot.StatusAnswered || r.InteractionID != 0 {
		t.Errorf("after Close: %+v; want an answer with nothing recorded", r)
	}

	stuck := &recordingStore{gate: make(chan struct{})}
	defer close(stuck.gate)
	obs := &queueObserver{}
	b = newDefaultBot(t, bot.Options{Store: stuck, Observer: obs, Logger: slog.New(slog.DiscardHandler)})
	ask(b, "u1", "how long is radiology training")
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := b.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Close with a stuck store = %v, want a deadline error", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Close took %v; a write in flight must be cut off when Close gives up", took)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.dropped != 1 {
		t.Errorf("dropped = %d, want 1", obs.dropped)
	}
}

// A vote on a very recent interaction that this process has not seen (another process may still have
// it queued) is retried until the row appears.
func TestVoteWaitsForAnotherProcess(t *testing.T) {
	st := &recordingStore{}
	writer := newDefaultBot(t, bot.Options{Store: st, HashKey: []byte("k")}) // "another process"
	voter := newDefaultBot(t, bot.Options{Store: st, HashKey: []byte("k")})
	st.mu.Lock()
	st.gate = make(chan struct{})
	st.mu.Unlock()
	r := ask(writer, "u1", "how long is radiology training")
	go func() { time.Sleep(300 * time.Millisecond); close(st.gate) }()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := voter.Feedback(ctx, bot.Feedback{Platform: "test", UserID: "u2", InteractionID: r.InteractionID, Helpful: true}); err != nil {
		t.Fatalf("vote through another process: %v", err)
	}
	closeBot(t, writer)
	closeBot(t, voter)
}

func TestInteractionIDs(t *testing.T) {
	seen := map[int64]bool{}
	var last int64
	b := newDefaultBot(t, bot.Options{Store: &recordingStore{}})
	defer closeBot(t, b)
	before := time.Now().Add(-time.Millisecond)
	for i := range 5000 {
		id := ask(b, fmt.Sprint("u", i%50), "how long is radiology training").InteractionID
		if id <= last || seen[id] {
			t.Fatalf("id %d after %d: want strictly increasing, unique ids", id, last)
		}
		seen[id] = true
		last = id
	}
	if at := bot.InteractionTime(last); at.Before(before.Truncate(time.Millisecond)) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("InteractionTime = %v, want about now", at)
	}
}

func TestUserStateCapped(t *testing.T) {
	b := newDefaultBot(t, bot.Options{MaxUsers: 100, RatePerMinute: 10})
	for i := range 1000 {
		ask(b, fmt.Sprint("u", i), "how long is radiology training")
		if convs, limiters := bot.UserState(b); convs > 100 || limiters > 100 {
			t.Fatalf("after %d users: %d conversations and %d limiters kept; the cap is 100", i+1, convs, limiters)
		}
	}
	// The most recent user's context survives eviction: a follow-up still works.
	if r := ask(b, "u999", "how long does it take"); r.Status != bot.StatusAnswered {
		t.Errorf("recent user's follow-up: %s", r.Status)
	}
}
