package slack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/adapters/slack/slackfake"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

func scriptedReplies() map[string]bot.Reply {
	entry := &knowledge.Entry{ID: "training-length", Title: "How long is training?",
		Sources: []knowledge.Source{{Title: "RCR", URL: "https://www.rcr.ac.uk/"}}, Reviewed: "2026-01-02"}
	return map[string]bot.Reply{
		"answer": {Status: bot.StatusAnswered, Entry: entry, Text: strings.Repeat("Training takes **5 years**. ", 150),
			InteractionID: 42, Related: []bot.EntryRef{{ID: "frcr-exams", Title: "What are the FRCR exams?"}}},
		"clarify": {Status: bot.StatusClarify, Text: "Which one?", Candidates: []bot.EntryRef{
			{ID: "frcr-exams", Title: "FRCR exams"}, {ID: "frcr-fees", Title: "FRCR fees"}}},
		"fallback": {Status: bot.StatusFallback, Text: "Sorry, I don't know.", InteractionID: 3,
			Links: []knowledge.Source{{Title: "NHS Health Careers", URL: "https://www.healthcareers.nhs.uk/"}}},
		"refuse": {Status: bot.StatusRefused, Text: "I can't help with your health. Call **NHS 111**.",
			Links: []knowledge.Source{{Title: "NHS 111", URL: "https://111.nhs.uk/"}}},
		"limit": {Status: bot.StatusLimited, Text: "Please slow down."},
		"entry:frcr-exams": {Status: bot.StatusAnswered, InteractionID: 43,
			Entry: &knowledge.Entry{ID: "frcr-exams", Title: "What are the FRCR exams?"}, Text: "Three parts."},
	}
}

func TestSocketSlashAcksBeforeAnswering(t *testing.T) {
	ans := newScripted(scriptedReplies())
	ans.gate = make(chan struct{})
	fake := startSocket(t, ans)

	id := fake.Send(t, slackfake.SlashCommands, slashPayload("answer", fake.ResponseURL("cmd")))
	// The answer is held back, yet the envelope is acknowledged.
	if ack := fake.WaitAck(t, id); len(ack.Payload) != 0 {
		t.Errorf("ack payload = %s, want none", ack.Payload)
	}
	if n := len(fake.CallsTo("response_url")); n != 0 {
		t.Fatalf("%d replies before the answer was released", n)
	}
	close(ans.gate)
	c := fake.WaitCall(t, "response_url", nil)
	if got := c.Get("response_type"); got != "in_channel" {
		t.Errorf("response_type = %q, want in_channel", got)
	}
	if got := c.Get("replace_original"); got != "false" {
		t.Errorf("replace_original = %q, want false", got)
	}
	if c.Token != "" || c.Get("token") != "" {
		t.Errorf("a response_url post carried a token")
	}
	if got := headerText(t, c); got != "How long is training?" {
		t.Errorf("header = %q", got)
	}
	if got := strings.Join(actionIDs(t, c), ","); got != "fb_up,fb_down,rel_0" {
		t.Errorf("buttons = %s, want fb_up,fb_down,rel_0", got)
	}
	if got := buttonValue(t, c, "fb_up"); got != "42" {
		t.Errorf("fb_up value = %q, want the interaction id 42", got)
	}
	if c.Get("text") == "" {
		t.Errorf("no fallback text")
	}
	q := ans.Queries()[0]
	if q.Platform != "slack" || q.UserID != "U1" || q.ConversationID != "C1" || q.Text != "answer" {
		t.Errorf("query = %+v", q)
	}
}

func TestSocketSlashStatuses(t *testing.T) {
	fake := startSocket(t, newScripted(scriptedReplies()))
	tests := []struct {
		text     string
		respType string
		buttons  string
		contains string
	}{
		{"clarify", "in_channel", "pick_0,pick_1", "Which one?"},
		{"fallback", "in_channel", "", "https://www.healthcareers.nhs.uk/|NHS Health Careers"},
		{"refuse", "ephemeral", "", "*NHS 111*"},
		{"limit", "ephemeral", "", "Please slow down."},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			send(t, fake, slackfake.SlashCommands, slashPayload(tt.text, fake.ResponseURL(tt.text)))
			c := fake.WaitCall(t, "response_url", func(c slackfake.Call) bool { return strings.HasSuffix(c.Path, "/"+tt.text) })
			if got := c.Get("response_type"); got != tt.respType {
				t.Errorf("response_type = %q, want %q", got, tt.respType)
			}
			if got := strings.Join(actionIDs(t, c), ","); got != tt.buttons {
				t.Errorf("buttons = %q, want %q", got, tt.buttons)
			}
			if !strings.Contains(strings.Join(postedStrings(c), "\n"), tt.contains) {
				t.Errorf("reply does not contain %q: %s", tt.contains, c.Body)
			}
		})
	}
	// Nothing went to the channel: slash command replies use the response_url only.
	if n := len(fake.CallsTo("chat.postMessage")) + len(fake.CallsTo("chat.postEphemeral")); n != 0 {
		t.Errorf("%d channel posts for slash commands", n)
	}
}

func TestSocketMentionRepliesInThread(t *testing.T) {
	ans := newScripted(scriptedReplies())
	fake := startSocket(t, ans)

	send(t, fake, slackfake.EventsAPI, mentionEvent("Ev1", "C2", "1700000000.000100", "", "<@UBOT> answer"))
	c := fake.WaitCall(t, "chat.postMessage", nil)
	if c.Get("channel") != "C2" || hasThread(c) != "1700000000.000100" {
		t.Errorf("posted to channel %q thread %q, want C2 under the question", c.Get("channel"), hasThread(c))
	}
	if c.Token != "xoxb-test" || c.Get("text") == "" || c.Get("unfurl_links") != "false" {
		t.Errorf("post: token %q, text %q, unfurl_links %q", c.Token, c.Get("text"), c.Get("unfurl_links"))
	}
	if got := ans.Queries()[0]; got.Text != "answer" || got.ConversationID != "C2" {
		t.Errorf("query = %+v, want the mention stripped and the channel as conversation (a follow-up in a new mention or the thread keeps its context)", got)
	}

	// A mention inside a thread replies in that thread.
	send(t, fake, slackfake.EventsAPI, mentionEvent("Ev2", "C2", "1700000000.000300", "1700000000.000200", "<@UBOT> answer"))
	c = fake.WaitCall(t, "chat.postMessage", func(c slackfake.Call) bool { return hasThread(c) == "1700000000.000200" })

	// Redelivered events, the bot's own mentions and bot mentions are ignored.
	send(t, fake, slackfake.EventsAPI, mentionEvent("Ev2", "C2", "1700000000.000300", "1700000000.000200", "<@UBOT> answer"))
	own := mentionEvent("Ev3", "C2", "1700000000.000400", "", "<@UBOT> answer")
	own["event"].(map[string]any)["user"] = "UBOT"
	send(t, fake, slackfake.EventsAPI, own)
	other := mentionEvent("Ev4", "C2", "1700000000.000500", "", "<@UBOT> answer")
	other["event"].(map[string]any)["bot_id"] = "B999"
	send(t, fake, slackfake.EventsAPI, other)
	// Events are dispatched in order, so once this one is answered the ones above have been handled.
	send(t, fake, slackfake.EventsAPI, mentionEvent("Ev5", "C3", "1700000000.000600", "", "<@UBOT> answer"))
	fake.WaitCall(t, "chat.postMessage", func(c slackfake.Call) bool { return c.Get("channel") == "C3" })
	if n := len(ans.Queries()); n != 3 {
		t.Errorf("%d questions reached the bot, want 3 (duplicate, own and bot mentions ignored)", n)
	}
}

func TestSocketDirectMessages(t *testing.T) {
	ans := newScripted(scriptedReplies())
	fake := startSocket(t, ans)

	send(t, fake, slackfake.EventsAPI, dmEvent("Ev1", "1700000000.000100", "answer", nil))
	c := fake.WaitCall(t, "chat.postMessage", nil)
	if c.Get("channel") != "D1" || hasThread(c) != "" {
		t.Errorf("DM reply to %q thread %q, want D1 with no thread", c.Get("channel"), hasThread(c))
	}

	ignored := []map[string]any{
		dmEvent("Ev2", "1700000000.000200", "answer", map[string]any{"subtype": "message_changed"}),
		dmEvent("Ev3", "1700000000.000300", "answer", map[string]any{"bot_id": "B1"}),
		dmEvent("Ev4", "1700000000.000400", "answer", map[string]any{"user": "UBOT"}),
		dmEvent("Ev5", "1700000000.000500", "answer", map[string]any{"channel_type": "channel", "channel": "C9"}),
		dmEvent("Ev6", "1700000000.000100", "answer", nil), // same message, new event id
	}
	for _, ev := range ignored {
		send(t, fake, slackfake.EventsAPI, ev)
	}
	send(t, fake, slackfake.EventsAPI, dmEvent("Ev7", "1700000000.000700", "fallback", nil))
	fake.WaitCalls(t, "chat.postMessage", 2)
	if n := len(ans.Queries()); n != 2 {
		t.Errorf("%d questions reached the bot, want 2", n)
	}
}

func TestSocketRefusalAndLimitAreEphemeral(t *testing.T) {
	fake := startSocket(t, newScripted(scriptedReplies()))

	send(t, fake, slackfake.EventsAPI, mentionEvent("Ev1", "C2", "1700000000.000100", "", "<@UBOT> refuse"))
	c := fake.WaitCall(t, "chat.postEphemeral", nil)
	if c.Get("channel") != "C2" || c.Get("user") != "U1" || hasThread(c) != "1700000000.000100" {
		t.Errorf("ephemeral to channel %q user %q thread %q", c.Get("channel"), c.Get("user"), hasThread(c))
	}
	if !strings.Contains(strings.Join(postedStrings(c), "\n"), "<https://111.nhs.uk/|NHS 111>") {
		t.Errorf("refusal lacks its link: %s", c.Body)
	}

	send(t, fake, slackfake.EventsAPI, dmEvent("Ev2", "1700000000.000200", "limit", nil))
	c = fake.WaitCall(t, "chat.postEphemeral", func(c slackfake.Call) bool { return c.Get("channel") == "D1" })
	if c.Get("user") != "U1" {
		t.Errorf("limited reply to user %q", c.Get("user"))
	}
	if n := len(fake.CallsTo("chat.postMessage")); n != 0 {
		t.Errorf("%d public posts, want none", n)
	}
}

func TestSocketRelatedAndClarifyClicks(t *testing.T) {
	ans := newScripted(scriptedReplies())
	fake := startSocket(t, ans)

	// A related-question click under an answer in a thread answers in that thread.
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "rel_0", value: "frcr-exams", channel: "C2",
		threadTS: "1700000000.000100", responseURL: fake.ResponseURL("rel")}))
	c := fake.WaitCall(t, "chat.postMessage", nil)
	if c.Get("channel") != "C2" || hasThread(c) != "1700000000.000100" || headerText(t, c) != "What are the FRCR exams?" {
		t.Errorf("posted to %q thread %q header %q", c.Get("channel"), hasThread(c), headerText(t, c))
	}
	if q := ans.Queries()[0]; q.EntryID != "frcr-exams" || q.UserID != "U1" {
		t.Errorf("query = %+v, want EntryID frcr-exams", q)
	}

	// A clarify pick on a message the bot cannot post beside (say, a slash command reply in a
	// channel it is not in) falls back to the response_url.
	fake.Fail("chat.postMessage", "not_in_channel")
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "pick_0", value: "frcr-exams",
		responseURL: fake.ResponseURL("pick")}))
	c = fake.WaitCall(t, "response_url", nil)
	if !strings.HasSuffix(c.Path, "/pick") || c.Get("response_type") != "in_channel" || c.Get("replace_original") != "false" {
		t.Errorf("fallback reply %s: %s", c.Path, c.Body)
	}

	// Malformed values are ignored.
	fake.Fail("chat.postMessage", "")
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "rel_1", value: "bad id with spaces"}))
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "rel_2", value: ""}))
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "something_else", value: "x"}))
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "rel_0", value: "frcr-exams", channel: "C7"}))
	fake.WaitCall(t, "chat.postMessage", func(c slackfake.Call) bool { return c.Get("channel") == "C7" })
	if n := len(ans.Queries()); n != 3 {
		t.Errorf("%d questions reached the bot, want 3", n)
	}
}

func TestSocketFeedback(t *testing.T) {
	ans := newScripted(scriptedReplies())
	fake := startSocket(t, ans)

	// Helpful: a vote and a private thank-you.
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "fb_up", value: "42", threadTS: "1700000000.000100"}))
	c := fake.WaitCall(t, "chat.postEphemeral", nil)
	if c.Get("channel") != "C1" || c.Get("user") != "U1" || hasThread(c) != "1700000000.000100" {
		t.Errorf("thanks went to %q/%q thread %q", c.Get("channel"), c.Get("user"), hasThread(c))
	}
	if fb := ans.Feedbacks(); len(fb) != 1 || fb[0] != (bot.Feedback{Platform: "slack", UserID: "U1", InteractionID: 42, Helpful: true}) {
		t.Errorf("feedback = %+v", fb)
	}

	// Not helpful: the modal opens with the trigger and the vote is recorded at once.
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "fb_down", value: "42", channel: "C2",
		threadTS: "1700000000.000100", triggerID: "trig-42"}))
	v := fake.WaitCall(t, "views.open", nil)
	if v.Token != "xoxb-test" || v.Get("trigger_id") != "trig-42" {
		t.Errorf("views.open token %q trigger %q", v.Token, v.Get("trigger_id"))
	}
	view, _ := v.JSON["view"].(map[string]any)
	if view["callback_id"] != "fb_modal" {
		t.Errorf("modal callback_id = %v", view["callback_id"])
	}
	if title, _ := view["title"].(map[string]any); len([]rune(title["text"].(string))) > 24 {
		t.Errorf("modal title %q is over 24 characters", title["text"])
	}
	meta, _ := view["private_metadata"].(string)
	var m struct {
		I int64  `json:"i"`
		C string `json:"c"`
	}
	if err := json.Unmarshal([]byte(meta), &m); err != nil || m.I != 42 || m.C != "C2" {
		t.Errorf("private_metadata = %q", meta)
	}
	waitFor(t, "the not-helpful vote", func() bool { return len(ans.Feedbacks()) == 2 })
	if fb := ans.Feedbacks()[1]; fb.Helpful || fb.InteractionID != 42 || fb.Comment != "" {
		t.Errorf("not-helpful feedback = %+v", fb)
	}

	// The modal's comment is recorded and thanked for in the channel from the metadata.
	send(t, fake, slackfake.Interactive, viewSubmission(meta, "  I wanted the ST1 dates  "))
	c = fake.WaitCall(t, "chat.postEphemeral", func(c slackfake.Call) bool { return c.Get("channel") == "C2" })
	if c.Get("user") != "U1" {
		t.Errorf("modal thanks to user %q", c.Get("user"))
	}
	if fb := ans.Feedbacks(); len(fb) != 3 || fb[2].Comment != "I wanted the ST1 dates" || fb[2].Helpful {
		t.Errorf("comment feedback = %+v", fb)
	}

	// Malformed values and metadata are ignored; an unknown interaction gets a polite error.
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "fb_up", value: "not-a-number"}))
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "fb_down", value: "-1", triggerID: "t"}))
	send(t, fake, slackfake.Interactive, viewSubmission("{broken", "text"))
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "fb_up", value: "404", channel: "C404"}))
	c = fake.WaitCall(t, "chat.postEphemeral", func(c slackfake.Call) bool { return c.Get("channel") == "C404" })
	if !strings.Contains(c.Get("text"), "Sorry, something went wrong") {
		t.Errorf("error notice = %q", c.Get("text"))
	}
	if n := len(ans.Feedbacks()); n != 3 {
		t.Errorf("%d feedback records, want 3", n)
	}
	if n := len(fake.CallsTo("views.open")); n != 1 {
		t.Errorf("%d modals opened, want 1", n)
	}
}

func TestSocketNeverEchoesPings(t *testing.T) {
	fake := startSocket(t, newScripted(nil)) // every question is echoed back in a fallback

	send(t, fake, slackfake.EventsAPI, mentionEvent("Ev1", "C1", "1700000000.000100", "",
		"<@UBOT> <!channel> &lt;!everyone&gt; <!here> hi <@U999> &lt;@U123&gt; <!subteam^S1|@team>"))
	send(t, fake, slackfake.SlashCommands, slashPayload("<!channel> &lt;!here&gt; <@U5|bob>", fake.ResponseURL("cmd")))
	send(t, fake, slackfake.EventsAPI, dmEvent("Ev2", "1700000000.000200", "&lt;!everyone&gt; in a DM", nil))
	calls := []slackfake.Call{
		fake.WaitCall(t, "chat.postMessage", func(c slackfake.Call) bool { return c.Get("channel") == "C1" }),
		fake.WaitCall(t, "response_url", nil),
		fake.WaitCall(t, "chat.postMessage", func(c slackfake.Call) bool { return c.Get("channel") == "D1" }),
	}
	for _, c := range calls {
		for _, s := range postedStrings(c) {
			if containsAny(s, "<!channel>", "<!here>", "<!everyone>", "<!", "<@") {
				t.Errorf("%s posted %q, which would ping", c.Method, s)
			}
		}
		if !strings.Contains(c.Get("text"), "&lt;!") {
			t.Errorf("%s text %q: the echoed question should be there, escaped", c.Method, c.Get("text"))
		}
	}
}

func TestSocketReconnectsAndAnswersPings(t *testing.T) {
	ans := newScripted(scriptedReplies())
	fake := startSocket(t, ans)
	fake.WaitPongs(t, 2)

	fake.Disconnect(t, "refresh_requested")
	fake.WaitConnections(t, 2)
	if n := len(fake.CallsTo("apps.connections.open")); n != 2 {
		t.Errorf("apps.connections.open called %d times, want 2", n)
	}
	for _, c := range fake.CallsTo("apps.connections.open") {
		if c.Token != "xapp-1-test" {
			t.Errorf("apps.connections.open with token %q, want the app-level token", c.Token)
		}
	}
	if n := len(fake.CallsTo("auth.test")); n != 1 {
		t.Errorf("auth.test called %d times, want 1", n)
	}
	send(t, fake, slackfake.SlashCommands, slashPayload("fallback", fake.ResponseURL("after")))
	fake.WaitCall(t, "response_url", nil)
	pongs := fake.Pongs()
	fake.WaitPongs(t, pongs+2)
}

func TestSocketPanicIsRecovered(t *testing.T) {
	ans := newScripted(scriptedReplies())
	fake := startSocket(t, ans)
	send(t, fake, slackfake.EventsAPI, dmEvent("Ev1", "1700000000.000100", "panic", nil))
	send(t, fake, slackfake.EventsAPI, dmEvent("Ev2", "1700000000.000200", "answer", nil))
	c := fake.WaitCall(t, "chat.postMessage", nil)
	if headerText(t, c) != "How long is training?" {
		t.Errorf("after a panic, the next question got %s", c.Body)
	}
}

func TestRunFailsOnBadToken(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{BotToken: "xoxb-other"})
	a, err := slack.New(slack.Config{BotToken: "xoxb-test", AppToken: "xapp-1-test", APIURL: strings.TrimSuffix(fake.APIURL(), "/")}, newScripted(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(t.Context())
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("Run = %v, want an invalid_auth error", err)
	}
	if err := a.Run(t.Context()); err == nil {
		t.Errorf("a second Run succeeded")
	}

	// A wrong app-level token stops Socket Mode at once rather than retrying for ever.
	fake = slackfake.New(t, slackfake.Options{AppToken: "xapp-other"})
	a, err = slack.New(slack.Config{BotToken: "xoxb-test", AppToken: "xapp-1-test", APIURL: fake.APIURL()}, newScripted(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "socket mode: invalid_auth") {
		t.Errorf("Run with a bad app token = %v, want a socket mode invalid_auth error", err)
	}
}

func TestNewChecksConfig(t *testing.T) {
	ok := slack.Config{BotToken: "xoxb-1", AppToken: "xapp-1"}
	tests := []struct {
		name    string
		mutate  func(*slack.Config)
		wantErr bool
	}{
		{"socket default", func(*slack.Config) {}, false},
		{"http", func(c *slack.Config) { c.Mode, c.AppToken, c.SigningSecret = "http", "", "s" }, false},
		{"no bot token", func(c *slack.Config) { c.BotToken = "" }, true},
		{"user token", func(c *slack.Config) { c.BotToken = "xoxp-1" }, true},
		{"socket without app token", func(c *slack.Config) { c.AppToken = "" }, true},
		{"http without secret", func(c *slack.Config) { c.Mode = "http" }, true},
		{"unknown mode", func(c *slack.Config) { c.Mode = "carrier-pigeon" }, true},
		{"command without slash", func(c *slack.Config) { c.Command = "radiology" }, true},
	}
	for _, tt := range tests {
		cfg := ok
		tt.mutate(&cfg)
		_, err := slack.New(cfg, newScripted(nil))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: New error = %v, want error %v", tt.name, err, tt.wantErr)
		}
		if err != nil && (strings.Contains(err.Error(), "xoxb-1") || strings.Contains(err.Error(), "xapp-1")) {
			t.Errorf("%s: error %q shows a token", tt.name, err)
		}
	}
	if _, err := slack.New(ok, nil); err == nil {
		t.Errorf("New accepted a nil bot")
	}
}
