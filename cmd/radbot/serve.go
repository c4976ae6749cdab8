package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/radbot/radbot/adapters/discord"
	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// minHashKeyLen is the shortest hash key accepted from the environment. Platform user ids are guessable,
// so the key is all that keeps a stored hash from being reversed.
const minHashKeyLen = 16

// cmdServe runs the bot for the enabled chat platforms, with an HTTP server for health checks and
// metrics, until ctx is cancelled (SIGINT or SIGTERM in main). See the README's "Running the bot".
func cmdServe(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, kdir := newFlags("serve", stderr)
	cfgPath := fs.String("config", "", "configuration file (default: built-in defaults; see config.example.yaml)")
	listen := fs.String("listen", "", "HTTP listen address, overriding http.listen; port 0 picks a free port (the address is logged)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: radbot serve [--config FILE] [--knowledge DIR] [--listen ADDR]")
		fs.PrintDefaults()
	}
	if err := parseCmdFlags(fs, args); err != nil {
		return err
	}
	cfg, err := readConfig(*cfgPath, func(c *Config) {
		if *kdir != "" {
			c.Knowledge.Dir = *kdir
		}
		if *listen != "" {
			c.HTTP.Listen = *listen
		}
	})
	if err != nil {
		return err
	}
	secrets, err := cfg.Secrets(os.Getenv)
	if err != nil {
		return withConfigFile(err, *cfgPath)
	}
	log := newLogger(cfg.Log, stderr)
	// This process's libraries log through the same handler: the standard log package (and so
	// anything that writes to it) and discordgo, which has a logger of its own. With log.format: json
	// every line on stderr is then JSON.
	slog.SetDefault(log)
	discord.LibraryLogs(log)
	s := &server{
		cfg:       cfg,
		secrets:   secrets,
		getenv:    os.Getenv,
		log:       log,
		platforms: buildPlatforms,
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	err = s.run(ctx, hup)
	var ee exitError
	if err != nil && !errors.As(err, &ee) {
		// Through the logger, so that with log.format: json even the last line is JSON.
		log.Error("radbot serve failed", "err", err)
		return exitError{1}
	}
	return err
}

// parseCmdFlags parses a subcommand's flags and refuses stray arguments. The flag package has already
// printed the problem, so a parse error becomes exit status 2 without more output.
func parseCmdFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return exitError{2}
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return exitError{2}
	}
	return nil
}

// readConfig loads the configuration file (none: the defaults), applies the command-line overrides and
// validates the result.
func readConfig(path string, override func(*Config)) (Config, error) {
	cfg := DefaultConfig()
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("reading config: %w", err)
		}
		if cfg, err = parseConfig(data); err != nil {
			return Config{}, withConfigFile(err, path)
		}
	}
	if override != nil {
		override(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, withConfigFile(err, path)
	}
	return cfg, nil
}

func withConfigFile(err error, path string) error {
	var ce *ConfigError
	if errors.As(err, &ce) {
		ce.File = path
	}
	return err
}

// platform is one running chat adapter.
type platform struct {
	name string
	// run serves until ctx is cancelled, then finishes the questions in flight and returns.
	run func(ctx context.Context) error
	// health reports whether the platform is connected, and since when (nil: always ready).
	health func() (connected bool, since time.Time)
	// post sends Markdown to a channel, for the weekly digest (nil: the platform cannot).
	post func(ctx context.Context, channel, text string) error
}

// platformBuilder builds the enabled adapters, and the handler to mount at /slack/ in Slack's HTTP mode
// or with Slack's OAuth install flow (nil otherwise). Tests replace it.
type platformBuilder func(cfg Config, secrets Secrets, b *bot.Bot, deps platformDeps, log *slog.Logger) ([]platform, http.Handler, error)

// platformDeps is what the adapters take from the store.
type platformDeps struct {
	// Claims is the store when it is shared by replicas (events handled once across them); nil keeps
	// each process's own record.
	Claims bot.Claims
	// Workspaces keeps Slack installations (with slack.oauth).
	Workspaces slack.Workspaces
}

// serveStore is what serve needs from the database.
type serveStore interface {
	bot.Store
	keyStore
	Probe(ctx context.Context) error
	PurgeBefore(ctx context.Context, cutoff time.Time) (int64, error)
	Close() error
}

// keyStore keeps the fallback hash key.
type keyStore interface {
	HashKey(ctx context.Context) ([]byte, error)
}

// server is one run of radbot serve.
type server struct {
	cfg       Config
	secrets   Secrets
	getenv    func(string) string
	log       *slog.Logger
	platforms platformBuilder
}

// run serves until ctx is cancelled or a platform or the HTTP server fails, then shuts down within
// cfg.ShutdownTimeout. It returns nil after a clean shutdown that ctx asked for.
func (s *server) run(ctx context.Context, hup <-chan os.Signal) error {
	log := s.log.With("component", "serve")
	cfg := s.cfg

	base, err := loadKnowledge(cfg.Knowledge.Dir)
	if err != nil {
		for _, p := range problemLines(err) {
			log.Error("knowledge problem", "problem", p)
		}
		return fmt.Errorf("loading knowledge %s: %w", knowledgeName(cfg.Knowledge.Dir), err)
	}
	log.Info("knowledge loaded", "source", knowledgeName(cfg.Knowledge.Dir), "entries", len(base.Entries),
		"topics", len(base.Topics), "version", base.Version)

	store, err := openStore(ctx, cfg.Store, s.getenv, s.log, false)
	if err != nil {
		return fmt.Errorf("opening the store: %w", err)
	}
	storeOpen := true
	defer func() {
		if storeOpen {
			if cerr := store.Close(); cerr != nil {
				log.Error("closing the store", "err", cerr)
			}
		}
	}()
	key, err := hashKey(ctx, cfg.Store.HashKeyEnv, s.getenv, store, log)
	if err != nil {
		return err
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bg sync.WaitGroup // background work owned by serve: retention and reload
	serving := false
	defer func() {
		if !serving { // an early return: stop the background work before the store closes
			cancel()
			bg.Wait()
		}
	}()

	if days := cfg.Store.RetentionDays; days > 0 {
		ret := &retention{store: store, days: days, log: s.log.With("component", "retention")}
		ret.purge(runCtx)
		bg.Go(func() { ret.loop(runCtx, 24*time.Hour) })
	} else {
		log.Info("retention is off (store.retention_days: 0): interactions are kept until erased")
	}

	sw := &sweeper{store: store, log: s.log.With("component", "sweeper")}
	bg.Go(func() { sw.loop(runCtx, time.Minute) })
	deps := platformDeps{Workspaces: store}
	var state bot.SharedState
	if cfg.Store.shared() {
		// Replicas share the database: per-user state and event claims go there, so that it does not
		// matter which replica an event reaches (see the README, "Running more than one").
		state, deps.Claims = store, store
		log.Info("per-user state and event claims are kept in the shared store")
	}

	m := newMetrics()
	m.setKnowledge(base)
	b := bot.New(base, bot.Options{
		Index:            indexFor(base),
		State:            state,
		Store:            store,
		QueueSize:        cfg.Store.QueueSize,
		MaxUsers:         cfg.Bot.MaxUsers,
		HashKey:          key,
		ContextTTL:       cfg.Bot.ContextTTL.D(),
		MaxQuestionChars: cfg.Bot.MaxQuestionChars,
		RatePerMinute:    cfg.Bot.RateLimit.PerMinute,
		RateBurst:        cfg.Bot.RateLimit.Burst,
		Logger:           s.log,
		Observer:         m,
	})
	botOpen := true
	defer func() {
		if botOpen { // an early return: nothing was answered, but stop the writer before the store closes
			b.Close(context.Background())
		}
	}()
	probe := &prober{store: store, log: s.log.With("component", "readiness")}
	probe.check(runCtx)
	bg.Go(func() { probe.loop(runCtx, cfg.Store.ProbeInterval.D()) })

	rl := newReloader(cfg.Knowledge.Dir, cfg.Knowledge.Watch, b, m, s.log)
	bg.Go(func() { rl.run(runCtx, hup) })

	platforms, slackHandler, err := s.platforms(cfg, s.secrets, b, deps, s.log)
	if err != nil {
		return fmt.Errorf("setting up the chat platforms: %w", err)
	}
	m.initPlatforms(platformNames(platforms))
	if len(platforms) == 0 {
		log.Warn("no chat platform is enabled (discord.enabled, slack.enabled): serving only the HTTP endpoints")
	}
	if dg := newDigester(cfg.Report.Digest, platforms, store, b.Knowledge, s.log); dg != nil {
		bg.Go(func() { dg.run(runCtx) }) // the weekly digest (digest.go)
	}

	var draining atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.Handle("GET /readyz", readyHandler(&draining, b, probe, platforms, cfg.HTTP.ReadyGrace.D(), log))
	mux.Handle("GET /metrics", m.handler())
	if slackHandler != nil {
		mux.Handle("/slack/", slackHandler)
	}
	srv := &http.Server{
		Handler:           recoverHandler(mux, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.With("component", "http").Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http.listen: %w", err)
	}
	// Tests and scripts read the real address (port 0 picks one) from this line.
	log.Info("http server listening", "addr", ln.Addr().String())

	fatal := make(chan error, len(platforms)+1) // buffered: senders never block after we stop reading
	httpDone := make(chan struct{})
	go func() {
		defer close(httpDone)
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			fatal <- fmt.Errorf("http server: %w", err)
		}
	}()
	var running sync.WaitGroup
	for _, p := range platforms {
		running.Go(func() {
			plog := log.With("platform", p.name)
			plog.Info("platform starting")
			err := runPlatform(runCtx, p)
			switch {
			case runCtx.Err() != nil:
				if err != nil && !errors.Is(err, context.Canceled) {
					plog.Warn("platform stopped with an error", "err", err)
				} else {
					plog.Info("platform stopped")
				}
			case err == nil:
				fatal <- fmt.Errorf("%s stopped unexpectedly", p.name)
			default:
				fatal <- fmt.Errorf("%s: %w", p.name, err)
			}
		})
	}
	serving = true
	log.Info("radbot is serving", "platforms", platformNames(platforms))

	var cause error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout.D().String())
	case cause = <-fatal:
		log.Error("shutting down after a failure", "err", cause, "timeout", cfg.ShutdownTimeout.D().String())
	}

	// Stop taking questions: readiness fails, the platforms stop reading and drain, the HTTP server
	// stops accepting and finishes its requests (Slack's HTTP mode included). Then the store closes.
	draining.Store(true)
	cancel()
	sdCtx, sdCancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout.D())
	defer sdCancel()
	httpStopped := make(chan struct{})
	go func() {
		defer close(httpStopped)
		if err := srv.Shutdown(sdCtx); err != nil && sdCtx.Err() == nil {
			log.Error("stopping the http server", "err", err)
		}
	}()
	platformsDone := make(chan struct{})
	go func() { running.Wait(); close(platformsDone) }()
	bgDone := make(chan struct{})
	go func() { bg.Wait(); close(bgDone) }()
	for _, done := range []<-chan struct{}{platformsDone, httpStopped, httpDone, bgDone} {
		select {
		case <-done:
		case <-sdCtx.Done():
		}
	}
	timedOut := sdCtx.Err() != nil
	if timedOut {
		// Questions may still be in flight and using the store; the database's journal keeps it
		// consistent, so exit without waiting for them.
		storeOpen = false
		log.Error("shutdown timed out: exiting with work unfinished", "timeout", cfg.ShutdownTimeout.D().String())
		return exitError{1}
	}
	// The platforms are done: write the interactions still queued, then close the store.
	botOpen = false
	if err := b.Close(sdCtx); err != nil {
		log.Error("storing the last interactions", "err", err)
		cause = errors.Join(cause, err)
	}
	storeOpen = false
	if err := store.Close(); err != nil {
		log.Error("closing the store", "err", err)
		cause = errors.Join(cause, err)
	}
	if cause != nil {
		return cause
	}
	log.Info("stopped cleanly")
	return nil
}

// prober runs the store's write probe now and then and keeps the last result, so that /readyz is
// cheap and a load balancer polling it cannot pile writes onto the database.
type prober struct {
	store interface{ Probe(context.Context) error }
	log   *slog.Logger
	last  atomic.Pointer[error]
}

func (p *prober) check(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := p.store.Probe(ctx)
	if prev := p.last.Load(); err != nil && (prev == nil || *prev == nil) {
		p.log.Error("the store cannot take writes: not ready", "err", err)
	} else if err == nil && prev != nil && *prev != nil {
		p.log.Info("the store takes writes again")
	}
	p.last.Store(&err)
}

func (p *prober) loop(ctx context.Context, every time.Duration) { tick(ctx, every, p.check) }

// tick calls f every interval until ctx is done (the first call after one interval).
func tick(ctx context.Context, every time.Duration, f func(context.Context)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(ctx)
		}
	}
}

// err is the last probe's result.
func (p *prober) err() error {
	if e := p.last.Load(); e != nil {
		return *e
	}
	return nil
}

// readyHandler answers /readyz: 200 "ok" while the knowledge is loaded, the store's last write probe
// succeeded (a full disk, lost permissions or a database file replaced under the process all fail it)
// and every platform is connected or has been disconnected for less than grace; 503 with a short
// reason otherwise, and while shutting down.
func readyHandler(draining *atomic.Bool, b interface{ Knowledge() *knowledge.Base },
	store interface{ err() error }, platforms []platform, grace time.Duration, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		notReady := func(why string) {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, why+"\n")
		}
		if draining.Load() {
			notReady("shutting down")
			return
		}
		if b.Knowledge() == nil {
			notReady("knowledge not loaded")
			return
		}
		if err := store.err(); err != nil {
			notReady("store cannot write")
			return
		}
		for _, p := range platforms {
			if p.health == nil {
				continue
			}
			if up, since := p.health(); !up && time.Since(since) > grace {
				notReady(p.name + " disconnected")
				return
			}
		}
		io.WriteString(w, "ok\n")
	})
}

// runPlatform runs one adapter, turning a panic into an error.
func runPlatform(ctx context.Context, p platform) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return p.run(ctx)
}

func platformNames(ps []platform) []string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.name
	}
	return names
}

// recoverHandler turns a panic in a handler into a 500 and a log line.
func recoverHandler(h http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic in http handler", "path", r.URL.Path, "panic", fmt.Sprint(v))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	})
}

func knowledgeName(dir string) string {
	if dir == "" {
		return "(embedded)"
	}
	return dir
}

// hashKey returns the key for hashing platform ids: the value of the environment variable named env,
// or, when it is unset, a key kept in the database (with a warning). serve and forget must agree, so
// both call this.
func hashKey(ctx context.Context, env string, getenv func(string) string, store keyStore, log *slog.Logger) ([]byte, error) {
	if v := getenv(env); v != "" {
		if len(v) < minHashKeyLen {
			return nil, fmt.Errorf("store.hash_key_env: %s is set but shorter than %d characters; use a long random value (e.g. openssl rand -hex 32)", env, minHashKeyLen)
		}
		return []byte(v), nil
	}
	key, err := store.HashKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the hash key from the store: %w", err)
	}
	log.Warn("hash key: "+env+" is not set, so user ids are hashed with a key kept in the database; set "+env+" in production",
		"env", env)
	return key, nil
}

// retention deletes old interactions.
type retention struct {
	store interface {
		PurgeBefore(ctx context.Context, cutoff time.Time) (int64, error)
	}
	days int // 1 to maxRetentionDays (checked by Config.Validate)
	log  *slog.Logger
	now  func() time.Time // nil: time.Now
}

// purge deletes what is older than the retention period, logging the outcome. The cutoff is a date
// arithmetic (no Duration to overflow), and one that is not in the past is refused, by the store too.
func (r *retention) purge(ctx context.Context) {
	now := time.Now
	if r.now != nil {
		now = r.now
	}
	t := now()
	cutoff := t.AddDate(0, 0, -r.days)
	if r.days <= 0 || r.days > maxRetentionDays || !cutoff.Before(t) {
		r.log.Error("refusing to purge: the retention period is out of range", "days", r.days)
		return
	}
	n, err := r.store.PurgeBefore(ctx, cutoff)
	if err != nil {
		if ctx.Err() == nil {
			r.log.Error("purging old interactions", "err", err)
		}
		return
	}
	r.log.Info("purged old interactions", "deleted", n, "before", cutoff.UTC().Format(time.DateOnly))
}

// loop purges every interval until ctx is done.
func (r *retention) loop(ctx context.Context, every time.Duration) { tick(ctx, every, r.purge) }
