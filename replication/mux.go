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
	tc := tls.Client(c, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("tls handshake with %s: %w", addr, err)
	}
	c.SetDeadline(time.Time{})
	return tc, nil
}
