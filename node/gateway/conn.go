package gateway

import (
	"context"
	"encoding/json"
	"net"
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

// conn is one client connection. Its goroutines: a reader; only while frames wait, a writer, the
// only one that writes data frames; and only while requests wait, a worker, which serves them in
// order. Web connections get their pings from a timer. Everything else (pushes, presence, kicks)
// only enqueues frames, never blocking: a connection whose queue is full is dropped. An idle
// connection thus holds one goroutine and no queue memory.
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
	// raw is the connection under ws; its write deadline bounds each data frame's write.
	raw net.Conn

	ctx    context.Context // ends when the connection does
	cancel context.CancelFunc
	out    outQueue
	reqs   chan *wire.Req
	// working is set while a worker goroutine serves reqs; wg counts the writers and the workers.
	working atomic.Bool
	wg      sync.WaitGroup
	// wmu guards writing (a writer goroutine runs) and ended (serve is done: no writer starts).
	wmu     sync.Mutex
	writing bool
	ended   bool
	// pingMu is held while a Web ping is sent; pingsDone, set under it when the connection ends,
	// stops the ping timer from sending more.
	pingMu    sync.Mutex
	pingsDone bool
	pinger    *time.Timer
	closeQ    chan closeReq
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

// start registers the connection and does its first work (the token check again, the resume
// backlog, presence); false when the gateway is closed (the connection is then closed). run follows.
func (c *conn) start() bool {
	backlog, ok := c.g.register(c)
	if !ok {
		c.cancel()
		c.ws.Close(statusGoingAway, "node shutting down")
		return false
	}
	c.idle = time.AfterFunc(c.g.cfg.ReadTimeout, func() { c.drop() })
	// A kick committed between the handshake's token check and register would have missed this
	// connection: check the token once more now that kicks reach it (and before resuming).
	ierr := c.g.checkToken(c.ctx, params{token: c.token, userID: c.userID, platformID: c.platformID})
	kicked := ierr != nil && ierr.Code != openim.ErrInternal.Code
	if backlog != nil && !kicked && !c.resume(backlog) {
		c.drop()
	}
	if c.platformID == openim.PlatformWeb {
		c.pingMu.Lock() // ping reads c.pinger under it
		c.pinger = time.AfterFunc(c.g.cfg.PingInterval, c.ping)
		c.pingMu.Unlock()
	}
	c.g.presenceChanged(c, true)
	if kicked {
		c.kick()
	}
	return true
}

// run reads the connection until it ends, then unregisters it. It runs on a goroutine of its own,
// which thus never grew its stack through the handshake's work (start): an idle connection's
// reader stays small.
func (c *conn) run() {
	defer c.cancel()
	c.readLoop()
	c.g.suspend(c)
	c.idle.Stop()
	c.cancel()
	c.stopPings()
	c.wmu.Lock()
	c.ended = true
	c.wmu.Unlock()
	c.wg.Wait()
	c.ws.CloseNow() // when the reader ended on its own and no writer was left to close it
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
		// No context: every way a connection ends closes its socket (drop, the close handshake),
		// which ends a read under way. coder/websocket registers and removes a callback on a
		// context that can end twice per frame read.
		typ, r, err := c.ws.Reader(context.Background())
		if err != nil {
			return
		}
		// The frame is read into a pooled buffer, lent for as long as it is handled: nothing
		// decoded from it shares its bytes, and an idle connection holds none.
		buf := c.g.frames.get()
		_, err = buf.ReadFrom(r)
		if err == nil {
			c.touch()
			if c.closing.Load() {
				// drain until the close handshake ends the connection
			} else if typ == websocket.MessageText {
				c.handleText(buf.Bytes())
			} else {
				c.handleBinary(buf.Bytes())
			}
		}
		c.g.frames.put(buf)
		if err != nil {
			return
		}
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
		c.startWorker()
	default:
		c.enqueue(c.errorFrame(req, openim.ErrRateLimited.With("more than %d requests waiting: wait for the answers", MaxPending)))
	}
}

// startWorker starts a worker (on one of the gateway's pooled goroutines) unless one runs. Only
// the reader calls it (after queueing a request), so its wg.Add happens before serve's wg.Wait.
func (c *conn) startWorker() {
	if c.working.CompareAndSwap(false, true) {
		c.wg.Add(1)
		c.g.workers.run(func() { defer c.wg.Done(); c.work() })
	}
}

// work serves requests one at a time, in arrival order, so a slow one (a send waiting for Raft)
// never stops the reader from answering heartbeats. It ends when none waits: an idle connection
// keeps no worker.
func (c *conn) work() {
	for c.ctx.Err() == nil {
		select {
		case req := <-c.reqs:
			c.serveRequest(req)
			continue
		default:
		}
		c.working.Store(false)
		// A request queued after the empty check saw working still set and started no worker:
		// serve it here, unless the reader has started a new worker meanwhile.
		if len(c.reqs) == 0 || !c.working.CompareAndSwap(false, true) {
			return
		}
	}
}

// wakeWriter starts a writer unless one runs or the connection has ended.
func (c *conn) wakeWriter() {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.writing || c.ended {
		return
	}
	c.writing = true
	c.wg.Add(1)
	go func() { defer c.wg.Done(); c.writeLoop() }()
}

// writeLoop writes the queued frames in order and ends when none is left, or when the connection
// ends or a frame closes it (then writing stays set: no writer starts again).
func (c *conn) writeLoop() {
	for {
		select {
		case r := <-c.closeQ:
			c.ws.Close(r.code, r.reason)
			return
		default:
		}
		if c.ctx.Err() != nil {
			c.ws.CloseNow()
			return
		}
		fs := c.out.take()
		if len(fs) == 0 {
			if c.writerDone() {
				return
			}
			continue
		}
		for _, f := range fs {
			if !c.writeFrame(f) {
				return
			}
		}
		if c.raw != nil {
			// Control frames (pongs, the close handshake) keep their own timeouts.
			c.raw.SetWriteDeadline(time.Time{})
		}
	}
}

// writerDone ends the writer when no frame and no close waits; false when one arrived meanwhile
// (its enqueuer saw writing set and started no writer).
func (c *conn) writerDone() bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.out.empty() || len(c.closeQ) > 0 {
		return false
	}
	c.writing = false
	return true
}

// writeFrame writes one frame; false means the connection is over (closed, failed or ended).
//
// The write is bounded by a deadline on the connection, not by a context: coder/websocket watches
// a context that can end with a goroutine-safe callback registered for each write (and the timeout
// context is a timer and two map entries more), a few percent of the node's CPU under load. An
// ended connection is closed (drop), which fails a write under way just as well.
func (c *conn) writeFrame(f frame) bool {
	if f.typ != 0 {
		var err error
		if c.raw != nil {
			c.raw.SetWriteDeadline(time.Now().Add(c.g.cfg.WriteTimeout))
			err = c.ws.Write(context.Background(), f.typ, f.data)
		} else {
			ctx, cancel := context.WithTimeout(c.ctx, c.g.cfg.WriteTimeout)
			err = c.ws.Write(ctx, f.typ, f.data)
			cancel()
		}
		if err != nil {
			c.drop()
			return false
		}
	}
	if f.gap > 0 {
		select {
		case <-time.After(f.gap):
		case <-c.ctx.Done():
			c.ws.CloseNow()
			return false
		}
	}
	if f.closeCode != 0 {
		c.ws.Close(f.closeCode, f.reason)
		return false
	}
	return true
}

// ping sends a Web connection its RFC 6455 ping every PingInterval, as upstream does; browsers
// answer on their own. A missing pong is the read deadline's business. It runs on the timer's
// goroutine, so an idle connection keeps no pinger goroutine.
func (c *conn) ping() {
	c.pingMu.Lock()
	defer c.pingMu.Unlock()
	if c.pingsDone {
		return
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.g.cfg.WriteTimeout)
	c.ws.Ping(ctx)
	cancel()
	c.pinger.Reset(c.g.cfg.PingInterval)
}

// stopPings waits for a ping under way (the connection's context is cancelled first, so that
// one returns at once) and stops the timer.
func (c *conn) stopPings() {
	if c.pinger == nil {
		return
	}
	c.pingMu.Lock()
	c.pingsDone = true
	c.pingMu.Unlock()
	c.pinger.Stop()
}

// enqueue queues a frame without blocking; a full queue drops the connection (a slow client must
// not hold up the FSM or anyone else).
func (c *conn) enqueue(f frame) {
	if c.closing.Load() {
		return
	}
	if c.out.push(f, c.g.cfg.QueueLen) {
		if f.closeCode != 0 {
			c.closing.Store(true)
		}
		c.wakeWriter()
	} else {
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
		c.wakeWriter()
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
