package blob

import (
	"io"
	"sync/atomic"
)

// pipeBufs is how many buffers of copyBufSize a PipeCopy moves between its two goroutines.
const pipeBufs = 2

// PipeCopy copies r to its end into w, like io.Copy, in two stages: this goroutine reads a buffer
// (and does what r does on the way: receive, decrypt, hash) while another writes the buffer read
// before (and what w does: hash, write to disk). When the machine has a core to spare, a big
// file's hashes run side by side instead of one after the other. It reads whole buffers where r
// allows; its memory is pipeBufs buffers, whatever the size of the copy. It returns the bytes
// written and the first error of w, else of r.
func PipeCopy(w io.Writer, r io.Reader) (int64, error) {
	free := make(chan []byte, pipeBufs)
	full := make(chan []byte, pipeBufs)
	for range pipeBufs {
		free <- make([]byte, copyBufSize)
	}
	var (
		written int64
		werr    error
		failed  atomic.Bool // werr is set: stop reading
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := range full {
			if werr == nil {
				n, err := w.Write(b)
				written += int64(n)
				if err == nil && n < len(b) {
					err = io.ErrShortWrite
				}
				if err != nil {
					werr = err
					failed.Store(true)
				}
			}
			free <- b[:cap(b)]
		}
	}()
	var rerr error
	for !failed.Load() {
		b := <-free
		n, err := readBuf(r, b)
		if n > 0 {
			full <- b[:n]
		}
		if err != nil {
			if err != io.EOF {
				rerr = err
			}
			break
		}
	}
	close(full)
	<-done
	if werr != nil {
		return written, werr
	}
	return written, rerr
}

// readBuf reads into b until it is full or r fails (io.EOF: r ended).
func readBuf(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := r.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
