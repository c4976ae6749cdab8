package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
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

// Platform names where a question or vote came from. It is mixed into every stored user hash
// (HashID), so the adapters, `radbot forget` and the metrics must all use these constants.
type Platform string

// The platforms RadBot serves.
const (
	PlatformDiscord Platform = "discord"
	PlatformSlack   Platform = "slack"
	PlatformCLI     Platform = "cli"
)

// Platforms lists every known platform, in a stable order.
func Platforms() []Platform { return []Platform{PlatformDiscord, PlatformSlack, PlatformCLI} }

// ParsePlatform returns the platform named s (exactly, in lower case), or an error that lists the
// known names.
func ParsePlatform(s string) (Platform, error) {
	for _, p := range Platforms() {
		if string(p) == s {
			return p, nil
		}
	}
	return "", fmt.Errorf("unknown platform %q (use discord, slack or cli)", s)
}

// Query is one message from a user in a conversation.
type Query struct {
	// Platform names where the question came from.
	Platform Platform
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
	// InteractionID identifies the interaction that feedback refers to; 0 when nothing is recorded. It
	// is known before the interaction is written (the write happens after the reply, see Store), so a
	// vote may name an interaction that is still on its way to the store; Bot.Feedback waits for it.
	InteractionID int64
	// KnowledgeVersion is the content hash of the knowledge the reply came from.
	KnowledgeVersion string
}

// Interaction is one question and the reply it got, as stored for maintainers.
type Interaction struct {
	ID               int64 // given by the bot (NewInteractionID), unique across processes
	Time             time.Time
	Platform         Platform
	ConversationHash string // keyed hash, never the raw id
	UserHash         string // keyed hash, never the raw id
	Question         string // withheld for refused questions, which may reveal health details
	Status           Status
	Reason           Reason  // why it was not answered, when it was not
	EntryID          string  // the answered entry; empty otherwise
	NearestID        string  // the best-scoring entry, even for fallback and clarify
	Score            float64 // the best score
	KnowledgeVersion string
}

// Vote is a user's feedback on one interaction. One per user per interaction: saving again replaces
// the vote, and a non-empty Comment replaces the comment (an empty one keeps the old comment).
type Vote struct {
	InteractionID int64
	Platform      Platform
	UserHash      string
	Helpful       bool
	Comment       string
	Time          time.Time
}

// Store keeps interactions and feedback. adapters/sqlite implements it.
//
// The bot never makes a reply wait for the store: interactions are queued and written in batches by
// one background writer (see Options.QueueSize), each batch in one transaction. Votes are written at
// once, because a vote is acknowledged to the user only once it is on disk.
type Store interface {
	// SaveInteractions stores a batch of interactions, each under the ID it carries, in one
	// transaction: all of them or none. An ID that is already stored is left as it is, so a batch
	// can be retried after an error that came after its commit.
	SaveInteractions(ctx context.Context, ins []Interaction) error
	// SaveVote stores or replaces a vote. It returns an error wrapping ErrNotFound when the interaction
	// does not exist. When it returns nil the vote is on disk.
	SaveVote(ctx context.Context, v Vote) error
}

// ErrNotFound reports that a referenced interaction does not exist.
var ErrNotFound = errors.New("not found")

// Feedback is what an adapter passes in when a user clicks a feedback button or submits a comment.
type Feedback struct {
	Platform      Platform
	UserID        string // raw; hashed by the bot
	InteractionID int64
	Helpful       bool
	Comment       string
}

// Observer receives measurements, for metrics. cmd/radbot implements it with Prometheus.
type Observer interface {
	ObserveAnswer(platform Platform, status Status, elapsed time.Duration)
	ObserveFeedback(platform Platform, helpful bool)
}

// QueueObserver is an Observer that also wants to see the queue of interactions waiting for the
// store. The bot checks for it with a type assertion.
type QueueObserver interface {
	// ObserveQueue reports how many interactions wait to be written, after every change.
	ObserveQueue(depth int)
	// ObserveDropped counts interactions that were not stored: the queue was full, or the store kept
	// failing.
	ObserveDropped(n int)
	// ObserveBatch reports one batch written in one transaction.
	ObserveBatch(rows int, elapsed time.Duration)
}

// HashID returns the keyed hash under which a raw platform id is stored: hex HMAC-SHA256 of
// "platform:id". The same key must be used to find a person's rows again (right to erasure). Logs use
// its first 12 characters (Bot.UserRef), never an unkeyed hash.
func HashID(key []byte, platform Platform, id string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(platform))
	m.Write([]byte{':'})
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil)[:16])
}
