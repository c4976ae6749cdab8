package slack

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/slack-go/slack"

	"github.com/radbot/radbot/adapters/internal/redact"
	"github.com/radbot/radbot/adapters/internal/retry"
)

const (
	// maxPostText is the most text Post puts in one message: Slack truncates longer messages, and
	// advises keeping the text of one under 4000 characters.
	maxPostText = 4000
	// maxPostParts caps the messages one Post sends.
	maxPostParts = 5
	// postBudget bounds one Post, retries included, within the caller's context.
	postBudget = time.Minute
)

// channelID is a Slack conversation id: C… (channel), G… (private channel, older workspaces) or
// D… (direct message).
var channelID = regexp.MustCompile(`^[CGD][A-Z0-9]{8,20}$`)

// CheckChannelID reports whether id can name a Slack channel. Names such as #maintainers are refused:
// a name changes when the channel is renamed, its id never does. Post and serve's configuration
// check use it.
func CheckChannelID(id string) error {
	if !channelID.MatchString(id) {
		return fmt.Errorf("%q is not a Slack channel id (C followed by letters and digits: open the channel's details; the id is at the bottom)", id)
	}
	return nil
}

// Post sends text, written in Markdown, to a channel as the bot (chat.postMessage), converted to
// Slack mrkdwn by Mrkdwn. The conversion escapes &, < and >, so no <!channel>, <!here>,
// <!everyone> or <@U…> in the text can notify anyone, and link_names is not set, so a plain @here
// stays text. Link and media previews are off. Text over 4000 characters goes in several messages
// (at most five). It needs only the Web API, so Run need not be running; the bot must be a member
// of the channel (/invite @RadBot). Rate limits, server errors and failures below HTTP are retried
// within a minute (and ctx).
func (a *Adapter) Post(ctx context.Context, channel, text string) error {
	if err := CheckChannelID(channel); err != nil {
		return fmt.Errorf("slack post: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, postBudget)
	defer cancel()
	parts := splitMrkdwn(Mrkdwn(text), maxPostText)
	if len(parts) > maxPostParts {
		parts = parts[:maxPostParts]
		parts[maxPostParts-1] += "\n…"
	}
	for i, part := range parts {
		err := retry.Do(ctx, retry.Policy{First: 500 * time.Millisecond, Max: 5 * time.Second, Attempt: 15 * time.Second,
			Retryable: retryable}, func(ctx context.Context) error {
			_, _, err := a.api.PostMessageContext(ctx, channel,
				slack.MsgOptionText(part, false), // escaped by Mrkdwn
				slack.MsgOptionDisableLinkUnfurl(), slack.MsgOptionDisableMediaUnfurl())
			return wrap("chat.postMessage", err)
		})
		if err != nil {
			return redact.Error(fmt.Errorf("slack post: message %d: %w", i+1, err))
		}
	}
	return nil
}
