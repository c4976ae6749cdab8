// Package retry calls a function again after a failure, waiting longer each time, for as long as a
// deadline leaves room. The chat adapters use it to deliver replies: a callback, followup or message
// that failed below HTTP or with a server error is sent again within the platform's window.
package retry

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy says how to retry.
type Policy struct {
	First   time.Duration // the first wait (default 100 ms); each wait doubles, with jitter
	Max     time.Duration // the longest wait (default 2 s)
	Attempt time.Duration // each attempt's own timeout (0: only ctx's)
	// Retryable reports whether a failure may succeed if tried again. Nil retries every error.
	Retryable func(error) bool
}

// Do calls fn until it returns nil, returns an error Retryable rejects, or ctx has no time left for
// another attempt. It returns fn's last error.
func Do(ctx context.Context, p Policy, fn func(ctx context.Context) error) error {
	if p.First <= 0 {
		p.First = 100 * time.Millisecond
	}
	if p.Max <= 0 {
		p.Max = 2 * time.Second
	}
	wait := p.First
	for {
		err := attempt(ctx, p.Attempt, fn)
		if err == nil || ctx.Err() != nil || (p.Retryable != nil && !p.Retryable(err)) {
			return err
		}
		d := wait/2 + rand.N(wait/2+1) // jitter: half to all of wait
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d+10*time.Millisecond {
			return err
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return err
		}
		wait = min(2*wait, p.Max)
	}
}

func attempt(ctx context.Context, limit time.Duration, fn func(ctx context.Context) error) error {
	if limit <= 0 {
		return fn(ctx)
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	return fn(ctx)
}
