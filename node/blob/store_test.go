package blob

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func keyOf(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
func md5Of(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

func openStore(t *testing.T, budget int64) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "blobs"), budget)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// files lists every file under dir (the store keeps nothing it did not commit).
// concurrently runs f(0..n-1) at once and fails the test on any error.
func concurrently(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() { errs <- f(i) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestIngestStatOpen(t *testing.T) {
	s := openStore(t, 0)
	data := bytes.Repeat([]byte("lanim"), 100000)
	key := keyOf(data)
	if _, err := s.Stat(key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stat before ingest: %v, want fs.ErrNotExist", err)
	}
	n, err := s.Ingest(key, bytes.NewReader(data))
	if err != nil || n != int64(len(data)) {
		t.Fatalf("ingest: %d %v", n, err)
	}
	if size, err := s.Stat(key); err != nil || size != int64(len(data)) {
		t.Fatalf("stat: %d %v", size, err)
	}
	f, err := s.Open(key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, data) {
		t.Fatal("read back different bytes")
	}
	if s.Used() != int64(len(data)) {
		t.Fatalf("used %d, want %d", s.Used(), len(data))
	}
	// Reopening counts what is on disk.
	s2, err := Open(s.Dir(), 0)
	if err != nil || s2.Used() != int64(len(data)) {
		t.Fatalf("reopen: used %d %v", s2.Used(), err)
	}
}

func TestIngestRefusals(t *testing.T) {
	data := []byte("the bytes")
	cases := []struct {
		name   string
		budget int64
		key    string
		want   error
	}{
		{"hash mismatch", 0, keyOf([]byte("other bytes")), ErrHashMismatch},
		{"over budget", 4, keyOf(data), ErrBudget},
		{"bad key", 0, strings.ToUpper(keyOf(data)), ErrBadKey},
		{"path in key", 0, "../" + keyOf(data)[3:], ErrBadKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := openStore(t, c.budget)
			if _, err := s.Ingest(c.key, bytes.NewReader(data)); !errors.Is(err, c.want) {
				t.Fatalf("ingest: %v, want %v", err, c.want)
			}
			if f := files(t, s.Dir()); len(f) != 0 {
				t.Fatalf("files left behind: %v", f)
			}
			if s.Used() != 0 {
				t.Fatalf("used %d after a refusal", s.Used())
			}
		})
	}
}

func TestConcurrentIngestOneKey(t *testing.T) {
	s := openStore(t, 0)
	data := bytes.Repeat([]byte{7}, 3<<20)
	key := keyOf(data)
	concurrently(t, 8, func(int) error {
		_, err := s.Ingest(key, bytes.NewReader(data))
		return err
	})
	if s.Used() != int64(len(data)) {
		t.Fatalf("used %d, want one copy %d", s.Used(), len(data))
	}
	if f := files(t, s.Dir()); len(f) != 1 {
		t.Fatalf("files: %v", f)
	}
}

func TestCorruptBlobNeverServed(t *testing.T) {
	s := openStore(t, 0)
	data := []byte("original bytes of a picture")
	key, _, err := s.Put(bytes.NewReader(data))
	if err != nil || key != keyOf(data) {
		t.Fatalf("put: %s %v", key, err)
	}
	// Same size, other bytes, a later modification time: a disk error or a hand edit.
	bad := bytes.ToUpper(data)
	if err := os.WriteFile(s.path(key), bad, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(s.path(key), time.Now(), time.Now().Add(time.Second))
	if _, err := s.Open(key); !errors.Is(err, ErrCorrupt) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("open corrupt: %v, want ErrCorrupt and fs.ErrNotExist", err)
	}
	if _, err := s.Stat(key); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("corrupt blob kept: %v", err)
	}
	if s.Used() != 0 {
		t.Fatalf("used %d", s.Used())
	}
	// A fresh process checks every blob once, even with an unchanged stamp.
	good, _, _ := s.Put(bytes.NewReader(data))
	os.WriteFile(s.path(good), bad, 0o600)
	s2, _ := Open(s.Dir(), 0)
	if _, err := s2.Open(good); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open corrupt after restart: %v", err)
	}
}

func TestUploadParts(t *testing.T) {
	s := openStore(t, 0)
	p1, p2 := bytes.Repeat([]byte("a"), 1000), []byte("tail")
	if err := s.CreateUpload("u1", time.Now().Add(time.Hour), []byte(`{"x":1}`)); err != nil {
		t.Fatal(err)
	}
	if info, err := s.UploadInfo("u1"); err != nil || string(info) != `{"x":1}` {
		t.Fatalf("info %q %v", info, err)
	}
	before := s.Used()
	// Too short, too long: refused, nothing kept.
	for _, body := range [][]byte{p1[:999], append(append([]byte{}, p1...), 'x')} {
		if _, err := s.WritePart("u1", 1, 0, 1000, "", bytes.NewReader(body)); !errors.Is(err, ErrPartSize) {
			t.Fatalf("part of %d bytes: %v, want ErrPartSize", len(body), err)
		}
	}
	if s.Used() != before {
		t.Fatalf("a refused part kept %d bytes", s.Used()-before)
	}
	if _, err := s.WritePart("nope", 1, 0, 4, "", bytes.NewReader(p2)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("part of unknown upload: %v", err)
	}
	if _, err := s.WritePart("../u1", 1, 0, 4, "", bytes.NewReader(p2)); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("part with a path in its id: %v", err)
	}
	// Part 2 first, then part 1 twice (the second replaces the first).
	if sum, err := s.WritePart("u1", 2, 1000, 4, "", bytes.NewReader(p2)); err != nil || sum != md5Of(p2) {
		t.Fatalf("part 2: %s %v", sum, err)
	}
	for range 2 {
		if sum, err := s.WritePart("u1", 1, 0, 1000, "", bytes.NewReader(p1)); err != nil || sum != md5Of(p1) {
			t.Fatalf("part 1: %s %v", sum, err)
		}
	}
	parts, err := s.Parts("u1")
	if err != nil || len(parts) != 2 || parts[0] != (Part{1, md5Of(p1), 1000}) || parts[1] != (Part{2, md5Of(p2), 4}) {
		t.Fatalf("parts %+v %v", parts, err)
	}
	if _, _, ok := s.Assembled("u1"); ok {
		t.Fatal("assembled before Assemble")
	}
	key, size, err := s.Assemble("u1", parts)
	whole := append(append([]byte{}, p1...), p2...)
	if err != nil || key != keyOf(whole) || size != int64(len(whole)) {
		t.Fatalf("assemble: %s %d %v", key, size, err)
	}
	if k, sz, ok := s.Assembled("u1"); !ok || k != key || sz != size {
		t.Fatalf("assembled: %s %d %v", k, sz, ok)
	}
	if err := s.RemoveUpload("u1"); err != nil {
		t.Fatal(err)
	}
	if s.Used() != int64(len(whole)) {
		t.Fatalf("used %d after complete, want %d", s.Used(), len(whole))
	}
	if f := files(t, s.Dir()); len(f) != 1 {
		t.Fatalf("files after complete: %v", f)
	}
}

func TestSweepUploads(t *testing.T) {
	s := openStore(t, 0)
	now := time.Now()
	s.CreateUpload("old", now.Add(-time.Minute), []byte("{}"))
	s.CreateUpload("new", now.Add(time.Hour), []byte("{}"))
	s.WritePart("old", 1, 0, 3, "", strings.NewReader("abc"))
	n, err := s.SweepUploads(now)
	if err != nil || n != 1 {
		t.Fatalf("swept %d %v", n, err)
	}
	if _, err := s.UploadInfo("old"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("expired upload still there: %v", err)
	}
	if _, err := s.UploadInfo("new"); err != nil {
		t.Fatalf("live upload swept: %v", err)
	}
	if _, err := s.WritePart("old", 2, 3, 3, "", strings.NewReader("abc")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("part for a swept upload: %v", err)
	}
	left, _ := Open(s.Dir(), 0)
	if s.Used() != left.Used() {
		t.Fatalf("used %d, on disk %d", s.Used(), left.Used())
	}
}

func TestDerived(t *testing.T) {
	s := openStore(t, 0)
	key, _, _ := s.Put(strings.NewReader("big picture"))
	if _, err := s.OpenDerived(key, "thumb_640x640"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("derived before put: %v", err)
	}
	if _, err := s.PutDerived(key, "thumb_640x640", strings.NewReader("small")); err != nil {
		t.Fatal(err)
	}
	f, err := s.OpenDerived(key, "thumb_640x640")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "small" {
		t.Fatalf("derived %q", b)
	}
}

// TestSinglePartIsRenamed: an upload of one part becomes its blob without a copy.
func TestSinglePartIsRenamed(t *testing.T) {
	s := openStore(t, 0)
	data := bytes.Repeat([]byte("x"), 10000)
	s.CreateUpload("one", time.Now().Add(time.Hour), []byte("{}"))
	if _, err := s.WritePart("one", 1, 0, int64(len(data)), "", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	parts, _ := s.Parts("one")
	key, size, err := s.Assemble("one", parts)
	if err != nil || key != keyOf(data) || size != int64(len(data)) {
		t.Fatalf("assemble: %s %d %v", key, size, err)
	}
	if left, _ := s.Parts("one"); len(left) != 0 {
		t.Fatalf("parts left: %v", left)
	}
	s.RemoveUpload("one")
	if s.Used() != int64(len(data)) {
		t.Fatalf("used %d, want %d", s.Used(), len(data))
	}
}

// TestDiskFull: "no space left" from the file system is ErrDiskFull, with no path in its text,
// and nothing is kept.
func TestDiskFull(t *testing.T) {
	s := openStore(t, 0)
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Fatalf("this test writes to /dev/full: %v", err)
	}
	tmp := &temp{s: s, f: full, h: sha256.New()}
	_, err = tmp.fill(strings.NewReader("bytes"))
	if !errors.Is(err, ErrDiskFull) || strings.Contains(err.Error(), "/") {
		t.Fatalf("write to a full disk: %v, want ErrDiskFull without a path", err)
	}
	tmp.closed = true
	full.Close()
	if s.Used() != 5 {
		t.Fatalf("reserved %d before the discard", s.Used())
	}
	s.release(tmp.reserved)
	if s.Used() != 0 {
		t.Fatalf("used %d", s.Used())
	}
}
