package discord_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/radbot/radbot/adapters/discord"
	"github.com/radbot/radbot/adapters/discord/discordtest"
)

const postChannel = "600000000000000001"

// newPoster builds an adapter on the fake without running it: Post needs only the REST API.
func newPoster(t *testing.T) (*discord.Adapter, *discordtest.Server) {
	t.Helper()
	fake := discordtest.New(t)
	a, err := discord.New(discord.Config{Token: fake.Token, APIURL: fake.URL, Logger: testLogger(t)}, newScripted())
	if err != nil {
		t.Fatal(err)
	}
	return a, fake
}

// sentMessage is the part of a Create Message body the tests look at.
type sentMessage struct {
	Content         string          `json:"content"`
	Flags           int             `json:"flags"`
	AllowedMentions json.RawMessage `json:"allowed_mentions"`
}

func messagesTo(fake *discordtest.Server, channel string) []sentMessage {
	var out []sentMessage
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && r.Path == "/api/v9/channels/"+channel+"/messages" {
			var m sentMessage
			if err := r.Decode(&m); err == nil {
				out = append(out, m)
			}
		}
	}
	return out
}

// TestPostReachesChannelWithoutPings: the real discordgo client posts the text to the channel given,
// with the bot's token, allowed_mentions parsing nothing (so @everyone, @here and <@id> in the text
// notify nobody) and link previews suppressed.
func TestPostReachesChannelWithoutPings(t *testing.T) {
	t.Parallel()
	a, fake := newPoster(t)
	text := "**RadBot weekly digest**\n\n- `@everyone look <@300000000000000001> <@&400000000000000001> @here`\n"
	if err := a.Post(context.Background(), postChannel, text); err != nil {
		t.Fatalf("Post: %v", err)
	}
	req := fake.WaitRequest(t, "the message", discordtest.Is(http.MethodPost, "/api/v9/channels/"+postChannel+"/messages"))
	if got := req.Header.Get("Authorization"); got != "Bot "+fake.Token {
		t.Errorf("Authorization = %q", got)
	}
	msgs := messagesTo(fake, postChannel)
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.Content != strings.TrimSpace(text) {
		t.Errorf("content = %q, want %q", m.Content, strings.TrimSpace(text))
	}
	var am struct {
		Parse       *[]string `json:"parse"`
		Users       []string  `json:"users"`
		Roles       []string  `json:"roles"`
		RepliedUser bool      `json:"replied_user"`
	}
	if err := json.Unmarshal(m.AllowedMentions, &am); err != nil || am.Parse == nil || len(*am.Parse) != 0 ||
		len(am.Users) != 0 || len(am.Roles) != 0 || am.RepliedUser {
		t.Errorf("allowed_mentions = %s, want parse [] and nobody listed", m.AllowedMentions)
	}
	if m.Flags&(1<<2) == 0 {
		t.Errorf("flags = %d, want SUPPRESS_EMBEDS (4)", m.Flags)
	}
}

// TestPostSplitsLongText: text over 2000 characters goes in several messages, split between lines,
// none over the limit, nothing lost; far too much text stops at five messages ending in "…".
func TestPostSplitsLongText(t *testing.T) {
	t.Parallel()
	a, fake := newPoster(t)
	var lines []string
	for i := range 60 {
		lines = append(lines, fmt.Sprintf("- line %02d 🩻 %s", i, strings.Repeat("x", 40)))
	}
	text := strings.Join(lines, "\n")
	if err := a.Post(context.Background(), postChannel, text); err != nil {
		t.Fatal(err)
	}
	msgs := messagesTo(fake, postChannel)
	if len(msgs) < 2 {
		t.Fatalf("%d messages for %d characters, want at least 2", len(msgs), len(text))
	}
	var got []string
	for _, m := range msgs {
		if n := len(utf16.Encode([]rune(m.Content))); n > 2000 {
			t.Errorf("a message has %d UTF-16 units, over Discord's 2000", n)
		}
		got = append(got, m.Content)
	}
	if strings.Join(got, "\n") != text {
		t.Errorf("the messages do not add up to the text, line for line")
	}

	other := "600000000000000002"
	huge := strings.Repeat(strings.Repeat("y", 1500)+"\n\n", 20)
	if err := a.Post(context.Background(), other, huge); err != nil {
		t.Fatal(err)
	}
	msgs = messagesTo(fake, other)
	if len(msgs) != 5 || !strings.HasSuffix(msgs[4].Content, "…") {
		t.Errorf("%d messages for 30,000 characters, want 5 with the last ending in …", len(msgs))
	}
}

// TestPostFailures: a bad channel id is refused before any request; a server error is retried; a
// client error (no access to the channel) is returned at once.
func TestPostFailures(t *testing.T) {
	t.Parallel()
	a, fake := newPoster(t)
	ctx := context.Background()
	if err := a.Post(ctx, "#maintainers", "hello"); err == nil || !strings.Contains(err.Error(), "not a Discord channel id") {
		t.Errorf("Post to a channel name = %v, want the id refused", err)
	}
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("%d requests for a bad channel id", n)
	}

	path := "/api/v9/channels/" + postChannel + "/messages"
	fake.Fail(http.MethodPost, path, 1, http.StatusInternalServerError)
	if err := a.Post(ctx, postChannel, "after a 500"); err != nil {
		t.Errorf("Post after one 500: %v", err)
	}
	if msgs := messagesTo(fake, postChannel); len(msgs) != 2 || msgs[1].Content != "after a 500" {
		t.Errorf("want the message sent twice (a 500, then success), got %d", len(msgs))
	}

	denied := "600000000000000003"
	fake.SetResponse(http.MethodPost, "/api/v9/channels/"+denied+"/messages", http.StatusForbidden,
		map[string]any{"code": 50001, "message": "Missing Access"})
	err := a.Post(ctx, denied, "hello")
	if err == nil || !strings.Contains(err.Error(), "Missing Access") {
		t.Errorf("Post without access = %v, want Missing Access", err)
	}
	if msgs := messagesTo(fake, denied); len(msgs) != 1 {
		t.Errorf("a 403 was sent %d times, want once (not retried)", len(msgs))
	}
}
