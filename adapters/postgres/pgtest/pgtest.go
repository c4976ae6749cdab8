// Package pgtest gives tests a PostgreSQL database of their own on a real server.
//
// The server comes from the environment: RADBOT_TEST_POSTGRES holds a postgres:// URL of a database
// the tests may create schemas in. Without it the tests that need PostgreSQL skip, unless
// RADBOT_REQUIRE_POSTGRES=1 says they must run (CI sets both, after starting Debian's PostgreSQL in
// .ci/run), in which case they fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/radbot/radbot/adapters/postgres"
)

// Environment variables.
const (
	EnvURL     = "RADBOT_TEST_POSTGRES"
	EnvRequire = "RADBOT_REQUIRE_POSTGRES"
)

// URL returns the server's URL from RADBOT_TEST_POSTGRES, or skips the test (fails it when
// RADBOT_REQUIRE_POSTGRES=1).
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv(EnvRequire) == "1" {
			tb.Fatalf("%s=1 but %s is not set: start PostgreSQL and set it (see .ci/run)", EnvRequire, EnvURL)
		}
		tb.Skipf("no PostgreSQL server: set %s to a postgres:// URL to run this test", EnvURL)
	}
	return u
}

// NewDSN creates an empty schema of its own on the server and returns a connection string whose
// search_path is that schema; the schema is dropped when the test ends.
func NewDSN(tb testing.TB) string {
	tb.Helper()
	base := URL(tb)
	db, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var b [8]byte
	rand.Read(b[:])
	schema := "radbot_test_" + hex.EncodeToString(b[:])
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		db.Close()
		tb.Fatalf("pgtest: creating a schema on %s: %v", EnvURL, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("pgtest: dropping schema %s: %v", schema, err)
		}
		db.Close()
	})
	dsn, err := postgres.WithSearchPath(base, schema)
	if err != nil {
		tb.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	return dsn
}
