package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"slices"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// runResamples fits n confidence models, each on another sample of the knowledge's examples (sample 0
// is the bot's own), runs the sets (or the cross-validation) with each, and prints every figure's mean
// and range. One model's figure moves by a few cases with the sample alone (on 2026-12-02, blind's
// right answers ranged 135-141 of 221 over nine samples), so a change is judged by the means.
func runResamples(ctx context.Context, base *knowledge.Base, b *bot.Bot, man *evalManifest, testdata fs.FS, only string, cv bool, n int, w io.Writer) error {
	var sets []*evalSet
	var names []string
	held := map[string]bool{}
	if !cv {
		var problems []string
		for _, ms := range man.Sets {
			set, err := readSet(testdata, ms.File)
			if err != nil {
				return err
			}
			if only != "" && set.Name != only {
				continue
			}
			problems = append(problems, checkSet(set, base, b)...)
			sets = append(sets, set)
			names = append(names, set.Name)
			held[set.Name] = ms.HeldOut
		}
		if len(problems) > 0 {
			return fmt.Errorf("the case sets need fixing first:\n  %v", problems)
		}
		if only != "" && len(sets) == 0 {
			return fmt.Errorf("no set named %q in the manifest", only)
		}
	} else {
		names = []string{"cv"}
	}
	runs := map[string][]*setResult{}
	for s := range n {
		if err := ctx.Err(); err != nil {
			return err
		}
		ix := bot.NewIndexSample(base, uint64(s))
		if cv {
			runs["cv"] = append(runs["cv"], cvSet(bot.New(base, bot.Options{Index: ix}).CrossValidate(false)))
			continue
		}
		for _, set := range sets {
			runs[set.Name] = append(runs[set.Name], runSet(ctx, base, ix, set))
		}
	}
	fmt.Fprintf(w, "each figure over %d models, each learnt from another sample of the knowledge's examples (sample 0 is the bot's): mean, then the fewest and most\n", n)
	for _, name := range names {
		rs := runs[name]
		kind := ""
		switch {
		case name == "cv":
			kind = " (cross-validation)"
		case held[name]:
			kind = " (held out)"
		}
		fmt.Fprintf(w, "\nset %s%s:\n", name, kind)
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
	return nil
}
