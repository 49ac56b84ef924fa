package blob

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// A derived file (a thumbnail) is computed from a blob and kept as a blob of its own, so it is
// verified like every blob; derived/<key>/<name> holds the derived blob's key.

// PutDerived stores r as the file name derived from blob key and returns the derived blob's key.
func (s *Store) PutDerived(key, name string, r io.Reader) (string, error) {
	if !ValidKey(key) {
		return "", ErrBadKey
	}
	if !safeName(name) {
		return "", fmt.Errorf("derived name %q: invalid", name)
	}
	dkey, _, err := s.Put(r)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(s.derivedDir(), key)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", diskErr(err)
	}
	tmp, err := os.CreateTemp(s.tmpDir(), "d-*")
	if err != nil {
		return "", diskErr(err)
	}
	_, werr := tmp.WriteString(dkey)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return "", diskErr(err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		os.Remove(tmp.Name())
		return "", diskErr(err)
	}
	return dkey, nil
}

// OpenDerived opens the file name derived from blob key, or returns an error wrapping
// fs.ErrNotExist when it was never made (or its blob went bad).
func (s *Store) OpenDerived(key, name string) (*os.File, error) {
	if !ValidKey(key) {
		return nil, ErrBadKey
	}
	if !safeName(name) {
		return nil, fmt.Errorf("derived name %q: %w", name, fs.ErrNotExist)
	}
	b, err := os.ReadFile(filepath.Join(s.derivedDir(), key, name))
	if err != nil {
		return nil, fmt.Errorf("derived %s/%s: %w", key, name, diskErr(err))
	}
	return s.Open(string(b))
}
