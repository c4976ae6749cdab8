package bot

import (
	"sync"
	"testing"

	"github.com/radbot/radbot/knowledge"
)

var internalIndex = sync.OnceValues(func() (*Index, error) {
	base, err := knowledge.Default()
	if err != nil {
		return nil, err
	}
	return NewIndex(base), nil
})

// Question words weigh little beside the topic, whatever their stem ("why" stems to "whi"), and alone
// they are no query at all.
func TestQuestionWordsWeighLittle(t *testing.T) {
	ix, err := internalIndex()
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"how", "who", "when", "why", "where", "which"} {
		terms := ix.queryTerms(ix.analyze(w+" taster week", nil), 1, nil)
		found := false
		for _, q := range terms {
			if q.stem == stem(w) {
				found = true
				if q.w != questionWeight {
					t.Errorf("%q weighs %v beside a topic, want %v", w, q.w, questionWeight)
				}
			}
		}
		if !found {
			t.Errorf("%q: no term for the question word in %v", w, terms)
		}
		if alone := ix.queryTerms(ix.analyze(w+"?", nil), 1, nil); len(alone) != 0 {
			t.Errorf("%q alone gave terms %v, want none", w, alone)
		}
	}
}
