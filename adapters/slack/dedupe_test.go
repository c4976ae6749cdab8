package slack

import (
	"context"
	"fmt"
	"testing"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

type nobot struct{}

func (nobot) Answer(ctx context.Context, q bot.Query) bot.Reply  { return bot.Reply{} }
func (nobot) Feedback(ctx context.Context, f bot.Feedback) error { return nil }
func (nobot) Knowledge() *knowledge.Base                         { return nil }

// Issue 14, point 6: the retry filter was a map wiped whole at 50,000 keys, so the retries of recent
// events got through again right after a wipe. The LRU forgets the oldest keys only.
func TestDedupeForgetsOldestOnly(t *testing.T) {
	a, err := New(Config{Mode: ModeHTTP, BotToken: "xoxb-x", SigningSecret: "s"}, nobot{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range dedupeSize + 10 {
		if !a.first(fmt.Sprint("event:", i)) {
			t.Fatalf("event %d seen as a repeat", i)
		}
	}
	for i := dedupeSize + 9; i > 20; i -= 997 { // recent ones are all still remembered
		if a.first(fmt.Sprint("event:", i)) {
			t.Fatalf("event %d, delivered again, was taken as new", i)
		}
	}
	if !a.first("event:0") {
		t.Error("the oldest event is still remembered past the cache size")
	}
}
