package retry_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/radbot/radbot/adapters/internal/retry"
)

var errTemporary = errors.New("connection reset")

func TestDo(t *testing.T) {
	calls := 0
	err := retry.Do(context.Background(), retry.Policy{First: time.Millisecond}, func(context.Context) error {
		calls++
		if calls < 3 {
			return errTemporary
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Errorf("Do = %v after %d calls, want success on the third", err, calls)
	}

	calls = 0
	permanent := errors.New("400 bad request")
	err = retry.Do(context.Background(), retry.Policy{First: time.Millisecond,
		Retryable: func(err error) bool { return errors.Is(err, errTemporary) }}, func(context.Context) error {
		calls++
		return permanent
	})
	if !errors.Is(err, permanent) || calls != 1 {
		t.Errorf("a permanent error was retried: %v after %d calls", err, calls)
	}

	// The deadline bounds the retries; each attempt has its own timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	calls = 0
	err = retry.Do(ctx, retry.Policy{First: 10 * time.Millisecond, Attempt: 20 * time.Millisecond}, func(ctx context.Context) error {
		calls++
		<-ctx.Done()
		return ctx.Err()
	})
	if err == nil || calls < 3 || time.Since(start) > 400*time.Millisecond {
		t.Errorf("hanging attempts: %v after %d calls in %v", err, calls, time.Since(start))
	}
}
