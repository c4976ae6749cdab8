package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

type fakeKnowledge struct{ base *knowledge.Base }

func (f fakeKnowledge) Knowledge() *knowledge.Base { return f.base }

type fakeProbe struct{ e error }

func (f fakeProbe) err() error { return f.e }

func TestReadyHandler(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	loaded := fakeKnowledge{&knowledge.Base{}}
	up := func() (bool, time.Time) { return true, time.Now().Add(-time.Hour) }
	downBriefly := func() (bool, time.Time) { return false, time.Now().Add(-time.Second) }
	downLong := func() (bool, time.Time) { return false, time.Now().Add(-2 * time.Minute) }
	tests := []struct {
		name      string
		draining  bool
		kb        fakeKnowledge
		probe     error
		platforms []platform
		code      int
		body      string
	}{
		{"ready", false, loaded, nil, []platform{{name: "discord", health: up}, {name: "fake"}}, 200, "ok\n"},
		{"store cannot write", false, loaded, errors.New("disk gone"), nil, 503, "store cannot write\n"},
		{"no knowledge", false, fakeKnowledge{}, nil, nil, 503, "knowledge not loaded\n"},
		{"shutting down", true, loaded, nil, nil, 503, "shutting down\n"},
		{"platform down within the grace", false, loaded, nil, []platform{{name: "discord", health: downBriefly}}, 200, "ok\n"},
		{"platform down too long", false, loaded, nil, []platform{{name: "slack", health: up}, {name: "discord", health: downLong}}, 503, "discord disconnected\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d atomic.Bool
			d.Store(tt.draining)
			rec := httptest.NewRecorder()
			readyHandler(&d, tt.kb, fakeProbe{tt.probe}, tt.platforms, time.Minute, log).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tt.code || rec.Body.String() != tt.body {
				t.Errorf("= %d %q, want %d %q", rec.Code, rec.Body.String(), tt.code, tt.body)
			}
			if strings.Contains(rec.Body.String(), "disk gone") {
				t.Errorf("the error detail reached the response")
			}
		})
	}
}

type fakePurger struct {
	mu      sync.Mutex
	cutoffs []time.Time
}

func (f *fakePurger) PurgeBefore(_ context.Context, cutoff time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cutoffs = append(f.cutoffs, cutoff)
	return 3, nil
}

func (f *fakePurger) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.cutoffs)
}

func TestRetention(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	p := &fakePurger{}
	r := &retention{store: p, days: 365, log: slog.New(slog.DiscardHandler), now: func() time.Time { return now }}
	r.purge(context.Background())
	if p.count() != 1 || !p.cutoffs[0].Equal(now.AddDate(0, 0, -365)) {
		t.Fatalf("cutoffs = %v", p.cutoffs)
	}

	// The loop purges on every tick and ends with its context.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.loop(ctx, 10*time.Millisecond); close(done) }()
	waitFor(t, 5*time.Second, "two more purges", func() bool { return p.count() >= 3 })
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the retention loop did not end")
	}
}

// Issue 14, point 0: retention_days from 106,752 up overflowed time.Duration, the cutoff landed in the
// future and every purge deleted every question. The period is now date arithmetic, bounded, and
// the store refuses a future cutoff; here the real store keeps a question from an hour ago.
func TestRetentionCannotDeleteRecentRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "radbot.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.SaveInteraction(ctx, &bot.Interaction{Time: time.Now().Add(-time.Hour), Platform: "discord",
		Question: "q", Status: bot.StatusAnswered}); err != nil {
		t.Fatal(err)
	}
	var logs logBuffer
	for _, days := range []int{106_752, 200_000, 1_000_000, maxRetentionDays} {
		r := &retention{store: store, days: days, log: slog.New(slog.NewTextHandler(&logs, nil))}
		r.purge(ctx)
	}
	rep, err := store.Report(ctx, sqlite.ReportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Interactions != 1 {
		t.Errorf("%d interactions left after purges with huge retention periods, want 1", rep.Totals.Interactions)
	}
	if !strings.Contains(logs.String(), "refusing to purge") {
		t.Errorf("an out-of-range period was not refused:\n%s", logs.String())
	}
	if _, err := ParseConfig([]byte("store:\n  retention_days: 200000\n")); err == nil {
		t.Error("retention_days: 200000 was accepted")
	}
}

func TestRelevantChange(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		op   fsnotify.Op
		want bool
	}{
		{"/k/ir.yaml", fsnotify.Write, true},
		{"/k/new.yml", fsnotify.Create, true},
		{"/k/ir.yaml", fsnotify.Remove, true},
		{"/k/ir.yaml", fsnotify.Rename, true},
		{"/k/ir.yaml", fsnotify.Chmod, false},
		{"/k/.ir.yaml.swp", fsnotify.Write, false},
		{"/k/ir.yaml~", fsnotify.Write, false},
		{"/k/4913", fsnotify.Create, false},
		{"/k/.#ir.yaml", fsnotify.Create, false},
		{"/k/README.md", fsnotify.Write, false},
		{"/k/..data", fsnotify.Create, true}, // Kubernetes ConfigMap swap
	} {
		if got := relevantChange(fsnotify.Event{Name: tt.name, Op: tt.op}); got != tt.want {
			t.Errorf("relevantChange(%s %v) = %v, want %v", tt.name, tt.op, got, tt.want)
		}
	}
}

func TestProblemLines(t *testing.T) {
	t.Parallel()
	list := knowledge.ErrorList{
		{File: "ir.yaml", Line: 12, EntryID: "ir-x", Msg: "missing required field \"answer\""},
		{File: "bot.yaml", Line: 3, Msg: "too_long should contain %d once"},
	}
	got := problemLines(errors.Join(errors.New("ignored wrapper"), list))
	if len(got) != 2 || got[0] != `ir.yaml:12: entry "ir-x": missing required field "answer"` || got[1] != "bot.yaml:3: too_long should contain %d once" {
		t.Errorf("problemLines(ErrorList) = %q", got)
	}
	if got := problemLines(errors.New("a\nb\n")); len(got) != 2 || got[0] != "a" {
		t.Errorf("problemLines(plain) = %q", got)
	}
}

type fakeKeyStore struct{ key []byte }

func (f fakeKeyStore) HashKey(context.Context) ([]byte, error) { return f.key, nil }

func TestHashKeySource(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	stored := fakeKeyStore{[]byte("stored-key-32-bytes-long-000000")}
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "MY_KEY" {
				return v
			}
			return ""
		}
	}
	key, err := hashKey(context.Background(), "MY_KEY", env("a-sufficiently-long-key"), stored, log)
	if err != nil || string(key) != "a-sufficiently-long-key" || logs.String() != "" {
		t.Errorf("env key: %q %v, log %q", key, err, logs.String())
	}
	key, err = hashKey(context.Background(), "MY_KEY", env(""), stored, log)
	if err != nil || string(key) != string(stored.key) || !strings.Contains(logs.String(), "MY_KEY is not set") {
		t.Errorf("stored key: %q %v, log %q", key, err, logs.String())
	}
	if strings.Contains(logs.String(), string(stored.key)) {
		t.Errorf("the key was logged")
	}
	if _, err := hashKey(context.Background(), "MY_KEY", env("short"), stored, log); err == nil {
		t.Errorf("a short key was accepted")
	}
}
