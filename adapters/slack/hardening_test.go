package slack_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/adapters/slack/slackfake"
)

// syncBuffer collects log output; safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startSocketLogged is startSocket with the adapter's log kept for the test to read.
func startSocketLogged(t *testing.T, ans slack.Answerer) (*slackfake.Server, *slack.Adapter, *syncBuffer) {
	t.Helper()
	fake := slackfake.New(t, slackfake.Options{})
	logs := &syncBuffer{}
	a, err := slack.New(slack.Config{BotToken: "xoxb-test", AppToken: "xapp-1-test", APIURL: fake.APIURL(), JobTimeout: time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}, ans)
	if err != nil {
		t.Fatal(err)
	}
	runAdapter(t, a)
	fake.WaitConnections(t, 1)
	return fake, a, logs
}

// Issue 14, defect 3: a failed post to a response_url was logged with the URL, which is a credential.
func TestNoResponseURLInLogs(t *testing.T) {
	fake, _, logs := startSocketLogged(t, newScripted(scriptedReplies()))
	fake.Drop("response_url", -1)
	secretURL := fake.ResponseURL("T0FAKE/1234/secret-response-token")
	send(t, fake, slackfake.SlashCommands, slashPayload("fallback", secretURL))
	waitFor(t, "the failed reply to be logged", func() bool { return strings.Contains(logs.String(), "posting a reply") })
	if n := len(fake.CallsTo("response_url")); n < 2 {
		t.Errorf("%d attempts at the response_url, want it retried", n)
	}
	if l := logs.String(); strings.Contains(l, "secret-response-token") || strings.Contains(l, "/response/") {
		t.Errorf("the response_url reached the log:\n%s", l)
	}
}

// Issue 14, point 4: a reply that failed below HTTP is sent again.
func TestReplyRetried(t *testing.T) {
	fake, _, _ := startSocketLogged(t, newScripted(scriptedReplies()))
	fake.Drop("response_url", 1)
	send(t, fake, slackfake.SlashCommands, slashPayload("fallback", fake.ResponseURL("retry")))
	calls := fake.WaitCalls(t, "response_url", 2)
	if !strings.Contains(calls[1].Body, "Sorry, I don't know") {
		t.Errorf("the retried reply = %+v", calls[1])
	}
}

// Issue 14, point 4: a slash command that arrives while the adapter drains is told to ask again.
func TestSlashDuringDrain(t *testing.T) {
	ans := newScripted(scriptedReplies())
	ans.gate = make(chan struct{})
	fake, a, cancel, done := startSocketStoppable(t, ans)
	defer cancel()
	waitFor(t, "Health to say connected", func() bool { up, _ := a.Health(); return up })
	send(t, fake, slackfake.SlashCommands, slashPayload("fallback", fake.ResponseURL("in-flight")))
	cancel()
	time.Sleep(50 * time.Millisecond) // let Run begin its drain
	id := fake.Send(t, slackfake.SlashCommands, slashPayload("another", fake.ResponseURL("late")))
	ack := fake.WaitAck(t, id)
	if !strings.Contains(string(ack.Payload), "restarting") {
		t.Errorf("ack during the drain = %s, want the restarting notice", ack.Payload)
	}
	close(ans.gate)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if n := len(fake.CallsTo("response_url")); n != 1 {
		t.Errorf("%d replies, want the one in flight", n)
	}
	if up, _ := a.Health(); up {
		t.Error("Health: connected after Run returned")
	}
}
