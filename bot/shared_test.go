package bot_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/radbot/radbot/bot"
)

// memState is a SharedState in memory, standing for the store that replicas share.
type memState struct {
	mu    sync.Mutex
	convs map[string][]byte
	lims  map[string]*rate.Limiter
	fail  bool
	keys  []bot.StateKey
}

func newMemState() *memState {
	return &memState{convs: map[string][]byte{}, lims: map[string]*rate.Limiter{}}
}

var errDown = errors.New("store down")

func (m *memState) Allow(_ context.Context, k bot.StateKey, now time.Time, perSecond float64, burst int) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return false, errDown
	}
	m.keys = append(m.keys, k)
	l := m.lims[k.Key]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(perSecond), burst)
		m.lims[k.Key] = l
	}
	return l.AllowN(now, 1), nil
}

func (m *memState) Conversation(_ context.Context, k bot.StateKey, _ time.Time) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return nil, errDown
	}
	return m.convs[k.Key], nil
}

func (m *memState) SaveConversation(_ context.Context, k bot.StateKey, state []byte, _ time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail {
		return errDown
	}
	m.keys = append(m.keys, k)
	if state == nil {
		delete(m.convs, k.Key)
	} else {
		m.convs[k.Key] = state
	}
	return nil
}

// Two replicas sharing the state: a follow-up that reaches the other replica is read against the
// first answer, and the user's rate limit is one bucket for both.
func TestSharedStateAcrossReplicas(t *testing.T) {
	st := newMemState()
	opts := bot.Options{State: st, HashKey: []byte("0123456789abcdef"), RatePerMinute: 1, RateBurst: 3}
	a, b := newDefaultBot(t, opts), newDefaultBot(t, opts)
	if r := ask(a, "alice", "how long is radiology training"); r.Status != bot.StatusAnswered {
		t.Fatalf("first question on replica a: %s", r.Status)
	}
	if r := ask(b, "alice", "and for IR?"); r.Status != bot.StatusAnswered || r.Entry.ID != "ir-training" {
		t.Errorf("follow-up on replica b: %s %v, want ir-training read against a's answer", r.Status, r.Entry)
	}
	ask(b, "alice", "hello")
	if r := ask(a, "alice", "hello"); r.Status != bot.StatusLimited {
		t.Errorf("fourth question in a row (burst 3, over two replicas): %s, want limited", r.Status)
	}
	// Nothing raw reaches the store: keys and user hashes are keyed hashes.
	for _, k := range st.keys {
		for _, s := range []string{k.Key, k.UserHash} {
			if s == "" || containsAny(s, "alice", "chan") {
				t.Errorf("state key %+v carries a raw id", k)
			}
		}
	}
}

// Without the shared state the same follow-up on the other replica has no context: the shared state is
// what makes it work.
func TestWithoutSharedStateReplicasDoNotShare(t *testing.T) {
	a, b := newDefaultBot(t, bot.Options{}), newDefaultBot(t, bot.Options{})
	ask(a, "alice", "how long is radiology training")
	if r := ask(b, "alice", "and for IR?"); r.Status == bot.StatusAnswered && r.Entry.ID == "ir-training" {
		t.Error("the follow-up was answered without shared state: this test no longer shows what the shared state adds")
	}
}

// When the store fails, the replica keeps answering with its own memory: follow-ups within it still work
// and the limit still applies.
func TestSharedStateDownFallsBackToMemory(t *testing.T) {
	st := newMemState()
	st.fail = true
	b := newDefaultBot(t, bot.Options{State: st, HashKey: []byte("0123456789abcdef"), RatePerMinute: 1, RateBurst: 2})
	if r := ask(b, "alice", "how long is radiology training"); r.Status != bot.StatusAnswered {
		t.Fatalf("first question: %s", r.Status)
	}
	if r := ask(b, "alice", "and for IR?"); r.Status != bot.StatusAnswered || r.Entry.ID != "ir-training" {
		t.Errorf("follow-up with the store down: %s %v, want ir-training from memory", r.Status, r.Entry)
	}
	if r := ask(b, "alice", "hello"); r.Status != bot.StatusLimited {
		t.Errorf("third question (burst 2) with the store down: %s, want limited by memory", r.Status)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if len(x) > 0 && len(s) >= len(x) {
			for i := 0; i+len(x) <= len(s); i++ {
				if s[i:i+len(x)] == x {
					return true
				}
			}
		}
	}
	return false
}
