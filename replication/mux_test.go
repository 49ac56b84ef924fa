package replication

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"
)

// newTestMux is a mux on a loopback port, closed when the test ends, with a server's and a
// client's identity of one office. Register the stream kinds, then serve.
func newTestMux(t *testing.T) (m *mux, addr string, srv, cli *identity) {
	t.Helper()
	office := newTestOffice(t)
	srv, cli = office.identity(t, "srv"), office.identity(t, "cli")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m = newMux(ln, slog.New(slog.DiscardHandler))
	t.Cleanup(func() { m.close() })
	return m, ln.Addr().String(), srv, cli
}

func TestMuxRoutesByFirstByte(t *testing.T) {
	m, addr, srv, cli := newTestMux(t)
	raftLn := m.listen(streamRaft, srv.serverConfig(nil))
	joinLn := m.listen(streamJoin, srv.joinServerConfig())
	go m.serve()

	// Each kind reaches its own listener, with the peer's identity when it has one.
	got := make(chan string, 2)
	for _, l := range []net.Listener{raftLn, joinLn} {
		go func() {
			c, err := l.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			var b [5]byte
			io.ReadFull(c, b[:])
			got <- string(b[:]) + "/" + peerNodeID(c.(*tls.Conn).ConnectionState())
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, k := range []struct {
		kind byte
		cfg  *tls.Config
		msg  string
	}{{streamRaft, cli.clientConfig(), "raft!"}, {streamJoin, pinnedClientConfig(caPin(srv.ca)), "join!"}} {
		c, err := dialStream(ctx, addr, k.kind, k.cfg)
		if err != nil {
			t.Fatalf("dial %c: %v", k.kind, err)
		}
		c.Write([]byte(k.msg))
		defer c.Close()
	}
	seen := map[string]bool{}
	for range 2 {
		select {
		case s := <-got:
			seen[s] = true
		case <-ctx.Done():
			t.Fatal("timed out")
		}
	}
	if !seen["raft!/cli"] || !seen["join!/"] {
		t.Fatalf("routed: %v", seen)
	}

	// An unknown kind byte is dropped without a handshake.
	if _, err := dialStream(ctx, addr, 'X', cli.clientConfig()); err == nil {
		t.Fatal("unknown stream kind accepted")
	}
	// A kind that is not registered (RPC here) is dropped too.
	if _, err := dialStream(ctx, addr, streamRPC, cli.clientConfig()); err == nil {
		t.Fatal("unregistered stream kind accepted")
	}
}

// newTestRPC serves handlers on a loopback node-service port and returns the server, a client
// of another member of the office, and the port's address; all close when the test ends.
func newTestRPC(t *testing.T, handlers map[string]rpcHandler) (*rpcServer, *rpcClient, string) {
	t.Helper()
	m, addr, srv, cli := newTestMux(t)
	rl := m.listen(streamRPC, srv.serverConfig(nil))
	go m.serve()
	s := newRPCServer(slog.New(slog.DiscardHandler), handlers)
	s.serve(rl)
	t.Cleanup(s.close)
	c := newRPCClient(cli.clientConfig(), streamRPC)
	t.Cleanup(c.close)
	return s, c, addr
}

func TestRPCRoundTrip(t *testing.T) {
	s, c, addr := newTestRPC(t, map[string]rpcHandler{
		"echo": func(ctx context.Context, peer string, body json.RawMessage) (any, error) {
			var in string
			json.Unmarshal(body, &in)
			return peer + ":" + in, nil
		},
		"deny": func(ctx context.Context, peer string, body json.RawMessage) (any, error) {
			return nil, refused("no")
		},
		// slow answers after a wait the caller chooses, so responses come back out of order.
		"slow": func(ctx context.Context, peer string, body json.RawMessage) (any, error) {
			var ms int
			json.Unmarshal(body, &ms)
			time.Sleep(time.Duration(ms) * time.Millisecond)
			return ms, nil
		},
		"block": func(ctx context.Context, peer string, body json.RawMessage) (any, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		},
	})
	ctx := context.Background()
	for i := range 3 { // the second and third calls reuse the pooled stream
		var out string
		if err := c.call(ctx, addr, "echo", "hi", &out); err != nil || out != "cli:hi" {
			t.Fatalf("call %d: %q %v", i, out, err)
		}
	}
	if err := c.call(ctx, addr, "deny", nil, nil); !isCode(err, codeRefused) {
		t.Fatalf("want refused, got %v", err)
	}
	if err := c.call(ctx, addr, "nope", nil, nil); !isCode(err, codeBadReq) {
		t.Fatalf("want bad request, got %v", err)
	}
	// Concurrent calls share the one stream and each gets its own answer, whatever the order.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			ms := (64 - i) % 7
			var got int
			if err := c.call(ctx, addr, "slow", ms, &got); err != nil || got != ms {
				errs <- fmt.Errorf("call %d: got %d, %v", i, got, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	s.mu.Lock()
	streams := len(s.conns)
	s.mu.Unlock()
	if streams != 1 {
		t.Errorf("%d streams after concurrent calls, want 1", streams)
	}
	// A call that gives up on a stream that answers nothing (a peer cut off) replaces the stream:
	// the next call works.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err := c.call(short, addr, "block", nil, nil)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocked call: %v, want deadline exceeded", err)
	}
	var echoed string
	if err := c.call(ctx, addr, "echo", "still", &echoed); err != nil || echoed != "cli:still" {
		t.Fatalf("after a call gave up: %q %v", echoed, err)
	}
	// A call that gives up while the stream answers others keeps it.
	c.mu.Lock()
	before := c.streams[addr]
	c.mu.Unlock()
	short, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
	blocked := make(chan error, 1)
	go func() { blocked <- c.call(short, addr, "block", nil, nil) }()
	for i := 0; i < 400 && short.Err() == nil; i++ {
		if err := c.call(ctx, addr, "slow", 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-blocked; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blocked call: %v, want deadline exceeded", err)
	}
	cancel()
	c.mu.Lock()
	after := c.streams[addr]
	c.mu.Unlock()
	if before != after || !after.alive(time.Minute) {
		t.Fatal("a stream that kept answering was replaced")
	}
	// A server that closed its side of a pooled stream: the call retries on a fresh one.
	s.mu.Lock()
	for conn := range s.conns {
		conn.Close()
	}
	s.mu.Unlock()
	var out string
	if err := c.call(ctx, addr, "echo", "again", &out); err != nil || out != "cli:again" {
		t.Fatalf("after server closed streams: %q %v", out, err)
	}
}

// TestBlobStreamBatchesRecords: a blob stream's write of a copy buffer reaches TCP in a few
// writes, not one per 16 KiB TLS record, and arrives whole; other stream kinds are not batched.
func TestBlobStreamBatchesRecords(t *testing.T) {
	m, addr, srv, cli := newTestMux(t)
	blobLn := m.listen(streamBlob, srv.serverConfig(nil))
	raftLn := m.listen(streamRaft, srv.serverConfig(nil))
	go m.serve()
	go func() { // raft: accepted and dropped
		if c, err := raftLn.Accept(); err == nil {
			c.Close()
		}
	}()
	payload := make([]byte, blobBuf)
	for i := range payload {
		payload[i] = byte(i * 31)
	}
	got := make(chan []byte, 1)
	go func() {
		c, err := blobLn.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b := make([]byte, len(payload))
		io.ReadFull(c, b)
		got <- b
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rc, err := dialStream(ctx, addr, streamRaft, cli.clientConfig())
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if batchOf(rc) != nil {
		t.Fatal("a raft stream is batched")
	}
	c, err := dialStream(ctx, addr, streamBlob, cli.clientConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	bc := batchOf(c)
	if bc == nil {
		t.Fatal("a blob stream has no batchConn")
	}
	counted := &countWrites{Conn: bc.Conn}
	bc.Conn = counted
	if _, err := newProgressConn(c).Write(payload); err != nil {
		t.Fatal(err)
	}
	if counted.n > 2 {
		t.Fatalf("%d TCP writes for %d bytes (%d TLS records)", counted.n, len(payload), len(payload)/(16<<10))
	}
	select {
	case b := <-got:
		if !bytes.Equal(b, payload) {
			t.Fatal("the blob stream's bytes arrived changed")
		}
	case <-ctx.Done():
		t.Fatal("timed out")
	}
}

// countWrites counts the writes to a connection.
type countWrites struct {
	net.Conn
	n int
}

func (c *countWrites) Write(p []byte) (int, error) {
	c.n++
	return c.Conn.Write(p)
}

// TestRPCStartWritesNow: start writes the request on the caller's goroutine, before anyone waits
// for the answer (the server runs the handler while the caller has not called answer yet), and
// never dials or waits for another writer: with no stream, or one being written, it declines.
func TestRPCStartWritesNow(t *testing.T) {
	got := make(chan string, 1)
	_, c, addr := newTestRPC(t, map[string]rpcHandler{
		"note": func(ctx context.Context, peer string, body json.RawMessage) (any, error) {
			var in string
			json.Unmarshal(body, &in)
			got <- in
			return "ok:" + in, nil
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	deadline := time.Now().Add(5 * time.Second)

	if _, ok := c.start(addr, "note", "first", deadline); ok {
		t.Fatal("start dialled a peer it had no stream to")
	}
	if err := c.call(ctx, addr, "note", "dial", nil); err != nil {
		t.Fatal(err)
	}
	<-got

	call, ok := c.start(addr, "note", "now", deadline)
	if !ok {
		t.Fatal("start declined a live, idle stream")
	}
	select {
	case in := <-got:
		if in != "now" {
			t.Fatalf("handler got %q", in)
		}
	case <-ctx.Done():
		t.Fatal("the request did not leave before answer was called")
	}
	var out string
	if err := call.answer(ctx, &out); err != nil || out != "ok:now" {
		t.Fatalf("answer: %q %v", out, err)
	}

	c.mu.Lock()
	st := c.streams[addr]
	c.mu.Unlock()
	st.wmu.Lock() // another call is writing
	_, ok = c.start(addr, "note", "busy", deadline)
	st.wmu.Unlock()
	if ok {
		t.Fatal("start waited for another writer")
	}
	st.mu.Lock()
	left := len(st.pending)
	st.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d calls left pending on the stream", left)
	}
}
