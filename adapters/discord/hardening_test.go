package discord_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/discord"
	"github.com/radbot/radbot/adapters/discord/discordtest"
	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// TestRealBot runs the real bot over the embedded knowledge with the real SQLite store, on one adapter
// of its own: votes land on disk, the rate limit shows, logs name users by the keyed hash only, no raw
// mention reaches the store, and a stalled store neither delays answers nor leaves a vote unanswered.
func TestRealBot(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "radbot.db")
	st, err := sqlite.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("real-bot-test-key")
	b := bot.New(kb, bot.Options{Store: st, HashKey: key})
	limited := bot.New(kb, bot.Options{RatePerMinute: 1, RateBurst: 1, HashKey: key})
	t.Cleanup(func() { // registered before start, so it runs after the adapter has stopped
		if err := b.Close(ctx); err != nil {
			t.Error(err)
		}
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	r := &router{byUser: map[string]discord.Answerer{}, kb: kb}
	h := start(t, defaultConfig(), r)
	h.started(t)
	other := discordtest.User{ID: "300000000000000002", Name: "fast"}
	r.byUser[h.user.ID] = b
	r.byUser[other.ID] = limited

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var iid int64
	t.Run("feedback lands in SQLite", func(t *testing.T) {
		e := kb.Entries[0]
		cb := h.respond(t, h.fake.ButtonClick(h.user, h.guild, "rel:"+e.ID))
		if cb.Type != 4 || len(cb.Data.Embeds) != 1 || cb.Data.Embeds[0].Title != e.Title {
			t.Fatalf("entry %s: %+v", e.ID, cb)
		}
		ids := cb.Data.customIDs()
		if len(ids) < 2 || !strings.HasPrefix(ids[0], "fb:up:") {
			t.Fatalf("buttons = %v", ids)
		}
		iid, err = strconv.ParseInt(strings.TrimPrefix(ids[0], "fb:up:"), 10, 64)
		if err != nil || iid <= 0 {
			t.Fatalf("interaction id in %q: %v", ids[0], err)
		}
		vote := func() (n int, helpful bool, comment string) {
			t.Helper()
			rows, err := db.Query(`SELECT helpful, comment FROM votes WHERE interaction_id = ?`, iid)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				n++
				if err := rows.Scan(&helpful, &comment); err != nil {
					t.Fatal(err)
				}
			}
			return n, helpful, comment
		}
		// The vote may come before the interaction's row is written: it waits for it.
		cb = h.respond(t, h.fake.ButtonClick(h.user, h.guild, fmt.Sprintf("fb:up:%d", iid)))
		if !cb.Data.ephemeral() || cb.Data.Content != kb.Texts.FeedbackThanks {
			t.Errorf("helpful: %+v", cb)
		}
		if n, helpful, _ := vote(); n != 1 || !helpful {
			t.Errorf("after Helpful: %d votes, helpful %v", n, helpful)
		}
		// Changing the vote: recorded before the modal opens, so it counts even if the modal is dismissed.
		cb = h.respond(t, h.fake.ButtonClick(h.user, h.guild, fmt.Sprintf("fb:down:%d", iid)))
		if cb.Type != 9 || cb.Data.CustomID != fmt.Sprintf("fbm:%d", iid) {
			t.Fatalf("not helpful: %+v", cb)
		}
		if n, helpful, _ := vote(); n != 1 || helpful {
			t.Errorf("after Not helpful: %d votes, helpful %v; want one not-helpful vote", n, helpful)
		}
		cb = h.respond(t, h.fake.ModalSubmit(h.user, h.guild, fmt.Sprintf("fbm:%d", iid), map[string]string{"comment": "I wanted pay in Scotland"}))
		if !cb.Data.ephemeral() || cb.Data.Content != kb.Texts.FeedbackThanks {
			t.Errorf("modal: %+v", cb)
		}
		if n, helpful, comment := vote(); n != 1 || helpful || comment != "I wanted pay in Scotland" {
			t.Errorf("after the comment: %d votes, helpful %v, comment %q", n, helpful, comment)
		}
		var user string
		if err := db.QueryRow(`SELECT user_hash FROM votes WHERE interaction_id = ?`, iid).Scan(&user); err != nil || strings.Contains(user, h.user.ID) {
			t.Errorf("stored user %q (err %v): must be a hash, not the raw id", user, err)
		}
	})

	t.Run("rate limit", func(t *testing.T) {
		if cb := h.respond(t, h.fake.SlashCommand(other, h.guild, "ask", map[string]string{"question": "how long is radiology training?"})); cb.Type != 4 {
			t.Fatalf("first question: %+v", cb)
		}
		cb := h.respond(t, h.fake.SlashCommand(other, h.guild, "ask", map[string]string{"question": "what about pay?"}))
		if cb.Type != 4 || !cb.Data.ephemeral() || cb.Data.Content != kb.Texts.RateLimited {
			t.Errorf("second question: %+v, want the ephemeral rate-limit text %q", cb, kb.Texts.RateLimited)
		}
	})

	// Issue 14, defect 1: log lines named users by an HMAC with an empty key.
	t.Run("logs name users by the keyed hash", func(t *testing.T) {
		logs := h.logs.String()
		keyed := b.UserRef(bot.PlatformDiscord, h.user.ID)
		unkeyed := bot.HashID(nil, bot.PlatformDiscord, h.user.ID)[:12]
		if !strings.Contains(logs, "user="+keyed) {
			t.Errorf("no log line names the user by the keyed hash %s", keyed)
		}
		if strings.Contains(logs, unkeyed) || strings.Contains(logs, h.user.ID) {
			t.Errorf("the log names the user by an unkeyed hash (%s) or the raw id", unkeyed)
		}
	})

	// Issue 14, defect 2: another member's raw id stayed in the stored question.
	t.Run("no raw ids stored", func(t *testing.T) {
		q := "how long is radiology training <@300000000000000999> <@!300000000000000998> <@&300000000000000997> <#300000000000000996> @everyone"
		cb := h.respond(t, h.fake.SlashCommand(h.user, h.guild, "ask", map[string]string{"question": q}))
		if cb.Type != 4 || len(cb.Data.Embeds) != 1 {
			t.Fatalf("a question with mentions was not answered: %+v", cb)
		}
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		var stored string
		if err := db.QueryRow(`SELECT question FROM interactions ORDER BY id DESC LIMIT 1`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.ContainsAny(stored, "<>@#") || strings.Contains(stored, "30000000000000099") {
			t.Errorf("stored question %q keeps a mention", stored)
		}
	})

	// Issue 14, defect 6 and the answer-first rule: another process holds SQLite's write lock.
	t.Run("stalled store", func(t *testing.T) {
		lock, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer lock.Close()
		if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			t.Fatal(err)
		}
		released := false
		release := func() {
			if !released {
				released = true
				if _, err := lock.ExecContext(ctx, "ROLLBACK"); err != nil {
					t.Error(err)
				}
			}
		}
		defer release()

		start := time.Now()
		in := h.fake.SlashCommand(h.user, h.guild, "ask", map[string]string{"question": "how long is radiology training?"})
		cb := h.respond(t, in)
		if took := time.Since(start); cb.Type != 4 || took > time.Second {
			t.Errorf("answer with the store stalled: type %d after %v; want the answer at once", cb.Type, took)
		}
		ids := cb.Data.customIDs()
		if len(ids) == 0 || !strings.HasPrefix(ids[0], "fb:up:") {
			t.Fatalf("buttons = %v: the interaction id must be known before the row is written", ids)
		}
		// A vote waits for its row, which cannot be written: the user is told in time, not left hanging.
		start = time.Now()
		cb = h.respond(t, h.fake.ButtonClick(h.user, h.guild, ids[0]))
		if took := time.Since(start); took > 3*time.Second || !cb.Data.ephemeral() || cb.Data.Content != kb.Texts.Error {
			t.Errorf("vote with the store stalled: %+v after %v; want the error text within 3 s", cb, took)
		}
		release()
		// Once the lock is gone the row lands, and the same vote works.
		cb = h.respond(t, h.fake.ButtonClick(h.user, h.guild, ids[0]))
		if cb.Data.Content != kb.Texts.FeedbackThanks {
			t.Errorf("vote after the stall: %+v", cb)
		}
	})
}

// Issue 14, defect 6: when the handler's time ran out, the error reply was sent with the same expired
// context, failed, and the public "thinking…" stayed. Now the user always hears something.
func TestReplyAfterHandlerTimeout(t *testing.T) {
	t.Parallel()
	b := newScripted()
	b.replies["stuck"] = bot.Reply{Status: bot.StatusSmalltalk, Text: "too late"}
	b.delays["stuck"] = time.Hour
	h := start(t, discord.Config{HandlerTimeout: 300 * time.Millisecond, DeferAfter: 50 * time.Millisecond}, b)
	h.started(t)
	in := h.fake.SlashCommand(h.user, h.guild, "ask", map[string]string{"question": "stuck"})
	if cb := h.respond(t, in); cb.Type != 5 {
		t.Fatalf("first response type %d, want a defer (5)", cb.Type)
	}
	// The error is private: "thinking…" goes, and the error comes as an ephemeral followup.
	h.fake.WaitRequest(t, "thinking… removed", discordtest.Is(http.MethodDelete, h.fake.OriginalPath(in)))
	fu := decode[sent](t, h.fake.WaitRequest(t, "the error", discordtest.Is(http.MethodPost, h.fake.FollowupPath(in))))
	if fu.Content != "Sorry, something broke." || !fu.ephemeral() {
		t.Errorf("followup = %+v, want the error text, ephemeral", fu)
	}
}

// Issue 14, defect 2: mentions of other members stayed in the question text.
func TestMentionsStripped(t *testing.T) {
	t.Parallel()
	b := newScripted()
	h := shared(t, b)
	h.ask(t, "what about <@300000000000000999> and <#777> pay?")
	if q := b.lastQuery(t); q.Text != "what about and pay?" {
		t.Errorf("slash question = %q, want the mentions gone", q.Text)
	}
	me := h.fake.BotUser()
	h.fake.Post(t, h.fake.Message(h.user, h.guild, "<@"+me.ID+"> is <@!300000000000000999> right about <@&6> @here pay?", me))
	h.waitMessage(t, h.guild.ChannelID, 1)
	if q := b.lastQuery(t); q.Text != "is right about pay?" {
		t.Errorf("mention question = %q, want the mentions gone", q.Text)
	}
}

// Issue 14, defect 3: a REST call that failed below HTTP was logged with net/http's `Post "<url>"`,
// and the URL holds the interaction token.
func TestNoTokensInLogs(t *testing.T) {
	t.Parallel()
	h := shared(t, newScripted())
	in := h.fake.SlashCommand(h.user, h.guild, "ask", map[string]string{"question": "how do I apply?"})
	h.fake.Fail(http.MethodPost, in.CallbackPath(), -1, 0) // every attempt: connection dropped
	h.fake.Interact(t, in)
	h.fake.WaitRequests(t, "retried callbacks", 2, discordtest.Is(http.MethodPost, in.CallbackPath()))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(h.logs.String(), "replying to interaction") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	logs := h.logs.String()
	if !strings.Contains(logs, "replying to interaction") {
		t.Fatal("the failed reply was not logged")
	}
	if strings.Contains(logs, in.Token) {
		t.Errorf("the interaction token is in the log")
	}
}

// Issue 14, point 4: a failed callback or message is sent again instead of leaving "The application
// did not respond".
func TestDeliveryRetried(t *testing.T) {
	t.Parallel()
	h := shared(t, newScripted())
	in := h.fake.SlashCommand(h.user, h.guild, "ask", map[string]string{"question": "how do I apply?"})
	h.fake.Fail(http.MethodPost, in.CallbackPath(), 1, 0) // the first attempt is cut off
	h.fake.Interact(t, in)
	reqs := h.fake.WaitRequests(t, "the callback, retried", 2, discordtest.Is(http.MethodPost, in.CallbackPath()))
	if cb := decode[callback](t, reqs[1]); cb.Type != 4 || len(cb.Data.Embeds) != 1 {
		t.Errorf("retried callback = %+v", cb)
	}

	me := h.fake.BotUser()
	h.fake.Fail(http.MethodPost, "/api/v9/channels/"+h.guild.ChannelID+"/messages", 1, http.StatusServiceUnavailable)
	h.fake.Post(t, h.fake.Message(h.user, h.guild, "<@"+me.ID+"> how do I apply?", me))
	if msgs := h.waitMessage(t, h.guild.ChannelID, 2); len(msgs[1].Embeds) != 1 {
		t.Errorf("retried reply = %+v", msgs[1])
	}
}

// Issue 14, defect 4: Discord rejecting the token while running left discordgo reconnecting forever
// with /readyz at 200. Now Run stops with ErrTokenRejected (serve then exits with status 1).
func TestTokenRejectedWhileRunning(t *testing.T) {
	t.Parallel()
	h := start(t, discord.Config{AuthCheckAfter: 100 * time.Millisecond, Mentions: true}, newScripted())
	h.started(t)
	if up, _ := h.a.Health(); !up {
		t.Error("Health: not connected after start")
	}
	h.fake.RevokeToken()
	select {
	case err := <-h.done:
		h.done <- nil // seen: the harness's own check expects nil
		if !errors.Is(err, discord.ErrTokenRejected) {
			t.Errorf("Run = %v, want ErrTokenRejected", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run kept going with a rejected token")
	}
	if up, _ := h.a.Health(); up {
		t.Error("Health: connected after the token was rejected")
	}
	if !strings.Contains(h.logs.String(), "rejected the bot token") {
		t.Error("the rejection was not logged")
	}
}

// TestAckUnderLoad sends 500 /ask at once through the real discordgo client to the real bot with the
// real SQLite store, and reports how long acknowledgements took from each event's dispatch. Issue 14
// asks for p99 <= 300 ms on a 2-core machine; the test fails only past Discord's 3 s limit, since the
// machine may be shared, and BenchmarkAckUnderLoad measures the figures. Under the race detector every
// /ask must still be acknowledged, but the time is not judged (CI runs this test without it too).
func TestAckUnderLoad(t *testing.T) {
	t.Parallel()
	p50, p99, deferred := ackLoad(t, 500)
	t.Logf("500 concurrent /ask: ack p50 %v, p99 %v, deferred %d", p50, p99, deferred)
	if !raceEnabled && p99 > 2500*time.Millisecond {
		t.Errorf("ack p99 %v: past Discord's window", p99)
	}
}

func BenchmarkAckUnderLoad(b *testing.B) {
	var p50s, p99s []time.Duration
	for b.Loop() {
		p50, p99, _ := ackLoad(b, 500)
		p50s, p99s = append(p50s, p50), append(p99s, p99)
	}
	b.ReportMetric(float64(slicesMedian(p50s).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(slicesMedian(p99s).Microseconds())/1000, "p99-ms")
}

func slicesMedian(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

// ackLoad runs n concurrent /ask against an adapter of its own and returns the p50 and p99 of the
// time from dispatching each interaction to its first response reaching the fake.
func ackLoad(tb testing.TB, n int) (p50, p99 time.Duration, deferred int) {
	ctx := context.Background()
	kb, err := knowledge.Default()
	if err != nil {
		tb.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "radbot.db"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	b := bot.New(kb, bot.Options{Store: st, HashKey: []byte("load-test-key")})
	defer st.Close()
	defer b.Close(ctx)
	fake := discordtest.New(tb)
	a, err := discord.New(discord.Config{Token: fake.Token, APIURL: fake.URL}, b)
	if err != nil {
		tb.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(runCtx) }()
	defer func() { cancel(); <-done }()
	fake.WaitSessions(tb, 1)

	questions := []string{"how long is radiology training?", "what do radiologists earn?", "how do I apply for ST1?",
		"what are the FRCR exams?", "can I train part time?"}
	ins := make([]discordtest.Interaction, n)
	for i := range ins {
		u := discordtest.User{ID: fmt.Sprint(320000000000000000 + i), Name: "load"}
		ins[i] = fake.SlashCommand(u, discordtest.Guild("400000000000000001", "500000000000000001"), "ask",
			map[string]string{"question": questions[i%len(questions)]})
	}
	sentAt := make(map[string]time.Time, n)
	for _, in := range ins {
		sentAt[in.CallbackPath()] = time.Now()
		fake.Interact(tb, in)
	}
	reqs := fake.WaitRequests(tb, "every first response", n, func(r discordtest.Request) bool {
		return r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/callback")
	})
	lat := make([]time.Duration, 0, n)
	seen := map[string]bool{}
	for _, r := range reqs {
		if seen[r.Path] {
			continue
		}
		seen[r.Path] = true
		lat = append(lat, r.Time.Sub(sentAt[r.Path]))
		if typ, _ := r.JSON()["type"].(float64); typ == 5 {
			deferred++
		}
	}
	for i := range lat {
		for j := i + 1; j < len(lat); j++ {
			if lat[j] < lat[i] {
				lat[i], lat[j] = lat[j], lat[i]
			}
		}
	}
	return lat[len(lat)/2], lat[len(lat)*99/100], deferred
}
