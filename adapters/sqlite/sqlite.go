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
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/radbot/radbot/adapters/internal/sqlstore"
	"github.com/radbot/radbot/bot"
)

// busyTimeout is how long a statement waits for another process's lock before failing.
const busyTimeout = 5 * time.Second

// maxReaders caps the read pool; reads are rare (reports, lookups) and short.
const maxReaders = 4

//go:embed migrations/*.sql
var migrationFiles embed.FS

var (
	_ bot.Store       = (*Store)(nil)
	_ bot.SharedState = (*Store)(nil)
	_ bot.Claims      = (*Store)(nil)
)

// Dialect is SQLite's: ? placeholders, and each migration in a BEGIN IMMEDIATE transaction.
var Dialect = sqlstore.Dialect{Name: "sqlite"}

// Store is a SQLite-backed bot.Store. It is safe for concurrent use. The queries it shares with the
// PostgreSQL store (interactions, votes, report, erasure, retention, shared state, Slack workspaces)
// are sqlstore.DB's, promoted.
type Store struct {
	*sqlstore.DB
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
	s.DB = &sqlstore.DB{Write: write, Read: write, Dialect: Dialect, Log: s.log}
	for _, w := range warnings {
		s.log.Warn(w, "path", path)
	}
	if err := s.Migrate(ctx, migrationFiles, upTo); err != nil {
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
	s.DB.Read = s.read
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

// Migrations returns the embedded migrations (migrations/NNNN_name.sql), for tests that compare them
// with the PostgreSQL store's.
func Migrations() ([]sqlstore.Migration, error) { return sqlstore.LoadMigrations(migrationFiles) }

// The report's types are sqlstore's, so that cmd/radbot handles both stores' reports alike.
type (
	ReportOptions = sqlstore.ReportOptions
	Report        = sqlstore.Report
	EntryReport   = sqlstore.EntryReport
	QuestionGroup = sqlstore.QuestionGroup
	NearestGroup  = sqlstore.NearestGroup
	WeekCount     = sqlstore.WeekCount
	Totals        = sqlstore.Totals
)

// TopPerEntry is how many questions a NearestGroup keeps.
const TopPerEntry = sqlstore.TopPerEntry

// ErrFutureCutoff is returned by PurgeBefore for a cutoff after now, which would delete recent rows.
var ErrFutureCutoff = sqlstore.ErrFutureCutoff
