package slack

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/radbot/radbot/adapters/internal/retry"
	"github.com/radbot/radbot/adapters/internal/work"
	"github.com/radbot/radbot/bot"
)

// The handlers below are shared by Socket Mode and HTTP. Each one is called after the delivery has
// been acknowledged (or while the HTTP response is about to be written), does only quick checks,
// and hands the real work to spawn. They return false only when the adapter is shutting down and
// the work was dropped.

// target says where and how to reply.
type target struct {
	api         *slack.Client // the workspace's client, set by job
	channel     string
	user        string
	threadTS    string // reply in this thread when set
	responseURL string // slash commands and button clicks
	viaResponse bool   // reply through responseURL (slash commands)
}

// conversation keys the context a follow-up is read against (the core adds the user). It is the
// channel, not the thread: RadBot answers a top-level mention in a thread under it, so a person who
// asks "and for IR?" in a new mention, in that thread, or by the slash command in the same channel is
// still talking to it about the same thing. The context expires after a few minutes, and only an
// elliptical question is read against it.
func (t target) conversation() string {
	return t.channel
}

// job runs f in the background for an event from workspace teamID, with that workspace's client. With
// a key, the event is claimed first (see take) and dropped if it was handled elsewhere. pending, if
// not nil, counts the job until its reply is out, so the delivery is acknowledged only then (or at
// ackWait): a replica killed before that leaves the delivery unacknowledged, and Slack delivers it
// again to another.
func (a *Adapter) job(kind, teamID, key string, pending *sync.WaitGroup, f func(ctx context.Context, tm *team)) bool {
	if pending != nil {
		pending.Add(1)
	}
	ok := a.spawn(kind, func(ctx context.Context) {
		if pending != nil {
			defer pending.Done()
		}
		finish := func(bool) {}
		if key != "" {
			var taken bool
			if finish, taken = a.take(ctx, key); !taken {
				a.log.Debug("ignoring a redelivered event", "kind", kind)
				return
			}
		}
		tm, err := a.teams.get(ctx, teamID)
		if err != nil {
			a.log.Warn("an event from a workspace without a token", "kind", kind, "team_id", teamID, "err", err)
			finish(true)
			return
		}
		f(ctx, tm)
		finish(true)
	})
	if !ok && pending != nil {
		pending.Done()
	}
	return ok
}

// handleEventsAPI deals with an Events API callback: an @mention, a direct message, or the app's
// removal from a workspace.
func (a *Adapter) handleEventsAPI(ev slackevents.EventsAPIEvent, pending *sync.WaitGroup) bool {
	if ev.Type != slackevents.CallbackEvent {
		return true
	}
	// Messages are claimed by channel and timestamp: a redelivery carries the same ones (and the same
	// event_id), and they also tell apart two deliveries of one message under different event ids.
	teamID := ev.TeamID
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppUninstalledEvent:
		return a.spawn("uninstall", func(ctx context.Context) { a.uninstall(ctx, teamID, "app_uninstalled") })
	case *slackevents.TokensRevokedEvent:
		if len(e.Tokens.Bot) == 0 {
			return true // only user tokens: RadBot keeps none
		}
		return a.spawn("uninstall", func(ctx context.Context) { a.uninstall(ctx, teamID, "tokens_revoked") })
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.User == "" || e.Channel == "" || a.isSelf(e.User, e.BotID) {
			return true
		}
		thread := e.ThreadTimeStamp
		if thread == "" {
			thread = e.TimeStamp
		}
		t := target{channel: e.Channel, user: e.User, threadTS: thread}
		q := bot.Query{Platform: Platform, ConversationID: t.conversation(), UserID: e.User, Text: Plain(e.Text)}
		return a.job("mention", teamID, "msg:"+teamID+":"+e.Channel+":"+e.TimeStamp, pending, func(ctx context.Context, tm *team) {
			if tm.is(e.User, e.BotID) {
				return
			}
			t := t // each job its own copy: several jobs may start from one click
			t.api = tm.api
			a.answer(ctx, q, t)
		})
	case *slackevents.MessageEvent:
		if e.ChannelType != "im" || e.SubType != "" || e.BotID != "" || e.User == "" || e.Channel == "" ||
			a.isSelf(e.User, e.BotID) {
			return true
		}
		t := target{channel: e.Channel, user: e.User, threadTS: e.ThreadTimeStamp}
		q := bot.Query{Platform: Platform, ConversationID: t.conversation(), UserID: e.User, Text: Plain(e.Text)}
		return a.job("dm", teamID, "msg:"+teamID+":"+e.Channel+":"+e.TimeStamp, pending, func(ctx context.Context, tm *team) {
			if tm.is(e.User, e.BotID) {
				return
			}
			t := t // each job its own copy: several jobs may start from one click
			t.api = tm.api
			a.answer(ctx, q, t)
		})
	}
	return true
}

// handleSlash deals with the slash command.
func (a *Adapter) handleSlash(cmd slack.SlashCommand, pending *sync.WaitGroup) bool {
	if cmd.Command != a.cfg.Command {
		a.log.Debug("ignoring an unknown slash command", "command", cmd.Command)
		return true
	}
	if cmd.UserID == "" {
		return true
	}
	t := target{channel: cmd.ChannelID, user: cmd.UserID, responseURL: cmd.ResponseURL, viaResponse: cmd.ResponseURL != ""}
	q := bot.Query{Platform: Platform, ConversationID: t.conversation(), UserID: cmd.UserID, Text: Plain(cmd.Text)}
	key := ""
	if cmd.TriggerID != "" { // one per invocation: a redelivered envelope carries the same
		key = "slash:" + cmd.TriggerID
	}
	return a.job("slash", cmd.TeamID, key, pending, func(ctx context.Context, tm *team) {
		t := t // each job its own copy: several jobs may start from one click
		t.api = tm.api
		a.answer(ctx, q, t)
	})
}

// handleInteraction deals with button clicks and the feedback modal's submission.
func (a *Adapter) handleInteraction(ic slack.InteractionCallback, pending *sync.WaitGroup) bool {
	switch ic.Type {
	case slack.InteractionTypeBlockActions:
		ok := true
		for _, act := range ic.ActionCallback.BlockActions {
			if act != nil {
				ok = a.handleAction(ic, act, pending) && ok
			}
		}
		return ok
	case slack.InteractionTypeViewSubmission:
		if ic.View.CallbackID != CallbackFeedback {
			return true
		}
		meta, ok := decodeFeedbackMeta(ic.View.PrivateMetadata)
		if !ok || ic.User.ID == "" {
			a.log.Warn("ignoring a feedback modal with malformed metadata")
			return true
		}
		var comment string
		if ic.View.State != nil {
			comment = ic.View.State.Values[BlockComment][ActionComment].Value
		}
		comment = truncateRunes(strings.TrimSpace(comment), maxCommentRunes)
		t := target{channel: meta.Channel, user: ic.User.ID, threadTS: meta.ThreadTS}
		return a.job("comment", ic.Team.ID, "", pending, func(ctx context.Context, tm *team) {
			t := t // each job its own copy: several jobs may start from one click
			t.api = tm.api
			a.comment(ctx, t, meta.InteractionID, comment)
		})
	}
	return true
}

// handleAction deals with one clicked button.
func (a *Adapter) handleAction(ic slack.InteractionCallback, act *slack.BlockAction, pending *sync.WaitGroup) bool {
	if ic.User.ID == "" {
		return true
	}
	channel := ic.Channel.ID
	if channel == "" {
		channel = ic.Container.ChannelID
	}
	thread := ic.Container.ThreadTs
	if thread == "" {
		thread = ic.Message.ThreadTimestamp
	}
	t := target{channel: channel, user: ic.User.ID, threadTS: thread, responseURL: ic.ResponseURL}

	switch {
	case act.ActionID == ActionHelpful || act.ActionID == ActionNotHelpful:
		id, err := strconv.ParseInt(act.Value, 10, 64)
		if err != nil || id <= 0 {
			a.log.Warn("ignoring a feedback button with a malformed value", "action_id", act.ActionID)
			return true
		}
		if act.ActionID == ActionHelpful {
			return a.job("vote", ic.Team.ID, "", pending, func(ctx context.Context, tm *team) {
				t := t // each job its own copy: several jobs may start from one click
				t.api = tm.api
				a.vote(ctx, t, id, true, true)
			})
		}
		// The trigger expires three seconds after the click, so the modal does not wait for the vote;
		// the vote is on disk even if the user dismisses the modal.
		trigger := ic.TriggerID
		ok := a.job("modal", ic.Team.ID, "", nil, func(ctx context.Context, tm *team) {
			t := t // each job its own copy: several jobs may start from one click
			t.api = tm.api
			if !a.openFeedbackModal(ctx, trigger, id, t) {
				a.notice(ctx, t, a.texts().FeedbackThanks)
			}
		})
		return a.job("vote", ic.Team.ID, "", pending, func(ctx context.Context, tm *team) {
			t := t // each job its own copy: several jobs may start from one click
			t.api = tm.api
			a.vote(ctx, t, id, false, false)
		}) && ok
	case strings.HasPrefix(act.ActionID, ActionRelated) || strings.HasPrefix(act.ActionID, ActionPick):
		entryID := act.Value
		if !validEntryID(entryID) {
			a.log.Warn("ignoring an entry button with a malformed value", "action_id", truncateRunes(act.ActionID, 40))
			return true
		}
		q := bot.Query{Platform: Platform, ConversationID: t.conversation(), UserID: ic.User.ID, EntryID: entryID}
		return a.job("entry", ic.Team.ID, "", pending, func(ctx context.Context, tm *team) {
			t := t // each job its own copy: several jobs may start from one click
			t.api = tm.api
			a.answer(ctx, q, t)
		})
	}
	a.log.Debug("ignoring an unknown action", "action_id", truncateRunes(act.ActionID, 40))
	return true
}

// validEntryID accepts the ids the renderer puts on buttons: short, printable, no spaces.
func validEntryID(id string) bool {
	if id == "" || len(id) > maxButtonValue || !utf8.ValidString(id) {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// answer asks the bot and posts the reply.
func (a *Adapter) answer(ctx context.Context, q bot.Query, t target) {
	r := a.b.Answer(ctx, q)
	msg := Render(r)
	if err := a.post(ctx, t, msg); err != nil {
		a.log.Error("posting a reply", "status", string(r.Status), "err", err)
		if !msg.Ephemeral {
			a.notice(ctx, t, a.texts().Error)
		}
		return
	}
	a.log.Debug("replied", "status", string(r.Status))
}

// vote records a vote and, if thank is set, thanks the user privately.
func (a *Adapter) vote(ctx context.Context, t target, id int64, helpful, thank bool) {
	err := a.b.Feedback(ctx, bot.Feedback{Platform: Platform, UserID: t.user, InteractionID: id, Helpful: helpful})
	if err != nil {
		if errors.Is(err, bot.ErrNotFound) {
			a.log.Warn("vote on an unknown interaction", "interaction", id)
		} else {
			a.log.Error("saving a vote", "interaction", id, "err", err)
		}
		a.notice(ctx, t, a.texts().Error)
		return
	}
	if thank {
		a.notice(ctx, t, a.texts().FeedbackThanks)
	}
}

// comment records the comment from the feedback modal and thanks the user.
func (a *Adapter) comment(ctx context.Context, t target, id int64, comment string) {
	if comment != "" {
		err := a.b.Feedback(ctx, bot.Feedback{Platform: Platform, UserID: t.user, InteractionID: id, Helpful: false, Comment: comment})
		if err != nil {
			a.log.Error("saving a feedback comment", "interaction", id, "err", err)
			a.notice(ctx, t, a.texts().Error)
			return
		}
	}
	if t.channel != "" {
		a.notice(ctx, t, a.texts().FeedbackThanks)
	}
}

// openFeedbackModal opens the "Not helpful" modal; it reports whether Slack accepted it.
func (a *Adapter) openFeedbackModal(ctx context.Context, triggerID string, id int64, t target) bool {
	if triggerID == "" {
		return false
	}
	if _, err := t.api.OpenViewContext(ctx, triggerID, FeedbackModal(id, t.channel, t.threadTS)); err != nil {
		a.log.Warn("opening the feedback modal", "err", err)
		return false
	}
	return true
}

// notice shows a short text only to the user; failures are logged.
func (a *Adapter) notice(ctx context.Context, t target, text string) {
	msg := renderText(text, nil, true)
	if err := a.post(ctx, t, msg); err != nil {
		a.log.Warn("posting a private notice", "err", err)
	}
}

// retryable reports whether a failed Slack call may succeed if sent again: it failed below HTTP, was
// rate-limited, or met a server error. An API error ({"ok":false}) never will.
func retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	var se slack.SlackErrorResponse
	switch {
	case errors.As(err, &rl):
		return true
	case errors.As(err, &sc):
		return sc.Code >= 500
	case errors.As(err, &se):
		return false
	}
	return true
}

// post delivers a message with a fresh context of its own (the job's may have run out), retrying
// failures that may pass within the job timeout.
func (a *Adapter) post(ctx context.Context, t target, msg Message) error {
	ctx, cancel := work.Fresh(ctx, a.cfg.JobTimeout)
	defer cancel()
	return retry.Do(ctx, retry.Policy{First: 200 * time.Millisecond, Max: 3 * time.Second, Attempt: 10 * time.Second,
		Retryable: retryable}, func(ctx context.Context) error { return a.postOnce(ctx, t, msg) })
}

// postOnce delivers a message. Public messages go to the channel (in the thread when there is one),
// ephemeral ones to the user alone; slash commands reply through their response_url. When a
// channel post fails (say, the bot is not a member) and a response_url is at hand, it is used
// instead.
func (a *Adapter) postOnce(ctx context.Context, t target, msg Message) error {
	respType := slack.ResponseTypeInChannel
	if msg.Ephemeral {
		respType = slack.ResponseTypeEphemeral
	}
	if t.viaResponse && t.responseURL != "" {
		return a.respond(ctx, t.responseURL, respType, msg)
	}
	if t.api == nil {
		t.api = a.api
	}
	if t.channel == "" {
		if t.responseURL != "" {
			return a.respond(ctx, t.responseURL, respType, msg)
		}
		return errors.New("nowhere to reply")
	}
	opts := []slack.MsgOption{
		slack.MsgOptionText(msg.Text, false), // already escaped
		slack.MsgOptionBlocks(msg.Blocks...),
	}
	if t.threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(t.threadTS))
	}
	var err error
	if msg.Ephemeral {
		_, err = t.api.PostEphemeralContext(ctx, t.channel, t.user, opts...)
		err = wrap("chat.postEphemeral", err)
	} else {
		// Source links would otherwise unfold into large previews under every answer.
		opts = append(opts, slack.MsgOptionDisableLinkUnfurl(), slack.MsgOptionDisableMediaUnfurl())
		_, _, err = t.api.PostMessageContext(ctx, t.channel, opts...)
		err = wrap("chat.postMessage", err)
	}
	if err == nil || t.responseURL == "" || ctx.Err() != nil {
		return err
	}
	a.log.Debug("falling back to the response_url", "err", err)
	if rerr := a.respond(ctx, t.responseURL, respType, msg); rerr != nil {
		return errors.Join(err, rerr)
	}
	return nil
}

// respond posts msg to a response_url as a new message (never replacing the original).
func (a *Adapter) respond(ctx context.Context, responseURL, responseType string, msg Message) error {
	_, _, err := a.api.PostMessageContext(ctx, "",
		slack.MsgOptionResponseURL(responseURL, responseType),
		slack.MsgOptionText(msg.Text, false),
		slack.MsgOptionBlocks(msg.Blocks...),
	)
	return wrap("response_url", err)
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}
