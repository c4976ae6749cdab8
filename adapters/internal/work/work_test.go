package work_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/internal/work"
)

func TestGroup(t *testing.T) {
	g := work.New(nil, 50*time.Millisecond)
	release := make(chan struct{})
	var finished, panicked, noticed atomic.Int32
	if !g.Go(work.Job{Kind: "slow", Run: func(ctx context.Context) { <-release; finished.Add(1) }}) {
		t.Fatal("Go refused a job before shutdown")
	}
	// A job's context ends after the group's timeout.
	g.Do(work.Job{Kind: "timeout", Run: func(ctx context.Context) {
		<-ctx.Done()
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Errorf("job ctx = %v", ctx.Err())
		}
	}})
	// A panic is recovered and OnPanic gets a live context.
	g.Do(work.Job{Kind: "boom", Run: func(context.Context) { panic("boom") }, OnPanic: func(ctx context.Context) {
		if ctx.Err() == nil {
			panicked.Add(1)
		}
	}})
	if panicked.Load() != 1 {
		t.Error("OnPanic did not run with a live context")
	}

	done := make(chan error, 1)
	go func() { done <- g.Shutdown(context.Background()) }()
	for !g.Closing() {
		time.Sleep(time.Millisecond)
	}
	if g.Go(work.Job{Kind: "late", Run: func(context.Context) { t.Error("a job ran after Shutdown began") }}) {
		t.Error("Go accepted a job during shutdown")
	}
	if !g.Notice(work.Job{Kind: "notice", Run: func(context.Context) { noticed.Add(1) }}) || noticed.Load() != 1 {
		t.Error("a notice was refused while draining")
	}
	select {
	case <-done:
		t.Fatal("Shutdown returned with a job in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	if err := <-done; err != nil || finished.Load() != 1 {
		t.Errorf("Shutdown = %v, finished %d", err, finished.Load())
	}
	if g.Notice(work.Job{Kind: "notice", Run: func(context.Context) {}}) {
		t.Error("a notice was taken after the drain")
	}
}

func TestShutdownCancelsOverrunningJobs(t *testing.T) {
	g := work.New(nil, time.Hour)
	g.Go(work.Job{Kind: "stuck", Run: func(ctx context.Context) { <-ctx.Done() }})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := g.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want a deadline error after cancelling the stuck job", err)
	}
}
