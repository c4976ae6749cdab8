package slack_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/adapters/slack/slackfake"
	"github.com/radbot/radbot/adapters/sqlite"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// realBot is the real *bot.Bot over the embedded knowledge, storing into a SQLite file in a
// temporary folder. It returns the file's path.
func realBot(t *testing.T, opts bot.Options) (*bot.Bot, *knowledge.Base, string) {
	t.Helper()
	kb, err := knowledge.Default()
	if err != nil {
		t.Fatalf("loading the embedded knowledge: %v", err)
	}
	path := filepath.Join(t.TempDir(), "radbot.db")
	st, err := sqlite.Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("closing the store: %v", err)
		}
	})
	opts.Store = st
	opts.HashKey = []byte("test-hash-key")
	opts.Logger = testLogger(t)
	return bot.New(kb, opts), kb, path
}

// votesOnDisk reads the votes on an interaction through a separate connection to the file.
func votesOnDisk(t *testing.T, path string, id int64) []bot.Vote {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	votes, err := st.Votes(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return votes
}

func TestRealBotClicksAndVotesLandInSQLite(t *testing.T) {
	b, kb, path := realBot(t, bot.Options{})
	var entry *knowledge.Entry
	for _, e := range kb.Entries {
		if len(e.Related) > 0 && len(e.Sources) > 0 {
			entry = e
			break
		}
	}
	if entry == nil {
		t.Fatal("the embedded knowledge has no entry with related entries and sources")
	}
	fake := startSocket(t, b)

	// A related-question click answers that entry, in the thread the button was in.
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "rel_0", value: entry.ID, channel: "C5",
		threadTS: "1700000000.000100", responseURL: fake.ResponseURL("rel")}))
	answer := fake.WaitCall(t, "chat.postMessage", nil)
	if got := headerText(t, answer); got != entry.Title {
		t.Fatalf("header = %q, want the entry's title %q", got, entry.Title)
	}
	if hasThread(answer) != "1700000000.000100" || answer.Get("channel") != "C5" {
		t.Errorf("posted to %q thread %q", answer.Get("channel"), hasThread(answer))
	}
	text := strings.Join(postedStrings(answer), "\n")
	if !strings.Contains(text, slack.Link(entry.Sources[0].URL, entry.Sources[0].Title)) {
		t.Errorf("the answer lacks its first source link")
	}
	id, err := strconv.ParseInt(buttonValue(t, answer, "fb_up"), 10, 64)
	if err != nil || id <= 0 {
		t.Fatalf("fb_up value: %v", err)
	}
	related := buttonValue(t, answer, "rel_0")
	if kb.Entry(related) == nil {
		t.Errorf("rel_0 value %q is not an entry id", related)
	}

	// Helpful: the vote is on disk and the user is thanked privately.
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "fb_up", value: strconv.FormatInt(id, 10), channel: "C5", threadTS: "1700000000.000100"}))
	thanks := fake.WaitCall(t, "chat.postEphemeral", nil)
	if want := slack.Mrkdwn(strings.TrimSpace(kb.Texts.FeedbackThanks)); thanks.Get("text") != want {
		t.Errorf("thanks = %q, want %q", thanks.Get("text"), want)
	}
	if v := votesOnDisk(t, path, id); len(v) != 1 || !v[0].Helpful || v[0].Platform != "slack" {
		t.Fatalf("votes after Helpful = %+v", v)
	}

	// Not helpful changes the vote at the click, before any comment; the modal opens.
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "fb_down", value: strconv.FormatInt(id, 10), channel: "C5", threadTS: "1700000000.000100", triggerID: "trig-9"}))
	view := fake.WaitCall(t, "views.open", nil)
	waitFor(t, "the changed vote on disk", func() bool {
		v := votesOnDisk(t, path, id)
		return len(v) == 1 && !v[0].Helpful
	})
	if v := votesOnDisk(t, path, id); v[0].UserHash == "U1" || v[0].UserHash != bot.HashID([]byte("test-hash-key"), "slack", "U1") {
		t.Errorf("stored user = %q, want the keyed hash of U1", v[0].UserHash)
	}

	// The modal's comment lands too.
	meta := view.JSON["view"].(map[string]any)["private_metadata"].(string)
	send(t, fake, slackfake.Interactive, viewSubmission(meta, "I wanted to know about ST1 dates"))
	waitFor(t, "the comment on disk", func() bool {
		v := votesOnDisk(t, path, id)
		return len(v) == 1 && v[0].Comment == "I wanted to know about ST1 dates" && !v[0].Helpful
	})
	fake.WaitCalls(t, "chat.postEphemeral", 2)

	// The related question offered under the answer can be clicked in turn.
	send(t, fake, slackfake.Interactive, blockAction(click{actionID: "rel_0", value: related, channel: "C5", threadTS: "1700000000.000100"}))
	next := fake.WaitCalls(t, "chat.postMessage", 2)[1]
	if got := headerText(t, next); got != kb.Entry(related).Title {
		t.Errorf("related click header = %q, want %q", got, kb.Entry(related).Title)
	}
}

func TestRealBotRateLimitIsEphemeral(t *testing.T) {
	b, kb, _ := realBot(t, bot.Options{RatePerMinute: 1, RateBurst: 1})
	fake := startSocket(t, b)

	send(t, fake, slackfake.EventsAPI, dmEvent("Ev1", "1700000000.000100", "how long is radiology training?", nil))
	fake.WaitCall(t, "chat.postMessage", nil)
	send(t, fake, slackfake.EventsAPI, dmEvent("Ev2", "1700000000.000200", "and what about the FRCR exams?", nil))
	c := fake.WaitCall(t, "chat.postEphemeral", nil)
	if c.Get("channel") != "D1" || c.Get("user") != "U1" {
		t.Errorf("limited reply to %q/%q", c.Get("channel"), c.Get("user"))
	}
	if want := slack.Mrkdwn(strings.TrimSpace(kb.Texts.RateLimited)); want == "" || c.Get("text") != want {
		t.Errorf("limited text = %q, want %q", c.Get("text"), want)
	}
	if n := len(fake.CallsTo("chat.postMessage")); n != 1 {
		t.Errorf("%d public replies, want 1", n)
	}
}

func TestRealBotOverHTTP(t *testing.T) {
	b, kb, path := realBot(t, bot.Options{})
	h := startHTTP(t, b)
	entry := kb.Entries[0]

	// A clarify pick over HTTP: the click is verified, answered, and its vote lands on disk.
	res, _ := h.post(t, "/slack/interactions", form, interactionForm(t, blockAction(click{actionID: "pick_0", value: entry.ID})), secret, time.Now(), nil)
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	c := h.fake.WaitCall(t, "chat.postMessage", nil)
	if headerText(t, c) != entry.Title {
		t.Fatalf("header = %q, want %q", headerText(t, c), entry.Title)
	}
	id := buttonValue(t, c, "fb_up")
	h.post(t, "/slack/interactions", form, interactionForm(t, blockAction(click{actionID: "fb_up", value: id})), secret, time.Now(), nil)
	n, _ := strconv.ParseInt(id, 10, 64)
	waitFor(t, "the vote on disk", func() bool { v := votesOnDisk(t, path, n); return len(v) == 1 && v[0].Helpful })
}
