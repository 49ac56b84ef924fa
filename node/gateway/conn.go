package gateway

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"lanim/node/gateway/wire"
	"lanim/node/openim"
)

const (
	statusGoingAway       = websocket.StatusGoingAway
	statusPolicyViolation = websocket.StatusPolicyViolation
	statusNormal          = websocket.StatusNormalClosure
)

// frame is one queued outgoing frame (none when typ is 0). With closeCode set the connection is
// closed after it.
type frame struct {
	typ       websocket.MessageType
	data      []byte
	closeCode websocket.StatusCode
	reason    string
	// gap is a pause after writing this frame, before the next one (see EchoGap).
	gap time.Duration
}

// EchoGap separates a 1003 reply from the echo push held behind it on JSON (JS SDK) connections.
// The SDK marks its own send only in a promise job after the reply; in Node, frames that arrive in
// one TCP read are dispatched back to back with no promise jobs between them, so an echo in the
// same read reaches the app as a new incoming message. A few milliseconds puts them in separate
// reads. Go clients need no gap.
const EchoGap = 10 * time.Millisecond

type closeReq struct {
	code   websocket.StatusCode
	reason string
}

// conn is one client connection. Its goroutines: the HTTP handler's, which reads; a writer, the
// only one that writes data frames; a worker, which serves requests in order; and, for Web
// connections, a pinger. Everything else (pushes, presence, kicks) only enqueues frames, never
// blocking: a connection whose queue is full is dropped.
type conn struct {
	g          *Gateway
	id         uint64
	key        string // unique across nodes: the gateway instance and id
	userID     string
	platformID int32
	token      string
	opID       string // the handshake's operationID
	pending    bool   // gets messages still waiting for a quorum (wire.PendingMsg)
	codec      wire.Codec
	ws         *websocket.Conn

	ctx    context.Context // ends when the connection does
	cancel context.CancelFunc
	out    chan frame
	reqs   chan *wire.Req
	closeQ chan closeReq
	// closing is set once a close is under way; later frames are not queued.
	closing atomic.Bool
	idle    *time.Timer

	background atomic.Bool
	limiter    *rate.Limiter
	// noResume is set when the session ends on purpose (kick, logout): no resume backlog.
	noResume atomic.Bool

	mu sync.Mutex
	// pendingSend is the clientMsgID of the 1003 being proposed: its echo push, and everything
	// pushed after it, wait in held until the 1003 reply is queued (openim-wire.md 7.3).
	pendingSend string
	held        []frame
	subs        map[string]struct{}
}

func newConn(g *Gateway, p params) *conn {
	id := g.connSeq.Add(1)
	c := &conn{
		g:          g,
		id:         id,
		key:        g.instance + "/" + strconv.FormatUint(id, 10),
		userID:     p.userID,
		platformID: p.platformID,
		token:      p.token,
		opID:       p.operationID,
		pending:    p.pending,
		codec:      wire.Codec{Gob: p.gob, Gzip: p.gzip},
		out:        make(chan frame, g.cfg.QueueLen),
		reqs:       make(chan *wire.Req, MaxPending),
		closeQ:     make(chan closeReq, 1),
		subs:       map[string]struct{}{},
		limiter:    rate.NewLimiter(ConnRequestRate, ConnRequestBurst),
	}
	c.background.Store(p.background)
	// Not derived from the gateway's context: Close closes connections with a close frame first.
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c
}

// serve runs the connection until it ends, then unregisters it.
func (c *conn) serve() {
	defer c.cancel()
	backlog, ok := c.g.register(c)
	if !ok {
		c.ws.Close(statusGoingAway, "node shutting down")
		return
	}
	c.idle = time.AfterFunc(c.g.cfg.ReadTimeout, func() { c.drop() })
	// A kick committed between the handshake's token check and register would have missed this
	// connection: check the token once more now that kicks reach it (and before resuming).
	ierr := c.g.checkToken(c.ctx, params{token: c.token, userID: c.userID, platformID: c.platformID})
	kicked := ierr != nil && ierr.Code != openim.ErrInternal.Code
	if backlog != nil && !kicked && !c.resume(backlog) {
		c.drop()
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); c.writeLoop() }()
	go func() { defer wg.Done(); c.workLoop() }()
	if c.platformID == openim.PlatformWeb {
		wg.Add(1)
		go func() { defer wg.Done(); c.pingLoop() }()
	}
	c.g.presenceChanged(c, true)
	if kicked {
		c.kick()
	}
	c.readLoop()
	c.g.suspend(c)
	c.idle.Stop()
	c.cancel()
	wg.Wait()
	c.g.unregister(c)
	c.g.presenceChanged(c, false)
}

// touch restarts the read deadline: any frame, data or control, proves the peer alive.
func (c *conn) touch() {
	if c.idle != nil {
		c.idle.Reset(c.g.cfg.ReadTimeout)
	}
}

func (c *conn) readLoop() {
	for {
		typ, data, err := c.ws.Read(c.ctx)
		if err != nil {
			return
		}
		c.touch()
		if c.closing.Load() {
			continue // drain until the close handshake ends the connection
		}
		if typ == websocket.MessageText {
			c.handleText(data)
			continue
		}
		c.handleBinary(data)
	}
}

// handleText answers the JS heartbeat; any other text frame closes the connection, as upstream.
func (c *conn) handleText(data []byte) {
	var t wire.Text
	if err := json.Unmarshal(data, &t); err != nil || t.Type != "ping" {
		c.closeGracefully(statusPolicyViolation, "unexpected text frame")
		return
	}
	if !c.limiter.AllowN(c.g.cfg.Now(), 1) {
		return // a ping flood gets no pongs
	}
	c.enqueue(frame{typ: websocket.MessageText, data: wire.Pong})
}

// handleBinary decodes a request and hands it to the worker. Requests that upstream answers by
// closing the connection get an error response first where one can be addressed.
func (c *conn) handleBinary(data []byte) {
	req, err := c.codec.DecodeReq(data)
	if err != nil {
		id, msgIncr, opID, ok := c.codec.Peek(data)
		if ok {
			c.enqueue(c.errorFrame(&wire.Req{ReqIdentifier: id, MsgIncr: msgIncr, OperationID: opID},
				openim.ErrArgs.With("undecodable request: %v", err)))
		}
		c.closeAfterQueued(statusPolicyViolation, "undecodable request")
		return
	}
	if req.SendID != c.userID {
		c.enqueue(c.errorFrame(req, openim.ErrNoPermission.With("sendID %q is not the connection's user %s", req.SendID, c.userID)))
		c.closeAfterQueued(statusPolicyViolation, "sendID is not the connection's user")
		return
	}
	if !knownRequest(req.ReqIdentifier) {
		c.enqueue(c.errorFrame(req, openim.ErrArgs.With("unknown reqIdentifier %d", req.ReqIdentifier)))
		c.closeAfterQueued(statusPolicyViolation, "unknown reqIdentifier")
		return
	}
	if !c.limiter.AllowN(c.g.cfg.Now(), 1) {
		c.enqueue(c.errorFrame(req, openim.ErrRateLimited.With("more than %d requests per second: slow down", ConnRequestRate)))
		return
	}
	select {
	case c.reqs <- req:
	default:
		c.enqueue(c.errorFrame(req, openim.ErrRateLimited.With("more than %d requests waiting: wait for the answers", MaxPending)))
	}
}

// workLoop serves requests one at a time, in arrival order, so a slow one (a send waiting for
// Raft) never stops the reader from answering heartbeats.
func (c *conn) workLoop() {
	for {
		select {
		case <-c.ctx.Done():
			return
		case req := <-c.reqs:
			c.serveRequest(req)
		}
	}
}

func (c *conn) writeLoop() {
	for {
		select {
		case f := <-c.out:
			if f.typ != 0 {
				ctx, cancel := context.WithTimeout(c.ctx, WriteTimeout)
				err := c.ws.Write(ctx, f.typ, f.data)
				cancel()
				if err != nil {
					c.drop()
					return
				}
			}
			if f.gap > 0 {
				select {
				case <-time.After(f.gap):
				case <-c.ctx.Done():
					c.ws.CloseNow()
					return
				}
			}
			if f.closeCode != 0 {
				c.ws.Close(f.closeCode, f.reason)
				return
			}
		case r := <-c.closeQ:
			c.ws.Close(r.code, r.reason)
			return
		case <-c.ctx.Done():
			c.ws.CloseNow()
			return
		}
	}
}

// pingLoop sends Web connections an RFC 6455 ping every PingInterval, as upstream does; browsers
// answer on their own. A missing pong is the read deadline's business.
func (c *conn) pingLoop() {
	t := time.NewTicker(c.g.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(c.ctx, WriteTimeout)
			c.ws.Ping(ctx)
			cancel()
		}
	}
}

// enqueue queues a frame without blocking; a full queue drops the connection (a slow client must
// not hold up the FSM or anyone else).
func (c *conn) enqueue(f frame) {
	if c.closing.Load() {
		return
	}
	select {
	case c.out <- f:
		if f.closeCode != 0 {
			c.closing.Store(true)
		}
	default:
		c.g.cfg.Log.Warn("ws client too slow: dropped", "user", c.userID, "platform", c.platformID, "queued", c.g.cfg.QueueLen)
		c.drop()
	}
}

// closeAfterQueued closes the connection once the frames already queued are written.
func (c *conn) closeAfterQueued(code websocket.StatusCode, reason string) {
	c.enqueue(frame{closeCode: code, reason: reason})
}

// closeGracefully sends a close frame now, ahead of anything queued.
func (c *conn) closeGracefully(code websocket.StatusCode, reason string) {
	if c.closing.Swap(true) {
		return
	}
	select {
	case c.closeQ <- closeReq{code: code, reason: reason}:
	default:
	}
}

// drop closes the connection at once, without a close handshake.
func (c *conn) drop() {
	c.closing.Store(true)
	if c.ws != nil {
		c.ws.CloseNow()
	}
	c.cancel()
}

// kick pushes 2002 and closes (multi-login, force_logout, a kicked token).
func (c *conn) kick() {
	c.noResume.Store(true)
	c.push(c.respFrame(&wire.Resp{ReqIdentifier: wire.KickOnline, OperationID: c.opID}, statusNormal, "kicked"), "")
}

// subscriptions lists the users this connection watches.
func (c *conn) subscriptions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.subs))
	for uid := range c.subs {
		out = append(out, uid)
	}
	return out
}
