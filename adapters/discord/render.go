package discord

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// Discord's limits (resources/message "Embed Limits", components/reference). Lengths are measured in
// UTF-16 code units, which is never less than the number of code points, so a text that fits here fits
// whichever way Discord counts.
const (
	maxContent       = 2000
	maxEmbedTitle    = 256
	maxEmbedDesc     = 4096
	maxEmbedFields   = 25
	maxFieldName     = 256
	maxFieldValue    = 1024
	maxFooter        = 2048
	maxEmbedTotal    = 6000
	maxRows          = 5
	maxButtonsPerRow = 5
	maxLabel         = 80
	maxCustomID      = 100

	maxRelated = 3 // related-question buttons under an answer
	topicShown = 3 // entry titles shown per topic in /topics
)

const embedColour = 0x1F6FB2

// Fixed texts the adapter says itself. Everything about the subject comes from the knowledge base.
const (
	defaultClarify  = "Did you mean…"
	defaultThanks   = "Thank you for the feedback."
	defaultError    = "Sorry, something went wrong on my side. Please try again in a moment."
	defaultLimited  = "You're asking faster than I can keep up. Please wait a minute and try again."
	dmPointer       = "I've sent you a private message."
	restartingText  = "RadBot is restarting. Please ask again in a moment."
	unreadableForm  = "Sorry, I couldn't read that form. Please try the button again."
	staleText       = "Sorry, that button has expired. Please ask again with /%s."
	helpText        = "Ask me about a career in UK clinical radiology: mention me with your question, or use /%s. /topics lists what I can answer."
	feedbackTitle   = "Tell us more"
	feedbackLabel   = "What were you looking for?"
	feedbackInputID = "comment"
	maxComment      = 1000
)

// message is a rendered Discord message, independent of the call that sends it.
type message struct {
	Content    string                       `json:"content,omitempty"`
	Embeds     []*discordgo.MessageEmbed    `json:"embeds,omitempty"`
	Components []discordgo.MessageComponent `json:"components,omitempty"`
	// Ephemeral asks for a reply only the user sees (interactions only).
	Ephemeral bool `json:"ephemeral,omitempty"`
}

// private reports whether a reply is for the asker's eyes only.
func private(r bot.Reply) bool {
	return r.Status == bot.StatusRefused || r.Status == bot.StatusLimited
}

// renderReply turns a bot reply into a Discord message. It never exceeds Discord's limits.
func renderReply(r bot.Reply, t knowledge.Texts) message {
	switch r.Status {
	case bot.StatusAnswered:
		if r.Entry != nil {
			return renderAnswer(r)
		}
		return message{Content: fit(r.Text, maxContent)}
	case bot.StatusClarify, bot.StatusSuggest:
		// Both offer entries as buttons: "which did you mean?" or "did you mean ...?".
		return renderClarify(r, t)
	case bot.StatusFallback:
		m := message{Content: withLinks(or(r.Text, t.Fallback, defaultError), r.Links)}
		if rows := feedbackRow(r.InteractionID); rows != nil {
			m.Components = []discordgo.MessageComponent{*rows}
		}
		return m
	case bot.StatusRefused:
		return message{Content: withLinks(or(r.Text, t.Refusal, defaultError), r.Links), Ephemeral: true}
	case bot.StatusLimited:
		return message{Content: fit(or(r.Text, t.RateLimited, defaultLimited), maxContent), Ephemeral: true}
	default: // smalltalk and anything newer
		return message{Content: withLinks(or(r.Text, t.Help, defaultError), r.Links)}
	}
}

// renderAnswer renders an answered reply: an embed with the entry, feedback buttons and related questions.
func renderAnswer(r bot.Reply) message {
	e := r.Entry
	emb := &discordgo.MessageEmbed{
		Title:       fit(e.Title, maxEmbedTitle),
		Description: fitMarkdown(or(r.Text, e.Answer), maxEmbedDesc),
		Color:       embedColour,
	}
	if src := sourceLines(e.Sources, false); len(src) > 0 {
		emb.Fields = []*discordgo.MessageEmbedField{{Name: "Sources", Value: joinFit(src, maxFieldValue)}}
	}
	if e.Reviewed != "" {
		emb.Footer = &discordgo.MessageEmbedFooter{Text: fit("Reviewed "+reviewedDate(e.Reviewed), maxFooter)}
	}
	if over := embedSize(emb) - maxEmbedTotal; over > 0 {
		emb.Description = fitMarkdown(emb.Description, size(emb.Description)-over)
	}
	m := message{Embeds: []*discordgo.MessageEmbed{emb}}
	if row := feedbackRow(r.InteractionID); row != nil {
		m.Components = append(m.Components, *row)
	}
	m.Components = append(m.Components, buttonRows(prefixRelated, r.Related, maxRelated, maxRows-len(m.Components))...)
	return m
}

// renderClarify asks which of a few entries the user meant, one button each.
func renderClarify(r bot.Reply, t knowledge.Texts) message {
	return message{
		Content:    fit(or(r.Text, t.Clarify, defaultClarify), maxContent),
		Components: buttonRows(prefixPick, r.Candidates, maxRows*maxButtonsPerRow, maxRows),
	}
}

// renderTopics lists the topics and a few entry titles of each, for /topics.
func renderTopics(base *knowledge.Base, command string) message {
	emb := &discordgo.MessageEmbed{
		Title:       "What I can answer",
		Description: fmt.Sprintf("Ask with /%s, or mention me with your question. A few examples from each topic:", command),
		Color:       embedColour,
	}
	var topics []*knowledge.Topic
	if base != nil {
		for _, tp := range base.Topics {
			if len(tp.Entries) > 0 {
				topics = append(topics, tp)
			}
		}
	}
	if len(topics) == 0 {
		emb.Description = "I have no topics loaded at the moment. Please try again later."
		return message{Embeds: []*discordgo.MessageEmbed{emb}, Ephemeral: true}
	}
	total := embedSize(emb)
	shown := 0
	for _, tp := range topics {
		if shown == maxEmbedFields-1 && len(topics) > maxEmbedFields {
			break // keep the last field for "More"
		}
		var lines []string
		for i, e := range tp.Entries {
			if i == topicShown {
				lines = append(lines, fmt.Sprintf("…and %d more", len(tp.Entries)-topicShown))
				break
			}
			lines = append(lines, "• "+fit(e.Title, 200))
		}
		f := &discordgo.MessageEmbedField{Name: fit(or(tp.Name, "Other"), maxFieldName), Value: joinFit(lines, maxFieldValue)}
		if total+size(f.Name)+size(f.Value) > maxEmbedTotal-100 { // leave room for the "More" field
			break
		}
		total += size(f.Name) + size(f.Value)
		emb.Fields = append(emb.Fields, f)
		shown++
	}
	if rest := len(topics) - shown; rest > 0 {
		emb.Fields = append(emb.Fields, &discordgo.MessageEmbedField{Name: "More", Value: fmt.Sprintf("…and %d more topics.", rest)})
	}
	return message{Embeds: []*discordgo.MessageEmbed{emb}, Ephemeral: true}
}

// simple is a plain text message.
func simple(text string, ephemeral bool) message {
	return message{Content: fit(text, maxContent), Ephemeral: ephemeral}
}

// Button custom_id prefixes.
const (
	prefixUp      = "fb:up:"
	prefixDown    = "fb:down:"
	prefixModal   = "fbm:"
	prefixRelated = "rel:"
	prefixPick    = "pick:"
)

// action is what a custom_id asks for.
type action struct {
	kind          string // "up", "down", "modal", "entry"
	interactionID int64
	entryID       string
}

// parseCustomID decodes a button or modal custom_id. ok is false for anything RadBot did not make.
func parseCustomID(id string) (a action, ok bool) {
	if len(id) > maxCustomID {
		return action{}, false
	}
	num := func(s string) (int64, bool) {
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil && n > 0
	}
	switch {
	case strings.HasPrefix(id, prefixUp):
		n, ok := num(id[len(prefixUp):])
		return action{kind: "up", interactionID: n}, ok
	case strings.HasPrefix(id, prefixDown):
		n, ok := num(id[len(prefixDown):])
		return action{kind: "down", interactionID: n}, ok
	case strings.HasPrefix(id, prefixModal):
		n, ok := num(id[len(prefixModal):])
		return action{kind: "modal", interactionID: n}, ok
	case strings.HasPrefix(id, prefixRelated):
		e := id[len(prefixRelated):]
		return action{kind: "entry", entryID: e}, e != ""
	case strings.HasPrefix(id, prefixPick):
		e := id[len(prefixPick):]
		return action{kind: "entry", entryID: e}, e != ""
	}
	return action{}, false
}

// feedbackRow is the Helpful / Not helpful row, or nil when there is nothing to vote on.
func feedbackRow(interactionID int64) *discordgo.ActionsRow {
	if interactionID <= 0 {
		return nil
	}
	id := strconv.FormatInt(interactionID, 10)
	return &discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: "Helpful", Style: discordgo.SuccessButton, CustomID: prefixUp + id,
			Emoji: &discordgo.ComponentEmoji{Name: "👍"}},
		discordgo.Button{Label: "Not helpful", Style: discordgo.SecondaryButton, CustomID: prefixDown + id,
			Emoji: &discordgo.ComponentEmoji{Name: "👎"}},
	}}
}

// buttonRows makes one button per entry, at most max buttons, five to a row and at most maxRowsLeft
// rows. Repeated entries, and ids too long for a custom_id, are skipped.
func buttonRows(prefix string, refs []bot.EntryRef, max, maxRowsLeft int) []discordgo.MessageComponent {
	var buttons []discordgo.MessageComponent
	seen := map[string]bool{}
	for _, ref := range refs {
		cid := prefix + ref.ID
		if ref.ID == "" || seen[ref.ID] || len(cid) > maxCustomID {
			continue
		}
		if len(buttons) == max || len(buttons) == maxRowsLeft*maxButtonsPerRow {
			break
		}
		seen[ref.ID] = true
		buttons = append(buttons, discordgo.Button{
			Label: fit(or(ref.Title, ref.ID), maxLabel), Style: discordgo.SecondaryButton, CustomID: cid})
	}
	var rows []discordgo.MessageComponent
	for len(buttons) > 0 {
		n := min(len(buttons), maxButtonsPerRow)
		rows = append(rows, discordgo.ActionsRow{Components: buttons[:n]})
		buttons = buttons[n:]
	}
	return rows
}

// feedbackModal asks what the user was looking for after a Not helpful click.
func feedbackModal(interactionID int64) *discordgo.InteractionResponseData {
	return &discordgo.InteractionResponseData{
		CustomID: prefixModal + strconv.FormatInt(interactionID, 10),
		Title:    feedbackTitle,
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.TextInput{CustomID: feedbackInputID, Label: feedbackLabel, Style: discordgo.TextInputParagraph,
				Required: false, MaxLength: maxComment},
		}}},
	}
}

// modalComment finds the comment in a submitted feedback modal.
func modalComment(components []discordgo.MessageComponent) string {
	for _, c := range components {
		switch c := c.(type) {
		case *discordgo.ActionsRow:
			if v := modalComment(c.Components); v != "" {
				return v
			}
		case *discordgo.TextInput:
			if c.CustomID == feedbackInputID {
				return c.Value
			}
		}
	}
	return ""
}

// sourceLines renders sources as Markdown links, one per line. In an embed Discord shows no preview
// for them; plain messages (noPreview) wrap each URL in <…> so that no preview card appears either.
func sourceLines(srcs []knowledge.Source, noPreview bool) []string {
	var out []string
	for _, s := range srcs {
		title := escapeLinkText(or(s.Title, s.URL))
		switch {
		case s.URL == "":
			out = append(out, "• "+title)
		case noPreview:
			out = append(out, fmt.Sprintf("• [%s](<%s>)", title, s.URL))
		default:
			out = append(out, fmt.Sprintf("• [%s](%s)", title, s.URL))
		}
	}
	return out
}

// withLinks appends links to a plain message, keeping whole links and shortening the text instead.
func withLinks(text string, links []knowledge.Source) string {
	lines := sourceLines(links, true)
	if len(lines) == 0 {
		return fitMarkdown(text, maxContent)
	}
	block := joinFit(lines, maxContent/2)
	return fitMarkdown(text, maxContent-size(block)-2) + "\n\n" + block
}

// reviewedDate shows a YYYY-MM-DD date the British way.
func reviewedDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return t.Format("2 January 2006")
}

var linkText = strings.NewReplacer("[", "\\[", "]", "\\]")

func escapeLinkText(s string) string { return linkText.Replace(s) }

// joinFit joins lines with newlines, dropping whole lines from the end (and saying so) to stay within max.
func joinFit(lines []string, max int) string {
	out := strings.Join(lines, "\n")
	if size(out) <= max {
		return out
	}
	for n := len(lines) - 1; n > 0; n-- {
		out = strings.Join(lines[:n], "\n") + "\n…"
		if size(out) <= max {
			return out
		}
	}
	return fit(lines[0], max)
}

func or(s ...string) string {
	for _, v := range s {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// size is the length of s in UTF-16 code units.
func size(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// fit shortens s to at most max UTF-16 code units, cutting on a rune boundary (at a space when one is
// near) and ending with "…". Invalid UTF-8 is replaced first.
func fit(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if size(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	budget := max - 1 // for "…"
	cut, n := 0, 0
	for cut < len(s) {
		r, w := utf8.DecodeRuneInString(s[cut:])
		u := 1
		if r >= 0x10000 {
			u = 2
		}
		if n+u > budget {
			break
		}
		n += u
		cut += w
	}
	head := s[:cut]
	atWordEnd := cut < len(s) && strings.ContainsRune(" \n\t", rune(s[cut]))
	if j := strings.LastIndexAny(head, " \n\t"); !atWordEnd && j > 0 && cut-j <= 40 && j >= cut*2/3 {
		head = head[:j] // do not leave half a word
	}
	return strings.TrimRight(head, " \n\t") + "…"
}

// fitMarkdown is fit that also closes a code block left open by the cut.
func fitMarkdown(s string, max int) string {
	if size(s) <= max {
		return fit(s, max)
	}
	out := fit(s, max)
	if strings.Count(out, "```")%2 == 1 {
		out = fit(s, max-4) + "\n```"
	}
	return out
}

// embedSize counts the characters Discord adds up for the 6000 total.
func embedSize(e *discordgo.MessageEmbed) int {
	n := size(e.Title) + size(e.Description)
	for _, f := range e.Fields {
		n += size(f.Name) + size(f.Value)
	}
	if e.Footer != nil {
		n += size(e.Footer.Text)
	}
	if e.Author != nil {
		n += size(e.Author.Name)
	}
	return n
}
