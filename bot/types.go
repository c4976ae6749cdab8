package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/radbot/radbot/knowledge"
)

// Status says what kind of reply the bot gave.
type Status string

// The statuses of a Reply; see the package documentation.
const (
	StatusAnswered  Status = "answered"
	StatusClarify   Status = "clarify"
	StatusSuggest   Status = "suggest"
	StatusFallback  Status = "fallback"
	StatusRefused   Status = "refused"
	StatusSmalltalk Status = "smalltalk"
	StatusLimited   Status = "limited"
)

// Reason says why the bot did not answer, for the reply text, rendering and the maintainers' report.
type Reason string

// The reasons of a Reply.
const (
	ReasonNone       Reason = ""
	ReasonNoMatch    Reason = "no_match"     // fallback: in scope, perhaps, but nothing fits (a content gap)
	ReasonOutOfScope Reason = "out_of_scope" // fallback: not a UK clinical radiology careers question
	ReasonMedical    Reason = "medical"      // refused: a request for personal medical advice
	ReasonCrisis     Reason = "crisis"       // refused: someone may be in danger now; urgent signposting
)

// Query is one message from a user in a conversation.
type Query struct {
	// Platform names where the question came from: "discord", "slack", "cli".
	Platform string
	// ConversationID is the raw platform channel or DM id. It keys conversation context and is hashed
	// before it is stored.
	ConversationID string
	// UserID is the raw platform user id. It keys context and rate limits and is hashed before storage.
	UserID string
	// Text is what the user typed.
	Text string
	// EntryID, when set, asks for that entry directly (a related-question or clarify button). Text may
	// then be empty or hold the button's label.
	EntryID string
}

// EntryRef names an entry, for related questions and clarify candidates.
type EntryRef struct {
	ID    string
	Title string
	Score float64
}

// Reply is the bot's answer to a Query. Adapters render it; they never decide what to say.
type Reply struct {
	Status Status
	// Reason says more about a fallback or refusal: see the Reason constants.
	Reason Reason
	// Entry is the matched entry when Status is answered.
	Entry *knowledge.Entry
	// Text is Markdown: the entry's answer, or the fallback, refusal, smalltalk or limited text.
	Text string
	// Score is the match score of the answered entry (or of the best entry otherwise).
	Score float64
	// Candidates are the entries to choose between when Status is clarify.
	Candidates []EntryRef
	// Related are up to three entries to offer next when Status is answered.
	Related []EntryRef
	// Links are where to look for more, for fallback and refusal replies.
	Links []knowledge.Source
	// InteractionID identifies the stored interaction that feedback refers to; 0 when nothing was stored.
	InteractionID int64
	// KnowledgeVersion is the content hash of the knowledge the reply came from.
	KnowledgeVersion string
}

// Interaction is one question and the reply it got, as stored for maintainers.
type Interaction struct {
	ID               int64
	Time             time.Time
	Platform         string
	ConversationHash string // keyed hash, never the raw id
	UserHash         string // keyed hash, never the raw id
	Question         string // withheld for refused questions, which may reveal health details
	Status           Status
	EntryID          string  // the answered entry; empty otherwise
	NearestID        string  // the best-scoring entry, even for fallback and clarify
	Score            float64 // the best score
	KnowledgeVersion string
}

// Vote is a user's feedback on one interaction. One per user per interaction: saving again replaces
// the vote, and a non-empty Comment replaces the comment (an empty one keeps the old comment).
type Vote struct {
	InteractionID int64
	Platform      string
	UserHash      string
	Helpful       bool
	Comment       string
	Time          time.Time
}

// Store keeps interactions and feedback. adapters/sqlite implements it.
type Store interface {
	// SaveInteraction stores in and returns its new id.
	SaveInteraction(ctx context.Context, in *Interaction) (int64, error)
	// SaveVote stores or replaces a vote. It returns an error wrapping ErrNotFound when the interaction
	// does not exist. When it returns nil the vote is on disk.
	SaveVote(ctx context.Context, v Vote) error
}

// ErrNotFound reports that a referenced interaction does not exist.
var ErrNotFound = errors.New("not found")

// Feedback is what an adapter passes in when a user clicks a feedback button or submits a comment.
type Feedback struct {
	Platform      string
	UserID        string // raw; hashed by the bot
	InteractionID int64
	Helpful       bool
	Comment       string
}

// Observer receives measurements, for metrics. cmd/radbot implements it with Prometheus.
type Observer interface {
	ObserveAnswer(platform string, status Status, elapsed time.Duration)
	ObserveFeedback(platform string, helpful bool)
}

// HashID returns the keyed hash under which a raw platform id is stored: hex HMAC-SHA256 of
// "platform:id". The same key must be used to find a person's rows again (right to erasure).
func HashID(key []byte, platform, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(platform))
	m.Write([]byte{':'})
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
