package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/radbot/radbot/adapters/internal/redact"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// runSocket runs the Socket Mode connection until ctx is done. It reads the client's events itself
// rather than through socketmode.SocketmodeHandler, so that every handler is tracked, acknowledged
// first and protected from panics. When ctx ends, the connection stays open while the work in flight
// drains, so that a slash command arriving meanwhile is told to ask again; then it closes.
func (a *Adapter) runSocket(ctx context.Context) error {
	sm := socketmode.New(a.api, socketmode.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)))
	loopCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	var loop sync.WaitGroup
	loop.Go(func() { a.socketLoop(loopCtx, sm) })
	runDone := make(chan error, 1)
	go func() { runDone <- sm.RunContext(loopCtx) }()
	var err error
	finished := false
	select {
	case <-ctx.Done():
	case err = <-runDone:
		finished = true
	}
	a.drain()
	a.acks.Wait() // acknowledge what was handled before the connection closes
	stop()
	if !finished {
		<-runDone
	}
	loop.Wait()
	a.setConnected(false)
	if ctx.Err() != nil {
		return nil
	}
	return redact.Error(fmt.Errorf("slack socket mode: %w", err))
}

// socketLoop drains the client's events; the client blocks when nobody reads them.
func (a *Adapter) socketLoop(ctx context.Context, sm *socketmode.Client) {
	for {
		select {
		case <-ctx.Done():
			return
		case evt, ok := <-sm.Events:
			if !ok {
				return
			}
			a.onSocketEvent(ctx, sm, evt)
		}
	}
}

func (a *Adapter) onSocketEvent(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	defer func() {
		if p := recover(); p != nil {
			a.logPanic(string(evt.Type), p)
		}
	}()
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.Debug("connecting to Slack")
	case socketmode.EventTypeConnected:
		n := 0
		if c, ok := evt.Data.(*socketmode.ConnectedEvent); ok {
			n = c.ConnectionCount
		}
		a.setConnected(true)
		a.log.Info("connected to Slack (socket mode)", "reconnects", n)
	case socketmode.EventTypeHello:
		a.log.Debug("socket mode hello")
	case socketmode.EventTypeConnectionError:
		var err error
		if c, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			err = c.ErrorObj
		}
		a.setConnected(false)
		a.log.Warn("socket mode connection failed; retrying", "err", err)
	case socketmode.EventTypeDisconnect:
		a.setConnected(false)
		a.log.Info("socket mode: Slack asked to reconnect")
	case socketmode.EventTypeInvalidAuth:
		a.setConnected(false)
		a.log.Error("socket mode: Slack refused the app-level token")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		a.log.Warn("socket mode problem", "type", string(evt.Type))
	case socketmode.EventTypeEventsAPI:
		if a.work.Closing() {
			return // not acknowledged: Slack delivers it again, to whoever serves next
		}
		var pending sync.WaitGroup
		if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
			a.handleEventsAPI(ev, &pending)
		}
		a.ackAfter(ctx, sm, evt, &pending)
	case socketmode.EventTypeSlashCommand:
		if a.work.Closing() {
			a.ackWith(ctx, sm, evt, map[string]any{"response_type": "ephemeral", "text": restartingText})
			return
		}
		var pending sync.WaitGroup
		if cmd, ok := evt.Data.(slack.SlashCommand); ok {
			a.handleSlash(cmd, &pending)
		}
		a.ackAfter(ctx, sm, evt, &pending)
	case socketmode.EventTypeInteractive:
		// An empty ack also closes a submitted modal.
		a.ack(ctx, sm, evt)
		if ic, ok := evt.Data.(slack.InteractionCallback); ok {
			a.handleInteraction(ic, nil)
		}
	default:
		a.log.Debug("ignoring a socket mode event", "type", string(evt.Type))
	}
}

// ackAfter acknowledges an envelope once the work it started is done, or after ackWait at the latest,
// without holding up the events that follow: if this replica dies first, the envelope is not
// acknowledged and Slack delivers it again, to another connection.
func (a *Adapter) ackAfter(ctx context.Context, sm *socketmode.Client, evt socketmode.Event, pending *sync.WaitGroup) {
	a.acks.Go(func() {
		waitFor(pending, ackWait)
		a.ack(ctx, sm, evt)
	})
}

// ack acknowledges an envelope, which must reach Slack within three seconds.
func (a *Adapter) ack(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	a.ackWith(ctx, sm, evt, nil)
}

// ackWith acknowledges an envelope with a payload (for a slash command: the reply itself).
func (a *Adapter) ackWith(ctx context.Context, sm *socketmode.Client, evt socketmode.Event, payload any) {
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	if err := sm.AckCtx(ctx, evt.Request.EnvelopeID, payload); err != nil && !errors.Is(err, context.Canceled) {
		a.log.Warn("acknowledging a socket mode envelope", "type", string(evt.Type), "err", err)
	}
}
