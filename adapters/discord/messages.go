package discord

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

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
	a.handle("message", func(ctx context.Context) { a.message(ctx, m) }, nil)
}

// message answers a direct message or a message that mentions the bot.
func (a *Adapter) message(ctx context.Context, m *discordgo.Message) {
	select {
	case <-a.ready:
	case <-ctx.Done():
		return
	}
	me := *a.botUserID.Load()
	if m.Author.ID == me {
		return
	}
	dm := m.GuildID == ""
	switch {
	case dm && !a.cfg.DMs:
		return
	case !dm && (!a.cfg.Mentions || !mentions(m, me)):
		return
	}
	text := stripMention(m.Content, me)
	if text == "" {
		a.send(ctx, m.ChannelID, m, simple(fmt.Sprintf(helpText, a.cfg.Command), false))
		return
	}
	r, err := a.answer(ctx, bot.Query{Platform: platform, ConversationID: m.ChannelID, UserID: m.Author.ID, Text: text})
	if err != nil {
		a.send(ctx, m.ChannelID, m, simple(or(a.texts().Error, defaultError), false))
		return
	}
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
	opt := discordgo.WithContext(ctx)
	ch, err := a.s.UserChannelCreate(m.Author.ID, opt)
	if err == nil {
		_, err = a.s.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{
			Content: out.Content, Embeds: out.Embeds, Components: out.Components, AllowedMentions: noPings(),
		}, opt)
	}
	if err != nil {
		a.log.Warn("sending refusal by DM; replying in the channel instead", "user", userHash(m.Author.ID), "err", err)
		a.send(ctx, m.ChannelID, m, out)
		return
	}
	a.send(ctx, m.ChannelID, m, simple(dmPointer, false))
}

// send replies to m in channel, never pinging anyone.
func (a *Adapter) send(ctx context.Context, channel string, m *discordgo.Message, out message) {
	no := false
	ms := &discordgo.MessageSend{
		Content: out.Content, Embeds: out.Embeds, Components: out.Components, AllowedMentions: noPings(),
	}
	if m != nil {
		ms.Reference = &discordgo.MessageReference{MessageID: m.ID, ChannelID: m.ChannelID, GuildID: m.GuildID,
			FailIfNotExists: &no}
	}
	if _, err := a.s.ChannelMessageSendComplex(channel, ms, discordgo.WithContext(ctx)); err != nil {
		a.log.Error("sending message", "err", err)
	}
}

// shouldNotify limits "you are asking too fast" replies to mentions to one per user per 30 seconds.
func (a *Adapter) shouldNotify(user string) bool {
	now := time.Now()
	a.noticeMu.Lock()
	defer a.noticeMu.Unlock()
	for k, t := range a.notices {
		if now.Sub(t) > limitedNoticeEvery {
			delete(a.notices, k)
		}
	}
	if _, ok := a.notices[user]; ok {
		return false
	}
	a.notices[user] = now
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

var spaces = regexp.MustCompile(`\s+`)

// stripMention removes <@me> and <@!me> from text and tidies the spaces left behind.
func stripMention(text, me string) string {
	if me != "" {
		text = strings.NewReplacer("<@"+me+">", " ", "<@!"+me+">", " ").Replace(text)
	}
	return strings.TrimSpace(spaces.ReplaceAllString(text, " "))
}
