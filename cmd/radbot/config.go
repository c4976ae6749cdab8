package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/radbot/radbot/adapters/discord"
	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/knowledge"
)

// Config is radbot serve's configuration, read from a YAML file (see config.example.yaml). Every key has a
// default, so an empty file, or no file at all, is a valid configuration. Secrets are never in the file:
// the file names the environment variables that hold them.
type Config struct {
	Knowledge KnowledgeConfig `yaml:"knowledge"`
	Bot       BotConfig       `yaml:"bot"`
	Store     StoreConfig     `yaml:"store"`
	HTTP      HTTPConfig      `yaml:"http"`
	Log       LogConfig       `yaml:"log"`
	Discord   DiscordConfig   `yaml:"discord"`
	Slack     SlackConfig     `yaml:"slack"`
	Report    ReportConfig    `yaml:"report"` // see digest_config.go
	// ShutdownTimeout bounds a graceful shutdown: draining the platforms, the HTTP server and closing the
	// store. If it expires, serve exits with status 1.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	// HandlerTimeout bounds the handling of one chat event on either platform. Replies and error
	// notices are still sent afterwards, each with a fresh context of its own.
	HandlerTimeout Duration `yaml:"handler_timeout"`
}

// KnowledgeConfig says where the knowledge comes from.
type KnowledgeConfig struct {
	// Dir is a knowledge folder; empty means the content embedded in the binary. Relative paths are
	// relative to the working directory.
	Dir string `yaml:"dir"`
	// Watch reloads the folder when a file in it changes. Ignored for embedded knowledge.
	Watch bool `yaml:"watch"`
}

// BotConfig tunes the bot core.
type BotConfig struct {
	ContextTTL       Duration        `yaml:"context_ttl"`
	MaxQuestionChars int             `yaml:"max_question_chars"`
	RateLimit        RateLimitConfig `yaml:"rate_limit"`
	// MaxUsers caps the users whose conversation context and rate limit are kept in memory.
	MaxUsers int `yaml:"max_users"`
}

// RateLimitConfig limits questions per user.
type RateLimitConfig struct {
	PerMinute float64 `yaml:"per_minute"`
	Burst     int     `yaml:"burst"`
}

// StoreConfig configures the database of interactions and votes: a SQLite file (the default) or a
// PostgreSQL server that several replicas share.
type StoreConfig struct {
	// Driver is "sqlite" (Path) or "postgres" (the connection string in the variable DSNEnv names).
	Driver string `yaml:"driver"`
	Path   string `yaml:"path"`
	// DSNEnv names the environment variable holding the PostgreSQL connection string (it may hold a
	// password, so it is never in the file).
	DSNEnv string `yaml:"dsn_env"`
	// RetentionDays deletes interactions (and their votes) older than this; 0 keeps them forever.
	RetentionDays int `yaml:"retention_days"`
	// HashKeyEnv names the environment variable holding the key for hashing user and conversation ids.
	HashKeyEnv string `yaml:"hash_key_env"`
	// QueueSize bounds the interactions waiting to be written (replies never wait for the store).
	QueueSize int `yaml:"queue_size"`
	// ProbeInterval is how often a small write checks that the store can take writes, for /readyz.
	ProbeInterval Duration `yaml:"probe_interval"`
}

// HTTPConfig configures the HTTP server (health, metrics, Slack HTTP mode).
type HTTPConfig struct {
	Listen string `yaml:"listen"`
	// ReadyGrace is how long a chat platform may be disconnected before /readyz says 503.
	ReadyGrace Duration `yaml:"ready_grace"`
}

// LogConfig configures logging to stderr.
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// DiscordConfig configures the Discord adapter.
type DiscordConfig struct {
	Enabled       bool     `yaml:"enabled"`
	TokenEnv      string   `yaml:"token_env"`
	ApplicationID string   `yaml:"application_id"`
	GuildIDs      []string `yaml:"guild_ids"`
	Mentions      bool     `yaml:"mentions"`
	DMs           bool     `yaml:"dms"`
	Command       string   `yaml:"command"`
	APIURL        string   `yaml:"api_url"`
	// AuthCheckAfter is how long the gateway may be down before the token is checked; a rejected
	// token stops serve with exit status 1.
	AuthCheckAfter Duration `yaml:"auth_check_after"`
	// ShardID and ShardCount split the guilds between replicas: this replica serves shard ShardID of
	// ShardCount (0: as many as Discord recommends).
	ShardID    int `yaml:"shard_id"`
	ShardCount int `yaml:"shard_count"`
}

// SlackConfig configures the Slack adapter.
type SlackConfig struct {
	Enabled          bool   `yaml:"enabled"`
	Mode             string `yaml:"mode"`
	BotTokenEnv      string `yaml:"bot_token_env"`
	AppTokenEnv      string `yaml:"app_token_env"`
	SigningSecretEnv string `yaml:"signing_secret_env"`
	Command          string `yaml:"command"`
	APIURL           string `yaml:"api_url"`
	// OAuth installs the app in many workspaces, each with a bot token of its own kept in the store.
	OAuth SlackOAuthConfig `yaml:"oauth"`
}

// SlackOAuthConfig configures distribution: the OAuth v2 install flow at /slack/install and
// /slack/oauth/callback, and per-workspace bot tokens sealed in the store.
type SlackOAuthConfig struct {
	Enabled         bool   `yaml:"enabled"`
	ClientID        string `yaml:"client_id"`
	ClientSecretEnv string `yaml:"client_secret_env"`
	// TokenKeyEnv names the variable holding the key (64 hex characters) that seals workspace tokens
	// at rest, and signs the install state.
	TokenKeyEnv string `yaml:"token_key_env"`
	// RedirectURL is this server's public /slack/oauth/callback URL, as registered with Slack.
	RedirectURL string `yaml:"redirect_url"`
	// AuthorizeURL is Slack's authorisation page; only tests change it.
	AuthorizeURL string `yaml:"authorize_url"`
}

// Duration is a time.Duration written in YAML as a Go duration string ("10m", "1h30m", "15s").
type Duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("must be a duration such as 10m")
	}
	v, err := time.ParseDuration(strings.TrimSpace(n.Value))
	if err != nil {
		return fmt.Errorf("%q is not a duration (use e.g. 10m)", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML implements yaml.Marshaler.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// DefaultConfig returns the configuration used when there is no file, and the base a file overrides.
func DefaultConfig() Config {
	return Config{
		Knowledge: KnowledgeConfig{Dir: "", Watch: true},
		Bot: BotConfig{
			ContextTTL:       Duration(10 * time.Minute),
			MaxQuestionChars: 500,
			RateLimit:        RateLimitConfig{PerMinute: 10, Burst: 5},
			MaxUsers:         50_000,
		},
		Store: StoreConfig{Driver: "sqlite", Path: "radbot.db", DSNEnv: "RADBOT_DATABASE_URL", RetentionDays: 365, HashKeyEnv: "RADBOT_HASH_KEY", QueueSize: 4096,
			ProbeInterval: Duration(10 * time.Second)},
		HTTP:            HTTPConfig{Listen: "127.0.0.1:8080", ReadyGrace: Duration(time.Minute)},
		Log:             LogConfig{Level: "info", Format: "text"},
		ShutdownTimeout: Duration(15 * time.Second),
		HandlerTimeout:  Duration(10 * time.Second),
		Discord: DiscordConfig{
			TokenEnv: "DISCORD_BOT_TOKEN",
			GuildIDs: []string{},
			Mentions: true,
			DMs:      true,
			Command:  "ask",

			AuthCheckAfter: Duration(10 * time.Second),
			ShardCount:     1,
		},
		Slack: SlackConfig{
			Mode:             "socket",
			BotTokenEnv:      "SLACK_BOT_TOKEN",
			AppTokenEnv:      "SLACK_APP_TOKEN",
			SigningSecretEnv: "SLACK_SIGNING_SECRET",
			Command:          "/radiology",
			OAuth: SlackOAuthConfig{
				ClientSecretEnv: "SLACK_CLIENT_SECRET",
				TokenKeyEnv:     "RADBOT_TOKEN_KEY",
				AuthorizeURL:    "https://slack.com/oauth/v2/authorize",
			},
		},
		Report: ReportConfig{Digest: DigestConfig{Weekday: "monday", Time: "09:00", Timezone: "Europe/London"}},
	}
}

// ConfigError lists every problem found in a configuration, each naming the key it is about.
type ConfigError struct {
	File     string // as given; "" when there was no file
	Problems []string
}

func (e *ConfigError) Error() string {
	name := e.File
	if name == "" {
		name = "(defaults)"
	}
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = "config " + name + ": " + p
	}
	return strings.Join(lines, "\n")
}

// ParseConfig decodes YAML over the defaults, strictly, and validates the result. Errors are a
// *ConfigError naming every bad key.
func ParseConfig(data []byte) (Config, error) {
	cfg, err := parseConfig(data)
	if err != nil {
		return Config{}, err
	}
	return cfg, cfg.Validate()
}

// parseConfig decodes YAML over the defaults, strictly, without validating the values.
func parseConfig(data []byte) (Config, error) {
	cfg := DefaultConfig()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Config{}, &ConfigError{Problems: []string{strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	if len(root.Content) == 0 { // empty file or only comments
		return cfg, nil
	}
	var problems []cfgProblem
	checkNode(root.Content[0], reflect.TypeFor[Config](), "", &problems)
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].line < problems[j].line })
		ce := &ConfigError{}
		for _, p := range problems {
			ce.Problems = append(ce.Problems, p.msg)
		}
		return Config{}, ce
	}
	// The walk found every key known and every value of the right kind: decode the same tree.
	if err := root.Content[0].Decode(&cfg); err != nil {
		return Config{}, &ConfigError{Problems: []string{strings.TrimPrefix(err.Error(), "yaml: ")}}
	}
	return cfg, nil
}

type cfgProblem struct {
	line int
	msg  string
}

var unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()

// wholeNumber is what the configuration accepts for a count: digits, optionally signed.
var wholeNumber = regexp.MustCompile(`^[-+]?[0-9]+$`)

// checkNode walks a YAML node against the Go type it will decode into, collecting unknown keys and values
// of the wrong kind, each with its key path, so that the errors say which key is wrong rather than
// which Go type failed.
func checkNode(n *yaml.Node, t reflect.Type, path string, out *[]cfgProblem) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // "key:" with no value keeps the default
	}
	add := func(format string, args ...any) {
		*out = append(*out, cfgProblem{n.Line, path + ": " + fmt.Sprintf(format, args...)})
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) {
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			add("%s", err.Error())
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			if path == "" {
				*out = append(*out, cfgProblem{n.Line, fmt.Sprintf("line %d: the file must be a mapping of keys (see config.example.yaml)", n.Line)})
			} else {
				add("must be a mapping of keys, not %s", nodeKind(n))
			}
			return
		}
		fields := map[string]reflect.StructField{}
		var names []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f
			names = append(names, name)
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := keyPath(path, k.Value)
			f, ok := fields[k.Value]
			if !ok {
				msg := fmt.Sprintf("unknown key %s at line %d", key, k.Line)
				if s := knowledge.Suggest(k.Value, names); s != "" {
					msg += fmt.Sprintf(" (did you mean %s?)", keyPath(path, s))
				}
				*out = append(*out, cfgProblem{k.Line, msg})
				continue
			}
			checkNode(v, f.Type, key, out)
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			add("must be a list, not %s", nodeKind(n))
			return
		}
		for i, c := range n.Content {
			checkNode(c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), out)
		}
	default:
		if n.Kind != yaml.ScalarNode {
			add("must be a single value, not %s", nodeKind(n))
			return
		}
		switch t.Kind() {
		case reflect.Int, reflect.Int64, reflect.Int32:
			// yaml.v3 would take 0.5 as 0 and 1e6 as a million: only digits are a whole number here.
			if !wholeNumber.MatchString(strings.TrimSpace(n.Value)) {
				add("%q is not a whole number", n.Value)
				return
			}
			if _, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(n.Value), "_", ""), 10, 32); err != nil {
				add("%q is too large", n.Value)
				return
			}
		case reflect.Float64, reflect.Float32:
			var f float64
			if err := n.Decode(&f); err != nil {
				add("%q is not a number", n.Value)
				return
			}
			if math.IsNaN(f) || math.IsInf(f, 0) {
				add("%q is not a finite number", n.Value)
				return
			}
		}
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			switch t.Kind() {
			case reflect.Bool:
				add("%q is not true or false", n.Value)
			case reflect.Int, reflect.Int64, reflect.Int32:
				add("%q is not a whole number", n.Value)
			case reflect.Float64, reflect.Float32:
				add("%q is not a number", n.Value)
			default:
				add("%q: %s", n.Value, strings.TrimPrefix(err.Error(), "yaml: "))
			}
		}
	}
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return strconv.Quote(n.Value)
	}
}

func keyPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Validate checks the values, reporting every problem with its key. It does not look at the
// environment; Secrets does.
func (c *Config) Validate() error {
	var ps []string
	bad := func(key, format string, args ...any) { ps = append(ps, key+": "+fmt.Sprintf(format, args...)) }

	duration := func(key string, d Duration, lo, hi time.Duration) {
		if d.D() < lo || d.D() > hi {
			bad(key, "%v is out of range (use %v to %v)", d.D(), lo, hi)
		}
	}
	count := func(key string, n, lo, hi int) {
		if n < lo || n > hi {
			bad(key, "%d is out of range (use %d to %d)", n, lo, hi)
		}
	}
	duration("bot.context_ttl", c.Bot.ContextTTL, time.Second, 24*time.Hour)
	count("bot.max_question_chars", c.Bot.MaxQuestionChars, 20, 4000)
	if pm := c.Bot.RateLimit.PerMinute; math.IsNaN(pm) || pm < 0 || pm > 600 {
		bad("bot.rate_limit.per_minute", "%g is out of range (use 0 for no limit, or up to 600)", pm)
	}
	count("bot.rate_limit.burst", c.Bot.RateLimit.Burst, 1, 100)
	count("bot.max_users", c.Bot.MaxUsers, 100, 10_000_000)
	checkPath("knowledge.dir", c.Knowledge.Dir, bad)
	switch c.Store.Driver {
	case "sqlite":
		if strings.TrimSpace(c.Store.Path) == "" {
			bad("store.path", "must name the database file, e.g. radbot.db")
		}
	case "postgres":
		if !isEnvName(c.Store.DSNEnv) {
			bad("store.dsn_env", "%q is not an environment variable name (store.driver is postgres)", c.Store.DSNEnv)
		}
	default:
		bad("store.driver", "%q must be sqlite or postgres", c.Store.Driver)
	}
	checkPath("store.path", c.Store.Path, bad)
	// Up to 100 years: a longer period would overflow the cutoff (it used to land in the future and
	// delete everything).
	count("store.retention_days", c.Store.RetentionDays, 0, maxRetentionDays)
	count("store.queue_size", c.Store.QueueSize, 16, 1_000_000)
	duration("store.probe_interval", c.Store.ProbeInterval, 100*time.Millisecond, 10*time.Minute)
	duration("discord.auth_check_after", c.Discord.AuthCheckAfter, 100*time.Millisecond, 10*time.Minute)
	duration("http.ready_grace", c.HTTP.ReadyGrace, time.Second, time.Hour)
	duration("shutdown_timeout", c.ShutdownTimeout, time.Second, 10*time.Minute)
	duration("handler_timeout", c.HandlerTimeout, time.Second, time.Minute)
	if !isEnvName(c.Store.HashKeyEnv) {
		bad("store.hash_key_env", "%q is not an environment variable name", c.Store.HashKeyEnv)
	}
	if _, port, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
		bad("http.listen", "%q is not a listen address (use host:port, e.g. 127.0.0.1:8080)", c.HTTP.Listen)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("http.listen", "%q has no valid port (use host:port, e.g. 127.0.0.1:8080)", c.HTTP.Listen)
	}
	if _, ok := logLevels[c.Log.Level]; !ok {
		bad("log.level", "%q must be debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != "text" && c.Log.Format != "json" {
		bad("log.format", "%q must be text or json", c.Log.Format)
	}

	if c.Discord.Enabled {
		if !isEnvName(c.Discord.TokenEnv) {
			bad("discord.token_env", "%q is not an environment variable name (discord is enabled)", c.Discord.TokenEnv)
		}
		for _, p := range discord.CheckConfig(discord.Config{Command: c.Discord.Command, GuildIDs: c.Discord.GuildIDs,
			ApplicationID: c.Discord.ApplicationID, APIURL: c.Discord.APIURL,
			ShardID: c.Discord.ShardID, ShardCount: c.Discord.ShardCount}) {
			bad("discord."+p.Field, "%s", p.Msg)
		}
	}
	for _, p := range slack.CheckConfig(slack.Config{Mode: c.Slack.Mode, Command: c.Slack.Command, APIURL: c.Slack.APIURL}) {
		bad("slack."+p.Field, "%s", p.Msg)
	}
	if o := c.Slack.OAuth; c.Slack.Enabled && o.Enabled {
		if strings.TrimSpace(o.ClientID) == "" {
			bad("slack.oauth.client_id", "must be set (the app's Client ID, from Basic Information)")
		}
		for key, env := range map[string]string{"slack.oauth.client_secret_env": o.ClientSecretEnv, "slack.oauth.token_key_env": o.TokenKeyEnv} {
			if !isEnvName(env) {
				bad(key, "%q is not an environment variable name", env)
			}
		}
		for _, p := range slack.CheckOAuth(slack.OAuthConfig{ClientID: o.ClientID, RedirectURL: o.RedirectURL, AuthorizeURL: o.AuthorizeURL}) {
			bad("slack.oauth."+p.Field, "%s", p.Msg)
		}
	}
	if c.Slack.Enabled {
		switch c.Slack.Mode {
		case "socket":
			if !isEnvName(c.Slack.AppTokenEnv) {
				bad("slack.app_token_env", "%q is not an environment variable name (socket mode needs an app token)", c.Slack.AppTokenEnv)
			}
		case "http":
			if !isEnvName(c.Slack.SigningSecretEnv) {
				bad("slack.signing_secret_env", "%q is not an environment variable name (http mode needs a signing secret)", c.Slack.SigningSecretEnv)
			}
		}
		if !isEnvName(c.Slack.BotTokenEnv) && !c.Slack.OAuth.Enabled {
			bad("slack.bot_token_env", "%q is not an environment variable name (slack is enabled)", c.Slack.BotTokenEnv)
		}
	}
	c.Report.Digest.validate("report.digest", bad)
	if len(ps) == 0 {
		return nil
	}
	return &ConfigError{Problems: ps}
}

// maxRetentionDays is the longest retention period accepted: 100 years.
const maxRetentionDays = 36_500

// checkPath refuses a path SQLite or the OS would read differently from what was written.
func checkPath(key, p string, bad func(key, format string, args ...any)) {
	if strings.ContainsRune(p, 0) {
		bad(key, "contains a NUL byte")
	}
}

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

func isEnvName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_', r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z':
		case r >= '0' && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Secrets are the credentials read from the environment. They are never logged.
type Secrets struct {
	DiscordToken       string
	SlackBotToken      string // empty with slack.oauth: each workspace's token is in the store
	SlackAppToken      string
	SlackSigningSecret string
	SlackClientSecret  string // slack.oauth
	TokenKey           []byte // slack.oauth: seals workspace tokens at rest
}

// Secrets reads the credentials of the enabled platforms from the environment variables the
// configuration names, and reports every one that is missing.
func (c *Config) Secrets(getenv func(string) string) (Secrets, error) {
	var s Secrets
	var ps []string
	need := func(key, env, why string, dst *string) {
		*dst = strings.TrimSpace(getenv(env))
		if *dst == "" {
			ps = append(ps, fmt.Sprintf("%s: environment variable %s is not set (%s)", key, env, why))
		}
	}
	if c.Discord.Enabled {
		need("discord.token_env", c.Discord.TokenEnv, "discord is enabled", &s.DiscordToken)
	}
	if c.Slack.Enabled && c.Slack.OAuth.Enabled {
		// One workspace may still be served with a token from the environment, beside the installed ones.
		s.SlackBotToken = strings.TrimSpace(getenv(c.Slack.BotTokenEnv))
		need("slack.oauth.client_secret_env", c.Slack.OAuth.ClientSecretEnv, "slack.oauth is enabled", &s.SlackClientSecret)
		var key string
		need("slack.oauth.token_key_env", c.Slack.OAuth.TokenKeyEnv, "slack.oauth keeps tokens sealed with it", &key)
		if key != "" {
			k, err := hex.DecodeString(key)
			if err != nil || len(k) != 32 {
				ps = append(ps, fmt.Sprintf("slack.oauth.token_key_env: %s must hold 64 hex characters (e.g. openssl rand -hex 32)", c.Slack.OAuth.TokenKeyEnv))
			}
			s.TokenKey = k
		}
	} else if c.Slack.Enabled {
		need("slack.bot_token_env", c.Slack.BotTokenEnv, "slack is enabled", &s.SlackBotToken)
	}
	if c.Slack.Enabled {
		switch c.Slack.Mode {
		case "socket":
			need("slack.app_token_env", c.Slack.AppTokenEnv, "slack socket mode needs an app-level token", &s.SlackAppToken)
		case "http":
			need("slack.signing_secret_env", c.Slack.SigningSecretEnv, "slack http mode needs the signing secret", &s.SlackSigningSecret)
		}
	}
	if len(ps) > 0 {
		return Secrets{}, &ConfigError{Problems: ps}
	}
	return s, nil
}

// newLogger builds the process logger from the log settings.
func newLogger(c LogConfig, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: logLevels[c.Level]}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
