package discord

import (
	"testing"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// FuzzRenderReply renders replies with arbitrary text, titles and ids: it must not panic and must
// stay within Discord's limits.
func FuzzRenderReply(f *testing.F) {
	f.Add("Apply through **national recruitment**.", "How do I apply?", "st1-apply", int64(42), 0)
	f.Add("```go\nunclosed", "🩻 title", "x", int64(0), 2)
	f.Add("", "", "", int64(-1), 3)
	statuses := []bot.Status{bot.StatusAnswered, bot.StatusClarify, bot.StatusFallback, bot.StatusRefused,
		bot.StatusSmalltalk, bot.StatusLimited}
	f.Fuzz(func(t *testing.T, text, title, id string, iid int64, status int) {
		st := statuses[uint(status)%uint(len(statuses))]
		r := bot.Reply{Status: st, Text: text, InteractionID: iid,
			Related:    []bot.EntryRef{{ID: id, Title: title}},
			Candidates: []bot.EntryRef{{ID: id, Title: title}, {ID: id + "2", Title: text}},
			Links:      []knowledge.Source{{Title: title, URL: "https://example.com/" + id}}}
		if st == bot.StatusAnswered {
			r.Entry = &knowledge.Entry{ID: id, Title: title, Answer: text,
				Sources: []knowledge.Source{{Title: title, URL: "https://example.com/"}}}
		}
		m := renderReply(r, knowledge.Texts{})
		if size(m.Content) > maxContent {
			t.Errorf("content is %d units", size(m.Content))
		}
		for _, e := range m.Embeds {
			if embedSize(e) > maxEmbedTotal || size(e.Description) > maxEmbedDesc || size(e.Title) > maxEmbedTitle {
				t.Errorf("embed over the limits: %d total", embedSize(e))
			}
		}
		if len(m.Components) > maxRows {
			t.Errorf("%d rows", len(m.Components))
		}
	})
}
