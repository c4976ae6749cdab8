package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

// The keys for running more than one are checked like the others: every problem, with its key.
func TestConfigScaleKeys(t *testing.T) {
	for _, tt := range []struct {
		yaml string
		want []string
	}{
		{"store:\n  driver: mysql\n", []string{"store.driver: \"mysql\" must be sqlite or postgres"}},
		{"store:\n  driver: postgres\n  dsn_env: \"not a name\"\n", []string{"store.dsn_env: \"not a name\" is not an environment variable name"}},
		{"discord:\n  enabled: true\n  shard_id: 2\n  shard_count: 2\n", []string{"discord.shard_id: 2 must be below shard_count (2)"}},
		{"discord:\n  enabled: true\n  shard_count: -1\n", []string{"discord.shard_count: -1 must be 0"}},
		{"slack:\n  enabled: true\n  oauth:\n    enabled: true\n    redirect_url: https://x.example/callback\n",
			[]string{"slack.oauth.client_id: must be set", "slack.oauth.redirect_url: \"https://x.example/callback\" must be this server's public URL ending in /slack/oauth/callback"}},
	} {
		_, err := ParseConfig([]byte(tt.yaml))
		if err == nil {
			t.Errorf("%q: no error", tt.yaml)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q lacks %q", tt.yaml, err, w)
			}
		}
	}
	if _, err := ParseConfig([]byte("store:\n  driver: postgres\ndiscord:\n  enabled: true\n  shard_id: 3\n  shard_count: 0\n")); err != nil {
		t.Errorf("postgres with shard 3 of Discord's count: %v", err)
	}
}

// With slack.oauth the bot token is optional, and the client secret and a 64-hex-character token key
// are required.
func TestSecretsSlackOAuth(t *testing.T) {
	cfg, err := ParseConfig([]byte("slack:\n  enabled: true\n  oauth:\n    enabled: true\n    client_id: cid\n    redirect_url: https://x.example/slack/oauth/callback\n"))
	if err != nil {
		t.Fatal(err)
	}
	key := strings.Repeat("ab", 32)
	s, err := cfg.Secrets(func(k string) string {
		return map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_CLIENT_SECRET": "sec", "RADBOT_TOKEN_KEY": key}[k]
	})
	if err != nil || s.SlackBotToken != "" || len(s.TokenKey) != 32 || s.SlackClientSecret != "sec" {
		t.Errorf("Secrets = %+v, %v; want no bot token, the secret and a 32-byte key", s, err)
	}
	_, err = cfg.Secrets(func(k string) string {
		return map[string]string{"SLACK_APP_TOKEN": "xapp-1", "RADBOT_TOKEN_KEY": "short"}[k]
	})
	for _, w := range []string{"SLACK_CLIENT_SECRET is not set", "RADBOT_TOKEN_KEY must hold 64 hex characters"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("Secrets error %v lacks %q", err, w)
		}
	}
}

// store.driver postgres reads the connection string from the named variable; unset, it says which.
func TestOpenStorePostgresNeedsTheVariable(t *testing.T) {
	c := DefaultConfig().Store
	c.Driver, c.DSNEnv = "postgres", "MY_DB_URL"
	_, err := openStore(context.Background(), c, func(string) string { return "" }, slog.New(slog.DiscardHandler), false)
	if err == nil || !strings.Contains(err.Error(), "MY_DB_URL is not set") {
		t.Errorf("openStore = %v, want the variable named", err)
	}
	if got := c.name(); strings.Contains(got, "postgres://") || !strings.Contains(got, "MY_DB_URL") {
		t.Errorf("name = %q, want the variable, never the string", got)
	}
}
