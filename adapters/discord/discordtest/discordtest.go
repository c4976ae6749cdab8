// Package discordtest is a fake Discord for tests: an httptest server on 127.0.0.1 that serves the REST
// endpoints a bot uses and a gateway websocket that says HELLO, answers IDENTIFY with READY (and RESUME
// with RESUMED), acknowledges heartbeats, dispatches the events a test asks for, and can drop the
// connection. It records every REST request so tests can assert on what the bot sent.
//
// Point a real discordgo session at it by rewriting the transport of Session.Client to Server.URL
// (discord.Config.APIURL does this); the gateway URL comes from the fake's GET /api/v9/gateway.
package discordtest

import (
	"encoding/json"
	"fmt"
	"io"
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

// Defaults for a new Server.
const (
	DefaultToken  = "test-token"
	DefaultAppID  = "900000000000000001"
	DefaultBotID  = "900000000000000002"
	DefaultBotTag = "radbot"
	waitTimeout   = 10 * time.Second
)

// Close codes the fake gateway uses, as Discord does.
const (
	CloseAuthenticationFailed = 4004
	CloseInvalidShard         = 4010
	CloseDisallowedIntents    = 4014
)

// privilegedIntents are GUILD_MEMBERS, GUILD_PRESENCES and MESSAGE_CONTENT.
const privilegedIntents = 1<<1 | 1<<8 | 1<<15

// Request is one REST request the fake received.
type Request struct {
	Method string
	Path   string // e.g. /api/v9/channels/123/messages
	Query  url.Values
	Header http.Header
	Body   []byte
	Time   time.Time // when it arrived
}

// Decode unmarshals the JSON body into v.
func (r Request) Decode(v any) error { return json.Unmarshal(r.Body, v) }

// JSON returns the body as a generic JSON object (nil if it is not one).
func (r Request) JSON() map[string]any {
	var m map[string]any
	if json.Unmarshal(r.Body, &m) != nil {
		return nil
	}
	return m
}

func (r Request) String() string { return r.Method + " " + r.Path + " " + string(r.Body) }

// Identify is an IDENTIFY the gateway received.
type Identify struct {
	Token   string
	Intents int
	// Shard is [shard_id, num_shards] as sent, nil when the bot did not shard.
	Shard []int
}

// Server is a fake Discord. Create it with New; it closes itself when the test ends.
type Server struct {
	// URL is the base URL to give the bot (discord.Config.APIURL).
	URL   string
	Token string // the bot token it accepts, without "Bot "
	AppID string
	BotID string
	// AllowPrivilegedIntents makes the gateway accept privileged intents; by default it closes the
	// connection with 4014 like Discord does for an app that has not enabled them.
	AllowPrivilegedIntents bool

	srv      *httptest.Server
	upgrader websocket.Upgrader
	wg       sync.WaitGroup // gateway connections

	mu           sync.Mutex
	changed      chan struct{} // closed and replaced on every recorded change
	requests     []Request
	overrides    []override
	identifies   []Identify
	resumes      int
	sessions     int // READY or RESUMED sent
	conns        map[*gwConn]bool
	shards       map[int]*shardState // by shard id: the live session of each shard
	shardCount   int                 // as the bots identified with (1 without sharding)
	recommended  int                 // the shard count GET /gateway/bot answers (SetShards)
	gatewayDown  bool                // new gateway connections are refused (SetGatewayDown)
	nextID       int64
	interactions map[string]*interactionState // by interaction id
	faults       []*fault
	closed       bool
}

// fault makes matching requests fail.
type fault struct {
	method, path string
	times        int // how many more requests fail; negative: all
	status       int // 0: the connection is dropped without an answer
}

type interactionState struct {
	token string
	acked bool
}

type override struct {
	method, path string
	status       int
	body         any
}

type gwConn struct {
	c  *websocket.Conn
	mu sync.Mutex // gorilla allows one writer at a time
}

// shardState is one shard's gateway session: its current connection (nil while the bot reconnects),
// its session id (for RESUME) and its sequence number.
type shardState struct {
	conn      *gwConn
	sessionID string
	seq       int64
	events    int // events dispatched to this shard
}

// ShardFor is the shard Discord sends a guild's events to: (guild_id >> 22) % shards. Events without
// a guild (DMs) go to shard 0.
func ShardFor(guildID string, shards int) int {
	if shards <= 1 || guildID == "" {
		return 0
	}
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil {
		return 0
	}
	return int((id >> 22) % uint64(shards))
}

// GuildOnShard returns a guild id (a snowflake) whose events go to shard of shards; n picks among them.
func GuildOnShard(shard, shards, n int) string {
	return strconv.FormatUint(uint64((1_000_000+n)*shards+shard)<<22|uint64(n%1024), 10)
}

func (g *gwConn) write(v any) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	_ = g.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return g.c.WriteJSON(v)
}

// New starts a fake Discord on 127.0.0.1 and registers its Close with t.Cleanup.
func New(t testing.TB) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	return s
}

// NewServer starts a fake Discord on 127.0.0.1 that lives until Close, for a fake shared by the tests
// of a package.
func NewServer() *Server {
	s := &Server{
		Token:        DefaultToken,
		AppID:        DefaultAppID,
		BotID:        DefaultBotID,
		changed:      make(chan struct{}),
		conns:        map[*gwConn]bool{},
		interactions: map[string]*interactionState{},
		shards:       map[int]*shardState{},
		shardCount:   1,
		nextID:       1_000_000_000_000_000_000,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/gw/", s.serveGateway)
	mux.HandleFunc("/api/v9/", s.serveREST)
	s.srv = httptest.NewServer(mux) // listens on 127.0.0.1
	s.URL = s.srv.URL
	return s
}

// Fail makes the next times requests with this method and exact path fail (times < 0: all of them):
// with status and a JSON error body, or, with status 0, by dropping the connection without an answer
// (what a reset or a timeout looks like to the client).
func (s *Server) Fail(method, path string, times, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: method, path: path, times: times, status: status})
}

// RevokeToken makes the fake reject the bot's token from now on, as Discord does once a token is reset:
// the current gateway connection is closed with 4004, IDENTIFY and RESUME get 4004, and REST calls that
// need the token get 401.
func (s *Server) RevokeToken() {
	s.mu.Lock()
	s.Token = "revoked-" + s.Token
	var gs []*gwConn
	for _, sh := range s.shards {
		if sh.conn != nil {
			gs = append(gs, sh.conn)
			sh.conn = nil
		}
	}
	s.mu.Unlock()
	for _, g := range gs {
		s.closeWith(g, CloseAuthenticationFailed, "Authentication failed.")
		_ = g.c.Close()
	}
}

// Close drops every gateway connection and stops the server. It is safe to call twice.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for g := range s.conns {
		_ = g.c.Close()
	}
	s.mu.Unlock()
	s.srv.Close()
	s.wg.Wait()
}

// NewID returns a fresh snowflake-like id.
func (s *Server) NewID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newIDLocked()
}

func (s *Server) newIDLocked() string {
	s.nextID++
	return strconv.FormatInt(s.nextID, 10)
}

// notifyLocked wakes every waiter.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitUntil calls check under the lock until it returns true or the timeout passes.
func (s *Server) waitUntil(t testing.TB, what string, check func() bool) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ok := check()
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("discordtest: timed out after %v waiting for %s\nrequests so far:\n%s", waitTimeout, what, s.dump())
		}
	}
}

func (s *Server) dump() string {
	var b strings.Builder
	for _, r := range s.Requests() {
		b.WriteString("  " + r.String() + "\n")
	}
	return b.String()
}

// Requests returns a copy of every REST request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// WaitRequest waits until a request satisfying match has arrived, and returns the first such request.
func (s *Server) WaitRequest(t testing.TB, what string, match func(Request) bool) Request {
	t.Helper()
	var found Request
	s.waitUntil(t, what, func() bool {
		for _, r := range s.requests {
			if match(r) {
				found = r
				return true
			}
		}
		return false
	})
	return found
}

// WaitRequests waits until n requests satisfy match, and returns them.
func (s *Server) WaitRequests(t testing.TB, what string, n int, match func(Request) bool) []Request {
	t.Helper()
	var found []Request
	s.waitUntil(t, what, func() bool {
		found = found[:0]
		for _, r := range s.requests {
			if match(r) {
				found = append(found, r)
			}
		}
		return len(found) >= n
	})
	return found
}

// Is matches a request by method and exact path.
func Is(method, path string) func(Request) bool {
	return func(r Request) bool { return r.Method == method && r.Path == path }
}

// SetResponse makes every later request with this method and exact path get status and body (JSON)
// instead of the normal answer, e.g. a 403 {"code":50007} for a DM the user does not accept.
func (s *Server) SetResponse(method, path string, status int, body any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overrides = append(s.overrides, override{method, path, status, body})
}

// Identifies returns the IDENTIFY payloads received so far.
func (s *Server) Identifies() []Identify {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Identify(nil), s.identifies...)
}

// Resumes counts RESUME payloads received so far.
func (s *Server) Resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.resumes
}

// WaitSessions waits until the gateway has sent READY or RESUMED n times in all.
func (s *Server) WaitSessions(t testing.TB, n int) {
	t.Helper()
	s.waitUntil(t, fmt.Sprintf("%d gateway sessions", n), func() bool { return s.sessions >= n && s.anyConnLocked() != nil })
}

// SetShards sets the shard count GET /gateway/bot recommends (default 1).
func (s *Server) SetShards(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recommended = n
}

// SetGatewayDown makes the gateway refuse new connections (an outage) until called with false.
// Connections already open stay open.
func (s *Server) SetGatewayDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gatewayDown = down
}

// WaitShards waits until every shard of shards has a live session.
func (s *Server) WaitShards(t testing.TB, shards int) {
	t.Helper()
	s.waitUntil(t, fmt.Sprintf("%d shards connected", shards), func() bool {
		for i := range shards {
			if sh := s.shards[i]; sh == nil || sh.conn == nil {
				return false
			}
		}
		return s.shardCount == shards
	})
}

// ShardEvents returns how many events were dispatched to each shard so far.
func (s *Server) ShardEvents() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int]int{}
	for id, sh := range s.shards {
		out[id] = sh.events
	}
	return out
}

func (s *Server) anyConnLocked() *gwConn {
	if sh := s.shards[0]; sh != nil && sh.conn != nil {
		return sh.conn
	}
	for _, sh := range s.shards {
		if sh.conn != nil {
			return sh.conn
		}
	}
	return nil
}

// guildOf is the guild_id of a gateway payload, "" when it has none.
func guildOf(data any) string {
	if m, ok := data.(map[string]any); ok {
		g, _ := m["guild_id"].(string)
		return g
	}
	var v struct {
		GuildID string `json:"guild_id"`
	}
	if b, err := json.Marshal(data); err == nil {
		_ = json.Unmarshal(b, &v)
	}
	return v.GuildID
}

// Dispatch sends a gateway event (op 0) with the next sequence number to the shard the event's guild
// belongs to (shard 0 for DMs), waiting for that shard's connection if the bot is reconnecting.
func (s *Server) Dispatch(t testing.TB, event string, data any) {
	t.Helper()
	guild := guildOf(data)
	var g *gwConn
	var sh *shardState
	s.waitUntil(t, "a gateway connection to dispatch "+event, func() bool {
		sh = s.shards[ShardFor(guild, s.shardCount)]
		if sh != nil {
			g = sh.conn
		}
		return g != nil
	})
	s.mu.Lock()
	sh.seq++
	sh.events++
	seq := sh.seq
	if event == "INTERACTION_CREATE" {
		if m, ok := data.(map[string]any); ok {
			id, _ := m["id"].(string)
			tok, _ := m["token"].(string)
			s.interactions[id] = &interactionState{token: tok}
		}
	}
	s.mu.Unlock()
	if err := g.write(map[string]any{"op": 0, "t": event, "s": seq, "d": data}); err != nil {
		t.Fatalf("discordtest: dispatching %s: %v", event, err)
	}
}

// Drop closes the current gateway connection abruptly, as a network failure or a Discord restart would.
func (s *Server) Drop(t testing.TB) {
	t.Helper()
	var g *gwConn
	s.waitUntil(t, "a gateway connection to drop", func() bool { g = s.anyConnLocked(); return g != nil })
	s.mu.Lock()
	for _, sh := range s.shards {
		if sh.conn == g {
			sh.conn = nil
		}
	}
	s.mu.Unlock()
	_ = g.c.Close()
}

func (s *Server) wsURL() string { return "ws" + strings.TrimPrefix(s.URL, "http") + "/gw" }

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	down := s.gatewayDown
	s.mu.Unlock()
	if down {
		http.Error(w, "gateway unavailable", http.StatusServiceUnavailable)
		return
	}
	c, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	g := &gwConn{c: c}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = c.Close()
		return
	}
	s.conns[g] = true
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, g)
		for _, sh := range s.shards {
			if sh.conn == g {
				sh.conn = nil
			}
		}
		s.notifyLocked()
		s.mu.Unlock()
		_ = c.Close()
	}()

	if g.write(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 41250}}) != nil {
		return
	}
	var first struct {
		Op int `json:"op"`
		D  struct {
			Token     string `json:"token"`
			Intents   int    `json:"intents"`
			Shard     []int  `json:"shard"`
			SessionID string `json:"session_id"`
			Seq       int64  `json:"seq"`
		} `json:"d"`
	}
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if c.ReadJSON(&first) != nil {
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	var shard int
	switch first.Op {
	case 2: // IDENTIFY
		s.mu.Lock()
		s.identifies = append(s.identifies, Identify{Token: first.D.Token, Intents: first.D.Intents, Shard: first.D.Shard})
		s.notifyLocked()
		token := s.Token
		s.mu.Unlock()
		count := 1
		if len(first.D.Shard) == 2 {
			shard, count = first.D.Shard[0], first.D.Shard[1]
		}
		if len(first.D.Shard) != 0 && (len(first.D.Shard) != 2 || count < 1 || shard < 0 || shard >= count) {
			s.closeWith(g, CloseInvalidShard, "Invalid shard.")
			return
		}
		if first.D.Token != "Bot "+token {
			s.closeWith(g, CloseAuthenticationFailed, "Authentication failed.")
			return
		}
		if first.D.Intents&privilegedIntents != 0 && !s.AllowPrivilegedIntents {
			s.closeWith(g, CloseDisallowedIntents, "Disallowed intent(s).")
			return
		}
		s.mu.Lock()
		if count != s.shardCount { // the bots resharded: the old sessions no longer receive events
			s.shardCount = count
			s.shards = map[int]*shardState{}
		}
		sh := &shardState{sessionID: "sess-" + s.newIDLocked(), seq: 1}
		s.shards[shard] = sh
		ready := map[string]any{
			"op": 0, "t": "READY", "s": sh.seq,
			"d": map[string]any{
				"v": 10, "session_id": sh.sessionID, "resume_gateway_url": s.wsURL(),
				"user":        map[string]any{"id": s.BotID, "username": DefaultBotTag, "discriminator": "0", "global_name": nil, "avatar": nil, "bot": true, "verified": true, "flags": 0},
				"guilds":      []any{},
				"application": map[string]any{"id": s.AppID, "flags": 0},
				"shard":       []int{shard, count},
			},
		}
		s.mu.Unlock()
		if g.write(ready) != nil {
			return
		}
	case 6: // RESUME
		s.mu.Lock()
		s.resumes++
		badToken := first.D.Token != "Bot "+s.Token
		ok := false
		var seq int64
		for id, sh := range s.shards {
			if sh.sessionID == first.D.SessionID {
				ok, shard = true, id
				sh.seq++
				seq = sh.seq
			}
		}
		s.notifyLocked()
		s.mu.Unlock()
		if badToken {
			s.closeWith(g, CloseAuthenticationFailed, "Authentication failed.")
			return
		}
		if !ok {
			_ = g.write(map[string]any{"op": 9, "d": false}) // invalid session
			return
		}
		if g.write(map[string]any{"op": 0, "t": "RESUMED", "s": seq, "d": map[string]any{}}) != nil {
			return
		}
	default:
		s.closeWith(g, 4002, "Decode error.")
		return
	}
	s.mu.Lock()
	s.shards[shard].conn = g
	s.sessions++
	s.notifyLocked()
	s.mu.Unlock()

	for {
		var f struct {
			Op int `json:"op"`
		}
		if err := c.ReadJSON(&f); err != nil {
			return
		}
		if f.Op == 1 { // heartbeat
			if g.write(map[string]any{"op": 11}) != nil {
				return
			}
		}
	}
}

func (s *Server) closeWith(g *gwConn, code int, text string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	_ = g.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
}

func (s *Server) serveREST(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body, Time: time.Now()}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	var ov *override
	for i := range s.overrides {
		if s.overrides[i].method == r.Method && s.overrides[i].path == r.URL.Path {
			ov = &s.overrides[i]
		}
	}
	var f *fault
	for _, x := range s.faults {
		if x.method == r.Method && x.path == r.URL.Path && x.times != 0 {
			f = x
			f.times--
			break
		}
	}
	s.notifyLocked()
	s.mu.Unlock()
	if f != nil {
		if f.status != 0 {
			writeJSON(w, f.status, apiError(0, http.StatusText(f.status)))
			return
		}
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if ov != nil {
		writeJSON(w, ov.status, ov.body)
		return
	}
	status, resp := s.route(req)
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, resp)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(code int, msg string) map[string]any {
	return map[string]any{"code": code, "message": msg}
}

// route answers a REST request the way Discord would, for the endpoints a bot like RadBot uses.
func (s *Server) route(r Request) (int, any) {
	p := strings.Split(strings.TrimPrefix(r.Path, "/api/v9/"), "/")
	s.mu.Lock()
	authed := r.Header.Get("Authorization") == "Bot "+s.Token
	s.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && (r.Path == "/api/v9/gateway" || r.Path == "/api/v9/gateway/bot"):
		s.mu.Lock()
		shards := max(s.recommended, 1)
		s.mu.Unlock()
		return http.StatusOK, map[string]any{"url": s.wsURL(), "shards": shards,
			"session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}

	// Interaction callback: POST /interactions/{id}/{token}/callback. No bot auth needed.
	case r.Method == http.MethodPost && len(p) == 4 && p[0] == "interactions" && p[3] == "callback":
		s.mu.Lock()
		defer s.mu.Unlock()
		st := s.interactions[p[1]]
		if st == nil || st.token != p[2] {
			return http.StatusNotFound, apiError(10062, "Unknown interaction")
		}
		if st.acked {
			return http.StatusBadRequest, apiError(40060, "Interaction has already been acknowledged.")
		}
		if !json.Valid(r.Body) {
			return http.StatusBadRequest, apiError(50109, "The request body contains invalid JSON.")
		}
		st.acked = true
		return http.StatusNoContent, nil

	// Webhooks: /webhooks/{app}/{token} (followup) and /webhooks/{app}/{token}/messages/@original.
	case len(p) >= 3 && p[0] == "webhooks":
		if p[1] != s.AppID || !s.knownToken(p[2]) {
			return http.StatusNotFound, apiError(10015, "Unknown Webhook")
		}
		switch {
		case len(p) == 3 && r.Method == http.MethodPost:
			if r.Query.Get("wait") != "true" {
				return http.StatusNoContent, nil
			}
			return http.StatusOK, s.messageFrom(r, "")
		case len(p) == 5 && p[3] == "messages" && p[4] == "@original" && r.Method == http.MethodPatch:
			return http.StatusOK, s.messageFrom(r, "")
		case len(p) == 5 && p[3] == "messages" && p[4] == "@original" && r.Method == http.MethodDelete:
			return http.StatusNoContent, nil
		}

	case !authed:
		return http.StatusUnauthorized, apiError(0, "401: Unauthorized")

	// PUT /applications/{app}/commands and /applications/{app}/guilds/{guild}/commands
	case r.Method == http.MethodPut && p[0] == "applications" && (len(p) == 3 && p[2] == "commands" || len(p) == 5 && p[2] == "guilds" && p[4] == "commands"):
		if p[1] != s.AppID {
			return http.StatusForbidden, apiError(50001, "Missing Access")
		}
		var cmds []map[string]any
		if err := json.Unmarshal(r.Body, &cmds); err != nil {
			return http.StatusBadRequest, apiError(50035, "Invalid Form Body")
		}
		for _, c := range cmds {
			c["id"] = s.NewID()
			c["application_id"] = s.AppID
			c["version"] = s.NewID()
			if len(p) == 5 {
				c["guild_id"] = p[3]
			}
		}
		return http.StatusOK, cmds

	case r.Method == http.MethodGet && r.Path == "/api/v9/users/@me":
		return http.StatusOK, userJSON(User{ID: s.BotID, Name: DefaultBotTag, Bot: true})

	case r.Method == http.MethodPost && len(p) == 3 && p[0] == "channels" && p[2] == "messages":
		return http.StatusOK, s.messageFrom(r, p[1])

	case r.Method == http.MethodPost && r.Path == "/api/v9/users/@me/channels":
		var body struct {
			RecipientID string `json:"recipient_id"`
		}
		if json.Unmarshal(r.Body, &body) != nil || body.RecipientID == "" {
			return http.StatusBadRequest, apiError(50035, "Invalid Form Body")
		}
		return http.StatusOK, map[string]any{"id": DMChannelID(body.RecipientID), "type": 1, "last_message_id": nil,
			"flags": 0, "recipients": []any{userJSON(User{ID: body.RecipientID, Name: "user"})}}
	}
	return http.StatusNotFound, apiError(0, "404: Not Found")
}

// DMChannelID is the id of the fake DM channel with a user.
func DMChannelID(userID string) string { return "7" + userID }

func (s *Server) knownToken(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.interactions {
		if st.token == tok {
			return true
		}
	}
	return false
}

// messageFrom builds the message object Discord returns for a message the bot sent.
func (s *Server) messageFrom(r Request, channel string) map[string]any {
	m := r.JSON()
	if m == nil {
		m = map[string]any{}
	}
	out := map[string]any{
		"id": s.NewID(), "channel_id": channel, "type": 0, "timestamp": timestamp, "edited_timestamp": nil,
		"author": map[string]any{"id": s.BotID, "username": DefaultBotTag, "discriminator": "0", "bot": true},
		"tts":    false, "mention_everyone": false, "mentions": []any{}, "mention_roles": []any{},
		"attachments": []any{}, "embeds": []any{}, "components": []any{}, "pinned": false, "flags": 0,
	}
	for _, k := range []string{"content", "embeds", "components", "flags"} {
		if v, ok := m[k]; ok && v != nil {
			out[k] = v
		}
	}
	return out
}
