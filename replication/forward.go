package replication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"lanim/node/im"
	"lanim/node/openim"
)

// The write path. Every node accepts writes: the leader applies them through Raft, a follower
// forwards the encoded command to the leader over the node service and gets the leader's
// im.Result back. Read-your-writes: the follower answers only once its own state database holds
// the entry's index, so a read on the same node right after sees the write.

const (
	// leaderWait is how long a write waits for a leader to appear before it is answered with "no
	// quorum": long enough for an election after a leader crash (a missed heartbeat, 1-2 s, then
	// a vote).
	leaderWait = 6 * time.Second
	// sendLeaderWait is leaderWait for a message send, which has a better answer than failing:
	// the outbox.
	sendLeaderWait = 2 * time.Second
	// commitTimeout bounds a write whose caller set no deadline.
	commitTimeout = 15 * time.Second
	// enqueueTimeout bounds handing an entry to Raft on the leader.
	enqueueTimeout = 5 * time.Second
)

// errNoQuorum: the write could not be committed now (no leader, the leader unreachable, or
// leadership lost while committing). In the last case the entry may still commit later.
var errNoQuorum = errors.New("no quorum")

type applyArgs struct {
	Cmd json.RawMessage `json:"cmd"` // the encoded im.Command, itself JSON
}

type applyReply struct {
	Index  uint64     `json:"index"`
	Result *im.Result `json:"result"`
}

// Propose commits cmd through Raft and returns the state machine's result once this node has
// applied it. A message send without a quorum goes to the outbox (openim.ErrQueued); any other write
// without a quorum fails with openim.ErrNoQuorum.
func (n *Node) Propose(ctx context.Context, cmd *im.Command) (*im.Result, error) {
	entry, err := cmd.Encode()
	if err != nil {
		return nil, err
	}
	if cmd.Kind == sendKind && n.outbox != nil {
		return n.proposeSend(ctx, cmd, entry)
	}
	res, _, err := n.commit(ctx, entry)
	if errors.Is(err, errNoQuorum) {
		return nil, n.noQuorum(cmd.Kind, err)
	}
	if err != nil {
		return nil, fmt.Errorf("propose %s: %w", cmd.Kind, err)
	}
	return res, nil
}

// noQuorum is the client's answer to a write that found no quorum: a plain word, the internals
// (leaders, addresses, Raft's errors) go to the log.
func (n *Node) noQuorum(what string, err error) *openim.Error {
	n.log.Warn("no quorum", "for", what, "err", err)
	return openim.ErrNoQuorum.With("too few of the office's computers can be reached to agree on a change; reads still work")
}

// commit applies one log entry through the leader and returns its result and index once this
// node has applied it.
func (n *Node) commit(ctx context.Context, entry []byte) (*im.Result, uint64, error) {
	return n.commitWaiting(ctx, entry, leaderWait)
}

// commitWaiting is commit waiting at most wait for a leader each time it needs one.
func (n *Node) commitWaiting(ctx context.Context, entry []byte, wait time.Duration) (*im.Result, uint64, error) {
	replies, err := n.commitEntries(ctx, [][]byte{entry}, wait)
	if len(replies) == 0 {
		return nil, 0, err
	}
	return replies[0].Result, replies[0].Index, nil
}

// commitEntries commits entries in their order through the leader, all of them in flight at once
// (one forward, one round of fsyncs), and returns the replies of the committed prefix once this
// node has applied it. Fewer replies than entries come with the reason the rest did not commit
// (errNoQuorum: they may still commit; re-proposing a message send is safe, it is de-duplicated).
func (n *Node) commitEntries(ctx context.Context, entries [][]byte, wait time.Duration) ([]applyReply, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, commitTimeout)
		defer cancel()
	}
	var avoid raft.ServerID // a leader we could not reach: wait for another
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		addr, id, err := n.awaitLeader(ctx, avoid, wait)
		if err != nil {
			return nil, err
		}
		if id != n.selfID && n.rpc == nil {
			return nil, fmt.Errorf("%w: leader %s is not this standalone node", errNoQuorum, id)
		}
		if id == n.selfID {
			replies, err := n.applyLocalBatch(ctx, entries)
			if len(replies) == 0 && (errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipTransferInProgress)) {
				lastErr = err
				if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
					return nil, fmt.Errorf("%w: %v", errNoQuorum, lastErr)
				}
				continue
			}
			if err != nil && len(replies) > 0 && !errors.Is(err, errNoQuorum) {
				err = fmt.Errorf("%w: %v", errNoQuorum, err)
			}
			return replies, err
		}
		var replies []applyReply
		if len(entries) == 1 {
			replies, err = n.forwardOne(ctx, addr, id, entries[0])
		} else {
			replies, err = n.forwardEntries(ctx, addr, id, entries)
		}
		if len(replies) > 0 {
			last := replies[len(replies)-1].Index
			if werr := n.fsm.waitApplied(ctx, last); werr != nil {
				n.log.Warn("committed write not applied here yet", "index", last, "err", werr)
			}
			if err != nil {
				err = fmt.Errorf("%w: %v", errNoQuorum, err)
			}
			return replies, err
		}
		switch {
		case err == nil:
			return nil, fmt.Errorf("leader %s sent no result", id)
		case isCode(err, codeNotLeader):
			lastErr = err
			if err := sleepCtx(ctx, 50*time.Millisecond); err != nil {
				return nil, fmt.Errorf("%w: %v", errNoQuorum, lastErr)
			}
		case isCode(err, codeNoQuorum):
			return nil, fmt.Errorf("%w: %v", errNoQuorum, err)
		case isDialError(err):
			// Never sent (the leader could not be reached, or Raft gave up on it while dialling):
			// safe to send to the next leader.
			lastErr, avoid = err, id
		default:
			var re *rpcError
			if errors.As(err, &re) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: lost the leader %s mid-write (it may still commit): %v", errNoQuorum, id, err)
		}
	}
	return nil, fmt.Errorf("%w: %v", errNoQuorum, lastErr)
}

// applyBatchArgs and applyBatchReply are a forward of several entries: the replies of the
// committed prefix, and why the rest did not commit.
type applyBatchArgs struct {
	Cmds []json.RawMessage `json:"cmds"`
}

type applyBatchReply struct {
	Replies []applyReply `json:"replies"`
	Err     *rpcError    `json:"err,omitempty"`
}

// maxApplyBatch bounds the entries of one forward.
const maxApplyBatch = 256

// forwardEntries sends entries to the leader: one entry as "apply", more as "apply.batch".
func (n *Node) forwardEntries(ctx context.Context, addr raft.ServerAddress, id raft.ServerID, entries [][]byte) ([]applyReply, error) {
	if len(entries) == 1 {
		var out applyReply
		if err := n.callLeaderAt(ctx, addr, id, "apply", applyArgs{Cmd: entries[0]}, &out); err != nil {
			return nil, err
		}
		if out.Result == nil {
			return nil, nil
		}
		return []applyReply{out}, nil
	}
	args := applyBatchArgs{Cmds: make([]json.RawMessage, len(entries))}
	for i, e := range entries {
		args.Cmds[i] = e
	}
	var out applyBatchReply
	if err := n.callLeaderAt(ctx, addr, id, "apply.batch", &args, &out); err != nil {
		return nil, err
	}
	for i, r := range out.Replies {
		if r.Result == nil {
			return out.Replies[:i], fmt.Errorf("leader %s sent no result", id)
		}
	}
	if out.Err != nil {
		return out.Replies, out.Err
	}
	return out.Replies, nil
}

// forwarder gathers the single-entry forwards that a follower's callers make at the same time into
// one apply.batch. Under load hundreds of sends wait on the leader at once, and each forward was a
// call of its own: a frame each way, a goroutine, a JSON document and a result to encode on the
// leader, which is the busiest node of the office. A forward that finds fewer than fwdInFlight calls
// in flight leaves at once (with any others waiting then); the ones that come while that many are
// in flight wait for one to return and leave together. Nothing waits on a timer, so a lone write
// is not slowed.
//
// The entries of a batch stay separate log entries, each with its own result: only the call is
// shared. Concurrent callers have no order among them; one caller's writes follow each other
// because each waits for its answer. Which entries commit is what the single calls would give:
// the committed prefix gets its replies, the rest the call's error, classified by commitEntries as
// before (a call never sent, or lost mid-write).
type forwarder struct {
	mu     sync.Mutex
	queue  []*fwdCall
	flying int // flushers running
}

// fwdCall is one caller's forward, waiting in the queue or in a batch.
type fwdCall struct {
	ctx   context.Context
	addr  raft.ServerAddress
	id    raft.ServerID
	entry []byte
	reply applyReply
	err   error
	done  chan struct{}
}

// fwdInFlight bounds the batches in flight at once per node: enough to keep the leader's log
// busy while the next batch gathers.
const fwdInFlight = 4

// forwardOne forwards entry to the leader, in a batch with the entries of other callers when
// calls are already in flight.
func (n *Node) forwardOne(ctx context.Context, addr raft.ServerAddress, id raft.ServerID, entry []byte) ([]applyReply, error) {
	c := &fwdCall{ctx: ctx, addr: addr, id: id, entry: entry, done: make(chan struct{})}
	f := &n.fwd
	f.mu.Lock()
	f.queue = append(f.queue, c)
	start := f.flying < fwdInFlight
	if start {
		f.flying++
	}
	f.mu.Unlock()
	if start {
		go n.flushForwards()
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if c.err != nil {
		return nil, c.err
	}
	return []applyReply{c.reply}, nil
}

// flushForwards sends the queued forwards, a batch at a time, until the queue is empty.
func (n *Node) flushForwards() {
	f := &n.fwd
	for {
		f.mu.Lock()
		if len(f.queue) == 0 {
			f.flying--
			f.mu.Unlock()
			return
		}
		// The oldest call's leader, and every call to it in queue order (a leader change leaves
		// calls to the old one behind: they go in the next batch, and fail as they would alone).
		lead := f.queue[0]
		var batch, rest []*fwdCall
		for _, c := range f.queue {
			if len(batch) < maxApplyBatch && c.addr == lead.addr && c.id == lead.id {
				batch = append(batch, c)
			} else {
				rest = append(rest, c)
			}
		}
		f.queue = rest
		f.mu.Unlock()
		n.sendForwards(batch)
	}
}

// sendForwards makes one call for a batch of forwards to the same leader and answers each caller.
// A caller that gave up before the call is not sent.
func (n *Node) sendForwards(batch []*fwdCall) {
	live := batch[:0]
	for _, c := range batch {
		if err := c.ctx.Err(); err != nil {
			c.err = err
			close(c.done)
			continue
		}
		live = append(live, c)
	}
	if len(live) == 0 {
		return
	}
	addr, id := live[0].addr, live[0].id
	entries := make([][]byte, len(live))
	for i, c := range live {
		entries[i] = c.entry
	}
	ctx, cancel := context.WithTimeout(n.ctx, commitTimeout)
	defer cancel()
	replies, err := n.forwardEntries(ctx, addr, id, entries)
	if len(live) > 1 && isCode(err, codeBadReq) {
		// Refused whole, before any entry was applied (a leader of an older build has no
		// apply.batch): one call each, as before.
		n.sendEach(live)
		return
	}
	if err == nil && len(replies) < len(live) {
		err = fmt.Errorf("leader %s sent no result", id)
	}
	for i, c := range live {
		if i < len(replies) {
			c.reply = replies[i]
		} else {
			c.err = err
		}
		close(c.done)
	}
}

// sendEachInFlight bounds the single calls sendEach has open at once.
const sendEachInFlight = 16

// sendEach forwards each call of a batch on its own, sendEachInFlight at a time, each with a whole
// commitTimeout of its own from when it leaves (the refused batch call used part of the batch's,
// and a loaded leader answering hundreds of calls at once let the last ones time out).
func (n *Node) sendEach(calls []*fwdCall) {
	var wg sync.WaitGroup
	slots := make(chan struct{}, sendEachInFlight)
	for _, c := range calls {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			defer close(c.done)
			ctx, cancel := context.WithTimeout(n.ctx, commitTimeout)
			defer cancel()
			replies, err := n.forwardEntries(ctx, c.addr, c.id, [][]byte{c.entry})
			switch {
			case len(replies) > 0:
				c.reply = replies[0]
			case err != nil:
				c.err = err
			default:
				c.err = fmt.Errorf("leader %s sent no result", c.id)
			}
		})
	}
	wg.Wait()
}

// awaitLeader returns the current leader other than avoid, waiting up to wait for one.
func (n *Node) awaitLeader(ctx context.Context, avoid raft.ServerID, wait time.Duration) (raft.ServerAddress, raft.ServerID, error) {
	deadline := time.Now().Add(wait)
	for {
		addr, id := n.raft.LeaderWithID()
		if id != "" && id != avoid {
			return addr, id, nil
		}
		if time.Now().After(deadline) {
			if id == "" {
				return "", "", fmt.Errorf("%w: no leader", errNoQuorum)
			}
			return "", "", fmt.Errorf("%w: leader %s unreachable", errNoQuorum, id)
		}
		if err := sleepCtx(ctx, 25*time.Millisecond); err != nil {
			return "", "", fmt.Errorf("%w: no leader", errNoQuorum)
		}
	}
}

// applyLocal applies an entry on this node as the leader.
func (n *Node) applyLocal(entry []byte) (*im.Result, uint64, error) {
	return n.applyResult(n.raft.Apply(entry, enqueueTimeout))
}

// applyLocalBatch applies entries in order on this node as the leader: all are handed to Raft
// before the first is waited for, so they share the log's fsyncs and commit in this order. It
// returns the replies of the committed prefix and, when that is not all, why the rest was not.
//
// A batch's answers are waited for until ctx ends, not for ever: hashicorp/raft may never answer
// a future whose entry was caught in a change of leader (hashicorp/raft#498, open). Seen here as an
// outbox that stopped draining for good after its two sleeping voters woke (1 run in 18 of
// TestAvailabilityTwoSleepAtOnce on a loaded machine, main of 2026-12-05 included). The entries
// not answered may still commit; a batch is the outbox's or a forwarded one's, whose sends carry
// their clientMsgID, so proposing them again answers with the first result. A single entry (a
// user's send, which the gateway bounds) is waited for on this goroutine, which saves a hand-off.
func (n *Node) applyLocalBatch(ctx context.Context, entries [][]byte) ([]applyReply, error) {
	// Entries of a batch wait as long as it takes to be handed to Raft: one that timed out while
	// the next got in would commit after it, out of order. Raft still ends the wait when this node
	// stops leading.
	timeout := enqueueTimeout
	if len(entries) > 1 {
		timeout = 0
	}
	futs := make([]raft.ApplyFuture, len(entries))
	for i, e := range entries {
		futs[i] = n.raft.Apply(e, timeout)
	}
	if len(futs) == 1 {
		res, index, err := n.applyResult(futs[0])
		if err != nil {
			return nil, err
		}
		return []applyReply{{Index: index, Result: res}}, nil
	}
	// One goroutine reads the answers in order; it ends with the last, or when Raft shuts down.
	answers := make(chan applyReply, len(futs))
	failed := make(chan error, 1)
	go func() {
		defer close(answers)
		for _, f := range futs {
			res, index, err := n.applyResult(f)
			if err != nil {
				failed <- err
				return
			}
			answers <- applyReply{Index: index, Result: res}
		}
	}()
	out := make([]applyReply, 0, len(entries))
	for {
		select {
		case r, ok := <-answers:
			if !ok {
				select {
				case err := <-failed:
					return out, err
				default:
					return out, nil
				}
			}
			out = append(out, r)
		case <-ctx.Done():
			return out, fmt.Errorf("%w: raft answered %d of %d entries: %v", errNoQuorum, len(out), len(entries), ctx.Err())
		}
	}
}

// applyResult waits for an entry handed to Raft on the leader and returns the FSM's result once
// the state database holds it.
func (n *Node) applyResult(fut raft.ApplyFuture) (*im.Result, uint64, error) {
	if err := fut.Error(); err != nil {
		switch {
		case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
			return nil, 0, err
		case errors.Is(err, raft.ErrLeadershipLost), errors.Is(err, raft.ErrEnqueueTimeout),
			errors.Is(err, raft.ErrRaftShutdown):
			return nil, 0, fmt.Errorf("%w: %v", errNoQuorum, err)
		default:
			return nil, 0, fmt.Errorf("apply: %w", err)
		}
	}
	res, ok := fut.Response().(*im.Result)
	if !ok || res == nil {
		return nil, 0, fmt.Errorf("no result from the state machine at index %d", fut.Index())
	}
	// The FSM may defer its commit to the next batch (deferCommit): answer once the state holds it.
	if err := n.fsm.waitApplied(n.ctx, fut.Index()); err != nil {
		return nil, 0, fmt.Errorf("%w: %v", errNoQuorum, err)
	}
	return res, fut.Index(), nil
}

// handleApply is the leader's side of a forwarded write.
func (n *Node) handleApply(ctx context.Context, peer string, body json.RawMessage) (any, error) {
	var a applyArgs
	if err := json.Unmarshal(body, &a); err != nil || len(a.Cmd) == 0 {
		return nil, &rpcError{Code: codeBadReq, Msg: "apply needs a command"}
	}
	if n.raft.State() != raft.Leader {
		return nil, &rpcError{Code: codeNotLeader, Msg: "not the leader"}
	}
	res, index, err := n.applyLocal(a.Cmd)
	switch {
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		return nil, &rpcError{Code: codeNotLeader, Msg: err.Error()}
	case errors.Is(err, errNoQuorum):
		return nil, &rpcError{Code: codeNoQuorum, Msg: err.Error()}
	case err != nil:
		return nil, err
	}
	return &applyReply{Index: index, Result: res}, nil
}

// handleApplyBatch is the leader's side of a forwarded batch (the outbox drainer's).
func (n *Node) handleApplyBatch(ctx context.Context, peer string, body json.RawMessage) (any, error) {
	var a applyBatchArgs
	if err := json.Unmarshal(body, &a); err != nil || len(a.Cmds) == 0 || len(a.Cmds) > maxApplyBatch {
		return nil, &rpcError{Code: codeBadReq, Msg: fmt.Sprintf("apply.batch needs 1 to %d commands", maxApplyBatch)}
	}
	if n.raft.State() != raft.Leader {
		return nil, &rpcError{Code: codeNotLeader, Msg: "not the leader"}
	}
	entries := make([][]byte, len(a.Cmds))
	for i, c := range a.Cmds {
		if len(c) == 0 {
			return nil, &rpcError{Code: codeBadReq, Msg: "apply.batch: an empty command"}
		}
		entries[i] = c
	}
	ctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	replies, err := n.applyLocalBatch(ctx, entries)
	out := &applyBatchReply{Replies: replies}
	switch {
	case err == nil:
	case errors.Is(err, raft.ErrNotLeader), errors.Is(err, raft.ErrLeadershipTransferInProgress):
		out.Err = &rpcError{Code: codeNotLeader, Msg: err.Error()}
	default:
		out.Err = &rpcError{Code: codeNoQuorum, Msg: err.Error()}
	}
	if len(replies) == 0 && out.Err != nil {
		return nil, out.Err
	}
	return out, nil
}

// onLeader runs fn when this node leads; otherwise it forwards the same call to the leader, so a
// member can ask any other member for a leader-only change.
func (n *Node) onLeader(ctx context.Context, method string, args any, fn func() (any, error)) (any, error) {
	if n.raft.State() == raft.Leader {
		return fn()
	}
	addr, id := n.raft.LeaderWithID()
	if id == "" || id == n.selfID {
		return nil, &rpcError{Code: codeNoQuorum, Msg: "no leader"}
	}
	var out json.RawMessage
	if err := n.callLeaderAt(ctx, addr, id, method, args, &out); err != nil {
		var re *rpcError
		if errors.As(err, &re) {
			return nil, re
		}
		return nil, &rpcError{Code: codeNoQuorum, Msg: err.Error()}
	}
	return out, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
