package sqlstore

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
// process before a restart, or by another process or replica on the same database.
//
// The claim is a compare-and-swap on the meta row: the UPDATE names the value it read, so of two
// processes claiming the same slot at once only one changes the row, on SQLite and on PostgreSQL
// (whose default isolation would let a read-then-write in one transaction succeed twice).
//
// prev is the slot claimed before this one ("" for none), for ReleaseDigest.
func (s *DB) ClaimDigest(ctx context.Context, slot string) (claimed bool, prev string, err error) {
	if slot == "" {
		return false, "", errors.New("claim digest: empty slot")
	}
	// An empty value stands for "never claimed", so that there is always a row to swap.
	if _, err := s.exec(ctx, `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`,
		digestKey, []byte{}); err != nil {
		return false, "", fmt.Errorf("claim digest %s: %w", slot, err)
	}
	for range 10 {
		var last []byte
		if err := s.Write.QueryRowContext(ctx, s.q(`SELECT value FROM meta WHERE key = ?`), digestKey).Scan(&last); err != nil {
			return false, "", fmt.Errorf("claim digest %s: %w", slot, err)
		}
		if string(last) >= slot {
			return false, string(last), nil
		}
		// append: a scanned empty value may be nil, which would be sent as NULL and match nothing.
		res, err := s.exec(ctx, `UPDATE meta SET value = ? WHERE key = ? AND value = ?`,
			[]byte(slot), digestKey, append([]byte{}, last...))
		if err != nil {
			return false, "", fmt.Errorf("claim digest %s: %w", slot, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, "", fmt.Errorf("claim digest %s: %w", slot, err)
		} else if n == 1 {
			return true, string(last), nil
		}
		// Another process moved the row between the read and the swap: read it again.
	}
	return false, "", fmt.Errorf("claim digest %s: the row kept changing", slot)
}

// ReleaseDigest undoes a claim whose digest could not be posted, putting back prev (as ClaimDigest
// returned it), so that the slot can be tried again. A claim that has since moved on to another slot
// is left alone.
func (s *DB) ReleaseDigest(ctx context.Context, slot, prev string) error {
	_, err := s.exec(ctx, `UPDATE meta SET value = ? WHERE key = ? AND value = ?`, []byte(prev), digestKey, []byte(slot))
	if err != nil {
		return fmt.Errorf("release digest %s: %w", slot, err)
	}
	return nil
}

// LastDigest returns the last slot claimed by ClaimDigest, or "" if none was.
func (s *DB) LastDigest(ctx context.Context) (string, error) {
	tx, err := s.Read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return "", fmt.Errorf("last digest: %w", err)
	}
	defer tx.Rollback()
	slot, err := digestSlot(ctx, txq{tx, s})
	if err != nil {
		return "", fmt.Errorf("last digest: %w", err)
	}
	return slot, nil
}

func digestSlot(ctx context.Context, tx txq) (string, error) {
	var v []byte // empty: never claimed, or the only claim was released
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, digestKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return string(v), err
}
