package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/internal/storetest"
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
	if len(first) != 5 || !strings.HasPrefix(first[0], "1 0001_init ") || !strings.HasPrefix(first[1], "2 0002_meta ") || !strings.HasPrefix(first[2], "3 0003_reason ") {
		t.Fatalf("schema_migrations = %q, want versions 1 to 5", first)
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
	if got := appliedMigrations(t, path); len(got) != 5 || !strings.HasPrefix(got[1], "2 0002_meta ") || !strings.HasPrefix(got[2], "3 0003_reason ") {
		t.Fatalf("after upgrade schema_migrations = %q, want versions 1 to 5", got)
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

// TestStore runs the suite every store passes, on files in temporary directories.
func TestStore(t *testing.T) {
	storetest.Run(t, storetest.Opener{
		New: func(tb testing.TB) storetest.Store { return openStore(tb, dbPath(tb)) },
		Again: func(tb testing.TB, s storetest.Store) storetest.Store {
			return openStore(tb, s.(*sqlite.Store).Path())
		},
	})
}
