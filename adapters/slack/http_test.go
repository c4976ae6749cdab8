package slack_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/adapters/slack/slackfake"
)

type httpHarness struct {
	fake *slackfake.Server
	url  string // base URL of the bot's server; the adapter is mounted under /slack/
}

// startHTTP runs an adapter in HTTP mode, mounted under /slack/ on a local server as cmd/radbot does.
func startHTTP(t *testing.T, ans slack.Answerer) httpHarness {
	t.Helper()
	fake := slackfake.New(t, slackfake.Options{})
	a, err := slack.New(slack.Config{Mode: "http", BotToken: "xoxb-test", SigningSecret: secret,
		APIURL: fake.APIURL(), Logger: testLogger(t)}, ans)
	if err != nil {
		t.Fatal(err)
	}
	runAdapter(t, a)
	fake.WaitCalls(t, "auth.test", 1)
	mux := http.NewServeMux()
	mux.Handle("/slack/", a.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return httpHarness{fake: fake, url: srv.URL}
}

// post sends a request signed at time at with the given secret (no signature when secret is "").
func (h httpHarness) post(t *testing.T, path, contentType string, body []byte, secret string, at time.Time, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.url+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for k, vs := range header {
		req.Header[k] = vs
	}
	if secret != "" {
		slackfake.Sign(req.Header, secret, body, at)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func jsonBody(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func slashForm(p map[string]any) []byte {
	f := url.Values{}
	for k, v := range p {
		f.Set(k, v.(string))
	}
	return []byte(f.Encode())
}

func interactionForm(t *testing.T, payload any) []byte {
	return []byte(url.Values{"payload": {string(jsonBody(t, payload))}}.Encode())
}

const form = "application/x-www-form-urlencoded"

func TestHTTPURLVerification(t *testing.T) {
	h := startHTTP(t, newScripted(nil))
	body := jsonBody(t, map[string]any{"token": "unused", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"})
	res, got := h.post(t, "/slack/events", "application/json", body, secret, time.Now(), nil)
	if res.StatusCode != http.StatusOK || got != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Errorf("url_verification: %d %q, want the challenge echoed", res.StatusCode, got)
	}
}

func TestHTTPRefusesBadSignatures(t *testing.T) {
	ans := newScripted(scriptedReplies())
	h := startHTTP(t, ans)
	bodies := map[string]struct {
		contentType string
		body        []byte
	}{
		"/slack/events":       {"application/json", jsonBody(t, mentionEvent("Ev1", "C1", "1700000000.000100", "", "<@UBOT> answer"))},
		"/slack/commands":     {form, slashForm(slashPayload("answer", h.fake.ResponseURL("cmd")))},
		"/slack/interactions": {form, interactionForm(t, blockAction(click{actionID: "fb_up", value: "42"}))},
	}
	now := time.Now()
	cases := []struct {
		name   string
		secret string
		at     time.Time
		tamper bool
	}{
		{"missing", "", now, false},
		{"wrong secret", "not-the-secret", now, false},
		{"tampered body", secret, now, true},
		{"six minutes old", secret, now.Add(-6 * time.Minute), false},
		{"six minutes ahead", secret, now.Add(6 * time.Minute), false},
	}
	for path, b := range bodies {
		for _, c := range cases {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.url+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.secret != "" {
				slackfake.Sign(req.Header, c.secret, b.body, c.at)
			}
			body := b.body
			if c.tamper {
				body = bytes.Replace(body, []byte("U1"), []byte("U2"), 1)
			}
			res, _ := h.post(t, path, b.contentType, body, "", now, req.Header)
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s: status %d, want 401", path, c.name, res.StatusCode)
			}
		}
	}
	// A request is handled synchronously up to the 401, so nothing can still be on its way.
	if calls := h.fake.Calls(); len(calls) != 1 || calls[0].Method != "auth.test" {
		t.Errorf("calls after refused requests: %+v, want only auth.test", calls)
	}
	if len(ans.Queries()) != 0 || len(ans.Feedbacks()) != 0 {
		t.Errorf("refused requests reached the bot: %+v %+v", ans.Queries(), ans.Feedbacks())
	}

	// The same requests, signed properly, are accepted.
	for path, b := range bodies {
		if res, _ := h.post(t, path, b.contentType, b.body, secret, time.Now(), nil); res.StatusCode != http.StatusOK {
			t.Errorf("%s signed: status %d, want 200", path, res.StatusCode)
		}
	}
	h.fake.WaitCall(t, "chat.postMessage", nil)
	h.fake.WaitCall(t, "response_url", nil)
	waitFor(t, "the vote", func() bool { return len(ans.Feedbacks()) == 1 })
}

func TestHTTPSlashCommandAcksFirst(t *testing.T) {
	ans := newScripted(scriptedReplies())
	ans.gate = make(chan struct{})
	h := startHTTP(t, ans)

	start := time.Now()
	res, body := h.post(t, "/slack/commands", form, slashForm(slashPayload("refuse", h.fake.ResponseURL("cmd"))), secret, time.Now(), nil)
	if res.StatusCode != http.StatusOK || body != "" || time.Since(start) > 2*time.Second {
		t.Fatalf("slash command: %d %q after %v, want an empty 200 at once", res.StatusCode, body, time.Since(start))
	}
	close(ans.gate)
	c := h.fake.WaitCall(t, "response_url", nil)
	if c.Get("response_type") != "ephemeral" {
		t.Errorf("refusal response_type = %q, want ephemeral", c.Get("response_type"))
	}
}

func TestHTTPEventsAndRetries(t *testing.T) {
	ans := newScripted(scriptedReplies())
	h := startHTTP(t, ans)
	body := jsonBody(t, mentionEvent("Ev1", "C2", "1700000000.000100", "", "<@UBOT> answer"))
	if res, _ := h.post(t, "/slack/events", "application/json", body, secret, time.Now(), nil); res.StatusCode != http.StatusOK {
		t.Fatalf("event: status %d", res.StatusCode)
	}
	c := h.fake.WaitCall(t, "chat.postMessage", nil)
	if hasThread(c) != "1700000000.000100" {
		t.Errorf("thread_ts = %q", hasThread(c))
	}
	retry := http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}
	if res, _ := h.post(t, "/slack/events", "application/json", body, secret, time.Now(), retry); res.StatusCode != http.StatusOK {
		t.Errorf("retry: status %d, want 200", res.StatusCode)
	}
	dm := jsonBody(t, dmEvent("Ev2", "1700000000.000200", "fallback", nil))
	h.post(t, "/slack/events", "application/json", dm, secret, time.Now(), nil)
	h.fake.WaitCall(t, "chat.postMessage", func(c slackfake.Call) bool { return c.Get("channel") == "D1" })
	if n := len(h.fake.CallsTo("chat.postMessage")); n != 2 {
		t.Errorf("%d posts, want 2 (the retry is answered once)", n)
	}

	// Event types slack-go does not know are acknowledged and ignored.
	unknown := jsonBody(t, slackfake.EventCallback("Ev3", map[string]any{"type": "brand_new_event"}))
	if res, _ := h.post(t, "/slack/events", "application/json", unknown, secret, time.Now(), nil); res.StatusCode != http.StatusOK {
		t.Errorf("unknown event: status %d, want 200", res.StatusCode)
	}
}

func TestHTTPInteractions(t *testing.T) {
	ans := newScripted(scriptedReplies())
	h := startHTTP(t, ans)

	res, body := h.post(t, "/slack/interactions", form, interactionForm(t, blockAction(click{actionID: "fb_down", value: "42", triggerID: "trig-1"})), secret, time.Now(), nil)
	if res.StatusCode != http.StatusOK || body != "" {
		t.Fatalf("block action: %d %q", res.StatusCode, body)
	}
	v := h.fake.WaitCall(t, "views.open", nil)
	meta := v.JSON["view"].(map[string]any)["private_metadata"].(string)
	waitFor(t, "the not-helpful vote", func() bool { return len(ans.Feedbacks()) == 1 })

	res, body = h.post(t, "/slack/interactions", form, interactionForm(t, viewSubmission(meta, "more on pay please")), secret, time.Now(), nil)
	if res.StatusCode != http.StatusOK || body != "" {
		t.Fatalf("view submission: %d %q, want an empty 200 (which closes the modal)", res.StatusCode, body)
	}
	h.fake.WaitCall(t, "chat.postEphemeral", nil)
	waitFor(t, "two feedback records", func() bool { return len(ans.Feedbacks()) == 2 })
	if fb := ans.Feedbacks(); fb[0].Helpful || fb[1].Comment != "more on pay please" {
		t.Errorf("feedback = %+v", fb)
	}

	// A payload that is not JSON is refused without harm.
	bad := []byte(url.Values{"payload": {"{not json"}}.Encode())
	if res, _ := h.post(t, "/slack/interactions", form, bad, secret, time.Now(), nil); res.StatusCode != http.StatusBadRequest {
		t.Errorf("bad payload: status %d, want 400", res.StatusCode)
	}
}

func TestHTTPRoutes(t *testing.T) {
	h := startHTTP(t, newScripted(nil))
	res, err := http.Get(h.url + "/slack/events")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /slack/events: %d, want 405", res.StatusCode)
	}
	if res, _ := h.post(t, "/slack/other", "application/json", []byte("{}"), secret, time.Now(), nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("POST /slack/other: %d, want 404", res.StatusCode)
	}

	// In socket mode the handler serves nothing.
	a, err := slack.New(slack.Config{BotToken: "xoxb-test", AppToken: "xapp-1-test"}, newScripted(nil))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader("{}"))
	slackfake.Sign(req.Header, secret, []byte("{}"), time.Now())
	a.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNotFound {
		t.Errorf("socket-mode handler: %d, want 404", rec.Code)
	}
}
