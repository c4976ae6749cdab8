package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/discord/discordtest"
)

// Issue 14, defects 4 and 5: Discord rejecting the token while serve runs left discordgo
// reconnecting forever, with nothing in the log and /readyz at 200; and with log.format json,
// discordgo's own "[DG0] …" lines went to stderr as plain text. Now serve logs the rejection and exits
// with status 1, and every line it writes is JSON.
func TestServeTokenRejectedExitsWithJSONLogs(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`store:
  path: %q
log:
  format: json
discord:
  enabled: true
  token_env: TEST_DISCORD_TOKEN
  guild_ids: ["400000000000000001"]
  api_url: %q
  auth_check_after: 200ms
`, filepath.Join(dir, "radbot.db"), fake.URL)
	if err := os.WriteFile(filepath.Join(dir, "radbot.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, dir, childEnv("TEST_DISCORD_TOKEN="+fake.Token, "RADBOT_HASH_KEY=json-test-key-0123456789"), "--config", "radbot.yaml")
	fake.WaitSessions(t, 1)
	if code, _ := p.get("/readyz"); code != 200 {
		t.Errorf("/readyz = %d while connected", code)
	}
	fake.RevokeToken()
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		t.Fatal("serve kept running with a rejected token")
	}
	var ee *exec.ExitError
	if !errors.As(p.err, &ee) || ee.ExitCode() != 1 {
		t.Errorf("exit: %v, want status 1", p.err)
	}
	logs := p.logs.String()
	if !strings.Contains(logs, "rejected the bot token") {
		t.Errorf("the rejection is not logged")
	}
	for i, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("line %d is not JSON: %s", i+1, line)
		}
	}
	if strings.Contains(logs, fake.Token) {
		t.Errorf("the token is in the log")
	}
}

// Issue 14, point 5: the database and its WAL and SHM files are private, the generated hash key sits in
// its own private file beside the database (not inside it), and /readyz fails once the database file
// is replaced under the running process.
func TestServeFilesAndReplacedDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "data", "radbot.db")
	cfg := fmt.Sprintf("store:\n  path: %q\n  probe_interval: 100ms\n", db)
	if err := os.WriteFile(filepath.Join(dir, "radbot.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, dir, childEnv(), "--config", "radbot.yaml")
	if code, _ := p.get("/readyz"); code != 200 {
		t.Fatalf("/readyz = %d at start", code)
	}
	for name, want := range map[string]os.FileMode{filepath.Dir(db): os.ModeDir | 0o700, db: 0o600, db + "-wal": 0o600,
		db + "-shm": 0o600, db + ".key": 0o600} {
		info, err := os.Stat(name)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(name), err)
		} else if got := info.Mode() & (os.ModeDir | os.ModePerm); got != want {
			t.Errorf("%s: mode %v, want %v", filepath.Base(name), got, want)
		}
	}

	// Someone restores a backup over the live file.
	if err := os.Rename(db, db+".moved"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "/readyz to fail", func() bool { code, _ := p.get("/readyz"); return code == 503 })
	if _, body := p.get("/readyz"); body != "store cannot write\n" {
		t.Errorf("/readyz body = %q", body)
	}
	if code, _ := p.get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d: liveness must not depend on the store", code)
	}
	if !strings.Contains(p.logs.String(), "replaced or moved") {
		t.Errorf("the replaced file is not logged")
	}
}
