package bot

import (
	"cmp"
	"math"
	"slices"

	"github.com/radbot/radbot/knowledge"
)

// Cross-validation: how well the bot does on its own knowledge when each example is asked as if it had
// never been written. Every phrasing (and title) and every out-of-scope example is hidden from the index
// in turn (leave-one-out), and the confidence model that judges it is fitted without it (k folds), so the
// figure is not flattered by the example having been learned. The thresholds in decide.go were chosen on
// these figures; the held-out evaluation sets play no part.

// CVOutcome is one held-out example's result.
type CVOutcome struct {
	Text    string
	Entry   string // the entry it belongs to; "" for an out-of-scope example
	Status  Status
	Got     string // the answered entry, if any
	Top     string // the entry ranked first, whatever the decision
	Correct bool
}

// CVResult sums a cross-validation.
type CVResult struct {
	Phrasings, Correct, Wrong, Abstain, Fallback int
	// Near counts phrasings answered with another entry that offers the right one among its related
	// questions: not the answer asked for, but one click from it. They are not counted in Wrong.
	Near int
	// Top1 counts phrasings whose right entry was ranked first, whatever the decision.
	Top1                int
	OutOfScope, OOSHeld int
	// Safety: the safety examples, each judged by a classifier fitted without it.
	Refuse, Refused, Career, CareerRefused int
	// Ordinary: the entries' phrasings and out-of-scope examples, none of which may be refused.
	Ordinary, OrdinaryRefused int
	Outcomes                  []CVOutcome
	SafetyMisses              []string
	// Sweep, when asked for, scores other decision policies on the same cross-validated confidences,
	// best first; SafetySweep does the same for the safety cut.
	Sweep       []PolicyScore
	SafetySweep []SafetyScore
}

// SafetyScore is one safety policy's cross-validated result. Allowed: it refuses at most 1 career
// question in 30 and 1 ordinary question in 100.
type SafetyScore struct {
	RefuseAt, MaybeAt, CareerSure           float64
	Refused, CareerRefused, OrdinaryRefused int
	Allowed, Current, Chosen                bool
	// Gained and Lost count the personal medical questions this cut refuses and the one in use does not,
	// and the other way round.
	Gained, Lost int
}

// PolicyScore is one decision policy's cross-validated result and utility.
type PolicyScore struct {
	Pick, Scope, ClarifyAt, SuggestAt, InScopeAt, OOSMargin float64
	Correct, Near, Wrong, Abstain, OOSHeld, OOSAnswered     int
	Utility                                                 float64
	// Gain is the utility over the policy in use's, and GainSE the standard error of that sum (from the
	// example-by-example differences).
	Gain, GainSE float64
	// Current is the policy the bot uses; Chosen is the one the sweep recommends.
	Current, Chosen bool
}

// Utility weights for choosing a policy: a wrong answer costs much more than asking back, and asking
// back with the right entry among the choices is worth a little.
const (
	utilWrong      = -3.0
	utilChoiceHit  = 0.25
	utilNear       = 0.25
	utilOOSSuggest = -0.25
)

// judged is one cross-validated example: its candidates with the fold model's confidence.
type judged struct {
	cands []Scored
	qi    queryInfo
	entry int // -1 for an out-of-scope example
}

// cvFolds is how many folds the confidence and safety models are refitted in.
const cvFolds = 5

// CrossValidate runs the leave-one-out cross-validation on the knowledge currently served. With sweep,
// it also scores a grid of decision policies on the same confidences.
func (b *Bot) CrossValidate(sweep bool) CVResult {
	ix := b.index.Load()
	var res CVResult
	hs := ix.heldOuts(0)
	// Each example's candidates, ranked with the example hidden; their features do not depend on the
	// model, so they are computed once.
	type asked struct {
		h     heldOut
		cands []Scored
		qi    queryInfo
	}
	all := make([]asked, len(hs))
	for i, h := range hs {
		cands, qi := ix.rank(append([]qterm(nil), h.terms...), h.m)
		// rank orders by the full model's confidence; put them back in prelim order for refitting.
		slices.SortStableFunc(cands, func(a, b Scored) int { return cmp.Compare(b.Prelim, a.Prelim) })
		all[i] = asked{h, cands, qi}
	}
	var js []judged
	for fold := 0; fold < cvFolds; fold++ {
		var train []heldOut
		var test []asked
		for _, a := range all {
			if int(a.h.key%cvFolds) != fold {
				train = append(train, a.h)
			} else {
				test = append(test, a)
			}
		}
		m := fitConfidence(ix.choices(thin(train, ix.trainSize())))
		for _, a := range test {
			cands := append([]Scored(nil), a.cands...)
			m.score(cands, a.qi)
			slices.SortStableFunc(cands, func(x, y Scored) int { return cmp.Compare(y.Confidence, x.Confidence) })
			js = append(js, judged{cands: cands, qi: a.qi, entry: a.h.entry})
			r := b.cut(ix, cands, a.qi, decision)
			if a.h.entry >= 0 && len(cands) > 0 && cands[0].index == a.h.entry {
				res.Top1++
			}
			o := CVOutcome{Status: r.Status}
			if len(cands) > 0 {
				o.Top = ix.base.Entries[cands[0].index].ID
			}
			if r.Entry != nil {
				o.Got = r.Entry.ID
			}
			if a.h.entry >= 0 {
				e := ix.base.Entries[a.h.entry]
				o.Entry = e.ID
				if a.h.m.phr == 0 {
					o.Text = e.Title
				} else {
					o.Text = e.Questions[a.h.m.phr-1]
				}
				res.Phrasings++
				switch {
				case r.Status == StatusAnswered && o.Got == e.ID:
					res.Correct++
					o.Correct = true
				case r.Status == StatusAnswered && ix.offers(r.Entry, a.h.entry):
					res.Near++
				case r.Status == StatusAnswered:
					res.Wrong++
				case r.Status == StatusClarify || r.Status == StatusSuggest:
					res.Abstain++
				default:
					res.Fallback++
				}
			} else {
				o.Text = ix.base.OutOfScope[a.h.m.oos]
				res.OutOfScope++
				if r.Status == StatusFallback {
					res.OOSHeld++
					o.Correct = true
				}
			}
			res.Outcomes = append(res.Outcomes, o)
		}
	}
	b.crossValidateSafety(ix, &res, sweep)
	if sweep {
		res.Sweep = sweepPolicies(ix, js)
	}
	return res
}

// sweepPolicies scores a grid of policies (and the current one) on cross-validated confidences.
func sweepPolicies(ix *Index, js []judged) []PolicyScore {
	// utility scores one policy's decision on one example.
	utility := func(p policy, j judged) (u float64, kind int) {
		st, _ := p.status(j.cands, j.qi)
		hit := len(j.cands) > 0 && j.cands[0].index == j.entry
		switch {
		case j.entry < 0 && st == StatusFallback:
			return 1, kindOOSHeld
		case j.entry < 0 && st == StatusAnswered:
			return utilWrong, kindOOSAnswered
		case j.entry < 0:
			return utilOOSSuggest, kindOther
		case st == StatusAnswered && hit:
			return 1, kindCorrect
		case st == StatusAnswered && ix.offers(j.cands[0].Entry, j.entry):
			return utilNear, kindNear
		case st == StatusAnswered:
			return utilWrong, kindWrong
		case st == StatusClarify || st == StatusSuggest:
			for k, c := range j.cands {
				if k < 3 && c.index == j.entry {
					u += utilChoiceHit
				}
			}
			return u, kindAbstain
		}
		return 0, kindOther
	}
	base := make([]float64, len(js)) // the policy in use, example by example
	baseTotal := 0.0
	for i, j := range js {
		base[i], _ = utility(decision, j)
		baseTotal += base[i]
	}
	var out []PolicyScore
	tried := map[policy]bool{}
	try := func(p policy) {
		if tried[p] {
			return // the policy in use is tried again after the grid, in case it is not on it
		}
		tried[p] = true
		ps := PolicyScore{Pick: p.Pick, Scope: p.Scope, ClarifyAt: p.ClarifyAt, SuggestAt: p.SuggestAt, InScopeAt: p.InScopeAt, OOSMargin: p.OOSMargin, Current: p == decision}
		sq := 0.0
		for i, j := range js {
			u, kind := utility(p, j)
			ps.Utility += u
			d := u - base[i]
			sq += d * d
			switch kind {
			case kindOOSHeld:
				ps.OOSHeld++
			case kindOOSAnswered:
				ps.OOSAnswered++
			case kindCorrect:
				ps.Correct++
			case kindNear:
				ps.Near++
			case kindWrong:
				ps.Wrong++
			case kindAbstain:
				ps.Abstain++
			}
		}
		ps.Gain = ps.Utility - baseTotal
		ps.GainSE = math.Sqrt(sq)
		out = append(out, ps)
	}
	for pick := 0.5; pick < 0.951; pick += 0.05 {
		for scope := 0.3; scope < 0.91; scope += 0.1 {
			for _, c := range []float64{0.25, 0.3, 0.35} {
				for _, sg := range []float64{0.1, 0.2} {
					for in := 0.3; in <= scope+0.001; in += 0.1 {
						for _, m := range []float64{0, 0.1, 0.2, 0.3, 1} {
							try(policy{Pick: round2(pick), Scope: round2(scope), ClarifyAt: c, SuggestAt: sg, InScopeAt: round2(in), OOSMargin: m})
						}
					}
				}
			}
		}
	}
	try(decision)
	slices.SortStableFunc(out, func(x, y PolicyScore) int { return cmp.Compare(y.Utility, x.Utility) })
	// Policies within 0.1% of the best utility are as good as tied: of those, the one that answers most
	// questions correctly is the best.
	best := 0
	for i, p := range out {
		if p.Utility < out[0].Utility-0.001*math.Abs(out[0].Utility) {
			break
		}
		if p.Correct > out[best].Correct {
			best = i
		}
	}
	// It replaces the policy in use only when it beats it by more than the noise: twice the standard
	// error of the summed example-by-example difference. A gain inside that would change the bot's
	// answers on a coin toss of which phrasings happen to be in the knowledge.
	if b := out[best]; b.Gain > significant*b.GainSE {
		out[best].Chosen = true
	} else {
		for i := range out {
			out[i].Chosen = out[i].Current
		}
	}
	return out
}

// significant is how many standard errors a swept policy must gain by to replace the one in use.
const significant = 2.0

// The kinds of outcome a decision policy has on one cross-validated example.
const (
	kindOther = iota
	kindOOSHeld
	kindOOSAnswered
	kindCorrect
	kindNear
	kindWrong
	kindAbstain
)

func round2(f float64) float64 { return float64(int(f*100+0.5)) / 100 }

// crossValidateSafety judges every safety example with a classifier fitted on the other folds.
func (b *Bot) crossValidateSafety(ix *Index, res *CVResult, sweep bool) {
	s := ix.base.Safety
	if len(s.Refuse) == 0 {
		return
	}
	var others []string
	for _, e := range ix.base.Entries {
		others = append(others, e.Title)
		others = append(others, e.Questions...)
	}
	others = append(others, ix.base.OutOfScope...)
	// Each example judged by a classifier fitted without its fold: its probability and, across the
	// whole middle range any policy might use, what the knowledge makes of it.
	type judgedText struct {
		text      string
		kind      int // 0 refuse, 1 career (answer list), 2 ordinary
		p, career float64
	}
	var js []judgedText
	split := func(texts []string, fold int) (train, test []string) {
		for _, t := range texts {
			if int(exampleKey(ix.sample, "", t)%cvFolds) == fold {
				test = append(test, t)
			} else {
				train = append(train, t)
			}
		}
		return train, test
	}
	for fold := 0; fold < cvFolds; fold++ {
		trR, teR := split(s.Refuse, fold)
		trA, teA := split(s.Answer, fold)
		trO, teO := split(others, fold)
		m := trainSafety(trR, trA, trO)
		for kind, texts := range [][]string{teR, teA, teO} {
			for _, t := range texts {
				p, career := ix.judgeSafety(m, t, 0.05, 0.95)
				js = append(js, judgedText{t, kind, p, career})
			}
		}
	}
	score := func(sp safetyPolicy) (refused, career, ordinary int) {
		for _, j := range js {
			if !sp.refuses(j.p, j.career) {
				continue
			}
			switch j.kind {
			case 0:
				refused++
			case 1:
				career++
			default:
				ordinary++
			}
		}
		return
	}
	for _, j := range js {
		r := safetyCut.refuses(j.p, j.career)
		switch j.kind {
		case 0:
			res.Refuse++
			if r {
				res.Refused++
			} else {
				res.SafetyMisses = append(res.SafetyMisses, "not refused: "+j.text)
			}
		case 1:
			res.Career++
			if r {
				res.CareerRefused++
				res.SafetyMisses = append(res.SafetyMisses, "refused: "+j.text)
			}
		default:
			res.Ordinary++
			if r {
				res.OrdinaryRefused++
				res.SafetyMisses = append(res.SafetyMisses, "refused (ordinary): "+j.text)
			}
		}
	}
	if !sweep {
		return
	}
	// The most refusals with at most 1 career question in 30 and 1 ordinary question in 100 refused.
	for at := 0.3; at < 0.951; at += 0.05 {
		for maybe := 0.05; maybe <= at+0.001; maybe += 0.05 {
			for _, sure := range []float64{0.2, 0.3, 0.4, 0.5, 0.6} {
				sp := safetyPolicy{RefuseAt: round2(at), MaybeAt: round2(maybe), CareerSure: sure}
				r, c, o := score(sp)
				ok := float64(c) <= float64(res.Career)/30 && float64(o) <= float64(res.Ordinary)/100
				gained, lost := 0, 0 // personal medical questions it refuses that the cut in use does not, and back
				for _, j := range js {
					if j.kind != 0 {
						continue
					}
					switch now, then := sp.refuses(j.p, j.career), safetyCut.refuses(j.p, j.career); {
					case now && !then:
						gained++
					case then && !now:
						lost++
					}
				}
				res.SafetySweep = append(res.SafetySweep, SafetyScore{RefuseAt: sp.RefuseAt, MaybeAt: sp.MaybeAt, CareerSure: sp.CareerSure,
					Refused: r, CareerRefused: c, OrdinaryRefused: o, Allowed: ok, Current: sp == safetyCut, Gained: gained, Lost: lost})
			}
		}
	}
	slices.SortStableFunc(res.SafetySweep, func(x, y SafetyScore) int {
		if x.Allowed != y.Allowed {
			if x.Allowed {
				return -1
			}
			return 1
		}
		if x.Refused != y.Refused {
			return cmp.Compare(y.Refused, x.Refused)
		}
		return cmp.Compare(x.CareerRefused+x.OrdinaryRefused, y.CareerRefused+y.OrdinaryRefused)
	})
	// The best allowed cut replaces the one in use when that one breaks a limit, or when it refuses
	// significantly more personal medical questions: by a sign test on the questions the two cuts judge
	// differently, more than twice its standard error.
	if len(res.SafetySweep) == 0 || !res.SafetySweep[0].Allowed {
		return
	}
	top := res.SafetySweep[0]
	current := slices.IndexFunc(res.SafetySweep, func(x SafetyScore) bool { return x.Current })
	if current < 0 || !res.SafetySweep[current].Allowed ||
		float64(top.Gained-top.Lost) > significant*math.Sqrt(float64(top.Gained+top.Lost)) {
		res.SafetySweep[0].Chosen = true
	} else {
		res.SafetySweep[current].Chosen = true
	}
}

// offers reports whether entry e lists entry number want among its related questions.
func (ix *Index) offers(e *knowledge.Entry, want int) bool {
	return want >= 0 && slices.Contains(e.Related, ix.base.Entries[want].ID)
}
