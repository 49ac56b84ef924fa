package replication

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// A call bound to a leader ends when Raft names another leader, and only then.
func TestLeaderWatchEndsCallsToAFormerLeader(t *testing.T) {
	var cur atomic.Value
	cur.Store(raft.ServerID("a"))
	w := newLeaderWatch(func() raft.ServerID { return cur.Load().(raft.ServerID) })
	ctx, done := w.bound(context.Background(), "a")
	defer done()
	w.check()
	if ctx.Err() != nil {
		t.Fatalf("the leader did not change, yet the call ended: %v", context.Cause(ctx))
	}
	if stale, done2 := w.bound(context.Background(), "b"); !leaderChanged(stale) {
		t.Fatal("a call bound to a node that is not the leader was not ended at once")
	} else {
		done2()
	}
	cur.Store(raft.ServerID(""))
	w.check()
	if !leaderChanged(ctx) {
		t.Fatalf("Raft has no leader any more, yet the call goes on: %v", context.Cause(ctx))
	}
	if len(w.calls) != 0 {
		t.Fatalf("%d calls still watched", len(w.calls))
	}
}

// A leader that froze (its kernel completes the TCP connect, nothing answers the TLS handshake) is
// not waited for once Raft gave up on it: the dial ends with errLeaderChanged, as a dial error
// (the request was never sent, so the write may go to the next leader).
func TestForwardToFrozenLeaderEndsWithTheLeader(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // never accepts: the backlog completes connects
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var cur atomic.Value
	cur.Store(raft.ServerID("frozen"))
	n := &Node{leaders: newLeaderWatch(func() raft.ServerID { return cur.Load().(raft.ServerID) }),
		rpc: newRPCClient(&tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true}, streamRPC)}
	defer n.rpc.close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	errc := make(chan error, 1)
	go func() {
		errc <- n.callLeaderAt(ctx, raft.ServerAddress(ln.Addr().String()), "frozen", "apply", applyArgs{}, nil)
	}()
	// Raft's heartbeat timeout passes: the node no longer names the frozen leader.
	cur.Store(raft.ServerID(""))
	var got error
	for got == nil {
		n.leaders.check()
		select {
		case got = <-errc:
		case <-time.After(10 * time.Millisecond):
		}
	}
	if !errors.Is(got, errLeaderChanged) || !isDialError(got) {
		t.Fatalf("the forward to a frozen former leader ended with %v, want errLeaderChanged as a dial error", got)
	}
	if ctx.Err() != nil {
		t.Fatal("the forward outlived its own deadline")
	}
}
