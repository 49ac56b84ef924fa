package replication

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// The relay carries transient events (typing, presence) from node to node outside the Raft log:
// they must reach the other nodes' clients quickly, are worthless a few seconds later, and must
// never grow the log. Delivery is best effort: each peer has a bounded queue drained by its own
// goroutine, batching what accumulated; when a peer is slow or down the oldest payloads are
// dropped. Payloads are opaque bytes (the gateway's encoding).
//
// Events only say what changed, so a member that was not listening when a change happened (it
// joined later, or the link was down) would never learn the state it missed: who is online on
// the other nodes. Hence the greeting: whenever a pump (re)gains contact with its peer, its first
// batch carries this node's greeting (OnGreet: the whole transient state, which replaces what the
// peer knew of this node) and asks the peer for its own in return. Contact restored in one
// direction thus restores both.

const (
	relayQueue   = 256
	relayBatch   = 64
	relayTimeout = 2 * time.Second
	// relayKeepAlive: a peer that was sent nothing for this long gets an empty batch, so a peer
	// that died is noticed (OnPeerGone: its users go offline here) even when nothing is being
	// relayed. Every member keeps one pump per other member, so in an idle office of n members each
	// sends n-1 keep-alives per period and answers as many: at 5 s a member of fifteen handled
	// about 6 a second, the largest part of an idle follower's CPU. 20 s bounds how long a crashed
	// node's users still show online. A keep-alive goes at the next multiple of relayKeepAlive of
	// the wall clock (keepAliveDue), so every pump of every member sends its own at the same moment,
	// with the non-voters' heartbeats (heartbeats.go): one wake-up of an idle member per period,
	// not one per peer at the random moment its pump last sent.
	relayKeepAlive = 20 * time.Second
)

// relayArgs is one batch; the receiver takes the sender from its certificate. Hello asks the
// receiver to send its greeting back (the sender just (re)gained contact).
type relayArgs struct {
	Payloads [][]byte `json:"payloads"`
	Hello    bool     `json:"hello,omitempty"`
}

type relay struct {
	n       *Node
	mu      sync.Mutex
	deliver func(from string, payload []byte)
	gone    func(nodeID string)
	greet   func() [][]byte
	peers   map[raft.ServerID]*relayPeer
	wg      sync.WaitGroup
	closed  bool
}

type relayPeer struct {
	id    raft.ServerID
	mu    sync.Mutex
	addr  string
	queue [][]byte
	ask   bool // the next batch asks the peer for its greeting
	reply bool // the peer asked for this node's greeting
	wake  chan struct{}
	done  chan struct{}
}

func newRelay(n *Node) *relay {
	return &relay{n: n, peers: map[raft.ServerID]*relayPeer{}}
}

// Relay sends payload to every other member of the office, best effort; it never blocks on the
// network. A standalone node has no one to relay to.
func (n *Node) Relay(payload []byte) {
	if n.relay != nil {
		n.relay.send(payload)
	}
}

// OnPeerGone sets the function told that another member stopped answering or left the office
// (once per outage): its transient state (who is online there) is stale.
func (n *Node) OnPeerGone(fn func(nodeID string)) {
	if n.relay == nil {
		return
	}
	n.relay.mu.Lock()
	n.relay.gone = fn
	n.relay.mu.Unlock()
}

// OnGreet sets the function that makes this node's greeting: the payloads that tell a member
// everything it should know of this node's transient state (who is online here), sent whenever
// the relay (re)gains contact with it. It is called with the peer's queue locked, so it must not
// block, and no payload relayed after it made the greeting is sent before it.
func (n *Node) OnGreet(fn func() [][]byte) {
	if n.relay == nil {
		return
	}
	n.relay.mu.Lock()
	n.relay.greet = fn
	n.relay.mu.Unlock()
}

// OnRelay sets the function that receives the payloads other members relay (called on the node
// service's goroutines; it must not block for long).
func (n *Node) OnRelay(fn func(from string, payload []byte)) {
	if n.relay == nil {
		return
	}
	n.relay.mu.Lock()
	n.relay.deliver = fn
	n.relay.mu.Unlock()
}

// send queues payload for every peer. It never waits for Raft or the network: the peer set is
// kept current by watch.
func (r *relay) send(payload []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.peers {
		p.push(payload)
	}
}

// watch keeps the peer set equal to the other members of the configuration, looking again when
// it changes (confWatch): an idle office has no timer here.
func (r *relay) watch() {
	for {
		changed := r.n.conf.next()
		r.refresh()
		select {
		case <-r.n.ctx.Done():
			return
		case <-changed:
		}
	}
}

func (r *relay) peerGone(id raft.ServerID) {
	r.mu.Lock()
	fn := r.gone
	r.mu.Unlock()
	if fn != nil {
		fn(string(id))
	}
}

// refresh starts a pump for each new member and stops the pumps of members that left.
func (r *relay) refresh() {
	cfg, err := r.n.configuration()
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	keep := map[raft.ServerID]bool{}
	for _, s := range cfg.Servers {
		if s.ID == r.n.selfID {
			continue
		}
		keep[s.ID] = true
		p := r.peers[s.ID]
		if p == nil {
			p = &relayPeer{id: s.ID, wake: make(chan struct{}, 1), done: make(chan struct{})}
			p.wake <- struct{}{} // greet the new peer at once
			r.peers[s.ID] = p
			r.wg.Add(1)
			go r.pump(p)
		}
		p.mu.Lock()
		p.addr = string(s.Address)
		p.mu.Unlock()
	}
	for id, p := range r.peers {
		if !keep[id] {
			close(p.done)
			delete(r.peers, id)
			go r.peerGone(id)
		}
	}
}

func (p *relayPeer) push(payload []byte) {
	p.mu.Lock()
	if len(p.queue) >= relayQueue {
		p.queue = p.queue[1:]
	}
	p.queue = append(p.queue, payload)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (p *relayPeer) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// queueGreeting puts this node's greeting at the back of the queue, with the queue locked, so
// that nothing relayed after the greeting was made goes out before it; ask: the batch asks the
// peer for its greeting in return.
func (p *relayPeer) queueGreeting(greet func() [][]byte, ask bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if greet != nil {
		p.queue = append(p.queue, greet()...)
	}
	p.ask = p.ask || ask
}

// take returns the next batch, whether it asks for the peer's greeting, and whether the peer
// asked for this node's (to be queued first).
func (p *relayPeer) take() (addr string, batch [][]byte, ask bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := min(len(p.queue), relayBatch)
	batch = p.queue[:n:n]
	p.queue = p.queue[n:]
	ask, p.ask = p.ask, false
	return p.addr, batch, ask
}

// clear empties the queue and returns how many payloads it held.
func (p *relayPeer) clear() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.queue)
	p.queue, p.ask = nil, false
	return n
}

// takeReply reports (and clears) the peer's request for this node's greeting.
func (p *relayPeer) takeReply() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	reply := p.reply
	p.reply = false
	return reply
}

// pump sends a peer's queue in batches until the peer is dropped or the node stops; a peer sent
// nothing since the last multiple of relayKeepAlive gets an empty batch (keepAliveDue). The first
// failure after a success reports the peer gone. The first batch after the pump starts or after a
// failure carries the greeting and asks for the peer's.
func (r *relay) pump(p *relayPeer) {
	defer r.wg.Done()
	keepAlive := time.NewTimer(time.Until(keepAliveDue(time.Now())))
	defer keepAlive.Stop()
	up := true
	greeted := false // the peer has this node's greeting since the last failure
	for {
		idle := false
		select {
		case <-p.done:
			return
		case <-r.n.ctx.Done():
			return
		case <-p.wake:
		case <-keepAlive.C:
			idle = true
		}
		for {
			r.mu.Lock()
			greet := r.greet
			r.mu.Unlock()
			if !greeted {
				greeted = true
				p.queueGreeting(greet, true)
			} else if p.takeReply() {
				p.queueGreeting(greet, false)
			}
			addr, batch, ask := p.take()
			if len(batch) == 0 && !idle && !ask {
				break
			}
			idle = false
			ctx, cancel := context.WithTimeout(r.n.ctx, relayTimeout)
			err := r.n.rpc.call(ctx, addr, "relay", &relayArgs{Payloads: batch, Hello: ask}, nil)
			cancel()
			keepAlive.Reset(time.Until(keepAliveDue(time.Now()))) // anything sent shows the peer is there
			if err != nil {
				// What waits is stale by the time the peer answers again, and the greeting
				// that follows then carries the state: drop it all.
				greeted = false
				if dropped := len(batch) + p.clear(); dropped > 0 {
					r.n.log.Debug("relay: dropped payloads", "peer", p.id, "count", dropped)
				}
				if up {
					up = false
					r.n.log.Debug("relay: peer not answering", "peer", p.id, "err", err)
					r.peerGone(p.id)
				}
				break
			}
			up = true
			if len(batch) == 0 {
				break
			}
		}
	}
}

// keepAliveDue is when a pump that last sent at last sends a keep-alive: the next multiple of
// relayKeepAlive of the wall clock, at most relayKeepAlive later.
func keepAliveDue(last time.Time) time.Time { return nextBeat(last, relayKeepAlive) }

func (r *relay) close() {
	r.mu.Lock()
	r.closed = true
	for id, p := range r.peers {
		close(p.done)
		delete(r.peers, id)
	}
	r.mu.Unlock()
	r.wg.Wait()
}

func (n *Node) handleRelay(ctx context.Context, peer string, body json.RawMessage) (any, error) {
	var a relayArgs
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, &rpcError{Code: codeBadReq, Msg: "bad relay payload"}
	}
	n.relay.mu.Lock()
	fn := n.relay.deliver
	back := n.relay.peers[raft.ServerID(peer)]
	n.relay.mu.Unlock()
	if fn == nil {
		// Not wired to the gateway yet (the node is starting): the sender keeps its greeting
		// for a later attempt instead of losing it here.
		return nil, &rpcError{Code: codeInternal, Msg: "relay not ready"}
	}
	for _, p := range a.Payloads {
		fn(peer, p)
	}
	if a.Hello && back != nil {
		back.mu.Lock()
		back.reply = true
		back.mu.Unlock()
		back.signal()
	}
	return nil, nil
}
