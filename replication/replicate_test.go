package replication

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"lanim/node/im"
)

// TestBurstReachesEveryFollower: after a burst of writes and nothing more, every follower's log
// holds the leader's last entry, with no AppendEntries on a timer to bring it (CommitTimeout of an
// hour). Pipelined replication sent at most MaxAppendEntries entries each time new entries woke it,
// and wake-ups that came while it was busy counted once: the tail of a burst waited for the next
// write, or for CommitTimeout (30 s in production), and that follower's users for their pushes.
func TestBurstReachesEveryFollower(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// node-c's disk is slow: it stores what the leader sends less quickly than the leader sends it.
	slowDisk := func(c *Config) {
		if c.NodeID == "node-c" {
			c.afterStore = func() { time.Sleep(20 * time.Millisecond) }
		}
	}
	nodes := officeOf3(t, ctx, []im.Sink{&pushLog{}, &pushLog{}, &pushLog{}},
		func(c *Config) { c.Tuning.CommitTimeout = time.Hour }, slowDisk)
	leader := nodes[0]
	const senders, each = 64, 40
	registerUsers(t, ctx, leader, 2*senders)
	converse(t, senders, each, func(_ int, _ string, cmd *im.Command) error {
		return proposed(leader.Propose(ctx, cmd))
	})
	last := leader.raft.LastIndex()
	deadline := time.Now().Add(20 * time.Second)
	for _, n := range nodes[1:] {
		for n.raft.LastIndex() < last {
			if time.Now().After(deadline) {
				t.Fatalf("%s holds entries up to %d only, 20 s after the burst ended at %d", n.selfID, n.raft.LastIndex(), last)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := n.fsm.waitApplied(ctx, last); err != nil {
			t.Fatalf("%s never applied %d: %v", n.selfID, last, err)
		}
	}
}

// TestMissedEntriesAreSentAgain: a follower that failed the AppendEntries carrying the last writes
// (out of reach for a moment) gets them once it answers again, with nothing more written and no
// AppendEntries on a timer (CommitTimeout of an hour). Raft sends a follower entries again only
// when new ones come or CommitTimeout passes (30 s in production): that member's users waited for
// the next write or up to a minute.
func TestMissedEntriesAreSentAgain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var away atomic.Bool
	outOfReach := func(c *Config) {
		if c.NodeID == "node-c" {
			c.refuseEntries = away.Load
		}
	}
	nodes := officeOf3(t, ctx, []im.Sink{&pushLog{}, &pushLog{}, &pushLog{}},
		func(c *Config) { c.Tuning.CommitTimeout = time.Hour }, outOfReach)
	leader, c := nodes[0], nodes[2]
	// A promotion is a configuration entry, which would bring node-c the entries too.
	pollUntil(t, func() bool { return !leader.isNonVoter("node-c") })
	registerUsers(t, ctx, leader, 2)
	if err := c.fsm.waitApplied(ctx, leader.fsm.appliedIndex()); err != nil {
		t.Fatal(err)
	}
	away.Store(true)
	converse(t, 1, 5, func(_ int, _ string, cmd *im.Command) error { return proposed(leader.Propose(ctx, cmd)) })
	last := leader.fsm.appliedIndex() // the last message (a barrier after it never reaches an FSM)
	time.Sleep(300 * time.Millisecond)
	if got := c.fsm.appliedIndex(); got >= last {
		t.Fatalf("node-c applied %d while it refused the entries up to %d", got, last)
	}
	away.Store(false)
	wctx, wcancel := context.WithTimeout(ctx, 15*time.Second)
	defer wcancel()
	if err := c.fsm.waitApplied(wctx, last); err != nil {
		t.Fatalf("node-c applied %d of %d 15 s after it answered again: %v", c.fsm.appliedIndex(), last, err)
	}
}
