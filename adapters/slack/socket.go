package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// runSocket runs the Socket Mode connection until ctx is done. It reads the client's events itself
// rather than through socketmode.SocketmodeHandler, so that every handler is tracked, acknowledged
// first and protected from panics.
func (a *Adapter) runSocket(ctx context.Context) error {
	sm := socketmode.New(a.api, socketmode.OptionLog(slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)))
	loopCtx, stop := context.WithCancel(ctx)
	var loop sync.WaitGroup
	loop.Go(func() { a.socketLoop(loopCtx, sm) })
	err := sm.RunContext(loopCtx)
	stop()
	loop.Wait()
	if ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("slack socket mode: %w", err)
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
	defer a.recoverPanic(string(evt.Type))
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.log.Debug("connecting to Slack")
	case socketmode.EventTypeConnected:
		n := 0
		if c, ok := evt.Data.(*socketmode.ConnectedEvent); ok {
			n = c.ConnectionCount
		}
		a.log.Info("connected to Slack (socket mode)", "reconnects", n)
	case socketmode.EventTypeHello:
		a.log.Debug("socket mode hello")
	case socketmode.EventTypeConnectionError:
		var err error
		if c, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			err = c.ErrorObj
		}
		a.log.Warn("socket mode connection failed; retrying", "err", err)
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("socket mode: Slack refused the app-level token")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		a.log.Warn("socket mode problem", "type", string(evt.Type))
	case socketmode.EventTypeEventsAPI:
		a.ack(ctx, sm, evt)
		if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
			a.handleEventsAPI(ev)
		}
	case socketmode.EventTypeSlashCommand:
		a.ack(ctx, sm, evt)
		if cmd, ok := evt.Data.(slack.SlashCommand); ok {
			a.handleSlash(cmd)
		}
	case socketmode.EventTypeInteractive:
		// An empty ack also closes a submitted modal.
		a.ack(ctx, sm, evt)
		if ic, ok := evt.Data.(slack.InteractionCallback); ok {
			a.handleInteraction(ic)
		}
	default:
		a.log.Debug("ignoring a socket mode event", "type", string(evt.Type))
	}
}

// ack acknowledges an envelope, which must reach Slack within three seconds.
func (a *Adapter) ack(ctx context.Context, sm *socketmode.Client, evt socketmode.Event) {
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	if err := sm.AckCtx(ctx, evt.Request.EnvelopeID, nil); err != nil && !errors.Is(err, context.Canceled) {
		a.log.Warn("acknowledging a socket mode envelope", "type", string(evt.Type), "err", err)
	}
}
