package replication

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"lanim/node/blob"
	"lanim/node/im"
)

// The blob stream ('B' on the cluster port, mutual TLS like the node service): one transfer per
// stream. The dialer sends one request frame (rpc framing); then
//
//	get: the server answers a frame with the blob's size, then the bytes from Offset to the end;
//	put: the server answers whether it wants the bytes (not when it has them, or a copy is
//	     arriving already), the dialer sends Size bytes, the server answers once they are kept.
//
// Bytes travel raw after the frames: a transfer costs a copy buffer, never the whole file. A
// stream fails when no byte moves for blobIdle, however long the whole transfer takes.

const (
	blobOpGet = "get"
	blobOpPut = "put"
	// blobIdle: a transfer that moves no byte for this long has failed (a member switched off
	// mid-transfer, a cable pulled); the fetcher asks the next holder, the pusher tries later.
	blobIdle = 15 * time.Second
	// blobBuf is the copy buffer of a transfer.
	blobBuf = 256 << 10
)

// Codes of a blob stream's refusals (besides the node service's).
const (
	codeNotFound = "not_found" // the server has not got the blob
	codeFull     = "full"      // the server has no room for it (disk budget, full disk)
)

type blobRequest struct {
	Op     string `json:"op"`
	Key    string `json:"key"`
	Offset int64  `json:"offset,omitempty"` // get: the first byte wanted
	Size   int64  `json:"size,omitempty"`   // put: how many bytes follow
}

type blobReply struct {
	Size int64     `json:"size,omitempty"` // get: the blob's whole size
	Have bool      `json:"have,omitempty"` // put: the server has the blob; nothing to send
	Busy bool      `json:"busy,omitempty"` // put: a copy is arriving from elsewhere; try later
	Err  *rpcError `json:"err,omitempty"`
}

// progressConn fails a read or write that makes no progress for idle, however long the whole
// transfer takes. The deadline is moved at most once a second: a syscall per 32 KiB read adds up.
type progressConn struct {
	net.Conn
	idle         time.Duration
	rMoved, wSet time.Time
	batch        *batchConn // gathers the TLS records of each Write, when the stream has one
}

func newProgressConn(c net.Conn) *progressConn {
	return &progressConn{Conn: c, idle: blobIdle, batch: batchOf(c)}
}

func (c *progressConn) Read(p []byte) (int, error) {
	if now := time.Now(); now.Sub(c.rMoved) > time.Second {
		c.Conn.SetReadDeadline(now.Add(c.idle))
		c.rMoved = now
	}
	return c.Conn.Read(p)
}

func (c *progressConn) Write(p []byte) (int, error) {
	if now := time.Now(); now.Sub(c.wSet) > time.Second {
		c.Conn.SetWriteDeadline(now.Add(c.idle))
		c.wSet = now
	}
	if c.batch != nil {
		return c.batch.batch(func() (int, error) { return c.Conn.Write(p) })
	}
	return c.Conn.Write(p)
}

// blobServer serves blob streams; it closes them all when the node stops.
type blobServer struct {
	b      *blobs
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func (s *blobServer) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		if s.conns == nil {
			s.conns = map[net.Conn]struct{}{}
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.serveConn(c)
		}()
	}
}

// close ends every open stream and waits for their handlers.
func (s *blobServer) close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *blobServer) serveConn(c net.Conn) {
	peer := ""
	if tc, ok := c.(*tls.Conn); ok {
		peer = peerNodeID(tc.ConnectionState())
	}
	pc := newProgressConn(c)
	r := bufio.NewReaderSize(pc, blobBuf)
	var req blobRequest
	if err := readFrame(r, &req); err != nil {
		return
	}
	var err error
	switch {
	case !im.ValidBlobKey(req.Key):
		err = writeFrame(pc, &blobReply{Err: &rpcError{Code: codeBadReq, Msg: "not a blob key"}})
	case req.Op == blobOpGet:
		err = s.b.sendBlob(pc, &req)
	case req.Op == blobOpPut:
		err = s.b.takeBlob(pc, r, &req)
	default:
		err = writeFrame(pc, &blobReply{Err: &rpcError{Code: codeBadReq, Msg: "unknown op " + req.Op}})
	}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		s.b.n.log.Debug("blob stream", "peer", peer, "op", req.Op, "key", req.Key, "err", err)
	}
}

// sendBlob answers a get: the size, then the bytes from the offset asked.
func (b *blobs) sendBlob(w io.Writer, req *blobRequest) error {
	size, err := b.store.Stat(req.Key)
	var f *os.File
	if err == nil {
		f, err = b.store.Open(req.Key)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return writeFrame(w, &blobReply{Err: &rpcError{Code: codeNotFound, Msg: "not here"}})
	}
	if err != nil {
		return writeFrame(w, &blobReply{Err: &rpcError{Code: codeInternal, Msg: err.Error()}})
	}
	defer f.Close()
	if req.Offset < 0 || req.Offset > size {
		return writeFrame(w, &blobReply{Err: &rpcError{Code: codeBadReq, Msg: "offset past the end"}})
	}
	if req.Offset > 0 {
		if _, err := f.Seek(req.Offset, io.SeekStart); err != nil {
			return err
		}
	}
	if err := writeFrame(w, &blobReply{Size: size}); err != nil {
		return err
	}
	n, err := io.CopyBuffer(w, onlyReader{f}, make([]byte, blobBuf))
	atomic.AddInt64(&b.served, n)
	if err == nil && n != size-req.Offset {
		err = fmt.Errorf("sent %d of %d bytes", n, size-req.Offset)
	}
	return err
}

// takeBlob answers a put: the bytes are kept once they hash to the key, then this node records
// its hold. A copy arriving from elsewhere (a fetch, another pusher) makes it answer busy.
func (b *blobs) takeBlob(w io.Writer, r io.Reader, req *blobRequest) error {
	if req.Size < 0 || req.Size > im.MaxObjectSize {
		return writeFrame(w, &blobReply{Err: &rpcError{Code: codeBadReq, Msg: "bad size"}})
	}
	if _, err := b.store.Stat(req.Key); err == nil {
		b.held(req.Key) // recorded already, or the record was lost: proposeHolds tells
		return writeFrame(w, &blobReply{Have: true})
	}
	if err := b.roomFor(req.Size); err != nil {
		return writeFrame(w, &blobReply{Err: &rpcError{Code: codeFull, Msg: err.Error()}})
	}
	b.mu.Lock()
	busy := b.taking[req.Key] || b.flights[req.Key] != nil
	if !busy {
		b.taking[req.Key] = true
	}
	b.mu.Unlock()
	if busy {
		return writeFrame(w, &blobReply{Busy: true})
	}
	defer func() {
		b.mu.Lock()
		delete(b.taking, req.Key)
		b.mu.Unlock()
	}()
	if err := writeFrame(w, &blobReply{}); err != nil {
		return err
	}
	lr := &io.LimitedReader{R: r, N: req.Size}
	_, err := b.store.Ingest(req.Key, lr)
	if err == nil && lr.N > 0 {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return writeFrame(w, &blobReply{Err: storeRefusal(err)})
	}
	b.held(req.Key)
	return writeFrame(w, &blobReply{})
}

// roomFor refuses a blob of size the store's budget has no room for, before any byte is sent.
func (b *blobs) roomFor(size int64) error {
	bs, ok := b.store.(interface {
		Budget() int64
		Used() int64
	})
	if !ok || bs.Budget() <= 0 {
		return nil
	}
	if bs.Used()+size > bs.Budget() {
		return fmt.Errorf("no room for %d bytes: %w", size, blob.ErrBudget)
	}
	return nil
}

// storeRefusal is a store failure as a stream answer: no room is told apart, so the pusher waits
// long before it tries that member again.
func storeRefusal(err error) *rpcError {
	if isNoRoom(err) {
		return &rpcError{Code: codeFull, Msg: err.Error()}
	}
	return &rpcError{Code: codeInternal, Msg: err.Error()}
}

// onlyReader hides *os.File's WriterTo/ReaderFrom, so copies go through the progress deadline
// and the copy buffer.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// blobStream is the dialer's side of one blob stream.
type blobStream struct {
	w    *progressConn
	r    *bufio.Reader
	stop func() bool
}

// openBlob opens a blob stream to addr, sends req and reads the first answer (a refusal is the
// error). The deadline of everything after follows the transfer's progress; ctx ending closes it.
func (n *Node) openBlob(ctx context.Context, addr string, req *blobRequest) (*blobStream, *blobReply, error) {
	c, err := dialStream(ctx, addr, streamBlob, n.id.clientConfig())
	if err != nil {
		return nil, nil, &dialError{err: err}
	}
	pc := newProgressConn(c)
	s := &blobStream{w: pc, r: bufio.NewReaderSize(pc, blobBuf), stop: context.AfterFunc(ctx, func() { c.Close() })}
	if err := writeFrame(pc, req); err != nil {
		s.close()
		return nil, nil, err
	}
	rep, err := s.reply()
	if err != nil {
		s.close()
		return nil, nil, err
	}
	return s, rep, nil
}

// reply reads one answer; a refusal is the error.
func (s *blobStream) reply() (*blobReply, error) {
	var rep blobReply
	if err := readFrame(s.r, &rep); err != nil {
		return nil, err
	}
	if rep.Err != nil {
		return nil, rep.Err
	}
	return &rep, nil
}

func (s *blobStream) close() {
	s.stop()
	s.w.Close()
}
