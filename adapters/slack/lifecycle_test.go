package slack_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/adapters/slack/slackfake"
)

// Run returns only once the work in flight is done, and then the reply has been posted.
func TestRunWaitsForWorkInFlight(t *testing.T) {
	ans := newScripted(scriptedReplies())
	ans.gate = make(chan struct{})
	fake, _, cancel, done := startSocketStoppable(t, ans)
	defer cancel()

	send(t, fake, slackfake.SlashCommands, slashPayload("fallback", fake.ResponseURL("late")))
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Run returned %v while an answer was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(ans.gate)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if n := len(fake.CallsTo("response_url")); n != 1 {
		t.Errorf("%d replies posted, want the in-flight one", n)
	}
}

// After Run has returned, HTTP deliveries are refused with 503 (Slack retries events elsewhere).
func TestHTTPAfterShutdown(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{})
	a, err := slack.New(slack.Config{Mode: "http", BotToken: "xoxb-test", SigningSecret: secret, APIURL: fake.APIURL()}, newScripted(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	fake.WaitCalls(t, "auth.test", 1)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	h := httpHarness{fake: fake, url: srv.URL}
	body := jsonBody(t, dmEvent("Ev1", "1700000000.000100", "hello", nil))
	if res, _ := h.post(t, "/slack/events", "application/json", body, secret, time.Now(), nil); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status %d after shutdown, want 503", res.StatusCode)
	}
}
