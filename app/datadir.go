package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// dataDir is the node's directory: state.db, raft/, and the small files below.
type dataDir struct {
	path string
	lock *os.File
}

// openDataDir creates the directory if needed and takes its lock, so a second process on the same
// directory stops at once instead of corrupting it.
func openDataDir(path string) (*dataDir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(path, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("data dir %s is in use by another lanim process", path)
	}
	return &dataDir{path: path, lock: f}, nil
}

func (d *dataDir) file(name string) string { return filepath.Join(d.path, name) }

// close releases the lock.
func (d *dataDir) close() error { return d.lock.Close() }

// nodeID is this install's stable ID, made on first start: an address change is not a new node.
func (d *dataDir) nodeID() (string, error) {
	return d.readOrCreate("node-id", func() (string, error) { return randomHex(8) })
}

// readOrCreate returns the trimmed content of a small file, creating it (mode 0600) with make's
// value when it does not exist.
func (d *dataDir) readOrCreate(name string, make func() (string, error)) (string, error) {
	b, err := os.ReadFile(d.file(name))
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	v, err := make()
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(d.file(name), []byte(v+"\n"), 0o600); err != nil {
		return "", err
	}
	return v, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}
