package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/discord/discordtest"
	"github.com/radbot/radbot/adapters/slack/slackfake"
	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
)

// TestDigestPostsThroughPlatforms builds both adapters the way serve does (buildPlatforms), pointed
// at the local fakes, and posts the seeded week's digest through each: with the real discordgo
// client it reaches the configured Discord channel with allowed_mentions parsing nothing; with the
// real slack-go client it reaches the Slack channel with every <…> escaped.
func TestDigestPostsThroughPlatforms(t *testing.T) {
	t.Parallel()
	dfake := discordtest.New(t)
	sfake := slackfake.New(t, slackfake.Options{})
	cfg := DefaultConfig()
	cfg.Discord.Enabled, cfg.Discord.APIURL = true, dfake.URL
	cfg.Slack.Enabled, cfg.Slack.APIURL = true, sfake.APIURL()
	secrets := Secrets{DiscordToken: dfake.Token, SlackBotToken: "xoxb-test", SlackAppToken: "xapp-1-test"}
	base, err := embeddedBase() // shared: read only
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(base, bot.Options{Index: indexFor(base)})
	t.Cleanup(func() { b.Close(context.Background()) })
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	platforms, _, err := buildPlatforms(cfg, secrets, b, platformDeps{}, log)
	if err != nil {
		t.Fatal(err)
	}

	// post builds a digester for one platform on its own copy of the seeded week and runs the
	// 09:00 Monday slot, returning the digest text it posted.
	post := func(platform, channel string) string {
		t.Helper()
		store := openDigestStore(t, seedDigestDB(t))
		d := newDigester(DigestConfig{Enabled: true, Platform: platform, Channel: channel, Weekday: "monday",
			Time: "09:00", Timezone: "Europe/London"}, platforms, store, digestBase, log)
		if d == nil {
			t.Fatalf("no digester for %s", platform)
		}
		now := digestNow(t)
		d.clock = newFakeClock(now)
		if err := d.attempt(context.Background(), d.sched.prev(now), now); err != nil {
			t.Fatalf("posting the digest to %s: %v", platform, err)
		}
		if got := lastDigest(t, store); got != "2026-11-30" {
			t.Errorf("%s: the store records %q as posted", platform, got)
		}
		text, err := buildDigest(context.Background(), store, digestBase(), now, london(t))
		if err != nil {
			t.Fatal(err)
		}
		return text
	}

	t.Run("discord", func(t *testing.T) {
		const channel = "600000000000000009"
		text := post("discord", channel)
		msgs := dfake.WaitRequests(t, "the digest", 1, discordtest.Is(http.MethodPost, "/api/v9/channels/"+channel+"/messages"))
		var contents []string
		for _, r := range dfake.Requests() {
			if r.Method != http.MethodPost || r.Path != "/api/v9/channels/"+channel+"/messages" {
				continue
			}
			if r.Header.Get("Authorization") != "Bot "+dfake.Token {
				t.Errorf("posted without the bot token")
			}
			var m struct {
				Content         string `json:"content"`
				AllowedMentions *struct {
					Parse *[]string `json:"parse"`
					Users []string  `json:"users"`
					Roles []string  `json:"roles"`
				} `json:"allowed_mentions"`
			}
			if err := r.Decode(&m); err != nil {
				t.Fatal(err)
			}
			if am := m.AllowedMentions; am == nil || am.Parse == nil || len(*am.Parse) != 0 || len(am.Users)+len(am.Roles) != 0 {
				t.Errorf("allowed_mentions is not empty: the digest could ping (%s)", r.Body)
			}
			contents = append(contents, m.Content)
		}
		if len(msgs) == 0 || strings.Join(contents, "\n\n") != strings.TrimSpace(text) {
			t.Errorf("the messages in the channel are not the digest:\n%s", strings.Join(contents, "\n---\n"))
		}
		for _, want := range []string{"`needs the 2026 numbers @everyone please`", "`<@300000000000000001> says it's"} {
			if !strings.Contains(strings.Join(contents, "\n"), want) {
				t.Errorf("the posted digest has no %q", want)
			}
		}
	})

	t.Run("slack", func(t *testing.T) {
		const channel = "C0MAINT0009"
		post("slack", channel)
		c := sfake.WaitCall(t, "chat.postMessage", func(c slackfake.Call) bool { return c.Get("channel") == channel })
		text := c.Get("text")
		if c.Token != "xoxb-test" {
			t.Errorf("posted with token %q", c.Token)
		}
		if strings.Contains(text, "<@") || strings.Contains(text, "<!") {
			t.Errorf("the Slack digest can ping:\n%s", text)
		}
		for _, want := range []string{"*RadBot weekly digest*", "• `training-length` (How long is radiology training?): 3 not helpful",
			"`&lt;@300000000000000001&gt; says it's **wrong** 'see' [here](https://evil.example) &lt;!channel&gt;`"} {
			if !strings.Contains(text, want) {
				t.Errorf("the Slack digest has no %q:\n%s", want, text)
			}
		}
	})
}

// TestServeWeeklyDigest runs a real `radbot serve` with Slack (Socket Mode, against the fake) and a
// digest due a minute ago: it is posted to the configured channel once. A restart in the same week
// finds it posted and sends nothing.
func TestServeWeeklyDigest(t *testing.T) {
	t.Parallel()
	sfake := slackfake.New(t, slackfake.Options{Timeout: 15 * time.Second})
	dir := t.TempDir()
	db := filepath.Join(dir, "digest.db")
	store, err := sqlite.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.SaveInteraction(context.Background(), &bot.Interaction{Time: time.Now().Add(-time.Hour), Platform: "slack",
		ConversationHash: "c", UserHash: "u", Question: "Who do I ask <!here>?", Status: bot.StatusFallback, Reason: bot.ReasonNoMatch})
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	due := time.Now().UTC().Add(-time.Minute)
	cfg := fmt.Sprintf(`store:
  path: %q
slack:
  enabled: true
  mode: socket
  bot_token_env: DIGEST_SLACK_BOT
  app_token_env: DIGEST_SLACK_APP
  api_url: %q
report:
  digest:
    enabled: true
    platform: slack
    channel: C0MAINT0001
    weekday: %s
    time: "%s"
    timezone: UTC
`, db, sfake.APIURL(), strings.ToLower(due.Weekday().String()), due.Format("15:04"))
	os.WriteFile(filepath.Join(dir, "radbot.yaml"), []byte(cfg), 0o600)
	env := childEnv("DIGEST_SLACK_BOT=xoxb-test", "DIGEST_SLACK_APP=xapp-1-test", "RADBOT_HASH_KEY=digest-hash-key-0123456789")

	p := startServe(t, dir, env, "--config", "radbot.yaml")
	c := sfake.WaitCall(t, "chat.postMessage", func(c slackfake.Call) bool { return c.Get("channel") == "C0MAINT0001" })
	waitFor(t, 15*time.Second, "the digest to be logged as posted", func() bool {
		return strings.Contains(p.logs.String(), "weekly digest posted")
	})
	text := c.Get("text")
	for _, want := range []string{"*RadBot weekly digest*", "*Questions: 1*: no answer 1", "`Who do I ask &lt;!here&gt;?`"} {
		if !strings.Contains(text, want) {
			t.Errorf("the posted digest has no %q:\n%s", want, text)
		}
	}
	if p.stop(syscall.SIGTERM, 15*time.Second); p.err != nil {
		t.Fatalf("exit after SIGTERM: %v", p.err)
	}
	if logs := p.logs.String(); strings.Contains(logs, "Who do I ask") {
		t.Errorf("the log shows the digest's content:\n%s", logs)
	}

	again := startServe(t, dir, env, "--config", "radbot.yaml")
	waitFor(t, 15*time.Second, "the restart to find the week posted", func() bool {
		return strings.Contains(again.logs.String(), "weekly digest already posted")
	})
	if again.stop(syscall.SIGTERM, 15*time.Second); again.err != nil {
		t.Fatalf("exit after SIGTERM: %v", again.err)
	}
	if n := len(sfake.CallsTo("chat.postMessage")); n != 1 {
		t.Errorf("%d digests posted across the restart, want 1", n)
	}
}
