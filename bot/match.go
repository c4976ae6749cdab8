package bot

import (
	"time"

	"github.com/radbot/radbot/knowledge"
)

// Thresholds (stub, replaced shortly).
type Thresholds struct{ MinScore, Margin float64 }

func (t Thresholds) withDefaults() Thresholds { return t }

// Index (stub).
type Index struct{ base *knowledge.Base }

// NewIndex (stub).
func NewIndex(base *knowledge.Base) *Index { return &Index{base: base} }

// Scored (stub).
type Scored struct {
	Entry *knowledge.Entry
	Score float64
}

type conversation struct{ at time.Time }

func (b *Bot) answer(ix *Index, q Query) (Reply, []Scored) { return Reply{Status: StatusFallback}, nil }
