package slack_test

import (
	"context"
	"strings"
	"testing"

	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/adapters/slack/slackfake"
)

const postChannel = "C0MAINT0001"

// newPoster builds an adapter on a new fake without running it: Post needs only the Web API.
func newPoster(t *testing.T) (*slack.Adapter, *slackfake.Server) {
	t.Helper()
	fake := slackfake.New(t, slackfake.Options{})
	a, err := slack.New(slack.Config{BotToken: "xoxb-test", AppToken: "xapp-1-test", APIURL: fake.APIURL(),
		Logger: testLogger(t)}, newScripted(nil))
	if err != nil {
		t.Fatal(err)
	}
	return a, fake
}

// TestPostReachesChannelWithoutPings: the real slack-go client posts to the channel given, with the
// bot token, in mrkdwn, with every <…> control sequence escaped (no <!here>, <!channel> or <@U…>
// can notify anyone), link_names unset (a plain @here stays text) and no previews.
func TestPostReachesChannelWithoutPings(t *testing.T) {
	t.Parallel()
	a, fake := newPoster(t)
	text := "**RadBot weekly digest**\n\n- `@everyone <@U0123ABCD> <!here> <!channel>` and @here, <!everyone>\n"
	if err := a.Post(context.Background(), postChannel, text); err != nil {
		t.Fatalf("Post: %v", err)
	}
	calls := fake.WaitCalls(t, "chat.postMessage", 1)
	if len(calls) != 1 {
		t.Fatalf("%d chat.postMessage calls, want 1", len(calls))
	}
	c := calls[0]
	if c.Token != "xoxb-test" || c.Get("channel") != postChannel {
		t.Errorf("posted with token %q to channel %q", c.Token, c.Get("channel"))
	}
	got := c.Get("text")
	if strings.Contains(got, "<!") || strings.Contains(got, "<@") {
		t.Errorf("text can ping: %q", got)
	}
	for _, want := range []string{"*RadBot weekly digest*", "• `@everyone &lt;@U0123ABCD&gt; &lt;!here&gt; &lt;!channel&gt;`", "&lt;!everyone&gt;"} {
		if !strings.Contains(got, want) {
			t.Errorf("text has no %q:\n%s", want, got)
		}
	}
	if c.Get("link_names") == "true" || c.Get("link_names") == "1" {
		t.Errorf("link_names = %q: a plain @here would notify the channel", c.Get("link_names"))
	}
	if c.Get("unfurl_links") != "false" || c.Get("unfurl_media") != "false" {
		t.Errorf("previews on: unfurl_links %q, unfurl_media %q", c.Get("unfurl_links"), c.Get("unfurl_media"))
	}
}

// TestPostSplitsLongText: text over 4000 characters is posted in several messages, none over 4000.
func TestPostSplitsLongText(t *testing.T) {
	t.Parallel()
	a, fake := newPoster(t)
	text := strings.Repeat("- a line of the digest that goes on for a while\n", 200) // about 10,000 characters
	if err := a.Post(context.Background(), postChannel, text); err != nil {
		t.Fatal(err)
	}
	calls := fake.CallsTo("chat.postMessage")
	if len(calls) < 3 {
		t.Fatalf("%d messages, want at least 3", len(calls))
	}
	lines := 0
	for _, c := range calls {
		if n := len([]rune(c.Get("text"))); n > 4000 {
			t.Errorf("a message has %d characters", n)
		}
		lines += strings.Count(c.Get("text"), "• a line")
	}
	if lines != 200 {
		t.Errorf("%d lines arrived, want 200", lines)
	}
}

// TestPostFailures: a channel name is refused before any call; a dropped connection is retried; an
// API error (the bot is not in the channel) is returned at once.
func TestPostFailures(t *testing.T) {
	t.Parallel()
	a, fake := newPoster(t)
	ctx := context.Background()
	if err := a.Post(ctx, "#maintainers", "hello"); err == nil || !strings.Contains(err.Error(), "not a Slack channel id") {
		t.Errorf("Post to a channel name = %v, want it refused", err)
	}
	if n := len(fake.Calls()); n != 0 {
		t.Errorf("%d calls for a bad channel id", n)
	}

	fake.Drop("chat.postMessage", 1)
	if err := a.Post(ctx, postChannel, "after a reset"); err != nil {
		t.Errorf("Post after a dropped connection: %v", err)
	}
	if n := len(fake.CallsTo("chat.postMessage")); n != 2 {
		t.Errorf("%d calls, want 2 (dropped, then delivered)", n)
	}

	fake.Fail("chat.postMessage", "not_in_channel")
	err := a.Post(ctx, postChannel, "hello")
	if err == nil || !strings.Contains(err.Error(), "not_in_channel") {
		t.Errorf("Post when not in the channel = %v, want not_in_channel", err)
	}
	if n := len(fake.CallsTo("chat.postMessage")); n != 3 {
		t.Errorf("an API error was retried: %d calls in all, want 3", n)
	}
}
