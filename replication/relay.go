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

const (
	relayQueue    = 256
	relayBatch    = 64
	relayTimeout  = 2 * time.Second
	relayPeersTTL = time.Second
)

type relayArgs struct {
	From     string   `json:"from"`
	Payloads [][]byte `json:"payloads"`
}

type relay struct {
	n       *Node
	mu      sync.Mutex
	deliver func(from string, payload []byte)
	peers   map[raft.ServerAddress]*relayPeer
	listed  time.Time
	wg      sync.WaitGroup
	closed  bool
}

type relayPeer struct {
	mu    sync.Mutex
	queue [][]byte
	wake  chan struct{}
	done  chan struct{}
}

func newRelay(n *Node) *relay {
	return &relay{n: n, peers: map[raft.ServerAddress]*relayPeer{}}
}

// Relay sends payload to every other member of the office, best effort; it never blocks on the
// network. A standalone node has no one to relay to.
func (n *Node) Relay(payload []byte) {
	if n.relay != nil {
		n.relay.send(payload)
	}
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

func (r *relay) send(payload []byte) {
	for _, p := range r.targets() {
		p.push(payload)
	}
}

// targets is the current set of other members, refreshed from the configuration at most every
// relayPeersTTL; a peer that is no longer a member has its goroutine stopped.
func (r *relay) targets() []*relayPeer {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	if time.Since(r.listed) > relayPeersTTL {
		if cfg, err := r.n.configuration(); err == nil {
			r.listed = time.Now()
			keep := map[raft.ServerAddress]bool{}
			for _, s := range cfg.Servers {
				if s.ID == r.n.selfID {
					continue
				}
				keep[s.Address] = true
				if r.peers[s.Address] == nil {
					p := &relayPeer{wake: make(chan struct{}, 1), done: make(chan struct{})}
					r.peers[s.Address] = p
					r.wg.Add(1)
					go r.pump(string(s.Address), p)
				}
			}
			for addr, p := range r.peers {
				if !keep[addr] {
					close(p.done)
					delete(r.peers, addr)
				}
			}
		}
	}
	out := make([]*relayPeer, 0, len(r.peers))
	for _, p := range r.peers {
		out = append(out, p)
	}
	return out
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

func (p *relayPeer) take() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := min(len(p.queue), relayBatch)
	batch := p.queue[:n:n]
	p.queue = p.queue[n:]
	return batch
}

// pump sends a peer's queue in batches until the peer is dropped or the node stops.
func (r *relay) pump(addr string, p *relayPeer) {
	defer r.wg.Done()
	for {
		select {
		case <-p.done:
			return
		case <-r.n.ctx.Done():
			return
		case <-p.wake:
		}
		for {
			batch := p.take()
			if len(batch) == 0 {
				break
			}
			ctx, cancel := context.WithTimeout(r.n.ctx, relayTimeout)
			err := r.n.rpc.call(ctx, addr, "relay", &relayArgs{From: string(r.n.selfID), Payloads: batch}, nil)
			cancel()
			if err != nil {
				r.n.log.Debug("relay: dropped payloads", "peer", addr, "count", len(batch), "err", err)
			}
		}
	}
}

func (r *relay) close() {
	r.mu.Lock()
	r.closed = true
	for addr, p := range r.peers {
		close(p.done)
		delete(r.peers, addr)
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
	n.relay.mu.Unlock()
	if fn == nil {
		return nil, nil
	}
	for _, p := range a.Payloads {
		fn(peer, p)
	}
	return nil, nil
}
