// Package slack connects RadBot to Slack through slack-go: the /radiology slash command, @mentions in
// channels (answered in a thread) and direct messages, over Socket Mode (the default) or over HTTP
// (Events API, slash commands and interactivity, each request verified with the signing secret).
//
// Replies are rendered in Block Kit by the pure function Render; feedback buttons record votes through
// the bot, and "Not helpful" opens a modal that asks what the user was looking for.
package slack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/slack-go/slack"

	"github.com/radbot/radbot/adapters/internal/redact"
	"github.com/radbot/radbot/adapters/internal/work"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// Platform is the name the adapter gives the bot for queries and feedback.
const Platform = bot.PlatformSlack

// Modes of delivery.
const (
	ModeSocket = "socket"
	ModeHTTP   = "http"
)

// DefaultCommand is the slash command the adapter answers when Config.Command is empty.
const DefaultCommand = "/radiology"

const (
	defaultJobTimeout = 10 * time.Second // one question or click; then each reply, retries included
	ackTimeout        = 2 * time.Second  // Socket Mode acks must reach Slack within 3 s
	maxBodyBytes      = 1 << 20
	restartingText    = "RadBot is restarting. Please ask again in a moment."
)

// Config configures an Adapter.
type Config struct {
	Mode          string // "socket" (default) or "http"
	BotToken      string // xoxb-, from the environment; never logged
	AppToken      string // xapp-, socket mode only
	SigningSecret string // http mode only
	Command       string // slash command, default "/radiology"
	APIURL        string // default Slack's own; tests/proxies point it elsewhere (slack.OptionAPIURL, trailing slash)
	Logger        *slog.Logger
	// JobTimeout bounds the handling of one event (default 10 s); replies and notices are then still
	// sent, each with a fresh context of its own and as long again for retries.
	JobTimeout time.Duration
	// Claims, when set (the store, shared by replicas), makes sure each event is handled once across
	// every replica, and still handled when the replica that took it died; nil keeps the record in
	// memory. Owner names this replica in its claims (default: random).
	Claims bot.Claims
	Owner  string
	// OAuth, when set, installs the app in many workspaces: BotToken becomes optional (one workspace
	// may still use it) and each installed workspace's token is kept, sealed, in Workspaces.
	OAuth      *OAuthConfig
	Workspaces Workspaces
}

// Problem is one thing wrong with a Config, naming its field as the configuration file does.
type Problem struct {
	Field string // mode, command, api_url
	Msg   string
}

func (p Problem) String() string { return p.Field + ": " + p.Msg }

// CheckConfig checks everything in c but the tokens and the logger, and returns every problem. New
// uses it, and so does serve's configuration check.
func CheckConfig(c Config) []Problem {
	var ps []Problem
	switch strings.ToLower(strings.TrimSpace(c.Mode)) {
	case "", ModeSocket, ModeHTTP:
	default:
		ps = append(ps, Problem{"mode", fmt.Sprintf("%q must be socket or http", c.Mode)})
	}
	if c.Command != "" && (!strings.HasPrefix(c.Command, "/") || len(c.Command) < 2 || strings.ContainsAny(c.Command, " \t\n")) {
		ps = append(ps, Problem{"command", fmt.Sprintf("%q must be a slash command such as /radiology", c.Command)})
	}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps = append(ps, Problem{"api_url", fmt.Sprintf("%q must be an http:// or https:// URL ending in /api/ (leave empty for the real service)", c.APIURL)})
		}
	}
	if c.JobTimeout < 0 {
		ps = append(ps, Problem{"handler_timeout", "must not be negative"})
	}
	return ps
}

// LogValue keeps the tokens and the signing secret out of logs.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("mode", c.Mode),
		slog.String("command", c.Command),
		slog.String("api_url", c.APIURL),
		slog.Bool("bot_token_set", c.BotToken != ""),
		slog.Bool("app_token_set", c.AppToken != ""),
		slog.Bool("signing_secret_set", c.SigningSecret != ""),
		slog.Bool("oauth", c.OAuth != nil),
		slog.Bool("shared_claims", c.Claims != nil),
	)
}

// Answerer is what the adapter needs from the bot. *bot.Bot satisfies it.
type Answerer interface {
	Answer(ctx context.Context, q bot.Query) bot.Reply
	Feedback(ctx context.Context, f bot.Feedback) error
	Knowledge() *knowledge.Base
}

var _ Answerer = (*bot.Bot)(nil)

// Adapter serves the bot on Slack. Create it with New, then call Run; in HTTP mode also mount
// Handler. It is safe for concurrent use.
type Adapter struct {
	cfg    Config
	b      Answerer
	log    *slog.Logger
	api    *slack.Client // the app-level client: Socket Mode, and the env token's workspace
	env    *team         // the workspace of the token from the environment; nil without one
	teams  *teams
	sealer *sealer // with OAuth
	owner  string
	seen   *expirable.LRU[string, struct{}] // event ids and message timestamps answered lately
	seenMu sync.Mutex
	work   *work.Group
	acks   sync.WaitGroup // acknowledgements waiting for their work (Socket Mode)

	mu      sync.Mutex
	started bool

	connMu    sync.Mutex
	connected bool
	since     time.Time
}

// identity is who the bot is in the workspace.
type identity struct {
	UserID string
	BotID  string
}

// New checks cfg and builds an Adapter. It makes no network calls.
func New(cfg Config, b Answerer) (*Adapter, error) {
	if b == nil {
		return nil, errors.New("slack: no bot given")
	}
	cfg.Mode = strings.ToLower(strings.TrimSpace(cfg.Mode))
	if cfg.Mode == "" {
		cfg.Mode = ModeSocket
	}
	if ps := CheckConfig(cfg); len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.String()
		}
		return nil, fmt.Errorf("slack: %s", strings.Join(msgs, "; "))
	}
	if cfg.Command == "" {
		cfg.Command = DefaultCommand
	}
	if cfg.JobTimeout == 0 {
		cfg.JobTimeout = defaultJobTimeout
	}
	if cfg.OAuth == nil && !strings.HasPrefix(cfg.BotToken, "xoxb-") {
		return nil, errors.New("slack: the bot token must be set and start with xoxb-")
	}
	if cfg.BotToken != "" && !strings.HasPrefix(cfg.BotToken, "xoxb-") {
		return nil, errors.New("slack: the bot token must start with xoxb-")
	}
	var seal *sealer
	if cfg.OAuth != nil {
		o := *cfg.OAuth
		if ps := CheckOAuth(o); len(ps) > 0 {
			return nil, fmt.Errorf("slack: oauth: %s", ps[0])
		}
		if o.ClientSecret == "" || cfg.Workspaces == nil {
			return nil, errors.New("slack: oauth needs the client secret and a store for the workspaces")
		}
		var err error
		if seal, err = newSealer(o.TokenKey); err != nil {
			return nil, fmt.Errorf("slack: oauth: %w", err)
		}
		if o.AuthorizeURL == "" {
			o.AuthorizeURL = DefaultAuthorizeURL
		}
		if len(o.Scopes) == 0 {
			o.Scopes = BotScopes
		}
		cfg.OAuth = &o
	}
	if cfg.Owner == "" {
		var b [8]byte
		rand.Read(b[:])
		cfg.Owner = hex.EncodeToString(b[:])
	}
	switch cfg.Mode {
	case ModeSocket:
		if !strings.HasPrefix(cfg.AppToken, "xapp-") {
			return nil, errors.New("slack: socket mode needs an app-level token starting with xapp- (scope connections:write)")
		}
	case ModeHTTP:
		if cfg.SigningSecret == "" {
			return nil, errors.New("slack: http mode needs the signing secret")
		}
	}
	if cfg.APIURL != "" && !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	log := redact.Logger(cfg.Logger).With("component", "slack")
	cfg.Logger = log
	a := &Adapter{
		cfg:    cfg,
		b:      b,
		log:    log,
		sealer: seal,
		owner:  cfg.Owner,
		seen:   expirable.NewLRU[string, struct{}](dedupeSize, nil, dedupeTTL),
		work:   work.New(log, cfg.JobTimeout),
		since:  time.Now(),
	}
	a.teams = &teams{a: a, cache: map[string]cachedTeam{}}
	a.api = slack.New(cfg.BotToken, a.apiOptions(cfg.Mode == ModeSocket)...)
	if cfg.BotToken != "" {
		a.env = &team{api: a.api}
	}
	return a, nil
}

// apiOptions are the options of every Web API client the adapter makes.
func (a *Adapter) apiOptions(appToken bool) []slack.Option {
	opts := []slack.Option{slack.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug))}
	if a.cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(a.cfg.APIURL))
	}
	if appToken {
		opts = append(opts, slack.OptionAppLevelToken(a.cfg.AppToken))
	}
	return opts
}

// Slack redelivers an event it thinks was missed (up to three retries, the last after about five
// minutes, and again around Socket Mode reconnects); each is answered once. The oldest keys go first
// when the cache is full, never all at once.
const (
	dedupeSize = 50_000
	dedupeTTL  = 15 * time.Minute
)

// first reports whether key is new, and remembers it.
func (a *Adapter) first(key string) bool {
	a.seenMu.Lock() // Contains and Add as one step: two deliveries of one event may race
	defer a.seenMu.Unlock()
	if a.seen.Contains(key) {
		return false
	}
	a.seen.Add(key, struct{}{})
	return true
}

func (a *Adapter) setConnected(up bool) {
	a.connMu.Lock()
	defer a.connMu.Unlock()
	if a.connected != up {
		a.connected, a.since = up, time.Now()
	}
}

// Health reports whether the adapter is connected to Slack (in http mode: authenticated and
// serving), and since when it has been in that state.
func (a *Adapter) Health() (connected bool, since time.Time) {
	a.connMu.Lock()
	defer a.connMu.Unlock()
	return a.connected, a.since
}

// Run serves until ctx is done. It first checks the bot token with auth.test. In socket mode it runs
// the Socket Mode connection (reconnecting when Slack asks); in http mode it only waits, since the
// work arrives through Handler. Either way it then stops taking new work (a slash command that
// arrives meanwhile is told to ask again in a moment), waits for work in flight (each job has its
// own timeout), and returns nil on a clean shutdown.
func (a *Adapter) Run(ctx context.Context) error {
	a.mu.Lock()
	if a.started {
		a.mu.Unlock()
		return errors.New("slack: Run called twice")
	}
	a.started = true
	a.mu.Unlock()

	a.log.Info("starting", "config", a.cfg)
	if a.env != nil {
		res, err := a.api.AuthTestContext(ctx)
		if err != nil {
			a.drain()
			if ctx.Err() != nil {
				return nil
			}
			return redact.Error(fmt.Errorf("slack auth.test: %w", err))
		}
		a.env.self.Store(&identity{UserID: res.UserID, BotID: res.BotID})
		a.teams.setEnvTeam(res.TeamID)
		a.log.Info("authenticated", "team_id", res.TeamID, "bot_id", res.BotID)
	}

	if a.cfg.Mode == ModeHTTP {
		a.setConnected(true)
		<-ctx.Done()
		a.drain()
		a.setConnected(false)
		return nil
	}
	return a.runSocket(ctx)
}

// drain stops new work and waits for work in flight.
func (a *Adapter) drain() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*a.cfg.JobTimeout) // a job, its reply, its error notice
	defer cancel()
	if err := a.work.Shutdown(ctx); err != nil {
		a.log.Warn("work still in flight at shutdown", "err", err)
	}
}

// spawn runs f in the background, tracked, with panics recovered. It returns false once the adapter
// is shutting down.
func (a *Adapter) spawn(kind string, f func(ctx context.Context)) bool {
	if a.work.Go(work.Job{Kind: kind, Run: f}) {
		return true
	}
	a.log.Warn("shutting down; dropped work", "kind", kind)
	return false
}

func (a *Adapter) logPanic(kind string, p any) {
	a.log.Error("panic in Slack handler", "kind", kind, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
}

// isSelf reports whether a user or bot id is the bot itself (in the env token's workspace; in an
// installed one, t.self says).
func (a *Adapter) isSelf(userID, botID string) bool {
	return a.env != nil && a.env.is(userID, botID)
}

func (id identity) is(userID, botID string) bool {
	return (userID != "" && userID == id.UserID) || (botID != "" && botID == id.BotID)
}

// texts returns the bot's own texts, with defaults for the ones the adapter needs.
func (a *Adapter) texts() knowledge.Texts {
	var t knowledge.Texts
	if kb := a.b.Knowledge(); kb != nil {
		t = kb.Texts
	}
	if strings.TrimSpace(t.FeedbackThanks) == "" {
		t.FeedbackThanks = "Thanks for your feedback!"
	}
	if strings.TrimSpace(t.Error) == "" {
		t.Error = "Sorry, something went wrong on my side. Please try again in a moment."
	}
	return t
}

// Handler serves Slack's HTTP deliveries: POST /slack/events, /slack/commands and /slack/interactions
// (the /slack prefix is optional, so it works mounted at "/slack/" with or without StripPrefix).
// Every request must carry a valid signature made with the signing secret within the last five
// minutes; anything else gets 401 and changes nothing. In socket mode it answers 404.
func (a *Adapter) Handler() http.Handler { return http.HandlerFunc(a.serveHTTP) }
