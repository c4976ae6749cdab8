package discord

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/radbot/radbot/bot"
)

// noPings allows no mention of any kind to notify anyone. Parse is empty, not nil, so the JSON says
// "parse":[] and Discord parses nothing: text a user typed (@everyone, <@id>) stays text.
func noPings() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}, RepliedUser: false}
}

func flags(m message) discordgo.MessageFlags {
	if m.Ephemeral {
		return discordgo.MessageFlagsEphemeral
	}
	return 0
}

// responder answers one interaction, remembering whether it has already acknowledged it.
type responder struct {
	a     *Adapter
	i     *discordgo.Interaction
	state int // stateNone, stateDeferred or stateDone
}

const (
	stateNone = iota
	stateDeferred
	stateDone
)

// send delivers m as the answer: the initial response, an edit of a deferred response, or a followup.
func (r *responder) send(ctx context.Context, m message) error {
	s, opt := r.a.s, discordgo.WithContext(ctx)
	switch r.state {
	case stateNone:
		r.state = stateDone
		err := s.InteractionRespond(r.i, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{
				Content: m.Content, Embeds: m.Embeds, Components: m.Components,
				AllowedMentions: noPings(), Flags: flags(m),
			},
		}, opt)
		if err != nil {
			return fmt.Errorf("responding to interaction: %w", err)
		}
		return nil
	case stateDeferred:
		r.state = stateDone
		if !m.Ephemeral {
			comps := m.Components
			if comps == nil {
				comps = []discordgo.MessageComponent{}
			}
			embeds := m.Embeds
			if embeds == nil {
				embeds = []*discordgo.MessageEmbed{}
			}
			_, err := s.InteractionResponseEdit(r.i, &discordgo.WebhookEdit{
				Content: &m.Content, Embeds: &embeds, Components: &comps, AllowedMentions: noPings(),
			}, opt)
			if err != nil {
				return fmt.Errorf("editing deferred response: %w", err)
			}
			return nil
		}
		// Private after a public "thinking…": remove it, then answer privately.
		if err := s.InteractionResponseDelete(r.i, opt); err != nil {
			r.a.log.Warn("deleting deferred response", "err", err)
		}
	}
	_, err := s.FollowupMessageCreate(r.i, true, &discordgo.WebhookParams{
		Content: m.Content, Embeds: m.Embeds, Components: m.Components,
		AllowedMentions: noPings(), Flags: flags(m),
	}, opt)
	if err != nil {
		return fmt.Errorf("sending followup: %w", err)
	}
	return nil
}

// deferPublic acknowledges the interaction with "RadBot is thinking…" in the channel.
func (r *responder) deferPublic(ctx context.Context) error {
	if r.state != stateNone {
		return nil
	}
	err := r.a.s.InteractionRespond(r.i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
	}, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("deferring interaction: %w", err)
	}
	r.state = stateDeferred
	return nil
}

// modal opens a modal; only possible as the first response.
func (r *responder) modal(ctx context.Context, data *discordgo.InteractionResponseData) error {
	r.state = stateDone
	err := r.a.s.InteractionRespond(r.i, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseModal, Data: data,
	}, discordgo.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("opening modal: %w", err)
	}
	return nil
}

// reply sends m and logs a failure; there is nobody else to tell.
func (r *responder) reply(ctx context.Context, m message) {
	if err := r.send(ctx, m); err != nil {
		r.a.log.Error("replying to interaction", "kind", r.i.Type.String(), "err", err)
	}
}

func interactionUser(i *discordgo.Interaction) string {
	if i.Member != nil && i.Member.User != nil {
		return i.Member.User.ID
	}
	if i.User != nil {
		return i.User.ID
	}
	return ""
}

func (a *Adapter) onInteraction(s *discordgo.Session, ic *discordgo.InteractionCreate) {
	if ic == nil || ic.Interaction == nil {
		return
	}
	r := &responder{a: a, i: ic.Interaction}
	a.handle("interaction", func(ctx context.Context) {
		a.interaction(ctx, r)
	}, func(ctx context.Context) {
		if r.state != stateDone {
			r.reply(ctx, a.errorMessage())
		}
	})
}

func (a *Adapter) interaction(ctx context.Context, r *responder) {
	i := r.i
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent, discordgo.InteractionModalSubmit:
	default:
		return // pings and autocomplete: nothing to do
	}
	user := interactionUser(i)
	if i.Data == nil || user == "" {
		// discordgo drops Data it cannot decode, e.g. a modal that uses a component type it does not know.
		a.log.Warn("interaction without usable data", "kind", i.Type.String())
		if i.Type == discordgo.InteractionModalSubmit {
			r.reply(ctx, simple(unreadableForm, true))
			return
		}
		r.reply(ctx, a.staleMessage())
		return
	}
	switch d := i.Data.(type) {
	case discordgo.ApplicationCommandInteractionData:
		a.command(ctx, r, user, d)
	case discordgo.MessageComponentInteractionData:
		a.component(ctx, r, user, d)
	case discordgo.ModalSubmitInteractionData:
		a.modalSubmit(ctx, r, user, d)
	default:
		r.reply(ctx, a.staleMessage())
	}
}

func (a *Adapter) command(ctx context.Context, r *responder, user string, d discordgo.ApplicationCommandInteractionData) {
	switch d.Name {
	case a.cfg.Command:
		var question string
		if o := d.GetOption("question"); o != nil && o.Type == discordgo.ApplicationCommandOptionString {
			question = strings.TrimSpace(o.StringValue())
		}
		if question == "" {
			r.reply(ctx, simple(fmt.Sprintf(helpText, a.cfg.Command), true))
			return
		}
		a.answerInteraction(ctx, r, bot.Query{Platform: platform, ConversationID: r.i.ChannelID, UserID: user, Text: question})
	case "topics":
		r.reply(ctx, renderTopics(a.b.Knowledge(), a.cfg.Command))
	default:
		a.log.Warn("unknown command", "command", d.Name)
		r.reply(ctx, a.staleMessage())
	}
}

func (a *Adapter) component(ctx context.Context, r *responder, user string, d discordgo.MessageComponentInteractionData) {
	act, ok := parseCustomID(d.CustomID)
	if !ok || act.kind == "modal" {
		a.log.Warn("unknown button", "custom_id_len", len(d.CustomID))
		r.reply(ctx, a.staleMessage())
		return
	}
	switch act.kind {
	case "entry":
		if !a.entryExists(act.entryID) {
			a.log.Info("button for an entry that no longer exists")
			r.reply(ctx, a.staleMessage())
			return
		}
		a.answerInteraction(ctx, r, bot.Query{Platform: platform, ConversationID: r.i.ChannelID, UserID: user, EntryID: act.entryID})
	case "up":
		if err := a.vote(ctx, user, act.interactionID, true, ""); err != nil {
			r.reply(ctx, a.feedbackError(err))
			return
		}
		r.reply(ctx, a.thanks())
	case "down":
		// The vote is on disk before the modal opens, so it counts even if the modal is dismissed.
		if err := a.vote(ctx, user, act.interactionID, false, ""); err != nil {
			if errors.Is(err, bot.ErrNotFound) {
				r.reply(ctx, a.staleMessage())
				return
			}
			// Still ask for the comment: submitting it records the vote again.
		}
		if err := r.modal(ctx, feedbackModal(act.interactionID)); err != nil {
			a.log.Error("opening feedback modal", "err", err)
		}
	}
}

func (a *Adapter) modalSubmit(ctx context.Context, r *responder, user string, d discordgo.ModalSubmitInteractionData) {
	act, ok := parseCustomID(d.CustomID)
	if !ok || act.kind != "modal" {
		a.log.Warn("unknown modal", "custom_id_len", len(d.CustomID))
		r.reply(ctx, a.staleMessage())
		return
	}
	comment := strings.TrimSpace(modalComment(d.Components))
	if err := a.vote(ctx, user, act.interactionID, false, comment); err != nil {
		r.reply(ctx, a.feedbackError(err))
		return
	}
	r.reply(ctx, a.thanks())
}

// vote records feedback with a short deadline, leaving time to respond within Discord's 3 seconds.
func (a *Adapter) vote(ctx context.Context, user string, interactionID int64, helpful bool, comment string) error {
	ctx, cancel := context.WithTimeout(ctx, feedbackTimeout)
	defer cancel()
	err := a.b.Feedback(ctx, bot.Feedback{Platform: platform, UserID: user, InteractionID: interactionID,
		Helpful: helpful, Comment: comment})
	if err != nil {
		a.log.Warn("recording feedback", "interaction", interactionID, "user", userHash(user), "err", err)
		return err
	}
	a.log.Info("feedback", "interaction", interactionID, "helpful", helpful, "comment", comment != "", "user", userHash(user))
	return nil
}

func (a *Adapter) thanks() message {
	return simple(or(a.texts().FeedbackThanks, defaultThanks), true)
}

func (a *Adapter) feedbackError(err error) message {
	if errors.Is(err, bot.ErrNotFound) {
		return a.staleMessage()
	}
	return a.errorMessage()
}

// answerInteraction asks the bot and replies. If the answer takes longer than deferAfter it defers
// publicly first, then edits (or, for a private reply, deletes and follows up ephemerally).
func (a *Adapter) answerInteraction(ctx context.Context, r *responder, q bot.Query) {
	type result struct {
		reply bot.Reply
		err   error
	}
	res := make(chan result, 1) // buffered: the worker can always finish, even if we stop waiting
	a.wg.Add(1)                 // safe: this handler already holds a count
	go func() {
		defer a.wg.Done()
		rep, err := a.answer(ctx, q)
		res <- result{rep, err}
	}()

	timer := time.NewTimer(a.deferAfter)
	defer timer.Stop()
	var out result
	select {
	case out = <-res:
	case <-timer.C:
		if err := r.deferPublic(ctx); err != nil {
			a.log.Error("deferring", "err", err)
		}
		select {
		case out = <-res:
		case <-ctx.Done():
			out = result{err: ctx.Err()}
		}
	}
	if out.err != nil {
		a.log.Error("answering interaction", "err", out.err)
		r.reply(ctx, a.errorMessage())
		return
	}
	r.reply(ctx, renderReply(out.reply, a.texts()))
}
