package bot

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The trees learn what a linear score cannot: here the right candidate is the one whose two signals
// are both high or both low (an interaction), and a plain conditional logit can do no better than
// chance between the two candidates.
func TestBoostLearnsAnInteraction(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	var cs []choice
	for range 600 {
		c := choice{right: -1}
		for k := range 2 {
			a, b := rng.Float64(), rng.Float64()
			if k == 0 { // make candidate 0 agree (both high or both low), candidate 1 disagree
				b = a + 0.1*(rng.Float64()-0.5)
			} else {
				b = 1 - a + 0.1*(rng.Float64()-0.5)
			}
			c.x = append(c.x, []float64{1, a, b})
		}
		if rng.IntN(2) == 0 { // shuffle so the position says nothing
			c.x[0], c.x[1] = c.x[1], c.x[0]
			c.right = 1
		} else {
			c.right = 0
		}
		cs = append(cs, c)
	}
	linear := fitChoice(cs, confLambda, 15)
	trees := boostChoice(cs, linear.w, confBoost)
	boosted := &model{w: linear.w, trees: newForest(trees)}
	if boosted.treeCount() != confBoost.rounds {
		t.Fatalf("%d trees, want %d", boosted.treeCount(), confBoost.rounds)
	}
	accuracy := func(m *model) float64 {
		right := 0
		for _, c := range cs {
			best, bestZ := -1, math.Inf(-1)
			for i, x := range c.x {
				if z := dot(m.w, x) + m.trees.score(x); z > bestZ {
					best, bestZ = i, z
				}
			}
			if best == c.right {
				right++
			}
		}
		return float64(right) / float64(len(cs))
	}
	lin, boo := accuracy(linear), accuracy(boosted)
	t.Logf("linear %.2f, boosted %.2f", lin, boo)
	if boo < 0.9 || boo < lin+0.2 {
		t.Errorf("boosted picks the right candidate %.2f of the time, linear %.2f: want at least 0.9 and 0.2 better", boo, lin)
	}
	// Fitted on the same data, the trees are the same: the bot learns the same model on every start.
	again := boostChoice(cs, linear.w, confBoost)
	for i := range again {
		if again[i].leaf[0] != trees[i].leaf[0] || again[i].thr[0] != trees[i].thr[0] {
			t.Fatalf("tree %d differs on a second fit", i)
		}
	}
	// The flat forest scores as the trees do.
	for _, c := range cs[:20] {
		for _, x := range c.x {
			want := 0.0
			for i := range trees {
				want += trees[i].eval(x)
			}
			if got := boosted.trees.score(x); math.Abs(got-want) > 1e-12 {
				t.Fatalf("forest scores %v, trees %v", got, want)
			}
		}
	}
}

// eval walks one tree as fitted, the reference the flat forest must agree with.
func (t *tree) eval(x []float64) float64 {
	k := 0
	for range t.depth {
		if x[t.feat[k]] <= t.thr[k] {
			k = 2*k + 1
		} else {
			k = 2*k + 2
		}
	}
	return t.leaf[k-len(t.feat)]
}
