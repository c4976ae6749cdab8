package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/radbot/radbot/knowledge"
)

// Options configure a Bot. The zero value works: no store, no rate limit, defaults for the rest.
type Options struct {
	// Store records interactions and votes; nil records nothing.
	Store Store
	// HashKey keys the hashes of user and conversation ids before they are stored.
	HashKey []byte
	// ContextTTL is how long a conversation's context (last entry, pending clarify) lasts. Default 10m.
	ContextTTL time.Duration
	// MaxQuestionChars refuses longer questions politely. Default 500.
	MaxQuestionChars int
	// RatePerMinute and RateBurst limit questions per user; zero RatePerMinute means no limit.
	RatePerMinute float64
	RateBurst     int
	Logger        *slog.Logger
	Observer      Observer
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
}

// Bot answers questions from a knowledge base. It is safe for concurrent use; the knowledge base can be
// swapped while it serves.
type Bot struct {
	opts  Options
	log   *slog.Logger
	index atomic.Pointer[Index]

	mu       sync.Mutex
	convs    map[string]*conversation
	limiters map[string]*limiterEntry
	lastGC   time.Time
}

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// New builds a Bot over base.
func New(base *knowledge.Base, opts Options) *Bot {
	if opts.ContextTTL <= 0 {
		opts.ContextTTL = 10 * time.Minute
	}
	if opts.MaxQuestionChars <= 0 {
		opts.MaxQuestionChars = 500
	}
	if opts.RateBurst <= 0 {
		opts.RateBurst = 5
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	b := &Bot{
		opts:     opts,
		log:      log.With("component", "bot"),
		convs:    map[string]*conversation{},
		limiters: map[string]*limiterEntry{},
	}
	b.index.Store(NewIndex(base))
	return b
}

// SetKnowledge swaps in a new knowledge base atomically. Questions in flight finish on the old one.
func (b *Bot) SetKnowledge(base *knowledge.Base) {
	b.index.Store(NewIndex(base))
}

// Knowledge returns the knowledge base currently served.
func (b *Bot) Knowledge() *knowledge.Base { return b.index.Load().base }

// Answer replies to one question. It never fails: problems recording the interaction are logged, and
// the user still gets the reply.
func (b *Bot) Answer(ctx context.Context, q Query) Reply {
	start := time.Now()
	ix := b.index.Load()
	texts := ix.base.Texts
	var r Reply
	var top []Scored
	switch {
	case len(q.Text) <= 8*b.opts.MaxQuestionChars && ix.crisisPhrase(words(q.Text)) != "":
		// Someone may be in danger: the urgent signposting is always shown, whatever the limits.
		r = crisisReply(texts)
	case utf8.RuneCountInString(q.Text) > b.opts.MaxQuestionChars:
		r = Reply{Status: StatusLimited, Text: fmt.Sprintf(texts.TooLong, b.opts.MaxQuestionChars)}
	case !b.allow(q):
		r = Reply{Status: StatusLimited, Text: texts.RateLimited}
	default:
		r, top = b.answer(ix, q)
	}
	r.KnowledgeVersion = ix.base.Version
	if r.Status != StatusLimited {
		b.record(ctx, q, &r, top)
	}
	if r.Status == StatusFallback && r.Reason == ReasonNoMatch && r.InteractionID != 0 {
		// Only a question that was really stored is said to be kept for the maintainers.
		r.Text = strings.TrimSpace(r.Text) + "\n\n" + strings.TrimSpace(texts.FallbackKept)
	}
	if b.opts.Observer != nil {
		b.opts.Observer.ObserveAnswer(q.Platform, r.Status, time.Since(start))
	}
	return r
}

// record stores the interaction and sets r.InteractionID.
func (b *Bot) record(ctx context.Context, q Query, r *Reply, top []Scored) {
	if b.opts.Store == nil || r.Status == StatusSmalltalk {
		return
	}
	in := &Interaction{
		Time:             b.opts.Now().UTC(),
		Platform:         q.Platform,
		ConversationHash: HashID(b.opts.HashKey, q.Platform, q.ConversationID),
		UserHash:         HashID(b.opts.HashKey, q.Platform, q.UserID),
		Question:         strings.TrimSpace(q.Text),
		Status:           r.Status,
		Score:            r.Score,
		KnowledgeVersion: r.KnowledgeVersion,
	}
	if r.Entry != nil {
		in.EntryID = r.Entry.ID
		in.NearestID = r.Entry.ID
		if q.EntryID != "" && in.Question == "" {
			in.Question = r.Entry.Title
		}
	} else if len(top) > 0 {
		in.NearestID = top[0].Entry.ID
	}
	if r.Status == StatusRefused {
		// The question may reveal someone's health; keep only the fact that it was refused.
		in.Question = "[withheld: personal medical question]"
	}
	id, err := b.opts.Store.SaveInteraction(ctx, in)
	if err != nil {
		b.log.Error("saving interaction", "platform", q.Platform, "status", string(r.Status), "err", err)
		return
	}
	r.InteractionID = id
}

// Feedback records a vote (and optional comment) on an interaction. It returns nil only once the vote
// is stored; an unknown interaction gives an error wrapping ErrNotFound.
func (b *Bot) Feedback(ctx context.Context, f Feedback) error {
	if b.opts.Store == nil {
		return fmt.Errorf("feedback: no store configured")
	}
	if f.InteractionID <= 0 {
		return fmt.Errorf("feedback on interaction %d: %w", f.InteractionID, ErrNotFound)
	}
	v := Vote{
		InteractionID: f.InteractionID,
		Platform:      f.Platform,
		UserHash:      HashID(b.opts.HashKey, f.Platform, f.UserID),
		Helpful:       f.Helpful,
		Comment:       strings.TrimSpace(f.Comment),
		Time:          b.opts.Now().UTC(),
	}
	if err := b.opts.Store.SaveVote(ctx, v); err != nil {
		return fmt.Errorf("feedback on interaction %d: %w", f.InteractionID, err)
	}
	if b.opts.Observer != nil {
		b.opts.Observer.ObserveFeedback(f.Platform, f.Helpful)
	}
	return nil
}

// allow applies the per-user rate limit.
func (b *Bot) allow(q Query) bool {
	if b.opts.RatePerMinute <= 0 {
		return true
	}
	key := q.Platform + "\x00" + q.UserID
	now := b.opts.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.gcLocked(now)
	le := b.limiters[key]
	if le == nil {
		le = &limiterEntry{lim: rate.NewLimiter(rate.Limit(b.opts.RatePerMinute/60), b.opts.RateBurst)}
		b.limiters[key] = le
	}
	le.seen = now
	return le.lim.AllowN(now, 1)
}

// gcLocked drops expired conversations and idle limiters, at most once a minute.
func (b *Bot) gcLocked(now time.Time) {
	if now.Sub(b.lastGC) < time.Minute {
		return
	}
	b.lastGC = now
	for k, c := range b.convs {
		if now.Sub(c.at) > b.opts.ContextTTL {
			delete(b.convs, k)
		}
	}
	for k, le := range b.limiters {
		if now.Sub(le.seen) > 10*time.Minute {
			delete(b.limiters, k)
		}
	}
}
