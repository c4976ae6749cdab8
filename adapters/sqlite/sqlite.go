// Package sqlite stores RadBot's interactions and feedback in a SQLite file, using the pure-Go
// modernc.org/sqlite driver (no cgo). It implements bot.Store, and adds the retention, erasure and
// report queries that only cmd/radbot uses.
//
// The database runs in WAL mode with foreign keys on and a 5 s busy timeout. Writes go through a pool
// of exactly one connection, so writers in this process (both chat adapters) queue in Go rather than
// contend for SQLite's lock, and every write transaction starts with BEGIN IMMEDIATE, so a writer in
// another process (say `radbot forget` run while the bot serves) is waited for under the busy timeout
// instead of failing with SQLITE_BUSY halfway through. Reads use a separate pool and, thanks to WAL,
// never block the writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/radbot/radbot/bot"
)

// busyTimeout is how long a statement waits for another process's lock before failing.
const busyTimeout = 5 * time.Second

// maxReaders caps the read pool; reads are rare (reports, lookups) and short.
const maxReaders = 4

//go:embed migrations/*.sql
var migrationFiles embed.FS

var _ bot.Store = (*Store)(nil)

// Store is a SQLite-backed bot.Store. It is safe for concurrent use.
type Store struct {
	write *sql.DB // one connection: SQLite has one writer at a time, so writers queue here
	read  *sql.DB // several read-only connections; WAL lets them run beside the writer
	log   *slog.Logger
	path  string
	info  os.FileInfo // the file as opened, to notice it being replaced (Probe)
}

// Open opens (creating if needed) the database file at path and brings its schema up to date. The
// path must name a file: in-memory databases are not supported, because reads and writes use
// separate connections. A new file is created with mode 0600 (its -wal and -shm files follow it), in
// a directory created 0700 if it is missing. A nil logger discards output.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	return open(ctx, path, logger, -1)
}

// open is Open with the schema migrated only up to version upTo (all of them when upTo < 0), so tests
// can build a database at an old version.
func open(ctx context.Context, path string, logger *slog.Logger, upTo int) (*Store, error) {
	if path == "" {
		return nil, errors.New("open sqlite store: empty path")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	info, warnings, err := prepareFile(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	ms := strconv.Itoa(int(busyTimeout / time.Millisecond))
	write, err := sql.Open("sqlite", dsn(path, url.Values{
		"_busy_timeout": {ms},
		"_journal_mode": {"WAL"},
		"_foreign_keys": {"1"},
		// FULL makes a commit durable through power loss too, so "SaveVote returned nil" means the
		// vote is on disk. Writes are a few per chat message; the fsync is affordable.
		"_synchronous": {"FULL"},
		"_txlock":      {"immediate"},
	}))
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)

	// The read pool is opened after migrations, so its connections never see a half-made schema.
	s := &Store{write: write, log: logger.With("component", "sqlite"), path: path, info: info}
	for _, w := range warnings {
		s.log.Warn(w, "path", path)
	}
	if err := s.migrate(ctx, upTo); err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	s.read, err = sql.Open("sqlite", dsn(path, url.Values{
		"_busy_timeout": {ms},
		"_foreign_keys": {"1"},
		"_query_only":   {"1"},
	}))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	s.read.SetMaxOpenConns(maxReaders)
	s.log.Info("store opened", "path", path)
	return s, nil
}

// dsn builds a SQLite URI for the file at p, escaping characters such as '?' and '#' that would
// otherwise end the path.
func dsn(p string, params url.Values) string {
	u := url.URL{Path: filepath.ToSlash(filepath.Clean(p))}
	return "file:" + u.EscapedPath() + "?" + params.Encode()
}

// Close closes the database. Calls in flight finish first.
func (s *Store) Close() error {
	var errRead error
	if s.read != nil {
		errRead = s.read.Close()
	}
	if err := errors.Join(errRead, s.write.Close()); err != nil {
		return fmt.Errorf("close sqlite store: %w", err)
	}
	return nil
}

// Ping checks that the database can be reached for both reading and writing, for /readyz.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite store (write): %w", err)
	}
	if err := s.read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite store (read): %w", err)
	}
	return nil
}

// inTx runs fn in a write transaction (BEGIN IMMEDIATE on the writer connection) and commits it; if
// fn fails, the transaction is rolled back and fn's error returned.
func (s *Store) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() // no-op once committed
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// migration is one numbered schema change, from migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations, in order. Their versions must run 1, 2, 3… without gaps.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql") // sorted, and zero-padded names sort by version
	if err != nil {
		return nil, err
	}
	var ms []migration
	for i, name := range names {
		base := path.Base(name)
		num, _, _ := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if err != nil || v != i+1 {
			return nil, fmt.Errorf("migration %s: want version %d in its name", base, i+1)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: strings.TrimSuffix(base, ".sql"), sql: string(b)})
	}
	return ms, nil
}

// migrate applies, each in its own transaction, the migrations up to version upTo (all when upTo < 0)
// that schema_migrations does not list yet. It refuses a database written by a newer RadBot.
func (s *Store) migrate(ctx context.Context, upTo int) error {
	ms, err := loadMigrations(migrationFiles)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if upTo < 0 || upTo > len(ms) {
		upTo = len(ms)
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	)`
	if _, err := s.write.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var current int
	if err := s.write.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", current, len(ms))
	}
	for _, m := range ms[:upTo] {
		if err := s.apply(ctx, m); err != nil {
			return fmt.Errorf("migrate to version %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// apply runs one migration unless it is already recorded. The check is inside the write transaction,
// so two processes opening the same new file cannot both apply it.
func (s *Store) apply(ctx context.Context, m migration) error {
	applied := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
			m.version, m.name, time.Now().UnixMilli())
		applied = err == nil
		return err
	})
	if applied {
		s.log.Info("migration applied", "version", m.version, "name", m.name)
	}
	return err
}
