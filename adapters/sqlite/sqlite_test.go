package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
)

// dbPath returns a fresh database file name in a temporary directory.
func dbPath(tb testing.TB) string { return filepath.Join(tb.TempDir(), "radbot.db") }

// openStore opens the store at path and closes it when the test ends.
func openStore(tb testing.TB, path string) *sqlite.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), path, slog.New(slog.NewTextHandler(tb.Output(), nil)))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return s
}

// newStore opens a store on a new file.
func newStore(tb testing.TB) (*sqlite.Store, string) {
	tb.Helper()
	path := dbPath(tb)
	return openStore(tb, path), path
}

// rawDB opens the file directly, to look at the rows the store wrote.
func rawDB(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", path+"?_busy_timeout=5000")
	if err != nil {
		tb.Fatalf("open raw db: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// count runs a COUNT query on the file at path.
func count(tb testing.TB, path, query string, args ...any) int {
	tb.Helper()
	var n int
	if err := rawDB(tb, path).QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// save stores an interaction and returns its id.
func save(tb testing.TB, s *sqlite.Store, in bot.Interaction) int64 {
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
func vote(tb testing.TB, s *sqlite.Store, v bot.Vote) {
	tb.Helper()
	if v.Platform == "" {
		v.Platform = "discord"
	}
	if err := s.SaveVote(context.Background(), v); err != nil {
		tb.Fatalf("SaveVote(%+v): %v", v, err)
	}
}

// appliedMigrations lists the schema_migrations rows.
func appliedMigrations(t *testing.T, path string) []string {
	t.Helper()
	rows, err := rawDB(t, path).Query(`SELECT version, name, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatalf("read schema_migrations: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v, at int64
		var name string
		if err := rows.Scan(&v, &name, &at); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%d %s %d", v, name, at))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMigrationsAppliedOnceAndWAL(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := save(t, s, bot.Interaction{Platform: "discord", Question: "q"})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	first := appliedMigrations(t, path)
	if len(first) != 3 || !strings.HasPrefix(first[0], "1 0001_init ") || !strings.HasPrefix(first[1], "2 0002_meta ") || !strings.HasPrefix(first[2], "3 0003_reason ") {
		t.Fatalf("schema_migrations = %q, want versions 1 to 3", first)
	}

	time.Sleep(5 * time.Millisecond) // a re-run would record a later applied_at
	s = openStore(t, path)
	if again := appliedMigrations(t, path); !reflect.DeepEqual(again, first) {
		t.Errorf("after reopen schema_migrations = %q, want unchanged %q", again, first)
	}
	if _, err := s.Interaction(ctx, id); err != nil {
		t.Errorf("interaction saved before reopen: %v", err)
	}
	var mode string
	if err := rawDB(t, path).QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q (%v), want wal", mode, err)
	}
}

func TestMigratesForwardFromVersion1(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	old, err := sqlite.OpenAtVersion(ctx, path, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.HashKey(ctx); err == nil {
		t.Error("HashKey worked at version 1; the meta table should come with version 2")
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	if got := appliedMigrations(t, path); len(got) != 1 {
		t.Fatalf("at version 1 schema_migrations = %q", got)
	}
	// A row as version 1 wrote it, without the columns later versions add.
	const id = 12345
	if _, err := rawDB(t, path).Exec(`INSERT INTO interactions (id, at, platform, conversation_hash, user_hash, question, status, entry_id, nearest_id, score, knowledge_version)
		VALUES (?, 1, 'slack', 'c', 'u', 'kept across the upgrade', 'fallback', '', '', 0, 'v')`, id); err != nil {
		t.Fatal(err)
	}

	s := openStore(t, path)
	if got := appliedMigrations(t, path); len(got) != 3 || !strings.HasPrefix(got[1], "2 0002_meta ") || !strings.HasPrefix(got[2], "3 0003_reason ") {
		t.Fatalf("after upgrade schema_migrations = %q, want versions 1 to 3", got)
	}
	in, err := s.Interaction(ctx, id)
	if err != nil || in.Question != "kept across the upgrade" || in.Reason != "" {
		t.Errorf("Interaction(%d) = %+v, %v; want the row saved at version 1", id, in, err)
	}
	if _, err := s.HashKey(ctx); err != nil {
		t.Errorf("HashKey after upgrade: %v", err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	path := dbPath(t)
	s, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := rawDB(t, path).Exec(`INSERT INTO schema_migrations VALUES (99, '0099_future', 0)`); err != nil {
		t.Fatal(err)
	}
	s, err = sqlite.Open(context.Background(), path, nil)
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded on a database from a newer version")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open error = %v, want it to say the schema is newer", err)
	}
}

func TestSaveAndReadInteraction(t *testing.T) {
	ctx := context.Background()
	s, _ := newStore(t)
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

func TestVoteChangedAndComment(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
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
	if n := count(t, path, `SELECT COUNT(*) FROM votes WHERE interaction_id = ?`, id); n != 2 {
		t.Errorf("rows after two users voted = %d, want 2", n)
	}
}

func TestVoteOnUnknownInteraction(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
	save(t, s, bot.Interaction{Platform: "discord"})
	for _, id := range []int64{0, -1, 424242} {
		err := s.SaveVote(ctx, bot.Vote{InteractionID: id, Platform: "discord", UserHash: "alice", Helpful: true})
		if !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("SaveVote on interaction %d: error = %v, want bot.ErrNotFound", id, err)
		}
	}
	if n := count(t, path, `SELECT COUNT(*) FROM votes`); n != 0 {
		t.Errorf("votes stored = %d, want 0", n)
	}
}

func TestSaveVoteCancelled(t *testing.T) {
	s, path := newStore(t)
	id := save(t, s, bot.Interaction{Platform: "discord"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.SaveVote(ctx, bot.Vote{InteractionID: id, UserHash: "alice"}); !errors.Is(err, context.Canceled) {
		t.Errorf("SaveVote with a cancelled context: error = %v, want context.Canceled", err)
	}
	if n := count(t, path, `SELECT COUNT(*) FROM votes`); n != 0 {
		t.Errorf("votes stored = %d, want 0", n)
	}
}

func TestConcurrentVotesLoseNone(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
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

	if n := count(t, path, `SELECT COUNT(*) FROM votes`); n != distinct+repeaters {
		t.Errorf("vote rows = %d, want %d (one per user per interaction)", n, distinct+repeaters)
	}
	if n := count(t, path, `SELECT COUNT(*) FROM votes WHERE user_hash LIKE 'again%' AND comment LIKE 'c_'`); n != repeaters {
		t.Errorf("repeat voters with one of their comments = %d, want %d", n, repeaters)
	}
	for _, id := range ids {
		want := distinct/len(ids) + repeaters/len(ids)
		if n := count(t, path, `SELECT COUNT(*) FROM votes WHERE interaction_id = ?`, id); n != want {
			t.Errorf("votes on interaction %d = %d, want %d", id, n, want)
		}
	}
}

// runAdapter plays one chat adapter: rounds of a question, a vote by the asker and one by a bystander.
func runAdapter(ctx context.Context, s *sqlite.Store, platform bot.Platform, rounds int) error {
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

func TestTwoAdaptersAtOnce(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
	const rounds = 150
	errs := make(chan error, 3)
	var wg sync.WaitGroup
	for _, p := range []bot.Platform{"discord", "slack"} {
		wg.Go(func() { errs <- runAdapter(ctx, s, p, rounds) })
	}
	// A maintainer reads the report meanwhile; WAL lets it run beside the writers.
	wg.Go(func() {
		for range 20 {
			if _, err := s.Report(ctx, sqlite.ReportOptions{}); err != nil {
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
		if n := count(t, path, `SELECT COUNT(*) FROM interactions WHERE platform = ?`, p); n != rounds {
			t.Errorf("%s interactions = %d, want %d", p, n, rounds)
		}
		if n := count(t, path, `SELECT COUNT(*) FROM votes WHERE platform = ?`, p); n != 2*rounds {
			t.Errorf("%s votes = %d, want %d", p, n, 2*rounds)
		}
	}
}

func TestTwoProcessesOnOneFile(t *testing.T) {
	// Two stores on one file stand for two processes (the bot, and `radbot forget` run beside it):
	// their writers contend for SQLite's lock and must wait for each other, not fail.
	ctx := context.Background()
	path := dbPath(t)
	a, b := openStore(t, path), openStore(t, path)
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
	if n := count(t, path, `SELECT COUNT(*) FROM interactions`); n != 2*rounds {
		t.Errorf("interactions = %d, want %d", n, 2*rounds)
	}
	if n := count(t, path, `SELECT COUNT(*) FROM votes`); n != 4*rounds {
		t.Errorf("votes = %d, want %d", n, 4*rounds)
	}
}

func TestPurgeBefore(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
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
	if n := count(t, path, `SELECT COUNT(*) FROM votes`); n != 1 {
		t.Errorf("votes left = %d, want 1 (on the recent interaction)", n)
	}
	if n, err := s.PurgeBefore(ctx, now.Add(-30*day)); err != nil || n != 0 {
		t.Errorf("second PurgeBefore = %d, %v; want 0", n, err)
	}
}

func TestForget(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
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
	if n := count(t, path, `SELECT COUNT(*) FROM interactions WHERE user_hash = 'alice'`) +
		count(t, path, `SELECT COUNT(*) FROM votes WHERE user_hash = 'alice'`); n != 0 {
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
	if n := count(t, path, `SELECT COUNT(*) FROM votes`); n != 1 {
		t.Errorf("votes left = %d, want 1", n)
	}
	if n, err := s.Forget(ctx, "discord", "alice"); err != nil || n != 0 {
		t.Errorf("second Forget = %d, %v; want 0", n, err)
	}
}

func TestHashKeyStable(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	s, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	k1, err := s.HashKey(ctx)
	if err != nil || len(k1) != 32 {
		t.Fatalf("HashKey = %x, %v; want 32 bytes", k1, err)
	}
	if k, err := s.HashKey(ctx); err != nil || string(k) != string(k1) {
		t.Errorf("second HashKey = %x, %v; want %x", k, err, k1)
	}
	s.Close()

	s = openStore(t, path)
	if k, err := s.HashKey(ctx); err != nil || string(k) != string(k1) {
		t.Errorf("HashKey after reopen = %x, %v; want %x", k, err, k1)
	}
	other, _ := newStore(t)
	if k, err := other.HashKey(ctx); err != nil || string(k) == string(k1) {
		t.Errorf("HashKey of another database = %x, %v; want a different key", k, err)
	}
}

func TestPing(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, dbPath(t), nil)
	if err != nil {
		t.Fatal(err)
	}
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

// benchStore opens a store on a new file without logging, so benchmark output stays readable.
func benchStore(b *testing.B) *sqlite.Store {
	b.Helper()
	s, err := sqlite.Open(context.Background(), dbPath(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

func BenchmarkSaveInteraction(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b)
	in := &bot.Interaction{Platform: "discord", ConversationHash: "c", UserHash: "u",
		Question: "How long is radiology training?", Status: bot.StatusAnswered, EntryID: "training-length",
		NearestID: "training-length", Score: 0.8, KnowledgeVersion: "v1"}
	for b.Loop() {
		if _, err := s.SaveInteraction(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSaveVote(b *testing.B) {
	ctx := context.Background()
	s := benchStore(b)
	id := save(b, s, bot.Interaction{Platform: "discord"})
	users := make([]string, 1000)
	for i := range users {
		users[i] = fmt.Sprintf("user%d", i)
	}
	i := 0
	for b.Loop() { // the first 1,000 insert, the rest update
		if err := s.SaveVote(ctx, bot.Vote{InteractionID: id, Platform: "discord", UserHash: users[i%len(users)],
			Helpful: i%3 != 0}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
