package replication

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// The node-to-node service is request/response: each frame is a 4-byte big-endian length and a JSON
// body. Calls are multiplexed: a client keeps one stream per peer and tags each request with an ID
// that its response carries back, and the server answers calls concurrently, in any order. Under
// load a follower forwards hundreds of writes at once; a stream per call meant a TLS handshake for
// most of them, which took half the leader's CPU.

const (
	maxFrame      = 16 << 20 // a command is at most 1 MiB (the API's body limit); joins and stats are small
	rpcIdleClose  = 5 * time.Minute
	rpcIdleReuse  = time.Minute // a stream idle longer than this is replaced, not reused
	rpcDefaultTTL = 10 * time.Second
	rpcInFlight   = 512 // calls a server runs at once on one stream; more wait for a slot
)

type rpcRequest struct {
	ID     uint64          `json:"i"`
	Method string          `json:"m"`
	Body   json.RawMessage `json:"b,omitempty"`
}

type rpcResponse struct {
	ID   uint64          `json:"i"`
	Err  *rpcError       `json:"e,omitempty"`
	Body json.RawMessage `json:"b,omitempty"`
}

// rpcError is an error that crossed the wire; Code lets the caller act on it.
type rpcError struct {
	Code string `json:"code"`
	Msg  string `json:"msg"`
}

func (e *rpcError) Error() string { return e.Code + ": " + e.Msg }

// Error codes of the node service.
const (
	codeNotLeader = "not_leader" // the callee is not the leader (the caller asks the new one)
	codeNoQuorum  = "no_quorum"  // the callee could not commit: no quorum, or leadership lost
	codeRefused   = "refused"    // the caller may not do this
	codeBadReq    = "bad_request"
	codeInternal  = "internal"
)

func refused(format string, a ...any) error {
	return &rpcError{Code: codeRefused, Msg: fmt.Sprintf(format, a...)}
}

func isCode(err error, code string) bool {
	var e *rpcError
	return errors.As(err, &e) && e.Code == code
}

// writeFrame writes v's frame with one write: over TLS each write is a record of its own (a seal
// and a syscall), and a frame written as length and body cost two of each.
func writeFrame(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > maxFrame {
		return fmt.Errorf("frame of %d bytes is over %d", len(b), maxFrame)
	}
	frame := make([]byte, 4+len(b))
	binary.BigEndian.PutUint32(frame, uint32(len(b)))
	copy(frame[4:], b)
	_, err = w.Write(frame)
	return err
}

func readFrame(r io.Reader, v any) error {
	var n [4]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return err
	}
	size := binary.BigEndian.Uint32(n[:])
	if size > maxFrame {
		return fmt.Errorf("frame of %d bytes is over %d", size, maxFrame)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// rpcHandler serves one method. peer is the caller's node ID from its certificate ("" on join
// streams, whose caller has no certificate yet).
type rpcHandler func(ctx context.Context, peer string, body json.RawMessage) (any, error)

// rpcServer dispatches calls to handlers.
type rpcServer struct {
	log      *slog.Logger
	handlers map[string]rpcHandler
	served   map[string]*atomic.Uint64 // calls served per method (the map is fixed at creation)
	ctx      context.Context
	stop     context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	lns      []net.Listener
}

func newRPCServer(log *slog.Logger, handlers map[string]rpcHandler) *rpcServer {
	ctx, stop := context.WithCancel(context.Background())
	served := make(map[string]*atomic.Uint64, len(handlers))
	for m := range handlers {
		served[m] = new(atomic.Uint64)
	}
	return &rpcServer{log: log, handlers: handlers, served: served, ctx: ctx, stop: stop, conns: map[net.Conn]struct{}{}}
}

// serve accepts streams from ln until it is closed.
func (s *rpcServer) serve(ln net.Listener) {
	s.mu.Lock()
	s.lns = append(s.lns, ln)
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = struct{}{}
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serveConn(c)
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
			}()
		}
	}()
}

func (s *rpcServer) serveConn(c net.Conn) {
	defer c.Close()
	peer := ""
	if tc, ok := c.(*tls.Conn); ok {
		peer = peerNodeID(tc.ConnectionState())
	}
	var wmu sync.Mutex // one response frame at a time
	var calls sync.WaitGroup
	defer calls.Wait()
	slots := make(chan struct{}, rpcInFlight)
	r := bufio.NewReader(c)
	for {
		c.SetReadDeadline(time.Now().Add(rpcIdleClose))
		var req rpcRequest
		if err := readFrame(r, &req); err != nil {
			return
		}
		slots <- struct{}{}
		calls.Go(func() {
			defer func() { <-slots }()
			resp := s.call(peer, &req)
			resp.ID = req.ID
			wmu.Lock()
			defer wmu.Unlock()
			c.SetWriteDeadline(time.Now().Add(rpcDefaultTTL))
			if err := writeFrame(c, resp); err != nil {
				c.Close() // a partial frame would garble the stream; the reader then ends
			}
			// A deadline left set keeps its runtime timer, which fires at the deadline although
			// the write is long done: a wake-up of an idle node 10 s after every call it answered.
			c.SetWriteDeadline(time.Time{})
		})
	}
}

func (s *rpcServer) call(peer string, req *rpcRequest) (resp *rpcResponse) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in node service", "method", req.Method, "panic", p)
			resp = &rpcResponse{Err: &rpcError{Code: codeInternal, Msg: "internal error"}}
		}
	}()
	h, ok := s.handlers[req.Method]
	if !ok {
		return &rpcResponse{Err: &rpcError{Code: codeBadReq, Msg: "unknown method " + req.Method}}
	}
	s.served[req.Method].Add(1)
	out, err := h(s.ctx, peer, req.Body)
	if err != nil {
		var re *rpcError
		if !errors.As(err, &re) {
			re = &rpcError{Code: codeInternal, Msg: err.Error()}
		}
		return &rpcResponse{Err: re}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return &rpcResponse{Err: &rpcError{Code: codeInternal, Msg: err.Error()}}
	}
	return &rpcResponse{Body: b}
}

// close stops serving and closes open streams, waiting for their handlers.
func (s *rpcServer) close() {
	s.stop()
	s.mu.Lock()
	for _, ln := range s.lns {
		ln.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// rpcClient calls the node service of other members over one mutual-TLS stream per peer.
type rpcClient struct {
	tls     *tls.Config
	kind    byte
	mu      sync.Mutex
	streams map[string]*rpcStream
	shut    bool
}

// rpcStream is one multiplexed stream to a peer: calls write their request under wmu and wait for
// the response that the read loop hands to them by ID.
type rpcStream struct {
	c       net.Conn
	wmu     sync.Mutex
	mu      sync.Mutex
	nextID  uint64
	pending map[uint64]chan *rpcResponse
	used    time.Time // when the last call started
	heard   time.Time // when the last response arrived
	err     error     // set once the stream is dead
	done    chan struct{}
}

func newRPCClient(cfg *tls.Config, kind byte) *rpcClient {
	return &rpcClient{tls: cfg, kind: kind, streams: map[string]*rpcStream{}}
}

// call sends method(in) to addr and decodes the reply into out (which may be nil). A reused stream
// that turns out dead (the peer restarted, or closed it while idle) is replaced and the call sent
// once more on a fresh stream.
func (cl *rpcClient) call(ctx context.Context, addr, method string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, rpcDefaultTTL)
		defer cancel()
	}
	var first error // the failure of a reused stream that is being retried
	for attempt := 0; ; attempt++ {
		st, reused, err := cl.stream(ctx, addr)
		if err != nil {
			if first != nil {
				// The request may have reached the peer on the dead stream: not a clean dial failure.
				return fmt.Errorf("%s to %s: %v; then %v", method, addr, first, err)
			}
			return err
		}
		resp, err := st.roundTrip(ctx, &rpcRequest{Method: method, Body: body})
		if err != nil {
			if reused && attempt == 0 && ctx.Err() == nil && deadStream(err) {
				first = err
				continue
			}
			return fmt.Errorf("%s to %s: %w", method, addr, err)
		}
		return resp.decode(out)
	}
}

// decode is the response's error, or its body decoded into out (which may be nil).
func (resp *rpcResponse) decode(out any) error {
	if resp.Err != nil {
		return resp.Err
	}
	if out != nil && len(resp.Body) > 0 {
		return json.Unmarshal(resp.Body, out)
	}
	return nil
}

// errSilentStream ends a stream that answered nothing within a call's deadline. Calls still
// waiting on it fail with it and are not retried: their requests went out and may have been served.
var errSilentStream = errors.New("the stream to the peer went silent")

// dialError is a failure to reach a peer: the request was never sent, so retrying elsewhere is safe.
type dialError struct{ err error }

func (e *dialError) Error() string { return "dial: " + e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

func isDialError(err error) bool {
	var d *dialError
	return errors.As(err, &d)
}

// deadStream reports errors of a stream the peer had already closed.
func deadStream(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		isConnReset(err)
}

func isConnReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

// stream returns the live stream to addr, dialing one when there is none (or it idled too long).
// reused tells whether it carried calls before.
func (cl *rpcClient) stream(ctx context.Context, addr string) (st *rpcStream, reused bool, err error) {
	cl.mu.Lock()
	if cl.shut {
		cl.mu.Unlock()
		return nil, false, net.ErrClosed
	}
	if st := cl.streams[addr]; st != nil {
		if st.alive(rpcIdleReuse) {
			cl.mu.Unlock()
			return st, true, nil
		}
		delete(cl.streams, addr)
		st.fail(net.ErrClosed)
	}
	cl.mu.Unlock()
	c, err := dialStream(ctx, addr, cl.kind, cl.tls)
	if err != nil {
		return nil, false, &dialError{err: err}
	}
	st = &rpcStream{c: c, pending: map[uint64]chan *rpcResponse{}, used: time.Now(), done: make(chan struct{})}
	go st.readLoop()
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.shut {
		st.fail(net.ErrClosed)
		return nil, false, net.ErrClosed
	}
	if old := cl.streams[addr]; old != nil && old.alive(rpcIdleReuse) {
		// Another call dialed at the same time and won: use its stream, drop ours.
		st.fail(net.ErrClosed)
		return old, false, nil
	}
	cl.streams[addr] = st
	return st, false, nil
}

// alive reports whether the stream can take another call: not dead, and used within idle.
func (st *rpcStream) alive(idle time.Duration) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err == nil && time.Since(st.used) < idle
}

// roundTrip sends req and waits for its response, or for ctx to end (the stream carries on).
func (st *rpcStream) roundTrip(ctx context.Context, req *rpcRequest) (*rpcResponse, error) {
	deadline := time.Now().Add(rpcDefaultTTL)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	c, err := st.begin(req, deadline, false)
	if err != nil {
		return nil, err
	}
	return c.await(ctx)
}

// rpcCall is a request written to a stream whose response has not been read yet.
type rpcCall struct {
	st   *rpcStream
	id   uint64
	ch   chan *rpcResponse
	sent time.Time
}

// errStreamBusy: begin was asked not to wait for another writer, and there was one.
var errStreamBusy = errors.New("the stream is being written")

// begin registers req and writes its frame, with the write ending at deadline. tryLock gives up
// at once (errStreamBusy) when another call is writing, instead of waiting for it.
func (st *rpcStream) begin(req *rpcRequest, deadline time.Time, tryLock bool) (*rpcCall, error) {
	ch := make(chan *rpcResponse, 1)
	st.mu.Lock()
	if st.err != nil {
		st.mu.Unlock()
		return nil, st.err
	}
	st.nextID++
	req.ID = st.nextID
	st.pending[req.ID] = ch
	st.used = time.Now()
	st.mu.Unlock()
	c := &rpcCall{st: st, id: req.ID, ch: ch}
	if tryLock {
		if !st.wmu.TryLock() {
			c.forget()
			return nil, errStreamBusy
		}
	} else {
		st.wmu.Lock()
	}
	st.c.SetWriteDeadline(deadline)
	err := writeFrame(st.c, req)
	st.c.SetWriteDeadline(time.Time{}) // its timer would fire later for nothing (serveConn)
	st.wmu.Unlock()
	c.sent = time.Now()
	if err != nil {
		c.forget()
		st.fail(err) // a partial frame would garble the stream
		return nil, err
	}
	return c, nil
}

// forget drops the call's slot for a response.
func (c *rpcCall) forget() {
	c.st.mu.Lock()
	delete(c.st.pending, c.id)
	c.st.mu.Unlock()
}

// await waits for the call's response, or for ctx to end (the stream carries on).
func (c *rpcCall) await(ctx context.Context) (*rpcResponse, error) {
	defer c.forget()
	st := c.st
	select {
	case resp := <-c.ch:
		return resp, nil
	case <-st.done:
		return nil, st.deadErr()
	case <-ctx.Done():
		// A stream that answered nothing since this request went out may be dead without a reset
		// (a peer cut off the network): replace it rather than let every call time out on it.
		st.mu.Lock()
		silent := st.heard.Before(c.sent)
		st.mu.Unlock()
		if silent && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			st.fail(errSilentStream)
		}
		return nil, ctx.Err()
	}
}

// start writes method(in) at once on the caller's goroutine, on the live stream to addr, and
// returns the call to wait for with answer. It never dials and never waits for another writer:
// ok is false when there is no live stream or another call is writing on it (the caller then
// uses call). The write ends at deadline.
func (cl *rpcClient) start(addr, method string, in any, deadline time.Time) (_ *rpcCall, ok bool) {
	body, err := json.Marshal(in)
	if err != nil {
		return nil, false
	}
	cl.mu.Lock()
	st := cl.streams[addr]
	cl.mu.Unlock()
	if st == nil || !st.alive(rpcIdleReuse) {
		return nil, false
	}
	c, err := st.begin(&rpcRequest{Method: method, Body: body}, deadline, true)
	return c, err == nil
}

// answer waits for the response of a call made by start and decodes it into out (may be nil).
func (c *rpcCall) answer(ctx context.Context, out any) error {
	resp, err := c.await(ctx)
	if err != nil {
		return err
	}
	return resp.decode(out)
}

// readLoop hands each response to the call waiting for it, until the stream fails.
func (st *rpcStream) readLoop() {
	r := bufio.NewReader(st.c)
	for {
		var resp rpcResponse
		if err := readFrame(r, &resp); err != nil {
			st.fail(err)
			return
		}
		st.mu.Lock()
		ch := st.pending[resp.ID]
		st.heard = time.Now()
		st.mu.Unlock()
		if ch != nil {
			ch <- &resp // buffered; a call that gave up is no longer pending
		}
	}
}

// fail marks the stream dead with err, closes it and wakes every waiting call.
func (st *rpcStream) fail(err error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.err != nil {
		return
	}
	st.err = err
	st.c.Close()
	close(st.done)
}

func (st *rpcStream) deadErr() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err
}

// close ends every stream.
func (cl *rpcClient) close() {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.shut = true
	for addr, st := range cl.streams {
		st.fail(net.ErrClosed)
		delete(cl.streams, addr)
	}
}
