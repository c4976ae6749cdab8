package bot

import (
	"context"
	"errors"
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
	// Store records interactions and votes; nil records nothing. Interactions are written in the
	// background (see Store); call Close before closing the store.
	Store Store
	// QueueSize bounds the interactions waiting to be written. When the queue is full a reply is
	// still given, without feedback buttons, and the interaction is counted as dropped. Default 4096.
	QueueSize int
	// MaxUsers caps the per-user state kept in memory (conversation context and rate limiters); the
	// least recently seen users are forgotten first. Default 50,000.
	MaxUsers int
	// HashKey keys the hashes of user and conversation ids before they are stored.
	HashKey []byte
	// ContextTTL is how long a conversation's context (last entry, pending clarify) lasts. Default 10m.
	ContextTTL time.Duration
	// MaxQuestionChars refuses longer questions politely. Default 500.
	MaxQuestionChars int
	// RatePerMinute and RateBurst limit questions per user; zero RatePerMinute means no limit.
	RatePerMinute float64
	RateBurst     int
	// State, when set, keeps the rate limit and the conversation context in the store, shared by every
	// replica (see SharedState); nil keeps them in this process's memory. The memory copy is kept
	// either way and used whenever the store does not answer within StateTimeout.
	State SharedState
	// StateTimeout bounds each call to State. Default 250 ms.
	StateTimeout time.Duration
	Logger       *slog.Logger
	Observer     Observer
	// Now is the clock; nil means time.Now. Tests set it.
	Now func() time.Time
	// Index, when set, is NewIndex of the base given to New, built once and shared by the bots that
	// serve the same knowledge: building one learns the confidence and safety models, which takes
	// about half a second (several under the race detector). An index of another base is ignored.
	// An Index is read-only once built and safe for concurrent use.
	Index *Index
}

// Bot answers questions from a knowledge base. It is safe for concurrent use; the knowledge base can be
// swapped while it serves.
type Bot struct {
	opts  Options
	log   *slog.Logger
	index atomic.Pointer[Index]

	ids *idGen
	rec *recorder // nil without a store

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
	if opts.MaxUsers <= 0 {
		opts.MaxUsers = defaultMaxUsers
	}
	if opts.StateTimeout <= 0 {
		opts.StateTimeout = 250 * time.Millisecond
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
		ids:      newIDGen(),
	}
	if opts.Store != nil {
		b.rec = newRecorder(opts.Store, opts.QueueSize, b.log, opts.Observer)
	}
	ix := opts.Index
	if ix == nil || ix.base != base {
		ix = NewIndex(base)
	}
	b.opts.Index = nil // not kept: after SetKnowledge it would hold the old index in memory
	b.index.Store(ix)
	return b
}

// SetKnowledge swaps in a new knowledge base atomically. Questions in flight finish on the old one.
func (b *Bot) SetKnowledge(base *knowledge.Base) {
	b.index.Store(NewIndex(base))
}

// Knowledge returns the knowledge base currently served.
func (b *Bot) Knowledge() *knowledge.Base { return b.index.Load().base }

// Answer replies to one question. It never fails and never waits for the store: the interaction is
// queued for the background writer, and problems storing it are logged and counted.
func (b *Bot) Answer(ctx context.Context, q Query) Reply {
	start := time.Now()
	ix := b.index.Load()
	texts := ix.base.Texts
	var r Reply
	var nearest *knowledge.Entry
	var ws []string // the message's words, split once for the crisis check and the rest
	var memo stemMemo
	if len(q.Text) <= 8*b.opts.MaxQuestionChars {
		ws = words(q.Text)
	}
	switch {
	case ws != nil && ix.crisisPhrase(ws, &memo) != "":
		// Someone may be in danger: the urgent signposting is always shown, whatever the limits.
		r = crisisReply(texts)
	case utf8.RuneCountInString(q.Text) > b.opts.MaxQuestionChars:
		r = Reply{Status: StatusLimited, Text: fmt.Sprintf(texts.TooLong, b.opts.MaxQuestionChars)}
	case !b.allow(ctx, q):
		r = Reply{Status: StatusLimited, Text: texts.RateLimited}
	default:
		r, nearest = b.answer(ctx, ix, q, ws, &memo)
	}
	r.KnowledgeVersion = ix.base.Version
	if r.Status != StatusLimited {
		b.record(ctx, q, &r, nearest)
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

// record queues the interaction for the store and sets r.InteractionID (left 0 when the queue is full,
// so that no feedback button points at a row that will never exist).
func (b *Bot) record(_ context.Context, q Query, r *Reply, nearest *knowledge.Entry) {
	if b.rec == nil || r.Status == StatusSmalltalk {
		return
	}
	now := b.opts.Now().UTC()
	in := Interaction{
		ID:               b.ids.next(now),
		Time:             now,
		Platform:         q.Platform,
		ConversationHash: HashID(b.opts.HashKey, q.Platform, q.ConversationID),
		UserHash:         HashID(b.opts.HashKey, q.Platform, q.UserID),
		Question:         strings.TrimSpace(q.Text),
		Status:           r.Status,
		Reason:           r.Reason,
		Score:            r.Score,
		KnowledgeVersion: r.KnowledgeVersion,
	}
	if r.Entry != nil {
		in.EntryID = r.Entry.ID
		in.NearestID = r.Entry.ID
		if q.EntryID != "" && in.Question == "" {
			in.Question = r.Entry.Title
		}
	} else if nearest != nil {
		in.NearestID = nearest.ID
	}
	if r.Status == StatusRefused {
		// The question may reveal someone's health; keep only the fact that it was refused.
		in.Question = "[withheld: personal medical question]"
	}
	if b.rec.enqueue(in) {
		r.InteractionID = in.ID
	}
}

// Feedback records a vote (and optional comment) on an interaction. It returns nil only once the vote
// is on disk; an unknown interaction gives an error wrapping ErrNotFound. A vote on an interaction
// that is still queued waits for it to be written; a vote on a very recent interaction this process
// does not know (another process may still be writing it) is retried until ctx ends.
func (b *Bot) Feedback(ctx context.Context, f Feedback) error {
	if b.rec == nil {
		return fmt.Errorf("feedback: no store configured")
	}
	if f.InteractionID <= 0 {
		return fmt.Errorf("feedback on interaction %d: %w", f.InteractionID, ErrNotFound)
	}
	if err := b.rec.wait(ctx, f.InteractionID); err != nil {
		return fmt.Errorf("feedback on interaction %d: %w", f.InteractionID, err)
	}
	v := Vote{
		InteractionID: f.InteractionID,
		Platform:      f.Platform,
		UserHash:      HashID(b.opts.HashKey, f.Platform, f.UserID),
		Helpful:       f.Helpful,
		Comment:       strings.TrimSpace(f.Comment),
		Time:          b.opts.Now().UTC(),
	}
	wait := 50 * time.Millisecond
	for {
		err := b.opts.Store.SaveVote(ctx, v)
		if err == nil {
			break
		}
		recent := b.opts.Now().Sub(InteractionTime(f.InteractionID)) < recentVote
		if !errors.Is(err, ErrNotFound) || !recent {
			return fmt.Errorf("feedback on interaction %d: %w", f.InteractionID, err)
		}
		select {
		case <-time.After(wait):
			wait = min(2*wait, time.Second)
		case <-ctx.Done():
			return fmt.Errorf("feedback on interaction %d: %w", f.InteractionID, err)
		}
	}
	if b.opts.Observer != nil {
		b.opts.Observer.ObserveFeedback(f.Platform, f.Helpful)
	}
	return nil
}

// Flush waits until every interaction queued so far has been written (or dropped).
func (b *Bot) Flush(ctx context.Context) error {
	if b.rec == nil {
		return nil
	}
	return b.rec.flush(ctx)
}

// Close stops recording: it writes what is queued and returns once that is done, or when ctx ends
// (then the rest is dropped, counted and logged, and ctx's error returned). Answers after Close are
// still given but not recorded. Close the store only after Close has returned.
func (b *Bot) Close(ctx context.Context) error {
	if b.rec == nil {
		return nil
	}
	return b.rec.close(ctx)
}

// UserRef is how logs name a user: the first 12 characters of the keyed hash the store keeps
// (HashID), so a log line can be matched to stored rows by whoever holds the key, and by nobody else.
func (b *Bot) UserRef(p Platform, id string) string {
	return HashID(b.opts.HashKey, p, id)[:12]
}

// allow applies the per-user rate limit: in the shared state when there is one, else (or when it
// fails) in memory.
func (b *Bot) allow(ctx context.Context, q Query) bool {
	if b.opts.RatePerMinute <= 0 {
		return true
	}
	key := string(q.Platform) + "\x00" + q.UserID
	now := b.opts.Now()
	if b.opts.State != nil {
		userHash := HashID(b.opts.HashKey, q.Platform, q.UserID)
		sk := StateKey{Platform: q.Platform, UserHash: userHash, Key: "rate:" + userHash}
		ctx, cancel := context.WithTimeout(ctx, b.opts.StateTimeout)
		ok, err := b.opts.State.Allow(ctx, sk, now, b.opts.RatePerMinute/60, b.opts.RateBurst)
		cancel()
		if err == nil {
			return ok
		}
		b.log.Warn("shared rate limit unavailable; using this replica's", "err", err)
	}
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

// gcLocked keeps the per-user state within MaxUsers on every call, and drops expired conversations
// and idle limiters at most once a minute.
func (b *Bot) gcLocked(now time.Time) {
	if len(b.convs) >= b.opts.MaxUsers {
		evictOldest(b.convs, func(c *conversation) time.Time { return c.at }, b.opts.MaxUsers)
	}
	if len(b.limiters) >= b.opts.MaxUsers {
		evictOldest(b.limiters, func(l *limiterEntry) time.Time { return l.seen }, b.opts.MaxUsers)
	}
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
