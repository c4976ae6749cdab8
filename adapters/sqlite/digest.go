package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// digestKey is the meta row holding the last weekly digest claimed: see ClaimDigest.
const digestKey = "digest_slot"

// ClaimDigest records that the weekly digest for slot is being posted, and reports whether this call
// claimed it. Slots are texts that sort in time order (serve uses the local date of the scheduled
// day, "2026-11-30"). It returns false when this slot, or a later one, was claimed before: by this
// process before a restart, or by another process using the same file. Reading and writing the row
// is one write transaction, so of two processes claiming the same slot only one gets true.
//
// prev is the slot claimed before this one ("" for none), for ReleaseDigest.
func (s *Store) ClaimDigest(ctx context.Context, slot string) (claimed bool, prev string, err error) {
	if slot == "" {
		return false, "", errors.New("claim digest: empty slot")
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		last, err := digestSlot(ctx, tx)
		if err != nil {
			return err
		}
		prev = last
		if last >= slot {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, digestKey, []byte(slot))
		claimed = err == nil
		return err
	})
	if err != nil {
		return false, "", fmt.Errorf("claim digest %s: %w", slot, err)
	}
	return claimed, prev, nil
}

// ReleaseDigest undoes a claim whose digest could not be posted, putting back prev (as ClaimDigest
// returned it), so that the slot can be tried again. A claim that has since moved on to another slot
// is left alone.
func (s *Store) ReleaseDigest(ctx context.Context, slot, prev string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if prev == "" {
			_, err = tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ? AND value = ?`, digestKey, []byte(slot))
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = ? AND value = ?`,
				[]byte(prev), digestKey, []byte(slot))
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("release digest %s: %w", slot, err)
	}
	return nil
}

// LastDigest returns the last slot claimed by ClaimDigest, or "" if none was.
func (s *Store) LastDigest(ctx context.Context) (string, error) {
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return "", fmt.Errorf("last digest: %w", err)
	}
	defer tx.Rollback()
	slot, err := digestSlot(ctx, tx)
	if err != nil {
		return "", fmt.Errorf("last digest: %w", err)
	}
	return slot, nil
}

func digestSlot(ctx context.Context, tx *sql.Tx) (string, error) {
	var v []byte
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, digestKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return string(v), err
}
