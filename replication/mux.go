package replication

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"
)

// Stream kinds: the first byte a dialer writes on the cluster port, in clear, before TLS. Each kind
// has its own TLS rules (join streams take newcomers without a certificate).
const (
	streamRaft byte = 'R' // hashicorp/raft's NetworkTransport
	streamRPC  byte = 'N' // the node-to-node service: forwarding, membership, relay
	streamJoin byte = 'J' // a newcomer redeeming a join code
	streamBlob byte = 'B' // one blob transfer (blobserve.go)
)

// handshakeTimeout bounds reading the first byte and the TLS handshake, so a silent peer holds no
// goroutine for long.
const handshakeTimeout = 10 * time.Second

// dialTimeout bounds a TCP connect: peers are on the LAN, and a write waiting on an unreachable
// leader should fail over (or queue) in seconds, not after the OS's minutes.
const dialTimeout = 3 * time.Second

// mux serves several protocols on one TCP listener, told apart by their first byte (as rqlite and
// Consul do), each wrapped in TLS 1.3 with its own configuration.
type mux struct {
	ln    net.Listener
	log   *slog.Logger
	mu    sync.Mutex
	kinds map[byte]*muxListener
	done  chan struct{}
	wg    sync.WaitGroup
}

func newMux(ln net.Listener, log *slog.Logger) *mux {
	return &mux{ln: ln, log: log, kinds: map[byte]*muxListener{}, done: make(chan struct{})}
}

// listen returns the listener of one stream kind; its connections have completed the handshake
// under cfg. Register every kind before serve.
func (m *mux) listen(kind byte, cfg *tls.Config) net.Listener {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := &muxListener{kind: kind, cfg: cfg, addr: m.ln.Addr(), ch: make(chan net.Conn), done: make(chan struct{})}
	m.kinds[kind] = l
	return l
}

// serve accepts until the listener is closed.
func (m *mux) serve() {
	for {
		c, err := m.ln.Accept()
		if err != nil {
			select {
			case <-m.done:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			m.log.Error("cluster listener stopped", "err", err)
			return
		}
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.route(c)
		}()
	}
}

// route reads the kind byte, runs the TLS handshake and hands the connection to its listener.
func (m *mux) route(c net.Conn) {
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	var b [1]byte
	if _, err := io.ReadFull(c, b[:]); err != nil {
		c.Close()
		return
	}
	m.mu.Lock()
	l := m.kinds[b[0]]
	m.mu.Unlock()
	if l == nil {
		m.log.Debug("cluster port: unknown stream kind", "kind", b[0], "from", c.RemoteAddr())
		c.Close()
		return
	}
	if b[0] == streamBlob {
		c = &batchConn{Conn: c}
	}
	tc := tls.Server(c, l.cfg)
	if err := tc.Handshake(); err != nil {
		m.log.Info("cluster port: handshake refused", "from", c.RemoteAddr(), "err", err)
		c.Close()
		return
	}
	c.SetDeadline(time.Time{})
	select {
	case l.ch <- tc:
	case <-l.done:
		tc.Close()
	case <-m.done:
		tc.Close()
	}
}

// close stops accepting and closes every kind's listener.
func (m *mux) close() error {
	select {
	case <-m.done:
		return nil
	default:
	}
	close(m.done)
	err := m.ln.Close()
	m.mu.Lock()
	for _, l := range m.kinds {
		l.Close()
	}
	m.mu.Unlock()
	m.wg.Wait()
	return err
}

// muxListener is the net.Listener of one stream kind.
type muxListener struct {
	kind byte
	cfg  *tls.Config
	addr net.Addr
	ch   chan net.Conn
	once sync.Once
	done chan struct{}
}

func (l *muxListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *muxListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *muxListener) Addr() net.Addr { return l.addr }

// dialStream opens a stream of one kind to addr: TCP, the kind byte, then the TLS handshake.
func dialStream(ctx context.Context, addr string, kind byte, cfg *tls.Config) (*tls.Conn, error) {
	d := net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(handshakeTimeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	c.SetDeadline(deadline)
	if _, err := c.Write([]byte{kind}); err != nil {
		c.Close()
		return nil, err
	}
	if kind == streamBlob {
		c = &batchConn{Conn: c}
	}
	tc := tls.Client(c, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("tls handshake with %s: %w", addr, err)
	}
	c.SetDeadline(time.Time{})
	return tc, nil
}

// batchConn is the TCP connection under a blob stream's TLS. Go's TLS writes each record of at
// most 16 KiB with a write of its own; during batch, the records of one write of the stream go
// out together, in a few large writes (a blob's bytes cost a quarter of the syscalls, or less).
type batchConn struct {
	net.Conn
	mu  sync.Mutex
	on  bool   // Write gathers into buf
	buf []byte // made at the first batch
}

// batchSize is how much a batch gathers before it writes: a copy buffer of the blob stream with
// the records' overhead.
const batchSize = 272 << 10

func (c *batchConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.on {
		return c.Conn.Write(p)
	}
	if len(c.buf)+len(p) > cap(c.buf) {
		if err := c.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > cap(c.buf) {
			return c.Conn.Write(p)
		}
	}
	c.buf = append(c.buf, p...)
	return len(p), nil
}

func (c *batchConn) flushLocked() error {
	if len(c.buf) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.buf)
	c.buf = c.buf[:0]
	return err
}

// batch runs write (a write to the TLS connection over c) with c's writes gathered, and sends
// what it gathered before it returns.
func (c *batchConn) batch(write func() (int, error)) (int, error) {
	c.mu.Lock()
	c.on = true
	if c.buf == nil {
		c.buf = make([]byte, 0, batchSize)
	}
	c.mu.Unlock()
	n, err := write()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.on = false
	if ferr := c.flushLocked(); err == nil && ferr != nil {
		return n, ferr
	}
	return n, err
}

// batchOf is the batchConn under a blob stream's TLS connection, or nil.
func batchOf(c net.Conn) *batchConn {
	if tc, ok := c.(*tls.Conn); ok {
		if bc, ok := tc.NetConn().(*batchConn); ok {
			return bc
		}
	}
	return nil
}
