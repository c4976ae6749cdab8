package discordtest_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"github.com/radbot/radbot/adapters/discord/discordtest"
)

type rewrite struct{ to *url.URL }

func (rt rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = rt.to.Scheme, rt.to.Host, rt.to.Host
	return http.DefaultTransport.RoundTrip(r)
}

func session(t *testing.T, fake *discordtest.Server, token string, intents discordgo.Intent) *discordgo.Session {
	t.Helper()
	s, err := discordgo.New("Bot " + token)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(fake.URL)
	s.Client = &http.Client{Transport: rewrite{u}, Timeout: 5 * time.Second}
	s.Identify.Intents = intents
	s.ShouldReconnectOnError = false
	return s
}

func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

func TestGatewayRejectsPrivilegedIntentsAndBadTokens(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	err := session(t, fake, fake.Token, discordgo.IntentsGuilds|discordgo.IntentMessageContent).Open()
	if closeCode(err) != discordtest.CloseDisallowedIntents {
		t.Errorf("message content intent: Open() = %v, want close 4014", err)
	}
	err = session(t, fake, "wrong", discordgo.IntentsGuilds).Open()
	if closeCode(err) != discordtest.CloseAuthenticationFailed {
		t.Errorf("bad token: Open() = %v, want close 4004", err)
	}
}

func TestInteractionCallbacks(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	s := session(t, fake, fake.Token, discordgo.IntentsGuilds)
	got := make(chan *discordgo.InteractionCreate, 1)
	s.AddHandler(func(_ *discordgo.Session, ic *discordgo.InteractionCreate) { got <- ic })
	if err := s.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })

	in := fake.SlashCommand(discordtest.User{ID: "1", Name: "u"}, discordtest.Guild("2", "3"), "ask", map[string]string{"question": "hi"})
	fake.Interact(t, in)
	var ic *discordgo.InteractionCreate
	select {
	case ic = <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("no INTERACTION_CREATE")
	}
	if ic.Member == nil || ic.Member.User.ID != "1" || ic.Member.Permissions == 0 || ic.AppID != fake.AppID || ic.Token != in.Token {
		t.Fatalf("decoded interaction = %+v", ic.Interaction)
	}
	if q := ic.ApplicationCommandData().GetOption("question"); q == nil || q.StringValue() != "hi" {
		t.Errorf("question option = %+v", q)
	}
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource}
	if err := s.InteractionRespond(ic.Interaction, resp); err != nil {
		t.Fatalf("first callback: %v", err)
	}
	var rerr *discordgo.RESTError
	if err := s.InteractionRespond(ic.Interaction, resp); !errors.As(err, &rerr) || rerr.Message.Code != discordgo.ErrCodeInteractionHasAlreadyBeenAcknowledged {
		t.Errorf("second callback: %v, want 40060", err)
	}
	content := "done"
	if _, err := s.InteractionResponseEdit(ic.Interaction, &discordgo.WebhookEdit{Content: &content}); err != nil {
		t.Errorf("edit original: %v", err)
	}
	if _, err := s.FollowupMessageCreate(ic.Interaction, true, &discordgo.WebhookParams{Content: "more"}); err != nil {
		t.Errorf("followup: %v", err)
	}
	unknown := *ic.Interaction
	unknown.ID = "999"
	if err := s.InteractionRespond(&unknown, resp); !errors.As(err, &rerr) || rerr.Message.Code != discordgo.ErrCodeUnknownInteraction {
		t.Errorf("unknown interaction: %v, want 10062", err)
	}
	if n := len(fake.Requests()); n != 6 { // GET gateway + 5 calls
		t.Errorf("recorded %d requests, want 6", n)
	}
}
