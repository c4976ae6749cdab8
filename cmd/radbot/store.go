package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/radbot/radbot/adapters/postgres"
	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
)

// cmdStore is what the commands need from a store. adapters/sqlite and adapters/postgres both have it
// (their report types are one and the same).
type cmdStore interface {
	serveStore
	bot.SharedState
	bot.Claims
	Forget(ctx context.Context, platform bot.Platform, userHash string) (int64, error)
	Report(ctx context.Context, opt sqlite.ReportOptions) (*sqlite.Report, error)
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
	SaveWorkspace(ctx context.Context, teamID string, sealed []byte, at time.Time) error
	Workspace(ctx context.Context, teamID string) ([]byte, error)
	DeleteWorkspace(ctx context.Context, teamID string) (bool, error)
	ClaimDigest(ctx context.Context, slot string) (claimed bool, prev string, err error)
	ReleaseDigest(ctx context.Context, slot, prev string) error
}

var (
	_ cmdStore = (*sqlite.Store)(nil)
	_ cmdStore = (*postgres.Store)(nil)
)

// shared reports whether the store is shared by replicas, so that per-user state and event claims
// belong in it rather than in each process's memory.
func (c StoreConfig) shared() bool { return c.Driver == "postgres" }

// name is how messages name the store: the SQLite file, or the variable holding the PostgreSQL
// connection string (never the string itself, which may hold a password).
func (c StoreConfig) name() string {
	if c.Driver == "postgres" {
		return "the PostgreSQL database in $" + c.DSNEnv
	}
	return c.Path
}

// openStore opens the configured store. With mustExist (report, forget) a missing SQLite file is an
// error rather than a new, empty database.
func openStore(ctx context.Context, c StoreConfig, getenv func(string) string, log *slog.Logger, mustExist bool) (cmdStore, error) {
	switch c.Driver {
	case "postgres":
		dsn := strings.TrimSpace(getenv(c.DSNEnv))
		if dsn == "" {
			return nil, fmt.Errorf("store.dsn_env: environment variable %s is not set (store.driver is postgres)", c.DSNEnv)
		}
		s, err := postgres.Open(ctx, dsn, log)
		if err != nil {
			return nil, fmt.Errorf("opening the database: %w", err)
		}
		return s, nil
	default:
		if mustExist {
			if _, err := os.Stat(c.Path); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil, fmt.Errorf("no database at %s: pass --db or a --config whose store.path names the file radbot serve writes", c.Path)
				}
				return nil, fmt.Errorf("opening the database: %w", err)
			}
		}
		s, err := sqlite.Open(ctx, c.Path, log)
		if err != nil {
			return nil, fmt.Errorf("opening the database: %w", err)
		}
		return s, nil
	}
}

// sweeper deletes expired claims, conversation contexts and rate limits now and then.
type sweeper struct {
	store interface {
		DeleteExpired(ctx context.Context, now time.Time) (int64, error)
	}
	log *slog.Logger
}

func (s *sweeper) loop(ctx context.Context, every time.Duration) { tick(ctx, every, s.sweep) }

func (s *sweeper) sweep(ctx context.Context) {
	if n, err := s.store.DeleteExpired(ctx, time.Now()); err != nil && ctx.Err() == nil {
		s.log.Warn("deleting expired shared state", "err", err)
	} else if n > 0 {
		s.log.Debug("deleted expired shared state", "rows", n)
	}
}
