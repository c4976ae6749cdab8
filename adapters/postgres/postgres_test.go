package postgres_test

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/radbot/radbot/adapters/internal/storetest"
	"github.com/radbot/radbot/adapters/postgres"
	"github.com/radbot/radbot/adapters/postgres/pgtest"
	"github.com/radbot/radbot/adapters/sqlite"
)

// open opens a store on dsn and closes it when the test ends.
func open(tb testing.TB, dsn string) *postgres.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), dsn, slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

type handle struct {
	*postgres.Store
	dsn string
}

// TestStore runs the suite every store passes, each test on a schema of its own on a real server.
func TestStore(t *testing.T) {
	storetest.Run(t, storetest.Opener{
		New: func(tb testing.TB) storetest.Store {
			dsn := pgtest.NewDSN(tb)
			return handle{open(tb, dsn), dsn}
		},
		Again: func(tb testing.TB, s storetest.Store) storetest.Store {
			dsn := s.(handle).dsn
			return handle{open(tb, dsn), dsn}
		},
	})
}

// The two stores' migrations have the same versions and names, so one version means one schema.
func TestMigrationsMatchSQLite(t *testing.T) {
	pg, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	lite, err := sqlite.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	var a, b []string
	for _, m := range pg {
		a = append(a, m.Name)
	}
	for _, m := range lite {
		b = append(b, m.Name)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("postgres migrations %q, sqlite migrations %q: want the same", a, b)
	}
}

// Replicas that start together on a new database migrate it once, one at a time.
func TestReplicasMigrateTogether(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := postgres.Open(context.Background(), dsn, nil)
			if err == nil {
				s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Open: %v", err)
		}
	}
	s := open(t, dsn)
	v, err := s.SchemaVersion(context.Background())
	if want, _ := postgres.Migrations(); err != nil || v != len(want) {
		t.Errorf("schema version = %d, %v; want %d", v, err, len(want))
	}
	if n, err := s.Count(context.Background(), `SELECT COUNT(*) FROM schema_migrations`); err != nil || n != v {
		t.Errorf("schema_migrations rows = %d, %v; want %d (each applied once)", n, err, v)
	}
}

func TestMigratesForwardFromVersion1(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDSN(t)
	old, err := postgres.OpenAtVersion(ctx, dsn, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.HashKey(ctx); err == nil {
		t.Error("HashKey worked at version 1; the meta table comes with version 2")
	}
	if _, err := old.DB.Write.ExecContext(ctx, `INSERT INTO interactions (id, at, platform, conversation_hash, user_hash, question, status)
		VALUES (12345, 1, 'slack', 'c', 'u', 'kept across the upgrade', 'fallback')`); err != nil {
		t.Fatal(err)
	}
	old.Close()
	s := open(t, dsn)
	in, err := s.Interaction(ctx, 12345)
	if err != nil || in.Question != "kept across the upgrade" || in.Reason != "" {
		t.Errorf("Interaction = %+v, %v; want the row saved at version 1", in, err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	dsn := pgtest.NewDSN(t)
	s := open(t, dsn)
	if _, err := s.DB.Write.Exec(`INSERT INTO schema_migrations VALUES (99, '0099_future', 0)`); err != nil {
		t.Fatal(err)
	}
	if s2, err := postgres.Open(context.Background(), dsn, nil); err == nil {
		s2.Close()
		t.Fatal("Open succeeded on a database from a newer version")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open error = %v, want it to say the schema is newer", err)
	}
}

func TestOpenErrorsHideThePassword(t *testing.T) {
	for _, dsn := range []string{"postgres://radbot:s3cret-pw@127.0.0.1:1/db?connect_timeout=1", "postgres://radbot:s3cret-pw@[::1"} {
		_, err := postgres.Open(context.Background(), dsn, nil)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("Open error shows the password: %v", err)
		}
	}
	if _, err := postgres.Open(context.Background(), "", nil); err == nil {
		t.Error("Open with an empty connection string succeeded")
	}
}
