package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Defaults for recording.
const (
	defaultQueueSize = 4096
	maxBatch         = 512              // interactions per transaction at most
	attemptTimeout   = 10 * time.Second // one SaveInteractions call
	retryFor         = 60 * time.Second // a failing batch is retried this long, then dropped
	// recentVote is how old an interaction id may be for a vote on it to wait for a row that another
	// process may still have queued; older unknown ids fail at once.
	recentVote = 15 * time.Second
)

// ErrClosed is returned by Bot.Close when it is called twice.
var ErrClosed = errors.New("bot: closed")

// recorder writes interactions in the background: a bounded queue, and one writer that takes
// whatever has queued up (at most maxBatch) and stores it in one transaction (group commit). The
// reply never waits for it.
type recorder struct {
	store Store
	log   *slog.Logger
	obs   QueueObserver // may be nil

	queue   chan Interaction
	done    chan struct{}   // closed when the writer has stopped
	abort   context.Context // cancelled when Close gives up waiting: writes in flight stop
	aborted context.CancelFunc

	closeMu sync.RWMutex // senders share it; close takes it alone
	closed  bool
	// pending holds, per queued interaction, a channel closed when it is written or dropped. It is
	// split in shards so that hundreds of answers at once do not queue on one lock.
	pending [32]pendingShard
}

type pendingShard struct {
	mu sync.Mutex
	m  map[int64]chan struct{}
}

func (r *recorder) shard(id int64) *pendingShard {
	return &r.pending[uint64(id)%uint64(len(r.pending))]
}

func newRecorder(store Store, size int, log *slog.Logger, obs Observer) *recorder {
	if size <= 0 {
		size = defaultQueueSize
	}
	r := &recorder{
		store: store,
		log:   log,
		queue: make(chan Interaction, size),
		done:  make(chan struct{}),
	}
	for i := range r.pending {
		r.pending[i].m = map[int64]chan struct{}{}
	}
	r.abort, r.aborted = context.WithCancel(context.Background())
	r.obs, _ = obs.(QueueObserver)
	go r.run()
	return r
}

// enqueue queues in without waiting. It reports false (and counts a dropped row) when the queue is
// full or the recorder is closed.
func (r *recorder) enqueue(in Interaction) bool {
	sh := r.shard(in.ID)
	sh.mu.Lock()
	sh.m[in.ID] = make(chan struct{})
	sh.mu.Unlock()
	r.closeMu.RLock()
	ok, why := false, "the bot is shutting down"
	if !r.closed {
		select {
		case r.queue <- in:
			ok = true
		default:
			why = "the queue is full"
		}
	}
	r.closeMu.RUnlock()
	if !ok {
		sh.mu.Lock()
		delete(sh.m, in.ID)
		sh.mu.Unlock()
		r.dropped(1, why)
		return false
	}
	r.observeDepth()
	return true
}

func (r *recorder) observeDepth() {
	if r.obs != nil {
		r.obs.ObserveQueue(len(r.queue))
	}
}

func (r *recorder) dropped(n int, why string) {
	if r.obs != nil {
		r.obs.ObserveDropped(n)
	}
	r.log.Error("interactions not stored", "count", n, "reason", why)
}

// run is the writer: it ends when the queue is closed and drained.
func (r *recorder) run() {
	defer close(r.done)
	batch := make([]Interaction, 0, maxBatch)
	for in := range r.queue {
		batch = append(batch[:0], in)
	fill:
		for len(batch) < maxBatch {
			select {
			case in, ok := <-r.queue:
				if !ok {
					break fill
				}
				batch = append(batch, in)
			default:
				break fill
			}
		}
		r.write(batch)
	}
}

// write stores one batch, retrying with backoff while the store fails (a lock held by another
// process, a full disk being cleared), for up to retryFor or until Close gives up.
func (r *recorder) write(batch []Interaction) {
	start := time.Now()
	wait := 100 * time.Millisecond
	var err error
	for attempt := 1; ; attempt++ {
		ctx, cancel := context.WithTimeout(r.abort, attemptTimeout)
		err = r.store.SaveInteractions(ctx, batch)
		cancel()
		if err == nil {
			if r.obs != nil {
				r.obs.ObserveBatch(len(batch), time.Since(start))
			}
			break
		}
		if time.Since(start) > retryFor || r.abort.Err() != nil {
			break
		}
		r.log.Warn("storing interactions failed; retrying", "count", len(batch), "attempt", attempt, "err", err)
		select {
		case <-time.After(wait):
		case <-r.abort.Done():
		}
		wait = min(wait*2, 5*time.Second)
	}
	switch {
	case err == nil:
	case r.abort.Err() != nil:
		r.dropped(len(batch), "shutdown could not wait for the store any longer")
	default:
		r.dropped(len(batch), "the store kept failing: "+err.Error())
	}
	r.release(batch)
}

// release marks a batch as done, waking votes that wait for it.
func (r *recorder) release(batch []Interaction) {
	for _, in := range batch {
		sh := r.shard(in.ID)
		sh.mu.Lock()
		if ch := sh.m[in.ID]; ch != nil {
			close(ch)
			delete(sh.m, in.ID)
		}
		sh.mu.Unlock()
	}
	r.observeDepth()
}

// wait returns once interaction id, if it is queued or being written, has been written (or dropped).
func (r *recorder) wait(ctx context.Context, id int64) error {
	sh := r.shard(id)
	sh.mu.Lock()
	ch := sh.m[id]
	sh.mu.Unlock()
	if ch == nil {
		return nil
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for interaction %d to be stored: %w", id, ctx.Err())
	}
}

// flush waits until everything queued before the call has been written (or dropped).
func (r *recorder) flush(ctx context.Context) error {
	var chans []chan struct{}
	for i := range r.pending {
		sh := &r.pending[i]
		sh.mu.Lock()
		for _, ch := range sh.m {
			chans = append(chans, ch)
		}
		sh.mu.Unlock()
	}
	for _, ch := range chans {
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("flushing interactions: %w", ctx.Err())
		}
	}
	return nil
}

// close stops intake and waits for the queue to be written. If ctx ends first, the writer stops
// retrying, what is left is counted as dropped, and close returns ctx's error.
func (r *recorder) close(ctx context.Context) error {
	r.closeMu.Lock()
	if r.closed {
		r.closeMu.Unlock()
		return ErrClosed
	}
	r.closed = true
	close(r.queue)
	r.closeMu.Unlock()
	select {
	case <-r.done:
		return nil
	case <-ctx.Done():
		r.aborted()
		<-r.done
		return fmt.Errorf("storing the last interactions: %w", ctx.Err())
	}
}
