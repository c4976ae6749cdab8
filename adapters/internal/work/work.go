// Package work runs a chat adapter's handlers: each one tracked, with its own timeout, its panics
// recovered and logged, and drained on shutdown. Both adapters use it, so that shutdown and timeouts
// mean the same on Discord and Slack.
package work

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Job is one piece of work: an event to handle.
type Job struct {
	Kind string // for logs: "interaction", "mention", "vote"…
	Run  func(ctx context.Context)
	// OnPanic, if set, runs after Run panicked, with a fresh context, so the user can still be told
	// something went wrong. A panic in OnPanic is recovered and logged too.
	OnPanic func(ctx context.Context)
}

// Group tracks the jobs of one adapter. Create it with New.
type Group struct {
	log     *slog.Logger
	timeout time.Duration
	// bases are the parents of job contexts, all cancelled when shutdown runs out of time. Jobs are
	// spread over several: a context registers with its parent under the parent's lock, and hundreds
	// of jobs starting at once on one parent queue up on that lock.
	bases   [16]context.Context
	cancels [16]context.CancelFunc
	next    atomic.Uint32

	mu      sync.Mutex
	closing bool // no new jobs
	stopped bool // no new notices either
	jobs    sync.WaitGroup
	notices sync.WaitGroup
}

// New makes a group whose jobs each get timeout (a job's context ends then).
func New(log *slog.Logger, timeout time.Duration) *Group {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	g := &Group{log: log, timeout: timeout}
	for i := range g.bases {
		g.bases[i], g.cancels[i] = context.WithCancel(context.Background())
	}
	return g
}

func (g *Group) cancel() {
	for _, c := range g.cancels {
		c()
	}
}

// Timeout is the time each job gets.
func (g *Group) Timeout() time.Duration { return g.timeout }

// Go runs j in a new goroutine. It returns false, without running it, once Shutdown has begun.
func (g *Group) Go(j Job) bool {
	if !g.add() {
		return false
	}
	go func() {
		defer g.jobs.Done()
		g.run(j)
	}()
	return true
}

// Do runs j in the calling goroutine (for libraries that already give each event a goroutine of its
// own). It returns false, without running it, once Shutdown has begun.
func (g *Group) Do(j Job) bool {
	if !g.add() {
		return false
	}
	defer g.jobs.Done()
	g.run(j)
	return true
}

// Notice runs j in the calling goroutine even while Shutdown drains the jobs: it is for telling a
// user who asks during a restart to ask again. It returns false once the drain is over.
func (g *Group) Notice(j Job) bool {
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		return false
	}
	g.notices.Add(1)
	g.mu.Unlock()
	defer g.notices.Done()
	g.run(j)
	return true
}

// Also runs fn in a new goroutine tracked as part of the calling job, so that Shutdown waits for it
// too (a job that hands its slow part to a helper, to time it out). Call it only from within a job.
func (g *Group) Also(fn func()) {
	g.jobs.Add(1) // the calling job holds a count, so Shutdown cannot have finished waiting
	go func() {
		defer g.jobs.Done()
		fn()
	}()
}

// Closing reports whether Shutdown has begun.
func (g *Group) Closing() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closing
}

func (g *Group) add() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing {
		return false
	}
	g.jobs.Add(1)
	return true
}

func (g *Group) run(j Job) {
	base := g.bases[g.next.Add(1)%uint32(len(g.bases))]
	ctx, cancel := context.WithTimeout(base, g.timeout)
	defer cancel()
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		g.log.Error("handler panicked", "kind", j.Kind, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		if j.OnPanic == nil {
			return
		}
		defer func() {
			if p := recover(); p != nil {
				g.log.Error("panic while reporting a panic", "kind", j.Kind, "panic", fmt.Sprint(p))
			}
		}()
		fresh, cancel := Fresh(ctx, g.timeout)
		defer cancel()
		j.OnPanic(fresh)
	}()
	j.Run(ctx)
}

// Shutdown stops taking jobs and waits for those running. If ctx ends first, their contexts are
// cancelled and Shutdown waits for them to return, then reports ctx's error. Notices are taken until
// the jobs are done.
func (g *Group) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	g.closing = true
	g.mu.Unlock()
	done := make(chan struct{})
	go func() { g.jobs.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		g.log.Warn("work still in flight at shutdown; cancelling it")
		err = fmt.Errorf("draining handlers: %w", ctx.Err())
		g.cancel()
		<-done
	}
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
	g.notices.Wait()
	g.cancel()
	return err
}

// Fresh returns a context for sending a reply or an error notice: it keeps ctx's values but not its
// deadline or cancellation (which may be what went wrong), and ends after d.
func Fresh(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}
