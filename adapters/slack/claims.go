package slack

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Handling an event once. Slack delivers again an event it believes was missed: an HTTP delivery not
// answered within 3 s, a Socket Mode envelope not acknowledged (its connection died, or the replica
// holding it was killed), to whichever connection or replica is there. With Config.Claims (the store,
// shared by every replica) the first replica to claim an event handles it, and a redelivery that finds
// it claimed waits for the holder: if the holder finishes, nothing more happens; if its lease runs out
// unfinished (it died), the waiting replica takes it over and answers. Without Claims (one process) an
// in-memory cache of recent keys does the same within the process.

// claimKey is what the store keeps for key: a hash, so no channel or message id is stored.
func claimKey(key string) string {
	sum := sha256.Sum256([]byte("slack:" + key))
	return hex.EncodeToString(sum[:16])
}

// lease is how long a replica holds an event before another may take it over: the job's time and its
// replies' (each up to JobTimeout).
func (a *Adapter) lease() time.Duration { return 2 * a.cfg.JobTimeout }

// once reports whether key is new, remembering it for keep (used for install states).
func (a *Adapter) once(ctx context.Context, key string, keep time.Duration) bool {
	if a.cfg.Claims == nil {
		return a.first(key)
	}
	c, err := a.cfg.Claims.Claim(ctx, claimKey(key), a.owner, time.Now(), keep, keep)
	if err != nil {
		a.log.Warn("the shared claims are unavailable; going by this replica's memory", "err", err)
		return a.first(key)
	}
	if c.Taken {
		_ = a.cfg.Claims.Finish(ctx, claimKey(key), a.owner)
	}
	return c.Taken
}

// take claims key before the event is handled. It reports false when the event was (or is being)
// handled elsewhere and must be dropped; otherwise the caller handles it and calls finish(true) once
// the reply is out (finish(false) gives it back unhandled). A key another replica holds is waited for,
// so that the event is still answered if that replica died.
func (a *Adapter) take(ctx context.Context, key string) (finish func(done bool), ok bool) {
	noop := func(bool) {}
	if a.cfg.Claims == nil {
		return noop, a.first(key)
	}

	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.lease()+5*time.Second)
	defer cancel()
	for {
		c, err := a.cfg.Claims.Claim(wctx, claimKey(key), a.owner, time.Now(), a.lease(), dedupeTTL)
		switch {
		case err != nil:
			a.log.Warn("the shared claims are unavailable; going by this replica's memory", "err", err)
			return noop, a.first(key)
		case c.Done:
			return noop, false
		case c.Taken:
			a.first(key) // a redelivery to this replica is recognised without the store
			return func(done bool) {
				fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				defer cancel()
				var err error
				if done {
					err = a.cfg.Claims.Finish(fctx, claimKey(key), a.owner)
				} else {
					err = a.cfg.Claims.Release(fctx, claimKey(key), a.owner)
				}
				if err != nil {
					a.log.Warn("updating an event's claim", "done", done, "err", err)
				}
			}, true
		}
		// Held by another replica: look again when its lease ends, or sooner in case it finishes.
		wait := min(max(time.Until(c.LeaseUntil), 10*time.Millisecond)+10*time.Millisecond, 500*time.Millisecond)
		select {
		case <-time.After(wait):
		case <-wctx.Done():
			a.log.Warn("gave up waiting for another replica's claim on an event")
			return noop, false
		}
	}
}
