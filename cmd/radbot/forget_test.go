package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
)

// seedForget stores, for two users on discord and one on slack with the same raw id, two questions
// each, and votes: the target votes on someone else's answer and someone else votes on the target's.
// It returns the ids of the interactions by the target (discord, "42").
func seedForget(t *testing.T, path string, key []byte) (targets []int64, others []int64) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if key == nil {
		if key, err = store.HashKey(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []struct {
		platform bot.Platform
		id       string
	}{{"discord", "42"}, {"discord", "7"}, {"slack", "42"}} {
		for range 2 {
			id, err := store.SaveInteraction(ctx, &bot.Interaction{Time: time.Now(), Platform: u.platform,
				ConversationHash: "c", UserHash: bot.HashID(key, u.platform, u.id), Question: "q", Status: bot.StatusFallback})
			if err != nil {
				t.Fatal(err)
			}
			if u.platform == "discord" && u.id == "42" {
				targets = append(targets, id)
			} else {
				others = append(others, id)
			}
		}
	}
	votes := []bot.Vote{
		{InteractionID: others[0], Platform: "discord", UserHash: bot.HashID(key, "discord", "42"), Helpful: true},  // target's vote
		{InteractionID: targets[0], Platform: "discord", UserHash: bot.HashID(key, "discord", "7"), Helpful: false}, // on target's question
		{InteractionID: others[1], Platform: "discord", UserHash: bot.HashID(key, "discord", "7"), Helpful: true},   // unrelated
	}
	for _, v := range votes {
		if err := store.SaveVote(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	return targets, others
}

// checkForgotten asserts that the target's interactions are gone and the others' are kept.
func checkForgotten(t *testing.T, path string, targets, others []int64) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	for _, id := range targets {
		if _, err := store.Interaction(ctx, id); !errors.Is(err, bot.ErrNotFound) {
			t.Errorf("interaction %d of the forgotten user: err = %v, want ErrNotFound", id, err)
		}
	}
	for _, id := range others {
		if _, err := store.Interaction(ctx, id); err != nil {
			t.Errorf("interaction %d of another user: %v", id, err)
		}
	}
	votes, err := store.Votes(ctx, others[0])
	if err != nil || len(votes) != 0 {
		t.Errorf("the forgotten user's vote on another answer survives: %v %v", votes, err)
	}
	votes, err = store.Votes(ctx, others[1])
	if err != nil || len(votes) != 1 {
		t.Errorf("an unrelated vote was erased: %v %v", votes, err)
	}
}

// TestForgetWithStoredKey uses the key kept in the database (the hash key variable is unset), as a
// development serve would.
func TestForgetWithStoredKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "radbot.db")
	cfg := filepath.Join(dir, "radbot.yaml")
	// A variable name nobody sets, so the stored key is used.
	os.WriteFile(cfg, []byte("store:\n  path: "+db+"\n  hash_key_env: RADBOT_TEST_UNSET_KEY_7f3a\n"), 0o600)
	targets, others := seedForget(t, db, nil)

	out, stderr, err := runCmd(t, cmdForget, "--config", cfg, "--platform", "Discord", "--user", "42")
	if err != nil {
		t.Fatalf("forget: %v\n%s", err, stderr)
	}
	// 2 interactions, the vote on one of them, and the user's own vote on another answer.
	if !strings.Contains(out, "Erased 4 rows") {
		t.Errorf("output %q does not report 4 rows erased", out)
	}
	if !strings.Contains(stderr, "RADBOT_TEST_UNSET_KEY_7f3a is not set") {
		t.Errorf("no warning about the stored key: %q", stderr)
	}
	if strings.Contains(out+stderr, bot.HashID([]byte("x"), "discord", "42")[:8]) {
		t.Errorf("output shows a hash")
	}
	checkForgotten(t, db, targets, others)

	out, _, err = runCmd(t, cmdForget, "--db", db, "--config", cfg, "--platform", "discord", "--user", "42")
	if err != nil || !strings.Contains(out, "0 rows erased") {
		t.Errorf("second forget: %q, %v", out, err)
	}
}

// TestForgetWithEnvKey uses the key from the environment, as production serve does; it sets an
// environment variable, so it does not run in parallel.
func TestForgetWithEnvKey(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "radbot.db")
	key := "a-long-test-key-0123456789"
	env := fmt.Sprintf("RADBOT_TEST_KEY_%d", time.Now().UnixNano())
	t.Setenv(env, key)
	cfg := filepath.Join(dir, "radbot.yaml")
	os.WriteFile(cfg, []byte("store:\n  hash_key_env: "+env+"\n"), 0o600)
	targets, others := seedForget(t, db, []byte(key))

	out, stderr, err := runCmd(t, cmdForget, "--config", cfg, "--db", db, "--platform", "discord", "--user", "42")
	if err != nil {
		t.Fatalf("forget: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "Erased 4 rows") || stderr != "" {
		t.Errorf("out %q, stderr %q", out, stderr)
	}
	checkForgotten(t, db, targets, others)

	t.Setenv(env, "short")
	if _, _, err := runCmd(t, cmdForget, "--config", cfg, "--db", db, "--platform", "discord", "--user", "42"); err == nil ||
		!strings.Contains(err.Error(), "shorter than 16") {
		t.Errorf("a short key was accepted: %v", err)
	}
}

func TestForgetUsage(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "none.db")
	for _, args := range [][]string{
		{"--db", db, "--user", "42"},
		{"--db", db, "--platform", "discord"},
		{"--db", db, "--platform", "irc", "--user", "42"},
	} {
		_, stderr, err := runCmd(t, cmdForget, args...)
		if err != (exitError{2}) || stderr == "" {
			t.Errorf("forget %v: err %v, stderr %q; want exit status 2 with a message", args, err, stderr)
		}
	}
	if _, _, err := runCmd(t, cmdForget, "--db", db, "--platform", "slack", "--user", "U1"); err == nil ||
		!strings.Contains(err.Error(), "no database at") {
		t.Errorf("missing database: %v", err)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("forget created a database")
	}
}
