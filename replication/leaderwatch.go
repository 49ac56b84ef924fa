package replication

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// A frozen peer is not a dead one. A sleeping computer's kernel still completes TCP connects, so
// a forward to a leader that fell asleep does not fail: it waits out its deadlines (the TLS
// handshake's, the call's), while Raft gave up on that leader after a missed heartbeat or two. So
// every call addressed to "the leader" is bound to the leader Raft knows: it ends as soon as Raft
// names another leader or none (a follower that wakes from sleep drops its pre-sleep leader at its
// first heartbeat check, and with it the sends it started towards that leader).

// errLeaderChanged ends a call addressed to a leader Raft no longer names.
var errLeaderChanged = errors.New("raft no longer names that node the leader")

// leaderWatch cancels the calls bound to a leader once Raft's view moves away from it. Raft's
// leader observations wake it at once; a slow tick covers an observation dropped from a full
// channel, and runs only while calls are bound (an idle node has no timer here).
type leaderWatch struct {
	leader func() raft.ServerID
	mu     sync.Mutex
	calls  map[*leaderCall]struct{}
	added  chan struct{} // a call was bound: the tick is needed
}

type leaderCall struct {
	id     raft.ServerID
	cancel context.CancelCauseFunc
}

// leaderWatchTick is the safety net's interval.
const leaderWatchTick = time.Second

func newLeaderWatch(leader func() raft.ServerID) *leaderWatch {
	return &leaderWatch{leader: leader, calls: map[*leaderCall]struct{}{}, added: make(chan struct{}, 1)}
}

// bound returns ctx, also cancelled (cause errLeaderChanged) when Raft no longer names id the
// leader. The CancelFunc must be called when the call is over.
func (w *leaderWatch) bound(ctx context.Context, id raft.ServerID) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithCancelCause(ctx)
	if w.leader() != id {
		cancel(errLeaderChanged)
		return cctx, func() {}
	}
	c := &leaderCall{id: id, cancel: cancel}
	w.mu.Lock()
	w.calls[c] = struct{}{}
	w.mu.Unlock()
	select {
	case w.added <- struct{}{}:
	default:
	}
	return cctx, func() {
		w.mu.Lock()
		delete(w.calls, c)
		w.mu.Unlock()
		cancel(context.Canceled)
	}
}

// watching reports whether any call is bound.
func (w *leaderWatch) watching() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.calls) > 0
}

// check cancels the calls bound to a node Raft no longer names the leader.
func (w *leaderWatch) check() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.calls) == 0 {
		return
	}
	cur := w.leader()
	for c := range w.calls {
		if c.id != cur {
			c.cancel(errLeaderChanged)
			delete(w.calls, c)
		}
	}
}

// run checks at every leader observation of r and every tick until ctx ends; changed is called
// at every observation (the outbox drainer starts as soon as there is a leader again).
func (w *leaderWatch) run(ctx context.Context, r *raft.Raft, changed func()) {
	obs := make(chan raft.Observation, 16)
	o := raft.NewObserver(obs, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.LeaderObservation)
		return ok
	})
	r.RegisterObserver(o)
	defer r.DeregisterObserver(o)
	t := time.NewTicker(leaderWatchTick)
	defer t.Stop()
	for {
		var tick <-chan time.Time
		if w.watching() {
			tick = t.C
		}
		select {
		case <-ctx.Done():
			return
		case <-obs:
			changed()
		case <-tick:
		case <-w.added:
		}
		w.check()
	}
}

// callLeaderAt calls method on the leader id at addr, bound to Raft still naming it the leader.
func (n *Node) callLeaderAt(ctx context.Context, addr raft.ServerAddress, id raft.ServerID, method string, in, out any) error {
	ctx, cancel := n.leaders.bound(ctx, id)
	defer cancel()
	err := n.rpc.call(ctx, string(addr), method, in, out)
	if err != nil && leaderChanged(ctx) {
		return fmt.Errorf("%w: %w", errLeaderChanged, err)
	}
	return err
}

// leaderChanged reports whether ctx ended because the leader it was bound to is no longer one.
func leaderChanged(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), errLeaderChanged)
}
