package discord

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/radbot/radbot/adapters/internal/redact"
	"github.com/radbot/radbot/adapters/internal/retry"
)

// maxPostParts caps the messages one Post sends; text beyond them is cut with "…".
const maxPostParts = 5

// postBudget bounds one Post, retries included, within the caller's context.
const postBudget = time.Minute

// CheckChannelID reports whether id can name a Discord channel: a snowflake, the number that
// "Copy Channel ID" gives with Developer Mode on. Post and serve's configuration check use it.
func CheckChannelID(id string) error {
	if !isSnowflake(id) {
		return fmt.Errorf("%q is not a Discord channel id (a number: turn on Developer Mode, then right-click the channel and Copy Channel ID)", id)
	}
	return nil
}

// Post sends text, written in Markdown, to a channel as the bot: one message, or several split at
// paragraph and line breaks when it is longer than Discord's 2000 characters (at most five; the
// rest is cut). Nobody is notified: allowed_mentions is empty, so @everyone, @here, <@id> and
// <@&role> in the text stay text, and link previews are suppressed. It needs only the REST API, not
// the gateway, so Run need not be running; the bot needs View Channel and Send Messages in the
// channel. A failure below HTTP or a server error is retried within a minute (and ctx).
func (a *Adapter) Post(ctx context.Context, channelID, text string) error {
	if err := CheckChannelID(channelID); err != nil {
		return fmt.Errorf("discord post: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, postBudget)
	defer cancel()
	for i, part := range splitPost(text, maxContent, maxPostParts) {
		ms := &discordgo.MessageSend{Content: part, AllowedMentions: noPings(), Flags: discordgo.MessageFlagsSuppressEmbeds}
		err := retry.Do(ctx, retry.Policy{First: 500 * time.Millisecond, Max: 5 * time.Second, Attempt: 15 * time.Second,
			Retryable: retryable}, func(ctx context.Context) error {
			_, err := a.s.ChannelMessageSendComplex(channelID, ms, discordgo.WithContext(ctx))
			return err
		})
		if err != nil {
			return redact.Error(fmt.Errorf("discord post: message %d: %w", i+1, err))
		}
	}
	return nil
}

// splitPost cuts text into at most maxParts pieces of at most max UTF-16 code units each: whole
// paragraphs where they fit, else whole lines, else a line cut short. Text beyond maxParts pieces is
// dropped, the last piece ending with "…".
func splitPost(text string, max, maxParts int) []string {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return nil
	}
	var parts []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			parts = append(parts, s)
		}
		cur.Reset()
	}
	add := func(piece, sep string) bool { // adds piece to the current part if it fits
		if cur.Len() == 0 {
			sep = ""
		}
		if size(cur.String())+size(sep)+size(piece) > max {
			return false
		}
		cur.WriteString(sep + piece)
		return true
	}
	for _, para := range strings.Split(text, "\n\n") {
		if add(para, "\n\n") {
			continue
		}
		flush()
		if add(para, "") {
			continue
		}
		for _, line := range strings.Split(para, "\n") {
			if add(line, "\n") {
				continue
			}
			flush()
			if !add(line, "") {
				cur.WriteString(fit(line, max))
				flush()
			}
		}
	}
	flush()
	if len(parts) > maxParts {
		parts = parts[:maxParts]
		parts[maxParts-1] = fit(parts[maxParts-1]+"\n…", max) // ends with "…" whether or not it was cut
	}
	return parts
}
