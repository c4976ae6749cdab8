package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
)

// A new database, its WAL and shared-memory files are private to the user RadBot runs as, and a
// missing directory is created private too.
func TestFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "radbot.db")
	s := openStore(t, path)
	save(t, s, bot.Interaction{Platform: "discord", Question: "q"}) // makes SQLite create -wal and -shm
	if _, err := s.HashKey(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{
		dir: os.ModeDir | 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600, s.KeyPath(): 0o600,
	} {
		info, err := os.Stat(name)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(name), err)
			continue
		}
		if got := info.Mode() & (os.ModeDir | os.ModePerm); got != want {
			t.Errorf("%s: mode %v, want %v", filepath.Base(name), got, want)
		}
	}
}

func TestOpenRefusesNULInPath(t *testing.T) {
	dir := t.TempDir()
	if _, err := sqlite.Open(context.Background(), filepath.Join(dir, "radbot.db\x00.txt"), nil); err == nil {
		t.Fatal("Open accepted a path with a NUL byte")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a file was created: %v", entries[0].Name())
	}
}

// The generated hash key lives in its own file, not in the database; a key an older version kept in
// the database is moved out, so existing hashes stay valid.
func TestHashKeyFile(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
	key, err := s.HashKey(ctx)
	if err != nil || len(key) != 32 {
		t.Fatalf("HashKey = %x, %v", key, err)
	}
	if s.KeyPath() != path+".key" {
		t.Errorf("KeyPath = %s", s.KeyPath())
	}
	data, err := os.ReadFile(s.KeyPath())
	if err != nil || strings.TrimSpace(string(data)) != fmt.Sprintf("%x", key) {
		t.Errorf("key file = %q, %v; want the key in hex", data, err)
	}
	if n := count(t, path, `SELECT COUNT(*) FROM meta WHERE key = 'hash_key'`); n != 0 {
		t.Errorf("the key is also kept inside the database")
	}

	// An older database with the key inside.
	old, oldPath := newStore(t)
	legacy := []byte("0123456789abcdef0123456789abcdef")
	if _, err := rawDB(t, oldPath).Exec(`INSERT INTO meta (key, value) VALUES ('hash_key', ?)`, legacy); err != nil {
		t.Fatal(err)
	}
	got, err := old.HashKey(ctx)
	if err != nil || string(got) != string(legacy) {
		t.Fatalf("HashKey with a key in the database = %q, %v; want that key", got, err)
	}
	if n := count(t, oldPath, `SELECT COUNT(*) FROM meta WHERE key = 'hash_key'`); n != 0 {
		t.Errorf("the old key was left in the database")
	}
	again := openStore(t, oldPath)
	if got, err := again.HashKey(ctx); err != nil || string(got) != string(legacy) {
		t.Errorf("after the move: %q, %v", got, err)
	}

	// A damaged key file is an error, never silently a new key.
	if err := os.WriteFile(s.KeyPath(), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.HashKey(ctx); err == nil {
		t.Error("a damaged key file was accepted")
	}
}

func TestProbe(t *testing.T) {
	ctx := context.Background()
	s, path := newStore(t)
	if err := s.Probe(ctx); err != nil {
		t.Fatalf("Probe on a healthy store: %v", err)
	}

	// The disk fills up: no page can be added.
	full, _ := newStore(t)
	if err := sqlite.SetMaxPageCount(full, 1); err != nil {
		t.Fatal(err)
	}
	save := func() error {
		_, err := full.SaveInteraction(ctx, &bot.Interaction{Platform: "discord", Status: bot.StatusAnswered, Question: strings.Repeat("x", 8000)})
		return err
	}
	if err := save(); err == nil {
		t.Fatal("a write succeeded on a full database")
	}
	if err := full.Probe(ctx); err == nil {
		t.Error("Probe succeeded on a full database")
	}

	// The file is replaced under the running store (restored from a backup, say): rows would go to a
	// file nobody reads any more.
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Probe(ctx); err == nil || !strings.Contains(err.Error(), "replaced") {
		t.Errorf("Probe after the file was replaced = %v", err)
	}
	os.Remove(path)
	if err := s.Probe(ctx); err == nil {
		t.Error("Probe succeeded with the file deleted")
	}
}

// BenchmarkSaveInteractions measures group commit: rows per second for batches of several sizes, on
// a real file with synchronous=FULL (one fsync per transaction).
func BenchmarkSaveInteractions(b *testing.B) {
	for _, size := range []int{1, 16, 128, 512} {
		b.Run(fmt.Sprint("batch=", size), func(b *testing.B) {
			ctx := context.Background()
			s := benchStore(b)
			batch := make([]bot.Interaction, size)
			next := int64(1) << 40
			rows := 0
			for b.Loop() {
				for i := range batch {
					next++
					batch[i] = bot.Interaction{ID: next, Platform: "discord", ConversationHash: "c", UserHash: "u",
						Question: "How long is radiology training?", Status: bot.StatusAnswered, EntryID: "training-length",
						NearestID: "training-length", Score: 0.8, KnowledgeVersion: "v1"}
				}
				if err := s.SaveInteractions(ctx, batch); err != nil {
					b.Fatal(err)
				}
				rows += size
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
