package discord_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/radbot/radbot/adapters/discord"
	"github.com/radbot/radbot/adapters/discord/discordtest"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// scripted is an Answerer that replies from a script, so adapter tests do not depend on matching.
type scripted struct {
	kb *knowledge.Base

	mu            sync.Mutex
	replies       map[string]bot.Reply // by question text, or "entry:<id>" for button clicks
	delays        map[string]time.Duration
	queries       []bot.Query
	feedback      []bot.Feedback
	panicFeedback bool
}

func newScripted() *scripted {
	e1 := &knowledge.Entry{ID: "st1-apply", Title: "How do I apply for ST1 clinical radiology?",
		Answer: "Apply through **national recruitment**.", Reviewed: "2026-03-15",
		Sources: []knowledge.Source{{Title: "Specialty recruitment", URL: "https://specialtytraining.hee.nhs.uk/"}}}
	e2 := &knowledge.Entry{ID: "frcr", Title: "What are the FRCR exams?", Answer: "Three parts.", Reviewed: "2026-01-02"}
	e3 := &knowledge.Entry{ID: "pay", Title: "What do radiologists earn?", Answer: "It depends.", Reviewed: "2026-01-02"}
	kb := &knowledge.Base{
		Topics: []*knowledge.Topic{
			{Name: "Entry and recruitment", Entries: []*knowledge.Entry{e1}},
			{Name: "Training and exams", Entries: []*knowledge.Entry{e2, e3}},
		},
		Entries: []*knowledge.Entry{e1, e2, e3},
		Texts: knowledge.Texts{FeedbackThanks: "Thanks for the feedback!", Error: "Sorry, something broke.",
			Clarify: "Which one?", RateLimited: "Slow down a little."},
	}
	answered := func(e *knowledge.Entry, id int64) bot.Reply {
		return bot.Reply{Status: bot.StatusAnswered, Entry: e, Text: e.Answer, InteractionID: id,
			Related: []bot.EntryRef{{ID: "frcr", Title: e2.Title}, {ID: "pay", Title: e3.Title}}}
	}
	long := *e1
	long.Answer = strings.Repeat("A very long answer about radiology training 🩻 with **Markdown**. ", 200)
	refusal := bot.Reply{Status: bot.StatusRefused, Text: "I can't help with personal medical questions. Please call NHS 111.",
		Links: []knowledge.Source{{Title: "NHS 111", URL: "https://111.nhs.uk/"}}, InteractionID: 77}
	return &scripted{
		kb: kb,
		replies: map[string]bot.Reply{
			"how do I apply?": answered(e1, 101),
			"entry:frcr":      answered(e2, 102),
			"long answer":     {Status: bot.StatusAnswered, Entry: &long, Text: long.Answer, InteractionID: 103},
			"exams?":          {Status: bot.StatusClarify, Text: "Which one?", Candidates: []bot.EntryRef{{ID: "frcr", Title: e2.Title}, {ID: "pay", Title: e3.Title}}},
			"zzz":             {Status: bot.StatusFallback, Text: "Sorry, I don't know that yet.", InteractionID: 104, Links: []knowledge.Source{{Title: "RCR", URL: "https://www.rcr.ac.uk/"}}},
			"my scan result":  refusal,
			"slow answer":     answered(e1, 105),
			"slow refusal":    refusal,
			"limited":         {Status: bot.StatusLimited, Text: "Slow down a little."},
			"ping please and": {Status: bot.StatusSmalltalk, Text: "You said: @everyone <@555> <@&666>"},
		},
		delays: map[string]time.Duration{"slow answer": 300 * time.Millisecond, "slow refusal": 300 * time.Millisecond,
			"in flight at shutdown": 700 * time.Millisecond},
	}
}

func (s *scripted) Answer(ctx context.Context, q bot.Query) bot.Reply {
	key := q.Text
	if q.EntryID != "" {
		key = "entry:" + q.EntryID
	}
	s.mu.Lock()
	s.queries = append(s.queries, q)
	r, ok := s.replies[key]
	d := s.delays[key]
	s.mu.Unlock()
	if key == "boom" {
		panic("scripted panic")
	}
	if d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	if !ok {
		return bot.Reply{Status: bot.StatusSmalltalk, Text: "unscripted: " + key}
	}
	return r
}

func (s *scripted) Feedback(ctx context.Context, f bot.Feedback) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.panicFeedback {
		panic("feedback exploded")
	}
	if f.InteractionID > 1000 {
		return fmt.Errorf("no such interaction: %w", bot.ErrNotFound)
	}
	s.feedback = append(s.feedback, f)
	return nil
}

func (s *scripted) Knowledge() *knowledge.Base { return s.kb }

func (s *scripted) UserRef(p bot.Platform, id string) string { return bot.HashID(testKey, p, id)[:12] }

// testKey is the hash key of the scripted bots.
var testKey = []byte("discord-test-key")

func (s *scripted) lastQuery(t *testing.T) bot.Query {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queries) == 0 {
		t.Fatal("the bot was never asked")
	}
	return s.queries[len(s.queries)-1]
}

func (s *scripted) numQueries() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queries)
}

// harness runs a real Adapter (real discordgo session) against a fake Discord: either one of its own
// (start), or the adapter shared by the tests of this file (shared).
type harness struct {
	fake   *discordtest.Server
	a      *discord.Adapter
	user   discordtest.User
	guild  discordtest.Place
	logs   *logBuffer
	cancel context.CancelFunc
	done   chan error
}

// logBuffer collects log output; safe for concurrent use.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// start runs an adapter of its own against a fresh fake. setup, if any, adjusts the adapter before Run.
// Each such adapter costs the test about a second when it stops: discordgo v0.29.0 sleeps 1 s in
// Session.Close. Tests that need no configuration of their own use shared instead.
func start(t *testing.T, cfg discord.Config, b discord.Answerer, setup ...func(*discord.Adapter)) *harness {
	t.Helper()
	fake := discordtest.New(t)
	if cfg.Token == "" {
		cfg.Token = fake.Token
	}
	cfg.APIURL = fake.URL
	logs := &logBuffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(t.Output(), logs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	a, err := discord.New(cfg, b)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, f := range setup {
		f(a)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{fake: fake, a: a, cancel: cancel, done: make(chan error, 1), logs: logs,
		user:  discordtest.User{ID: "300000000000000001", Name: "trainee"},
		guild: discordtest.Guild("400000000000000001", "500000000000000001")}
	go func() { h.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		if err := h.stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
		checkNoPings(t, fake.Requests())
	})
	return h
}

// sharedAdapter is one fake Discord and one adapter (defaultConfig) for every test that needs nothing
// of its own. Each test gets its own user and channel, and a router sends its users' questions and
// votes to the test's own answerer.
var sharedAdapter struct {
	once   sync.Once
	h      *harness
	router *router
	next   atomic.Int64
	err    error
}

// router is the shared adapter's Answerer: it passes each question and vote to the answerer
// registered for its user.
type router struct {
	mu     sync.Mutex
	byUser map[string]discord.Answerer
	kb     *knowledge.Base
}

func (r *router) get(user string) discord.Answerer {
	r.mu.Lock()
	defer r.mu.Unlock()
	if b := r.byUser[user]; b != nil {
		return b
	}
	return newScripted()
}

func (r *router) Answer(ctx context.Context, q bot.Query) bot.Reply {
	return r.get(q.UserID).Answer(ctx, q)
}
func (r *router) Feedback(ctx context.Context, f bot.Feedback) error {
	return r.get(f.UserID).Feedback(ctx, f)
}
func (r *router) Knowledge() *knowledge.Base               { return r.kb }
func (r *router) UserRef(p bot.Platform, id string) string { return r.get(id).UserRef(p, id) }

// shared gives t a user and a channel on the shared adapter, with b answering for them.
func shared(t *testing.T, b discord.Answerer) *harness {
	t.Helper()
	sa := &sharedAdapter
	sa.once.Do(func() {
		fake := discordtest.NewServer()
		sa.router = &router{byUser: map[string]discord.Answerer{}, kb: newScripted().kb}
		logs := &logBuffer{}
		cfg := defaultConfig()
		cfg.Token, cfg.APIURL = fake.Token, fake.URL
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		a, err := discord.New(cfg, sa.router)
		if err != nil {
			sa.err = err
			fake.Close()
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		sa.h = &harness{fake: fake, a: a, logs: logs, cancel: cancel, done: make(chan error, 1)}
		go func() { sa.h.done <- a.Run(ctx) }()
	})
	if sa.err != nil {
		t.Fatalf("shared adapter: %v", sa.err)
	}
	n := sa.next.Add(1)
	h := *sa.h
	h.user = discordtest.User{ID: fmt.Sprint(310000000000000000 + n), Name: fmt.Sprint("trainee", n)}
	h.guild = discordtest.Guild("410000000000000001", fmt.Sprint(510000000000000000+n))
	sa.router.mu.Lock()
	sa.router.byUser[h.user.ID] = b
	sa.router.mu.Unlock()
	t.Cleanup(func() {
		sa.router.mu.Lock()
		delete(sa.router.byUser, h.user.ID)
		sa.router.mu.Unlock()
		if t.Failed() {
			t.Logf("shared adapter log:\n%s", sa.h.logs.String())
		}
	})
	h.started(t)
	return &h
}

// TestMain stops the shared adapter after the tests and checks what it sent.
func TestMain(m *testing.M) {
	code := m.Run()
	if h := sharedAdapter.h; h != nil {
		if err := h.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "shared adapter: Run: %v\n", err)
			code = 1
		}
		if bad := pingProblems(h.fake.Requests()); len(bad) > 0 {
			fmt.Fprintf(os.Stderr, "shared adapter:\n%s\n", strings.Join(bad, "\n"))
			code = 1
		}
		h.fake.Close()
	}
	os.Exit(code)
}

// started waits until the adapter is connected and has registered its commands.
func (h *harness) started(t *testing.T) {
	t.Helper()
	h.fake.WaitSessions(t, 1)
	h.fake.WaitRequest(t, "command registration", func(r discordtest.Request) bool { return r.Method == http.MethodPut })
}

func (h *harness) stop() error {
	h.cancel()
	select {
	case err := <-h.done:
		h.done <- err // later calls see it too
		return err
	case <-time.After(15 * time.Second):
		return errors.New("Run did not return within 15 s of cancel")
	}
}

// sent is what the bot sent in a message, an interaction response's data, or a webhook call.
type sent struct {
	Content    string                    `json:"content"`
	Flags      int                       `json:"flags"`
	Embeds     []*discordgo.MessageEmbed `json:"embeds"`
	Components []struct {
		Type       int `json:"type"`
		Components []struct {
			Type     int    `json:"type"`
			CustomID string `json:"custom_id"`
			Label    string `json:"label"`
			Style    int    `json:"style"`
		} `json:"components"`
	} `json:"components"`
	MessageReference *struct {
		MessageID string `json:"message_id"`
		ChannelID string `json:"channel_id"`
	} `json:"message_reference"`
	CustomID string `json:"custom_id"` // modals
	Title    string `json:"title"`
}

func (s sent) customIDs() []string {
	var out []string
	for _, row := range s.Components {
		for _, c := range row.Components {
			out = append(out, c.CustomID)
		}
	}
	return out
}

func (s sent) ephemeral() bool { return s.Flags&int(discordgo.MessageFlagsEphemeral) != 0 }

type callback struct {
	Type int  `json:"type"`
	Data sent `json:"data"`
}

func decode[T any](t testing.TB, r discordtest.Request) T {
	t.Helper()
	var v T
	if err := r.Decode(&v); err != nil {
		t.Fatalf("decoding %s: %v", r, err)
	}
	return v
}

// respond dispatches an interaction and returns the bot's initial response.
func (h *harness) respond(t *testing.T, in discordtest.Interaction) callback {
	t.Helper()
	h.fake.Interact(t, in)
	return decode[callback](t, h.fake.WaitRequest(t, "callback for "+in.ID, discordtest.Is(http.MethodPost, in.CallbackPath())))
}

func (h *harness) ask(t *testing.T, question string) callback {
	t.Helper()
	return h.respond(t, h.fake.SlashCommand(h.user, h.guild, "ask", map[string]string{"question": question}))
}

// checkNoPings asserts that every request that sends a message allows no mentions at all.
func checkNoPings(t *testing.T, reqs []discordtest.Request) {
	t.Helper()
	for _, p := range pingProblems(reqs) {
		t.Error(p)
	}
}

func pingProblems(reqs []discordtest.Request) []string {
	var out []string
	for _, r := range reqs {
		body := r.JSON()
		var data map[string]any
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/callback"):
			if typ, _ := body["type"].(float64); typ != 4 && typ != 7 {
				continue // defers and modals carry no message
			}
			data, _ = body["data"].(map[string]any)
		case r.Method == http.MethodPatch && strings.HasSuffix(r.Path, "/@original"),
			r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/api/v9/webhooks/"),
			r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/api/v9/channels/"):
			data = body
		default:
			continue
		}
		am, _ := data["allowed_mentions"].(map[string]any)
		parse, isList := am["parse"].([]any)
		if am == nil || !isList || len(parse) != 0 || am["replied_user"] != false {
			out = append(out, fmt.Sprintf("%s %s: allowed_mentions = %v, want {parse: [], replied_user: false}", r.Method, r.Path, data["allowed_mentions"]))
		}
	}
	return out
}

func defaultConfig() discord.Config { return discord.Config{Mentions: true, DMs: true} }

func TestCommandsRegisteredGlobally(t *testing.T) {
	t.Parallel()
	h := shared(t, newScripted())
	put := h.fake.WaitRequest(t, "global commands", discordtest.Is(http.MethodPut, "/api/v9/applications/"+h.fake.AppID+"/commands"))
	var cmds []discordgo.ApplicationCommand
	if err := put.Decode(&cmds); err != nil {
		t.Fatal(err)
	}
	if len(cmds) != 2 || cmds[0].Name != "ask" || cmds[1].Name != "topics" {
		t.Fatalf("commands = %s", put.Body)
	}
	if o := cmds[0].Options; len(o) != 1 || o[0].Name != "question" || !o[0].Required || o[0].Type != discordgo.ApplicationCommandOptionString {
		t.Errorf("ask options = %s", put.Body)
	}
	if got := put.Header.Get("Authorization"); got != "Bot "+h.fake.Token {
		t.Errorf("Authorization = %q", got)
	}
	ids := h.fake.Identifies()
	want := int(discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentsDirectMessages)
	if len(ids) != 1 || ids[0].Intents != want {
		t.Errorf("identify = %+v, want intents %d (no message content)", ids, want)
	}
	for _, r := range h.fake.Requests() {
		if strings.Contains(r.Path, "/guilds/") {
			t.Errorf("unexpected guild request %s", r)
		}
	}
}

func TestCommandsRegisteredPerGuild(t *testing.T) {
	t.Parallel()
	cfg := discord.Config{GuildIDs: []string{"11", "22"}, Command: "radiology", ApplicationID: discordtest.DefaultAppID}
	h := start(t, cfg, newScripted())
	h.fake.WaitSessions(t, 1)
	for _, g := range cfg.GuildIDs {
		put := h.fake.WaitRequest(t, "guild "+g, discordtest.Is(http.MethodPut, "/api/v9/applications/"+h.fake.AppID+"/guilds/"+g+"/commands"))
		var cmds []discordgo.ApplicationCommand
		if err := put.Decode(&cmds); err != nil || len(cmds) != 2 || cmds[0].Name != "radiology" {
			t.Errorf("guild %s commands = %s (%v)", g, put.Body, err)
		}
	}
	for _, r := range h.fake.Requests() {
		if r.Path == "/api/v9/applications/"+h.fake.AppID+"/commands" {
			t.Errorf("registered globally as well: %s", r)
		}
	}
	// Mentions and DMs are off: only the Guilds intent is requested.
	if ids := h.fake.Identifies(); ids[0].Intents != int(discordgo.IntentsGuilds) {
		t.Errorf("intents = %d, want %d", ids[0].Intents, discordgo.IntentsGuilds)
	}
	// And the renamed command is the one that answers.
	cb := h.respond(t, h.fake.SlashCommand(h.user, h.guild, "radiology", map[string]string{"question": "how do I apply?"}))
	if cb.Type != 4 || len(cb.Data.Embeds) != 1 {
		t.Errorf("renamed command response = %+v", cb)
	}
}

func TestAskAnswered(t *testing.T) {
	t.Parallel()
	b := newScripted()
	h := shared(t, b)
	cb := h.ask(t, "how do I apply?")
	if cb.Type != 4 || cb.Data.ephemeral() {
		t.Fatalf("response type %d flags %d, want a public message (4)", cb.Type, cb.Data.Flags)
	}
	if len(cb.Data.Embeds) != 1 {
		t.Fatalf("embeds = %+v", cb.Data.Embeds)
	}
	e := cb.Data.Embeds[0]
	if e.Title != "How do I apply for ST1 clinical radiology?" || e.Description != "Apply through **national recruitment**." {
		t.Errorf("embed = %+v", e)
	}
	if len(e.Fields) != 1 || !strings.Contains(e.Fields[0].Value, "[Specialty recruitment](https://specialtytraining.hee.nhs.uk/)") {
		t.Errorf("sources = %+v", e.Fields)
	}
	if e.Footer == nil || e.Footer.Text != "Reviewed 15 March 2026" {
		t.Errorf("footer = %+v", e.Footer)
	}
	if got, want := cb.Data.customIDs(), []string{"fb:up:101", "fb:down:101", "rel:frcr", "rel:pay"}; !slices.Equal(got, want) {
		t.Errorf("buttons = %v, want %v", got, want)
	}
	q := b.lastQuery(t)
	if q.Platform != "discord" || q.UserID != h.user.ID || q.ConversationID != h.guild.ChannelID || q.Text != "how do I apply?" {
		t.Errorf("query = %+v", q)
	}
}

func TestAskInDM(t *testing.T) {
	t.Parallel()
	b := newScripted()
	h := shared(t, b)
	cb := h.respond(t, h.fake.SlashCommand(h.user, discordtest.DM("600000000000000001"), "ask", map[string]string{"question": "how do I apply?"}))
	if cb.Type != 4 || len(cb.Data.Embeds) != 1 {
		t.Errorf("DM slash response = %+v", cb)
	}
	if q := b.lastQuery(t); q.UserID != h.user.ID {
		t.Errorf("user in a DM interaction = %q, want %q", q.UserID, h.user.ID)
	}
}

func TestAskClarifyFallbackRefusedLimited(t *testing.T) {
	t.Parallel()
	h := shared(t, newScripted())

	cb := h.ask(t, "exams?")
	if cb.Type != 4 || cb.Data.Content != "Which one?" || cb.Data.ephemeral() {
		t.Errorf("clarify = %+v", cb)
	}
	if got, want := cb.Data.customIDs(), []string{"pick:frcr", "pick:pay"}; !slices.Equal(got, want) {
		t.Errorf("clarify buttons = %v, want %v", got, want)
	}

	cb = h.ask(t, "zzz")
	if cb.Type != 4 || cb.Data.ephemeral() || !strings.Contains(cb.Data.Content, "Sorry, I don't know that yet.") ||
		!strings.Contains(cb.Data.Content, "[RCR](<https://www.rcr.ac.uk/>)") {
		t.Errorf("fallback = %+v", cb)
	}

	cb = h.ask(t, "my scan result")
	if cb.Type != 4 || !cb.Data.ephemeral() || !strings.Contains(cb.Data.Content, "NHS 111") || len(cb.Data.Components) != 0 {
		t.Errorf("refusal = %+v, want ephemeral, with links, no buttons", cb)
	}

	cb = h.ask(t, "limited")
	if cb.Type != 4 || !cb.Data.ephemeral() || cb.Data.Content != "Slow down a little." {
		t.Errorf("limited = %+v, want ephemeral", cb)
	}
}

func TestSlowAnswerIsDeferredThenEdited(t *testing.T) {
	t.Parallel()
	// The scripted answers take 300 ms; defer after 50 ms instead of 1.5 s.
	h := start(t, defaultConfig(), newScripted(), func(a *discord.Adapter) { discord.SetDeferAfter(a, 50*time.Millisecond) })
	h.started(t)

	in := h.fake.SlashCommand(h.user, h.guild, "ask", map[string]string{"question": "slow answer"})
	cb := h.respond(t, in)
	if cb.Type != 5 || cb.Data.ephemeral() {
		t.Fatalf("slow answer: first response type %d flags %d, want a public defer (5)", cb.Type, cb.Data.Flags)
	}
	edit := decode[sent](t, h.fake.WaitRequest(t, "edit of @original", discordtest.Is(http.MethodPatch, h.fake.OriginalPath(in))))
	if len(edit.Embeds) != 1 || edit.Embeds[0].Title != "How do I apply for ST1 clinical radiology?" || len(edit.customIDs()) != 4 {
		t.Errorf("edit = %+v", edit)
	}

	// A private reply after a public defer: the "thinking" message goes, the refusal comes ephemerally.
	in = h.fake.SlashCommand(h.user, h.guild, "ask", map[string]string{"question": "slow refusal"})
	if cb := h.respond(t, in); cb.Type != 5 {
		t.Fatalf("slow refusal: type %d, want 5", cb.Type)
	}
	h.fake.WaitRequest(t, "delete of @original", discordtest.Is(http.MethodDelete, h.fake.OriginalPath(in)))
	fu := h.fake.WaitRequest(t, "ephemeral followup", discordtest.Is(http.MethodPost, h.fake.FollowupPath(in)))
	if f := decode[sent](t, fu); !f.ephemeral() || !strings.Contains(f.Content, "NHS 111") {
		t.Errorf("followup = %+v", f)
	}
	for _, r := range h.fake.Requests() {
		if r.Method == http.MethodPatch && r.Path == h.fake.OriginalPath(in) {
			t.Errorf("a refusal was edited into the public response: %s", r)
		}
	}
}

func TestTopics(t *testing.T) {
	t.Parallel()
	h := shared(t, newScripted())
	cb := h.respond(t, h.fake.SlashCommand(h.user, h.guild, "topics", nil))
	if cb.Type != 4 || !cb.Data.ephemeral() || len(cb.Data.Embeds) != 1 {
		t.Fatalf("topics = %+v", cb)
	}
	f := cb.Data.Embeds[0].Fields
	if len(f) != 2 || f[0].Name != "Entry and recruitment" || f[1].Name != "Training and exams" ||
		!strings.Contains(f[1].Value, "What are the FRCR exams?") || !strings.Contains(f[1].Value, "What do radiologists earn?") {
		t.Errorf("topic fields = %+v", f)
	}
}

func TestRelatedClickAnswersEntry(t *testing.T) {
	t.Parallel()
	b := newScripted()
	h := shared(t, b)
	cb := h.respond(t, h.fake.ButtonClick(h.user, h.guild, "rel:frcr"))
	if cb.Type != 4 || cb.Data.ephemeral() || len(cb.Data.Embeds) != 1 || cb.Data.Embeds[0].Title != "What are the FRCR exams?" {
		t.Errorf("related click = %+v", cb)
	}
	if q := b.lastQuery(t); q.EntryID != "frcr" || q.UserID != h.user.ID {
		t.Errorf("query = %+v, want EntryID frcr", q)
	}
	// A clarify pick works the same way.
	cb = h.respond(t, h.fake.ButtonClick(h.user, h.guild, "pick:frcr"))
	if len(cb.Data.Embeds) != 1 || cb.Data.Embeds[0].Title != "What are the FRCR exams?" {
		t.Errorf("pick click = %+v", cb)
	}
}

func TestStaleAndMalformedCustomIDs(t *testing.T) {
	t.Parallel()
	b := newScripted()
	h := shared(t, b)
	for _, id := range []string{"rel:gone-entry", "garbage", "fb:up:abc", "fb:up:999999", "fb:down:5000", "fbm:1", "fb:sideways:1"} {
		cb := h.respond(t, h.fake.ButtonClick(h.user, h.guild, id))
		if cb.Type != 4 || !cb.Data.ephemeral() || !strings.Contains(cb.Data.Content, "expired") {
			t.Errorf("%s: response = %+v, want an ephemeral polite message", id, cb)
		}
	}
	if n := b.numQueries(); n != 0 {
		t.Errorf("stale buttons asked the bot %d times", n)
	}
	// A modal submit for something RadBot never opened.
	cb := h.respond(t, h.fake.ModalSubmit(h.user, h.guild, "not-ours", map[string]string{"comment": "x"}))
	if !cb.Data.ephemeral() || !strings.Contains(cb.Data.Content, "expired") {
		t.Errorf("unknown modal: %+v", cb)
	}
	// A modal submit discordgo v0.29.0 cannot decode (Label component) arrives with Data == nil.
	cb = h.respond(t, h.fake.ModalSubmitLabel(h.user, h.guild, "fbm:101", "comment", "hello"))
	if cb.Type != 4 || !cb.Data.ephemeral() || !strings.Contains(cb.Data.Content, "couldn't read that form") {
		t.Errorf("undecodable modal: %+v", cb)
	}
	// An unknown slash command (e.g. left over from an older registration).
	cb = h.respond(t, h.fake.SlashCommand(h.user, h.guild, "old-command", nil))
	if !cb.Data.ephemeral() {
		t.Errorf("unknown command: %+v", cb)
	}
}

func TestPanicsAreRecovered(t *testing.T) {
	t.Parallel()
	b := newScripted()
	h := shared(t, b)

	// A panic inside Answer.
	cb := h.ask(t, "boom")
	if cb.Type != 4 || !cb.Data.ephemeral() || cb.Data.Content != "Sorry, something broke." {
		t.Errorf("after a panic in Answer: %+v", cb)
	}
	// A panic in the handler itself (here, in Feedback).
	b.mu.Lock()
	b.panicFeedback = true
	b.mu.Unlock()
	cb = h.respond(t, h.fake.ButtonClick(h.user, h.guild, "fb:up:101"))
	if cb.Type != 4 || !cb.Data.ephemeral() || cb.Data.Content != "Sorry, something broke." {
		t.Errorf("after a panic in the handler: %+v", cb)
	}
	// The adapter keeps serving.
	if cb := h.ask(t, "how do I apply?"); cb.Type != 4 || len(cb.Data.Embeds) != 1 {
		t.Errorf("after panics: %+v", cb)
	}
}

func TestLongAnswerWithinLimits(t *testing.T) {
	t.Parallel()
	h := shared(t, newScripted())
	in := h.fake.SlashCommand(h.user, h.guild, "ask", map[string]string{"question": "long answer"})
	h.fake.Interact(t, in)
	req := h.fake.WaitRequest(t, "callback", discordtest.Is(http.MethodPost, in.CallbackPath()))
	cb := decode[callback](t, req)
	e := cb.Data.Embeds[0]
	units := func(s string) int { return len([]rune(s)) + strings.Count(s, "🩻") }
	if n := units(e.Description); n > 4096 || !strings.HasSuffix(e.Description, "…") {
		t.Errorf("description is %d UTF-16 units (max 4096) and must end with …", n)
	}
	total := units(e.Title) + units(e.Description) + units(e.Footer.Text)
	for _, f := range e.Fields {
		total += units(f.Name) + units(f.Value)
	}
	if total > 6000 {
		t.Errorf("embed total %d > 6000", total)
	}
	if len(req.Body) < 4096 {
		t.Errorf("suspiciously short body: %d bytes", len(req.Body))
	}
}

func TestFeedbackButtonsAndModal(t *testing.T) {
	t.Parallel()
	b := newScripted()
	h := shared(t, b)
	cb := h.respond(t, h.fake.ButtonClick(h.user, h.guild, "fb:up:101"))
	if cb.Type != 4 || !cb.Data.ephemeral() || cb.Data.Content != "Thanks for the feedback!" {
		t.Errorf("helpful: %+v", cb)
	}
	cb = h.respond(t, h.fake.ButtonClick(h.user, h.guild, "fb:down:101"))
	if cb.Type != 9 || cb.Data.CustomID != "fbm:101" || cb.Data.Title == "" {
		t.Fatalf("not helpful: %+v, want a modal (9) fbm:101", cb)
	}
	cb = h.respond(t, h.fake.ModalSubmit(h.user, h.guild, "fbm:101", map[string]string{"comment": "  pay in Wales  "}))
	if cb.Type != 4 || !cb.Data.ephemeral() || cb.Data.Content != "Thanks for the feedback!" {
		t.Errorf("modal submit: %+v", cb)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	want := []bot.Feedback{
		{Platform: "discord", UserID: h.user.ID, InteractionID: 101, Helpful: true},
		{Platform: "discord", UserID: h.user.ID, InteractionID: 101, Helpful: false},
		{Platform: "discord", UserID: h.user.ID, InteractionID: 101, Helpful: false, Comment: "pay in Wales"},
	}
	if !slices.Equal(b.feedback, want) {
		t.Errorf("feedback = %+v\nwant %+v", b.feedback, want)
	}
}

func (h *harness) waitMessage(t *testing.T, channel string, n int) []sent {
	t.Helper()
	reqs := h.fake.WaitRequests(t, fmt.Sprintf("%d messages in %s", n, channel), n, discordtest.Is(http.MethodPost, "/api/v9/channels/"+channel+"/messages"))
	var out []sent
	for _, r := range reqs {
		out = append(out, decode[sent](t, r))
	}
	return out
}

func TestMentionAndDM(t *testing.T) {
	t.Parallel()
	b := newScripted()
	h := shared(t, b)
	me := h.fake.BotUser()

	m := h.fake.Message(h.user, h.guild, "<@"+me.ID+"> how do I apply?", me)
	h.fake.Post(t, m)
	msg := h.waitMessage(t, h.guild.ChannelID, 1)[0]
	if msg.MessageReference == nil || msg.MessageReference.MessageID != m.ID {
		t.Errorf("reply reference = %+v, want message %s", msg.MessageReference, m.ID)
	}
	if len(msg.Embeds) != 1 || msg.Embeds[0].Title != "How do I apply for ST1 clinical radiology?" || len(msg.customIDs()) != 4 {
		t.Errorf("reply = %+v", msg)
	}
	if q := b.lastQuery(t); q.Text != "how do I apply?" || q.ConversationID != h.guild.ChannelID {
		t.Errorf("query = %+v (mention must be stripped)", q)
	}

	// <@!id> (nickname mention) is stripped too, and so is every other mention in user text; a reply
	// that contains mentions never pings (checkNoPings looks at every request).
	h.fake.Post(t, h.fake.Message(h.user, h.guild, "<@!"+me.ID+"> ping @everyone please <@555> and <@&666>", me))
	msg = h.waitMessage(t, h.guild.ChannelID, 2)[1]
	if msg.Content != "You said: @everyone <@555> <@&666>" {
		t.Errorf("echo = %q", msg.Content)
	}
	if q := b.lastQuery(t); q.Text != "ping please and" {
		t.Errorf("query = %q, want every mention gone", q.Text)
	}

	dm := discordtest.DM("600000000000000009")
	h.fake.Post(t, h.fake.Message(h.user, dm, "how do I apply?"))
	msg = h.waitMessage(t, dm.ChannelID, 1)[0]
	if len(msg.Embeds) != 1 {
		t.Errorf("DM reply = %+v", msg)
	}
}

func TestMessagesIgnored(t *testing.T) {
	t.Parallel()
	b := newScripted()
	h := start(t, discord.Config{Mentions: true}, b) // DMs off
	h.started(t)
	me := h.fake.BotUser()
	other := discordtest.User{ID: "300000000000000099", Name: "otherbot", Bot: true}
	h.fake.Post(t, h.fake.Message(h.user, h.guild, "how do I apply? (no mention)"))
	h.fake.Post(t, h.fake.Message(other, h.guild, "<@"+me.ID+"> how do I apply?", me))
	h.fake.Post(t, h.fake.Message(me, h.guild, "<@"+me.ID+"> how do I apply?", me))
	h.fake.Post(t, h.fake.Message(h.user, discordtest.DM("600000000000000010"), "how do I apply?"))
	// Then one that is answered; everything before it must have been ignored.
	h.fake.Post(t, h.fake.Message(h.user, h.guild, "<@"+me.ID+"> zzz", me))
	h.waitMessage(t, h.guild.ChannelID, 1)
	time.Sleep(100 * time.Millisecond) // handlers run concurrently; give the ignored ones time to misbehave
	if n := b.numQueries(); n != 1 {
		t.Errorf("the bot was asked %d times, want 1", n)
	}
	for _, r := range h.fake.Requests() {
		if r.Method == http.MethodPost && strings.Contains(r.Path, "/channels/") && !strings.Contains(r.Path, h.guild.ChannelID) {
			t.Errorf("unexpected message %s", r)
		}
	}
}

func TestMentionsOff(t *testing.T) {
	t.Parallel()
	b := newScripted()
	h := start(t, discord.Config{DMs: true}, b)
	h.started(t)
	me := h.fake.BotUser()
	h.fake.Post(t, h.fake.Message(h.user, h.guild, "<@"+me.ID+"> how do I apply?", me))
	dm := discordtest.DM("600000000000000011")
	h.fake.Post(t, h.fake.Message(h.user, dm, "zzz"))
	h.waitMessage(t, dm.ChannelID, 1)
	time.Sleep(100 * time.Millisecond)
	if n := b.numQueries(); n != 1 {
		t.Errorf("the bot was asked %d times, want 1 (the DM only)", n)
	}
}

func TestRefusalByMentionGoesToDM(t *testing.T) {
	t.Parallel()
	h := shared(t, newScripted())
	me := h.fake.BotUser()
	m := h.fake.Message(h.user, h.guild, "<@"+me.ID+"> my scan result", me)
	h.fake.Post(t, m)

	h.fake.WaitRequest(t, "DM channel", func(r discordtest.Request) bool {
		return r.Method == http.MethodPost && r.Path == "/api/v9/users/@me/channels" && r.JSON()["recipient_id"] == h.user.ID
	})
	private := h.waitMessage(t, discordtest.DMChannelID(h.user.ID), 1)[0]
	if !strings.Contains(private.Content, "NHS 111") {
		t.Errorf("DM = %q", private.Content)
	}
	public := h.waitMessage(t, h.guild.ChannelID, 1)[0]
	if public.Content != "I've sent you a private message." || public.MessageReference == nil || public.MessageReference.MessageID != m.ID {
		t.Errorf("public pointer = %+v", public)
	}
	if strings.Contains(public.Content, "111") {
		t.Errorf("the refusal leaked into the channel: %q", public.Content)
	}
}

func TestRefusalByMentionWhenDMsAreClosed(t *testing.T) {
	t.Parallel()
	h := shared(t, newScripted())
	h.fake.SetResponse(http.MethodPost, "/api/v9/channels/"+discordtest.DMChannelID(h.user.ID)+"/messages",
		http.StatusForbidden, map[string]any{"code": 50007, "message": "Cannot send messages to this user"})
	me := h.fake.BotUser()
	h.fake.Post(t, h.fake.Message(h.user, h.guild, "<@"+me.ID+"> my scan result", me))
	public := h.waitMessage(t, h.guild.ChannelID, 1)[0]
	if !strings.Contains(public.Content, "NHS 111") {
		t.Errorf("with DMs closed the user must still be told where to get help; got %q", public.Content)
	}
}

func TestLimitedMentionsNotRepeated(t *testing.T) {
	t.Parallel()
	b := newScripted()
	h := shared(t, b)
	me := h.fake.BotUser()
	for range 3 {
		h.fake.Post(t, h.fake.Message(h.user, h.guild, "<@"+me.ID+"> limited", me))
	}
	h.fake.Post(t, h.fake.Message(h.user, h.guild, "<@"+me.ID+"> zzz", me))
	msgs := h.waitMessage(t, h.guild.ChannelID, 2)
	time.Sleep(100 * time.Millisecond)
	n := 0
	for _, r := range h.fake.Requests() {
		// Only this test's channel: the shared fake server also holds other tests' requests (and, with
		// -count, this test's earlier runs').
		if r.Method == http.MethodPost && strings.Contains(r.Path, "/channels/"+h.guild.ChannelID+"/") && strings.Contains(string(r.Body), "Slow down") {
			n++
		}
	}
	if n != 1 || b.numQueries() != 4 {
		t.Errorf("%d slow-down replies for 3 limited mentions (want 1); %d queries; messages %+v", n, b.numQueries(), msgs)
	}
}

func TestReconnectAfterDroppedGateway(t *testing.T) {
	t.Parallel()
	h := start(t, defaultConfig(), newScripted())
	h.started(t)
	h.fake.Drop(t)
	h.fake.WaitSessions(t, 2)
	// discordgo keeps the session id and sequence, so it resumes rather than identifying again.
	if r, ids := h.fake.Resumes(), len(h.fake.Identifies()); r != 1 || ids != 1 {
		t.Errorf("after the drop: %d identifies, %d resumes; want 1 and 1", ids, r)
	}
	if cb := h.ask(t, "how do I apply?"); cb.Type != 4 || len(cb.Data.Embeds) != 1 {
		t.Errorf("after reconnect: %+v", cb)
	}
	// Commands are registered once, not on every reconnect.
	puts := 0
	for _, r := range h.fake.Requests() {
		if r.Method == http.MethodPut {
			puts++
		}
	}
	if puts != 1 {
		t.Errorf("%d command registrations, want 1", puts)
	}
}

func TestShutdownWaitsForHandlers(t *testing.T) {
	t.Parallel()
	b := newScripted()
	b.replies["in flight at shutdown"] = bot.Reply{Status: bot.StatusSmalltalk, Text: "finished"}
	h := start(t, defaultConfig(), b)
	h.started(t)
	me := h.fake.BotUser()
	h.fake.Post(t, h.fake.Message(h.user, h.guild, "<@"+me.ID+"> in flight at shutdown", me))
	deadline := time.Now().Add(5 * time.Second)
	for b.numQueries() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// Issue 14, point 4: an interaction that arrives while the handlers drain got no callback at all
	// ("This interaction failed"); now it is told to ask again.
	h.cancel()
	time.Sleep(100 * time.Millisecond) // Run has begun its drain; the answer in flight takes 700 ms
	late := h.fake.SlashCommand(h.user, h.guild, "ask", map[string]string{"question": "how do I apply?"})
	if cb := h.respond(t, late); cb.Type != 4 || !cb.Data.ephemeral() || !strings.Contains(cb.Data.Content, "restarting") {
		t.Errorf("interaction during the drain: %+v, want the ephemeral restarting notice", cb)
	}
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	var got bool
	for _, r := range h.fake.Requests() {
		if strings.Contains(string(r.Body), "finished") {
			got = true
		}
	}
	if !got {
		t.Error("Run returned before the in-flight reply was sent")
	}
	// After shutdown nothing new is handled (the session is closed); a second Run is refused.
	if err := h.a.Run(context.Background()); err == nil {
		t.Error("second Run succeeded")
	}
}

func TestRunFailsWithBadToken(t *testing.T) {
	t.Parallel()
	fake := discordtest.New(t)
	a, err := discord.New(discord.Config{Token: "wrong", APIURL: fake.URL, Logger: testLogger(t)}, newScripted())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Run(ctx); err == nil {
		t.Fatal("Run with a rejected token returned nil")
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]discord.Config{
		"no token":       {},
		"bad command":    {Token: "t", Command: "Ask Me"},
		"topics command": {Token: "t", Command: "topics"},
		"bad api url":    {Token: "t", APIURL: "ftp://x"},
	} {
		if _, err := discord.New(cfg, newScripted()); err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
	if _, err := discord.New(discord.Config{Token: "t"}, nil); err == nil {
		t.Error("New accepted a nil bot")
	}
}

func TestInviteURL(t *testing.T) {
	want := "https://discord.com/oauth2/authorize?client_id=123&scope=bot+applications.commands&permissions=2147567616"
	if got := discord.InviteURL("123"); got != want {
		t.Errorf("InviteURL = %s, want %s", got, want)
	}
}
