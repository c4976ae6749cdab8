// Package storetest is the test suite every RadBot store passes: adapters/sqlite on a file in a
// temporary directory and adapters/postgres on a real server. Each store's tests call Run with a way
// to open it; the suite is the same for both, so the two dialects cannot drift apart.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/internal/sqlstore"
	"github.com/radbot/radbot/bot"
)

// Store is what the suite needs from a store: the shared queries (promoted from sqlstore.DB), its
// readiness probe, its hash key and Close.
type Store interface {
	bot.Store
	bot.SharedState
	bot.Claims
	digestClaimer
	SaveInteraction(ctx context.Context, in *bot.Interaction) (int64, error)
	Interaction(ctx context.Context, id int64) (*bot.Interaction, error)
	Votes(ctx context.Context, interactionID int64) ([]bot.Vote, error)
	PurgeBefore(ctx context.Context, cutoff time.Time) (int64, error)
	Forget(ctx context.Context, platform bot.Platform, userHash string) (int64, error)
	Report(ctx context.Context, opt sqlstore.ReportOptions) (*sqlstore.Report, error)
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
	SaveWorkspace(ctx context.Context, teamID string, sealed []byte, at time.Time) error
	Workspace(ctx context.Context, teamID string) ([]byte, error)
	DeleteWorkspace(ctx context.Context, teamID string) (bool, error)
	Count(ctx context.Context, query string, args ...any) (int, error)
	Ping(ctx context.Context) error
	Probe(ctx context.Context) error
	HashKey(ctx context.Context) ([]byte, error)
	Close() error
}

// Opener opens stores for the suite.
type Opener struct {
	// New opens a store on a new, empty database and closes it when the test ends (a store the test
	// closed itself may be closed again).
	New func(tb testing.TB) Store
	// Again opens another handle on s's database, as a second process or replica would, and closes it
	// when the test ends.
	Again func(tb testing.TB, s Store) Store
}

// Run runs the suite.
func Run(t *testing.T, o Opener) {
	tests := []struct {
		name string
		f    func(*testing.T, Opener)
	}{
		{"SaveAndReadInteraction", testSaveAndReadInteraction},
		{"SaveInteractionsBatch", testSaveInteractionsBatch},
		{"VoteChangedAndComment", testVoteChangedAndComment},
		{"VoteOnUnknownInteraction", testVoteOnUnknownInteraction},
		{"SaveVoteCancelled", testSaveVoteCancelled},
		{"ConcurrentVotesLoseNone", testConcurrentVotesLoseNone},
		{"TwoAdaptersAtOnce", testTwoAdaptersAtOnce},
		{"TwoHandlesOnOneDatabase", testTwoHandles},
		{"TwoHandlesWriteAtOnce", testTwoHandlesWriteAtOnce},
		{"PurgeBefore", testPurgeBefore},
		{"PurgeRefusesFutureCutoff", testPurgeRefusesFutureCutoff},
		{"Forget", testForget},
		{"Ping", testPing},
		{"ProbeAndHashKey", testProbeAndHashKey},
		{"Report", testReport},
		{"ReportOptions", testReportOptions},
		{"ReportByNearestAndWeeks", testReportByNearestAndWeeks},
		{"ReportEmpty", testReportEmpty},
		{"RateLimit", testRateLimit},
		{"RateLimitAcrossHandles", testRateLimitAcrossHandles},
		{"Conversation", testConversation},
		{"Claims", testClaims},
		{"ClaimsRace", testClaimsRace},
		{"DeleteExpired", testDeleteExpired},
		{"Workspaces", testWorkspaces},
		{"DigestClaims", testDigestClaims},
		{"DigestClaimOnce", testDigestClaimOnce},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.f(t, o) })
	}
}

// count runs a COUNT query (with ? placeholders) on the store's database.
func count(tb testing.TB, s Store, query string, args ...any) int {
	tb.Helper()
	n, err := s.Count(context.Background(), query, args...)
	if err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// save stores an interaction and returns its id.
func save(tb testing.TB, s Store, in bot.Interaction) int64 {
	tb.Helper()
	if in.Status == "" {
		in.Status = bot.StatusAnswered
	}
	id, err := s.SaveInteraction(context.Background(), &in)
	if err != nil {
		tb.Fatalf("SaveInteraction: %v", err)
	}
	return id
}

// vote stores a vote.
func vote(tb testing.TB, s Store, v bot.Vote) {
	tb.Helper()
	if v.Platform == "" {
		v.Platform = "discord"
	}
	if err := s.SaveVote(context.Background(), v); err != nil {
		tb.Fatalf("SaveVote(%+v): %v", v, err)
	}
}

// Two handles on one database stand for two replicas: what one writes the other reads, a vote through
// one on an interaction written through the other lands, and a Forget through one erases what the
// other wrote.
func testTwoHandles(t *testing.T, o Opener) {
	ctx := context.Background()
	a := o.New(t)
	b := o.Again(t, a)
	id := int64(1)<<40 + 7
	if err := a.SaveInteractions(ctx, []bot.Interaction{{ID: id, Platform: "slack", UserHash: "alice", Status: bot.StatusAnswered, EntryID: "e"}}); err != nil {
		t.Fatal(err)
	}
	vote(t, b, bot.Vote{InteractionID: id, Platform: "slack", UserHash: "bob", Helpful: true, Comment: "via b"})
	if votes, err := a.Votes(ctx, id); err != nil || len(votes) != 1 || votes[0].Comment != "via b" {
		t.Errorf("votes read through a = %+v, %v", votes, err)
	}
	r, err := b.Report(ctx, sqlstore.ReportOptions{})
	if err != nil || r.Totals.Interactions != 1 || r.Totals.Votes != 1 {
		t.Errorf("report through b = %+v, %v; want 1 interaction and 1 vote", r, err)
	}
	if n, err := b.Forget(ctx, "slack", "alice"); err != nil || n != 2 {
		t.Errorf("Forget through b = %d, %v; want 2", n, err)
	}
	if _, err := a.Interaction(ctx, id); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("after Forget through b, a still reads the interaction: %v", err)
	}
}

func testProbeAndHashKey(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	if err := s.Probe(ctx); err != nil {
		t.Errorf("Probe: %v", err)
	}
	k1, err := s.HashKey(ctx)
	if err != nil || len(k1) != 32 {
		t.Fatalf("HashKey = %x, %v; want 32 bytes", k1, err)
	}
	if k, err := o.Again(t, s).HashKey(ctx); err != nil || string(k) != string(k1) {
		t.Errorf("HashKey through another handle = %x, %v; want %x (replicas must agree)", k, err, k1)
	}
	if k, err := o.New(t).HashKey(ctx); err != nil || string(k) == string(k1) {
		t.Errorf("HashKey of another database = %x, %v; want a different key", k, err)
	}
}

func key(user, k string) bot.StateKey { return bot.StateKey{Platform: "slack", UserHash: user, Key: k} }

// The rate limit is a token bucket: burst at once, then the rate; a refused question takes nothing.
func testRateLimit(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	allow := func(k bot.StateKey, at time.Time) bool {
		t.Helper()
		ok, err := s.Allow(ctx, k, at, 1, 3) // 1 a second, burst 3
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	var got []bool
	for range 5 {
		got = append(got, allow(key("u1", "k1"), now))
	}
	if want := []bool{true, true, true, false, false}; !reflect.DeepEqual(got, want) {
		t.Errorf("five at once = %v, want %v", got, want)
	}
	if !allow(key("u2", "k2"), now) {
		t.Error("another user was refused")
	}
	if allow(key("u1", "k1"), now.Add(500*time.Millisecond)) {
		t.Error("allowed after half a token")
	}
	if !allow(key("u1", "k1"), now.Add(1100*time.Millisecond)) {
		t.Error("refused after a token came back (refusals must not have taken tokens)")
	}
	if allow(key("u1", "k1"), now.Add(1200*time.Millisecond)) {
		t.Error("allowed twice on one token")
	}
	// A long pause fills the bucket to the burst, not beyond.
	got = got[:0]
	for range 4 {
		got = append(got, allow(key("u1", "k1"), now.Add(time.Hour)))
	}
	if want := []bool{true, true, true, false}; !reflect.DeepEqual(got, want) {
		t.Errorf("after an hour = %v, want %v", got, want)
	}
	// A replica whose clock is behind neither refills nor breaks the bucket.
	if allow(key("u1", "k1"), now.Add(time.Hour-time.Minute)) {
		t.Error("a clock behind refilled the bucket")
	}
	if _, err := s.Allow(ctx, key("u1", "k1"), now, 0, 3); err == nil {
		t.Error("a zero rate was accepted")
	}
}

// Replicas share one bucket per user: 20 questions at once through two handles get exactly the burst.
func testRateLimitAcrossHandles(t *testing.T, o Opener) {
	ctx := context.Background()
	a := o.New(t)
	b := o.Again(t, a)
	now := time.Now()
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for i := range 20 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			ok, err := s.Allow(ctx, key("u", "shared"), now, 0.001, 5)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if allowed != 5 {
		t.Errorf("allowed %d of 20 through two handles, want the burst of 5", allowed)
	}
}

func testConversation(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	b := o.Again(t, s)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	k := key("alice", "conv1")
	if got, err := s.Conversation(ctx, k, now); err != nil || got != nil {
		t.Fatalf("Conversation before any = %q, %v; want nil", got, err)
	}
	if err := s.SaveConversation(ctx, k, []byte(`{"last":"a"}`), now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveConversation(ctx, k, []byte(`{"last":"b"}`), now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Conversation(ctx, k, now.Add(59*time.Second)); err != nil || string(got) != `{"last":"b"}` {
		t.Errorf("Conversation through another handle = %q, %v; want the last saved", got, err)
	}
	if got, err := s.Conversation(ctx, k, now.Add(time.Minute)); err != nil || got != nil {
		t.Errorf("Conversation once expired = %q, %v; want nil", got, err)
	}
	if err := s.SaveConversation(ctx, k, nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM conversations`); n != 0 {
		t.Errorf("%d conversations after deleting, want 0", n)
	}
	// Forget erases a person's shared state too.
	if err := s.SaveConversation(ctx, key("alice", "c2"), []byte("{}"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveConversation(ctx, key("bob", "c3"), []byte("{}"), now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Allow(ctx, key("alice", "r1"), now, 1, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Forget(ctx, "slack", "alice"); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM conversations WHERE user_hash = ?`, "alice") +
		count(t, s, `SELECT COUNT(*) FROM rate_limits WHERE user_hash = ?`, "alice"); n != 0 {
		t.Errorf("%d rows of alice's shared state after Forget, want 0", n)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM conversations`); n != 1 {
		t.Errorf("%d conversations left, want bob's", n)
	}
}

func testClaims(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	b := o.Again(t, s)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	lease, keep := 10*time.Second, time.Hour
	claim := func(s Store, k, owner string, at time.Time) bot.Claim {
		t.Helper()
		c, err := s.Claim(ctx, k, owner, at, lease, keep)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := claim(s, "ev1", "r1", now); !c.Taken {
		t.Fatalf("first claim = %+v, want taken", c)
	}
	if c := claim(b, "ev1", "r2", now.Add(time.Second)); c.Taken || c.Done || !c.LeaseUntil.Equal(now.Add(lease)) {
		t.Errorf("claim while r1 holds it = %+v, want busy until %v", c, now.Add(lease))
	}
	if err := s.Finish(ctx, "ev1", "r1"); err != nil {
		t.Fatal(err)
	}
	if c := claim(b, "ev1", "r2", now.Add(time.Minute)); c.Taken || !c.Done {
		t.Errorf("claim once done = %+v, want done", c)
	}
	// A holder that died: its lease runs out and another replica takes the event over; the dead one
	// can no longer finish it.
	claim(s, "ev2", "r1", now)
	if c := claim(b, "ev2", "r2", now.Add(lease)); !c.Taken {
		t.Errorf("claim after the lease ran out = %+v, want taken over", c)
	}
	if err := s.Finish(ctx, "ev2", "r1"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("Finish by the old holder = %v, want bot.ErrNotFound", err)
	}
	if err := b.Finish(ctx, "ev2", "r2"); err != nil {
		t.Errorf("Finish by the new holder: %v", err)
	}
	// Released unfinished (shutting down): the next delivery takes it at once.
	claim(s, "ev3", "r1", now)
	if err := s.Release(ctx, "ev3", "r1"); err != nil {
		t.Fatal(err)
	}
	if c := claim(b, "ev3", "r2", now.Add(time.Millisecond)); !c.Taken {
		t.Errorf("claim after release = %+v, want taken", c)
	}
}

// Many replicas claiming one event at once: exactly one takes it.
func testClaimsRace(t *testing.T, o Opener) {
	ctx := context.Background()
	a := o.New(t)
	b := o.Again(t, a)
	now := time.Now()
	for ev := range 20 {
		var mu sync.Mutex
		taken := 0
		var wg sync.WaitGroup
		for r := range 6 {
			s := a
			if r%2 == 1 {
				s = b
			}
			wg.Go(func() {
				c, err := s.Claim(ctx, fmt.Sprint("race", ev), fmt.Sprint("r", r), now, time.Minute, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if c.Taken {
					mu.Lock()
					taken++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if taken != 1 {
			t.Errorf("event %d taken %d times, want once", ev, taken)
		}
	}
}

func testDeleteExpired(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	if _, err := s.Claim(ctx, "old", "r", now.Add(-2*time.Hour), time.Second, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, "new", "r", now, time.Second, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveConversation(ctx, key("u", "c-old"), []byte("{}"), now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Allow(ctx, key("u", "r-old"), now.Add(-time.Hour), 1, 5); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpired(ctx, now)
	if err != nil || n != 3 {
		t.Errorf("DeleteExpired = %d, %v; want 3", n, err)
	}
	if c, err := s.Claim(ctx, "new", "r2", now, time.Second, time.Hour); err != nil || c.Taken {
		t.Errorf("a live claim was deleted: %+v, %v", c, err)
	}
}

func testWorkspaces(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	b := o.Again(t, s)
	if _, err := s.Workspace(ctx, "T1"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("Workspace before install = %v, want bot.ErrNotFound", err)
	}
	sealed := []byte{0, 1, 2, 255, 'x'}
	if err := s.SaveWorkspace(ctx, "T1", sealed, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveWorkspace(ctx, "T2", []byte("other"), time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, err := b.Workspace(ctx, "T1"); err != nil || string(got) != string(sealed) {
		t.Errorf("Workspace through another handle = %v, %v; want %v", got, err, sealed)
	}
	if err := s.SaveWorkspace(ctx, "T1", []byte("reinstalled"), time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Workspace(ctx, "T1"); string(got) != "reinstalled" {
		t.Errorf("after a reinstall Workspace = %q", got)
	}
	if ok, err := b.DeleteWorkspace(ctx, "T1"); err != nil || !ok {
		t.Errorf("DeleteWorkspace = %v, %v", ok, err)
	}
	if _, err := s.Workspace(ctx, "T1"); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("Workspace after uninstall = %v, want bot.ErrNotFound", err)
	}
	if ok, err := b.DeleteWorkspace(ctx, "T1"); err != nil || ok {
		t.Errorf("second DeleteWorkspace = %v, %v; want false", ok, err)
	}
	if _, err := s.Workspace(ctx, "T2"); err != nil {
		t.Errorf("the other workspace went too: %v", err)
	}
}

func testSaveAndReadInteraction(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	in := bot.Interaction{
		Time:             time.Date(2025, 3, 4, 5, 6, 7, 891_234_567, time.FixedZone("BST", 3600)),
		Platform:         "discord",
		ConversationHash: "c0ffee",
		UserHash:         "beef",
		Question:         "How long is radiology training?",
		Status:           bot.StatusAnswered,
		EntryID:          "training-length",
		NearestID:        "training-length",
		Score:            0.8125,
		KnowledgeVersion: "v1abc",
	}
	id, err := s.SaveInteraction(ctx, &in)
	if err != nil {
		t.Fatal(err)
	}
	if id <= 0 || in.ID != 0 {
		t.Fatalf("SaveInteraction returned id %d and set in.ID to %d; want a positive id, in unchanged", id, in.ID)
	}
	got, err := s.Interaction(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.ID = id
	want.Time = time.Date(2025, 3, 4, 4, 6, 7, 891_000_000, time.UTC) // kept to the millisecond, in UTC
	if *got != want {
		t.Errorf("Interaction(%d) =\n%+v\nwant\n%+v", id, *got, want)
	}

	id2 := save(t, s, bot.Interaction{Platform: "slack", Status: bot.StatusFallback})
	if id2 == id {
		t.Errorf("second interaction got the same id %d", id)
	}
	if got, err := s.Interaction(ctx, id2); err != nil || time.Since(got.Time) > time.Minute {
		t.Errorf("interaction saved with zero time: %+v, %v; want its time to be now", got, err)
	}
	if _, err := s.Interaction(ctx, 999); !errors.Is(err, bot.ErrNotFound) {
		t.Errorf("Interaction(999) error = %v, want bot.ErrNotFound", err)
	}
	if _, err := s.SaveInteraction(ctx, &bot.Interaction{Status: bot.StatusAnswered}); err == nil {
		t.Error("SaveInteraction without a platform succeeded")
	}
}

func testVoteChangedAndComment(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	id := save(t, s, bot.Interaction{Platform: "discord", EntryID: "frcr-exams"})
	at := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

	steps := []struct {
		name    string
		helpful bool
		comment string
		want    bot.Vote
	}{
		{"first vote with a comment", true, "clear", bot.Vote{Helpful: true, Comment: "clear"}},
		{"changed vote keeps the comment", false, "", bot.Vote{Helpful: false, Comment: "clear"}},
		{"new comment replaces it", true, "out of date", bot.Vote{Helpful: true, Comment: "out of date"}},
		{"same vote again", true, "", bot.Vote{Helpful: true, Comment: "out of date"}},
	}
	for i, st := range steps {
		at := at.Add(time.Duration(i) * time.Minute)
		vote(t, s, bot.Vote{InteractionID: id, UserHash: "alice", Helpful: st.helpful, Comment: st.comment, Time: at})
		votes, err := s.Votes(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		want := st.want
		want.InteractionID, want.Platform, want.UserHash, want.Time = id, "discord", "alice", at
		if len(votes) != 1 || votes[0] != want {
			t.Errorf("%s: votes = %+v, want [%+v]", st.name, votes, want)
		}
	}

	vote(t, s, bot.Vote{InteractionID: id, UserHash: "bob", Helpful: false, Time: at.Add(time.Hour)})
	if n := count(t, s, `SELECT COUNT(*) FROM votes WHERE interaction_id = ?`, id); n != 2 {
		t.Errorf("rows after two users voted = %d, want 2", n)
	}
}

func testVoteOnUnknownInteraction(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	save(t, s, bot.Interaction{Platform: "discord"})
	for _, id := range []int64{0, -1, 424242} {
		err := s.SaveVote(ctx, bot.Vote{InteractionID: id, Platform: "discord", UserHash: "alice", Helpful: true})
		if !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("SaveVote on interaction %d: error = %v, want bot.ErrNotFound", id, err)
		}
	}
	if n := count(t, s, `SELECT COUNT(*) FROM votes`); n != 0 {
		t.Errorf("votes stored = %d, want 0", n)
	}
}

func testSaveVoteCancelled(t *testing.T, o Opener) {
	s := o.New(t)
	id := save(t, s, bot.Interaction{Platform: "discord"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.SaveVote(ctx, bot.Vote{InteractionID: id, UserHash: "alice"}); !errors.Is(err, context.Canceled) {
		t.Errorf("SaveVote with a cancelled context: error = %v, want context.Canceled", err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM votes`); n != 0 {
		t.Errorf("votes stored = %d, want 0", n)
	}
}

func testConcurrentVotesLoseNone(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	var ids []int64
	for range 5 {
		ids = append(ids, save(t, s, bot.Interaction{Platform: "discord", EntryID: "e"}))
	}

	const distinct, repeaters, repeats = 500, 50, 10 // 1,000 votes in all
	errs := make(chan error, distinct+repeaters*repeats)
	var wg sync.WaitGroup
	for i := range distinct {
		wg.Go(func() {
			errs <- s.SaveVote(ctx, bot.Vote{InteractionID: ids[i%len(ids)], Platform: "discord",
				UserHash: fmt.Sprintf("user%03d", i), Helpful: i%2 == 0})
		})
	}
	for u := range repeaters {
		for r := range repeats {
			wg.Go(func() {
				errs <- s.SaveVote(ctx, bot.Vote{InteractionID: ids[u%len(ids)], Platform: "slack",
					UserHash: fmt.Sprintf("again%02d", u), Helpful: r%2 == 0, Comment: fmt.Sprintf("c%d", r)})
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("SaveVote: %v", err)
		}
	}

	if n := count(t, s, `SELECT COUNT(*) FROM votes`); n != distinct+repeaters {
		t.Errorf("vote rows = %d, want %d (one per user per interaction)", n, distinct+repeaters)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM votes WHERE user_hash LIKE 'again%' AND comment LIKE 'c_'`); n != repeaters {
		t.Errorf("repeat voters with one of their comments = %d, want %d", n, repeaters)
	}
	for _, id := range ids {
		want := distinct/len(ids) + repeaters/len(ids)
		if n := count(t, s, `SELECT COUNT(*) FROM votes WHERE interaction_id = ?`, id); n != want {
			t.Errorf("votes on interaction %d = %d, want %d", id, n, want)
		}
	}
}

// runAdapter plays one chat adapter: rounds of a question, a vote by the asker and one by a bystander.
func runAdapter(ctx context.Context, s Store, platform bot.Platform, rounds int) error {
	for i := range rounds {
		id, err := s.SaveInteraction(ctx, &bot.Interaction{Platform: platform, UserHash: fmt.Sprintf("u%d", i),
			Question: "q", Status: bot.StatusAnswered, EntryID: "e"})
		if err != nil {
			return err
		}
		for _, user := range []string{fmt.Sprintf("u%d", i), "bystander"} {
			if err := s.SaveVote(ctx, bot.Vote{InteractionID: id, Platform: platform, UserHash: user, Helpful: true}); err != nil {
				return err
			}
		}
	}
	return nil
}

// testTwoHandlesWriteAtOnce: two handles on one database stand for two processes (the bot, and
// `radbot forget` beside it, or two replicas): their writes contend and must wait for each other, not
// fail.
func testTwoHandlesWriteAtOnce(t *testing.T, o Opener) {
	ctx := context.Background()
	a := o.New(t)
	b := o.Again(t, a)
	const rounds = 100
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Go(func() { errs <- runAdapter(ctx, a, "discord", rounds) })
	wg.Go(func() { errs <- runAdapter(ctx, b, "slack", rounds) })
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := count(t, a, `SELECT COUNT(*) FROM interactions`); n != 2*rounds {
		t.Errorf("interactions = %d, want %d", n, 2*rounds)
	}
	if n := count(t, a, `SELECT COUNT(*) FROM votes`); n != 4*rounds {
		t.Errorf("votes = %d, want %d", n, 4*rounds)
	}
}

func testTwoAdaptersAtOnce(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	const rounds = 150
	errs := make(chan error, 3)
	var wg sync.WaitGroup
	for _, p := range []bot.Platform{"discord", "slack"} {
		wg.Go(func() { errs <- runAdapter(ctx, s, p, rounds) })
	}
	// A maintainer reads the report meanwhile; WAL lets it run beside the writers.
	wg.Go(func() {
		for range 20 {
			if _, err := s.Report(ctx, sqlstore.ReportOptions{}); err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for _, p := range []string{"discord", "slack"} {
		if n := count(t, s, `SELECT COUNT(*) FROM interactions WHERE platform = ?`, p); n != rounds {
			t.Errorf("%s interactions = %d, want %d", p, n, rounds)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM votes WHERE platform = ?`, p); n != 2*rounds {
			t.Errorf("%s votes = %d, want %d", p, n, 2*rounds)
		}
	}
}

func testPurgeBefore(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	now := time.Now()
	day := 24 * time.Hour
	old := save(t, s, bot.Interaction{Platform: "discord", Time: now.Add(-40 * day)})
	older := save(t, s, bot.Interaction{Platform: "slack", Time: now.Add(-400 * day)})
	recent := save(t, s, bot.Interaction{Platform: "discord", Time: now.Add(-10 * day)})
	vote(t, s, bot.Vote{InteractionID: old, UserHash: "alice", Helpful: true})
	vote(t, s, bot.Vote{InteractionID: old, UserHash: "bob", Helpful: false})
	vote(t, s, bot.Vote{InteractionID: recent, UserHash: "alice", Helpful: true})

	n, err := s.PurgeBefore(ctx, now.Add(-30*day))
	if err != nil || n != 2 {
		t.Fatalf("PurgeBefore = %d, %v; want 2 interactions", n, err)
	}
	for _, id := range []int64{old, older} {
		if _, err := s.Interaction(ctx, id); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("purged interaction %d: error = %v, want bot.ErrNotFound", id, err)
		}
	}
	if _, err := s.Interaction(ctx, recent); err != nil {
		t.Errorf("recent interaction: %v", err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM votes`); n != 1 {
		t.Errorf("votes left = %d, want 1 (on the recent interaction)", n)
	}
	if n, err := s.PurgeBefore(ctx, now.Add(-30*day)); err != nil || n != 0 {
		t.Errorf("second PurgeBefore = %d, %v; want 0", n, err)
	}
}

func testForget(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	a1 := save(t, s, bot.Interaction{Platform: "discord", UserHash: "alice"})
	a2 := save(t, s, bot.Interaction{Platform: "discord", UserHash: "alice"})
	b1 := save(t, s, bot.Interaction{Platform: "discord", UserHash: "bob"})
	c1 := save(t, s, bot.Interaction{Platform: "slack", UserHash: "carol"})
	vote(t, s, bot.Vote{InteractionID: a1, UserHash: "alice"})
	vote(t, s, bot.Vote{InteractionID: a1, UserHash: "bob"})
	vote(t, s, bot.Vote{InteractionID: a2, UserHash: "carol", Platform: "slack"})
	vote(t, s, bot.Vote{InteractionID: b1, UserHash: "alice"})
	vote(t, s, bot.Vote{InteractionID: b1, UserHash: "bob"})
	vote(t, s, bot.Vote{InteractionID: c1, UserHash: "alice"})

	n, err := s.Forget(ctx, "discord", "alice")
	if err != nil || n != 7 {
		t.Fatalf("Forget = %d, %v; want 7 (2 interactions, 3 votes on them, 2 of alice's votes elsewhere)", n, err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM interactions WHERE user_hash = 'alice'`) +
		count(t, s, `SELECT COUNT(*) FROM votes WHERE user_hash = 'alice'`); n != 0 {
		t.Errorf("rows of alice left = %d, want 0", n)
	}
	for _, id := range []int64{b1, c1} {
		if _, err := s.Interaction(ctx, id); err != nil {
			t.Errorf("other people's interaction %d: %v", id, err)
		}
	}
	if votes, err := s.Votes(ctx, b1); err != nil || len(votes) != 1 || votes[0].UserHash != "bob" {
		t.Errorf("votes on bob's interaction = %+v, %v; want only bob's", votes, err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM votes`); n != 1 {
		t.Errorf("votes left = %d, want 1", n)
	}
	if n, err := s.Forget(ctx, "discord", "alice"); err != nil || n != 0 {
		t.Errorf("second Forget = %d, %v; want 0", n, err)
	}
}

func testPing(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping after Close succeeded")
	}
}

// seedReport fills a store with a month of answers, votes and unanswered questions, plus older rows
// that a 30-day report must leave out. It returns the store and the start of the 30 days.
func seedReport(t *testing.T, o Opener) (Store, time.Time) {
	t.Helper()
	s := o.New(t)
	now := time.Now().UTC()
	since := now.Add(-30 * 24 * time.Hour)
	at := now.Add(-time.Hour)
	tick := func() time.Time { at = at.Add(time.Second); return at }

	answered := func(platform bot.Platform, entry string) int64 {
		return save(t, s, bot.Interaction{Time: tick(), Platform: platform, Question: "q", Status: bot.StatusAnswered,
			EntryID: entry, NearestID: entry})
	}
	asked := func(platform bot.Platform, question string, status bot.Status, nearest string) int64 {
		return save(t, s, bot.Interaction{Time: tick(), Platform: platform, Question: question, Status: status,
			NearestID: nearest})
	}
	voted := func(id int64, user string, helpful bool, comment string) {
		vote(t, s, bot.Vote{InteractionID: id, UserHash: user, Helpful: helpful, Comment: comment, Time: tick()})
	}

	// training-length: 4 answers; 1 helpful, 3 not (share 0.25), two comments.
	t1, t2, t3, t4 := answered("discord", "training-length"), answered("discord", "training-length"),
		answered("discord", "training-length"), answered("discord", "training-length")
	voted(t1, "u1", false, "too vague")
	voted(t2, "u2", false, "")
	voted(t3, "u3", false, "needs numbers")
	voted(t4, "u4", false, "")
	voted(t4, "u4", true, "") // changed their mind: counts once, as helpful

	// frcr-exams: 3 answers; 2 helpful, 2 not (share 0.5).
	f1, f2, f3 := answered("discord", "frcr-exams"), answered("discord", "frcr-exams"), answered("discord", "frcr-exams")
	voted(f1, "u1", true, "")
	voted(f1, "u2", false, "")
	voted(f2, "u3", true, "")
	voted(f3, "u4", false, "")

	// ir-pathway: 2 answers; 1 helpful, 1 not (share 0.5, but fewer not-helpful than frcr-exams).
	i1, i2 := answered("discord", "ir-pathway"), answered("discord", "ir-pathway")
	voted(i1, "u1", true, "")
	voted(i2, "u2", false, "")

	// salary: 5 answers, no votes; less-than-full-time: 1 answer, no votes.
	for range 5 {
		answered("slack", "salary")
	}
	answered("discord", "less-than-full-time")

	// Unanswered questions. Two wordings normalise to the same text.
	const ir = "How do I become an interventional radiologist?"
	asked("slack", ir, bot.StatusFallback, "ir-pathway")
	fb := asked("slack", ir, bot.StatusFallback, "ir-pathway")
	asked("slack", "  how do I become an   interventional RADIOLOGIST? ", bot.StatusFallback, "frcr-exams")
	asked("slack", "Parking at the hospital?", bot.StatusFallback, "")
	asked("discord", "exams", bot.StatusClarify, "frcr-exams")
	asked("discord", "exams", bot.StatusClarify, "frcr-exams")
	for range 3 {
		asked("discord", "[withheld: personal medical question]", bot.StatusRefused, "")
	}
	voted(fb, "u9", false, "") // a vote on a fallback reply counts in the totals only

	// Older than 30 days: left out of a 30-day report.
	at = now.Add(-60 * 24 * time.Hour)
	old := answered("discord", "training-length")
	for _, u := range []string{"o1", "o2", "o3"} {
		voted(old, u, true, "old comment")
	}
	for range 5 {
		asked("slack", "ancient question", bot.StatusFallback, "salary")
	}
	return s, since
}

func testReport(t *testing.T, o Opener) {
	ctx := context.Background()
	s, since := seedReport(t, o)
	r, err := s.Report(ctx, sqlstore.ReportOptions{Since: since})
	if err != nil {
		t.Fatal(err)
	}

	share := func(f float64) *float64 { return &f }
	wantEntries := []sqlstore.EntryReport{
		{ID: "training-length", Given: 4, Helpful: 1, NotHelpful: 3, HelpfulShare: share(0.25),
			Comments: []string{"too vague", "needs numbers"}},
		{ID: "frcr-exams", Given: 3, Helpful: 2, NotHelpful: 2, HelpfulShare: share(0.5)},
		{ID: "ir-pathway", Given: 2, Helpful: 1, NotHelpful: 1, HelpfulShare: share(0.5)},
		{ID: "salary", Given: 5},
		{ID: "less-than-full-time", Given: 1},
	}
	if !reflect.DeepEqual(r.Entries, wantEntries) {
		t.Errorf("Entries:\n got %s\nwant %s", jsonOf(t, r.Entries), jsonOf(t, wantEntries))
	}

	wantUnanswered := []sqlstore.QuestionGroup{
		{Text: "How do I become an interventional radiologist?", Count: 3, Status: bot.StatusFallback, NearestID: "ir-pathway"},
		{Text: "exams", Count: 2, Status: bot.StatusClarify, NearestID: "frcr-exams"},
		{Text: "Parking at the hospital?", Count: 1, Status: bot.StatusFallback},
	}
	if !reflect.DeepEqual(r.Unanswered, wantUnanswered) {
		t.Errorf("Unanswered:\n got %+v\nwant %+v", r.Unanswered, wantUnanswered)
	}

	wantTotals := sqlstore.Totals{
		Interactions: 24,
		Votes:        11,
		ByPlatform:   map[string]int64{"discord": 15, "slack": 9},
		ByStatus: map[bot.Status]int64{bot.StatusAnswered: 15, bot.StatusFallback: 4, bot.StatusClarify: 2,
			bot.StatusRefused: 3},
	}
	if !reflect.DeepEqual(r.Totals, wantTotals) {
		t.Errorf("Totals:\n got %+v\nwant %+v", r.Totals, wantTotals)
	}

	js := jsonOf(t, r)
	for _, want := range []string{
		`{"id":"salary","given":5,"helpful":0,"not_helpful":0,"helpful_share":null}`,
		`"helpful_share":0.25,"comments":["too vague","needs numbers"]`,
		`"by_status":{"answered":15,"clarify":2,"fallback":4,"refused":3}`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("report JSON lacks %s:\n%s", want, js)
		}
	}
}

func testReportOptions(t *testing.T, o Opener) {
	ctx := context.Background()
	s, since := seedReport(t, o)

	r, err := s.Report(ctx, sqlstore.ReportOptions{Since: since, TopQuestions: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Unanswered) != 2 || r.Unanswered[0].Count != 3 || r.Unanswered[1].Text != "exams" {
		t.Errorf("TopQuestions 2: Unanswered = %+v, want the two most asked groups", r.Unanswered)
	}

	// A custom Normalize that lumps everything together: one group of all six questions.
	r, err = s.Report(ctx, sqlstore.ReportOptions{Since: since, Normalize: func(string) string { return "all" }})
	if err != nil {
		t.Fatal(err)
	}
	want := []sqlstore.QuestionGroup{{Text: "How do I become an interventional radiologist?", Count: 6,
		Status: bot.StatusFallback, NearestID: "frcr-exams"}}
	if !reflect.DeepEqual(r.Unanswered, want) {
		t.Errorf("custom Normalize: Unanswered = %+v, want %+v", r.Unanswered, want)
	}

	// No Since: the old rows count too, which reorders the entries.
	r, err = s.Report(ctx, sqlstore.ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range r.Entries {
		ids = append(ids, e.ID)
	}
	wantIDs := []string{"frcr-exams", "ir-pathway", "training-length", "salary", "less-than-full-time"}
	if !reflect.DeepEqual(ids, wantIDs) {
		t.Errorf("all-time entry order = %q, want %q", ids, wantIDs)
	}
	if e := r.Entries[2]; e.Given != 5 || e.Helpful != 4 || e.NotHelpful != 3 || len(e.Comments) != 5 {
		t.Errorf("all-time training-length = %+v, want given 5, 4 helpful, 3 not, 5 comments", e)
	}
	if g := r.Unanswered[0]; g.Text != "ancient question" || g.Count != 5 || g.NearestID != "salary" {
		t.Errorf("all-time top unanswered = %+v, want the old question asked 5 times", g)
	}
	if r.Totals.Interactions != 30 || r.Totals.Votes != 14 {
		t.Errorf("all-time totals = %+v, want 30 interactions and 14 votes", r.Totals)
	}
}

// TestReportByNearestAndWeeks covers what the HTML report charts: unanswered questions gathered under
// their nearest entry, and questions per week by status, with empty weeks kept as zeros.
func testReportByNearestAndWeeks(t *testing.T, o Opener) {
	ctx := context.Background()
	s, since := seedReport(t, o)
	r, err := s.Report(ctx, sqlstore.ReportOptions{Since: since, TopQuestions: 1})
	if err != nil {
		t.Fatal(err)
	}
	// ir-pathway: the IR question (3); frcr-exams: "exams" (2); none: parking (1). TopQuestions cuts
	// Unanswered, not the groups.
	want := []sqlstore.NearestGroup{
		{NearestID: "ir-pathway", Count: 3, Questions: []sqlstore.QuestionGroup{r.Unanswered[0]}},
		{NearestID: "frcr-exams", Count: 2, Questions: []sqlstore.QuestionGroup{{Text: "exams", Count: 2, Status: bot.StatusClarify, NearestID: "frcr-exams"}}},
		{NearestID: "", Count: 1, Questions: []sqlstore.QuestionGroup{{Text: "Parking at the hospital?", Count: 1, Status: bot.StatusFallback}}},
	}
	if !reflect.DeepEqual(r.ByNearest, want) {
		t.Errorf("ByNearest:\n got %s\nwant %s", jsonOf(t, r.ByNearest), jsonOf(t, want))
	}

	// Weeks, on a store of its own: two questions three weeks ago, one refusal this week.
	s2 := o.New(t)
	now := time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC) // a Thursday
	for _, in := range []bot.Interaction{
		{Time: now.AddDate(0, 0, -21), Status: bot.StatusAnswered, EntryID: "x"},
		{Time: now.AddDate(0, 0, -20), Status: bot.StatusFallback},
		{Time: now.Add(-time.Hour), Status: bot.StatusRefused},
	} {
		in.Platform, in.Question = "discord", "q"
		save(t, s2, in)
	}
	r, err = s2.Report(ctx, sqlstore.ReportOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	monday := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	wantWeeks := []sqlstore.WeekCount{
		{Start: monday.AddDate(0, 0, -21), ByStatus: map[bot.Status]int64{bot.StatusAnswered: 1, bot.StatusFallback: 1}},
		{Start: monday.AddDate(0, 0, -14), ByStatus: map[bot.Status]int64{}},
		{Start: monday.AddDate(0, 0, -7), ByStatus: map[bot.Status]int64{}},
		{Start: monday, ByStatus: map[bot.Status]int64{bot.StatusRefused: 1}},
	}
	if !reflect.DeepEqual(r.Weeks, wantWeeks) {
		t.Errorf("Weeks:\n got %s\nwant %s", jsonOf(t, r.Weeks), jsonOf(t, wantWeeks))
	}
}

func testReportEmpty(t *testing.T, o Opener) {
	s := o.New(t)
	r, err := s.Report(context.Background(), sqlstore.ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"entries":[],"unanswered":[],"by_nearest":[],"weeks":[],"totals":{"interactions":0,"votes":0,"by_platform":{},"by_status":{}}}`
	if got := jsonOf(t, r); got != want {
		t.Errorf("empty report JSON = %s, want %s", got, want)
	}
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testPurgeRefusesFutureCutoff(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	save(t, s, bot.Interaction{Platform: "discord", Time: time.Now().Add(-time.Hour)})
	save(t, s, bot.Interaction{Platform: "discord", Time: time.Now().Add(-400 * 24 * time.Hour)})
	// What an overflowed retention period gives: a cutoff far in the future.
	days := 200000
	overflowed := time.Now().Add(-time.Duration(days) * 24 * time.Hour)
	if !overflowed.After(time.Now()) {
		t.Fatalf("the overflow no longer happens: %v", overflowed)
	}
	if n, err := s.PurgeBefore(ctx, overflowed); !errors.Is(err, sqlstore.ErrFutureCutoff) || n != 0 {
		t.Errorf("PurgeBefore(future) = %d, %v; want ErrFutureCutoff", n, err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM interactions`); n != 2 {
		t.Errorf("%d interactions left, want 2", n)
	}
	if n, err := s.PurgeBefore(ctx, time.Now().AddDate(0, 0, -365)); err != nil || n != 1 {
		t.Errorf("PurgeBefore(a year ago) = %d, %v; want 1", n, err)
	}
}

// SaveInteractions keeps the bot's ids, writes a batch all or nothing, and leaves an id that is
// already stored alone (a retried batch).
func testSaveInteractionsBatch(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	base := int64(1) << 40
	batch := []bot.Interaction{
		{ID: base + 1, Platform: "discord", Status: bot.StatusAnswered, Question: "a"},
		{ID: base + 2, Platform: "slack", Status: bot.StatusFallback, Question: "b"},
	}
	if err := s.SaveInteractions(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Interaction(ctx, base+2); err != nil || got.Question != "b" || got.Platform != "slack" {
		t.Errorf("Interaction(%d) = %+v, %v", base+2, got, err)
	}
	batch[0].Question = "changed"
	if err := s.SaveInteractions(ctx, batch); err != nil {
		t.Fatalf("retrying a stored batch: %v", err)
	}
	if got, _ := s.Interaction(ctx, base+1); got.Question != "a" {
		t.Errorf("a retried id replaced the stored row: %q", got.Question)
	}
	bad := []bot.Interaction{{ID: base + 3, Platform: "discord", Status: bot.StatusAnswered}, {ID: base + 4}}
	if err := s.SaveInteractions(ctx, bad); err == nil {
		t.Error("a batch with an invalid interaction was accepted")
	}
	if n := count(t, s, `SELECT COUNT(*) FROM interactions`); n != 2 {
		t.Errorf("%d rows, want 2: a failed batch must store nothing", n)
	}
}
