package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
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
	platformFlag := fs.String("platform", "", "where the person used the bot: discord, slack, or cli (chat --store)")
	user := fs.String("user", "", "the person's user id on that platform (Discord: a long number; Slack: e.g. U024BE7LH; cli: the name chat showed)")
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
	if platform != bot.PlatformDiscord && platform != bot.PlatformSlack && platform != chatPlatform {
		fmt.Fprintf(stderr, "radbot forget: --platform %q: use discord, slack or %s\n", *platformFlag, chatPlatform)
		return exitError{2}
	}
	if err := validUserID(platform, id); err != nil {
		fmt.Fprintf(stderr, "radbot forget: --user %q: %v\n", id, err)
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
	if *dbPath != "" {
		cfg.Store.Driver = "sqlite"
	}
	store, err := openStore(ctx, cfg.Store, os.Getenv, slog.New(slog.DiscardHandler), true)
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
		return fmt.Errorf("erasing from %s: %w", cfg.Store.name(), err)
	}
	if n == 0 {
		fmt.Fprintf(stdout, "Nothing was stored for that %s user in %s: 0 rows erased.\n", platform, cfg.Store.name())
		fmt.Fprintf(stdout, "If %s had a different value when they used the bot, their rows cannot be matched.\n", cfg.Store.HashKeyEnv)
		return nil
	}
	fmt.Fprintf(stdout, "Erased %d %s (questions and votes) for that %s user from %s.\n", n, plural(n, "row", "rows"), platform, cfg.Store.name())
	return nil
}

var (
	discordID      = regexp.MustCompile(`^[0-9]{15,21}$`)                        // a snowflake
	slackID        = regexp.MustCompile(`^[UW][A-Z0-9]{6,20}$`)                  // a member ID: U… or, in Enterprise Grid, W…
	cliID          = regexp.MustCompile(`^[A-Za-z0-9._-][A-Za-z0-9._@-]{0,63}$`) // an account name
	discordMention = regexp.MustCompile(`^<@!?([0-9]{15,21})>$`)
)

// validUserID checks that id has the shape of a user id on platform, so that forget never hashes a
// display name (which matches nothing) and reports "0 rows erased" as if the person had no data.
func validUserID(platform bot.Platform, id string) error {
	switch platform {
	case bot.PlatformDiscord:
		if discordID.MatchString(id) {
			return nil
		}
		if m := discordMention.FindStringSubmatch(id); m != nil {
			return fmt.Errorf("that is a mention; use the number inside it: --user %s", m[1])
		}
		return errors.New("a Discord user ID is a long number like 80351110224678912, not a name; in Discord turn on Developer Mode (Settings → Advanced), then right-click the person and choose Copy User ID")
	case bot.PlatformSlack:
		if slackID.MatchString(id) {
			return nil
		}
		if up := strings.ToUpper(id); slackID.MatchString(up) {
			return fmt.Errorf("Slack member IDs are in capitals: --user %s", up)
		}
		return errors.New("a Slack member ID looks like U024BE7LH, not a name; in Slack open the person's profile, choose ⋮ (More), then Copy member ID")
	case chatPlatform:
		if cliID.MatchString(id) {
			return nil
		}
		return errors.New("use the user name that radbot chat --store showed when it started")
	}
	return fmt.Errorf("unknown platform %q", platform)
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
