package blob

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrPartSize: a part's body is not the size it was signed for; nothing was kept.
var ErrPartSize = errors.New("part is not the size it was signed for")

// A multipart upload lives in uploads/<id>/: "info" holds the caller's description of it (the API's
// JSON, opaque here), "expire" its expiry in Unix milliseconds, and each received part is
// "<n>.<md5 hex>.part", so a part's MD5 is known without reading it again.

// Part is one received part of an upload.
type Part struct {
	Number int
	MD5    string // lowercase hex
	Size   int64
}

func (s *Store) uploadDir(id string) (string, error) {
	if !safeName(id) {
		return "", fmt.Errorf("upload id %q: %w", id, fs.ErrNotExist)
	}
	return filepath.Join(s.uploadsDir(), id), nil
}

// CreateUpload starts an upload: info is kept until the upload is removed or expires.
func (s *Store) CreateUpload(id string, expire time.Time, info []byte) error {
	dir, err := s.uploadDir(id)
	if err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("create upload: %w", diskErr(err))
	}
	exp := strconv.FormatInt(expire.UnixMilli(), 10)
	for name, b := range map[string][]byte{"info": info, "expire": []byte(exp)} {
		if err := s.writeSmall(filepath.Join(dir, name), b); err != nil {
			os.RemoveAll(dir)
			return fmt.Errorf("create upload: %w", err)
		}
	}
	return nil
}

// writeSmall writes a small file, counted against the budget.
func (s *Store) writeSmall(path string, b []byte) error {
	if err := s.reserve(int64(len(b))); err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		s.release(int64(len(b)))
		return diskErr(err)
	}
	return nil
}

// SetUploadInfo replaces an upload's info.
func (s *Store) SetUploadInfo(id string, info []byte) error {
	dir, err := s.uploadDir(id)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(filepath.Join(dir, "info"))
	if err != nil {
		return fmt.Errorf("upload %s: %w", id, diskErr(err))
	}
	tmp, err := os.CreateTemp(s.tmpDir(), "i-*")
	if err != nil {
		return diskErr(err)
	}
	_, werr := tmp.Write(info)
	if err := errors.Join(werr, tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return diskErr(err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, "info")); err != nil {
		os.Remove(tmp.Name())
		return diskErr(err)
	}
	s.mu.Lock()
	s.used += int64(len(info) - len(old))
	s.mu.Unlock()
	return nil
}

// UploadInfo returns an upload's info, or an error wrapping fs.ErrNotExist when there is no such
// upload (never created, completed, or expired and swept).
func (s *Store) UploadInfo(id string) ([]byte, error) {
	dir, err := s.uploadDir(id)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "info"))
	if err != nil {
		return nil, fmt.Errorf("upload %s: %w", id, diskErr(err))
	}
	return b, nil
}

// WritePart streams part n of an upload from r, which must hold exactly size bytes (else
// ErrPartSize). A part received again replaces the earlier one. On any error nothing is kept.
// It returns the part's MD5 (lowercase hex).
func (s *Store) WritePart(id string, n int, size int64, r io.Reader) (string, error) {
	dir, err := s.uploadDir(id)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "info")); err != nil {
		return "", fmt.Errorf("upload %s: %w", id, diskErr(err))
	}
	t, err := s.newPlainTemp()
	if err != nil {
		return "", fmt.Errorf("part %d: %w", n, err)
	}
	h := md5.New()
	got, err := t.fill(io.TeeReader(io.LimitReader(r, size+1), h))
	if err == nil && got != size {
		err = ErrPartSize
	}
	if err == nil {
		err = t.close()
	}
	if err != nil {
		t.discard()
		return "", fmt.Errorf("part %d: %w", n, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	s.mu.Lock()
	defer s.mu.Unlock()
	// The upload may have completed or expired while the part streamed in.
	if _, err := os.Stat(filepath.Join(dir, "info")); err != nil {
		os.Remove(t.f.Name())
		s.used -= t.reserved
		return "", fmt.Errorf("upload %s: %w", id, diskErr(err))
	}
	old, _ := filepath.Glob(filepath.Join(dir, strconv.Itoa(n)+".*.part"))
	for _, p := range old {
		if fi, err := os.Stat(p); err == nil && os.Remove(p) == nil {
			s.used -= fi.Size()
		}
	}
	if err := os.Rename(t.f.Name(), filepath.Join(dir, strconv.Itoa(n)+"."+sum+".part")); err != nil {
		os.Remove(t.f.Name())
		s.used -= t.reserved
		return "", fmt.Errorf("part %d: %w", n, diskErr(err))
	}
	return sum, nil
}

// Parts lists an upload's received parts by number.
func (s *Store) Parts(id string) ([]Part, error) {
	dir, err := s.uploadDir(id)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("upload %s: %w", id, diskErr(err))
	}
	var parts []Part
	for _, e := range entries {
		f := strings.Split(e.Name(), ".")
		if len(f) != 3 || f[2] != "part" {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if err != nil {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		parts = append(parts, Part{Number: n, MD5: f[1], Size: fi.Size()})
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].Number < parts[j].Number })
	return parts, nil
}

// RemovePart deletes one received part (a part the caller found to be wrong).
func (s *Store) RemovePart(id string, p Part) {
	dir, err := s.uploadDir(id)
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if os.Remove(filepath.Join(dir, strconv.Itoa(p.Number)+"."+p.MD5+".part")) == nil {
		s.used -= p.Size
	}
}

// Assemble joins the given parts, in order, into one blob and returns its key and size. Each part
// file is removed as soon as it is copied, so the upload needs about one part's room beyond its
// size (a single part is renamed: none). The result is noted in the upload, which stays until
// RemoveUpload, so a caller that fails after Assemble (no quorum to commit the object) can retry
// with Assembled instead of the parts, which are gone.
func (s *Store) Assemble(id string, parts []Part) (key string, size int64, err error) {
	dir, err := s.uploadDir(id)
	if err != nil {
		return "", 0, err
	}
	if len(parts) == 1 {
		key, size, err = s.adoptPart(id, dir, parts[0])
	} else {
		key, size, err = s.joinParts(id, dir, parts)
	}
	if err != nil {
		return "", 0, err
	}
	if err := s.writeSmall(filepath.Join(dir, "assembled"), []byte(key+" "+strconv.FormatInt(size, 10))); err != nil {
		return "", 0, fmt.Errorf("assemble %s: %w", id, err)
	}
	return key, size, nil
}

// Assembled returns the blob an upload was assembled into, when Assemble ran and the blob is there.
func (s *Store) Assembled(id string) (key string, size int64, ok bool) {
	dir, err := s.uploadDir(id)
	if err != nil {
		return "", 0, false
	}
	b, err := os.ReadFile(filepath.Join(dir, "assembled"))
	if err != nil {
		return "", 0, false
	}
	k, sz, _ := strings.Cut(string(b), " ")
	size, err = strconv.ParseInt(sz, 10, 64)
	if err != nil || !ValidKey(k) {
		return "", 0, false
	}
	if _, err := s.Stat(k); err != nil {
		return "", 0, false
	}
	return k, size, true
}

// UploadCount is how many uploads the store holds (unfinished, or finished and not yet removed).
func (s *Store) UploadCount() (int, error) {
	entries, err := os.ReadDir(s.uploadsDir())
	if err != nil {
		return 0, fmt.Errorf("count uploads: %w", diskErr(err))
	}
	return len(entries), nil
}

// joinParts copies parts, in order, into a new blob.
func (s *Store) joinParts(id, dir string, parts []Part) (key string, size int64, err error) {
	t, err := s.newTemp()
	if err != nil {
		return "", 0, fmt.Errorf("assemble %s: %w", id, err)
	}
	for _, p := range parts {
		path := filepath.Join(dir, strconv.Itoa(p.Number)+"."+p.MD5+".part")
		if err := t.appendFile(path); err != nil {
			t.discard()
			return "", 0, fmt.Errorf("assemble %s part %d: %w", id, p.Number, err)
		}
		s.RemovePart(id, p)
		size += p.Size
	}
	key = t.sum()
	if err := s.commit(t, key); err != nil {
		return "", 0, fmt.Errorf("assemble %s: %w", id, err)
	}
	return key, size, nil
}

// adoptPart makes the only part of an upload a blob by renaming it: no copy, no second room.
func (s *Store) adoptPart(id, dir string, p Part) (string, int64, error) {
	path := filepath.Join(dir, strconv.Itoa(p.Number)+"."+p.MD5+".part")
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("assemble %s: %w", id, diskErr(err))
	}
	key, err := hashFile(f)
	f.Close()
	if err != nil {
		return "", 0, fmt.Errorf("assemble %s: %w", id, diskErr(err))
	}
	dst := s.path(key)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", 0, fmt.Errorf("assemble %s: %w", id, diskErr(err))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := os.Stat(dst); err == nil {
		if os.Remove(path) == nil {
			s.used -= p.Size
		}
		return key, p.Size, nil
	}
	if err := os.Rename(path, dst); err != nil {
		return "", 0, fmt.Errorf("assemble %s: %w", id, diskErr(err))
	}
	if fi, err := os.Stat(dst); err == nil {
		s.verified[key] = stampOf(fi)
	}
	return key, p.Size, nil
}

func (t *temp) appendFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return diskErr(err)
	}
	defer f.Close()
	_, err = t.fill(f)
	return err
}

// RemoveUpload deletes an upload and every part it holds (absent is not an error).
func (s *Store) RemoveUpload(id string) error {
	dir, err := s.uploadDir(id)
	if err != nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var freed int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				freed += fi.Size()
			}
		}
		return nil
	})
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove upload %s: %w", id, diskErr(err))
	}
	s.used -= freed
	return nil
}

// SweepUploads removes the uploads that expired before now and returns how many it removed.
func (s *Store) SweepUploads(now time.Time) (int, error) {
	entries, err := os.ReadDir(s.uploadsDir())
	if err != nil {
		return 0, fmt.Errorf("sweep uploads: %w", diskErr(err))
	}
	removed := 0
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(s.uploadsDir(), e.Name(), "expire"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			continue
		}
		// An upload without an expiry is a crash between Mkdir and WriteFile: sweep it too.
		ms, perr := strconv.ParseInt(string(b), 10, 64)
		if err == nil && perr == nil && time.UnixMilli(ms).After(now) {
			continue
		}
		if err := s.RemoveUpload(e.Name()); err != nil {
			return removed, err
		}
		removed++
	}
	return removed, nil
}
