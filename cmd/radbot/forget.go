package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/radbot/radbot/bot"
)

// cmdForget erases everything stored about one person (right to erasure): their questions, the votes
// on them, and their votes on other answers. It hashes the raw platform id with the same key serve
// uses, so it must run with the same store.hash_key_env value.
func cmdForget(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, _ := newFlags("forget", stderr)
	cfgPath := fs.String("config", "", "configuration file, for store.path and store.hash_key_env (default: built-in defaults)")
	dbPath := fs.String("db", "", "database file, overriding store.path (default radbot.db)")
	platformFlag := fs.String("platform", "", "where the person used the bot: discord or slack")
	user := fs.String("user", "", "the person's user id on that platform (Discord: a number; Slack: e.g. U024BE7LH)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: radbot forget [--config FILE] [--db PATH] --platform discord|slack --user ID")
		fs.PrintDefaults()
	}
	if err := parseCmdFlags(fs, args); err != nil {
		return err
	}
	platform := bot.Platform(strings.ToLower(strings.TrimSpace(*platformFlag)))
	id := strings.TrimSpace(*user)
	if platform == "" || id == "" {
		fmt.Fprintln(stderr, "radbot forget: --platform and --user are both required")
		fs.Usage()
		return exitError{2}
	}
	if platform != bot.PlatformDiscord && platform != bot.PlatformSlack {
		fmt.Fprintf(stderr, "radbot forget: --platform %q: use discord or slack\n", *platformFlag)
		return exitError{2}
	}
	cfg, err := readConfig(*cfgPath, func(c *Config) {
		if *dbPath != "" {
			c.Store.Path = *dbPath
		}
	})
	if err != nil {
		return err
	}
	store, err := openExistingStore(ctx, cfg.Store.Path)
	if err != nil {
		return err
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})).With("component", "forget")
	key, err := hashKey(ctx, cfg.Store.HashKeyEnv, os.Getenv, store, log)
	if err != nil {
		return err
	}
	n, err := store.Forget(ctx, platform, bot.HashID(key, platform, id))
	if err != nil {
		return fmt.Errorf("erasing from %s: %w", cfg.Store.Path, err)
	}
	if n == 0 {
		fmt.Fprintf(stdout, "Nothing was stored for that %s user in %s: 0 rows erased.\n", platform, cfg.Store.Path)
		fmt.Fprintf(stdout, "If %s had a different value when they used the bot, their rows cannot be matched.\n", cfg.Store.HashKeyEnv)
		return nil
	}
	fmt.Fprintf(stdout, "Erased %d %s (questions and votes) for that %s user from %s.\n", n, plural(n, "row", "rows"), platform, cfg.Store.Path)
	return nil
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
