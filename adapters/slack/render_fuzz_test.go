package slack_test

import (
	"encoding/json"
	"testing"

	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// FuzzRender renders replies with arbitrary text: it must not panic, must marshal, and must stay
// within Slack's limit of 50 blocks.
func FuzzRender(f *testing.F) {
	f.Add("Training takes **5 years**. See [RCR](https://www.rcr.ac.uk/).", "Title", "id", 0)
	f.Add("<!channel> & <@U1> ```\n*_~", "", "", 2)
	f.Add("", "🩻", "x y", 5)
	statuses := []bot.Status{bot.StatusAnswered, bot.StatusClarify, bot.StatusFallback, bot.StatusRefused,
		bot.StatusSmalltalk, bot.StatusLimited}
	f.Fuzz(func(t *testing.T, text, title, id string, status int) {
		st := statuses[uint(status)%uint(len(statuses))]
		r := bot.Reply{Status: st, Text: text, InteractionID: 7,
			Related:    []bot.EntryRef{{ID: id, Title: title}},
			Candidates: []bot.EntryRef{{ID: id, Title: title}},
			Links:      []knowledge.Source{{Title: title, URL: "https://example.com/" + id}}}
		if st == bot.StatusAnswered {
			r.Entry = &knowledge.Entry{ID: id, Title: title, Answer: text}
		}
		m := slack.Render(r)
		if len(m.Blocks) > 50 {
			t.Errorf("%d blocks", len(m.Blocks))
		}
		if _, err := json.Marshal(m.Blocks); err != nil {
			t.Errorf("blocks do not marshal: %v", err)
		}
	})
}
