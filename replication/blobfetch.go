package replication

import (
	"context"
	"errors"
	"fmt"
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
)

// Fetching a blob this node lacks. One fetch per key runs at a time, whoever asks: the bytes
// arrive in a spool file in DIR/tmp that every asker follows from its first byte at its own pace
// (a slow viewer does not slow the transfer down, and a second viewer does not start a second
// transfer). The store ingests the spool as it fills, checking the bytes against the key; the
// last blobBuf bytes reach the viewers only once the store kept the blob, so a viewer never gets a
// complete copy of bytes that do not match. Then this node records its hold.

const spoolPattern = "blob-*.spool"

// flight is one fetch in progress.
type flight struct {
	key  string
	path string // the spool file

	mu      sync.Mutex
	size    int64 // -1 until a member answered
	written int64 // bytes in the spool
	failed  error // the transfer failed (the store's ingest stops)
	done    bool  // the fetch ended: err, or the blob is in the store
	err     error
	moved   chan struct{} // closed and replaced whenever the fields above change
	refs    int           // the runner and every follower; the last one removes the spool

	senders []raft.ServerID // members that sent bytes of the spool (the runner's)
}

// FetchBlob streams the blob key to w as it arrives from a member that holds it, and returns nil
// once the blob is verified and kept in this node's store (node/api's BlobFetcher). It returns an
// error matching fs.ErrNotExist when no member could send it.
func (n *Node) FetchBlob(ctx context.Context, key string, w io.Writer) error {
	if !im.ValidBlobKey(key) {
		return im.ErrArgs.With("%q is not a blob key", key)
	}
	if n.blobs == nil {
		return ErrBlobUnavailable
	}
	f, err := n.blobs.join(key)
	if err != nil {
		return err
	}
	if f == nil {
		return n.blobs.copyLocal(key, w)
	}
	defer n.blobs.leave(f)
	return f.copyTo(ctx, w, false)
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

// join returns the fetch of key in progress, starting one when there is none; nil when the blob
// is in the store (it arrived meanwhile). The caller must leave the flight it got.
func (b *blobs) join(key string) (*flight, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if f := b.flights[key]; f != nil {
		f.mu.Lock()
		f.refs++
		f.mu.Unlock()
		return f, nil
	}
	if _, err := b.store.Stat(key); err == nil {
		return nil, nil
	}
	if b.closed {
		return nil, fmt.Errorf("fetch blob: %w", net.ErrClosed)
	}
	if b.n.id == nil {
		return nil, ErrBlobUnavailable // standalone: nobody to ask
	}
	spool, err := os.CreateTemp(b.spoolDir(), spoolPattern)
	if err != nil {
		return nil, spoolErr(err)
	}
	f := &flight{key: key, path: spool.Name(), size: -1, moved: make(chan struct{}), refs: 2}
	b.flights[key] = f
	b.n.wg.Add(1)
	go func() {
		defer b.n.wg.Done()
		b.fly(f, spool)
	}()
	return f, nil
}

func (b *blobs) spoolDir() string { return filepath.Join(b.n.cfg.DataDir, "tmp") }

// clearSpools removes the spool files a stopped process left.
func (b *blobs) clearSpools() {
	old, _ := filepath.Glob(filepath.Join(b.spoolDir(), spoolPattern))
	for _, p := range old {
		os.Remove(p)
	}
}

// leave drops a reference; the last one removes the spool.
func (b *blobs) leave(f *flight) {
	f.mu.Lock()
	f.refs--
	last := f.refs == 0
	f.mu.Unlock()
	if last {
		os.Remove(f.path)
	}
}

// fly runs the fetch: the spool from the members while the store ingests it, then the hold.
func (b *blobs) fly(f *flight, spool *os.File) {
	defer b.leave(f)
	ctx, cancel := context.WithCancel(b.n.ctx)
	defer cancel()
	filled := make(chan error, 1)
	go func() {
		err := b.fill(ctx, f, spool)
		if cerr := spool.Close(); err == nil && cerr != nil {
			err = spoolErr(cerr)
		}
		if err != nil {
			f.update(func() { f.failed = err })
		}
		filled <- err
	}()
	pr, pw := io.Pipe()
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		pw.CloseWithError(f.copyTo(ctx, pw, true))
	}()
	_, ierr := b.store.Ingest(f.key, pr)
	pr.CloseWithError(errIngestEnded)
	if ierr != nil {
		cancel() // no use fetching bytes the store will not keep
	}
	err := <-filled
	<-fed
	switch {
	case err != nil:
	case errors.Is(ierr, blob.ErrHashMismatch):
		b.markSuspects(f.key, f.senders)
		err = fmt.Errorf("blob %s from %v: %w (%w)", f.key, f.senders, errBlobCorrupt, ErrBlobUnavailable)
	default:
		err = ierr
	}
	if err == nil {
		b.held(f.key)
	} else if b.n.ctx.Err() == nil {
		b.n.log.Warn("blobs: fetch failed", "key", f.key, "err", err)
	}
	b.mu.Lock()
	delete(b.flights, f.key)
	b.mu.Unlock()
	f.update(func() { f.done, f.err = true, err })
}

// errIngestEnded stops the copy into a store ingest that returned.
var errIngestEnded = errors.New("the store's ingest ended")

// fill copies the blob into the spool from the members that may have it, each one taking over
// where the last one stopped.
func (b *blobs) fill(ctx context.Context, f *flight, spool *os.File) error {
	srcs, err := b.sources(ctx, f.key)
	if err != nil {
		return err
	}
	lastErr := error(ErrBlobUnavailable)
	for _, s := range srcs {
		before := f.progress()
		err := b.fillFrom(ctx, s, f, spool)
		if f.progress() > before {
			f.senders = append(f.senders, s.id)
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !isCode(err, codeNotFound) {
			b.n.log.Info("blobs: a member could not send a blob", "key", f.key, "member", s.id, "err", err)
		}
		lastErr = err
	}
	if errors.Is(lastErr, fs.ErrNotExist) {
		return lastErr
	}
	return fmt.Errorf("%w (last: %v)", ErrBlobUnavailable, lastErr)
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

// copyTo copies the spool to w as it fills, from its first byte. A viewer (raw false) gets the
// last blobBuf bytes only once the store kept the blob, and returns when the fetch ended: nil when
// the blob is in the store. The store's ingest (raw true) gets every byte as it arrives and an end
// once the last one did, or the transfer's failure.
func (f *flight) copyTo(ctx context.Context, w io.Writer, raw bool) error {
	src, err := os.Open(f.path)
	if err != nil {
		return spoolErr(err)
	}
	defer src.Close()
	buf := make([]byte, blobBuf)
	var pos int64
	for {
		f.mu.Lock()
		limit := f.written
		if !raw && !(f.done && f.err == nil) {
			limit = max(0, f.written-blobBuf)
		}
		size, failed, done, ferr, moved := f.size, f.failed, f.done, f.err, f.moved
		f.mu.Unlock()
		switch {
		case pos < limit:
			k, err := io.CopyBuffer(w, io.LimitReader(onlyReader{src}, limit-pos), buf)
			pos += k
			if err != nil {
				return err
			}
			continue
		case raw && failed != nil:
			return failed
		case raw && size >= 0 && pos == size:
			return nil
		case !raw && done:
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

// ctxReader stops reading once ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
