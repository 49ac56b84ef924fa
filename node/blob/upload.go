package blob

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrPartSize: a part's body is not the size it was signed for; nothing was kept.
var ErrPartSize = errors.New("part is not the size it was signed for")

// ErrPartMD5: a part's bytes do not have the MD5 its sender announced; nothing was kept.
var ErrPartMD5 = errors.New("part does not match its MD5")

// ErrPartsBusy: a part of the upload is being received, so it cannot be assembled yet.
var ErrPartsBusy = errors.New("a part of the upload is still being received")

// A multipart upload lives in uploads/<id>/: "info" holds the caller's description of it (the API's
// JSON, opaque here), "expire" its expiry in Unix milliseconds, "data" the file being put together:
// each part is written once, in place at its offset, and the whole file becomes the blob by a rename.
// Each received part has a marker "<n>.part" holding "<md5 hex> <offset> <size>"; a part is there
// only while its marker is. A marker is written after the part's bytes, and removed before bytes
// are written over a received part. The file is synced once, when it is assembled (the blob is
// acknowledged only then): a sync per part cost more than the rest of the part's write. A crash of
// the machine may thus lose bytes a marker names, so Assemble checks the MD5 of every part this
// store did not receive itself (one received before the node restarted) as it hashes the file.

// Part is one received part of an upload.
type Part struct {
	Number int
	MD5    string // lowercase hex
	Size   int64
}

// upState is what the store knows in memory of an upload being written to (guarded by Store.mu).
type upState struct {
	busy       map[int]bool // parts whose bytes are being written into data
	assembling bool         // Assemble runs (or ran): data is no longer written to
	// sha is the SHA-256 of data[:hashed], which spares complete a read of the whole file: the part
	// that comes next in order advances it as it arrives, and a part received ahead of the order
	// (clients send several at once) is noted in ahead and hashed from the page cache once the
	// parts before it are (follow). It is nil while a part advances it, and for good (hashed -1)
	// once hashed bytes may have changed: complete then reads the file.
	sha    hash.Hash
	hashed int64
	ahead  map[int64]span // parts received whole and marked beyond hashed, by offset
	// mine are the parts this store wrote and marked (number → MD5): their bytes are the ones
	// their markers name, in the page cache if not yet on disk.
	mine map[int]string
}

// span is a received part's place in the upload's file.
type span struct {
	n    int
	size int64
}

// upload returns the state of an upload, creating it. s.mu must be held.
func (s *Store) upload(id string) *upState {
	st := s.ups[id]
	if st == nil {
		st = &upState{busy: map[int]bool{}, sha: sha256.New(), mine: map[int]string{}, ahead: map[int64]span{}}
		s.ups[id] = st
	}
	return st
}

// forget drops the state of an upload nobody writes to. s.mu must be held.
func (s *Store) forget(id string) {
	if st := s.ups[id]; st != nil && len(st.busy) == 0 && !st.assembling && st.hashed <= 0 && len(st.mine) == 0 {
		delete(s.ups, id)
	}
}

// claim marks part n, at off, as being written (s.mu held). It returns the SHA-256 to advance with
// the part's bytes when the part is the next in order.
func (st *upState) claim(n int, off int64) hash.Hash {
	st.busy[n] = true
	switch {
	case off < st.hashed:
		st.unhash() // hashed bytes are written again
	case off == st.hashed && st.sha != nil:
		h := st.sha
		st.sha = nil
		return h
	}
	return nil
}

// unhash gives up the SHA-256 of the parts in order.
func (st *upState) unhash() {
	st.sha, st.hashed = nil, -1
	clear(st.ahead)
}

// unclaim ends the write of part n, at off, of size bytes; h is what claim returned, advanced with
// the part's bytes when ok. A part received whole but not hashed is noted for follow.
func (s *Store) unclaim(id string, n int, off, size int64, h hash.Hash, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.ups[id]; st != nil {
		delete(st.busy, n)
		switch {
		case h != nil && st.hashed == off && ok:
			st.sha, st.hashed = h, off+size
		case h != nil && st.hashed == off:
			st.unhash()
		case h == nil && ok && st.hashed >= 0 && off >= st.hashed:
			st.ahead[off] = span{n, size}
		case h == nil:
			delete(st.ahead, off)
		}
		s.forget(id)
	}
	s.partDone.Broadcast()
}

// follow advances the upload's SHA-256 over the parts received ahead of it that now come next in
// order, reading them back from the upload's file: they were just written, so the reads come from
// the page cache, and each byte is hashed once whatever order the parts arrive in. It runs at the
// end of each part's write, so the parts are hashed by the time the last one is answered.
func (s *Store) follow(id, dir string) {
	var f *os.File
	var buf []byte
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	for {
		s.mu.Lock()
		st := s.ups[id]
		var sp span
		ok := st != nil && st.sha != nil && !st.assembling
		if ok {
			sp, ok = st.ahead[st.hashed]
			ok = ok && !st.busy[sp.n] // a part being received again is hashed when it ends
		}
		if !ok {
			s.mu.Unlock()
			return
		}
		off := st.hashed
		sha := st.claim(sp.n, off)
		delete(st.ahead, off)
		s.mu.Unlock()
		var err error
		if f == nil {
			f, err = os.Open(filepath.Join(dir, "data"))
		}
		if err == nil {
			if buf == nil {
				buf = make([]byte, copyBufSize)
			}
			_, err = io.CopyBuffer(sha, io.NewSectionReader(f, off, sp.size), buf)
		}
		s.unclaim(id, sp.n, off, sp.size, sha, err == nil)
	}
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
// ErrPartSize) with MD5 wantMD5 when that is not "" (else ErrPartMD5), into the upload's file at
// off. It returns the part's MD5 (lowercase hex) once the bytes are on disk. On any error nothing is
// kept, and a part received before is left as it was: a part received again is checked in a temp
// file before it replaces the earlier one.
func (s *Store) WritePart(id string, n int, off, size int64, wantMD5 string, r io.Reader) (string, error) {
	dir, err := s.uploadDir(id)
	if err != nil {
		return "", err
	}
	if n < 1 || off < 0 || size < 0 {
		return "", fmt.Errorf("part %d at %d of %d bytes: %w", n, off, size, ErrPartSize)
	}
	if _, err := os.Stat(filepath.Join(dir, "info")); err != nil {
		return "", fmt.Errorf("upload %s: %w", id, diskErr(err))
	}
	s.mu.Lock()
	_, err = os.Stat(s.markerPath(dir, n))
	st := s.upload(id)
	direct := errors.Is(err, fs.ErrNotExist) && !st.busy[n]
	var sha hash.Hash
	if direct {
		sha = st.claim(n, off)
	} else {
		s.forget(id)
	}
	s.mu.Unlock()
	var sum string
	if direct {
		sum, err = s.writeInPlace(id, dir, n, off, size, wantMD5, sha, r)
	} else {
		sum, err = s.writeReplacement(id, dir, n, off, size, wantMD5, r)
	}
	if err != nil {
		s.trimData(id, dir)
		return "", fmt.Errorf("part %d: %w", n, err)
	}
	return sum, nil
}

// trimData shortens the upload's file to the end of its last received part when nobody writes to
// it, so a refused part that grew the file keeps no room.
func (s *Store) trimData(id, dir string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.ups[id]; st != nil && (len(st.busy) > 0 || st.assembling) {
		return
	}
	if _, err := os.Stat(filepath.Join(dir, "assembled")); err == nil {
		return
	}
	ms, err := s.markers(dir)
	if err != nil {
		return
	}
	var end int64
	for _, m := range ms {
		end = max(end, m.off+m.Size)
	}
	data := filepath.Join(dir, "data")
	fi, err := os.Stat(data)
	switch {
	case err != nil:
	case end == 0 && os.Remove(data) == nil: // no part received: no file
		s.used -= fi.Size()
	case fi.Size() > end && os.Truncate(data, end) == nil:
		s.used -= fi.Size() - end
	}
}

// writeInPlace streams a part not received before straight into the upload's file, advancing sha
// (when not nil) with it; the caller has claimed part n.
func (s *Store) writeInPlace(id, dir string, n int, off, size int64, wantMD5 string, sha hash.Hash,
	r io.Reader) (_ string, err error) {
	defer func() {
		s.unclaim(id, n, off, size, sha, err == nil)
		s.follow(id, dir)
	}()
	h, done := s.partMD5()
	defer done()
	var sum string
	err = s.writeAt(id, dir, off, size, io.TeeReader(io.LimitReader(r, size), hashes(h, sha)), func(got int64) (err error) {
		sum, err = checkPart(got, size, r, h, wantMD5)
		return err
	})
	if err != nil {
		return "", err
	}
	return sum, s.setMarker(id, dir, n, sum, off, size)
}

// writeReplacement receives a part again: its bytes go to a temp file, and only once they are
// whole and match their MD5 are they copied over the earlier part.
func (s *Store) writeReplacement(id, dir string, n int, off, size int64, wantMD5 string, r io.Reader) (_ string, err error) {
	t, err := s.newPlainTemp()
	if err != nil {
		return "", err
	}
	defer t.discard()
	h, done := s.partMD5()
	got, err := t.fill(io.TeeReader(io.LimitReader(r, size), h))
	var sum string
	if err == nil {
		sum, err = checkPart(got, size, r, h, wantMD5)
	}
	done()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	for s.upload(id).busy[n] { // the state may be forgotten and made again while waiting
		s.partDone.Wait()
	}
	sha := s.upload(id).claim(n, off)
	s.mu.Unlock()
	defer func() {
		s.unclaim(id, n, off, size, sha, err == nil)
		s.follow(id, dir)
	}()
	// The earlier part is given up first: from here on its bytes are being replaced.
	if err := s.dropMarker(id, dir, n); err != nil {
		return "", err
	}
	if err := s.writeAt(id, dir, off, size, io.TeeReader(io.NewSectionReader(t.f, 0, size), hashes(sha)), nil); err != nil {
		return "", err
	}
	return sum, s.setMarker(id, dir, n, sum, off, size)
}

// writeAt copies r into the upload's file at off and runs check (when set) on the count copied.
// The bytes start on their way to the disk; they are there once the upload is assembled (joinParts
// syncs the file).
func (s *Store) writeAt(id, dir string, off, size int64, r io.Reader, check func(got int64) error) error {
	f, err := s.openData(id, dir, off+size)
	if err != nil {
		return err
	}
	got, err := io.CopyBuffer(onlyWriter{io.NewOffsetWriter(f, off)}, r, make([]byte, copyBufSize))
	if err == nil && check != nil {
		err = check(got)
	}
	if err == nil {
		startWriteback(f, off, size)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return diskErr(err)
}

// checkPart checks a part's size (r must be at its end) and MD5 and returns the MD5 (lowercase hex).
func checkPart(got, size int64, r io.Reader, h hash.Hash, wantMD5 string) (string, error) {
	if got != size {
		return "", ErrPartSize
	}
	if k, _ := io.ReadFull(r, make([]byte, 1)); k > 0 {
		return "", ErrPartSize
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if wantMD5 != "" && sum != wantMD5 {
		return "", ErrPartMD5
	}
	return sum, nil
}

// hashes writes to each of hs that is not nil.
func hashes(hs ...hash.Hash) io.Writer {
	var ws []io.Writer
	for _, h := range hs {
		if h != nil {
			ws = append(ws, h)
		}
	}
	return io.MultiWriter(ws...)
}

// openData opens the upload's file for writing, grown to at least end bytes. Its size counts
// against the budget: growing it reserves the room first.
func (s *Store) openData(id, dir string, end int64) (*os.File, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// The upload may have completed or expired; once it is assembled its file is the blob.
	if _, err := os.Stat(filepath.Join(dir, "info")); err != nil {
		return nil, fmt.Errorf("upload %s: %w", id, diskErr(err))
	}
	if _, err := os.Stat(filepath.Join(dir, "assembled")); err == nil || s.ups[id] != nil && s.ups[id].assembling {
		return nil, fmt.Errorf("upload %s is complete: %w", id, fs.ErrNotExist)
	}
	f, err := os.OpenFile(filepath.Join(dir, "data"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, diskErr(err)
	}
	fi, err := f.Stat()
	if err == nil && fi.Size() < end {
		if s.budget > 0 && s.used+end-fi.Size() > s.budget {
			err = ErrBudget
		} else if err = f.Truncate(end); err == nil {
			s.used += end - fi.Size()
		}
	}
	if err != nil {
		f.Close()
		return nil, diskErr(err)
	}
	return f, nil
}

func (s *Store) markerPath(dir string, n int) string {
	return filepath.Join(dir, strconv.Itoa(n)+".part")
}

// setMarker notes part n as received, unless the upload is gone.
func (s *Store) setMarker(id, dir string, n int, sum string, off, size int64) error {
	b := []byte(sum + " " + strconv.FormatInt(off, 10) + " " + strconv.FormatInt(size, 10))
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := os.Stat(filepath.Join(dir, "info")); err != nil {
		return fmt.Errorf("upload %s: %w", id, diskErr(err))
	}
	if s.budget > 0 && s.used+int64(len(b)) > s.budget {
		return ErrBudget
	}
	p := s.markerPath(dir, n)
	if fi, err := os.Stat(p); err == nil && os.Remove(p) == nil {
		s.used -= fi.Size()
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		os.Remove(p)
		return diskErr(err)
	}
	s.used += int64(len(b))
	s.upload(id).mine[n] = sum
	return nil
}

// dropMarker removes part n's marker (absent is not an error), durably: bytes are written over a
// received part only once no marker claims them.
func (s *Store) dropMarker(id, dir string, n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.ups[id]; st != nil {
		delete(st.mine, n)
	}
	p := s.markerPath(dir, n)
	fi, err := os.Stat(p)
	if err != nil {
		return nil
	}
	if err := os.Remove(p); err != nil {
		return diskErr(err)
	}
	s.used -= fi.Size()
	return SyncDir(dir)
}

// SyncDir makes a rename, creation or removal in dir durable. Windows cannot sync a directory, so
// there a failed sync is not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return diskErr(err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && runtime.GOOS != "windows" {
		return diskErr(err)
	}
	return nil
}

// marker is a part's marker as read back.
type marker struct {
	Part
	off int64
}

// markers reads an upload's part markers, by part number.
func (s *Store) markers(dir string) ([]marker, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, diskErr(err)
	}
	var ms []marker
	for _, e := range entries {
		num, ok := strings.CutSuffix(e.Name(), ".part")
		n, err := strconv.Atoi(num)
		if !ok || err != nil {
			continue // also a part file of an upload started by an older version: it is sent again
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) != 3 {
			continue
		}
		off, err1 := strconv.ParseInt(f[1], 10, 64)
		size, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			continue
		}
		ms = append(ms, marker{Part{Number: n, MD5: f[0], Size: size}, off})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Number < ms[j].Number })
	return ms, nil
}

// Parts lists an upload's received parts by number.
func (s *Store) Parts(id string) ([]Part, error) {
	dir, err := s.uploadDir(id)
	if err != nil {
		return nil, err
	}
	ms, err := s.markers(dir)
	if err != nil {
		return nil, fmt.Errorf("upload %s: %w", id, err)
	}
	parts := make([]Part, len(ms))
	for i, m := range ms {
		parts[i] = m.Part
	}
	return parts, nil
}

// RemovePart forgets one received part (a part the caller found to be wrong): it has to be sent again.
func (s *Store) RemovePart(id string, p Part) {
	dir, err := s.uploadDir(id)
	if err != nil {
		return
	}
	s.mu.Lock()
	if st := s.ups[id]; st != nil {
		st.unhash() // the part's bytes, perhaps hashed, will be written again
	}
	s.mu.Unlock()
	s.dropMarker(id, dir, p.Number)
	s.trimData(id, dir)
}

// Assemble makes the given parts, in order, one blob and returns its key and size. The parts are in
// place in the upload's file already: it is hashed (with one read at most), synced and renamed into
// place, so assembling needs no room beyond the parts. The result is noted in the upload, which stays until
// RemoveUpload, so a caller that fails after Assemble (no quorum to commit the object) can retry
// with Assembled instead of the parts, which are gone.
func (s *Store) Assemble(id string, parts []Part) (key string, size int64, err error) {
	dir, err := s.uploadDir(id)
	if err != nil {
		return "", 0, err
	}
	s.mu.Lock()
	st := s.upload(id)
	if len(st.busy) > 0 || st.assembling {
		s.forget(id)
		s.mu.Unlock()
		return "", 0, fmt.Errorf("assemble %s: %w", id, ErrPartsBusy)
	}
	st.assembling = true
	s.mu.Unlock()
	defer func() {
		if err != nil {
			s.mu.Lock()
			st.assembling = false
			s.forget(id)
			s.mu.Unlock()
		}
	}()
	if key, size, err = s.joinParts(id, dir, st, parts); err != nil {
		return "", 0, fmt.Errorf("assemble %s: %w", id, err)
	}
	return key, size, nil
}

// joinParts checks that parts are the received parts laid end to end, hashes the upload's file,
// syncs it (the upload is acknowledged only once on disk) and renames it into place.
func (s *Store) joinParts(id, dir string, st *upState, parts []Part) (key string, size int64, err error) {
	ms, err := s.markers(dir)
	if err != nil {
		return "", 0, err
	}
	byNum := make(map[int]marker, len(ms))
	for _, m := range ms {
		byNum[m.Number] = m
	}
	for _, p := range parts {
		m, ok := byNum[p.Number]
		if !ok || m.Part != p || m.off != size {
			return "", 0, fmt.Errorf("part %d is not the one received at offset %d: %w", p.Number, size, fs.ErrNotExist)
		}
		size += p.Size
	}
	data := filepath.Join(dir, "data")
	flag := os.O_RDWR // writable: Windows syncs only such handles
	if size == 0 {
		flag |= os.O_CREATE // an empty upload: no part wrote the file
	}
	f, err := os.OpenFile(data, flag, 0o600)
	if err != nil {
		return "", 0, diskErr(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", 0, diskErr(err)
	}
	if fi.Size() != size {
		return "", 0, fmt.Errorf("the upload's file holds %d bytes, its parts %d", fi.Size(), size)
	}
	// No part is being written (Assemble made sure): st is stable.
	if key, err = s.hashParts(id, dir, st, f, parts, size); err != nil {
		return "", 0, err
	}
	if err := f.Sync(); err != nil {
		return "", 0, diskErr(err)
	}
	note := filepath.Join(dir, "assembled")
	if err := s.replaceSmall(note, []byte(key+" "+strconv.FormatInt(size, 10))); err != nil {
		return "", 0, err
	}
	dst := s.path(key)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", 0, diskErr(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := os.Stat(dst); err == nil {
		if os.Remove(data) == nil {
			s.used -= size
		}
	} else if err := os.Rename(data, dst); err != nil {
		return "", 0, diskErr(err)
	} else if fi, err := os.Stat(dst); err == nil {
		s.verified[key] = stampOf(fi)
	}
	// The parts are the blob now.
	for _, m := range ms {
		p := s.markerPath(dir, m.Number)
		if fi, err := os.Stat(p); err == nil && os.Remove(p) == nil {
			s.used -= fi.Size()
		}
	}
	return key, size, nil
}

// hashParts returns the SHA-256 of the upload's file f, which holds parts end to end (size bytes):
// the one advanced as the parts arrived when it covers them all and every part was received by this
// store, else from one read of the file that also checks the MD5 of each part received before a
// restart. Such a part whose bytes are not the ones its marker names (a crash lost them) is given
// up, with an error matching ErrPartMD5: it has to be sent again.
func (s *Store) hashParts(id, dir string, st *upState, f *os.File, parts []Part, size int64) (string, error) {
	s.mu.Lock()
	recheck := map[int]bool{}
	for _, p := range parts {
		if st.mine[p.Number] != p.MD5 {
			recheck[p.Number] = true
		}
	}
	s.mu.Unlock()
	if len(recheck) == 0 && st.sha != nil && st.hashed == size {
		return hex.EncodeToString(st.sha.Sum(nil)), nil
	}
	sha := sha256.New()
	buf := make([]byte, copyBufSize)
	for _, p := range parts {
		var h hash.Hash
		if recheck[p.Number] {
			h = md5.New()
		}
		if _, err := io.CopyBuffer(hashes(sha, h), io.LimitReader(f, p.Size), buf); err != nil {
			return "", diskErr(err)
		}
		if h != nil && hex.EncodeToString(h.Sum(nil)) != p.MD5 {
			s.dropMarker(id, dir, p.Number)
			return "", fmt.Errorf("part %d, received before a restart: %w", p.Number, ErrPartMD5)
		}
	}
	return hex.EncodeToString(sha.Sum(nil)), nil
}

// replaceSmall writes a small file in place of any earlier one, counted against the budget.
func (s *Store) replaceSmall(path string, b []byte) error {
	s.mu.Lock()
	if fi, err := os.Stat(path); err == nil && os.Remove(path) == nil {
		s.used -= fi.Size()
	}
	s.mu.Unlock()
	return s.writeSmall(path, b)
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
	if st := s.ups[id]; st != nil {
		st.assembling = false
		st.unhash()
		clear(st.mine)
		s.forget(id)
	}
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
