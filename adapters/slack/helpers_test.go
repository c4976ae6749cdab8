package slack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/adapters/slack/slackfake"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

const secret = "test-signing-secret"

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// scripted is a fake bot: it answers from a script keyed by the question text (or "entry:<id>"),
// echoes unknown questions back in a fallback, and records queries and feedback.
type scripted struct {
	mu       sync.Mutex
	replies  map[string]bot.Reply
	gate     chan struct{} // when set, Answer waits until it is closed
	queries  []bot.Query
	feedback []bot.Feedback
}

func newScripted(replies map[string]bot.Reply) *scripted {
	if replies == nil {
		replies = map[string]bot.Reply{}
	}
	return &scripted{replies: replies}
}

func (s *scripted) Answer(ctx context.Context, q bot.Query) bot.Reply {
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
		}
	}
	if q.Text == "panic" {
		panic("scripted panic")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = append(s.queries, q)
	key := q.Text
	if q.EntryID != "" {
		key = "entry:" + q.EntryID
	}
	if r, ok := s.replies[key]; ok {
		return r
	}
	return bot.Reply{Status: bot.StatusFallback, Text: "You asked: " + q.Text, InteractionID: 1}
}

func (s *scripted) Feedback(ctx context.Context, f bot.Feedback) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.InteractionID == 404 {
		return fmt.Errorf("feedback on interaction 404: %w", bot.ErrNotFound)
	}
	s.feedback = append(s.feedback, f)
	return nil
}

func (s *scripted) Knowledge() *knowledge.Base { return nil }

func (s *scripted) Queries() []bot.Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Query(nil), s.queries...)
}

func (s *scripted) Feedbacks() []bot.Feedback {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]bot.Feedback(nil), s.feedback...)
}

// waitFor polls cond until it holds, failing the test after five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// startSocketStoppable starts a Socket Mode adapter that the test stops itself: cancel stops Run,
// whose result arrives on done. It returns once the adapter has connected.
func startSocketStoppable(t *testing.T, ans slack.Answerer) (*slackfake.Server, *slack.Adapter, context.CancelFunc, <-chan error) {
	t.Helper()
	fake := slackfake.New(t, slackfake.Options{})
	a, err := slack.New(slack.Config{BotToken: "xoxb-test", AppToken: "xapp-1-test", APIURL: fake.APIURL(), Logger: testLogger(t)}, ans)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	fake.WaitConnections(t, 1)
	return fake, a, cancel, done
}

// runAdapter runs a until the test ends and checks that Run returns nil promptly.
func runAdapter(t *testing.T, a *slack.Adapter) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v, want nil after cancel", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("Run did not return after cancel")
		}
	})
}

// startSocket runs an adapter in socket mode against a new fake Slack.
func startSocket(t *testing.T, ans slack.Answerer) *slackfake.Server {
	t.Helper()
	fake := slackfake.New(t, slackfake.Options{})
	a, err := slack.New(slack.Config{
		BotToken: "xoxb-test", AppToken: "xapp-1-test", APIURL: fake.APIURL(), Logger: testLogger(t),
	}, ans)
	if err != nil {
		t.Fatal(err)
	}
	runAdapter(t, a)
	fake.WaitConnections(t, 1)
	return fake
}

// send delivers an envelope and checks that it is acknowledged.
func send(t *testing.T, fake *slackfake.Server, typ string, payload any) {
	t.Helper()
	id := fake.Send(t, typ, payload)
	fake.WaitAck(t, id)
}

// slashTriggers numbers slash commands: Slack gives each invocation a trigger_id of its own.
var slashTriggers atomic.Int64

func slashPayload(text, responseURL string) map[string]any {
	return map[string]any{
		"token": "unused", "team_id": "T0FAKE", "team_domain": "fake", "channel_id": "C1",
		"channel_name": "general", "user_id": "U1", "user_name": "alice", "command": "/radiology",
		"text": text, "api_app_id": "A0FAKE", "is_enterprise_install": "false",
		"response_url": responseURL, "trigger_id": fmt.Sprint("trig-slash-", slashTriggers.Add(1)),
	}
}

func mentionEvent(eventID, channel, ts, threadTS, text string) map[string]any {
	ev := map[string]any{"type": "app_mention", "user": "U1", "text": text, "ts": ts, "channel": channel, "event_ts": ts}
	if threadTS != "" {
		ev["thread_ts"] = threadTS
	}
	return slackfake.EventCallback(eventID, ev)
}

func dmEvent(eventID, ts, text string, extra map[string]any) map[string]any {
	ev := map[string]any{"type": "message", "channel_type": "im", "user": "U1", "text": text, "ts": ts,
		"channel": "D1", "event_ts": ts}
	for k, v := range extra {
		ev[k] = v
	}
	return slackfake.EventCallback(eventID, ev)
}

type click struct {
	actionID, value string
	channel         string // default C1
	threadTS        string
	responseURL     string
	triggerID       string
}

func blockAction(c click) map[string]any {
	if c.channel == "" {
		c.channel = "C1"
	}
	container := map[string]any{"type": "message", "message_ts": "1700000000.000500", "channel_id": c.channel, "is_ephemeral": false}
	message := map[string]any{"type": "message", "ts": "1700000000.000500", "text": "an answer"}
	if c.threadTS != "" {
		container["thread_ts"] = c.threadTS
		message["thread_ts"] = c.threadTS
	}
	return map[string]any{
		"type": "block_actions", "token": "unused", "api_app_id": "A0FAKE",
		"user": map[string]any{"id": "U1", "username": "alice", "team_id": "T0FAKE"},
		"team": map[string]any{"id": "T0FAKE"}, "channel": map[string]any{"id": c.channel, "name": "general"},
		"trigger_id": c.triggerID, "response_url": c.responseURL, "container": container, "message": message,
		"actions": []any{map[string]any{"action_id": c.actionID, "block_id": "answer_actions", "type": "button",
			"value": c.value, "text": map[string]any{"type": "plain_text", "text": "button"}, "action_ts": "1700000001.000100"}},
	}
}

func viewSubmission(meta, comment string) map[string]any {
	return map[string]any{
		"type": "view_submission", "token": "unused", "api_app_id": "A0FAKE", "trigger_id": "trig-view",
		"user": map[string]any{"id": "U1", "username": "alice", "team_id": "T0FAKE"},
		"team": map[string]any{"id": "T0FAKE"},
		"view": map[string]any{"id": "V1", "type": "modal", "callback_id": "fb_modal", "private_metadata": meta,
			"state": map[string]any{"values": map[string]any{"fb_comment": map[string]any{"fb_comment": map[string]any{
				"type": "plain_text_input", "value": comment}}}}},
	}
}

// callBlocks decodes the blocks a call posted.
func callBlocks(t *testing.T, c slackfake.Call) []slackapi.Block {
	t.Helper()
	raw := c.Blocks()
	if raw == "" {
		return nil
	}
	var bs slackapi.Blocks
	if err := json.Unmarshal([]byte(raw), &bs); err != nil {
		t.Fatalf("decoding posted blocks: %v\n%s", err, raw)
	}
	return bs.BlockSet
}

func actionIDs(t *testing.T, c slackfake.Call) []string {
	t.Helper()
	var ids []string
	for _, b := range buttons(callBlocks(t, c)) {
		ids = append(ids, b.ActionID)
	}
	return ids
}

func headerText(t *testing.T, c slackfake.Call) string {
	t.Helper()
	for _, b := range callBlocks(t, c) {
		if h, ok := b.(*slackapi.HeaderBlock); ok {
			return h.Text.Text
		}
	}
	return ""
}

func buttonValue(t *testing.T, c slackfake.Call, actionID string) string {
	t.Helper()
	for _, b := range buttons(callBlocks(t, c)) {
		if b.ActionID == actionID {
			return b.Value
		}
	}
	t.Fatalf("no %s button in %s", actionID, c.Blocks())
	return ""
}

// postedStrings returns every string a call sent to Slack except the token: form values, and every
// string inside posted JSON (blocks included).
func postedStrings(c slackfake.Call) []string {
	var out []string
	for k, vs := range c.Form {
		if k == "token" {
			continue
		}
		for _, v := range vs {
			out = append(out, v)
			var decoded any
			if json.Unmarshal([]byte(v), &decoded) == nil {
				out = append(out, stringsIn(decoded)...)
			}
		}
	}
	out = append(out, stringsIn(map[string]any(c.JSON))...)
	return out
}

func hasThread(c slackfake.Call) string { return c.Get("thread_ts") }

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
