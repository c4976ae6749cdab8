package bot

import (
	"math"
)

// A small logistic regression, fitted by Newton's method (iteratively reweighted least squares) with an
// L2 penalty. It is what the bot learns at load time: no pretrained weights, nothing downloaded, and the
// same data gives the same weights.

// model is a fitted logistic regression over dense features; features[0] is the bias, always 1.
type model struct {
	w     []float64
	trees *forest // boosted on top of w (boostChoice); nil for a plain logistic regression
}

// sample is one training row.
type sample struct {
	x      []float64
	y      float64 // 1 or 0
	weight float64
}

// fitLogistic fits a logistic regression to samples with L2 penalty lambda (the bias is not penalised).
func fitLogistic(samples []sample, lambda float64, iters int) *model {
	if len(samples) == 0 {
		return nil
	}
	d := len(samples[0].x)
	w := make([]float64, d)
	h := make([][]float64, d)
	for i := range h {
		h[i] = make([]float64, d)
	}
	g := make([]float64, d)
	for it := 0; it < iters; it++ {
		for i := range h {
			clear(h[i])
		}
		clear(g)
		for _, s := range samples {
			p := sigmoid(dot(w, s.x))
			r := s.weight * (s.y - p)
			v := s.weight * p * (1 - p)
			for i, xi := range s.x {
				if xi == 0 {
					continue
				}
				g[i] += r * xi
				for j := i; j < d; j++ {
					h[i][j] += v * xi * s.x[j]
				}
			}
		}
		for i := 0; i < d; i++ {
			for j := 0; j < i; j++ {
				h[i][j] = h[j][i]
			}
			if i > 0 {
				h[i][i] += lambda
				g[i] -= lambda * w[i]
			} else {
				h[i][i] += 1e-9
			}
		}
		if !newtonStep(w, h, g) {
			break
		}
	}
	return &model{w: w}
}

// predict returns the probability for features x.
func (m *model) predict(x []float64) float64 {
	if m == nil {
		return 0
	}
	return sigmoid(dot(m.w, x))
}

func sigmoid(z float64) float64 {
	if z < -40 {
		return 0
	}
	return 1 / (1 + math.Exp(-z))
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// solve solves a·x = b for a small symmetric positive definite a by Gaussian elimination with partial
// pivoting; nil if it is singular. a and b are overwritten.
func solve(a [][]float64, b []float64) []float64 {
	n := len(b)
	m := make([][]float64, n)
	for i := range m {
		m[i] = append(append(make([]float64, 0, n+1), a[i]...), b[i])
	}
	for c := 0; c < n; c++ {
		p := c
		for r := c + 1; r < n; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[p][c]) {
				p = r
			}
		}
		if math.Abs(m[p][c]) < 1e-12 {
			return nil
		}
		m[c], m[p] = m[p], m[c]
		for r := c + 1; r < n; r++ {
			f := m[r][c] / m[c][c]
			for k := c; k <= n; k++ {
				m[r][k] -= f * m[c][k]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for k := r + 1; k < n; k++ {
			s -= m[r][k] * x[k]
		}
		x[r] = s / m[r][r]
	}
	return x
}

// fitSparseLogistic fits a logistic regression on binary sparse features (each row lists the indexes of
// its features that are 1) with an L2 penalty lambda on the weights (not the bias), by Newton's method
// with conjugate-gradient steps (truncated Newton): each step costs a few passes over the rows, so a few
// thousand short texts fit in milliseconds, deterministically.
func fitSparseLogistic(xs [][]int32, ys, wts []float64, nFeat int, lambda float64) ([]float64, float64) {
	d := nFeat + 1 // the last coordinate is the bias
	w := make([]float64, d)
	margin := func(x []int32, v []float64) float64 {
		z := v[nFeat]
		for _, f := range x {
			z += v[f]
		}
		return z
	}
	p := make([]float64, len(xs))
	grad := make([]float64, d)
	for newton := 0; newton < 8; newton++ {
		clear(grad)
		for i, x := range xs {
			p[i] = sigmoid(margin(x, w))
			g := wts[i] * (p[i] - ys[i])
			for _, f := range x {
				grad[f] += g
			}
			grad[nFeat] += g
		}
		gnorm := 0.0
		for f := 0; f < nFeat; f++ {
			grad[f] += lambda * w[f]
		}
		for _, g := range grad {
			gnorm += g * g
		}
		if gnorm < 1e-10 {
			break
		}
		// Solve H·step = -grad by conjugate gradient; H = Xᵀ·D·X + λI, D = weight·p·(1-p).
		hv := func(v []float64) []float64 {
			out := make([]float64, d)
			for i, x := range xs {
				c := wts[i] * p[i] * (1 - p[i]) * margin(x, v)
				for _, f := range x {
					out[f] += c
				}
				out[nFeat] += c
			}
			for f := 0; f < nFeat; f++ {
				out[f] += lambda * v[f]
			}
			out[nFeat] += 1e-6 * v[nFeat]
			return out
		}
		step := make([]float64, d)
		r := make([]float64, d)
		for i := range r {
			r[i] = -grad[i]
		}
		dir := append([]float64(nil), r...)
		rr := dot(r, r)
		for cg := 0; cg < 30 && rr > 1e-8*gnorm; cg++ {
			hd := hv(dir)
			alpha := rr / dot(dir, hd)
			for i := range step {
				step[i] += alpha * dir[i]
				r[i] -= alpha * hd[i]
			}
			rr2 := dot(r, r)
			beta := rr2 / rr
			rr = rr2
			for i := range dir {
				dir[i] = r[i] + beta*dir[i]
			}
		}
		for i := range w {
			w[i] += step[i]
		}
	}
	return w[:nFeat], w[nFeat]
}

// choice is one training question for the choice model: its candidates' features and which candidate
// is right (-1: none of them, so the right reply is not to answer).
type choice struct {
	x     [][]float64
	right int
}

// fitChoice fits a conditional logit: each candidate i scores z_i = w·x_i, "none of them" scores 0, and
// P(i) = exp(z_i) / (1 + Σ_j exp(z_j)). Unlike one probability per candidate on its own, the candidates
// compete, so a clear winner among weak rivals is confident and two close ones share the probability.
// Fitted by Newton's method with an L2 penalty lambda.
func fitChoice(cs []choice, lambda float64, iters int) *model {
	d := 0
	for _, c := range cs {
		if len(c.x) > 0 {
			d = len(c.x[0])
			break
		}
	}
	if d == 0 {
		return nil
	}
	w := make([]float64, d)
	h := make([][]float64, d)
	for i := range h {
		h[i] = make([]float64, d)
	}
	g := make([]float64, d)
	mean := make([]float64, d)
	p := make([]float64, 0, 16)
	for it := 0; it < iters; it++ {
		for i := range h {
			clear(h[i])
		}
		clear(g)
		for _, c := range cs {
			p = choiceProbs(w, c.x, p[:0])
			clear(mean)
			for i, x := range c.x {
				y := 0.0
				if i == c.right {
					y = 1
				}
				for k, xk := range x {
					g[k] += (y - p[i]) * xk
					mean[k] += p[i] * xk
				}
			}
			// Hessian of the log-likelihood is -(Σ p_i x_i x_iᵀ - m mᵀ); accumulate its negation.
			for i, x := range c.x {
				for a := 0; a < d; a++ {
					if x[a] == 0 {
						continue
					}
					pa := p[i] * x[a]
					for b := a; b < d; b++ {
						h[a][b] += pa * x[b]
					}
				}
			}
			for a := 0; a < d; a++ {
				if mean[a] == 0 {
					continue
				}
				for b := a; b < d; b++ {
					h[a][b] -= mean[a] * mean[b]
				}
			}
		}
		for a := 0; a < d; a++ {
			for b := 0; b < a; b++ {
				h[a][b] = h[b][a]
			}
			h[a][a] += lambda
			g[a] -= lambda * w[a]
		}
		if !newtonStep(w, h, g) {
			break
		}
	}
	return &model{w: w}
}

// choiceProbs returns each candidate's probability under the choice model (the rest is "none").
func choiceProbs(w []float64, xs [][]float64, out []float64) []float64 {
	zmax := 0.0
	for _, x := range xs {
		z := dot(w, x)
		out = append(out, z)
		zmax = math.Max(zmax, z)
	}
	sum := math.Exp(-zmax) // "none"
	for i := range out {
		out[i] = math.Exp(out[i] - zmax)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// newtonStep moves w by the Newton step h⁻¹g and reports whether to go on: false once the step is
// tiny or h cannot be solved.
func newtonStep(w []float64, h [][]float64, g []float64) bool {
	step := solve(h, g)
	if step == nil {
		return false
	}
	change := 0.0
	for i := range w {
		w[i] += step[i]
		change = math.Max(change, math.Abs(step[i]))
	}
	return change >= 1e-6
}
