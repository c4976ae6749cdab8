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

// Discord user ids (snowflakes): the person to forget, and someone else.
const (
	targetID = "80351110224678912"
	otherID  = "80351110224678913"
)

// seedForget stores, for two users on discord and one on slack with the same raw id, two questions
// each, and votes: the target votes on someone else's answer and someone else votes on the target's.
// It returns the ids of the interactions by the target (discord, targetID).
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
	}{{"discord", targetID}, {"discord", otherID}, {"slack", targetID}} {
		for range 2 {
			id, err := store.SaveInteraction(ctx, &bot.Interaction{Time: time.Now(), Platform: u.platform,
				ConversationHash: "c", UserHash: bot.HashID(key, u.platform, u.id), Question: "q", Status: bot.StatusFallback})
			if err != nil {
				t.Fatal(err)
			}
			if u.platform == "discord" && u.id == targetID {
				targets = append(targets, id)
			} else {
				others = append(others, id)
			}
		}
	}
	votes := []bot.Vote{
		{InteractionID: others[0], Platform: "discord", UserHash: bot.HashID(key, "discord", targetID), Helpful: true},  // target's vote
		{InteractionID: targets[0], Platform: "discord", UserHash: bot.HashID(key, "discord", otherID), Helpful: false}, // on target's question
		{InteractionID: others[1], Platform: "discord", UserHash: bot.HashID(key, "discord", otherID), Helpful: true},   // unrelated
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

	out, stderr, err := runCmd(t, cmdForget, "--config", cfg, "--platform", "Discord", "--user", targetID)
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
	if strings.Contains(out+stderr, bot.HashID([]byte("x"), "discord", targetID)[:8]) {
		t.Errorf("output shows a hash")
	}
	checkForgotten(t, db, targets, others)

	out, _, err = runCmd(t, cmdForget, "--db", db, "--config", cfg, "--platform", "discord", "--user", targetID)
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

	out, stderr, err := runCmd(t, cmdForget, "--config", cfg, "--db", db, "--platform", "discord", "--user", targetID)
	if err != nil {
		t.Fatalf("forget: %v\n%s", err, stderr)
	}
	if !strings.Contains(out, "Erased 4 rows") || stderr != "" {
		t.Errorf("out %q, stderr %q", out, stderr)
	}
	checkForgotten(t, db, targets, others)

	t.Setenv(env, "short")
	if _, _, err := runCmd(t, cmdForget, "--config", cfg, "--db", db, "--platform", "discord", "--user", targetID); err == nil ||
		!strings.Contains(err.Error(), "shorter than 16") {
		t.Errorf("a short key was accepted: %v", err)
	}
}

func TestForgetUsage(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "none.db")
	for _, args := range [][]string{
		{"--db", db, "--user", targetID},
		{"--db", db, "--platform", "discord"},
		{"--db", db, "--platform", "irc", "--user", targetID},
	} {
		_, stderr, err := runCmd(t, cmdForget, args...)
		if err != (exitError{2}) || stderr == "" {
			t.Errorf("forget %v: err %v, stderr %q; want exit status 2 with a message", args, err, stderr)
		}
	}
	// A display name, a mention or a mistyped id is refused before anything is opened: hashed, it would
	// match nothing, and "0 rows erased" would read as if the person had no data.
	for _, tt := range []struct{ platform, user, want string }{
		{"discord", "@Bob", "Copy User ID"},
		{"discord", "Bob#1234", "not a name"},
		{"discord", "<@80351110224678912>", "--user 80351110224678912"},
		{"discord", "42", "long number"},
		{"slack", "@bob", "Copy member ID"},
		{"slack", "u024be7lh", "--user U024BE7LH"},
		{"slack", "Bob Smith", "looks like U024BE7LH"},
		{"cli", "bob smith", "radbot chat --store showed"},
	} {
		_, stderr, err := runCmd(t, cmdForget, "--db", db, "--platform", tt.platform, "--user", tt.user)
		if err != (exitError{2}) || !strings.Contains(stderr, tt.want) {
			t.Errorf("forget --platform %s --user %q: err %v, stderr %q; want exit status 2 and %q", tt.platform, tt.user, err, stderr, tt.want)
		}
	}
	for _, ok := range [][2]string{{"discord", targetID}, {"slack", "U024BE7LH"}, {"slack", "W012A3CDE"}, {"cli", "maria.jones"}} {
		if err := validUserID(bot.Platform(ok[0]), ok[1]); err != nil {
			t.Errorf("%s id %q refused: %v", ok[0], ok[1], err)
		}
	}
	if _, _, err := runCmd(t, cmdForget, "--db", db, "--platform", "slack", "--user", "U024BE7LH"); err == nil ||
		!strings.Contains(err.Error(), "no database at") {
		t.Errorf("missing database: %v", err)
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("forget created a database")
	}
}
