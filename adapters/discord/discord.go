// Package discord serves RadBot on Discord through the gateway: the /ask and /topics slash commands,
// @mentions in channels and direct messages, and feedback buttons with a comment modal.
//
// The adapter translates at the edge: a discordgo event becomes a bot.Query, and a bot.Reply becomes an
// embed with buttons (render.go). It never decides what to say.
//
// Interactions must be acknowledged within three seconds of reaching the bot. The adapter asks the bot
// first and answers directly (type 4, ephemeral when the reply is private) if the answer comes within
// DeferAfter (1.5 s, counted from the event's arrival); otherwise it defers publicly (type 5) and edits
// the original response when the answer arrives. A private reply after a public defer (a refusal or a
// limit) deletes the deferred response and is sent as an ephemeral followup, so nothing private ever
// shows in the channel.
//
// Every reply is sent with a fresh context of its own (never the handler's, which may have run out)
// and retried with backoff when it fails below HTTP or with a server error: the initial response
// within the three seconds, edits, followups and messages for longer. Logs name users only by their
// keyed hash (Answerer.UserRef) and never carry a URL, since interaction URLs contain tokens.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/radbot/radbot/adapters/internal/redact"
	"github.com/radbot/radbot/adapters/internal/work"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

const platform = bot.PlatformDiscord

// Config configures the Discord adapter.
type Config struct {
	Token         string   // from the environment; never logged
	ApplicationID string   // optional; READY's application id is used when empty
	GuildIDs      []string // commands registered per guild (instant) when set, globally otherwise
	Mentions      bool     // answer @mentions
	DMs           bool     // answer direct messages
	Command       string   // slash command name, default "ask"
	APIURL        string   // default Discord's own; tests/proxies point it elsewhere
	Logger        *slog.Logger
	// HandlerTimeout bounds the handling of one event (default 10 s). Replies and error notices are
	// then still sent, each with a fresh context of its own.
	HandlerTimeout time.Duration
	// DeferAfter is how long after an interaction arrives the adapter waits for the answer before
	// deferring it publicly (default 1.5 s; Discord allows 3 s for the first response).
	DeferAfter time.Duration
	// AuthCheckAfter is how long the gateway may stay disconnected before the adapter asks Discord
	// whether the token is still valid (default 10 s). A rejected token stops Run with ErrTokenRejected.
	AuthCheckAfter time.Duration
	// ShardID and ShardCount make this adapter serve one shard of the bot's guilds: Discord sends
	// the events of guild g to shard (g >> 22) % ShardCount, and DMs to shard 0. ShardCount 0 asks
	// Discord how many shards it recommends (GET /gateway/bot); 1 (or ShardID 0 of 0) is no sharding.
	ShardID    int
	ShardCount int
}

// Problem is one thing wrong with a Config, naming its field as the configuration file does.
type Problem struct {
	Field string // command, guild_ids[0], application_id, api_url
	Msg   string
}

func (p Problem) String() string { return p.Field + ": " + p.Msg }

// commandName is Discord's rule for CHAT_INPUT command names (interactions/application-commands),
// lower case.
var commandName = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

// CheckConfig checks everything in c but the token and the logger, and returns every problem. New
// uses it, and so does serve's configuration check, so there is one rule for each field.
func CheckConfig(c Config) []Problem {
	var ps []Problem
	cmd := c.Command
	if cmd == "" {
		cmd = "ask"
	}
	switch {
	case !commandName.MatchString(cmd) || strings.ToLower(cmd) != cmd:
		ps = append(ps, Problem{"command", fmt.Sprintf("%q must be 1-32 lower-case letters, digits, - or _ (Discord's rule for command names)", cmd)})
	case cmd == "topics":
		ps = append(ps, Problem{"command", fmt.Sprintf("%q is taken by RadBot's own /topics command", cmd)})
	}
	for i, g := range c.GuildIDs {
		if !isSnowflake(g) {
			ps = append(ps, Problem{fmt.Sprintf("guild_ids[%d]", i), fmt.Sprintf("%q is not a Discord id (a number)", g)})
		}
	}
	if c.ApplicationID != "" && !isSnowflake(c.ApplicationID) {
		ps = append(ps, Problem{"application_id", fmt.Sprintf("%q is not a Discord id (a number)", c.ApplicationID)})
	}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			ps = append(ps, Problem{"api_url", fmt.Sprintf("%q must be an http:// or https:// base URL (leave empty for the real service)", c.APIURL)})
		}
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{{"handler_timeout", c.HandlerTimeout}, {"defer_after", c.DeferAfter}, {"auth_check_after", c.AuthCheckAfter}} {
		if d.v < 0 {
			ps = append(ps, Problem{d.field, "must not be negative"})
		}
	}
	switch {
	case c.ShardCount < 0:
		ps = append(ps, Problem{"shard_count", fmt.Sprintf("%d must be 0 (as Discord recommends) or more", c.ShardCount)})
	case c.ShardID < 0:
		ps = append(ps, Problem{"shard_id", fmt.Sprintf("%d must not be negative", c.ShardID)})
	case c.ShardCount > 0 && c.ShardID >= c.ShardCount:
		ps = append(ps, Problem{"shard_id", fmt.Sprintf("%d must be below shard_count (%d): shards are numbered from 0", c.ShardID, c.ShardCount)})
	}
	if c.DeferAfter >= 3*time.Second {
		ps = append(ps, Problem{"defer_after", fmt.Sprintf("%v leaves no time to defer within Discord's 3 s", c.DeferAfter)})
	}
	return ps
}

func isSnowflake(s string) bool {
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n > 0
}

// Answerer is what the adapter needs from the bot. *bot.Bot satisfies it.
type Answerer interface {
	Answer(ctx context.Context, q bot.Query) bot.Reply
	Feedback(ctx context.Context, f bot.Feedback) error
	Knowledge() *knowledge.Base
	// UserRef names a user in logs: a keyed hash, the same the store keeps.
	UserRef(p bot.Platform, id string) string
}

var _ Answerer = (*bot.Bot)(nil)

// ErrTokenRejected reports that Discord refused the bot token while the adapter was running (the
// token was reset or the bot deleted). Reconnecting cannot help: the process should exit.
var ErrTokenRejected = errors.New("discord rejected the bot token")

// Timings.
const (
	defaultDeferAfter     = 1500 * time.Millisecond
	defaultHandlerTimeout = 10 * time.Second
	defaultAuthCheckAfter = 10 * time.Second
	interactionWindow     = 3 * time.Second        // Discord's limit for the first response
	callbackMargin        = 250 * time.Millisecond // keep the last retry of a first response inside it
	replyBudget           = 30 * time.Second       // edits, followups and messages, retries included
	feedbackTimeout       = 2 * time.Second        // a vote is written before a modal opens, inside the 3 s window
	limitedNoticeEvery    = 30 * time.Second
)

// Adapter connects one bot to Discord. Create it with New and start it with Run.
type Adapter struct {
	cfg  Config
	b    Answerer
	log  *slog.Logger
	s    *discordgo.Session
	work *work.Group

	ready      chan struct{} // closed once the bot's own user id is known
	readyOnce  sync.Once
	botUserID  atomic.Pointer[string]
	registered atomic.Bool

	mu      sync.Mutex
	started bool
	closing atomic.Bool // set before the session is closed, so its Disconnect event is not news

	conn  connState
	fatal chan error // ErrTokenRejected from the auth check

	notices *expirable.LRU[string, struct{}] // users told "you are asking too fast" in the last 30 s
}

// connState tracks the gateway connection for readiness.
type connState struct {
	mu        sync.Mutex
	connected bool
	since     time.Time // when connected last changed
}

func (c *connState) set(up bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.connected != up {
		c.connected, c.since = up, time.Now()
	}
}

func (c *connState) get() (bool, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.connected, c.since
}

// New checks cfg and prepares a Discord session. It does not connect; Run does.
func New(cfg Config, b Answerer) (*Adapter, error) {
	if b == nil {
		return nil, errors.New("discord: no bot")
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("discord: no token")
	}
	if ps := CheckConfig(cfg); len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.String()
		}
		return nil, fmt.Errorf("discord: %s", strings.Join(msgs, "; "))
	}
	if cfg.Command == "" {
		cfg.Command = "ask"
	}
	if cfg.HandlerTimeout == 0 {
		cfg.HandlerTimeout = defaultHandlerTimeout
	}
	if cfg.DeferAfter == 0 {
		cfg.DeferAfter = defaultDeferAfter
	}
	if cfg.AuthCheckAfter == 0 {
		cfg.AuthCheckAfter = defaultAuthCheckAfter
	}
	log := redact.Logger(cfg.Logger).With("component", "discord")
	s, err := discordgo.New("Bot " + strings.TrimPrefix(cfg.Token, "Bot "))
	if err != nil {
		return nil, fmt.Errorf("discord: creating session: %w", err)
	}
	// Many interactions at once each make a request: reuse a bounded set of connections rather than
	// open one per request (HTTP/2 to Discord multiplexes them on one anyway).
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxConnsPerHost = 64
	tr.MaxIdleConnsPerHost = 64
	var rt http.RoundTripper = tr
	if cfg.APIURL != "" {
		u, _ := url.Parse(cfg.APIURL) // checked by CheckConfig
		rt = rewrite{to: u, next: tr}
	}
	s.Client = &http.Client{Transport: rt, Timeout: 20 * time.Second}
	// No privileged intents: Discord still sends the content of DMs and of messages that mention the bot.
	s.Identify.Intents = discordgo.IntentsGuilds
	if cfg.Mentions {
		s.Identify.Intents |= discordgo.IntentsGuildMessages
	}
	if cfg.DMs {
		s.Identify.Intents |= discordgo.IntentsDirectMessages
	}
	s.StateEnabled = false
	s.ShouldReconnectOnError = true
	s.ShardID, s.ShardCount = cfg.ShardID, cfg.ShardCount // a count of 0 is settled in Run
	s.LogLevel = discordgo.LogWarning
	a := &Adapter{
		cfg:     cfg,
		b:       b,
		log:     log,
		s:       s,
		work:    work.New(log, cfg.HandlerTimeout),
		ready:   make(chan struct{}),
		fatal:   make(chan error, 1),
		notices: expirable.NewLRU[string, struct{}](10_000, nil, limitedNoticeEvery),
	}
	a.conn.since = time.Now()
	s.AddHandler(a.onReady)
	s.AddHandler(a.onInteraction)
	s.AddHandler(a.onMessage)
	// Ready (for readiness) only once the shard's session is: on READY or RESUMED, not when the
	// websocket merely connects.
	s.AddHandler(func(*discordgo.Session, *discordgo.Resumed) { a.conn.set(true) })
	s.AddHandler(func(*discordgo.Session, *discordgo.Disconnect) {
		a.conn.set(false)
		if !a.closing.Load() {
			a.log.Warn("disconnected from the gateway; discordgo reconnects")
		}
	})
	return a, nil
}

// LibraryLogs routes discordgo's own log lines, which it writes through a package-level function,
// to log at matching levels (URLs redacted). It changes the whole process: call it once, from main.
func LibraryLogs(log *slog.Logger) {
	l := redact.Logger(log).With("component", "discordgo")
	discordgo.Logger = func(msgL, _ int, format string, a ...any) {
		level := slog.LevelDebug
		switch msgL {
		case discordgo.LogError:
			level = slog.LevelError
		case discordgo.LogWarning:
			level = slog.LevelWarn
		case discordgo.LogInformational:
			level = slog.LevelInfo
		}
		l.Log(context.Background(), level, strings.TrimSpace(fmt.Sprintf(format, a...)))
	}
}

// Health reports whether the gateway is connected, and since when it has been in that state.
func (a *Adapter) Health() (connected bool, since time.Time) { return a.conn.get() }

// Run opens the gateway, registers the commands on READY (one bulk overwrite, per guild or global), and
// serves until ctx is done. Then it stops taking new events (an interaction that arrives meanwhile is
// told to ask again in a moment), waits for the handlers in flight, and closes the session. It returns
// nil on a clean shutdown, an error if the first connection fails, and an error wrapping
// ErrTokenRejected if Discord refuses the token later on.
func (a *Adapter) Run(ctx context.Context) error {
	a.mu.Lock()
	if a.started {
		a.mu.Unlock()
		return errors.New("discord: Run called twice")
	}
	a.started = true
	a.mu.Unlock()

	if err := a.settleShards(ctx); err != nil {
		a.shutdown()
		return redact.Error(err)
	}
	if err := a.s.Open(); err != nil {
		a.shutdown()
		return redact.Error(fmt.Errorf("discord: connecting to the gateway: %w", err))
	}
	a.conn.set(true) // Open returns once READY (or RESUMED) has arrived
	a.log.Info("connected to the gateway", "shard", a.s.ShardID, "shards", max(a.s.ShardCount, 1))

	checkCtx, stopCheck := context.WithCancel(ctx)
	var checker sync.WaitGroup
	checker.Go(func() { a.checkAuth(checkCtx) })

	var err error
	select {
	case <-ctx.Done():
	case err = <-a.fatal:
		a.log.Error("Discord rejected the bot token while running; stopping (set a valid token and restart)")
	}
	stopCheck()
	checker.Wait()
	if cerr := a.shutdown(); cerr != nil && err == nil {
		err = cerr
	}
	a.log.Info("disconnected")
	return err
}

// settleShards asks Discord how many shards it recommends when the configuration leaves it to Discord
// (ShardCount 0), and checks that this adapter's shard is one of them.
func (a *Adapter) settleShards(ctx context.Context) error {
	if a.cfg.ShardCount != 0 {
		return nil
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	gb, err := a.s.GatewayBot(discordgo.WithContext(rctx))
	if err != nil {
		return fmt.Errorf("discord: asking the gateway how many shards to run: %w", err)
	}
	n := max(gb.Shards, 1)
	if a.cfg.ShardID >= n {
		return fmt.Errorf("discord: shard_id %d, but Discord recommends %d shards (ids 0 to %d)", a.cfg.ShardID, n, n-1)
	}
	a.s.ShardCount = n
	a.log.Info("shard count from the gateway", "shards", n,
		"note", fmt.Sprintf("run %d replicas with discord.shard_id 0 to %d, or guilds go unserved", n, n-1))
	return nil
}

// shutdown drains the handlers and closes the session without letting discordgo reconnect.
func (a *Adapter) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.HandlerTimeout+replyBudget)
	defer cancel()
	werr := a.work.Shutdown(ctx)
	a.closing.Store(true)
	a.s.Lock()
	a.s.ShouldReconnectOnError = false
	a.s.Unlock()
	a.conn.set(false)
	if err := a.s.Close(); err != nil {
		return redact.Error(errors.Join(werr, fmt.Errorf("discord: closing the gateway: %w", err)))
	}
	return werr
}

// checkAuth asks Discord whether the token is still valid whenever the gateway has been down for
// AuthCheckAfter (discordgo keeps reconnecting on its own, forever, even with a revoked token).
func (a *Adapter) checkAuth(ctx context.Context) {
	t := time.NewTicker(a.cfg.AuthCheckAfter)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		up, since := a.conn.get()
		if up || time.Since(since) < a.cfg.AuthCheckAfter {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := a.s.User("@me", discordgo.WithContext(rctx))
		cancel()
		var re *discordgo.RESTError
		switch {
		case err == nil:
			a.log.Warn("the gateway is still down; the token is valid, discordgo keeps reconnecting",
				"down_for", time.Since(since).Round(time.Second))
		case errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == http.StatusUnauthorized:
			select {
			case a.fatal <- ErrTokenRejected:
			default:
			}
			return
		default:
			a.log.Warn("the gateway is down and Discord cannot be reached to check the token", "err", err)
		}
	}
}

// onReady learns the bot's user id and registers the commands once per process.
func (a *Adapter) onReady(s *discordgo.Session, r *discordgo.Ready) {
	a.conn.set(true)
	if r.User != nil && r.User.ID != "" {
		id := r.User.ID
		a.botUserID.Store(&id)
		a.readyOnce.Do(func() { close(a.ready) })
	}
	a.work.Do(work.Job{Kind: "ready", Run: func(ctx context.Context) {
		if a.registered.Load() {
			return
		}
		if a.s.ShardID != 0 {
			return // commands belong to the application: shard 0's replica registers them for all
		}
		appID := a.cfg.ApplicationID
		if appID == "" && r.Application != nil {
			appID = r.Application.ID
		}
		if appID == "" {
			a.log.Error("cannot register commands: no application id in config or READY")
			return
		}
		if err := a.registerCommands(ctx, appID); err != nil {
			a.log.Error("registering commands", "err", err)
			return
		}
		a.registered.Store(true)
		a.log.Info("invite link", "url", redact.Public(InviteURL(appID)))
	}})
}

// commands are the slash commands RadBot offers.
func (a *Adapter) commands() []*discordgo.ApplicationCommand {
	return []*discordgo.ApplicationCommand{
		{
			Name:        a.cfg.Command,
			Type:        discordgo.ChatApplicationCommand,
			Description: "Ask RadBot about a career in UK clinical radiology",
			Options: []*discordgo.ApplicationCommandOption{{
				Type:        discordgo.ApplicationCommandOptionString,
				Name:        "question",
				Description: "Your question, for example: how do I apply for radiology training?",
				Required:    true,
			}},
		},
		{
			Name:        "topics",
			Type:        discordgo.ChatApplicationCommand,
			Description: "See what RadBot can answer",
		},
	}
}

// registerCommands replaces the application's commands in one call per scope (guild commands update
// at once; global ones can take a while to appear). Bulk overwrite avoids the 200 creates a day limit.
func (a *Adapter) registerCommands(ctx context.Context, appID string) error {
	cmds := a.commands()
	if len(a.cfg.GuildIDs) == 0 {
		if _, err := a.s.ApplicationCommandBulkOverwrite(appID, "", cmds, discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("global commands: %w", err)
		}
		a.log.Info("registered commands", "scope", "global", "count", len(cmds))
		return nil
	}
	var errs []error
	for _, g := range a.cfg.GuildIDs {
		if _, err := a.s.ApplicationCommandBulkOverwrite(appID, g, cmds, discordgo.WithContext(ctx)); err != nil {
			errs = append(errs, fmt.Errorf("commands for guild %s: %w", g, err))
			continue
		}
		a.log.Info("registered commands", "scope", "guild", "guild", g, "count", len(cmds))
	}
	return errors.Join(errs...)
}

// texts are the bot's own texts from the current knowledge base.
func (a *Adapter) texts() knowledge.Texts {
	if kb := a.b.Knowledge(); kb != nil {
		return kb.Texts
	}
	return knowledge.Texts{}
}

func (a *Adapter) errorMessage() message {
	return simple(or(a.texts().Error, defaultError), true)
}

func (a *Adapter) staleMessage() message {
	return simple(fmt.Sprintf(staleText, a.cfg.Command), true)
}

// userRef names a user in logs by their keyed hash.
func (a *Adapter) userRef(id string) string { return a.b.UserRef(platform, id) }

// answer asks the bot and logs the outcome. Panics are the worker group's business.
func (a *Adapter) answer(ctx context.Context, q bot.Query) bot.Reply {
	start := time.Now()
	r := a.b.Answer(ctx, q)
	a.log.Info("answered", "status", string(r.Status), "user", a.userRef(q.UserID),
		"entry_button", q.EntryID != "", "elapsed", time.Since(start).Round(time.Millisecond))
	a.log.Debug("question", "text", q.Text)
	return r
}

// entryExists reports whether the current knowledge base has the entry a button refers to.
func (a *Adapter) entryExists(id string) bool {
	kb := a.b.Knowledge()
	if kb == nil {
		return false
	}
	if kb.Entry(id) != nil {
		return true
	}
	for _, e := range kb.Entries {
		if e.ID == id {
			return true
		}
	}
	return false
}

// Permissions are the bot permissions RadBot needs: Send Messages, Embed Links, Read Message History and
// Use Application Commands.
const Permissions = discordgo.PermissionSendMessages | discordgo.PermissionEmbedLinks |
	discordgo.PermissionReadMessageHistory | discordgo.PermissionUseApplicationCommands

// InviteURL is the link that adds the bot to a server, with the bot and applications.commands scopes.
func InviteURL(applicationID string) string {
	return "https://discord.com/oauth2/authorize?client_id=" + url.QueryEscape(applicationID) +
		"&scope=bot+applications.commands&permissions=" + strconv.FormatInt(Permissions, 10)
}

// rewrite sends every request to another base URL (a proxy, or a test's fake Discord).
type rewrite struct {
	to   *url.URL
	next http.RoundTripper
}

func (rt rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rt.to.Scheme, rt.to.Host, rt.to.Host
	if p := strings.TrimSuffix(rt.to.Path, "/"); p != "" {
		r.URL.Path = p + r.URL.Path
		if r.URL.RawPath != "" {
			r.URL.RawPath = p + r.URL.RawPath
		}
	}
	return rt.next.RoundTrip(r)
}
