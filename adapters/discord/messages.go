package discord

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/bwmarrin/discordgo"

	"github.com/radbot/radbot/adapters/internal/work"
	"github.com/radbot/radbot/bot"
)

func (a *Adapter) onMessage(s *discordgo.Session, mc *discordgo.MessageCreate) {
	if mc == nil || mc.Message == nil || mc.Author == nil || mc.Author.Bot || mc.WebhookID != "" {
		return // never answer bots (ourselves included) or webhooks
	}
	if mc.Type != discordgo.MessageTypeDefault && mc.Type != discordgo.MessageTypeReply {
		return // joins, pins, thread notices…
	}
	m := mc.Message
	if a.work.Do(work.Job{Kind: "message", Run: func(ctx context.Context) { a.message(ctx, m) }}) {
		return
	}
	a.work.Notice(work.Job{Kind: "restarting", Run: func(ctx context.Context) {
		if _, ok := a.addressed(m); ok {
			a.send(ctx, m.ChannelID, m, simple(restartingText, false))
		}
	}})
}

// addressed reports whether m is for the bot (a direct message, or a mention when those are on) and
// returns its text without mentions.
func (a *Adapter) addressed(m *discordgo.Message) (string, bool) {
	p := a.botUserID.Load()
	if p == nil || m.Author.ID == *p {
		return "", false
	}
	dm := m.GuildID == ""
	switch {
	case dm && !a.cfg.DMs:
		return "", false
	case !dm && (!a.cfg.Mentions || !mentions(m, *p)):
		return "", false
	}
	return plainText(m.Content), true
}

// message answers a direct message or a message that mentions the bot.
func (a *Adapter) message(ctx context.Context, m *discordgo.Message) {
	select {
	case <-a.ready:
	case <-ctx.Done():
		return
	}
	text, ok := a.addressed(m)
	if !ok {
		return
	}
	if text == "" {
		a.send(ctx, m.ChannelID, m, simple(fmt.Sprintf(helpText, a.cfg.Command), false))
		return
	}
	dm := m.GuildID == ""
	r := a.answer(ctx, bot.Query{Platform: platform, ConversationID: m.ChannelID, UserID: m.Author.ID, Text: text})
	out := renderReply(r, a.texts())
	out.Ephemeral = false // messages cannot be ephemeral
	switch {
	case r.Status == bot.StatusRefused && !dm:
		a.refuseByDM(ctx, m, out)
	case r.Status == bot.StatusLimited && !a.shouldNotify(m.Author.ID):
		// Already told this user to slow down; do not add to the noise in the channel.
	default:
		a.send(ctx, m.ChannelID, m, out)
	}
}

// refuseByDM keeps a refusal of a personal medical question out of the channel: the refusal goes by
// direct message, and the channel only gets a pointer. If the DM cannot be sent (the user may not
// accept DMs) the refusal, which is general advice with where to get help, is posted as the reply,
// since telling someone where to get medical help matters more than keeping that reply private.
func (a *Adapter) refuseByDM(ctx context.Context, m *discordgo.Message, out message) {
	err := a.deliver(ctx, "sending the refusal by DM", func(opt discordgo.RequestOption) error {
		ch, err := a.s.UserChannelCreate(m.Author.ID, opt)
		if err != nil {
			return err
		}
		_, err = a.s.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{
			Content: out.Content, Embeds: out.Embeds, Components: out.Components, AllowedMentions: noPings(),
		}, opt)
		return err
	})
	if err != nil {
		a.log.Warn("sending refusal by DM; replying in the channel instead", "user", a.userRef(m.Author.ID), "err", err)
		a.send(ctx, m.ChannelID, m, out)
		return
	}
	a.send(ctx, m.ChannelID, m, simple(dmPointer, false))
}

// send replies to m in channel, never pinging anyone, with a fresh context and retries.
func (a *Adapter) send(ctx context.Context, channel string, m *discordgo.Message, out message) {
	no := false
	ms := &discordgo.MessageSend{
		Content: out.Content, Embeds: out.Embeds, Components: out.Components, AllowedMentions: noPings(),
	}
	if m != nil {
		ms.Reference = &discordgo.MessageReference{MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID,
			FailIfNotExists: &no}
	}
	err := a.deliver(ctx, "sending message", func(opt discordgo.RequestOption) error {
		_, err := a.s.ChannelMessageSendComplex(channel, ms, opt)
		return err
	})
	if err != nil {
		a.log.Error("sending message", "err", err)
	}
}

// shouldNotify limits "you are asking too fast" replies to mentions to one per user per 30 seconds.
func (a *Adapter) shouldNotify(user string) bool {
	if a.notices.Contains(user) {
		return false
	}
	a.notices.Add(user, struct{}{})
	return true
}

func mentions(m *discordgo.Message, me string) bool {
	for _, u := range m.Mentions {
		if u != nil && u.ID == me {
			return true
		}
	}
	return false
}

var (
	// Discord's markup that names someone or something by id: users <@id> <@!id>, roles <@&id>,
	// channels <#id>, commands </name:id>, timestamps <t:unix:style>. None of it helps to answer a
	// question, and the ids must not be stored or logged.
	references = regexp.MustCompile(`<(?:@[!&]?\d+|#\d+|/[^<>:\s]+(?: [^<>:\s]+){0,2}:\d+|t:-?\d+(?::[tTdDfFR])?)>`)
	// Custom emoji <:name:id> and <a:name:id> keep their name.
	customEmoji = regexp.MustCompile(`<a?:(\w{1,32}):\d+>`)
	broadcasts  = regexp.MustCompile(`@(?:everyone|here)\b`)
	spaces      = regexp.MustCompile(`\s+`)
)

// plainText turns message or option text into what the bot is asked: every mention and reference
// (the bot's own included) removed, custom emoji reduced to their names, spaces tidied.
func plainText(text string) string {
	text = references.ReplaceAllString(text, " ")
	text = customEmoji.ReplaceAllString(text, ":$1:")
	text = broadcasts.ReplaceAllString(text, " ")
	return strings.TrimSpace(spaces.ReplaceAllString(text, " "))
}
