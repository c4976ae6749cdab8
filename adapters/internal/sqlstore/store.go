package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/radbot/radbot/bot"
)

const interactionColumns = `(id, at, platform, conversation_hash, user_hash, question, status, entry_id, nearest_id, score, knowledge_version, reason)`

// insertChunk is how many interactions one INSERT carries: 12 parameters each, well under both
// SQLite's and PostgreSQL's limits.
const insertChunk = 100

func checkInteraction(in *bot.Interaction) error {
	if in == nil || in.Platform == "" || in.Status == "" {
		return errors.New("platform and status are required")
	}
	return nil
}

func interactionArgs(in *bot.Interaction) []any {
	return []any{millis(orNow(in.Time)), string(in.Platform), in.ConversationHash, in.UserHash, in.Question,
		string(in.Status), in.EntryID, in.NearestID, in.Score, in.KnowledgeVersion, string(in.Reason)}
}

// SaveInteractions implements bot.Store: it stores the batch, each interaction under its own ID, in
// one transaction (one commit for the lot: group commit), a hundred rows per statement. An ID already
// stored is left as it was. A zero Time is taken as now; times are kept to the millisecond.
func (s *DB) SaveInteractions(ctx context.Context, ins []bot.Interaction) error {
	for i := range ins {
		if err := checkInteraction(&ins[i]); err != nil {
			return fmt.Errorf("save interactions: %w", err)
		}
		if ins[i].ID <= 0 {
			return fmt.Errorf("save interactions: interaction without an id")
		}
	}
	err := s.InTx(ctx, func(tx txq) error {
		for start := 0; start < len(ins); start += insertChunk {
			chunk := ins[start:min(start+insertChunk, len(ins))]
			var b strings.Builder
			b.WriteString("INSERT INTO interactions " + interactionColumns + " VALUES ")
			args := make([]any, 0, 12*len(chunk))
			for i := range chunk {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
				args = append(args, chunk[i].ID)
				args = append(args, interactionArgs(&chunk[i])...)
			}
			b.WriteString(" ON CONFLICT (id) DO NOTHING")
			if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %d interactions: %w", len(ins), err)
	}
	return nil
}

// SaveInteraction stores one interaction outside the bot's queue (tools and tests) and returns its
// id: in.ID when set, otherwise a new one chosen by the database. in itself is not changed.
func (s *DB) SaveInteraction(ctx context.Context, in *bot.Interaction) (int64, error) {
	if err := checkInteraction(in); err != nil {
		return 0, fmt.Errorf("save interaction: %w", err)
	}
	if in.ID > 0 {
		_, err := s.exec(ctx, `INSERT INTO interactions `+interactionColumns+` VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`, append([]any{in.ID}, interactionArgs(in)...)...)
		if err != nil {
			return 0, fmt.Errorf("save interaction: %w", err)
		}
		return in.ID, nil
	}
	var id int64
	err := s.Write.QueryRowContext(ctx, s.q(`INSERT INTO interactions
		(at, platform, conversation_hash, user_hash, question, status, entry_id, nearest_id, score, knowledge_version, reason)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), interactionArgs(in)...).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("save interaction: %w", err)
	}
	return id, nil
}

// upsertVote inserts a vote, or updates the one the same user already cast on that interaction. The
// SELECT yields no row for an unknown interaction, so nothing changes and SaveVote reports it. A new
// non-empty comment replaces the old one; an empty one keeps it.
const upsertVote = `
INSERT INTO votes (interaction_id, user_hash, platform, helpful, comment, at)
SELECT id, ?, ?, ?, ?, ? FROM interactions WHERE id = ?
ON CONFLICT (interaction_id, user_hash) DO UPDATE SET
	helpful = excluded.helpful,
	at      = excluded.at,
	comment = CASE WHEN excluded.comment <> '' THEN excluded.comment ELSE votes.comment END`

// SaveVote stores v, or replaces the vote v.UserHash already cast on v.InteractionID (keeping the old
// comment when v.Comment is empty). It returns an error wrapping bot.ErrNotFound when the interaction
// does not exist. When it returns nil the vote is committed. A zero v.Time is taken as now.
func (s *DB) SaveVote(ctx context.Context, v bot.Vote) error {
	if v.UserHash == "" {
		return errors.New("save vote: user hash is required")
	}
	res, err := s.exec(ctx, upsertVote,
		v.UserHash, string(v.Platform), b2i(v.Helpful), v.Comment, millis(orNow(v.Time)), v.InteractionID)
	if err != nil {
		return fmt.Errorf("save vote on interaction %d: %w", v.InteractionID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("save vote on interaction %d: %w", v.InteractionID, err)
	}
	if n == 0 {
		return fmt.Errorf("save vote: interaction %d: %w", v.InteractionID, bot.ErrNotFound)
	}
	return nil
}

// Interaction returns the stored interaction with the given id, or an error wrapping bot.ErrNotFound.
func (s *DB) Interaction(ctx context.Context, id int64) (*bot.Interaction, error) {
	in := &bot.Interaction{ID: id}
	var at int64
	var status, platform, reason string
	err := s.Read.QueryRowContext(ctx, s.q(`SELECT at, platform, conversation_hash, user_hash, question, status,
		entry_id, nearest_id, score, knowledge_version, reason FROM interactions WHERE id = ?`), id).Scan(
		&at, &platform, &in.ConversationHash, &in.UserHash, &in.Question, &status,
		&in.EntryID, &in.NearestID, &in.Score, &in.KnowledgeVersion, &reason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("interaction %d: %w", id, bot.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("interaction %d: %w", id, err)
	}
	in.Time = fromMillis(at)
	in.Status = bot.Status(status)
	in.Reason = bot.Reason(reason)
	in.Platform = bot.Platform(platform)
	return in, nil
}

// Votes returns the votes on an interaction, oldest first (an empty slice when there are none).
func (s *DB) Votes(ctx context.Context, interactionID int64) ([]bot.Vote, error) {
	rows, err := s.Read.QueryContext(ctx, s.q(`SELECT platform, user_hash, helpful, comment, at FROM votes
		WHERE interaction_id = ? ORDER BY at, user_hash`), interactionID)
	if err != nil {
		return nil, fmt.Errorf("votes on interaction %d: %w", interactionID, err)
	}
	defer rows.Close()
	votes := []bot.Vote{}
	for rows.Next() {
		v := bot.Vote{InteractionID: interactionID}
		var at int64
		var platform string
		var helpful int
		if err := rows.Scan(&platform, &v.UserHash, &helpful, &v.Comment, &at); err != nil {
			return nil, fmt.Errorf("votes on interaction %d: %w", interactionID, err)
		}
		v.Helpful = helpful != 0
		v.Time = fromMillis(at)
		v.Platform = bot.Platform(platform)
		votes = append(votes, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("votes on interaction %d: %w", interactionID, err)
	}
	return votes, nil
}

// Counts returns how many interactions and votes are stored, for tests and tools.
func (s *DB) Counts(ctx context.Context) (interactions, votes int64, err error) {
	if err = s.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM interactions`).Scan(&interactions); err != nil {
		return 0, 0, fmt.Errorf("counting interactions: %w", err)
	}
	if err = s.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM votes`).Scan(&votes); err != nil {
		return 0, 0, fmt.Errorf("counting votes: %w", err)
	}
	return interactions, votes, nil
}

// ErrFutureCutoff is returned by PurgeBefore for a cutoff after now, which would delete recent rows.
var ErrFutureCutoff = errors.New("the cutoff is in the future")

// PurgeBefore deletes, in one transaction, the interactions stored before cutoff and every vote on
// them. It returns the number of interactions deleted. It refuses a cutoff in the future (an
// overflowed retention period, a wrong clock) with ErrFutureCutoff, deleting nothing.
func (s *DB) PurgeBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	if cutoff.After(time.Now()) {
		return 0, fmt.Errorf("purge before %s: %w", cutoff.UTC().Format(time.RFC3339), ErrFutureCutoff)
	}
	var n int64
	err := s.InTx(ctx, func(tx txq) error {
		c := millis(cutoff)
		if _, err := tx.ExecContext(ctx, `DELETE FROM votes WHERE interaction_id IN
			(SELECT id FROM interactions WHERE at < ?)`, c); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM interactions WHERE at < ?`, c)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge before %s: %w", cutoff.UTC().Format(time.RFC3339), err)
	}
	return n, nil
}

// Forget erases one person (right to erasure), in one transaction: their interactions, all votes on
// those interactions, their votes on other people's interactions, and the shared conversation context
// and rate limit kept for them. userHash is bot.HashID of their raw platform id under the key the bot
// ran with. It returns the number of interactions and votes deleted; 0 means nothing was stored for
// that person.
func (s *DB) Forget(ctx context.Context, platform bot.Platform, userHash string) (int64, error) {
	var total int64
	p := string(platform)
	err := s.InTx(ctx, func(tx txq) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM votes
			WHERE (platform = ? AND user_hash = ?)
			   OR interaction_id IN (SELECT id FROM interactions WHERE platform = ? AND user_hash = ?)`,
			p, userHash, p, userHash)
		if err != nil {
			return err
		}
		votes, err := res.RowsAffected()
		if err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM interactions WHERE platform = ? AND user_hash = ?`, p, userHash)
		if err != nil {
			return err
		}
		ins, err := res.RowsAffected()
		if err != nil {
			return err
		}
		total = votes + ins
		for _, table := range []string{"conversations", "rate_limits"} {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE platform = ? AND user_hash = ?`, p, userHash); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("forget user on %s: %w", platform, err)
	}
	return total, nil
}
