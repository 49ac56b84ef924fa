package replication

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/hashicorp/raft"

	"lanim/node/blob"
	"lanim/node/im"
	"lanim/node/openim"
)

// Fetching a blob this node lacks. One fetch per key runs at a time, whoever asks: the bytes
// arrive in a spool file in the store's temp dir that every asker follows from its first byte at
// its own pace (a slow viewer does not slow the transfer down, and a second viewer does not start
// a second transfer). The bytes are hashed as they arrive; the last blobBuf bytes reach the
// viewers only once the whole spool matched the key, so a viewer never gets a complete copy of
// bytes that do not match. Then the store adopts the spool as the blob (a rename: the bytes are
// written once) and this node records its hold.

const spoolPattern = "blob-*.spool"

// flight is one fetch in progress.
type flight struct {
	key  string
	path string // the spool file, in the store's temp dir

	mu       sync.Mutex
	size     int64 // -1 until a member answered
	written  int64 // bytes in the spool
	verified bool  // the whole spool hashed to the key: viewers may have its last bytes
	done     bool  // the fetch ended: err, or the blob is in the store
	err      error
	moved    chan struct{} // closed and replaced whenever the fields above change
	refs     int           // the runner and every follower; the last one removes the spool

	senders []raft.ServerID // members that sent bytes of the spool (the runner's)
}

// FetchBlob streams the blob key to w as it arrives from a member that holds it, and returns nil
// once the blob is verified and kept in this node's store (node/api's BlobFetcher). It returns an
// error matching fs.ErrNotExist when no member could send it.
func (n *Node) FetchBlob(ctx context.Context, key string, w io.Writer) error {
	if !im.ValidBlobKey(key) {
		return openim.ErrArgs.With("%q is not a blob key", key)
	}
	if n.blobs == nil {
		return ErrBlobUnavailable
	}
	f, src, err := n.blobs.join(key)
	if err != nil {
		return err
	}
	if f == nil {
		return n.blobs.copyLocal(key, w)
	}
	defer n.blobs.leave(f)
	defer src.Close()
	return f.copyTo(ctx, src, w)
}

// copyLocal writes a blob this node holds to w.
func (b *blobs) copyLocal(key string, w io.Writer) error {
	src, err := b.store.Open(key)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = io.CopyBuffer(w, onlyReader{src}, make([]byte, blobBuf))
	return err
}

// join returns the fetch of key in progress and the spool opened for reading, starting a fetch
// when there is none; a nil flight when the blob is in the store (it arrived meanwhile). The
// spool is opened under b.mu, as the runner renames it into the store under b.mu when it ends the
// flight. The caller must close the file and leave the flight it got.
func (b *blobs) join(key string) (*flight, *os.File, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f := b.flights[key]; f != nil {
		src, err := os.Open(f.path)
		if err != nil {
			return nil, nil, spoolErr(err)
		}
		f.mu.Lock()
		f.refs++
		f.mu.Unlock()
		return f, src, nil
	}
	if _, err := b.store.Stat(key); err == nil {
		return nil, nil, nil
	}
	if b.closed {
		return nil, nil, fmt.Errorf("fetch blob: %w", net.ErrClosed)
	}
	if b.n.id == nil {
		return nil, nil, ErrBlobUnavailable // standalone: nobody to ask
	}
	spool, err := b.store.CreateTemp(spoolPattern)
	if err != nil {
		return nil, nil, spoolErr(err)
	}
	src, err := os.Open(spool.Name())
	if err != nil {
		spool.Close()
		os.Remove(spool.Name())
		return nil, nil, spoolErr(err)
	}
	f := &flight{key: key, path: spool.Name(), size: -1, moved: make(chan struct{}), refs: 2}
	b.flights[key] = f
	b.n.wg.Add(1)
	go func() {
		defer b.n.wg.Done()
		b.fly(f, spool)
	}()
	return f, src, nil
}

// clearSpools removes spool files left in DIR/tmp, where earlier versions kept them (the store
// clears its temp dir, where they are now, when it opens).
func (b *blobs) clearSpools() {
	old, _ := filepath.Glob(filepath.Join(b.n.cfg.DataDir, "tmp", spoolPattern))
	for _, p := range old {
		os.Remove(p)
	}
}

// leave drops a reference; the last one removes the spool (gone already once adopted).
func (b *blobs) leave(f *flight) {
	f.mu.Lock()
	f.refs--
	last := f.refs == 0
	f.mu.Unlock()
	if last {
		os.Remove(f.path)
	}
}

// fly runs the fetch: the spool from the members, its check against the key, the store's
// adoption of it, then the hold.
func (b *blobs) fly(f *flight, spool *os.File) {
	defer b.leave(f)
	sum, err := b.fill(b.n.ctx, f, spool)
	switch {
	case err != nil:
	case sum != f.key:
		b.markSuspects(f.key, f.senders)
		err = fmt.Errorf("blob %s from %v: %w (%w)", f.key, f.senders, errBlobCorrupt, ErrBlobUnavailable)
	default:
		// The viewers may have the last bytes now: they match. Keeping them waits for the disk.
		f.update(func() { f.verified = true })
		if err = spool.Sync(); err != nil { // before the rename below, which holds b.mu
			err = spoolErr(err)
		}
	}
	if cerr := spool.Close(); err == nil && cerr != nil {
		err = spoolErr(cerr)
	}
	b.mu.Lock()
	if err == nil {
		// Under b.mu: a viewer joining now opens the spool before it moves, or finds the blob.
		err = b.store.Adopt(f.key, f.path, sum)
	}
	delete(b.flights, f.key)
	b.mu.Unlock()
	if err == nil {
		b.held(f.key)
	} else if b.n.ctx.Err() == nil {
		b.n.log.Warn("blobs: fetch failed", "key", f.key, "err", err)
	}
	f.update(func() { f.done, f.err = true, err })
}

// fill copies the blob into the spool from the members that may have it, each one taking over
// where the last one stopped, and returns the SHA-256 (lowercase hex) of the bytes it wrote.
func (b *blobs) fill(ctx context.Context, f *flight, spool *os.File) (string, error) {
	srcs, err := b.sources(ctx, f.key)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	lastErr := error(ErrBlobUnavailable)
	for _, s := range srcs {
		before := f.progress()
		err := b.fillFrom(ctx, s, f, hashedWriter{spool, h})
		if f.progress() > before {
			f.senders = append(f.senders, s.id)
		}
		if err == nil {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if !isCode(err, codeNotFound) {
			b.n.log.Info("blobs: a member could not send a blob", "key", f.key, "member", s.id, "err", err)
		}
		lastErr = err
	}
	if errors.Is(lastErr, fs.ErrNotExist) {
		return "", lastErr
	}
	return "", fmt.Errorf("%w (last: %v)", ErrBlobUnavailable, lastErr)
}

// hashedWriter writes to w and hashes what it wrote.
type hashedWriter struct {
	w io.Writer
	h hash.Hash
}

func (hw hashedWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	return n, err
}

// fillFrom asks one member for the rest of the blob.
func (b *blobs) fillFrom(ctx context.Context, s source, f *flight, w io.Writer) error {
	offset := f.progress()
	st, rep, err := b.n.openBlob(ctx, s.addr, &blobRequest{Op: blobOpGet, Key: f.key, Offset: offset})
	if err != nil {
		return err
	}
	defer st.close()
	f.mu.Lock()
	known := f.size
	f.mu.Unlock()
	switch {
	case known >= 0 && rep.Size != known:
		return fmt.Errorf("it has %d bytes, another member had %d", rep.Size, known)
	case rep.Size < 0 || rep.Size > im.MaxObjectSize:
		return fmt.Errorf("size %d out of range", rep.Size)
	case known < 0:
		if err := b.roomFor(rep.Size); err != nil {
			return err
		}
		f.update(func() { f.size = rep.Size })
	}
	buf := make([]byte, blobBuf)
	for left := rep.Size - offset; left > 0; {
		// Whole buffers: a TLS read returns one 16 KiB record, and each spool write wakes every
		// follower.
		k, err := io.ReadFull(st.r, buf[:min(int64(len(buf)), left)])
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return spoolErr(werr)
			}
			left -= int64(k)
			f.update(func() { f.written += int64(k) })
		}
		if err != nil && left > 0 {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// progress is how many bytes the spool holds.
func (f *flight) progress() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.written
}

// update changes the flight under its lock and wakes its followers.
func (f *flight) update(change func()) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change()
	close(f.moved)
	f.moved = make(chan struct{})
}

// copyTo copies the spool (src) to w as it fills, from its first byte, and returns when the fetch
// ended: nil when the blob is in the store. The last blobBuf bytes go out only once the whole
// spool matched the key.
func (f *flight) copyTo(ctx context.Context, src *os.File, w io.Writer) error {
	buf := make([]byte, blobBuf)
	var pos int64
	for {
		f.mu.Lock()
		limit := f.written
		if !f.verified {
			limit = max(0, f.written-blobBuf)
		}
		done, ferr, moved := f.done, f.err, f.moved
		f.mu.Unlock()
		switch {
		case pos < limit:
			// The spool itself, not hidden: a writer that reads from files (an HTTP answer) sends it
			// with sendfile.
			k, err := io.CopyBuffer(w, io.LimitReader(src, limit-pos), buf)
			pos += k
			if err != nil {
				return err
			}
			continue
		case done:
			return ferr
		}
		select {
		case <-moved:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// spoolErr is a failure to write the spool without its path (the API may show it): a full disk is
// blob.ErrDiskFull, as the store says it.
func spoolErr(err error) error {
	if errors.Is(err, syscall.ENOSPC) {
		return blob.ErrDiskFull
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("fetch blob: spool: %w", err)
}
