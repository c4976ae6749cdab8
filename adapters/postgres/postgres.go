// Package postgres stores RadBot's interactions, votes and shared state in PostgreSQL through
// github.com/jackc/pgx/v5 (its database/sql driver), so that several `radbot serve` replicas can share
// one database. It implements the same interfaces as adapters/sqlite, with the same queries
// (adapters/internal/sqlstore) and the same migrations written for PostgreSQL (migrations/, the same
// versions and names as SQLite's).
//
// Replicas starting together migrate one at a time under an advisory lock. The report reads one
// snapshot (repeatable read). Writes are ordinary transactions at read committed: the statements
// that must not race (a vote's upsert, a claim, a rate-limit bucket) are single statements whose
// conflicts PostgreSQL resolves on the row.
package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/radbot/radbot/adapters/internal/sqlstore"
	"github.com/radbot/radbot/bot"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

var (
	_ bot.Store       = (*Store)(nil)
	_ bot.SharedState = (*Store)(nil)
	_ bot.Claims      = (*Store)(nil)
)

// migrationLock is the advisory lock key replicas take while they migrate ("radbot" in ASCII).
const migrationLock = 0x726164626f74

// Dialect is PostgreSQL's: numbered placeholders, migrations under an advisory lock, and a
// repeatable-read snapshot for the report.
var Dialect = sqlstore.Dialect{
	Name:     "postgres",
	Numbered: true,
	Lock:     fmt.Sprintf("SELECT pg_advisory_lock(%d)", migrationLock),
	Unlock:   fmt.Sprintf("SELECT pg_advisory_unlock(%d)", migrationLock),
	Snapshot: sql.LevelRepeatableRead,
}

// Pool sizes: the recorder writes batches on one connection, votes and shared state take a few more.
const (
	maxConns     = 16
	connLifetime = 30 * time.Minute
)

// Store is a PostgreSQL-backed bot.Store. It is safe for concurrent use by many goroutines and, on one
// database, by many processes.
type Store struct {
	*sqlstore.DB
	db   *sql.DB // interactions, votes, workspaces: every commit durable
	fast *sql.DB // shared state: commits do not wait for the disk
	log  *slog.Logger
	name string // host/database, for logs (never the password)
}

// Open connects to the database at dsn (a postgres:// URL or key=value string, usually from the
// environment variable store.dsn_env names) and brings its schema up to date. A nil logger discards
// output. The dsn is never logged: it may hold a password.
func Open(ctx context.Context, dsn string, logger *slog.Logger) (*Store, error) {
	return open(ctx, dsn, logger, -1)
}

func open(ctx context.Context, dsn string, logger *slog.Logger, upTo int) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("open postgres store: empty connection string")
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message may quote the string, password included.
		return nil, errors.New("open postgres store: the connection string does not parse (use postgres://user:password@host:5432/database)")
	}
	name := cfg.Host + "/" + cfg.Database
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxLifetime(connLifetime)
	// The shared state (rate limits, conversations, claims) lives minutes and is rebuilt by use: its
	// commits need not wait for the disk. Losing the last few in a server crash costs at worst a
	// follow-up read without context or an event answered twice; interactions and votes keep full
	// durability on the other pool.
	fastCfg := cfg.Copy()
	fastCfg.RuntimeParams["synchronous_commit"] = "off"
	fast := stdlib.OpenDB(*fastCfg)
	fast.SetMaxOpenConns(maxConns)
	fast.SetMaxIdleConns(maxConns)
	fast.SetConnMaxLifetime(connLifetime)
	s := &Store{db: db, fast: fast, log: logger.With("component", "postgres"), name: name}
	s.DB = &sqlstore.DB{Write: db, Read: db, State: fast, Dialect: Dialect, Log: s.log}
	if err := db.PingContext(ctx); err != nil {
		s.closeAll()
		return nil, fmt.Errorf("open postgres store %s: %w", name, err)
	}
	if err := s.Migrate(ctx, migrationFiles, upTo); err != nil {
		s.closeAll()
		return nil, fmt.Errorf("open postgres store %s: %w", name, err)
	}
	s.log.Info("store opened", "database", name)
	return s, nil
}

// Name is the server and database, for logs and messages.
func (s *Store) Name() string { return s.name }

// Close closes the connections. Calls in flight finish first. It is safe to call twice.
func (s *Store) Close() error {
	if err := s.closeAll(); err != nil {
		return fmt.Errorf("close postgres store: %w", err)
	}
	return nil
}

func (s *Store) closeAll() error { return errors.Join(s.db.Close(), s.fast.Close()) }

// Probe checks that the database takes writes, for /readyz: a small write transaction.
func (s *Store) Probe(ctx context.Context) error {
	payload := make([]byte, 16)
	rand.Read(payload)
	if err := s.ProbeWrite(ctx, "probe", payload); err != nil {
		return fmt.Errorf("probe %s: %w", s.name, err)
	}
	return nil
}

// HashKey returns the key kept in the database (table meta), creating a random one the first time. It
// is the fallback used when RADBOT_HASH_KEY is unset; every replica reads the same key, since the
// first to start writes it and the others find it. Keeping the key beside the hashes is weaker than
// keeping it apart (whoever reads the database can test guesses of user ids): in production set
// RADBOT_HASH_KEY.
func (s *Store) HashKey(ctx context.Context) ([]byte, error) {
	key := make([]byte, 32)
	rand.Read(key)
	got, err := s.MetaInit(ctx, "hash_key", key)
	if err != nil {
		return nil, fmt.Errorf("hash key: %w", err)
	}
	if len(got) != 32 {
		return nil, fmt.Errorf("hash key: the key stored in the database has %d bytes, want 32", len(got))
	}
	return got, nil
}

// Migrations returns the embedded migrations, for tests that compare them with SQLite's.
func Migrations() ([]sqlstore.Migration, error) { return sqlstore.LoadMigrations(migrationFiles) }

// The report's types are sqlstore's, shared with adapters/sqlite.
type (
	ReportOptions = sqlstore.ReportOptions
	Report        = sqlstore.Report
)

// WithSearchPath returns dsn (a postgres:// URL) with its search_path set to schema, so that one
// database can hold several independent stores (tests use a schema each).
func WithSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", errors.New("not a postgres:// URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
