package bot

import (
	"crypto/rand"
	"encoding/binary"
	"sync"
	"time"
)

// Interaction ids are 63-bit positive integers made without asking the store, so that a reply can
// carry its feedback buttons before its interaction is written, and so that several processes (two
// serves sharing one SQLite file, or replicas sharing a database) never hand out the same id:
//
//	bits 62-22  milliseconds since 2025-01-01 UTC (41 bits: until the year 2094)
//	bits 21-12  a tag drawn at random when the process starts (10 bits)
//	bits 11-0   a sequence within the millisecond, starting at a random value (12 bits)
//
// Within a process ids strictly increase. Two processes can only collide if they drew the same tag
// (1 in 1024) and then hit the same millisecond and sequence value; the store keeps the first row
// of a colliding id (Store.SaveInteractions).
const (
	idTagBits = 10
	idSeqBits = 12
	idSeqMax  = 1<<idSeqBits - 1
)

// idEpoch is the zero of the id clock.
var idEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// idGen makes interaction ids. It is safe for concurrent use.
type idGen struct {
	mu     sync.Mutex
	tag    int64
	lastMs int64
	seq    int64
}

func newIDGen() *idGen {
	return &idGen{tag: int64(random16() & (1<<idTagBits - 1))}
}

func random16() uint16 {
	var b [2]byte
	rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return binary.LittleEndian.Uint16(b[:])
}

// next returns a new id for an interaction at now.
func (g *idGen) next(now time.Time) int64 {
	ms := max(now.UnixMilli()-idEpoch.UnixMilli(), 0)
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case ms > g.lastMs:
		g.lastMs = ms
		g.seq = int64(random16() & (idSeqMax >> 1)) // leave room for at least 2048 ids in this ms
	case g.seq < idSeqMax:
		g.seq++
	default: // 4096 ids in one millisecond, or the clock went back: borrow the next millisecond
		g.lastMs++
		g.seq = 0
	}
	return g.lastMs<<(idTagBits+idSeqBits) | g.tag<<idSeqBits | g.seq
}

// InteractionTime returns when an interaction id was made (to the millisecond). It is how the bot
// tells a vote on a very recent interaction, which may still be on its way to the store, from a vote
// on one that does not exist.
func InteractionTime(id int64) time.Time {
	return idEpoch.Add(time.Duration(id>>(idTagBits+idSeqBits)) * time.Millisecond)
}
