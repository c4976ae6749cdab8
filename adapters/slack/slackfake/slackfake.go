// Package slackfake is a fake Slack for tests: a Web API on 127.0.0.1 that records every call
// (auth.test, apps.connections.open, chat.postMessage, chat.postEphemeral, views.open, oauth.v2.access
// and posts to response URLs it hands out), and a Socket Mode WebSocket that says hello, sends
// WebSocket pings, delivers envelopes (events_api, slash_commands, interactive), records their
// acknowledgements and can ask the client to reconnect.
//
// Like Slack, it spreads envelopes over every open Socket Mode connection (one per replica), and
// delivers again, to another connection, an envelope whose connection closed before acknowledging it.
// It knows many workspaces: each has bot tokens of its own, handed out by the OAuth v2 install flow
// (an authorisation page that approves at once, and oauth.v2.access), and revoked on uninstall.
//
// Point a real slack-go client at it with slack.OptionAPIURL(s.APIURL()). It never reaches the
// internet. Use one Server per test; all methods are safe for concurrent use.
package slackfake

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Options configure a Server. Zero fields take the defaults shown.
type Options struct {
	BotToken     string        // "xoxb-test": chat.*, views.open and auth.test accept only this
	AppToken     string        // "xapp-1-test": apps.connections.open accepts only this
	BotUserID    string        // "UBOT": auth.test's user_id
	BotID        string        // "BBOT": auth.test's bot_id
	PingInterval time.Duration // 100ms: how often the socket sends WebSocket pings
	Timeout      time.Duration // 5s: how long the Wait methods wait
	ClientID     string        // "cid": the app's OAuth client id
	ClientSecret string        // "csecret": the app's OAuth client secret
}

// DefaultTeam is the workspace of Options.BotToken.
const DefaultTeam = "T0FAKE"

func (o Options) withDefaults() Options {
	if o.BotToken == "" {
		o.BotToken = "xoxb-test"
	}
	if o.AppToken == "" {
		o.AppToken = "xapp-1-test"
	}
	if o.BotUserID == "" {
		o.BotUserID = "UBOT"
	}
	if o.BotID == "" {
		o.BotID = "BBOT"
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 100 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.ClientID == "" {
		o.ClientID = "cid"
	}
	if o.ClientSecret == "" {
		o.ClientSecret = "csecret"
	}
	return o
}

// Call is one request the fake received.
type Call struct {
	// Method is the Web API method ("chat.postMessage", "views.open", …) or "response_url".
	Method string
	// Path is the request path, e.g. "/api/chat.postMessage" or "/response/cmd-1".
	Path string
	// Token is the token the call carried, in the form or as a Bearer header.
	Token string
	// Team is the workspace of Token ("" for an unknown or revoked token).
	Team string
	// Form holds a form-encoded body; JSON a JSON body.
	Form url.Values
	JSON map[string]any
	// Body is the raw body.
	Body string

	authorization string
}

// Get returns a top-level field from the form or the JSON body, as a string ("" when absent;
// non-string JSON values are returned in their JSON form).
func (c Call) Get(name string) string {
	if c.Form != nil {
		if v, ok := c.Form[name]; ok && len(v) > 0 {
			return v[0]
		}
	}
	v, ok := c.JSON[name]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Blocks returns the posted blocks as raw JSON ("" when none).
func (c Call) Blocks() string {
	if c.Form != nil {
		return c.Form.Get("blocks")
	}
	if v, ok := c.JSON["blocks"]; ok && v != nil {
		b, _ := json.Marshal(v)
		return string(b)
	}
	return ""
}

// Ack is a Socket Mode acknowledgement the client sent.
type Ack struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload,omitempty"`
}

// Server is a running fake Slack.
type Server struct {
	// URL is the base URL, http://127.0.0.1:port.
	URL string

	opts Options
	srv  *httptest.Server
	up   websocket.Upgrader
	wg   sync.WaitGroup // socket goroutines

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced whenever anything is recorded
	calls    []Call
	failures map[string]string // method → error code to answer with
	drops    map[string]int    // method ("response_url" included) → how many more requests to cut off
	acks     map[string]Ack
	conns    []*wsConn
	opened   int // connections established (hello sent)
	pongs    int
	nextID   int
	closed   bool
	rr       int                  // round-robin position over conns
	pending  map[string]*envelope // sent, not yet acknowledged, by envelope id
	orphans  []*envelope          // whose connection closed with no other open: sent to the next one
	resent   int                  // envelopes delivered again
	sentAt   map[string]time.Time // first delivery of each envelope
	ackLat   []time.Duration      // from first delivery to acknowledgement
	tokens   map[string]string    // bot token → team id
	names    map[string]string    // team id → name
	codes    map[string]string    // OAuth code → team id, until used
	next     string               // the team the authorisation page installs next (NextInstall)
}

// envelope is a Socket Mode message waiting for its acknowledgement.
type envelope struct {
	msg  map[string]any
	conn *wsConn
}

// Team is a workspace's bot identity on the fake.
type Team struct{ ID, BotUserID, BotID string }

func (s *Server) teamLocked(id string) Team {
	if id == DefaultTeam {
		return Team{ID: id, BotUserID: s.opts.BotUserID, BotID: s.opts.BotID}
	}
	return Team{ID: id, BotUserID: "UB" + id, BotID: "BB" + id}
}

type wsConn struct {
	c    *websocket.Conn
	wmu  sync.Mutex
	done chan struct{}
}

func (w *wsConn) writeJSON(v any) error {
	w.wmu.Lock()
	defer w.wmu.Unlock()
	_ = w.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return w.c.WriteJSON(v)
}

// New starts a fake Slack on 127.0.0.1 and stops it when the test ends.
func New(tb testing.TB, opts Options) *Server {
	tb.Helper()
	s := &Server{
		opts:     opts.withDefaults(),
		changed:  make(chan struct{}),
		failures: map[string]string{},
		drops:    map[string]int{},
		acks:     map[string]Ack{},
		pending:  map[string]*envelope{},
		sentAt:   map[string]time.Time{},
		tokens:   map[string]string{},
		names:    map[string]string{DefaultTeam: "Fake"},
		codes:    map[string]string{},
		// socketmode dials with Origin: https://api.slack.com.
		up: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/response/", s.serveResponseURL)
	mux.HandleFunc("/link/", s.serveSocket)
	mux.HandleFunc("/oauth/v2/authorize", s.serveAuthorize)
	s.tokens[s.opts.BotToken] = DefaultTeam
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("slackfake: listen: %v", err)
	}
	s.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: mux}}
	s.srv.Start()
	s.URL = s.srv.URL
	tb.Cleanup(s.Close)
	return s
}

// Close stops the server and its sockets. It is called automatically when the test ends.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := append([]*wsConn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.c.Close()
	}
	s.srv.CloseClientConnections()
	s.srv.Close()
	s.wg.Wait()
}

// APIURL is the value for slack.OptionAPIURL (with its trailing slash).
func (s *Server) APIURL() string { return s.URL + "/api/" }

// ResponseURL returns a response_url on the fake; posts to it are recorded as "response_url" calls.
func (s *Server) ResponseURL(name string) string { return s.URL + "/response/" + url.PathEscape(name) }

// BotUserID is the bot's user id as auth.test reports it.
func (s *Server) BotUserID() string { return s.opts.BotUserID }

// Fail makes a Web API method answer {"ok":false,"error":code} from now on; an empty code undoes it.
func (s *Server) Fail(method, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		delete(s.failures, method)
	} else {
		s.failures[method] = code
	}
}

// Drop makes the next times requests to method ("response_url" for response URLs) end with the
// connection closed and no answer, as a reset or a timeout looks to the client; times < 0: all of them.
func (s *Server) Drop(method string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drops[method] = times
}

// dropped reports whether this request to method is to be cut off, and cuts it off.
func (s *Server) dropped(method string, w http.ResponseWriter) bool {
	s.mu.Lock()
	n := s.drops[method]
	if n > 0 {
		s.drops[method] = n - 1
	}
	s.mu.Unlock()
	if n == 0 {
		return false
	}
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			_ = c.Close()
			return true
		}
	}
	panic(http.ErrAbortHandler)
}

// Calls returns every call so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// CallsTo returns the calls to one method, in order.
func (s *Server) CallsTo(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitCall waits for a call to method for which match returns true (nil matches any) and returns
// it; the test fails after the timeout.
func (s *Server) WaitCall(tb testing.TB, method string, match func(Call) bool) Call {
	tb.Helper()
	var found Call
	ok := s.waitUntil(func() bool {
		for _, c := range s.calls {
			if c.Method == method && (match == nil || match(c)) {
				found = c
				return true
			}
		}
		return false
	})
	if !ok {
		tb.Fatalf("slackfake: no matching %s call within %v; calls: %s", method, s.opts.Timeout, s.summary())
	}
	return found
}

// WaitCalls waits until there are at least n calls to method and returns them all.
func (s *Server) WaitCalls(tb testing.TB, method string, n int) []Call {
	tb.Helper()
	if !s.waitUntil(func() bool { return s.countLocked(method) >= n }) {
		tb.Fatalf("slackfake: wanted %d %s calls within %v; calls: %s", n, method, s.opts.Timeout, s.summary())
	}
	return s.CallsTo(method)
}

func (s *Server) countLocked(method string) int {
	n := 0
	for _, c := range s.calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

func (s *Server) summary() string {
	var names []string
	for _, c := range s.Calls() {
		names = append(names, c.Method)
	}
	return "[" + strings.Join(names, " ") + "]"
}

// waitUntil evaluates cond under the lock each time something changes, until it holds or the
// timeout passes.
func (s *Server) waitUntil(cond func() bool) bool {
	deadline := time.NewTimer(s.opts.Timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return true
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return false
		}
	}
}

// notifyLocked wakes the waiters; call with s.mu held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.notifyLocked()
}

func (s *Server) newIDLocked() int {
	s.nextID++
	return s.nextID
}

// serveAPI answers /api/<method>.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	c, err := readCall(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.Method = method
	s.mu.Lock()
	c.Team = s.tokens[c.Token]
	// The failure is decided when the call arrives, before the call is recorded: a test that waits
	// for this call and then makes the method fail must not change the answer to this one.
	failure := s.failures[method]
	s.mu.Unlock()
	s.record(c)
	if s.dropped(method, w) {
		return
	}

	s.mu.Lock()
	id := s.newIDLocked()
	team := s.teamLocked(c.Team)
	name := s.names[c.Team]
	s.mu.Unlock()

	ok := c.Team != ""
	switch method {
	case "apps.connections.open":
		ok = c.Token == s.opts.AppToken
	case "oauth.v2.access":
		s.serveOAuthAccess(w, c)
		return
	}
	switch {
	case !ok:
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	case failure != "":
		writeJSON(w, map[string]any{"ok": false, "error": failure})
		return
	}
	ts := fmt.Sprintf("1700000000.%06d", id)
	switch method {
	case "auth.test":
		writeJSON(w, map[string]any{"ok": true, "url": "https://fake.slack.test/", "team": name,
			"user": "radbot", "team_id": team.ID, "user_id": team.BotUserID, "bot_id": team.BotID})
	case "apps.connections.open":
		ws := "ws" + strings.TrimPrefix(s.URL, "http") + "/link/?ticket=" + strconv.Itoa(id)
		writeJSON(w, map[string]any{"ok": true, "url": ws})
	case "chat.postMessage":
		writeJSON(w, map[string]any{"ok": true, "channel": c.Get("channel"), "ts": ts,
			"message": map[string]any{"text": c.Get("text"), "ts": ts}})
	case "chat.postEphemeral":
		writeJSON(w, map[string]any{"ok": true, "message_ts": ts})
	case "views.open":
		writeJSON(w, map[string]any{"ok": true, "view": map[string]any{"id": "V" + strconv.Itoa(id)}})
	default:
		writeJSON(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

// NextInstall makes the authorisation page install the app in workspace teamID (named name) the next
// time a browser comes to it, as if a user of that workspace approved.
func (s *Server) NextInstall(teamID, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = teamID
	s.names[teamID] = name
}

// AuthorizeURL is the fake's OAuth v2 authorisation page.
func (s *Server) AuthorizeURL() string { return s.URL + "/oauth/v2/authorize" }

// serveAuthorize is Slack's authorisation page with a user who approves at once: it sends the browser
// back to redirect_uri with a code for the NextInstall workspace and the state it was given.
func (s *Server) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c := Call{Method: "oauth/v2/authorize", Path: r.URL.Path, Form: q}
	s.record(c)
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("client_id") != s.opts.ClientID || err != nil || redirect.Host == "" {
		http.Error(w, "invalid client_id or redirect_uri", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	team := s.next
	code := fmt.Sprintf("code-%d", s.newIDLocked())
	if team != "" {
		s.codes[code] = team
	}
	s.mu.Unlock()
	back := redirect.Query()
	if team == "" {
		back.Set("error", "access_denied")
	} else {
		back.Set("code", code)
	}
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// serveOAuthAccess is oauth.v2.access: a code (used once) becomes a new bot token for its workspace.
func (s *Server) serveOAuthAccess(w http.ResponseWriter, c Call) {
	id, secret := c.Get("client_id"), c.Get("client_secret")
	if user, pass, ok := basicAuth(c); ok {
		id, secret = user, pass
	}
	if id != s.opts.ClientID || secret != s.opts.ClientSecret {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_client_id"})
		return
	}
	s.mu.Lock()
	team, ok := s.codes[c.Get("code")]
	delete(s.codes, c.Get("code"))
	var token string
	if ok {
		token = fmt.Sprintf("xoxb-%s-%d", team, s.newIDLocked())
		s.tokens[token] = team
	}
	t := s.teamLocked(team)
	name := s.names[team]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, map[string]any{"ok": false, "error": "invalid_code"})
		return
	}
	writeJSON(w, map[string]any{"ok": true, "access_token": token, "token_type": "bot",
		"scope": "app_mentions:read,chat:write,commands,im:history,im:read,im:write", "bot_user_id": t.BotUserID,
		"app_id": "A0FAKE", "team": map[string]any{"id": team, "name": name}, "enterprise": nil,
		"authed_user": map[string]any{"id": "UINSTALLER"}})
}

func basicAuth(c Call) (user, pass string, ok bool) {
	r := &http.Request{Header: http.Header{}}
	if c.authorization != "" {
		r.Header.Set("Authorization", c.authorization)
	}
	return r.BasicAuth()
}

// Revoke revokes every bot token of a workspace, as uninstalling the app does: calls with them get
// invalid_auth from now on.
func (s *Server) Revoke(teamID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok, t := range s.tokens {
		if t == teamID {
			delete(s.tokens, tok)
		}
	}
}

// Team returns a workspace's bot identity on the fake.
func (s *Server) Team(teamID string) Team {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.teamLocked(teamID)
}

// serveResponseURL records a post to a response_url.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	c, err := readCall(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.Method = "response_url"
	s.record(c)
	if s.dropped("response_url", w) {
		return
	}
	writeJSON(w, map[string]any{"ok": true})
}

func readCall(r *http.Request) (Call, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return Call{}, err
	}
	c := Call{Path: r.URL.Path, Body: string(body), authorization: r.Header.Get("Authorization")}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		c.Token = tok
	}
	ct := r.Header.Get("Content-Type")
	switch {
	case strings.HasPrefix(ct, "application/json"):
		if len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, &c.JSON); err != nil {
				return Call{}, fmt.Errorf("bad JSON body: %w", err)
			}
		}
	default:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return Call{}, fmt.Errorf("bad form body: %w", err)
		}
		c.Form = form
		if c.Token == "" {
			c.Token = form.Get("token")
		}
	}
	return c, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// serveSocket is the Socket Mode WebSocket: hello, then pings, envelopes and disconnects; it records
// acknowledgements and pongs.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "closed", http.StatusServiceUnavailable)
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()

	c, err := s.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	conn := &wsConn{c: c, done: make(chan struct{})}
	c.SetPongHandler(func(string) error {
		s.mu.Lock()
		s.pongs++
		s.notifyLocked()
		s.mu.Unlock()
		return nil
	})
	if err := conn.writeJSON(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A0FAKE"},
		"debug_info":      map[string]any{"host": "slackfake", "approximate_connection_time": 3600}}); err != nil {
		_ = c.Close()
		return
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = c.Close()
		return
	}
	s.conns = append(s.conns, conn)
	s.opened++
	orphans := s.orphans
	s.orphans = nil
	s.notifyLocked()
	s.mu.Unlock()
	for _, e := range orphans {
		s.deliver(e, conn)
	}

	var pinger sync.WaitGroup
	pinger.Go(func() {
		t := time.NewTicker(s.opts.PingInterval)
		defer t.Stop()
		for {
			select {
			case <-conn.done:
				return
			case <-t.C:
				if err := c.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second)); err != nil {
					return
				}
			}
		}
	})

	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			break
		}
		var ack Ack
		if json.Unmarshal(data, &ack) != nil || ack.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		if _, dup := s.acks[ack.EnvelopeID]; !dup {
			if at, ok := s.sentAt[ack.EnvelopeID]; ok {
				s.ackLat = append(s.ackLat, time.Since(at))
			}
		}
		s.acks[ack.EnvelopeID] = ack
		delete(s.pending, ack.EnvelopeID)
		s.notifyLocked()
		s.mu.Unlock()
	}
	close(conn.done)
	pinger.Wait()
	_ = c.Close()
	s.mu.Lock()
	for i, x := range s.conns {
		if x == conn {
			s.conns = append(s.conns[:i], s.conns[i+1:]...)
			break
		}
	}
	// What this connection left unacknowledged goes to another one, as a retry.
	var again []*envelope
	for _, e := range s.pending {
		if e.conn == conn {
			again = append(again, e)
		}
	}
	closed := s.closed
	s.notifyLocked()
	s.mu.Unlock()
	if !closed {
		for _, e := range again {
			e.msg["retry_attempt"] = e.msg["retry_attempt"].(int) + 1
			e.msg["retry_reason"] = "timeout"
			s.mu.Lock()
			s.resent++
			to := s.nextConnLocked()
			if to == nil {
				s.orphans = append(s.orphans, e)
			}
			s.mu.Unlock()
			if to != nil {
				s.deliver(e, to)
			}
		}
	}
}

// nextConnLocked picks the next open connection, round robin; nil when none is open.
func (s *Server) nextConnLocked() *wsConn {
	if len(s.conns) == 0 {
		return nil
	}
	s.rr++
	return s.conns[s.rr%len(s.conns)]
}

// deliver writes an envelope on conn and waits for its acknowledgement there.
func (s *Server) deliver(e *envelope, conn *wsConn) {
	s.mu.Lock()
	e.conn = conn
	id := e.msg["envelope_id"].(string)
	s.pending[id] = e
	if _, ok := s.sentAt[id]; !ok {
		s.sentAt[id] = time.Now()
	}
	s.mu.Unlock()
	if err := conn.writeJSON(e.msg); err != nil {
		_ = conn.c.Close() // its reader redelivers what it left
	}
}

// AckLatencies returns, for every envelope acknowledged so far, the time from its first delivery to
// its acknowledgement.
func (s *Server) AckLatencies() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.ackLat...)
}

// Redelivered counts envelopes delivered again after their connection closed unacknowledged.
func (s *Server) Redelivered() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resent
}

// OpenConnections is how many Socket Mode connections are open now.
func (s *Server) OpenConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// WaitOpen waits until n Socket Mode connections are open at once.
func (s *Server) WaitOpen(tb testing.TB, n int) {
	tb.Helper()
	if !s.waitUntil(func() bool { return len(s.conns) >= n }) {
		tb.Fatalf("slackfake: wanted %d open socket connections within %v, got %d", n, s.opts.Timeout, s.OpenConnections())
	}
}

// Connections returns how many Socket Mode connections have been established so far.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opened
}

// Pongs returns how many pongs the client has sent in answer to the fake's pings.
func (s *Server) Pongs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pongs
}

// WaitConnections waits until at least n Socket Mode connections have been established and one is
// open.
func (s *Server) WaitConnections(tb testing.TB, n int) {
	tb.Helper()
	if !s.waitUntil(func() bool { return s.opened >= n && len(s.conns) > 0 }) {
		tb.Fatalf("slackfake: wanted %d socket connections within %v, got %d", n, s.opts.Timeout, s.Connections())
	}
}

// WaitPongs waits until the client has answered at least n pings.
func (s *Server) WaitPongs(tb testing.TB, n int) {
	tb.Helper()
	if !s.waitUntil(func() bool { return s.pongs >= n }) {
		tb.Fatalf("slackfake: wanted %d pongs within %v, got %d", n, s.opts.Timeout, s.Pongs())
	}
}

// current returns the newest open connection, waiting for one if needed.
func (s *Server) current() (*wsConn, error) {
	var c *wsConn
	if !s.waitUntil(func() bool {
		if len(s.conns) == 0 {
			return false
		}
		c = s.conns[len(s.conns)-1]
		return true
	}) {
		return nil, errors.New("no open socket mode connection")
	}
	return c, nil
}

// Envelope types.
const (
	EventsAPI     = "events_api"
	SlashCommands = "slash_commands"
	Interactive   = "interactive"
)

// Send delivers an envelope of the given type carrying payload on one of the open connections (round
// robin, as Slack spreads events over an app's connections) and returns its envelope id. If that
// connection closes before acknowledging it, it is delivered again on another.
func (s *Server) Send(tb testing.TB, typ string, payload any) string {
	tb.Helper()
	if _, err := s.current(); err != nil { // waits for a connection
		tb.Fatalf("slackfake: %v", err)
	}
	s.mu.Lock()
	id := "env-" + strconv.Itoa(s.newIDLocked())
	conn := s.nextConnLocked()
	s.mu.Unlock()
	env := map[string]any{
		"envelope_id":              id,
		"type":                     typ,
		"accepts_response_payload": typ != EventsAPI,
		"retry_attempt":            0,
		"retry_reason":             "",
		"payload":                  payload,
	}
	if conn == nil {
		tb.Fatalf("slackfake: no open socket mode connection")
	}
	s.deliver(&envelope{msg: env}, conn)
	return id
}

// SendRaw writes any JSON message on the open connection.
func (s *Server) SendRaw(tb testing.TB, msg any) {
	tb.Helper()
	c, err := s.current()
	if err != nil {
		tb.Fatalf("slackfake: %v", err)
	}
	if err := c.writeJSON(msg); err != nil {
		tb.Fatalf("slackfake: writing to the socket: %v", err)
	}
}

// Disconnect sends Slack's {"type":"disconnect"} message, which tells the client to reconnect.
func (s *Server) Disconnect(tb testing.TB, reason string) {
	tb.Helper()
	s.SendRaw(tb, map[string]any{"type": "disconnect", "reason": reason,
		"debug_info": map[string]any{"host": "slackfake"}})
}

// WaitAck waits for the acknowledgement of an envelope and returns it.
func (s *Server) WaitAck(tb testing.TB, envelopeID string) Ack {
	tb.Helper()
	var ack Ack
	if !s.waitUntil(func() bool {
		a, ok := s.acks[envelopeID]
		ack = a
		return ok
	}) {
		tb.Fatalf("slackfake: envelope %s was not acknowledged within %v", envelopeID, s.opts.Timeout)
	}
	return ack
}

// Acked reports whether an envelope has been acknowledged.
func (s *Server) Acked(envelopeID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.acks[envelopeID]
	return ok
}

// EventCallback wraps an inner event (an app_mention or message) in the Events API outer body.
func EventCallback(eventID string, inner map[string]any) map[string]any {
	return TeamEventCallback(DefaultTeam, eventID, inner)
}

// TeamEventCallback is EventCallback for an event from workspace teamID.
func TeamEventCallback(teamID, eventID string, inner map[string]any) map[string]any {
	return map[string]any{
		"token":      "verification-token-unused",
		"team_id":    teamID,
		"api_app_id": "A0FAKE",
		"type":       "event_callback",
		"event_id":   eventID,
		"event_time": time.Now().Unix(),
		"event":      inner,
	}
}

// Sign sets the X-Slack-Signature and X-Slack-Request-Timestamp headers Slack would send with body
// at time at, using the signing secret.
func Sign(h http.Header, secret string, body []byte, at time.Time) {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	_, _ = io.WriteString(mac, "v0:"+ts+":")
	_, _ = mac.Write(body)
	h.Set("X-Slack-Request-Timestamp", ts)
	h.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}
