package bot

import (
	"math"
	"slices"
)

// Gradient-boosted trees on top of the linear choice model: a few shallow regression trees, fitted by
// Newton boosting on the same conditional-logit likelihood, add to each candidate's score what the
// linear model cannot express (a threshold, or one signal mattering only when another is high).

// tree is a complete binary regression tree of a fixed depth. Internal node k has children 2k+1 and
// 2k+2; a node that did not split sends every row left (thr +Inf).
type tree struct {
	depth int
	feat  []int32
	thr   []float64
	leaf  []float64 // by leaf, left to right
}

// boostSettings are the booster's shape; fixed, not tuned on any reported set.
type boostSettings struct {
	rounds, depth, bins int
	rate, lambda        float64
	minHess             float64 // a leaf needs at least this much curvature (weight) to split off
}

// boostChoice fits trees to the choice model's residuals: each candidate's score is w·x plus the trees'.
func boostChoice(cs []choice, w []float64, s boostSettings) []tree {
	type row struct {
		x      []float64
		choice int
		y      float64
	}
	var rows []row
	for ci, c := range cs {
		for i, x := range c.x {
			y := 0.0
			if i == c.right {
				y = 1
			}
			rows = append(rows, row{x, ci, y})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	d := len(rows[0].x)
	cuts := make([][]float64, d)
	vals := make([]float64, len(rows))
	for f := 1; f < d; f++ {
		for i, r := range rows {
			vals[i] = r.x[f]
		}
		slices.Sort(vals)
		var cut []float64
		for b := 1; b < s.bins; b++ {
			v := vals[b*len(vals)/s.bins]
			if len(cut) == 0 || v > cut[len(cut)-1] {
				cut = append(cut, v)
			}
		}
		cuts[f] = cut
	}
	bin := make([][]uint8, len(rows))
	for i, r := range rows {
		bin[i] = make([]uint8, d)
		for f := 1; f < d; f++ {
			b, _ := slices.BinarySearch(cuts[f], r.x[f])
			bin[i][f] = uint8(b)
		}
	}
	z := make([]float64, len(rows))
	for i, r := range rows {
		z[i] = dot(w, r.x)
	}
	g := make([]float64, len(rows))
	h := make([]float64, len(rows))
	node := make([]int, len(rows))
	sumExp := make([]float64, len(cs))
	zmax := make([]float64, len(cs))
	nInternal := 1<<s.depth - 1
	widest := (nInternal + 1) / 2 // nodes on the deepest internal level
	hg := make([][][]float64, widest)
	hh := make([][][]float64, widest)
	for k := range widest {
		hg[k], hh[k] = make([][]float64, d), make([][]float64, d)
		for f := 1; f < d; f++ {
			hg[k][f], hh[k][f] = make([]float64, len(cuts[f])+1), make([]float64, len(cuts[f])+1)
		}
	}
	sumG, sumH, count := make([]float64, widest), make([]float64, widest), make([]int, widest)
	sg, sh := make([]float64, nInternal+1), make([]float64, nInternal+1)
	var trees []tree
	for range s.rounds {
		clear(zmax)
		for i, r := range rows {
			zmax[r.choice] = max(zmax[r.choice], z[i])
		}
		for ci := range cs {
			sumExp[ci] = math.Exp(-zmax[ci])
		}
		for i, r := range rows {
			sumExp[r.choice] += math.Exp(z[i] - zmax[r.choice])
		}
		for i, r := range rows {
			p := math.Exp(z[i]-zmax[r.choice]) / sumExp[r.choice]
			g[i], h[i] = p-r.y, max(p*(1-p), 1e-6)
		}
		t := tree{depth: s.depth, feat: make([]int32, nInternal), thr: make([]float64, nInternal), leaf: make([]float64, nInternal+1)}
		clear(node)
		// Level by level: one pass over the rows fills the gradient and curvature histograms of every
		// node of the level; each node then takes its best split.
		for first := 0; first < nInternal; first = 2*first + 1 {
			width := first + 1 // nodes first .. 2*first
			for k := range width {
				for f := 1; f < d; f++ {
					clear(hg[k][f])
					clear(hh[k][f])
				}
				sumG[k], sumH[k], count[k] = 0, 0, 0
			}
			for i := range rows {
				k := node[i] - first
				sumG[k] += g[i]
				sumH[k] += h[i]
				count[k]++
				b := bin[i]
				for f := 1; f < d; f++ {
					hg[k][f][b[f]] += g[i]
					hh[k][f][b[f]] += h[i]
				}
			}
			for k := range width {
				G, H := sumG[k], sumH[k]
				bestGain, bestF, bestB := 0.0, -1, 0
				if count[k] > 1 {
					parent := G * G / (H + s.lambda)
					for f := 1; f < d; f++ {
						var gl, hl float64
						for b := 0; b < len(cuts[f]); b++ {
							gl += hg[k][f][b]
							hl += hh[k][f][b]
							gr, hr := G-gl, H-hl
							if hl < s.minHess || hr < s.minHess {
								continue
							}
							if gain := gl*gl/(hl+s.lambda) + gr*gr/(hr+s.lambda) - parent; gain > bestGain {
								bestGain, bestF, bestB = gain, f, b
							}
						}
					}
				}
				n := first + k
				if bestF < 0 {
					t.feat[n], t.thr[n] = 0, math.Inf(1)
				} else {
					t.feat[n], t.thr[n] = int32(bestF), cuts[bestF][bestB]
				}
			}
			for i, r := range rows {
				n := node[i]
				if r.x[t.feat[n]] <= t.thr[n] {
					node[i] = 2*n + 1
				} else {
					node[i] = 2*n + 2
				}
			}
		}
		clear(sg)
		clear(sh)
		for i := range rows {
			sg[node[i]-nInternal] += g[i]
			sh[node[i]-nInternal] += h[i]
		}
		for l := range t.leaf {
			t.leaf[l] = -s.rate * sg[l] / (sh[l] + s.lambda)
		}
		for i := range rows {
			z[i] += t.leaf[node[i]-nInternal]
		}
		trees = append(trees, t)
	}
	return trees
}

// forest is fitted trees laid out in three flat arrays, so that scoring a candidate walks contiguous
// memory: tree t's internal nodes are feat and thr [t*inner, (t+1)*inner), its leaves
// leaf [t*(inner+1), (t+1)*(inner+1)).
type forest struct {
	depth, inner int
	feat         []int32
	thr          []float64
	leaf         []float64
}

func newForest(trees []tree) *forest {
	if len(trees) == 0 {
		return nil
	}
	f := &forest{depth: trees[0].depth, inner: len(trees[0].feat)}
	for _, t := range trees {
		f.feat = append(f.feat, t.feat...)
		f.thr = append(f.thr, t.thr...)
		f.leaf = append(f.leaf, t.leaf...)
	}
	return f
}

// score is the trees' total for a candidate's features (0 for no forest).
func (f *forest) score(x []float64) float64 {
	if f == nil {
		return 0
	}
	s := 0.0
	for t, base := 0, 0; base < len(f.feat); t, base = t+1, base+f.inner {
		k := 0
		for range f.depth {
			if x[f.feat[base+k]] <= f.thr[base+k] {
				k = 2*k + 1
			} else {
				k = 2*k + 2
			}
		}
		s += f.leaf[t*(f.inner+1)+k-f.inner]
	}
	return s
}

// treeCount is how many boosted trees the model has.
func (m *model) treeCount() int {
	if m == nil || m.trees == nil {
		return 0
	}
	return len(m.trees.feat) / m.trees.inner
}
