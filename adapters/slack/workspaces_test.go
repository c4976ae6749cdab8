package slack_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/adapters/slack/slackfake"
	"github.com/radbot/radbot/bot"
)

// memStore stands for the store the replicas share: workspaces (sealed bytes) and claims.
type memStore struct {
	mu     sync.Mutex
	ws     map[string][]byte
	claims map[string]*memClaim
}

type memClaim struct {
	owner string
	until time.Time
	done  bool
}

func newMemStore() *memStore {
	return &memStore{ws: map[string][]byte{}, claims: map[string]*memClaim{}}
}

func (m *memStore) SaveWorkspace(_ context.Context, team string, sealed []byte, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ws[team] = append([]byte(nil), sealed...)
	return nil
}

func (m *memStore) Workspace(_ context.Context, team string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.ws[team]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("workspace %s: %w", team, bot.ErrNotFound)
}

func (m *memStore) DeleteWorkspace(_ context.Context, team string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.ws[team]
	delete(m.ws, team)
	return ok, nil
}

func (m *memStore) sealed(team string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ws[team]
}

func (m *memStore) Claim(_ context.Context, key, owner string, now time.Time, lease, _ time.Duration) (bot.Claim, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.claims[key]
	switch {
	case c == nil || (!c.done && !now.Before(c.until)):
		m.claims[key] = &memClaim{owner: owner, until: now.Add(lease)}
		return bot.Claim{Taken: true}, nil
	case c.done:
		return bot.Claim{Done: true}, nil
	}
	return bot.Claim{LeaseUntil: c.until}, nil
}

func (m *memStore) Finish(_ context.Context, key, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.claims[key]; c != nil && c.owner == owner {
		c.done = true
		return nil
	}
	return bot.ErrNotFound
}

func (m *memStore) Release(_ context.Context, key, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.claims[key]; c != nil && c.owner == owner && !c.done {
		delete(m.claims, key)
	}
	return nil
}

var tokenKey = []byte("0123456789abcdef0123456789abcdef")

// distributed runs an adapter with OAuth (no token from the environment) and an HTTP server for its
// handler, and returns the server's URL.
func distributed(t *testing.T, fake *slackfake.Server, st *memStore, ans slack.Answerer, mode string) string {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cfg := slack.Config{Mode: mode, AppToken: "xapp-1-test", SigningSecret: secret, APIURL: fake.APIURL(), Logger: testLogger(t),
		Claims: st, Workspaces: st,
		OAuth: &slack.OAuthConfig{ClientID: "cid", ClientSecret: "csecret", RedirectURL: srv.URL + "/slack/oauth/callback",
			AuthorizeURL: fake.AuthorizeURL(), TokenKey: tokenKey}}
	a, err := slack.New(cfg, ans)
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/slack/", a.Handler())
	runAdapter(t, a)
	return srv.URL
}

// install walks a browser through /slack/install for workspace team and returns the final page.
func install(t *testing.T, fake *slackfake.Server, base, team string) (int, string) {
	t.Helper()
	fake.NextInstall(team, "University of "+team)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := c.Get(base + "/slack/install")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// A workspace installs the app through the OAuth flow against the fake Slack and gets answers, posted
// with its own token; another workspace's events use that one's token; uninstalling removes the token.
func TestOAuthInstallRoutesByTeamAndUninstalls(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{})
	st := newMemStore()
	ans := newScripted(scriptedReplies())
	base := distributed(t, fake, st, ans, "socket")
	fake.WaitConnections(t, 1)

	for _, team := range []string{"TUNIA", "TUNIB"} {
		code, body := install(t, fake, base, team)
		if code != http.StatusOK || !strings.Contains(body, "RadBot is installed") || !strings.Contains(body, "University of "+team) {
			t.Fatalf("install %s: %d %s", team, code, body)
		}
	}
	authz := fake.WaitCall(t, "oauth/v2/authorize", nil)
	if got := authz.Form.Get("scope"); got != strings.Join(slack.BotScopes, ",") {
		t.Errorf("scopes asked = %q", got)
	}
	if sealed := st.sealed("TUNIA"); len(sealed) == 0 || strings.Contains(string(sealed), "xoxb-") {
		t.Errorf("the stored installation is empty or shows the token: %q", sealed)
	}

	for i, team := range []string{"TUNIA", "TUNIB", "TUNIA"} {
		ch := fmt.Sprint("C", team, i)
		send(t, fake, slackfake.EventsAPI, slackfake.TeamEventCallback(team, fmt.Sprint("Ev", team, i),
			map[string]any{"type": "app_mention", "user": "U1", "text": "<@" + fake.Team(team).BotUserID + "> answer",
				"ts": "1.000" + fmt.Sprint(i), "channel": ch, "event_ts": "1.0"}))
		c := fake.WaitCall(t, "chat.postMessage", func(c slackfake.Call) bool { return c.Get("channel") == ch })
		if c.Team != team {
			t.Errorf("the answer in %s's channel was posted with a token of %q", team, c.Team)
		}
	}

	// An event that the bot itself caused in an installed workspace is ignored.
	send(t, fake, slackfake.EventsAPI, slackfake.TeamEventCallback("TUNIA", "EvSelf",
		map[string]any{"type": "message", "channel_type": "im", "user": fake.Team("TUNIA").BotUserID, "text": "answer",
			"ts": "9.0", "channel": "DSELF", "event_ts": "9.0"}))

	// Uninstall from TUNIB: Slack revokes the token and sends app_uninstalled.
	fake.Revoke("TUNIB")
	send(t, fake, slackfake.EventsAPI, slackfake.TeamEventCallback("TUNIB", "EvBye", map[string]any{"type": "app_uninstalled"}))
	waitFor(t, "the token removed", func() bool { return st.sealed("TUNIB") == nil })
	if st.sealed("TUNIA") == nil {
		t.Error("uninstalling one workspace removed another's token")
	}
	// tokens_revoked naming the bot token does the same.
	send(t, fake, slackfake.EventsAPI, slackfake.TeamEventCallback("TUNIA", "EvRev", map[string]any{"type": "tokens_revoked",
		"tokens": map[string]any{"bot": []string{fake.Team("TUNIA").BotUserID}}}))
	waitFor(t, "the token removed", func() bool { return st.sealed("TUNIA") == nil })
	if n := len(fake.CallsTo("chat.postMessage")); n != 3 {
		t.Errorf("%d messages posted, want 3 (one per question; none for the bot's own message)", n)
	}
}

// The install state is checked: a forged, replayed or foreign-browser callback installs nothing.
func TestOAuthStateChecked(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{})
	st := newMemStore()
	base := distributed(t, fake, st, newScripted(scriptedReplies()), "http")

	// A state made up by someone else.
	resp, err := http.Get(base + "/slack/oauth/callback?code=x&state=" + url.QueryEscape("abc.9999999999.00"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("forged state: status %d, want 400", resp.StatusCode)
	}

	// A real state, but the callback opened in another browser (no cookie).
	fake.NextInstall("TX", "X")
	jar, _ := cookiejar.New(nil)
	var final *url.URL
	c := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if strings.Contains(r.URL.Path, "/slack/oauth/callback") {
			final = r.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err = c.Get(base + "/slack/install")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if final == nil {
		t.Fatal("the install flow did not come back to the callback")
	}
	resp, err = http.Get(final.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("callback from another browser: status %d, want 400", resp.StatusCode)
	}
	// The same callback in the right browser installs, once; a replay is refused.
	for i, want := range []int{http.StatusOK, http.StatusBadRequest} {
		resp, err = c.Get(final.String())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("callback #%d: status %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	if st.sealed("TX") == nil {
		t.Error("the workspace was not installed")
	}
	if n := len(fake.CallsTo("oauth.v2.access")); n != 1 {
		t.Errorf("oauth.v2.access called %d times, want once", n)
	}
}

// Two replicas, each with its own Socket Mode connection, on one shared store: every question is
// answered once whichever connection Slack picks, and a redelivery (the same event again) is not
// answered twice.
func TestTwoSocketConnectionsAnswerOnce(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{})
	st := newMemStore()
	ans := newScripted(scriptedReplies())
	for range 2 {
		a, err := slack.New(slack.Config{BotToken: "xoxb-test", AppToken: "xapp-1-test", APIURL: fake.APIURL(),
			Logger: testLogger(t), Claims: st}, ans)
		if err != nil {
			t.Fatal(err)
		}
		runAdapter(t, a)
	}
	fake.WaitOpen(t, 2)
	const n = 20
	for i := range n {
		ev := mentionEvent(fmt.Sprint("Ev", i), fmt.Sprint("C", i), "2.0", "", "<@UBOT> answer")
		send(t, fake, slackfake.EventsAPI, ev)
		send(t, fake, slackfake.EventsAPI, ev) // Slack's retry of the same event, to the other connection
	}
	fake.WaitCalls(t, "chat.postMessage", n)
	time.Sleep(300 * time.Millisecond)
	if got := len(fake.CallsTo("chat.postMessage")); got != n {
		t.Errorf("%d answers to %d questions (each delivered twice), want one each", got, n)
	}
}

// HTTP mode behind a load balancer: two replicas share one claim store, the balancer alternates
// between them, and Slack's retry of an event (X-Slack-Retry-Num) reaches the other replica: each
// question is answered once, and each delivery is answered 200 only after its reply is out.
func TestHTTPBehindLoadBalancerAnswersOnce(t *testing.T) {
	fake := slackfake.New(t, slackfake.Options{})
	st := newMemStore()
	ans := newScripted(scriptedReplies())
	var backends []*httptest.Server
	for range 2 {
		a, err := slack.New(slack.Config{Mode: "http", BotToken: "xoxb-test", SigningSecret: secret,
			APIURL: fake.APIURL(), Logger: testLogger(t), Claims: st}, ans)
		if err != nil {
			t.Fatal(err)
		}
		runAdapter(t, a)
		mux := http.NewServeMux()
		mux.Handle("/slack/", a.Handler())
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		backends = append(backends, srv)
	}
	fake.WaitCalls(t, "auth.test", 2)
	var mu sync.Mutex
	next := 0
	lb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		to := backends[next%len(backends)]
		next++
		mu.Unlock()
		u, _ := url.Parse(to.URL)
		r.URL.Scheme, r.URL.Host, r.RequestURI = u.Scheme, u.Host, ""
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	t.Cleanup(lb.Close)
	h := httpHarness{fake: fake, url: lb.URL}

	const n = 10
	for i := range n {
		body := jsonBody(t, mentionEvent(fmt.Sprint("EvH", i), fmt.Sprint("CH", i), "3.0", "", "<@UBOT> answer"))
		for retry := range 2 {
			hdr := http.Header{}
			if retry > 0 {
				hdr.Set("X-Slack-Retry-Num", "1")
				hdr.Set("X-Slack-Retry-Reason", "http_timeout")
			}
			res, _ := h.post(t, "/slack/events", "application/json", body, secret, time.Now(), hdr)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("delivery %d of event %d: status %d", retry, i, res.StatusCode)
			}
			if retry == 0 && len(fake.CallsTo("chat.postMessage")) < i+1 {
				t.Errorf("event %d was acknowledged before its answer was posted", i)
			}
		}
	}
	time.Sleep(300 * time.Millisecond)
	if got := len(fake.CallsTo("chat.postMessage")); got != n {
		t.Errorf("%d answers to %d questions each delivered to both replicas, want %d", got, n, n)
	}
}
