package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/radbot/radbot/bot"
)

// available is the bucket's tokens after refilling from the stored time to the new one: never more
// than the burst, and never fewer because another replica's clock is behind. Its parameters are the
// rate per millisecond, the burst, the burst and the rate again (availableArgs).
const available = `(CASE WHEN rate_limits.tokens + (CASE WHEN excluded.at > rate_limits.at THEN excluded.at - rate_limits.at ELSE 0 END) * CAST(? AS DOUBLE PRECISION) > CAST(? AS DOUBLE PRECISION)
	THEN CAST(? AS DOUBLE PRECISION)
	ELSE rate_limits.tokens + (CASE WHEN excluded.at > rate_limits.at THEN excluded.at - rate_limits.at ELSE 0 END) * CAST(? AS DOUBLE PRECISION) END)`

const allowSQL = `INSERT INTO rate_limits (key, platform, user_hash, tokens, at, allowed, expires_at)
	VALUES (?, ?, ?, ?, ?, 1, ?)
	ON CONFLICT (key) DO UPDATE SET
		tokens = CASE WHEN ` + available + ` >= 1 THEN ` + available + ` - 1 ELSE ` + available + ` END,
		allowed = CASE WHEN ` + available + ` >= 1 THEN 1 ELSE 0 END,
		at = CASE WHEN excluded.at > rate_limits.at THEN excluded.at ELSE rate_limits.at END,
		expires_at = excluded.expires_at
	RETURNING allowed`

// Allow implements bot.SharedState with one statement: a token bucket kept in a row and refilled from
// the time of its last use. Replicas taking from one bucket at once are serialised by the row's lock.
func (s *DB) Allow(ctx context.Context, k bot.StateKey, now time.Time, perSecond float64, burst int) (bool, error) {
	if burst < 1 || !(perSecond > 0) || math.IsInf(perSecond, 0) {
		return false, fmt.Errorf("rate limit: bad rate %g/s with burst %d", perSecond, burst)
	}
	perMs, b := perSecond/1000, float64(burst)
	full := time.Duration(b / perSecond * float64(time.Second)) // an unused bucket is full again after this
	args := []any{k.Key, string(k.Platform), k.UserHash, b - 1, millis(now), millis(now.Add(full))}
	for range 4 {
		args = append(args, perMs, b, b, perMs)
	}
	var allowed int
	if err := s.state().QueryRowContext(ctx, s.q(allowSQL), args...).Scan(&allowed); err != nil {
		return false, fmt.Errorf("rate limit: %w", err)
	}
	return allowed == 1, nil
}

// Conversation implements bot.SharedState.
func (s *DB) Conversation(ctx context.Context, k bot.StateKey, now time.Time) ([]byte, error) {
	var state string
	err := s.state().QueryRowContext(ctx, s.q(`SELECT state FROM conversations WHERE key = ? AND expires_at > ?`),
		k.Key, millis(now)).Scan(&state)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading a conversation: %w", err)
	}
	return []byte(state), nil
}

// SaveConversation implements bot.SharedState.
func (s *DB) SaveConversation(ctx context.Context, k bot.StateKey, state []byte, expires time.Time) error {
	var err error
	if state == nil {
		_, err = s.stateExec(ctx, `DELETE FROM conversations WHERE key = ?`, k.Key)
	} else {
		_, err = s.stateExec(ctx, `INSERT INTO conversations (key, platform, user_hash, state, expires_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET state = excluded.state, expires_at = excluded.expires_at`,
			k.Key, string(k.Platform), k.UserHash, string(state), millis(expires))
	}
	if err != nil {
		return fmt.Errorf("saving a conversation: %w", err)
	}
	return nil
}

// Claim implements bot.Claims: one statement inserts the claim, or takes over one whose holder's lease
// ran out unfinished; otherwise it reports the claim as it stands.
func (s *DB) Claim(ctx context.Context, key, owner string, now time.Time, lease, keep time.Duration) (bot.Claim, error) {
	for range 3 {
		var got string
		err := s.state().QueryRowContext(ctx, s.q(`INSERT INTO claims (key, owner, lease_until, done, expires_at) VALUES (?, ?, ?, 0, ?)
			ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until, expires_at = excluded.expires_at
			WHERE claims.done = 0 AND claims.lease_until <= ?
			RETURNING owner`), key, owner, millis(now.Add(lease)), millis(now.Add(keep)), millis(now)).Scan(&got)
		switch {
		case err == nil:
			return bot.Claim{Taken: true}, nil
		case !errors.Is(err, sql.ErrNoRows):
			return bot.Claim{}, fmt.Errorf("claim: %w", err)
		}
		var done int
		var until int64
		err = s.state().QueryRowContext(ctx, s.q(`SELECT done, lease_until FROM claims WHERE key = ?`), key).Scan(&done, &until)
		switch {
		case err == nil:
			return bot.Claim{Done: done != 0, LeaseUntil: fromMillis(until)}, nil
		case !errors.Is(err, sql.ErrNoRows): // swept away in between: try again
			return bot.Claim{}, fmt.Errorf("claim: %w", err)
		}
	}
	return bot.Claim{}, errors.New("claim: the row kept disappearing")
}

// Finish implements bot.Claims.
func (s *DB) Finish(ctx context.Context, key, owner string) error {
	res, err := s.stateExec(ctx, `UPDATE claims SET done = 1 WHERE key = ? AND owner = ?`, key, owner)
	if err != nil {
		return fmt.Errorf("finishing a claim: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("finishing a claim: %w", err)
	} else if n == 0 {
		return fmt.Errorf("finishing a claim: %w", bot.ErrNotFound)
	}
	return nil
}

// Release implements bot.Claims.
func (s *DB) Release(ctx context.Context, key, owner string) error {
	if _, err := s.stateExec(ctx, `DELETE FROM claims WHERE key = ? AND owner = ? AND done = 0`, key, owner); err != nil {
		return fmt.Errorf("releasing a claim: %w", err)
	}
	return nil
}

// DeleteExpired removes the claims, conversations and rate limits whose time is over, and returns how
// many rows went.
func (s *DB) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, table := range []string{"claims", "conversations", "rate_limits"} {
		res, err := s.stateExec(ctx, `DELETE FROM `+table+` WHERE expires_at < ?`, millis(now))
		if err != nil {
			return total, fmt.Errorf("deleting expired %s: %w", table, err)
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}

// SaveWorkspace keeps a Slack workspace's sealed (encrypted) installation, replacing an older one.
func (s *DB) SaveWorkspace(ctx context.Context, teamID string, sealed []byte, at time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO slack_workspaces (team_id, sealed, installed_at) VALUES (?, ?, ?)
		ON CONFLICT (team_id) DO UPDATE SET sealed = excluded.sealed, installed_at = excluded.installed_at`,
		teamID, sealed, millis(at))
	if err != nil {
		return fmt.Errorf("saving a workspace: %w", err)
	}
	return nil
}

// Workspace returns a workspace's sealed installation, or an error wrapping bot.ErrNotFound.
func (s *DB) Workspace(ctx context.Context, teamID string) ([]byte, error) {
	var sealed []byte
	err := s.Read.QueryRowContext(ctx, s.q(`SELECT sealed FROM slack_workspaces WHERE team_id = ?`), teamID).Scan(&sealed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("workspace: %w", bot.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("workspace: %w", err)
	}
	return sealed, nil
}

// DeleteWorkspace forgets a workspace's installation; it reports whether there was one.
func (s *DB) DeleteWorkspace(ctx context.Context, teamID string) (bool, error) {
	res, err := s.exec(ctx, `DELETE FROM slack_workspaces WHERE team_id = ?`, teamID)
	if err != nil {
		return false, fmt.Errorf("deleting a workspace: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// Workspaces counts the installed workspaces.
func (s *DB) Workspaces(ctx context.Context) (int, error) {
	var n int
	err := s.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM slack_workspaces`).Scan(&n)
	return n, err
}

// state is the pool for the short-lived shared state.
func (s *DB) state() *sql.DB {
	if s.State != nil {
		return s.State
	}
	return s.Write
}

func (s *DB) stateExec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.state().ExecContext(ctx, s.q(query), args...)
}
