// Package discord serves RadBot on Discord through the gateway: the /ask and /topics slash commands,
// @mentions in channels and direct messages, and feedback buttons with a comment modal.
//
// The adapter translates at the edge: a discordgo event becomes a bot.Query, and a bot.Reply becomes an
// embed with buttons (render.go). It never decides what to say.
//
// Interactions must be acknowledged within three seconds. The adapter asks the bot first and answers
// directly (type 4, ephemeral when the reply is private) if the answer comes within deferAfter (1.5 s);
// otherwise it defers publicly (type 5) and edits the original response when the answer arrives. A
// private reply after a public defer (a refusal or a limit) deletes the deferred response and is sent as
// an ephemeral followup, so nothing private ever shows in the channel.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"

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
}

// Answerer is what the adapter needs from the bot. *bot.Bot satisfies it.
type Answerer interface {
	Answer(ctx context.Context, q bot.Query) bot.Reply
	Feedback(ctx context.Context, f bot.Feedback) error
	Knowledge() *knowledge.Base
}

var _ Answerer = (*bot.Bot)(nil)

// Timings. deferAfter and handlerTimeout are copied into each Adapter, where tests can change them.
const (
	defaultDeferAfter     = 1500 * time.Millisecond
	defaultHandlerTimeout = 10 * time.Second // keeps a graceful shutdown within serve's 15 s default
	feedbackTimeout       = 2 * time.Second  // a vote is written before a modal opens, inside the 3 s window
	limitedNoticeEvery    = 30 * time.Second
)

var commandName = regexp.MustCompile(`^[-_\p{Ll}\p{Lo}\p{N}]{1,32}$`)

// Adapter connects one bot to Discord. Create it with New and start it with Run.
type Adapter struct {
	cfg Config
	b   Answerer
	log *slog.Logger
	s   *discordgo.Session

	deferAfter     time.Duration
	handlerTimeout time.Duration

	ready      chan struct{} // closed once the bot's own user id is known
	readyOnce  sync.Once
	botUserID  atomic.Pointer[string]
	registered atomic.Bool

	mu      sync.Mutex
	started bool
	closing bool
	base    context.Context // parent of handler contexts; not cancelled by shutdown
	wg      sync.WaitGroup  // in-flight handlers

	noticeMu sync.Mutex
	notices  map[string]time.Time // last "you are asking too fast" reply to a mention, per user
}

// New checks cfg and prepares a Discord session. It does not connect; Run does.
func New(cfg Config, b Answerer) (*Adapter, error) {
	if b == nil {
		return nil, errors.New("discord: no bot")
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("discord: no token")
	}
	if cfg.Command == "" {
		cfg.Command = "ask"
	}
	if !commandName.MatchString(cfg.Command) || cfg.Command == "topics" {
		return nil, fmt.Errorf("discord: command name %q: use 1-32 lower-case letters, digits, - or _, and not \"topics\"", cfg.Command)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s, err := discordgo.New("Bot " + strings.TrimPrefix(cfg.Token, "Bot "))
	if err != nil {
		return nil, fmt.Errorf("discord: creating session: %w", err)
	}
	if cfg.APIURL != "" {
		u, err := url.Parse(cfg.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("discord: api_url %q: want an http(s) base URL", cfg.APIURL)
		}
		s.Client = &http.Client{Transport: rewrite{to: u}, Timeout: 20 * time.Second}
	}
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
	a := &Adapter{
		cfg:            cfg,
		b:              b,
		log:            log.With("component", "discord"),
		s:              s,
		deferAfter:     defaultDeferAfter,
		handlerTimeout: defaultHandlerTimeout,
		ready:          make(chan struct{}),
		notices:        map[string]time.Time{},
	}
	s.AddHandler(a.onReady)
	s.AddHandler(a.onInteraction)
	s.AddHandler(a.onMessage)
	return a, nil
}

// Run opens the gateway, registers the commands on READY (one bulk overwrite, per guild or global), and
// serves until ctx is done. Then it stops taking new events, waits for the handlers in flight, and closes
// the session. It returns nil on a clean shutdown and an error if the first connection fails.
func (a *Adapter) Run(ctx context.Context) error {
	a.mu.Lock()
	if a.started {
		a.mu.Unlock()
		return errors.New("discord: Run called twice")
	}
	a.started = true
	a.base = context.WithoutCancel(ctx)
	a.mu.Unlock()

	if err := a.s.Open(); err != nil {
		a.stopIntake()
		return fmt.Errorf("discord: connecting to the gateway: %w", err)
	}
	a.log.Info("connected to the gateway")
	<-ctx.Done()

	a.stopIntake()
	a.wg.Wait()
	// Stop discordgo from reconnecting once we close (it checks this when a connection breaks).
	a.s.Lock()
	a.s.ShouldReconnectOnError = false
	a.s.Unlock()
	if err := a.s.Close(); err != nil {
		return fmt.Errorf("discord: closing the gateway: %w", err)
	}
	a.log.Info("disconnected")
	return nil
}

func (a *Adapter) stopIntake() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.closing = true
}

// handle runs f as a tracked handler with its own timeout. It recovers a panic, logs it, and calls
// onPanic (if any) so the user still hears something. It does nothing once shutdown has begun.
func (a *Adapter) handle(event string, f func(ctx context.Context), onPanic func(ctx context.Context)) {
	a.mu.Lock()
	if a.closing || a.base == nil {
		a.mu.Unlock()
		return
	}
	a.wg.Add(1)
	base := a.base
	a.mu.Unlock()
	defer a.wg.Done()

	ctx, cancel := context.WithTimeout(base, a.handlerTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("handler panicked", "event", event, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			if onPanic != nil {
				func() {
					defer func() {
						if p := recover(); p != nil {
							a.log.Error("panic while reporting a panic", "event", event, "panic", fmt.Sprint(p))
						}
					}()
					onPanic(ctx)
				}()
			}
		}
	}()
	f(ctx)
}

// onReady learns the bot's user id and registers the commands once per process.
func (a *Adapter) onReady(s *discordgo.Session, r *discordgo.Ready) {
	if r.User != nil && r.User.ID != "" {
		id := r.User.ID
		a.botUserID.Store(&id)
		a.readyOnce.Do(func() { close(a.ready) })
	}
	a.handle("ready", func(ctx context.Context) {
		if a.registered.Load() {
			return
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
		a.log.Info("invite link", "url", InviteURL(appID))
	}, nil)
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

// userHash identifies a user in logs without revealing the id.
func userHash(id string) string { return bot.HashID(nil, platform, id)[:12] }

// answer asks the bot, turning a panic into an error.
func (a *Adapter) answer(ctx context.Context, q bot.Query) (r bot.Reply, err error) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("answer panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("answer panicked: %v", p)
		}
	}()
	start := time.Now()
	r = a.b.Answer(ctx, q)
	a.log.Info("answered", "status", string(r.Status), "user", userHash(q.UserID),
		"entry_button", q.EntryID != "", "elapsed", time.Since(start).Round(time.Millisecond))
	a.log.Debug("question", "text", q.Text)
	return r, nil
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
type rewrite struct{ to *url.URL }

func (rt rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rt.to.Scheme, rt.to.Host, rt.to.Host
	if p := strings.TrimSuffix(rt.to.Path, "/"); p != "" {
		r.URL.Path = p + r.URL.Path
		if r.URL.RawPath != "" {
			r.URL.RawPath = p + r.URL.RawPath
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}
