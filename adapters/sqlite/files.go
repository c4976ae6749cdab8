package sqlite

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// prepareFile makes sure the database file exists before SQLite opens it, so that it is created with
// mode 0600 (SQLite would use 0644, and gives the -wal and -shm files the database file's mode). A
// missing parent directory is created 0700. An existing file keeps its mode; one that others can read
// is reported so the operator can tighten it.
func prepareFile(path string) (os.FileInfo, []string, error) {
	if strings.ContainsRune(path, 0) {
		return nil, nil, errors.New("the path contains a NUL byte")
	}
	var warnings []string
	if dir := filepath.Dir(path); dir != "" {
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, nil, err
			}
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		f.Close()
	case errors.Is(err, fs.ErrExist):
	default:
		return nil, nil, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file", path)
	}
	if info.Mode().Perm()&0o077 != 0 {
		warnings = append(warnings, fmt.Sprintf("the database file is readable by others (mode %v); run chmod 600 on it and its -wal and -shm files", info.Mode().Perm()))
	}
	return info, warnings, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Probe checks that the store can still take writes, for /readyz. It fails when the file at the
// store's path is no longer the one the store opened (replaced or deleted: rows would go to an
// unlinked file), when the file can no longer be opened for writing (permissions changed), or when a
// small write transaction fails (disk full, lock held too long, I/O error).
func (s *Store) Probe(ctx context.Context) error {
	info, err := os.Stat(s.path)
	if err != nil {
		return fmt.Errorf("probe %s: %w", s.path, err)
	}
	if !os.SameFile(info, s.info) {
		return fmt.Errorf("probe %s: the database file was replaced or moved while the store was open", s.path)
	}
	f, err := os.OpenFile(s.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("probe %s: %w", s.path, err)
	}
	f.Close()
	// A few pages, so that the write needs real room in the WAL (and, the first time, in the file).
	payload := make([]byte, 16384)
	rand.Read(payload)
	if err := s.ProbeWrite(ctx, "probe", payload); err != nil {
		return fmt.Errorf("probe %s: %w", s.path, err)
	}
	return nil
}

// KeyPath is where HashKey keeps the generated key: beside the database, never inside it.
func (s *Store) KeyPath() string { return s.path + ".key" }

// HashKey returns the key kept in the file KeyPath (64 hex characters, mode 0600), creating it with a
// random key the first time. It is the fallback used when RADBOT_HASH_KEY is unset. The file must be
// backed up with the database and kept apart from copies of it: whoever has both can test guesses of
// user ids against the stored hashes, and without the key `radbot forget` cannot find a person's rows.
//
// A key that older versions kept inside the database (table meta) is moved out to the file, so that
// hashes already stored stay valid.
func (s *Store) HashKey(ctx context.Context) ([]byte, error) {
	path := s.KeyPath()
	if key, err := readKeyFile(path); err == nil {
		return key, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("hash key: %w", err)
	}
	key, legacy, err := s.legacyKey(ctx)
	if err != nil {
		return nil, fmt.Errorf("hash key: %w", err)
	}
	if key == nil {
		key = make([]byte, 32)
		rand.Read(key) // never fails (crypto/rand since Go 1.24)
	}
	switch err := writeKeyFile(path, key); {
	case err == nil:
	case errors.Is(err, fs.ErrExist): // another process made it first: use theirs
		if key, err = readKeyFile(path); err != nil {
			return nil, fmt.Errorf("hash key: %w", err)
		}
	default:
		return nil, fmt.Errorf("hash key: %w", err)
	}
	if legacy {
		if _, err := s.write.ExecContext(ctx, `DELETE FROM meta WHERE key = 'hash_key'`); err != nil {
			return nil, fmt.Errorf("hash key: removing the old copy from the database: %w", err)
		}
		s.log.Info("hash key moved out of the database into its own file", "file", path)
	} else {
		s.log.Info("hash key generated", "file", path)
	}
	return key, nil
}

// legacyKey returns the key an older version kept in the meta table, if any.
func (s *Store) legacyKey(ctx context.Context) ([]byte, bool, error) {
	var key []byte
	err := s.write.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'hash_key'`).Scan(&key)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, false, nil
	case err != nil:
		return nil, false, err
	case len(key) != 32:
		return nil, false, fmt.Errorf("the key stored in the database has %d bytes, want 32", len(key))
	}
	return key, true, nil
}

func readKeyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(string(bytes.TrimSpace(data)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%s does not hold a key (want 64 hex characters)", path)
	}
	return key, nil
}

// writeKeyFile writes key to path, mode 0600, only if path does not exist yet. The key is written
// to a temporary file that is then linked into place, so nobody ever reads half a key.
func writeKeyFile(path string, key []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".radbot-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Link(tmp.Name(), path) // fails with fs.ErrExist if someone was first
}
