package main

import (
	"fmt"
	"io"
	"slices"
)

// printRanges prints every figure of each set as its mean and range over n models (the set's own
// result, the bot's model, and its others). One model's figure moves by a few cases with the sample
// alone (on 2026-12-02, blind's right answers ranged 135-141 of 221 over nine samples), so a change is
// judged by the means.
func printRanges(w io.Writer, n int, sets []*setResult) {
	fmt.Fprintf(w, "each figure over %d models, each learnt from another sample of the knowledge's examples (sample 0 is the bot's): mean, then the fewest and most\n", n)
	for _, set := range sets {
		rs := append([]*setResult{set}, set.others...)
		kind := ""
		switch {
		case set.set == nil:
			kind = " (cross-validation)"
		case set.HeldOut:
			kind = " (held out)"
		}
		fmt.Fprintf(w, "\nset %s%s:\n", set.Name, kind)
		line := func(label string, count, of func(*setResult) int) {
			total := of(rs[0])
			if total == 0 {
				return
			}
			var xs []int
			sum := 0
			for _, r := range rs {
				xs = append(xs, count(r))
				sum += count(r)
			}
			if label == "  of which refused" && slices.Max(xs) == 0 {
				return
			}
			mean := float64(sum) / float64(len(xs))
			fmt.Fprintf(w, "  %-26s %6.1f%%  mean %6.1f of %-4d range %d-%d (sample 0: %d)\n",
				label, 100*mean/float64(total), mean, total, slices.Min(xs), slices.Max(xs), xs[0])
		}
		inScope := func(r *setResult) int { return r.InScope }
		line("in-scope correct", func(r *setResult) int { return r.Correct }, inScope)
		line("in-scope wrong", func(r *setResult) int { return r.Wrong }, inScope)
		line("  of which refused", func(r *setResult) int { return r.Refused }, inScope)
		line("in-scope clarify/suggest", func(r *setResult) int { return r.Abstain }, inScope)
		line("in-scope fallback", func(r *setResult) int { return r.Fallback }, inScope)
		line("career refused", func(r *setResult) int { return r.CareerRefused }, func(r *setResult) int { return r.Career })
		line("out-of-scope held", func(r *setResult) int { return r.OOSHeld }, func(r *setResult) int { return r.OutOfScope })
		line("medical refused", func(r *setResult) int { return r.MedicalRefused }, func(r *setResult) int { return r.Medical })
		line("crisis signposted", func(r *setResult) int { return r.CrisisOK }, func(r *setResult) int { return r.Crisis })
	}
}
