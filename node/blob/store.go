package blob

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Errors a caller tells apart with errors.Is. None of them carries a file path, so an API may show
// their text to a client.
var (
	// ErrBadKey: the key is not 64 lowercase hex characters.
	ErrBadKey = errors.New("blob key must be a lowercase hex SHA-256")
	// ErrHashMismatch: the bytes written do not hash to the key they were written under; nothing was kept.
	ErrHashMismatch = errors.New("bytes do not match their SHA-256")
	// ErrBudget: keeping the bytes would pass the store's disk budget; nothing was kept.
	ErrBudget = errors.New("the node's disk budget for files is used up")
	// ErrDiskFull: the file system has no room left; nothing was kept.
	ErrDiskFull = errors.New("the node's disk is full")
	// ErrCorrupt: a stored blob no longer matches its key. It has been removed; the error also
	// matches fs.ErrNotExist, so callers that fetch missing blobs from elsewhere do so.
	ErrCorrupt = errors.New("stored blob does not match its SHA-256")
)

// copyBufSize is the buffer of every streamed copy: big enough for disk throughput, small enough
// that a store's memory does not grow with file sizes.
const copyBufSize = 256 << 10

// Store is a directory of content-addressed blobs with a byte budget. It is safe for concurrent use.
type Store struct {
	dir    string
	budget int64 // bytes; <= 0: no budget

	mu       sync.Mutex
	used     int64               // bytes held, including reservations of writes in progress
	verified map[string]stamp    // blobs whose bytes were checked against their key, as they were then
	ups      map[string]*upState // uploads being written to or assembled
	partDone *sync.Cond          // on mu: a part's write ended
	// receiving counts the parts whose MD5 is being computed; simd hashes them in vector lanes
	// while there are enough of them (partMD5).
	receiving int
	simd      *simdServer
}

// stamp identifies a file's state cheaply: a blob is hashed again when its stamp changes.
type stamp struct {
	size  int64
	mtime time.Time
}

func stampOf(fi fs.FileInfo) stamp { return stamp{size: fi.Size(), mtime: fi.ModTime()} }

// Open opens (creating it if needed) the store in dir, with a budget in bytes for everything it
// holds (<= 0: no budget). Temp files left by a crash are removed.
func Open(dir string, budget int64) (*Store, error) {
	s := &Store{dir: dir, budget: budget, verified: map[string]stamp{}, ups: map[string]*upState{}}
	s.partDone = sync.NewCond(&s.mu)
	if err := os.RemoveAll(s.tmpDir()); err != nil {
		return nil, fmt.Errorf("blob store: clear temp files: %w", err)
	}
	for _, d := range []string{dir, s.tmpDir(), s.uploadsDir(), s.derivedDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("blob store: %w", err)
		}
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == s.derivedDir() {
				return fs.SkipDir // links of a few bytes, not counted when written either
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		s.used += fi.Size()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blob store: measure: %w", err)
	}
	return s, nil
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// Budget is the store's byte budget (<= 0: none).
func (s *Store) Budget() int64 { return s.budget }

// Used is how many bytes the store holds, counting writes in progress.
func (s *Store) Used() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used
}

// ValidKey reports whether key is a lowercase hex SHA-256.
func ValidKey(key string) bool {
	if len(key) != sha256.Size*2 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *Store) tmpDir() string     { return filepath.Join(s.dir, "tmp") }
func (s *Store) uploadsDir() string { return filepath.Join(s.dir, "uploads") }
func (s *Store) derivedDir() string { return filepath.Join(s.dir, "derived") }
func (s *Store) path(key string) string {
	return filepath.Join(s.dir, key[:2], key)
}

// Stat returns the size of a stored blob, or an error wrapping fs.ErrNotExist when it is absent.
func (s *Store) Stat(key string) (int64, error) {
	if !ValidKey(key) {
		return 0, ErrBadKey
	}
	fi, err := os.Stat(s.path(key))
	if err != nil {
		return 0, s.pathless("stat", key, err)
	}
	return fi.Size(), nil
}

// Open opens a stored blob for reading. The bytes are checked against the key the first time the
// blob is opened in this process and whenever its file changed since; a blob that fails is
// removed and Open returns ErrCorrupt (which also matches fs.ErrNotExist).
func (s *Store) Open(key string) (*os.File, error) {
	if !ValidKey(key) {
		return nil, ErrBadKey
	}
	f, err := os.Open(s.path(key))
	if err != nil {
		return nil, s.pathless("open", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, s.pathless("open", key, err)
	}
	s.mu.Lock()
	st, ok := s.verified[key]
	s.mu.Unlock()
	if ok && st == stampOf(fi) {
		return f, nil
	}
	sum, err := hashFile(f)
	if err != nil {
		f.Close()
		return nil, s.pathless("verify", key, err)
	}
	if sum != key {
		f.Close()
		s.drop(key)
		return nil, fmt.Errorf("blob %s: %w: %w", key, ErrCorrupt, fs.ErrNotExist)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, s.pathless("open", key, err)
	}
	s.mu.Lock()
	s.verified[key] = stampOf(fi)
	s.mu.Unlock()
	return f, nil
}

func hashFile(f *os.File) (string, error) {
	h := sha256.New()
	if _, err := io.CopyBuffer(h, f, make([]byte, copyBufSize)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Remove deletes a blob (absent is not an error).
func (s *Store) Remove(key string) error {
	if !ValidKey(key) {
		return ErrBadKey
	}
	s.drop(key)
	return nil
}

// drop removes a blob's file and gives its bytes back to the budget.
func (s *Store) drop(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.verified, key)
	p := s.path(key)
	if fi, err := os.Stat(p); err == nil && os.Remove(p) == nil {
		s.used -= fi.Size()
	}
}

// Ingest streams r into the store under key. It reads r to its end (so a reader teed elsewhere
// sees every byte), keeps the bytes only when their SHA-256 is key (else ErrHashMismatch), and
// renames them into place. Concurrent ingests of one key are safe: the first to finish is kept,
// the others are discarded. It returns the blob's size.
func (s *Store) Ingest(key string, r io.Reader) (int64, error) {
	if !ValidKey(key) {
		return 0, ErrBadKey
	}
	t, err := s.newTemp()
	if err != nil {
		return 0, fmt.Errorf("ingest %s: %w", key, err)
	}
	n, err := t.fill(r)
	if err != nil {
		t.discard()
		return 0, fmt.Errorf("ingest %s: %w", key, err)
	}
	if t.sum() != key {
		t.discard()
		return 0, fmt.Errorf("ingest %s: %w", key, ErrHashMismatch)
	}
	if err := s.commit(t, key); err != nil {
		return 0, fmt.Errorf("ingest %s: %w", key, err)
	}
	return n, nil
}

// Put streams r into the store and returns the key its bytes hash to, and their size.
func (s *Store) Put(r io.Reader) (key string, size int64, err error) {
	t, err := s.newTemp()
	if err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	}
	if size, err = t.fill(r); err != nil {
		t.discard()
		return "", 0, fmt.Errorf("put blob: %w", err)
	}
	key = t.sum()
	if err := s.commit(t, key); err != nil {
		return "", 0, fmt.Errorf("put blob: %w", err)
	}
	return key, size, nil
}

// commit renames a complete, verified temp file into place as key, unless the blob is there
// already (then the temp is discarded: the bytes are the same).
func (s *Store) commit(t *temp, key string) error {
	if err := t.close(); err != nil {
		t.discard()
		return err
	}
	dst := s.path(key)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		t.discard()
		return diskErr(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := os.Stat(dst); err == nil {
		os.Remove(t.f.Name())
		s.used -= t.reserved
		return nil
	}
	if err := os.Rename(t.f.Name(), dst); err != nil {
		os.Remove(t.f.Name())
		s.used -= t.reserved
		return diskErr(err)
	}
	if fi, err := os.Stat(dst); err == nil {
		s.verified[key] = stampOf(fi)
	}
	return nil
}

// reserve counts n more bytes against the budget, or refuses with ErrBudget.
func (s *Store) reserve(n int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.budget > 0 && s.used+n > s.budget {
		return ErrBudget
	}
	s.used += n
	return nil
}

func (s *Store) release(n int64) {
	s.mu.Lock()
	s.used -= n
	s.mu.Unlock()
}

// temp is a file being written in tmp/: every byte is reserved against the budget before it is
// written, and hashed (SHA-256) as it goes when h is set.
type temp struct {
	s        *Store
	f        *os.File
	h        hash.Hash
	reserved int64
	closed   bool
}

func (s *Store) newTemp() (*temp, error) {
	t, err := s.newPlainTemp()
	if err != nil {
		return nil, err
	}
	t.h = sha256.New()
	return t, nil
}

// newPlainTemp is a temp file that hashes nothing (a part: its SHA-256 is of no use).
func (s *Store) newPlainTemp() (*temp, error) {
	f, err := os.CreateTemp(s.tmpDir(), "w-*")
	if err != nil {
		return nil, diskErr(err)
	}
	return &temp{s: s, f: f}, nil
}

func (t *temp) Write(p []byte) (int, error) {
	if err := t.s.reserve(int64(len(p))); err != nil {
		return 0, err
	}
	t.reserved += int64(len(p))
	n, err := t.f.Write(p)
	if t.h != nil {
		t.h.Write(p[:n])
	}
	if err != nil {
		return n, diskErr(err)
	}
	return n, nil
}

// fill copies r to its end into the temp file.
func (t *temp) fill(r io.Reader) (int64, error) {
	return io.CopyBuffer(onlyWriter{t}, r, make([]byte, copyBufSize))
}

func (t *temp) sum() string { return hex.EncodeToString(t.h.Sum(nil)) }

// close flushes the file to disk: a blob is acknowledged only once it is durable.
func (t *temp) close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	if err := t.f.Sync(); err != nil {
		t.f.Close()
		return diskErr(err)
	}
	return diskErr(t.f.Close())
}

// discard removes the temp file and gives its bytes back.
func (t *temp) discard() {
	if !t.closed {
		t.closed = true
		t.f.Close()
	}
	os.Remove(t.f.Name())
	t.s.release(t.reserved)
	t.reserved = 0
}

// onlyWriter hides every method but Write, so io.Copy always goes through the budget.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }

// diskErr maps "no space left" to ErrDiskFull and drops the path from other file errors.
func diskErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return ErrDiskFull
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return fmt.Errorf("%s: %w", le.Op, le.Err)
	}
	return err
}

// pathless wraps a file error about key without the file's path.
func (s *Store) pathless(op, key string, err error) error {
	return fmt.Errorf("%s blob %s: %w", op, key, diskErr(err))
}

// safeName reports whether name can be used as one path element of the store.
func safeName(name string) bool {
	if name == "" || len(name) > 128 || name[0] == '.' {
		return false
	}
	return strings.IndexFunc(name, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) < 0
}
