// Package slack connects RadBot to Slack through slack-go: the /radiology slash command, @mentions in
// channels (answered in a thread) and direct messages, over Socket Mode (the default) or over HTTP
// (Events API, slash commands and interactivity, each request verified with the signing secret).
//
// Replies are rendered in Block Kit by the pure function Render; feedback buttons record votes through
// the bot, and "Not helpful" opens a modal that asks what the user was looking for.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

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
	jobTimeout    = 30 * time.Second // one question or click, start to finish
	shutdownGrace = 10 * time.Second // how long Run waits for work in flight before cancelling it
	ackTimeout    = 2 * time.Second  // Socket Mode acks must reach Slack within 3 s
	maxBodyBytes  = 1 << 20
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
	cfg  Config
	b    Answerer
	log  *slog.Logger
	api  *slack.Client
	seen *dedupe
	self atomic.Pointer[identity] // from auth.test, set by Run

	base       context.Context // parent of all background work; cancelled if shutdown overruns
	cancelBase context.CancelFunc

	mu      sync.Mutex
	started bool
	closing bool
	wg      sync.WaitGroup // work in flight
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
	if cfg.Command == "" {
		cfg.Command = DefaultCommand
	}
	if !strings.HasPrefix(cfg.Command, "/") {
		return nil, fmt.Errorf("slack: command %q must start with /", cfg.Command)
	}
	if !strings.HasPrefix(cfg.BotToken, "xoxb-") {
		return nil, errors.New("slack: the bot token must be set and start with xoxb-")
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
	default:
		return nil, fmt.Errorf("slack: unknown mode %q (want socket or http)", cfg.Mode)
	}
	if cfg.APIURL != "" && !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("component", "slack")
	cfg.Logger = log

	opts := []slack.Option{slack.OptionLog(slog.NewLogLogger(log.Handler(), slog.LevelDebug))}
	if cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(cfg.APIURL))
	}
	if cfg.Mode == ModeSocket {
		opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	base, cancel := context.WithCancel(context.Background())
	return &Adapter{
		cfg:        cfg,
		b:          b,
		log:        log,
		api:        slack.New(cfg.BotToken, opts...),
		seen:       newDedupe(15*time.Minute, 50_000),
		base:       base,
		cancelBase: cancel,
	}, nil
}

// Run serves until ctx is done. It first checks the bot token with auth.test. In socket mode it runs
// the Socket Mode connection (reconnecting when Slack asks); in http mode it only waits, since the
// work arrives through Handler. Either way it then stops taking new work, waits for work in flight
// (cancelling it if that takes more than ten seconds) and returns nil on a clean shutdown.
func (a *Adapter) Run(ctx context.Context) error {
	a.mu.Lock()
	if a.started {
		a.mu.Unlock()
		return errors.New("slack: Run called twice")
	}
	a.started = true
	a.mu.Unlock()
	defer a.drain()

	a.log.Info("starting", "config", a.cfg)
	res, err := a.api.AuthTestContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("slack auth.test: %w", err)
	}
	a.self.Store(&identity{UserID: res.UserID, BotID: res.BotID})
	a.log.Info("authenticated", "team_id", res.TeamID, "bot_id", res.BotID)

	if a.cfg.Mode == ModeHTTP {
		<-ctx.Done()
		return nil
	}
	return a.runSocket(ctx)
}

// drain stops new work and waits for work in flight.
func (a *Adapter) drain() {
	a.mu.Lock()
	a.closing = true
	a.mu.Unlock()
	done := make(chan struct{})
	go func() {
		a.wg.Wait()
		close(done)
	}()
	t := time.NewTimer(shutdownGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		a.log.Warn("work still in flight at shutdown; cancelling it")
		a.cancelBase()
		<-done
	}
	a.cancelBase()
}

// spawn runs f in the background, tracked, with panics recovered. It returns false once the adapter
// is shutting down.
func (a *Adapter) spawn(kind string, f func(ctx context.Context)) bool {
	a.mu.Lock()
	if a.closing {
		a.mu.Unlock()
		a.log.Warn("shutting down; dropped work", "kind", kind)
		return false
	}
	a.wg.Add(1)
	a.mu.Unlock()
	go func() {
		defer a.wg.Done()
		defer a.recoverPanic(kind)
		ctx, cancel := context.WithTimeout(a.base, jobTimeout)
		defer cancel()
		f(ctx)
	}()
	return true
}

func (a *Adapter) recoverPanic(kind string) {
	if p := recover(); p != nil {
		a.logPanic(kind, p)
	}
}

func (a *Adapter) logPanic(kind string, p any) {
	a.log.Error("panic in Slack handler", "kind", kind, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
}

// isSelf reports whether a user or bot id is the bot itself.
func (a *Adapter) isSelf(userID, botID string) bool {
	id := a.self.Load()
	if id == nil {
		return false
	}
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

// dedupe remembers keys (event ids, message timestamps) for a while, so that Slack's retries and
// redeliveries are answered once.
type dedupe struct {
	mu   sync.Mutex
	ttl  time.Duration
	max  int
	seen map[string]time.Time
	now  func() time.Time
}

func newDedupe(ttl time.Duration, max int) *dedupe {
	return &dedupe{ttl: ttl, max: max, seen: map[string]time.Time{}, now: time.Now}
}

// first reports whether key is new, and remembers it.
func (d *dedupe) first(key string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if t, ok := d.seen[key]; ok && now.Sub(t) < d.ttl {
		return false
	}
	if len(d.seen) >= d.max {
		for k, t := range d.seen {
			if now.Sub(t) >= d.ttl {
				delete(d.seen, k)
			}
		}
		if len(d.seen) >= d.max {
			d.seen = map[string]time.Time{}
		}
	}
	d.seen[key] = now
	return true
}
