package replication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// Commit notices: a follower learns at once that entries committed, instead of at the leader's
// next AppendEntries. hashicorp/raft tells followers the commit index only inside AppendEntries,
// which the leader sends when new entries arrive or, with nothing new, after CommitTimeout; a lone
// message therefore waited a whole CommitTimeout on every other node before their FSMs applied it
// and their clients got the push. Heartbeats carry no commit index.
//
// So when the leader's FSM is handed a batch (the entries are committed by then), the leader
// sends each follower a notice over the node service: its term and the last entry's index and
// term. The follower checks that its own log holds that entry with that term and then hands its
// Raft an AppendEntries with no entries that says exactly what a real one from that leader would:
// the entry matches (PrevLogEntry, PrevLogTerm) and is committed (LeaderCommitIndex). Raft itself
// runs its usual checks (the term, the log match) and applies. Safety is Raft's own: the leader
// only sends indexes it committed, and equal index and term mean equal logs up to there (Raft's
// Log Matching property), so the follower commits nothing the leader did not. Pushes stay where
// they were: each node's FSM derives them from the entries it applies, in log order, once.
//
// It costs nothing while nobody writes: a notice follows a committed batch, there is no timer.
// Under load the notices coalesce: one in flight per follower, the next carries the newest index.
// A follower still storing the entry answers "behind" after a while and is asked again. A notice
// that is lost changes nothing; the next AppendEntries carries the commit index anyway.

// commitTimeoutIdle is Raft's CommitTimeout: with nothing new to send, the leader sends each
// follower an AppendEntries with the commit index this often (randomised up to 2x). Notices bring
// commits to the followers at once, so this is only the fallback for a lost notice; it was 10 ms
// before them, about 100 empty RPCs a second per follower while idle, most of an idle leader's CPU,
// then 5 s: an idle leader of fifteen still sent about two a second, each at its own random moment
// (a wake-up of the process apiece, a tenth of its CPU). A notice is sent again a few times when it
// fails (noticeRetry); one lost all the same while nobody writes reaches that follower 30-60 s
// late, and the next write's AppendEntries carries it at once.
const commitTimeoutIdle = 30 * time.Second

// noticeTimeout bounds one notice (the follower waits up to noticeWait for the entry).
const noticeTimeout = 3 * time.Second

// commitArgs is a notice: the leader's term, and the last committed entry's index and term.
type commitArgs struct {
	Term    uint64 `json:"term"`
	Index   uint64 `json:"index"`
	LogTerm uint64 `json:"logTerm"`
}

// notifier sends the leader's notices, one pump per follower.
type notifier struct {
	n     *Node
	ready atomic.Bool // Raft is running: n.raft may be read

	mu     sync.Mutex
	index  uint64 // the newest committed entry seen, and its term
	term   uint64
	peers  map[raft.ServerID]*noticePeer
	closed bool
	wg     sync.WaitGroup
}

// noticePeer is one follower's pump and its one notice in flight.
type noticePeer struct {
	addr string
	sent uint64 // the newest index notified
	// busy: a notice is in flight, or being written by committed (writing); the pump answers it
	// and sends the newest index after it, and clears busy when there is nothing newer.
	busy    bool
	writing bool
	call    *rpcCall // a notice committed wrote itself, for the pump to wait for
	args    commitArgs
	wake    chan struct{}
	done    chan struct{}
}

func newNotifier(n *Node) *notifier {
	return &notifier{n: n, peers: map[raft.ServerID]*noticePeer{}}
}

// noticeWriteTimeout bounds the write of a notice on the committing goroutine (the FSM's): the
// frame is small and the follower answered the notice before it, so its socket has room; one that
// does not is given up (the stream is replaced) rather than hold up the FSM.
const noticeWriteTimeout = 100 * time.Millisecond

// committed is the FSM's hook: entries up to index (of term) committed. On the leader it writes
// the notice to every follower with none in flight at once, on this goroutine (handing it to the
// pump cost a goroutine switch, on a busy machine half a millisecond, before the notice left), and
// wakes the pumps, which wait for the answers and send the notices of followers that were busy.
// Elsewhere it returns at once.
func (c *notifier) committed(index, term uint64) {
	if !c.ready.Load() || c.n.raft.State() != raft.Leader {
		return
	}
	// The term first, then the state: a node that stepped down (its term moves on as it becomes
	// a candidate) never claims to lead a term it does not lead.
	a := commitArgs{Term: c.n.raft.CurrentTerm(), Index: index, LogTerm: term}
	if c.n.raft.State() != raft.Leader {
		return
	}
	c.mu.Lock()
	if c.closed || index <= c.index {
		c.mu.Unlock()
		return
	}
	c.index, c.term = index, term
	c.refreshLocked()
	type write struct {
		id   raft.ServerID
		p    *noticePeer
		addr string
		prev uint64
	}
	var writes []write
	for id, p := range c.peers {
		if p.busy {
			p.signal()
			continue
		}
		writes = append(writes, write{id, p, p.addr, p.sent})
		p.busy, p.writing, p.sent = true, true, index
	}
	c.mu.Unlock()
	deadline := time.Now().Add(noticeWriteTimeout)
	for _, w := range writes {
		call, ok := c.n.rpc.start(w.addr, "commit", &a, deadline)
		c.mu.Lock()
		w.p.writing = false
		switch {
		case ok && (c.closed || c.peers[w.id] != w.p):
			call.forget() // the peer left meanwhile: its pump is gone
		case ok:
			w.p.call, w.p.args = call, a
		default:
			w.p.sent = w.prev // no live stream, or one being written: the pump sends it
		}
		c.mu.Unlock()
		w.p.signal()
	}
}

// refreshLocked makes the pumps match the other members of the latest configuration (an atomic
// read in Raft): a member added a moment ago gets the notice of its own first write.
func (c *notifier) refreshLocked() {
	cfg, err := c.n.configuration()
	if err != nil {
		return
	}
	keep := map[raft.ServerID]bool{}
	for _, s := range cfg.Servers {
		if s.ID == c.n.selfID {
			continue
		}
		keep[s.ID] = true
		if p := c.peers[s.ID]; p != nil {
			p.addr = string(s.Address)
			continue
		}
		p := &noticePeer{addr: string(s.Address), wake: make(chan struct{}, 1), done: make(chan struct{})}
		c.peers[s.ID] = p
		c.wg.Add(1)
		go c.pump(p)
	}
	for id, p := range c.peers {
		if !keep[id] {
			close(p.done)
			delete(c.peers, id)
		}
	}
}

// next is what a pump does next: wait for the notice committed wrote (call), or send the newest
// index if the peer has not had it (addr). ok is false when there is nothing to do; the peer is
// then idle again unless committed is writing to it.
func (c *notifier) next(p *noticePeer) (call *rpcCall, addr string, a commitArgs, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.call != nil {
		call, a = p.call, p.args
		p.call = nil
		return call, "", a, true
	}
	if p.writing {
		return nil, "", a, false
	}
	if c.index <= p.sent {
		p.busy = false
		return nil, "", a, false
	}
	p.busy = true
	p.sent = c.index
	return nil, p.addr, commitArgs{Index: c.index, LogTerm: c.term}, true
}

// pump answers one follower's notices, one at a time, until the peer leaves or the node stops.
func (c *notifier) pump(p *noticePeer) {
	defer c.wg.Done()
	defer func() {
		c.mu.Lock()
		if p.call != nil {
			p.call.forget()
		}
		c.mu.Unlock()
	}()
	behind := 0 // notices in a row the follower could not match yet
	failed := 0 // notices in a row that did not arrive
	for {
		select {
		case <-p.done:
			return
		case <-c.n.ctx.Done():
			return
		case <-p.wake:
		}
		for {
			select {
			case <-p.done: // the peer left
				return
			case <-c.n.ctx.Done():
				return
			default:
			}
			call, addr, a, ok := c.next(p)
			if !ok {
				break
			}
			ctx, cancel := context.WithTimeout(c.n.ctx, noticeTimeout)
			var err error
			if call != nil {
				err = call.answer(ctx, nil)
				if err != nil && deadStream(err) && ctx.Err() == nil {
					// The stream had died unnoticed (the follower restarted): send it again on
					// a fresh one, as call does for a reused stream.
					cancel()
					c.unsend(p, a.Index)
					continue
				}
			} else {
				// As in committed: the term first, then the state.
				a.Term = c.n.raft.CurrentTerm()
				if c.n.raft.State() != raft.Leader {
					cancel()
					continue
				}
				err = c.n.rpc.call(ctx, addr, "commit", &a, nil)
			}
			cancel()
			if !isCode(err, codeBehind) {
				behind = 0
				if err == nil {
					failed = 0
					continue
				}
				c.n.log.Debug("commit notice not delivered", "peer", addr, "index", a.Index, "err", err)
				failed++
				wait, again := noticeRetry(failed)
				if !again {
					failed = 0
					continue
				}
				c.unsend(p, a.Index)
				if sleepCtx(c.n.ctx, wait) != nil {
					return
				}
				continue
			}
			// The follower is still storing the entry: ask again (with the newest index then)
			// rather than leave it waiting for CommitTimeout; less often while it stays behind (a
			// member catching up on a snapshot).
			c.unsend(p, a.Index)
			behind++
			if behind > 2 && sleepCtx(c.n.ctx, min(time.Duration(behind)*time.Second, noticeBackoffMax)) != nil {
				return
			}
		}
	}
}

// unsend makes the pump send index (or a newer one) to p again: its notice did not arrive, or
// found the follower still storing it.
func (c *notifier) unsend(p *noticePeer, index uint64) {
	c.mu.Lock()
	p.sent = min(p.sent, index-1)
	c.mu.Unlock()
}

func (p *noticePeer) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

func (c *notifier) close() {
	c.mu.Lock()
	c.closed = true
	for id, p := range c.peers {
		close(p.done)
		delete(c.peers, id)
	}
	c.mu.Unlock()
	c.wg.Wait()
}

// handleCommit is a follower's side of a notice: when its log holds the entry with the leader's
// term for it, Raft is told the entry committed, as by an AppendEntries from the leader.
func (n *Node) handleCommit(ctx context.Context, peer string, body json.RawMessage) (any, error) {
	var a commitArgs
	if err := json.Unmarshal(body, &a); err != nil || a.Index == 0 || a.Term == 0 {
		return nil, &rpcError{Code: codeBadReq, Msg: "bad commit notice"}
	}
	if n.raft.State() == raft.Leader || n.raft.CommitIndex() >= a.Index {
		return nil, nil
	}
	// The leader commits once a majority has an entry, so this member may still be storing it
	// (the slower follower of three); the leader then sends nothing more until new entries come
	// or CommitTimeout passes. Wait for it a little.
	if !n.awaitLogged(ctx, a.Index) {
		return nil, &rpcError{Code: codeBehind, Msg: "the entry is not in this member's log yet"}
	}
	// Raft would log a warning for an entry it lacks or holds with another term: only matching
	// entries are handed over.
	var l raft.Log
	if err := n.raftLog.GetLog(a.Index, &l); err != nil || l.Term != a.LogTerm {
		return nil, nil
	}
	n.tellCommitted(ctx, raft.ServerID(peer), a)
	return nil, nil
}

// noticeWait bounds how long a notice waits for its entry to reach this member's log (the leader
// then sends it again).
const noticeWait = time.Second

// noticeRetries is how many times a notice that did not arrive (a follower slow to answer, or out
// of reach for a moment) is sent again, the n-th after n seconds. Raft's own AppendEntries
// carries the commit index only with the next entry or after CommitTimeout, so a notice given up
// leaves that follower's users without the message until then.
const noticeRetries = 3

// noticeRetry is the pause before sending again a notice that failed failed times in a row, and
// whether to send it again at all.
func noticeRetry(failed int) (time.Duration, bool) {
	return time.Duration(failed) * time.Second, failed <= noticeRetries
}

// noticeBackoffMax bounds the pause before asking a follower that stays behind again.
const noticeBackoffMax = 30 * time.Second

// codeBehind answers a notice whose entry this member has not stored yet.
const codeBehind = "behind"

// awaitLogged waits (up to noticeWait) until this member's log reaches index: it is woken by the
// store that writes the entry (no poll: a notice that came first used to wait for the next 1 ms
// tick after the entry was stored).
func (n *Node) awaitLogged(ctx context.Context, index uint64) bool {
	if n.raft.LastIndex() >= index {
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, noticeWait)
	defer cancel()
	for {
		last, stored := n.logged.waiter()
		if last >= index || n.raft.LastIndex() >= index {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-stored:
		}
	}
}

// loggedStore is Raft's log store telling waiting notices that entries were stored.
type loggedStore struct {
	raftLog
	onStored func([]*raft.Log) // after each append, on Raft's goroutine (nil: nothing)
	mu       sync.Mutex
	last     uint64        // the last index of the latest append
	stored   chan struct{} // closed at the next append; nil while nobody waits
}

func newLoggedStore(s raftLog) (*loggedStore, error) {
	last, err := s.LastIndex()
	if err != nil {
		return nil, fmt.Errorf("replication: log: %w", err)
	}
	return &loggedStore{raftLog: s, last: last}, nil
}

// waiter is the last index stored and a channel closed when entries are stored next.
func (s *loggedStore) waiter() (uint64, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stored == nil {
		s.stored = make(chan struct{})
	}
	return s.last, s.stored
}

func (s *loggedStore) StoreLog(l *raft.Log) error { return s.StoreLogs([]*raft.Log{l}) }

// StoreLogs appends entries and wakes the notices waiting for them.
func (s *loggedStore) StoreLogs(logs []*raft.Log) error {
	if err := s.raftLog.StoreLogs(logs); err != nil || len(logs) == 0 {
		return err
	}
	s.mu.Lock()
	s.last = logs[len(logs)-1].Index
	if s.stored != nil {
		close(s.stored)
		s.stored = nil
	}
	s.mu.Unlock()
	if s.onStored != nil {
		s.onStored(logs)
	}
	return nil
}

// memberAddr is a member's address in the latest configuration, "" when it is not a member.
func (n *Node) memberAddr(id raft.ServerID) raft.ServerAddress {
	cfg, err := n.configuration()
	if err != nil {
		return ""
	}
	for _, s := range cfg.Servers {
		if s.ID == id {
			return s.Address
		}
	}
	return ""
}

// noticeTransport is raft's network transport with one more source of RPCs: the commit notices
// a follower hands its Raft. Raft reads one channel, so the transport's own RPCs are forwarded
// into it.
type noticeTransport struct {
	*raft.NetworkTransport
	rpcs chan raft.RPC
	done chan struct{}
	once sync.Once
	// refuse, for tests (Config.refuseEntries), fails incoming AppendEntries with entries.
	refuse func() bool
}

func newNoticeTransport(t *raft.NetworkTransport) *noticeTransport {
	nt := &noticeTransport{NetworkTransport: t, rpcs: make(chan raft.RPC), done: make(chan struct{})}
	go nt.forward()
	return nt
}

func (t *noticeTransport) forward() {
	in := t.NetworkTransport.Consumer()
	for {
		select {
		case rpc := <-in:
			if req, ok := rpc.Command.(*raft.AppendEntriesRequest); ok && len(req.Entries) > 0 && t.refuse != nil && t.refuse() {
				rpc.Respond(nil, errRefusedForTest)
				continue
			}
			select {
			case t.rpcs <- rpc:
			case <-t.done:
				return
			}
		case <-t.done:
			return
		}
	}
}

// errRefusedForTest answers the AppendEntries a test has this member refuse.
var errRefusedForTest = errors.New("refused by the test")

// Consumer is the channel Raft reads every incoming RPC from.
func (t *noticeTransport) Consumer() <-chan raft.RPC { return t.rpcs }

// inject hands Raft one RPC.
func (t *noticeTransport) inject(ctx context.Context, rpc raft.RPC) error {
	select {
	case t.rpcs <- rpc:
		return nil
	case <-t.done:
		return raft.ErrTransportShutdown
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops the forwarding and closes the network transport.
func (t *noticeTransport) Close() error {
	t.once.Do(func() { close(t.done) })
	return t.NetworkTransport.Close()
}
