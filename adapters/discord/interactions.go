package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/radbot/radbot/adapters/internal/retry"
	"github.com/radbot/radbot/adapters/internal/work"
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

// retryable reports whether a failed REST call may succeed if sent again: it failed below HTTP
// (reset, timeout, refused) or Discord answered with a server error. Client errors (400, 404
// "unknown interaction") never will.
func retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var re *discordgo.RESTError
	if errors.As(err, &re) {
		return re.Response != nil && re.Response.StatusCode >= http.StatusInternalServerError
	}
	return true
}

func isAPICode(err error, code int) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Message != nil && re.Message.Code == code
}

// deliver sends a reply that has no 3-second limit (an edit, followup or message) with a fresh
// context of its own, retrying within replyBudget.
func (a *Adapter) deliver(ctx context.Context, what string, call func(opt discordgo.RequestOption) error) error {
	ctx, cancel := work.Fresh(ctx, replyBudget)
	defer cancel()
	err := retry.Do(ctx, retry.Policy{First: 200 * time.Millisecond, Max: 3 * time.Second, Attempt: 10 * time.Second,
		Retryable: retryable}, func(ctx context.Context) error { return call(discordgo.WithContext(ctx)) })
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// responder answers one interaction, remembering whether it has already acknowledged it. Its methods
// are safe to call from the handler and from the defer timer at once.
type responder struct {
	a       *Adapter
	i       *discordgo.Interaction
	arrived time.Time // when the event reached the adapter: Discord's 3 s run from about then

	mu    sync.Mutex
	state int // stateNone, stateDeferred or stateDone
}

const (
	stateNone = iota
	stateDeferred
	stateDone
)

// callback sends the interaction's first response, retrying until shortly before Discord's three
// seconds are up. If a retry finds the interaction already acknowledged, an earlier attempt got
// through after all.
func (r *responder) callback(ctx context.Context, resp *discordgo.InteractionResponse, what string) error {
	deadline := r.arrived.Add(interactionWindow - callbackMargin)
	if time.Until(deadline) < 500*time.Millisecond {
		deadline = time.Now().Add(500 * time.Millisecond) // late already: one honest try
	}
	ctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	defer cancel()
	tried := false
	err := retry.Do(ctx, retry.Policy{First: 100 * time.Millisecond, Max: 400 * time.Millisecond, Attempt: time.Second,
		Retryable: retryable}, func(ctx context.Context) error {
		err := r.a.s.InteractionRespond(r.i, resp, discordgo.WithContext(ctx))
		if err != nil && tried && isAPICode(err, discordgo.ErrCodeInteractionHasAlreadyBeenAcknowledged) {
			return nil
		}
		tried = true
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// send delivers m as the answer: the initial response, an edit of a deferred response, or a followup.
func (r *responder) send(ctx context.Context, m message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.a.s
	switch r.state {
	case stateNone:
		r.state = stateDone
		return r.callback(ctx, &discordgo.InteractionResponse{
			Type: discordgo.InteractionResponseChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{
				Content: m.Content, Embeds: m.Embeds, Components: m.Components,
				AllowedMentions: noPings(), Flags: flags(m),
			},
		}, "responding to interaction")
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
			return r.a.deliver(ctx, "editing deferred response", func(opt discordgo.RequestOption) error {
				_, err := s.InteractionResponseEdit(r.i, &discordgo.WebhookEdit{
					Content: &m.Content, Embeds: &embeds, Components: &comps, AllowedMentions: noPings(),
				}, opt)
				return err
			})
		}
		// Private after a public "thinking…": remove it, then answer privately.
		if err := r.a.deliver(ctx, "deleting deferred response", func(opt discordgo.RequestOption) error {
			return s.InteractionResponseDelete(r.i, opt)
		}); err != nil {
			r.a.log.Warn("deleting deferred response", "err", err)
		}
	}
	return r.a.deliver(ctx, "sending followup", func(opt discordgo.RequestOption) error {
		_, err := s.FollowupMessageCreate(r.i, true, &discordgo.WebhookParams{
			Content: m.Content, Embeds: m.Embeds, Components: m.Components,
			AllowedMentions: noPings(), Flags: flags(m),
		}, opt)
		return err
	})
}

// deferPublic acknowledges the interaction with "RadBot is thinking…" in the channel, unless it has
// been answered already.
func (r *responder) deferPublic(ctx context.Context) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state != stateNone {
		return
	}
	err := r.callback(ctx, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
	}, "deferring interaction")
	if err != nil {
		r.a.log.Error("deferring", "err", err)
		return
	}
	r.state = stateDeferred
}

// modal opens a modal; only possible as the first response.
func (r *responder) modal(ctx context.Context, data *discordgo.InteractionResponseData) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state = stateDone
	return r.callback(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseModal, Data: data}, "opening modal")
}

// reply sends m and logs a failure; there is nobody else to tell.
func (r *responder) reply(ctx context.Context, m message) {
	if err := r.send(ctx, m); err != nil {
		r.a.log.Error("replying to interaction", "kind", r.i.Type.String(), "err", err)
	}
}

func (r *responder) done() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state == stateDone
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
	arrived := time.Now()
	if ic == nil || ic.Interaction == nil {
		return
	}
	r := &responder{a: a, i: ic.Interaction, arrived: arrived}
	handled := a.work.Do(work.Job{
		Kind: "interaction",
		Run:  func(ctx context.Context) { a.interaction(ctx, r) },
		OnPanic: func(ctx context.Context) {
			if !r.done() {
				r.reply(ctx, a.errorMessage())
			}
		},
	})
	if handled || !answerable(ic.Interaction) {
		return
	}
	// Shutting down: say so rather than leave "This interaction failed".
	a.work.Notice(work.Job{Kind: "restarting", Run: func(ctx context.Context) {
		r.reply(ctx, simple(restartingText, true))
	}})
}

func answerable(i *discordgo.Interaction) bool {
	switch i.Type {
	case discordgo.InteractionApplicationCommand, discordgo.InteractionMessageComponent, discordgo.InteractionModalSubmit:
		return true
	}
	return false
}

func (a *Adapter) interaction(ctx context.Context, r *responder) {
	i := r.i
	if !answerable(i) {
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
			question = plainText(o.StringValue())
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
		if err := a.vote(ctx, r, user, act.interactionID, true, ""); err != nil {
			r.reply(ctx, a.feedbackError(err))
			return
		}
		r.reply(ctx, a.thanks())
	case "down":
		// The vote is on disk before the modal opens, so it counts even if the modal is dismissed.
		if err := a.vote(ctx, r, user, act.interactionID, false, ""); err != nil {
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
	if err := a.vote(ctx, r, user, act.interactionID, false, comment); err != nil {
		r.reply(ctx, a.feedbackError(err))
		return
	}
	r.reply(ctx, a.thanks())
}

// vote records feedback with a deadline that leaves time to respond within Discord's 3 seconds.
func (a *Adapter) vote(ctx context.Context, r *responder, user string, interactionID int64, helpful bool, comment string) error {
	ctx, cancel := context.WithDeadline(ctx, r.arrived.Add(feedbackTimeout))
	defer cancel()
	err := a.b.Feedback(ctx, bot.Feedback{Platform: platform, UserID: user, InteractionID: interactionID,
		Helpful: helpful, Comment: comment})
	if err != nil {
		a.log.Warn("recording feedback", "interaction", interactionID, "user", a.userRef(user), "err", err)
		return err
	}
	a.log.Info("feedback", "interaction", interactionID, "helpful", helpful, "comment", comment != "", "user", a.userRef(user))
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

// answerInteraction asks the bot and replies. If no answer has come DeferAfter after the interaction
// arrived, it defers publicly first, then edits (or, for a private reply, deletes and follows up
// ephemerally). If the handler's time runs out first, the user is told something went wrong.
func (a *Adapter) answerInteraction(ctx context.Context, r *responder, q bot.Query) {
	res := make(chan bot.Reply, 1) // buffered: the helper can always finish, even if we stop waiting
	a.work.Also(func() {
		defer func() {
			if p := recover(); p != nil {
				a.log.Error("answer panicked", "panic", fmt.Sprint(p))
				close(res)
			}
		}()
		res <- a.answer(ctx, q)
	})
	timer := time.AfterFunc(max(0, a.cfg.DeferAfter-time.Since(r.arrived)), func() { r.deferPublic(ctx) })
	defer timer.Stop()
	select {
	case rep, ok := <-res:
		timer.Stop()
		if !ok {
			r.reply(ctx, a.errorMessage())
			return
		}
		r.reply(ctx, renderReply(rep, a.texts()))
	case <-ctx.Done():
		timer.Stop()
		a.log.Error("answering interaction took too long", "timeout", a.cfg.HandlerTimeout)
		r.reply(ctx, a.errorMessage())
	}
}
