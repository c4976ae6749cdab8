package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	for _, data := range []string{"", "# only a comment\n", "bot:\n", "{}\n"} {
		cfg, err := ParseConfig([]byte(data))
		if err != nil {
			t.Fatalf("ParseConfig(%q): %v", data, err)
		}
		if !reflect.DeepEqual(cfg, DefaultConfig()) {
			t.Errorf("ParseConfig(%q) = %+v, want the defaults %+v", data, cfg, DefaultConfig())
		}
	}
	d := DefaultConfig()
	if err := d.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if d.Bot.ContextTTL.D() != 10*time.Minute || d.Bot.MaxQuestionChars != 500 || d.Bot.RateLimit.PerMinute != 10 ||
		d.Bot.RateLimit.Burst != 5 || d.Store.Path != "radbot.db" || d.Store.RetentionDays != 365 ||
		d.Store.HashKeyEnv != "RADBOT_HASH_KEY" || d.HTTP.Listen != "127.0.0.1:8080" || d.Log.Level != "info" ||
		d.Log.Format != "text" || d.ShutdownTimeout.D() != 15*time.Second || d.Knowledge.Dir != "" || !d.Knowledge.Watch ||
		d.Discord.Enabled || d.Slack.Enabled || d.Slack.Mode != "socket" || d.Discord.Command != "ask" ||
		d.Slack.Command != "/radiology" || !d.Discord.Mentions || !d.Discord.DMs {
		t.Errorf("unexpected defaults: %+v", d)
	}
}

func TestConfigOverridesKeepOtherDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig([]byte(`
bot:
  context_ttl: 1h30m
  rate_limit: {per_minute: 2.5}
discord:
  enabled: true
  guild_ids: ["123", "456"]
shutdown_timeout: 3s
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Bot.ContextTTL.D() != 90*time.Minute || cfg.Bot.RateLimit.PerMinute != 2.5 || cfg.ShutdownTimeout.D() != 3*time.Second {
		t.Errorf("overrides not applied: %+v", cfg.Bot)
	}
	if cfg.Bot.RateLimit.Burst != 5 || cfg.Bot.MaxQuestionChars != 500 || cfg.Discord.Command != "ask" || !cfg.Discord.DMs {
		t.Errorf("defaults next to the overrides were lost: %+v %+v", cfg.Bot, cfg.Discord)
	}
	if !reflect.DeepEqual(cfg.Discord.GuildIDs, []string{"123", "456"}) {
		t.Errorf("guild ids = %v", cfg.Discord.GuildIDs)
	}
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want []string // each must appear in the error
	}{
		{"unknown key with path and line", "log:\n  level: info\ndiscord:\n  enabled: false\n  tokn: x\n",
			[]string{"unknown key discord.tokn at line 5"}},
		{"misspelt key suggests the right one", "bot:\n  context_tl: 5m\n",
			[]string{"unknown key bot.context_tl at line 2 (did you mean bot.context_ttl?)"}},
		{"unknown top-level key", "knowlege:\n  dir: x\n", []string{"unknown key knowlege at line 1 (did you mean knowledge?)"}},
		{"bad duration", "bot:\n  context_ttl: ten\n", []string{`bot.context_ttl: "ten" is not a duration (use e.g. 10m)`}},
		{"negative duration", "bot:\n  context_ttl: -5m\n", []string{"bot.context_ttl: -5m0s is out of range (use 1s to 24h0m0s)"}},
		// Issue 14, point 0: values that used to pass and then did damage.
		{"retention that overflows", "store:\n  retention_days: 200000\n", []string{"store.retention_days: 200000 is out of range (use 0 to 36500)"}},
		{"retention in float notation", "store:\n  retention_days: 1e6\n", []string{`store.retention_days: "1e6" is not a whole number`}},
		{"fractional days", "store:\n  retention_days: 0.5\n", []string{`store.retention_days: "0.5" is not a whole number`}},
		{"fractional count", "bot:\n  max_question_chars: 99.9\n", []string{`bot.max_question_chars: "99.9" is not a whole number`}},
		{"count beyond int", "bot:\n  max_question_chars: 99999999999999999999\n", []string{`bot.max_question_chars: "99999999999999999999" is too large`}},
		{"NaN rate", "bot:\n  rate_limit:\n    per_minute: .nan\n", []string{`bot.rate_limit.per_minute: ".nan" is not a finite number`}},
		{"infinite rate", "bot:\n  rate_limit:\n    per_minute: .inf\n", []string{`bot.rate_limit.per_minute: ".inf" is not a finite number`}},
		{"NUL in store path", "store:\n  path: \"radbot.db\\0.txt\"\n", []string{"store.path: contains a NUL byte"}},
		{"context for a year", "bot:\n  context_ttl: 8760h\n", []string{"bot.context_ttl: 8760h0m0s is out of range"}},
		{"duration overflow", "shutdown_timeout: 9999999999h\n", []string{`shutdown_timeout: "9999999999h" is not a duration`}},
		{"user cap", "bot:\n  max_users: 5\n", []string{"bot.max_users: 5 is out of range"}},
		{"discord rule from the adapter", "discord:\n  enabled: true\n  command: topics\n", []string{`discord.command: "topics" is taken`}},
		{"bad shutdown timeout", "shutdown_timeout: soon\n", []string{`shutdown_timeout: "soon" is not a duration`}},
		{"bad mode", "slack:\n  mode: websocket\n", []string{`slack.mode: "websocket" must be socket or http`}},
		{"bad mode when enabled", "slack:\n  enabled: true\n  mode: rtm\n", []string{`slack.mode: "rtm" must be socket or http`}},
		{"not a number", "bot:\n  max_question_chars: lots\n", []string{`bot.max_question_chars: "lots" is not a whole number`}},
		{"not a bool", "knowledge:\n  watch: sometimes\n", []string{`knowledge.watch: "sometimes" is not true or false`}},
		{"rate limit insane", "bot:\n  rate_limit:\n    per_minute: -1\n    burst: 0\n",
			[]string{"bot.rate_limit.per_minute: -1 is out of range", "bot.rate_limit.burst: 0 is out of range"}},
		{"listen address", "http:\n  listen: localhost\n", []string{`http.listen: "localhost" is not a listen address`}},
		{"listen port", "http:\n  listen: 127.0.0.1:99999\n", []string{`http.listen: "127.0.0.1:99999" has no valid port`}},
		{"log level and format", "log:\n  level: loud\n  format: xml\n",
			[]string{`log.level: "loud" must be debug, info, warn or error`, `log.format: "xml" must be text or json`}},
		{"mapping expected", "bot: 5\n", []string{`bot: must be a mapping of keys, not "5"`}},
		{"list expected", "discord:\n  guild_ids: 123\n", []string{`discord.guild_ids: must be a list, not "123"`}},
		{"list item path", "discord:\n  enabled: true\n  guild_ids: [\"1\", abc]\n", []string{`discord.guild_ids[1]: "abc" is not a Discord id`}},
		{"env var name", "discord:\n  enabled: true\n  token_env: \"my token\"\n", []string{`discord.token_env: "my token" is not an environment variable name`}},
		{"discord command", "discord:\n  enabled: true\n  command: Ask Me\n", []string{`discord.command: "Ask Me" must be`}},
		{"slack command", "slack:\n  enabled: true\n  command: radiology\n", []string{`slack.command: "radiology" must be a slash command`}},
		{"all problems at once", "bot:\n  context_ttl: ten\n  bogus: 1\nlog:\n  format: xml\n",
			[]string{`bot.context_ttl: "ten" is not a duration`, "unknown key bot.bogus at line 3"}},
		{"secret in file is just an unknown key", "discord:\n  token: abc\n", []string{"unknown key discord.token at line 2"}},
		{"yaml syntax", "bot:\n  context_ttl: [10m\n", []string{"line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseConfig([]byte(tt.yaml))
			if err == nil {
				t.Fatalf("ParseConfig accepted:\n%s", tt.yaml)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v is not a *ConfigError", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}

func TestConfigFileErrorNamesFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "radbot.yaml")
	os.WriteFile(path, []byte("bot:\n  context_ttl: ten\n"), 0o600)
	_, err := readConfig(path, nil)
	want := `config ` + path + `: bot.context_ttl: "ten" is not a duration (use e.g. 10m)`
	if err == nil || err.Error() != want {
		t.Fatalf("readConfig error = %v, want %s", err, want)
	}
	// Command-line overrides are validated too.
	_, err = readConfig("", func(c *Config) { c.HTTP.Listen = "nowhere" })
	if err == nil || !strings.Contains(err.Error(), "http.listen") {
		t.Fatalf("bad --listen accepted: %v", err)
	}
	if _, err := readConfig(filepath.Join(t.TempDir(), "missing.yaml"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestConfigSecrets(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

	cfg := DefaultConfig()
	if _, err := cfg.Secrets(env(nil)); err != nil {
		t.Fatalf("no platform enabled needs no secret: %v", err)
	}

	cfg.Discord.Enabled = true
	cfg.Slack.Enabled = true
	_, err := cfg.Secrets(env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}))
	if err == nil {
		t.Fatal("missing tokens accepted")
	}
	for _, w := range []string{
		"discord.token_env: environment variable DISCORD_BOT_TOKEN is not set (discord is enabled)",
		"slack.app_token_env: environment variable SLACK_APP_TOKEN is not set",
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error\n%v\ndoes not contain %s", err, w)
		}
	}
	if strings.Contains(err.Error(), "xoxb-1") {
		t.Errorf("error reveals a secret: %v", err)
	}

	cfg.Slack.Mode = "http"
	cfg.Discord.TokenEnv = "MY_DISCORD"
	s, err := cfg.Secrets(env(map[string]string{"MY_DISCORD": "d-tok", "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "sig"}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, Secrets{DiscordToken: "d-tok", SlackBotToken: "xoxb-1", SlackSigningSecret: "sig"}) {
		t.Errorf("secrets = %+v", s)
	}
	if _, err := cfg.Secrets(env(map[string]string{"MY_DISCORD": "d", "SLACK_BOT_TOKEN": "x"})); err == nil ||
		!strings.Contains(err.Error(), "SLACK_SIGNING_SECRET is not set") {
		t.Errorf("http mode without signing secret: %v", err)
	}
}

// TestExampleConfig checks that config.example.yaml parses strictly, sets every default, and mentions
// every key of Config.
func TestExampleConfig(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		t.Fatalf("config.example.yaml: %v", err)
	}
	if !reflect.DeepEqual(cfg, DefaultConfig()) {
		t.Errorf("config.example.yaml differs from the defaults:\n got %+v\nwant %+v", cfg, DefaultConfig())
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		t.Fatal(err)
	}
	var missing []string
	var walk func(n *yaml.Node, typ reflect.Type, path string)
	walk = func(n *yaml.Node, typ reflect.Type, path string) {
		for i := range typ.NumField() {
			f := typ.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			var v *yaml.Node
			for j := 0; n != nil && j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == name {
					v = n.Content[j+1]
				}
			}
			key := keyPath(path, name)
			if v == nil {
				missing = append(missing, key)
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				walk(v, f.Type, key)
			}
		}
	}
	walk(root.Content[0], reflect.TypeFor[Config](), "")
	if len(missing) > 0 {
		t.Errorf("config.example.yaml does not show these keys: %s", strings.Join(missing, ", "))
	}
}
