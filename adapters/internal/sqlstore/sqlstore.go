// Package sqlstore is the SQL that RadBot's two stores share: adapters/sqlite (the embedded default)
// and adapters/postgres (several replicas on one server). It implements bot.Store, bot.SharedState and
// bot.Claims, the report, erasure and retention queries, and versioned migrations, over database/sql
// with no driver of its own: each store opens its driver, names its Dialect and passes its own
// migrations, written in its own SQL, with the same versions and names.
//
// Queries are written with ? placeholders; the Dialect rewrites them for drivers that number them.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/radbot/radbot/bot"
)

// Dialect is what differs between the databases.
type Dialect struct {
	// Name is "sqlite" or "postgres", for errors.
	Name string
	// Numbered rewrites ? placeholders to $1, $2, … (PostgreSQL).
	Numbered bool
	// Lock and Unlock, when set, are run on the migrating connection around the migrations, so that
	// replicas starting together migrate one at a time (PostgreSQL: an advisory lock). SQLite needs
	// none: each migration runs in a BEGIN IMMEDIATE transaction.
	Lock, Unlock string
	// Snapshot is the isolation level of the report's read-only transaction, so that its queries see
	// one state of the database (PostgreSQL: repeatable read; SQLite's default already is).
	Snapshot sql.IsolationLevel
}

// DB runs the shared queries. Write takes every write; Read the report and lookups (it may be the
// same pool); State, when set, the short-lived shared state (rate limits, conversations, claims),
// which a store may run on connections that commit without waiting for the disk.
type DB struct {
	Write, Read *sql.DB
	State       *sql.DB
	Dialect     Dialect
	Log         *slog.Logger

	rebound sync.Map // query text → rewritten text
}

var (
	_ bot.Store       = (*DB)(nil)
	_ bot.SharedState = (*DB)(nil)
	_ bot.Claims      = (*DB)(nil)
)

// q returns query with its placeholders as the dialect wants them.
func (s *DB) q(query string) string {
	if !s.Dialect.Numbered {
		return query
	}
	if v, ok := s.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	s.rebound.Store(query, b.String())
	return b.String()
}

// txq runs a transaction's queries through the dialect.
type txq struct {
	*sql.Tx
	d *DB
}

func (t txq) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, t.d.q(query), args...)
}

func (t txq) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, t.d.q(query), args...)
}

func (t txq) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, t.d.q(query), args...)
}

func (s *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.Write.ExecContext(ctx, s.q(query), args...)
}

// InTx runs fn in a write transaction and commits it; if fn fails, the transaction is rolled back and
// fn's error returned.
func (s *DB) InTx(ctx context.Context, fn func(tx txq) error) error {
	tx, err := s.Write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() // no-op once committed
	if err := fn(txq{tx, s}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Times are stored as Unix milliseconds, UTC.
func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Migration is one numbered schema change, from migrations/NNNN_name.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads migrations/*.sql from fsys, in order. Their versions must run 1, 2, 3… without
// gaps.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql") // sorted, and zero-padded names sort by version
	if err != nil {
		return nil, err
	}
	var ms []Migration
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
		ms = append(ms, Migration{Version: v, Name: strings.TrimSuffix(base, ".sql"), SQL: string(b)})
	}
	return ms, nil
}

// Migrate applies, each in its own transaction, the migrations in fsys up to version upTo (all when
// upTo < 0) that schema_migrations does not list yet. It refuses a database written by a newer
// RadBot.
func (s *DB) Migrate(ctx context.Context, fsys fs.FS, upTo int) error {
	ms, err := LoadMigrations(fsys)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if upTo < 0 || upTo > len(ms) {
		upTo = len(ms)
	}
	conn, err := s.Write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if s.Dialect.Lock != "" {
		if _, err := conn.ExecContext(ctx, s.Dialect.Lock); err != nil {
			return fmt.Errorf("migrate: taking the migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), s.Dialect.Unlock)
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at BIGINT  NOT NULL
	)`
	if _, err := conn.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var current int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if current > len(ms) {
		return fmt.Errorf("migrate: database schema version %d is newer than this program's %d", current, len(ms))
	}
	for _, m := range ms[:upTo] {
		if err := s.apply(ctx, conn, m); err != nil {
			return fmt.Errorf("migrate to version %d (%s): %w", m.Version, m.Name, err)
		}
	}
	return nil
}

// apply runs one migration unless it is already recorded. The check is inside the write transaction,
// so two processes opening the same new database cannot both apply it.
func (s *DB) apply(ctx context.Context, conn *sql.Conn, m Migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	t := txq{tx, s}
	var n int
	if err := t.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, m.Version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, time.Now().UnixMilli()); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.Log.Info("migration applied", "version", m.Version, "name", m.Name)
	return nil
}

// SchemaVersion returns the highest migration applied.
func (s *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.Read.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// Ping checks that the database can be reached for both reading and writing.
func (s *DB) Ping(ctx context.Context) error {
	if err := s.Write.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s store (write): %w", s.Dialect.Name, err)
	}
	if err := s.Read.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s store (read): %w", s.Dialect.Name, err)
	}
	return nil
}

// ProbeWrite writes payload to the meta table in a transaction: a check that the database takes
// writes, for /readyz.
func (s *DB) ProbeWrite(ctx context.Context, key string, payload []byte) error {
	return s.InTx(ctx, func(tx txq) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, payload)
		return err
	})
}

// MetaValue returns the value kept under key in the meta table, or an error wrapping bot.ErrNotFound.
func (s *DB) MetaValue(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.Write.QueryRowContext(ctx, s.q(`SELECT value FROM meta WHERE key = ?`), key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("meta %s: %w", key, bot.ErrNotFound)
	}
	return v, err
}

// MetaInit stores value under key unless a value is already there, and returns the value kept: the
// first writer wins, so replicas starting together agree.
func (s *DB) MetaInit(ctx context.Context, key string, value []byte) ([]byte, error) {
	if _, err := s.exec(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
		return nil, err
	}
	return s.MetaValue(ctx, key)
}

// DeleteMeta removes key from the meta table.
func (s *DB) DeleteMeta(ctx context.Context, key string) error {
	_, err := s.exec(ctx, `DELETE FROM meta WHERE key = ?`, key)
	return err
}

// Count runs a query that returns one number (with ? placeholders), for tests and tools.
func (s *DB) Count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := s.Read.QueryRowContext(ctx, s.q(query), args...).Scan(&n)
	return n, err
}
