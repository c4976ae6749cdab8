package bot

import (
	"slices"
	"time"
)

// defaultMaxUsers caps per-user state by default: about 17 MiB at 50,000 users.
const defaultMaxUsers = 50_000

// evictOldest shrinks m, whose size has reached max, to 90% of max by deleting the entries that were
// used least recently. Evicting a tenth at a time keeps the cost of the sort to a fraction of the
// inserts that fill the room again.
func evictOldest[V any](m map[string]V, used func(V) time.Time, max int) {
	keep := max * 9 / 10
	if len(m) <= keep {
		return
	}
	times := make([]int64, 0, len(m))
	for _, v := range m {
		times = append(times, used(v).UnixNano())
	}
	slices.Sort(times)
	cut := times[len(m)-keep-1] // the newest of the entries to go; ties with it may go too
	for k, v := range m {
		if len(m) <= keep {
			break
		}
		if used(v).UnixNano() <= cut {
			delete(m, k)
		}
	}
}
