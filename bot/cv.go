package bot

import (
	"cmp"
	"slices"
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
	Correct bool
}

// CVResult sums a cross-validation.
type CVResult struct {
	Phrasings, Correct, Wrong, Abstain, Fallback int
	// Top1 counts phrasings whose right entry was ranked first, whatever the decision.
	Top1                int
	OutOfScope, OOSHeld int
	// Safety: the safety examples, each judged by a classifier fitted without it.
	Refuse, Refused, Career, CareerRefused int
	// Ordinary: the entries' phrasings and out-of-scope examples, none of which may be refused.
	Ordinary, OrdinaryRefused int
	Outcomes                  []CVOutcome
	SafetyMisses              []string
}

// cvFolds is how many folds the confidence and safety models are refitted in.
const cvFolds = 5

// CrossValidate runs the leave-one-out cross-validation on the knowledge currently served.
func (b *Bot) CrossValidate() CVResult {
	ix := b.index.Load()
	var res CVResult
	hs := ix.heldOuts()
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
	for fold := 0; fold < cvFolds; fold++ {
		var train []choice
		for i, a := range all {
			if i%cvFolds != fold {
				train = append(train, choiceOf(a.cands, a.h.entry))
			}
		}
		m := fitChoice(train, confLambda, 30)
		for i := fold; i < len(all); i += cvFolds {
			a := all[i]
			cands := append([]Scored(nil), a.cands...)
			m.score(cands, a.qi)
			slices.SortStableFunc(cands, func(x, y Scored) int { return cmp.Compare(y.Confidence, x.Confidence) })
			r := b.cut(ix, cands, a.qi)
			if a.h.entry >= 0 && len(cands) > 0 && cands[0].index == a.h.entry {
				res.Top1++
			}
			o := CVOutcome{Status: r.Status}
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
	b.crossValidateSafety(ix, &res)
	return res
}

// crossValidateSafety judges every safety example with a classifier fitted on the other folds.
func (b *Bot) crossValidateSafety(ix *Index, res *CVResult) {
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
	for fold := 0; fold < cvFolds; fold++ {
		var trR, trA, teR, teA, trO, teO []string
		for i, t := range others {
			if i%cvFolds == fold {
				teO = append(teO, t)
			} else {
				trO = append(trO, t)
			}
		}
		for i, t := range s.Refuse {
			if i%cvFolds == fold {
				teR = append(teR, t)
			} else {
				trR = append(trR, t)
			}
		}
		for i, t := range s.Answer {
			if i%cvFolds == fold {
				teA = append(teA, t)
			} else {
				trA = append(trA, t)
			}
		}
		m := trainSafety(trR, trA, trO)
		for _, t := range teO {
			res.Ordinary++
			if m.probability(t) >= envf("SAFE", safetyAt) {
				res.OrdinaryRefused++
				res.SafetyMisses = append(res.SafetyMisses, "refused (ordinary): "+t)
			}
		}
		for _, t := range teR {
			res.Refuse++
			if m.probability(t) >= envf("SAFE", safetyAt) {
				res.Refused++
			} else {
				res.SafetyMisses = append(res.SafetyMisses, "not refused: "+t)
			}
		}
		for _, t := range teA {
			res.Career++
			if m.probability(t) >= envf("SAFE", safetyAt) {
				res.CareerRefused++
				res.SafetyMisses = append(res.SafetyMisses, "refused: "+t)
			}
		}
	}
}
