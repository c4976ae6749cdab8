package discord

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var testTexts = knowledge.Texts{
	Clarify:        "I'm not sure which of these you mean. Pick one:",
	RateLimited:    "You're asking faster than I can keep up with.",
	FeedbackThanks: "Thank you for your feedback.",
	Error:          "Sorry, something went wrong on my side.",
	Fallback:       "Sorry, I don't have a good answer to that yet.",
	Refusal:        "I can't help with questions about your own health.",
}

func entry(id, title, answer string) *knowledge.Entry {
	return &knowledge.Entry{ID: id, Title: title, Answer: answer, Reviewed: "2026-03-15",
		Sources: []knowledge.Source{
			{Title: "NHS Health Careers: clinical radiology", URL: "https://www.healthcareers.nhs.uk/clinical-radiology"},
			{Title: "RCR [curriculum]", URL: "https://www.rcr.ac.uk/curriculum"},
		}}
}

func refs(n int, idf, titlef string) []bot.EntryRef {
	var out []bot.EntryRef
	for i := range n {
		out = append(out, bot.EntryRef{ID: fmt.Sprintf(idf, i), Title: fmt.Sprintf(titlef, i)})
	}
	return out
}

// longText is Markdown far over every limit, with multi-byte runes, emoji (two UTF-16 units each) and an
// open code block at the point where it will be cut.
func longText(n int) string {
	var b strings.Builder
	b.WriteString("**Radiology training** in the UK takes five years 🩻. Ärzte, naïve café.\n\n")
	for b.Len() < n {
		b.WriteString("Radiologists report CT, MRI and ultrasound 🧠🫀; they also do image-guided procedures. ")
		if b.Len() > 3000 && !strings.Contains(b.String(), "```") {
			b.WriteString("\n```\ncode block that the cut lands inside\n")
		}
	}
	return b.String()
}

func renderCases() map[string]message {
	e := entry("st1-application", "How do I apply for ST1 clinical radiology?",
		"Apply through **national recruitment** on Oriel in the autumn. See the [person specification](https://example.org/spec).")
	long := entry("long", strings.Repeat("Very long title 🩻 ", 30), "")
	for i := range 40 {
		long.Sources = append(long.Sources, knowledge.Source{Title: fmt.Sprintf("Source %d with a long descriptive title about radiology careers", i),
			URL: fmt.Sprintf("https://example.org/a/long/path/%d", i)})
	}
	base := &knowledge.Base{Topics: []*knowledge.Topic{
		{Name: "Training and exams", Entries: []*knowledge.Entry{
			{ID: "a", Title: "How long is radiology training?"}, {ID: "b", Title: "What are the FRCR exams?"},
			{ID: "c", Title: "Can I train less than full time?"}, {ID: "d", Title: "What is the curriculum?"},
		}},
		{Name: "Pay", Entries: []*knowledge.Entry{{ID: "e", Title: "What do radiologists earn?"}}},
		{Name: "Empty"},
	}}
	many := &knowledge.Base{}
	for i := range 40 {
		tp := &knowledge.Topic{Name: fmt.Sprintf("Topic %02d %s", i, strings.Repeat("x", 200))}
		for j := range 6 {
			tp.Entries = append(tp.Entries, &knowledge.Entry{ID: fmt.Sprintf("e%d-%d", i, j), Title: strings.Repeat("Entry title ", 8)})
		}
		many.Topics = append(many.Topics, tp)
	}
	return map[string]message{
		"answered": renderReply(bot.Reply{Status: bot.StatusAnswered, Entry: e, Text: e.Answer, InteractionID: 42,
			Related: []bot.EntryRef{{ID: "frcr", Title: "What are the FRCR exams?"}, {ID: "pay", Title: "What do radiologists earn?"},
				{ID: "frcr", Title: "duplicate"}, {ID: "ltft", Title: "Can I train part time?"}, {ID: "extra", Title: "A fourth one"}}}, testTexts),
		"answered_long": renderReply(bot.Reply{Status: bot.StatusAnswered, Entry: long, Text: longText(12000), InteractionID: 7,
			Related: []bot.EntryRef{{ID: strings.Repeat("x", 120), Title: "id too long for a custom_id"},
				{ID: "r1", Title: strings.Repeat("Related question title ", 10)}}}, testTexts),
		"answered_no_feedback": renderReply(bot.Reply{Status: bot.StatusAnswered,
			Entry: &knowledge.Entry{ID: "x", Title: "Title", Answer: "Answer."}, Text: "Answer."}, testTexts),
		"clarify": renderReply(bot.Reply{Status: bot.StatusClarify, Text: "I'm not sure which of these you mean. Pick one, or reply with its number:\n1. FRCR\n2. Pay",
			Candidates: []bot.EntryRef{{ID: "frcr", Title: "What are the FRCR exams?"}, {ID: "pay", Title: "What do radiologists earn?"}, {ID: "frcr", Title: "dup"}}}, testTexts),
		"clarify_many":   renderReply(bot.Reply{Status: bot.StatusClarify, Candidates: refs(30, "entry-%d", "Candidate %d")}, testTexts),
		"fallback":       renderReply(bot.Reply{Status: bot.StatusFallback, Text: testTexts.Fallback, InteractionID: 9, Links: []knowledge.Source{{Title: "NHS Health Careers", URL: "https://www.healthcareers.nhs.uk/"}, {Title: "RCR", URL: "https://www.rcr.ac.uk/"}}}, testTexts),
		"fallback_long":  renderReply(bot.Reply{Status: bot.StatusFallback, Text: longText(5000), Links: []knowledge.Source{{Title: "NHS Health Careers", URL: "https://www.healthcareers.nhs.uk/"}}}, testTexts),
		"refused":        renderReply(bot.Reply{Status: bot.StatusRefused, Text: testTexts.Refusal, InteractionID: 3, Links: []knowledge.Source{{Title: "NHS 111", URL: "https://111.nhs.uk/"}}}, testTexts),
		"limited":        renderReply(bot.Reply{Status: bot.StatusLimited, Text: "You're asking faster than I can keep up with."}, testTexts),
		"limited_notext": renderReply(bot.Reply{Status: bot.StatusLimited}, knowledge.Texts{}),
		"smalltalk":      renderReply(bot.Reply{Status: bot.StatusSmalltalk, Text: "Hello! I'm RadBot. @everyone <@123>"}, testTexts),
		"topics":         renderTopics(base, "ask"),
		"topics_many":    renderTopics(many, "ask"),
		"topics_empty":   renderTopics(&knowledge.Base{}, "ask"),
	}
}

func TestRenderGolden(t *testing.T) {
	for name, m := range renderCases() {
		t.Run(name, func(t *testing.T) {
			for _, problem := range validate(m) {
				t.Errorf("over Discord's limits: %s", problem)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(m); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("reading golden file (run go test -update to create it): %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from the golden file (run go test -update if the change is intended)\ngot:\n%s", path, got)
			}
		})
	}
}

func TestRenderContent(t *testing.T) {
	c := renderCases()
	if e := c["answered"].Embeds[0]; e.Footer == nil || e.Footer.Text != "Reviewed 15 March 2026" {
		t.Errorf("footer = %+v, want Reviewed 15 March 2026", e.Footer)
	}
	if got := customIDs(c["answered"]); strings.Join(got, " ") != "fb:up:42 fb:down:42 rel:frcr rel:pay rel:ltft" {
		t.Errorf("answered custom ids = %v", got)
	}
	if got := customIDs(c["answered_long"]); strings.Join(got, " ") != "fb:up:7 fb:down:7 rel:r1" {
		t.Errorf("long answer custom ids = %v (an id too long for custom_id must be skipped)", got)
	}
	if d := c["answered_long"].Embeds[0].Description; !strings.HasSuffix(d, "…\n```") {
		t.Errorf("cut inside a code block must close it; description ends %q", d[len(d)-20:])
	}
	if len(c["answered_no_feedback"].Components) != 0 {
		t.Errorf("no interaction id: want no buttons, got %v", customIDs(c["answered_no_feedback"]))
	}
	if got := customIDs(c["clarify"]); strings.Join(got, " ") != "pick:frcr pick:pay" {
		t.Errorf("clarify custom ids = %v", got)
	}
	if n := len(customIDs(c["clarify_many"])); n != 25 {
		t.Errorf("clarify with 30 candidates: %d buttons, want 25 (5 rows of 5)", n)
	}
	if !strings.Contains(c["fallback"].Content, "[NHS Health Careers](<https://www.healthcareers.nhs.uk/>)") {
		t.Errorf("fallback links missing: %q", c["fallback"].Content)
	}
	if !strings.Contains(c["fallback_long"].Content, "[NHS Health Careers](<https://www.healthcareers.nhs.uk/>)") {
		t.Errorf("a long fallback must keep its links whole: %q", c["fallback_long"].Content[1900:])
	}
	for name, want := range map[string]bool{"refused": true, "limited": true, "fallback": false, "answered": false, "clarify": false} {
		if c[name].Ephemeral != want {
			t.Errorf("%s ephemeral = %v, want %v", name, c[name].Ephemeral, want)
		}
	}
	if len(c["refused"].Components) != 0 {
		t.Errorf("refusal has buttons %v", customIDs(c["refused"]))
	}
	if c["limited_notext"].Content != defaultLimited {
		t.Errorf("limited without text = %q", c["limited_notext"].Content)
	}
	tp := c["topics"].Embeds[0]
	if len(tp.Fields) != 2 || tp.Fields[0].Name != "Training and exams" || !strings.Contains(tp.Fields[0].Value, "…and 1 more") {
		t.Errorf("topics fields = %+v", tp.Fields)
	}
	if f := c["topics_many"].Embeds[0].Fields; len(f) > maxEmbedFields || f[len(f)-1].Name != "More" {
		t.Errorf("topics_many: %d fields, last %q", len(f), f[len(f)-1].Name)
	}
}

func customIDs(m message) []string {
	var out []string
	for _, row := range m.Components {
		for _, c := range row.(discordgo.ActionsRow).Components {
			out = append(out, c.(discordgo.Button).CustomID)
		}
	}
	return out
}

// validate lists every way m breaks Discord's message limits.
func validate(m message) []string {
	var p []string
	check := func(what, s string, max int) {
		if !utf8.ValidString(s) {
			p = append(p, what+" is not valid UTF-8")
		}
		if n := size(s); n > max {
			p = append(p, fmt.Sprintf("%s is %d long, max %d", what, n, max))
		}
	}
	check("content", m.Content, maxContent)
	total := 0
	for _, e := range m.Embeds {
		check("title", e.Title, maxEmbedTitle)
		check("description", e.Description, maxEmbedDesc)
		if len(e.Fields) > maxEmbedFields {
			p = append(p, fmt.Sprintf("%d fields", len(e.Fields)))
		}
		for _, f := range e.Fields {
			check("field name", f.Name, maxFieldName)
			check("field value", f.Value, maxFieldValue)
			if strings.TrimSpace(f.Value) == "" || strings.TrimSpace(f.Name) == "" {
				p = append(p, "empty field")
			}
		}
		if e.Footer != nil {
			check("footer", e.Footer.Text, maxFooter)
		}
		total += embedSize(e)
	}
	if total > maxEmbedTotal {
		p = append(p, fmt.Sprintf("embeds total %d", total))
	}
	if len(m.Components) > maxRows {
		p = append(p, fmt.Sprintf("%d rows", len(m.Components)))
	}
	seen := map[string]bool{}
	for _, row := range m.Components {
		r, ok := row.(discordgo.ActionsRow)
		if !ok {
			p = append(p, fmt.Sprintf("top-level component %T", row))
			continue
		}
		if len(r.Components) == 0 || len(r.Components) > maxButtonsPerRow {
			p = append(p, fmt.Sprintf("row with %d buttons", len(r.Components)))
		}
		for _, c := range r.Components {
			b := c.(discordgo.Button)
			check("label", b.Label, maxLabel)
			if b.CustomID == "" || len(b.CustomID) > maxCustomID || seen[b.CustomID] {
				p = append(p, fmt.Sprintf("custom_id %q empty, too long or repeated", b.CustomID))
			}
			seen[b.CustomID] = true
		}
	}
	return p
}

func TestFit(t *testing.T) {
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"hello world again", 12, "hello world…"},
		{"abcdefghijklmnop", 5, "abcd…"},
		{"héllo wörld", 6, "héllo…"},
		{"🩻🩻🩻🩻", 5, "🩻🩻…"}, // each emoji is two UTF-16 units
		{"ab\xffcd", 10, "ab\uFFFDcd"},
		{"anything", 0, ""},
		{"anything", 1, "…"},
	}
	for _, tt := range tests {
		got := fit(tt.in, tt.max)
		if got != tt.want {
			t.Errorf("fit(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
		if size(got) > tt.max || !utf8.ValidString(got) {
			t.Errorf("fit(%q, %d) = %q: size %d or invalid UTF-8", tt.in, tt.max, got, size(got))
		}
	}
	// Every cut of a hard string stays within the limit and on rune boundaries.
	s := longText(600)
	for max := 0; max < 700; max++ {
		if got := fitMarkdown(s, max); size(got) > max || !utf8.ValidString(got) {
			t.Fatalf("fitMarkdown(…, %d): size %d, valid %v", max, size(got), utf8.ValidString(got))
		}
	}
}

func TestParseCustomID(t *testing.T) {
	tests := []struct {
		in   string
		want action
		ok   bool
	}{
		{"fb:up:42", action{kind: "up", interactionID: 42}, true},
		{"fb:down:7", action{kind: "down", interactionID: 7}, true},
		{"fbm:7", action{kind: "modal", interactionID: 7}, true},
		{"rel:frcr-exams", action{kind: "entry", entryID: "frcr-exams"}, true},
		{"pick:pay", action{kind: "entry", entryID: "pay"}, true},
		{"fb:up:abc", action{kind: "up"}, false},
		{"fb:up:-1", action{kind: "up", interactionID: -1}, false},
		{"fb:up:", action{kind: "up"}, false},
		{"rel:", action{kind: "entry"}, false},
		{"fb:sideways:1", action{}, false},
		{"", action{}, false},
		{"rel:" + strings.Repeat("x", 100), action{}, false},
	}
	for _, tt := range tests {
		got, ok := parseCustomID(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("parseCustomID(%q) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// Every mention and reference is removed before the text reaches the bot, so no raw id is matched,
// stored or logged (issue 14, defect 2).
func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<@100> how long is training?", "how long is training?"},
		{"<@!100>   how long\nis training? <@100>", "how long is training?"},
		{"what about <@300000000000000999>?", "what about ?"},
		{"<@100>", ""},
		{"@everyone <@100> pay? @here", "pay?"},
		{"ask <@&666> in <#777> or try </ask:123> at <t:1700000000:R>", "ask in or try at"},
		{"training <:scan:123456> <a:wave:99>", "training :scan: :wave:"},
		{"email me@example.com", "email me@example.com"},
	}
	for _, tt := range tests {
		if got := plainText(tt.in); got != tt.want {
			t.Errorf("plainText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFeedbackModal(t *testing.T) {
	d := feedbackModal(42)
	if d.CustomID != "fbm:42" || d.Title == "" {
		t.Fatalf("modal = %+v", d)
	}
	row := d.Components[0].(discordgo.ActionsRow)
	in := row.Components[0].(discordgo.TextInput)
	if in.Label != "What were you looking for?" || in.Style != discordgo.TextInputParagraph || in.Required {
		t.Errorf("text input = %+v", in)
	}
	// What Discord sends back on submit, as discordgo decodes it.
	got := modalComment([]discordgo.MessageComponent{&discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		&discordgo.TextInput{CustomID: "other", Value: "no"}, &discordgo.TextInput{CustomID: feedbackInputID, Value: "pay in Wales"}}}})
	if got != "pay in Wales" {
		t.Errorf("modalComment = %q", got)
	}
}

func BenchmarkRenderAnswer(b *testing.B) {
	r := bot.Reply{Status: bot.StatusAnswered, Entry: entry("x", "Title", ""), Text: longText(3000), InteractionID: 1,
		Related: refs(3, "r%d", "Related %d")}
	b.ReportAllocs()
	for b.Loop() {
		renderReply(r, testTexts)
	}
}
