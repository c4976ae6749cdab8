package main

import (
	"strings"
	"testing"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// The evaluation must measure questions the bot has not been given: every case set parses, names real
// entries, has no repeats and no near-copies of what the bot learns from (phrasings, titles, out-of-scope
// and safety examples).
func TestEvalSetsAreHonest(t *testing.T) {
	base, err := embeddedBase() // shared: read only
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(base, bot.Options{Index: indexFor(base)})
	man, err := readManifest(knowledge.EvalFS(), defaultManifest)
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[string]int{}
	for _, ms := range man.Sets {
		set, err := readSet(knowledge.EvalFS(), ms.File)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range checkSet(set, base, b) {
			t.Error(p)
		}
		for _, c := range set.Cases {
			if c.inScope() {
				sizes[set.Name]++
			}
			if strings.HasPrefix(set.Name, "real") && !strings.HasPrefix(c.Source, "http") {
				t.Errorf("%s:%d: a real question needs the URL it was posted at (source)", set.File, c.Line)
			}
		}
	}
	// The floor for the held-out sets: 150 blind questions, 80 real ones.
	if sizes["blind"] < 150 || sizes["real"] < 80 {
		t.Errorf("in-scope cases: blind %d (want >= 150), real %d (want >= 80)", sizes["blind"], sizes["real"])
	}
}

// A near-copy of a phrasing is rejected even when its wording differs only in function words.
func TestCheckSetRejectsNearCopies(t *testing.T) {
	base, err := embeddedBase() // shared: read only
	if err != nil {
		t.Fatal(err)
	}
	b := bot.New(base, bot.Options{Index: indexFor(base)})
	e := base.Entries[0]
	set := &evalSet{Name: "x", File: "x.yaml", Cases: []evalCase{
		{Q: "so, " + e.Questions[0] + "?", Expect: e.ID, Line: 3},
		{Q: "how do i bake sourdough bread", Expect: expectOutOfScope, Line: 4},
	}}
	got := checkSet(set, base, b)
	if len(got) != 1 {
		t.Fatalf("checkSet = %q, want one near-copy problem for line 3", got)
	}
}
