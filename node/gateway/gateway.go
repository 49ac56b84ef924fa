package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"lanim/node/auth"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// Defaults of the tunables in Config (upstream's values where it has one).
const (
	// DefaultMaxConns is upstream's websocketMaxConnNum default.
	DefaultMaxConns = 100000
	// QueueLen is the outgoing frame queue of a connection; a client that lets it fill is dropped.
	QueueLen = 256
	// ReadTimeout closes a connection that sent no frame (data, ping or pong) for this long.
	ReadTimeout = 30 * time.Second
	// PingInterval is how often Web (platform 5) connections get an RFC 6455 ping.
	PingInterval = 27 * time.Second
	// WriteTimeout bounds the write of one frame.
	WriteTimeout = 10 * time.Second
	// ProposeTimeout bounds a 1003 send through Raft.
	ProposeTimeout = 15 * time.Second
	// ConnRequestRate and ConnRequestBurst limit the requests of one connection (a token bucket); past it
	// requests get ErrRateLimited. The JS SDK's bursts (login sync, history pages) stay well inside.
	ConnRequestRate  = 50
	ConnRequestBurst = 200
	// MaxPending is the requests of one connection waiting for its worker; past it, ErrRateLimited.
	MaxPending = 64
	// MaxSubscriptions bounds the users one connection watches with 2005.
	MaxSubscriptions = 5000
)

// Proposer commits a command through Raft (replication.Node, or the cluster's forwarder).
type Proposer interface {
	Propose(ctx context.Context, cmd *im.Command) (*im.Result, error)
}

// Verifier checks a token (auth.Verifier).
type Verifier interface {
	Verify(ctx context.Context, token string, now time.Time) (*auth.Claims, *openim.Error)
}

// Config is what the gateway needs.
type Config struct {
	Verifier Verifier
	Proposer Proposer
	// DB is read through its reader pool (message pulls, group members, friends for presence).
	DB *store.DB
	// Reader serves the pull requests; nil means the node/im read functions.
	Reader Reader
	Log    *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// MaxConns bounds the open connections (DefaultMaxConns when 0).
	MaxConns int
	// QueueLen is each connection's outgoing queue (QueueLen when 0); tests make it small.
	QueueLen int
	// ReadTimeout and PingInterval are the read deadline and the Web ping period (ReadTimeout and
	// PingInterval when 0); tests make them short.
	ReadTimeout  time.Duration
	PingInterval time.Duration
	// WriteTimeout bounds the write of one frame (WriteTimeout when 0); tests make it short.
	WriteTimeout time.Duration
	// ResumeTTL and ResumeMax bound the resume backlogs (ResumeTTL and ResumeMax when 0).
	ResumeTTL time.Duration
	ResumeMax int
}

// Gateway is the node's WebSocket msg gateway: an http.Handler for the WS address and the im.Sink
// that delivers committed events to the connected clients.
type Gateway struct {
	cfg Config
	q   store.Q
	// instance makes connection keys unique across nodes, for transient relays.
	instance string

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the gateway started, connection handlers included

	nconns  atomic.Int64
	connSeq atomic.Uint64

	mu     sync.RWMutex
	closed bool
	users  map[string]map[*conn]struct{}
	subs   map[string]map[*conn]struct{} // watched userID → connections subscribed with 2005
	// backlogs are the suspended sessions' pushes: userID → token → backlog (resume.go).
	backlogs map[string]map[string]*backlog

	hub *hub
	// frames lends the connections' read loops their frame buffers.
	frames framePool
	// workers runs the connections' request loops.
	workers *workers
}

var _ im.Sink = (*Gateway)(nil)
var _ http.Handler = (*Gateway)(nil)

// New returns a running gateway.
func New(cfg Config) *Gateway {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultMaxConns
	}
	if cfg.QueueLen <= 0 {
		cfg.QueueLen = QueueLen
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = ReadTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = WriteTimeout
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = PingInterval
	}
	if cfg.Reader == nil {
		cfg.Reader = imReader{}
	}
	if cfg.ResumeTTL <= 0 {
		cfg.ResumeTTL = ResumeTTL
	}
	if cfg.ResumeMax <= 0 {
		cfg.ResumeMax = ResumeMax
	}
	g := &Gateway{
		cfg:      cfg,
		instance: randomHex(6),
		users:    map[string]map[*conn]struct{}{},
		subs:     map[string]map[*conn]struct{}{},
		backlogs: map[string]map[string]*backlog{},
	}
	if cfg.DB != nil {
		g.q = cfg.DB.Reader()
	}
	g.ctx, g.cancel = context.WithCancel(context.Background())
	g.workers = newWorkers(g.ctx, &g.wg)
	g.hub = newHub(g)
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		g.hub.run(g.ctx)
	}()
	return g
}

// Close refuses new connections, closes every connection (going away) and waits for every
// goroutine of the gateway to end, or for ctx.
func (g *Gateway) Close(ctx context.Context) error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	g.clearBacklogsLocked()
	var all []*conn
	for _, cs := range g.users {
		for c := range cs {
			all = append(all, c)
		}
	}
	g.mu.Unlock()
	for _, c := range all {
		c.closeGracefully(statusGoingAway, "node shutting down")
	}
	g.cancel()
	done := make(chan struct{})
	go func() { g.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, c := range all {
			c.drop()
		}
		return errors.Join(errors.New("gateway: close timed out"), ctx.Err())
	}
}

// register adds a connection to the routing tables and takes its session's resume backlog (nil
// when none), in one step so that no push falls between the two; false when the gateway is closed.
func (g *Gateway) register(c *conn) (*backlog, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, false
	}
	cs := g.users[c.userID]
	if cs == nil {
		cs = map[*conn]struct{}{}
		g.users[c.userID] = cs
	}
	cs[c] = struct{}{}
	return g.takeBacklogLocked(c), true
}

// unregister removes a connection and its subscriptions.
func (g *Gateway) unregister(c *conn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if cs := g.users[c.userID]; cs != nil {
		delete(cs, c)
		if len(cs) == 0 {
			delete(g.users, c.userID)
		}
	}
	for _, uid := range c.subscriptions() {
		g.unsubscribeLocked(c, uid)
	}
}

// conns returns the connections of the users.
func (g *Gateway) conns(userIDs ...string) []*conn {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.connsLocked(userIDs...)
}

func (g *Gateway) connsLocked(userIDs ...string) []*conn {
	var out []*conn
	for _, uid := range userIDs {
		for c := range g.users[uid] {
			out = append(out, c)
		}
	}
	return out
}

// connected reports whether a user has a connection on this node.
func (g *Gateway) connected(userID string) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.users[userID]) > 0
}

func (g *Gateway) subscribe(c *conn, userID string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	cs := g.subs[userID]
	if cs == nil {
		cs = map[*conn]struct{}{}
		g.subs[userID] = cs
	}
	cs[c] = struct{}{}
}

func (g *Gateway) unsubscribe(c *conn, userID string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.unsubscribeLocked(c, userID)
}

func (g *Gateway) unsubscribeLocked(c *conn, userID string) {
	if cs := g.subs[userID]; cs != nil {
		delete(cs, c)
		if len(cs) == 0 {
			delete(g.subs, userID)
		}
	}
}

// subscribers returns the connections watching userID.
func (g *Gateway) subscribers(userID string) []*conn {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]*conn, 0, len(g.subs[userID]))
	for c := range g.subs[userID] {
		out = append(out, c)
	}
	return out
}

// ConnCount is the number of open connections.
func (g *Gateway) ConnCount() int { return int(g.nconns.Load()) }

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("gateway: crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b)
}
