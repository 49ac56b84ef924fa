package replication

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"lanim/node/im"
	"lanim/node/openim"
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
	admin := im.Caller{UserID: openim.AdminUserID, Platform: openim.PlatformAdmin}
	const senders, each = 64, 40
	var users []im.NewUser
	for i := range 2 * senders {
		users = append(users, im.NewUser{UserID: fmt.Sprint("u", i), Nickname: fmt.Sprint("User ", i)})
	}
	register, err := im.NewCommand("user.register", admin, time.Now().UnixMilli(), "op", &im.RegisterUsers{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := leader.Propose(ctx, register); err != nil || res.Err != nil {
		t.Fatalf("register: %v %v", err, res)
	}
	var wg sync.WaitGroup
	errs := make(chan error, senders)
	for s := range senders {
		wg.Go(func() {
			from, to := fmt.Sprint("u", 2*s), fmt.Sprint("u", 2*s+1)
			for i := range each {
				res, err := leader.Propose(ctx, sendCommand(t, from, to, fmt.Sprintf("s%d-%d", s, i)))
				if err == nil && res.Err != nil {
					err = res.Err
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
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
