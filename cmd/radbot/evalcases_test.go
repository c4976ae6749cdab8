package main

import (
	"testing"

	"github.com/radbot/radbot/bot"
	"github.com/radbot/radbot/knowledge"
)

// The evaluation must measure questions the bot has not been given: no case may be one of the entries'
// own phrasings (after normalisation), or the accuracy figures would flatter the matcher.
func TestEvalCasesAreNotPhrasings(t *testing.T) {
	ef, err := readEvalFile("../../" + defaultEvalFile)
	if err != nil {
		t.Fatal(err)
	}
	base, err := knowledge.Default()
	if err != nil {
		t.Fatal(err)
	}
	phrasings := map[string]string{}
	for _, e := range base.Entries {
		for _, q := range append([]string{e.Title}, e.Questions...) {
			phrasings[bot.Normalize(q)] = e.ID
		}
	}
	seen := map[string]int{}
	for _, c := range ef.Cases {
		n := bot.Normalize(c.Q)
		if id, ok := phrasings[n]; ok {
			t.Errorf("eval.yaml:%d: case %q is a phrasing of entry %s; write it differently", c.Line, c.Q, id)
		}
		if prev, ok := seen[n]; ok {
			t.Errorf("eval.yaml:%d: case %q repeats the case at line %d", c.Line, c.Q, prev)
		}
		seen[n] = c.Line
	}
	if len(ef.Cases) < 200 {
		t.Errorf("only %d cases; the evaluation needs at least 200", len(ef.Cases))
	}
}
