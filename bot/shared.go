package bot

import (
	"context"
	"time"
)

// StateKey names one piece of per-user state kept in a SharedState. Key is a keyed hash of what
// identifies it (HashID of the platform, conversation and user), so no raw id is stored; Platform and
// UserHash (HashID of the user) let `radbot forget` erase it with the rest of a person's rows.
type StateKey struct {
	Platform Platform
	UserHash string
	Key      string
}

// SharedState keeps the per-user state that replicas serving one platform must agree on, in the
// store, each row with an expiry: the rate limit and the conversation context. Slack spreads one
// user's messages over every Socket Mode connection (and a load balancer over every replica in HTTP
// mode), so state kept in one process's memory would let a user ask N times as fast and would lose
// a follow-up's context whenever it reached another replica.
//
// The bot calls it with a short deadline (Options.StateTimeout) and falls back to its own memory when
// it fails, so an answer never waits long for the store.
type SharedState interface {
	// Allow takes one question from the token bucket k (at most burst tokens, refilled at perSecond)
	// at now, and reports whether there was one. A refused question takes nothing.
	Allow(ctx context.Context, k StateKey, now time.Time, perSecond float64, burst int) (bool, error)
	// Conversation returns the context saved under k, or nil when there is none or it has expired.
	Conversation(ctx context.Context, k StateKey, now time.Time) ([]byte, error)
	// SaveConversation keeps state under k until expires; a nil state deletes it.
	SaveConversation(ctx context.Context, k StateKey, state []byte, expires time.Time) error
}

// Claim is the outcome of Claims.Claim.
type Claim struct {
	// Taken: the caller now holds the key (it was new, or its last holder's lease ran out before the
	// holder finished) and must handle the event, then call Finish.
	Taken bool
	// Done: a holder has already finished the event.
	Done bool
	// LeaseUntil is when the current holder's lease ends, when neither Taken nor Done.
	LeaseUntil time.Time
}

// Claims make sure that an event a platform delivers more than once (Slack's retries, or a Socket
// Mode envelope that a replica did not acknowledge before it died, delivered again to another) is
// handled once across every replica, and still handled when the replica that took it first died.
// Adapters use it; the stores implement it.
type Claims interface {
	// Claim takes key for owner until now+lease, unless it is done or another owner's lease is still
	// running. The row is kept until now+keep, to recognise late redeliveries.
	Claim(ctx context.Context, key, owner string, now time.Time, lease, keep time.Duration) (Claim, error)
	// Finish marks key done. It returns an error wrapping ErrNotFound when owner no longer holds it
	// (its lease ran out and another owner took it over).
	Finish(ctx context.Context, key, owner string) error
	// Release gives key back unfinished (the owner is shutting down), so a redelivery is taken at once.
	Release(ctx context.Context, key, owner string) error
}
