package bot

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// An added example changes which others the confidence model learns from by at most one: the sample
// is chosen by each example's own key, not by its position.
func TestThinIsStable(t *testing.T) {
	var hs []heldOut
	for i := range 1000 {
		hs = append(hs, heldOut{entry: i / 10, key: exampleKey(0, fmt.Sprint("e", i/10), fmt.Sprint("phrasing ", i))})
	}
	before := thin(hs, 700)
	// twelve new examples, in the middle, as a new entry would add them
	grown := slices.Clone(hs[:500])
	for i := range 12 {
		grown = append(grown, heldOut{entry: 1000, key: exampleKey(0, "new", fmt.Sprint("new phrasing ", i))})
	}
	grown = append(grown, hs[500:]...)
	after := thin(grown, 700)
	kept := map[uint64]bool{}
	for _, h := range after {
		kept[h.key] = true
	}
	lost := 0
	for _, h := range before {
		if !kept[h.key] {
			lost++
		}
	}
	if lost > 12 {
		t.Errorf("adding 12 examples dropped %d of the %d sampled before, want at most 12", lost, len(before))
	}
	if len(after) != 700 {
		t.Errorf("thin kept %d, want 700", len(after))
	}
}

// A word pool grown by a few words gives the same draw for nearly every random point.
func TestWordPoolIsStable(t *testing.T) {
	build := func(words []string) wordPool {
		ix := &Index{}
		ids := map[string]int32{}
		var set []int32
		for _, w := range words {
			id, ok := ids[w]
			if !ok {
				id = int32(len(ix.stemOf))
				ids[w] = id
				ix.stemOf = append(ix.stemOf, w)
			}
			set = append(set, id)
		}
		ix.oos = [][]int32{set}
		p := ix.contextPool()
		// draws compared by word, not id
		for i := range p.ids {
			p.ids[i] = ids[ix.stemOf[p.ids[i]]]
		}
		return p
	}
	var words []string
	for i := range 3000 {
		words = append(words, fmt.Sprint("w", i%700))
	}
	a := build(words)
	b := build(append(slices.Clone(words[:1500]), append([]string{"new1", "new2", "new3", "w5"}, words[1500:]...)...))
	rng := rand.New(rand.NewPCG(7, 7))
	changed := 0
	const draws = 10000
	for range draws {
		r := rng.Uint64()
		wa, wb := a.draw(r), b.draw(r)
		if wa != wb {
			changed++
		}
	}
	// 4 places in 3004: about 0.13% of draws may move; by position most would.
	if changed > draws/100 {
		t.Errorf("%d of %d draws changed after adding 4 words to 3000", changed, draws)
	}
}
