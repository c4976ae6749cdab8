package slack

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// Slack's Block Kit limits, from docs.slack.dev/reference/block-kit.
const (
	maxBlocks         = 50
	maxSectionText    = 3000
	maxHeaderText     = 150
	maxButtonText     = 75
	maxActionID       = 255
	maxButtonValue    = 2000
	maxContextText    = 3000
	maxModalTitle     = 24
	maxFallbackText   = 3000 // our choice: the notification text, well under Slack's 40,000
	maxCandidates     = 5
	maxRelated        = 3
	maxCommentRunes   = 2000
	maxPrivateMetaLen = 3000
)

// Action and callback ids the adapter puts on buttons and modals.
const (
	ActionHelpful    = "fb_up"
	ActionNotHelpful = "fb_down"
	ActionRelated    = "rel_"  // + index; value is an entry id
	ActionPick       = "pick_" // + index; a clarify candidate, value is an entry id
	CallbackFeedback = "fb_modal"
	BlockComment     = "fb_comment"
	ActionComment    = "fb_comment"
)

// Message is a reply rendered for Slack.
type Message struct {
	// Text is the message's top-level text: the notification and accessibility fallback, mrkdwn,
	// already escaped.
	Text string `json:"text"`
	// Blocks is the Block Kit layout.
	Blocks []slack.Block `json:"blocks"`
	// Ephemeral asks for the message to be shown only to the person who asked.
	Ephemeral bool `json:"ephemeral,omitempty"`
}

// Render turns a bot reply into a Slack message. It is pure: the same reply always gives the same
// message, and every limit of Block Kit is respected (section text ≤ 3000, ≤ 50 blocks, button text
// ≤ 75, values ≤ 2000). Anything that came from a user is escaped.
func Render(r bot.Reply) Message {
	switch r.Status {
	case bot.StatusAnswered:
		if r.Entry != nil {
			return renderAnswered(r)
		}
		return renderText(r.Text, nil, false)
	case bot.StatusClarify, bot.StatusSuggest:
		// Both offer entries as buttons: "which did you mean?" or "did you mean ...?".
		return renderClarify(r)
	case bot.StatusRefused:
		return renderText(r.Text, r.Links, true)
	case bot.StatusLimited:
		return renderText(r.Text, nil, true)
	default: // fallback, smalltalk and anything new
		return renderText(r.Text, r.Links, false)
	}
}

func renderAnswered(r bot.Reply) Message {
	e := r.Entry
	var blocks []slack.Block
	title := strings.TrimSpace(e.Title)
	if title != "" {
		blocks = append(blocks, slack.NewHeaderBlock(plain(truncateRunes(title, maxHeaderText))))
	}
	answer := r.Text
	if strings.TrimSpace(answer) == "" {
		answer = e.Answer
	}
	body := Mrkdwn(strings.TrimSpace(answer))

	var tail []slack.Block
	if ctx := sourcesContext(e.Sources, e.Reviewed); ctx != nil {
		tail = append(tail, ctx)
	}
	if act := answerActions(r); act != nil {
		tail = append(tail, act)
	}
	blocks = append(blocks, sections("answer", body, maxBlocks-len(blocks)-len(tail))...)
	blocks = append(blocks, tail...)

	fallback := body
	if title != "" {
		fallback = "*" + Escape(title) + "*\n" + body
	}
	return Message{Text: fallbackText(fallback), Blocks: blocks}
}

// answerActions builds the feedback and related-question buttons, or nil when there are none.
func answerActions(r bot.Reply) slack.Block {
	var els []slack.BlockElement
	if r.InteractionID > 0 {
		id := strconv.FormatInt(r.InteractionID, 10)
		els = append(els,
			slack.NewButtonBlockElement(ActionHelpful, id, plain("👍 Helpful")).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement(ActionNotHelpful, id, plain("👎 Not helpful")),
		)
	}
	n := 0
	for _, rel := range r.Related {
		if n == maxRelated {
			break
		}
		if b := entryButton(ActionRelated, n, rel); b != nil {
			els = append(els, b)
			n++
		}
	}
	if len(els) == 0 {
		return nil
	}
	return slack.NewActionBlock("answer_actions", els...)
}

// entryButton is a button that asks for an entry, or nil when the id does not fit in a value.
func entryButton(prefix string, n int, ref bot.EntryRef) *slack.ButtonBlockElement {
	id := strings.TrimSpace(ref.ID)
	if id == "" || len(id) > maxButtonValue {
		return nil
	}
	label := strings.TrimSpace(ref.Title)
	if label == "" {
		label = id
	}
	actionID := prefix + strconv.Itoa(n)
	if len(actionID) > maxActionID {
		return nil
	}
	return slack.NewButtonBlockElement(actionID, id, plain(truncateRunes(label, maxButtonText)))
}

// sourcesContext is the small print under an answer: where it comes from and when it was reviewed.
func sourcesContext(sources []knowledge.Source, reviewed string) slack.Block {
	var els []slack.MixedElement
	var links []string
	size := len("Sources: ")
	for _, s := range sources {
		l := Link(s.URL, s.Title)
		if strings.TrimSpace(l) == "" {
			continue
		}
		if size+len(l)+3 > maxContextText {
			break
		}
		size += len(l) + 3
		links = append(links, l)
	}
	if len(links) > 0 {
		els = append(els, mrkdwn("Sources: "+strings.Join(links, " · ")))
	}
	if d := reviewedDate(reviewed); d != "" {
		els = append(els, mrkdwn("Reviewed "+d))
	}
	if len(els) == 0 {
		return nil
	}
	return slack.NewContextBlock("answer_sources", els...)
}

// reviewedDate formats "2026-03-12" as "12 March 2026"; anything else is shown as written, escaped.
func reviewedDate(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format("2 January 2006")
	}
	return Escape(truncateRunes(s, 100))
}

func renderClarify(r bot.Reply) Message {
	text := strings.TrimSpace(r.Text)
	if text == "" {
		text = "Did you mean one of these?"
	}
	body := Mrkdwn(text)
	var els []slack.BlockElement
	var titles []string
	for _, c := range r.Candidates {
		if len(els) == maxCandidates {
			break
		}
		if b := entryButton(ActionPick, len(els), c); b != nil {
			els = append(els, b)
			titles = append(titles, "• "+Escape(b.Text.Text))
		}
	}
	reserve := 0
	if len(els) > 0 {
		reserve = 1
	}
	blocks := sections("clarify", body, maxBlocks-reserve)
	if len(els) > 0 {
		blocks = append(blocks, slack.NewActionBlock("clarify_actions", els...))
	}
	fallback := body
	if len(titles) > 0 {
		fallback += "\n" + strings.Join(titles, "\n")
	}
	return Message{Text: fallbackText(fallback), Blocks: blocks}
}

// renderText renders a plain kind message (fallback, refusal, smalltalk, limited) with its links.
func renderText(text string, links []knowledge.Source, ephemeral bool) Message {
	text = strings.TrimSpace(text)
	if text == "" {
		text = "Sorry, I don't have an answer for that."
	}
	body := Mrkdwn(text)
	var list []string
	for _, l := range links {
		if s := Link(l.URL, l.Title); strings.TrimSpace(s) != "" {
			list = append(list, "• "+s)
		}
	}
	reserve := 0
	linkText := ""
	if len(list) > 0 {
		linkText = strings.Join(list, "\n")
		reserve = 1
	}
	blocks := sections("text", body, maxBlocks-reserve)
	if linkText != "" {
		parts := splitMrkdwn(linkText, maxSectionText)
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(parts[0]), nil, nil, slack.SectionBlockOptionBlockID("links")))
	}
	fallback := body
	if linkText != "" {
		fallback += "\n" + linkText
	}
	return Message{Text: fallbackText(fallback), Blocks: blocks, Ephemeral: ephemeral}
}

// sections splits mrkdwn into at most max section blocks of at most 3000 characters each.
func sections(id, body string, max int) []slack.Block {
	if max < 1 {
		max = 1
	}
	parts := splitMrkdwn(body, maxSectionText)
	if len(parts) == 0 {
		return nil
	}
	if len(parts) > max {
		parts = parts[:max]
		if last := []rune(parts[max-1]); len(last) > maxSectionText-2 {
			head := string(last[:maxSectionText-2])
			parts[max-1] = head[:safeCut(head)]
		}
		parts[max-1] += " …"
	}
	blocks := make([]slack.Block, 0, len(parts))
	for i, p := range parts {
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(p), nil, nil,
			slack.SectionBlockOptionBlockID(fmt.Sprintf("%s_%d", id, i))))
	}
	return blocks
}

// fallbackText bounds the top-level text, cutting at a safe place.
func fallbackText(s string) string {
	if utf8.RuneCountInString(s) <= maxFallbackText {
		return s
	}
	parts := splitMrkdwn(s, maxFallbackText-2)
	return parts[0] + " …"
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// feedbackMeta is what the feedback modal carries in private_metadata.
type feedbackMeta struct {
	InteractionID int64  `json:"i"`
	Channel       string `json:"c,omitempty"`
	ThreadTS      string `json:"t,omitempty"`
}

func (m feedbackMeta) encode() string {
	b, _ := json.Marshal(m) // a struct of an int and strings always marshals
	return string(b)
}

func decodeFeedbackMeta(s string) (feedbackMeta, bool) {
	var m feedbackMeta
	if len(s) > maxPrivateMetaLen || json.Unmarshal([]byte(s), &m) != nil || m.InteractionID <= 0 {
		return feedbackMeta{}, false
	}
	return m, true
}

// FeedbackModal is the modal opened by "Not helpful": one optional multi-line comment. Its
// private_metadata carries the interaction id and where to thank the user.
func FeedbackModal(interactionID int64, channel, threadTS string) slack.ModalViewRequest {
	meta := feedbackMeta{InteractionID: interactionID, Channel: channel, ThreadTS: threadTS}.encode()
	input := slack.NewPlainTextInputBlockElement(plain("Optional: what did you expect to find?"), ActionComment).
		WithMultiline(true).WithMaxLength(maxCommentRunes)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           plain(truncateRunes("Feedback", maxModalTitle)),
		Submit:          plain("Send"),
		Close:           plain("Close"),
		CallbackID:      CallbackFeedback,
		PrivateMetadata: meta,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(mrkdwn("Thanks, your vote is saved. If you like, tell us what you were looking for so we can improve the answer."), nil, nil),
			slack.NewInputBlock(BlockComment, plain("What were you looking for?"), nil, input).WithOptional(true),
		}},
	}
}
