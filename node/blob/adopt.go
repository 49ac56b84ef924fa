package blob

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Adopting a file written outside the store's own writers: the cluster's fetch receives a blob
// into a spool that viewers follow while it fills, hashing it as it arrives. Keeping that spool
// as the blob (a rename) spares a second write and read of the whole file.

// CreateTemp creates a file in the store's temp dir, for a caller that will hand it to Adopt: it
// is on the store's file system (so Adopt is a rename) and removed at the next Open if the
// process stops first. Its bytes count against the budget only once adopted.
func (s *Store) CreateTemp(pattern string) (*os.File, error) {
	f, err := os.CreateTemp(s.tmpDir(), pattern)
	if err != nil {
		return nil, diskErr(err)
	}
	return f, nil
}

// Adopt keeps the complete file at path, made by CreateTemp and no longer written, as the blob
// key. sum is the lowercase hex SHA-256 its writer computed over the bytes it wrote; "" makes
// Adopt hash the file itself. Bytes that do not match key are refused with ErrHashMismatch. The
// file is synced, its size reserved against the budget (ErrBudget), and renamed into place; when
// the blob is there already the file is dropped. On failure nothing is kept. Either way the file
// is removed, unless it is outside the temp dir (refused) or open elsewhere where that forbids it
// (Windows: its last reader removes it). Errors carry no path.
func (s *Store) Adopt(key, path, sum string) error {
	if filepath.Dir(path) != s.tmpDir() {
		return fmt.Errorf("adopt %s: %w", key, errNotTemp)
	}
	err := s.adopt(key, path, sum)
	os.Remove(path) // gone already when renamed into place
	if err != nil {
		return fmt.Errorf("adopt %s: %w", key, err)
	}
	return nil
}

// errNotTemp: Adopt was given a file outside the store's temp dir (a rename could cross file
// systems, or take a file the store does not own).
var errNotTemp = errors.New("not one of the store's temp files")

func (s *Store) adopt(key, path, sum string) error {
	if !ValidKey(key) {
		return ErrBadKey
	}
	size, err := syncChecked(path, key, sum)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.path(key)), 0o700); err != nil {
		return diskErr(err)
	}
	if err := s.reserve(size); err != nil {
		return err
	}
	if s.place(key, path, size) {
		return nil
	}
	// Some systems refuse to rename a file that others have open (Windows: the viewers following
	// the spool): copy it in instead, hashing it again on the way.
	f, err := os.Open(path)
	if err != nil {
		return diskErr(err)
	}
	defer f.Close()
	t, err := s.newTemp()
	if err != nil {
		return err
	}
	if _, err := t.fill(f); err != nil {
		t.discard()
		return err
	}
	if t.sum() != key {
		t.discard()
		return ErrHashMismatch
	}
	return s.commit(t, key)
}

// syncChecked checks the file at path against key (sum, or its hash when sum is ""), flushes it
// to disk (a blob is kept only once it is durable) and returns its size. It closes the file before
// it returns, so that a rename is not refused where open files cannot be renamed.
func syncChecked(path, key, sum string) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0) // writable: Windows syncs only such handles
	if err != nil {
		return 0, diskErr(err)
	}
	defer f.Close()
	if sum == "" {
		if sum, err = hashFile(f); err != nil {
			return 0, diskErr(err)
		}
	}
	if sum != key {
		return 0, ErrHashMismatch
	}
	if err := f.Sync(); err != nil {
		return 0, diskErr(err)
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, diskErr(err)
	}
	return fi.Size(), diskErr(f.Close())
}

// place renames the file at path, whose size is reserved, into place as key, or drops it when
// the blob is there already. It reports false, with the reservation given back, when the rename
// failed.
func (s *Store) place(key, path string, size int64) bool {
	dst := s.path(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := os.Stat(dst); err == nil {
		s.used -= size
		os.Remove(path)
		return true
	}
	if err := os.Rename(path, dst); err != nil {
		s.used -= size
		return false
	}
	if fi, err := os.Stat(dst); err == nil {
		s.verified[key] = stampOf(fi)
	}
	return true
}
