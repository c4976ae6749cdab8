package slack_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/radbot/radbot/adapters/slack"
	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// longAnswer is Markdown over 3000 characters, so that it must be split over several sections.
func longAnswer() string {
	var b strings.Builder
	b.WriteString("Radiology training takes **about 5 years** & is run by the *RCR*. See [the curriculum](https://www.rcr.ac.uk/curriculum?a=1&b=2).\n\n")
	b.WriteString("## What you do\n\n")
	for i := range 30 {
		b.WriteString("- Year plan item with a fairly long description of what happens during training, number ")
		b.WriteString(strings.Repeat("x", i%5))
		b.WriteString(".\n")
	}
	b.WriteString("\nAfter that, you sit the `FRCR` exams; scores < 50% or > 90% are rare.\n\n")
	for range 8 {
		b.WriteString("Another paragraph that keeps going to make the answer long enough to need a split across sections. ")
	}
	return b.String()
}

func renderCases() map[string]bot.Reply {
	entry := &knowledge.Entry{
		ID:       "training-length",
		Title:    "How long is clinical radiology training?",
		Answer:   "unused: Reply.Text wins",
		Sources:  []knowledge.Source{{Title: "RCR curriculum", URL: "https://www.rcr.ac.uk/curriculum"}, {Title: "NHS Health Careers", URL: "https://www.healthcareers.nhs.uk/radiology"}, {Title: "Not a link", URL: "javascript:alert(1)"}},
		Reviewed: "2026-03-12",
	}
	return map[string]bot.Reply{
		"answered_long": {
			Status: bot.StatusAnswered, Entry: entry, Text: longAnswer(), InteractionID: 42,
			Related: []bot.EntryRef{
				{ID: "frcr-exams", Title: "What are the FRCR exams?"},
				{ID: "st1-application", Title: "How do I apply for ST1 clinical radiology? A very long related question title that will not fit on a button"},
				{ID: "ir-training", Title: "How do I train in interventional radiology?"},
				{ID: "fourth", Title: "A fourth related question is not shown"},
			},
		},
		"answered_short": {
			Status: bot.StatusAnswered, Text: "Short answer with a [link](https://example.org/a_b_c) and __bold__.",
			Entry: &knowledge.Entry{ID: "pay", Title: "Pay", Reviewed: "last spring"},
		},
		"clarify": {
			Status: bot.StatusClarify, Text: "I'm not sure which of these you mean. Pick one:",
			Candidates: []bot.EntryRef{
				{ID: "frcr-exams", Title: "What are the FRCR exams?"},
				{ID: "frcr-fees", Title: "How much do the FRCR exams cost, including every part, resit and the fees for the final oral?"},
			},
		},
		"fallback": {
			Status: bot.StatusFallback, Text: "Sorry, I don't have a good answer to that yet. Meanwhile:",
			Links:         []knowledge.Source{{Title: "NHS Health Careers: clinical radiology", URL: "https://www.healthcareers.nhs.uk/x"}, {Title: "The Royal College of Radiologists", URL: "https://www.rcr.ac.uk/"}},
			InteractionID: 7,
		},
		"refused": {
			Status: bot.StatusRefused, Text: "I can't help with questions about your health.\n- **NHS 111** for urgent problems\n- **999** in an emergency",
			Links: []knowledge.Source{{Title: "NHS 111", URL: "https://111.nhs.uk/"}},
		},
		"smalltalk": {Status: bot.StatusSmalltalk, Text: "Hello! Ask me about a career in radiology."},
		"limited":   {Status: bot.StatusLimited, Text: "That's a long message! Please ask in under 500 characters."},
		"escaped": {
			Status: bot.StatusFallback,
			Text:   "You asked: <!channel> <!here|here> <!everyone> <@U123> <#C1> & [x](javascript:alert) [ok](https://ok.example/|<!here>)",
		},
	}
}

func TestRenderGolden(t *testing.T) {
	for name, r := range renderCases() {
		t.Run(name, func(t *testing.T) {
			msg := slack.Render(r)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false) // keep <url|text> readable in the golden files
			enc.SetIndent("", "  ")
			if err := enc.Encode(msg); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			checkLimits(t, msg)
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Render(%s) differs from %s (go test -update rewrites it):\n%s", name, path, got)
			}
		})
	}
}

func TestRenderStatuses(t *testing.T) {
	cases := renderCases()
	tests := []struct {
		name          string
		ephemeral     bool
		wantActionIDs []string
	}{
		{"answered_long", false, []string{"fb_up", "fb_down", "rel_0", "rel_1", "rel_2"}},
		{"answered_short", false, nil},
		{"clarify", false, []string{"pick_0", "pick_1"}},
		{"fallback", false, nil},
		{"refused", true, nil},
		{"smalltalk", false, nil},
		{"limited", true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := slack.Render(cases[tt.name])
			if msg.Ephemeral != tt.ephemeral {
				t.Errorf("Ephemeral = %v, want %v", msg.Ephemeral, tt.ephemeral)
			}
			var ids []string
			for _, b := range buttons(msg.Blocks) {
				ids = append(ids, b.ActionID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantActionIDs, ",") {
				t.Errorf("buttons = %v, want %v", ids, tt.wantActionIDs)
			}
		})
	}

	// The feedback buttons carry the interaction id; related buttons the entry id.
	msg := slack.Render(cases["answered_long"])
	bs := buttons(msg.Blocks)
	if bs[0].Value != "42" || bs[1].Value != "42" || bs[2].Value != "frcr-exams" {
		t.Errorf("button values = %q %q %q", bs[0].Value, bs[1].Value, bs[2].Value)
	}
	if n := sectionCount(msg.Blocks); n < 2 {
		t.Errorf("a %d-character answer gave %d sections, want it split", len(longAnswer()), n)
	}
}

func TestRenderHugeAnswerFitsFiftyBlocks(t *testing.T) {
	r := bot.Reply{Status: bot.StatusAnswered, Text: strings.Repeat("word ", 60000), InteractionID: 1,
		Entry:   &knowledge.Entry{ID: "x", Title: strings.Repeat("T", 400), Sources: []knowledge.Source{{Title: "s", URL: "https://s.example/"}}, Reviewed: "2026-01-01"},
		Related: []bot.EntryRef{{ID: "a", Title: "A"}}}
	msg := slack.Render(r)
	checkLimits(t, msg)
	if _, ok := msg.Blocks[len(msg.Blocks)-1].(*slackapi.ActionBlock); !ok {
		t.Errorf("the buttons were dropped from a huge answer")
	}
}

func TestRenderEscapesMentions(t *testing.T) {
	msg := slack.Render(renderCases()["escaped"])
	for _, s := range allText(msg) {
		for _, bad := range []string{"<!channel>", "<!here", "<!everyone>", "<@U", "<#C", "<javascript:"} {
			if strings.Contains(s, bad) {
				t.Errorf("rendered text %q contains %q", s, bad)
			}
		}
	}
}

// checkLimits asserts Block Kit's limits on a rendered message.
func checkLimits(t *testing.T, msg slack.Message) {
	t.Helper()
	if len(msg.Blocks) == 0 || len(msg.Blocks) > 50 {
		t.Errorf("%d blocks, want 1..50", len(msg.Blocks))
	}
	if strings.TrimSpace(msg.Text) == "" || utf8.RuneCountInString(msg.Text) > 3000 {
		t.Errorf("fallback text has %d characters, want 1..3000", utf8.RuneCountInString(msg.Text))
	}
	for _, b := range msg.Blocks {
		switch b := b.(type) {
		case *slackapi.SectionBlock:
			if n := utf8.RuneCountInString(b.Text.Text); n == 0 || n > 3000 {
				t.Errorf("section text has %d characters, want 1..3000", n)
			}
		case *slackapi.HeaderBlock:
			if n := utf8.RuneCountInString(b.Text.Text); n > 150 {
				t.Errorf("header has %d characters, want ≤ 150", n)
			}
		case *slackapi.ContextBlock:
			if len(b.ContextElements.Elements) > 10 {
				t.Errorf("context has %d elements", len(b.ContextElements.Elements))
			}
		}
	}
	for _, btn := range buttons(msg.Blocks) {
		if n := utf8.RuneCountInString(btn.Text.Text); n > 75 {
			t.Errorf("button text %q has %d characters, want ≤ 75", btn.Text.Text, n)
		}
		if len(btn.ActionID) > 255 || len(btn.Value) > 2000 || btn.Value == "" {
			t.Errorf("button %q: action_id %d bytes, value %d bytes", btn.ActionID, len(btn.ActionID), len(btn.Value))
		}
	}
}

func buttons(blocks []slackapi.Block) []*slackapi.ButtonBlockElement {
	var out []*slackapi.ButtonBlockElement
	for _, b := range blocks {
		if a, ok := b.(*slackapi.ActionBlock); ok {
			for _, e := range a.Elements.ElementSet {
				if btn, ok := e.(*slackapi.ButtonBlockElement); ok {
					out = append(out, btn)
				}
			}
		}
	}
	return out
}

func sectionCount(blocks []slackapi.Block) int {
	n := 0
	for _, b := range blocks {
		if _, ok := b.(*slackapi.SectionBlock); ok {
			n++
		}
	}
	return n
}

// allText returns every string in a message, as Slack would receive it.
func allText(msg slack.Message) []string {
	raw, _ := json.Marshal(msg)
	var v any
	_ = json.Unmarshal(raw, &v)
	return stringsIn(v)
}

func stringsIn(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			out = append(out, stringsIn(x)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, x := range v {
			out = append(out, stringsIn(x)...)
		}
		return out
	}
	return nil
}

func TestMrkdwn(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"**bold** and *italic*", "*bold* and _italic_"},
		{"__bold__ and ~~gone~~", "*bold* and ~gone~"},
		{"- one\n- two\n  - nested\n* star\n+ plus", "• one\n• two\n  • nested\n• star\n• plus"},
		{"1. first\n2. second", "1. first\n2. second"},
		{"# Title\n### **Sub**", "*Title*\n*Sub*"},
		{"[RCR](https://www.rcr.ac.uk/a?x=1&y=2)", "<https://www.rcr.ac.uk/a?x=1&amp;y=2|RCR>"},
		{"[bad](javascript:alert(1))", "[bad](javascript:alert(1))"},
		{"[pipe|label](https://x.example/a|b)", "<https://x.example/a%7Cb|pipe¦label>"},
		{"see <https://nhs.uk>", "see <https://nhs.uk>"},
		{"a & b < c > d", "a &amp; b &lt; c &gt; d"},
		{"<!channel> <@U1> <!here>", "&lt;!channel&gt; &lt;@U1&gt; &lt;!here&gt;"},
		{"`**not bold** <x>` and **bold**", "`**not bold** &lt;x&gt;` and *bold*"},
		{"```\n**code** <b>\n```", "```\n**code** &lt;b&gt;\n```"},
		{"> quoted **text**", "> quoted *text*"},
		{"2 * 3 * 4 and snake_case_name", "2 * 3 * 4 and snake_case_name"},
		{"**[bold link](https://a.example/x_y_z)**", "*<https://a.example/x_y_z|bold link>*"},
		{"---", "───"},
		{"a\r\n\r\nb", "a\n\nb"},
		{"ctrl \x01 and \x02 chars", "ctrl  and  chars"},
		{"soft\nwrapped **bold\nacross** lines\n\nnew paragraph", "soft wrapped *bold across* lines\n\nnew paragraph"},
		{"- item\n  continued\n- next\nplain after\nand more", "• item continued\n• next\nplain after and more"},
		{"hard  \nbreak\\\nand more", "hard\nbreak\nand more"},
		{"Intro:\n1. one\n   more\n2. two", "Intro:\n1. one more\n2. two"},
		{"```\ncode\nlines\n```\ntext", "```\ncode\nlines\n```\ntext"},
	}
	for _, tt := range tests {
		if got := slack.Mrkdwn(tt.in); got != tt.want {
			t.Errorf("Mrkdwn(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPlain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<@UBOT> how long is training?", "how long is training?"},
		{"<@UBOT|radbot>   what  is <https://www.rcr.ac.uk|the RCR>?", "what is the RCR?"},
		{"<!channel> pay &amp; hours &lt;3", "pay & hours <3"},
		{"in <#C123|general> see <https://x.example>", "in #general see https://x.example"},
		{"&lt;!here&gt; literal", "<!here> literal"},
		{"<!subteam^S1|@team> hi", "hi"},
	}
	for _, tt := range tests {
		if got := slack.Plain(tt.in); got != tt.want {
			t.Errorf("Plain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFeedbackModal(t *testing.T) {
	v := slack.FeedbackModal(42, "C1", "1700.1")
	if v.CallbackID != "fb_modal" || utf8.RuneCountInString(v.Title.Text) > 24 || len(v.Blocks.BlockSet) == 0 {
		t.Fatalf("modal = %+v", v)
	}
	var meta struct {
		I int64  `json:"i"`
		C string `json:"c"`
		T string `json:"t"`
	}
	if err := json.Unmarshal([]byte(v.PrivateMetadata), &meta); err != nil || meta.I != 42 || meta.C != "C1" || meta.T != "1700.1" {
		t.Errorf("private_metadata = %q (%v)", v.PrivateMetadata, err)
	}
	in, ok := v.Blocks.BlockSet[len(v.Blocks.BlockSet)-1].(*slackapi.InputBlock)
	if !ok || !in.Optional || in.Label.Text != "What were you looking for?" {
		t.Fatalf("last block = %#v, want the optional comment input", v.Blocks.BlockSet[len(v.Blocks.BlockSet)-1])
	}
	if el, ok := in.Element.(*slackapi.PlainTextInputBlockElement); !ok || !el.Multiline {
		t.Errorf("input element = %#v, want a multi-line plain_text_input", in.Element)
	}
}

func BenchmarkRenderAnswered(b *testing.B) {
	r := renderCases()["answered_long"]
	for b.Loop() {
		slack.Render(r)
	}
}

func BenchmarkMrkdwn(b *testing.B) {
	md := longAnswer()
	for b.Loop() {
		slack.Mrkdwn(md)
	}
}
