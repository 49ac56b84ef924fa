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
	"time"
)

// The node-to-node service is request/response over one stream at a time: each frame is a 4-byte
// big-endian length and a JSON body. A connection carries one call after another; the client keeps
// a few idle connections per peer.

const (
	maxFrame      = 16 << 20 // a command is at most 1 MiB (the API's body limit); joins and stats are small
	rpcIdleClose  = 5 * time.Minute
	rpcIdleReuse  = time.Minute // a pooled connection idle longer than this is dropped, not reused
	rpcMaxIdle    = 4
	rpcDefaultTTL = 10 * time.Second
)

type rpcRequest struct {
	Method string          `json:"m"`
	Body   json.RawMessage `json:"b,omitempty"`
}

type rpcResponse struct {
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

func writeFrame(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > maxFrame {
		return fmt.Errorf("frame of %d bytes is over %d", len(b), maxFrame)
	}
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(b)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	_, err = w.Write(b)
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
	ctx      context.Context
	stop     context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	lns      []net.Listener
}

func newRPCServer(log *slog.Logger, handlers map[string]rpcHandler) *rpcServer {
	ctx, stop := context.WithCancel(context.Background())
	return &rpcServer{log: log, handlers: handlers, ctx: ctx, stop: stop, conns: map[net.Conn]struct{}{}}
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
	r := bufio.NewReader(c)
	for {
		c.SetReadDeadline(time.Now().Add(rpcIdleClose))
		var req rpcRequest
		if err := readFrame(r, &req); err != nil {
			return
		}
		c.SetReadDeadline(time.Time{})
		resp := s.call(peer, &req)
		c.SetWriteDeadline(time.Now().Add(rpcDefaultTTL))
		if err := writeFrame(c, resp); err != nil {
			return
		}
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

// rpcClient calls the node service of other members over pooled mutual-TLS streams.
type rpcClient struct {
	tls  *tls.Config
	kind byte
	mu   sync.Mutex
	idle map[string][]*rpcConn
	shut bool
}

type rpcConn struct {
	c    net.Conn
	r    *bufio.Reader
	used time.Time
}

func newRPCClient(cfg *tls.Config, kind byte) *rpcClient {
	return &rpcClient{tls: cfg, kind: kind, idle: map[string][]*rpcConn{}}
}

// call sends method(in) to addr and decodes the reply into out (which may be nil). A pooled stream
// that turns out dead before any reply (the peer restarted or closed it while idle) is retried once
// on a fresh stream: the peer never read the request.
func (cl *rpcClient) call(ctx context.Context, addr, method string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req := &rpcRequest{Method: method, Body: body}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, rpcDefaultTTL)
		defer cancel()
	}
	var first error // the failure of a pooled stream that is being retried
	for attempt := 0; ; attempt++ {
		rc, pooled, err := cl.get(ctx, addr)
		if err != nil {
			if first != nil {
				// The request may have reached the peer on the dead stream: not a clean dial failure.
				return fmt.Errorf("%s to %s: %v; then %v", method, addr, first, err)
			}
			return err
		}
		resp, err := rc.roundTrip(ctx, req)
		if err != nil {
			rc.c.Close()
			if pooled && attempt == 0 && ctx.Err() == nil && deadStream(err) {
				first = err
				continue
			}
			return fmt.Errorf("%s to %s: %w", method, addr, err)
		}
		cl.put(addr, rc)
		if resp.Err != nil {
			return resp.Err
		}
		if out != nil && len(resp.Body) > 0 {
			return json.Unmarshal(resp.Body, out)
		}
		return nil
	}
}

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

func (rc *rpcConn) roundTrip(ctx context.Context, req *rpcRequest) (*rpcResponse, error) {
	if dl, ok := ctx.Deadline(); ok {
		rc.c.SetDeadline(dl)
	}
	// Closing the stream is how a cancelled context interrupts a blocked read.
	stop := context.AfterFunc(ctx, func() { rc.c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := writeFrame(rc.c, req); err != nil {
		return nil, err
	}
	var resp rpcResponse
	if err := readFrame(rc.r, &resp); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	rc.c.SetDeadline(time.Time{})
	return &resp, nil
}

func (cl *rpcClient) get(ctx context.Context, addr string) (*rpcConn, bool, error) {
	cl.mu.Lock()
	if cl.shut {
		cl.mu.Unlock()
		return nil, false, net.ErrClosed
	}
	for len(cl.idle[addr]) > 0 {
		list := cl.idle[addr]
		rc := list[len(list)-1]
		cl.idle[addr] = list[:len(list)-1]
		if time.Since(rc.used) < rpcIdleReuse {
			cl.mu.Unlock()
			return rc, true, nil
		}
		rc.c.Close()
	}
	cl.mu.Unlock()
	c, err := dialStream(ctx, addr, cl.kind, cl.tls)
	if err != nil {
		return nil, false, &dialError{err: err}
	}
	return &rpcConn{c: c, r: bufio.NewReader(c)}, false, nil
}

func (cl *rpcClient) put(addr string, rc *rpcConn) {
	rc.used = time.Now()
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.shut || len(cl.idle[addr]) >= rpcMaxIdle {
		rc.c.Close()
		return
	}
	cl.idle[addr] = append(cl.idle[addr], rc)
}

// close drops every pooled stream.
func (cl *rpcClient) close() {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.shut = true
	for addr, list := range cl.idle {
		for _, rc := range list {
			rc.c.Close()
		}
		delete(cl.idle, addr)
	}
}
