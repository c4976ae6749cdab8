package storetest

import (
	"context"
	"sync"
	"testing"
)

type digestClaimer interface {
	ClaimDigest(ctx context.Context, slot string) (bool, string, error)
	ReleaseDigest(ctx context.Context, slot, prev string) error
	LastDigest(ctx context.Context) (string, error)
}

// testDigestClaims: a slot is claimed once, across a second handle (a restart or another replica);
// earlier slots are refused once a later one is claimed; a released claim can be taken again.
func testDigestClaims(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	if last, err := s.LastDigest(ctx); err != nil || last != "" {
		t.Fatalf("LastDigest on a new store = %q, %v; want \"\"", last, err)
	}
	claim := func(s digestClaimer, slot string, want bool, wantPrev string) {
		t.Helper()
		got, prev, err := s.ClaimDigest(ctx, slot)
		if err != nil {
			t.Fatalf("ClaimDigest(%s): %v", slot, err)
		}
		if got != want || prev != wantPrev {
			t.Errorf("ClaimDigest(%s) = %v, prev %q; want %v, prev %q", slot, got, prev, want, wantPrev)
		}
	}
	claim(s, "2026-11-30", true, "")
	claim(s, "2026-11-30", false, "2026-11-30")

	again := o.Again(t, s)
	claim(again, "2026-11-30", false, "2026-11-30")
	claim(again, "2026-11-23", false, "2026-11-30") // an older week never comes back
	claim(again, "2026-12-07", true, "2026-11-30")

	// The post failed: release, and the slot can be claimed again.
	if err := again.ReleaseDigest(ctx, "2026-12-07", "2026-11-30"); err != nil {
		t.Fatal(err)
	}
	if last, _ := again.LastDigest(ctx); last != "2026-11-30" {
		t.Errorf("after release, LastDigest = %q, want the previous slot", last)
	}
	// Releasing a slot that is no longer the claim changes nothing.
	claim(again, "2026-12-07", true, "2026-11-30")
	if err := again.ReleaseDigest(ctx, "2026-11-30", ""); err != nil {
		t.Fatal(err)
	}
	if last, _ := again.LastDigest(ctx); last != "2026-12-07" {
		t.Errorf("a stale release moved the claim to %q", last)
	}
	// Releasing the first claim ever leaves no row.
	fresh := o.New(t)
	claim(fresh, "2026-11-30", true, "")
	if err := fresh.ReleaseDigest(ctx, "2026-11-30", ""); err != nil {
		t.Fatal(err)
	}
	if last, _ := fresh.LastDigest(ctx); last != "" {
		t.Errorf("after releasing the only claim, LastDigest = %q", last)
	}
	if _, _, err := fresh.ClaimDigest(ctx, ""); err == nil {
		t.Error("an empty slot was accepted")
	}
}

// testDigestClaimOnce: four handles on one database (processes or replicas) claim the same slot at
// once: exactly one wins, so the digest is posted once.
func testDigestClaimOnce(t *testing.T, o Opener) {
	ctx := context.Background()
	s := o.New(t)
	stores := []digestClaimer{s, o.Again(t, s), o.Again(t, s), o.Again(t, s)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for _, s := range stores {
		wg.Go(func() {
			ok, _, err := s.ClaimDigest(ctx, "2026-11-30")
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d handles claimed the slot, want exactly 1", wins)
	}
}
