package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/radbot/radbot/bot"
)

// Times are stored as Unix milliseconds, UTC.
func millis(t time.Time) int64 { return t.UnixMilli() }

func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// orNow returns t, or the current time when t is zero.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return time.Now()
	}
	return t
}

// SaveInteraction stores in and returns its new id; in itself is not changed. A zero in.Time is taken
// as now. Times are kept to the millisecond.
func (s *Store) SaveInteraction(ctx context.Context, in *bot.Interaction) (int64, error) {
	if in == nil || in.Platform == "" || in.Status == "" {
		return 0, errors.New("save interaction: platform and status are required")
	}
	res, err := s.write.ExecContext(ctx, `INSERT INTO interactions
		(at, platform, conversation_hash, user_hash, question, status, entry_id, nearest_id, score, knowledge_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		millis(orNow(in.Time)), in.Platform, in.ConversationHash, in.UserHash, in.Question, string(in.Status),
		in.EntryID, in.NearestID, in.Score, in.KnowledgeVersion)
	if err != nil {
		return 0, fmt.Errorf("save interaction: %w", err)
	}
	id, err := res.LastInsertId()
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
func (s *Store) SaveVote(ctx context.Context, v bot.Vote) error {
	if v.UserHash == "" {
		return errors.New("save vote: user hash is required")
	}
	res, err := s.write.ExecContext(ctx, upsertVote,
		v.UserHash, v.Platform, v.Helpful, v.Comment, millis(orNow(v.Time)), v.InteractionID)
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
func (s *Store) Interaction(ctx context.Context, id int64) (*bot.Interaction, error) {
	in := &bot.Interaction{ID: id}
	var at int64
	var status string
	err := s.read.QueryRowContext(ctx, `SELECT at, platform, conversation_hash, user_hash, question, status,
		entry_id, nearest_id, score, knowledge_version FROM interactions WHERE id = ?`, id).Scan(
		&at, &in.Platform, &in.ConversationHash, &in.UserHash, &in.Question, &status,
		&in.EntryID, &in.NearestID, &in.Score, &in.KnowledgeVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("interaction %d: %w", id, bot.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("interaction %d: %w", id, err)
	}
	in.Time = fromMillis(at)
	in.Status = bot.Status(status)
	return in, nil
}

// Votes returns the votes on an interaction, oldest first (an empty slice when there are none).
func (s *Store) Votes(ctx context.Context, interactionID int64) ([]bot.Vote, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT platform, user_hash, helpful, comment, at FROM votes
		WHERE interaction_id = ? ORDER BY at, user_hash`, interactionID)
	if err != nil {
		return nil, fmt.Errorf("votes on interaction %d: %w", interactionID, err)
	}
	defer rows.Close()
	votes := []bot.Vote{}
	for rows.Next() {
		v := bot.Vote{InteractionID: interactionID}
		var at int64
		if err := rows.Scan(&v.Platform, &v.UserHash, &v.Helpful, &v.Comment, &at); err != nil {
			return nil, fmt.Errorf("votes on interaction %d: %w", interactionID, err)
		}
		v.Time = fromMillis(at)
		votes = append(votes, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("votes on interaction %d: %w", interactionID, err)
	}
	return votes, nil
}

// PurgeBefore deletes, in one transaction, the interactions stored before cutoff and every vote on
// them. It returns the number of interactions deleted.
func (s *Store) PurgeBefore(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
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
// those interactions, and their votes on other people's interactions. userHash is bot.HashID of their
// raw platform id under the key the bot ran with. It returns the number of rows deleted, interactions
// and votes together; 0 means nothing was stored for that person.
func (s *Store) Forget(ctx context.Context, platform, userHash string) (int64, error) {
	var total int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM votes
			WHERE (platform = ?1 AND user_hash = ?2)
			   OR interaction_id IN (SELECT id FROM interactions WHERE platform = ?1 AND user_hash = ?2)`,
			platform, userHash)
		if err != nil {
			return err
		}
		votes, err := res.RowsAffected()
		if err != nil {
			return err
		}
		res, err = tx.ExecContext(ctx, `DELETE FROM interactions WHERE platform = ? AND user_hash = ?`,
			platform, userHash)
		if err != nil {
			return err
		}
		ins, err := res.RowsAffected()
		total = votes + ins
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("forget user on %s: %w", platform, err)
	}
	return total, nil
}

// HashKey returns a random 32-byte key kept in the database, creating it on the first call. It is a
// fallback for development only, used when RADBOT_HASH_KEY is unset: a key stored beside the hashes it
// protects does not keep them from anyone who can read the file, so production must set
// RADBOT_HASH_KEY. The key must stay the same for Forget to find a person's rows.
func (s *Store) HashKey(ctx context.Context) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh) // never fails (crypto/rand since Go 1.24)
	var key []byte
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ('hash_key', ?)
			ON CONFLICT (key) DO NOTHING`, fresh); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'hash_key'`).Scan(&key)
	})
	if err != nil {
		return nil, fmt.Errorf("hash key: %w", err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("hash key: stored key has %d bytes, want 32", len(key))
	}
	return key, nil
}
