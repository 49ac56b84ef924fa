package replication

import (
	"time"

	"github.com/hashicorp/raft"
)

// An idle office's Raft timing. The leader sends every follower, voters and non-voters alike, a
// heartbeat every HeartbeatTimeout/10 to HeartbeatTimeout/5 (hashicorp/raft's fixed ratio): with
// its default of 1 s that is about 7 RPCs a second per follower, the main cost of an idle leader
// once commit notices made the 10 ms CommitTimeout unnecessary (about 150 CPU-seconds an hour for
// fourteen followers). A longer HeartbeatTimeout makes those rarer, at the price of noticing a
// crashed leader later: a follower starts an election only after HeartbeatTimeout to twice that
// without contact.
//
// So the timeout follows the log: 3 s while entries are being applied (heartbeats every 0.3-0.6 s,
// a crashed leader replaced in 3-6 s), 10 s once nothing was applied for quietAfter (heartbeats
// every 1-2 s, a crashed leader noticed after 10-20 s, while nobody writes). A leader that quits
// hands over leadership at once, whatever the timeout, and sends made while there is no leader
// wait in the outbox.
//
// Raft checks that LeaderLeaseTimeout (how long a leader keeps leading without hearing from a
// quorum) is at most HeartbeatTimeout, and only HeartbeatTimeout can be changed while running. The
// lease must outlast the longest gap between heartbeats (HeartbeatTimeout/5), so the busy timeout
// equals the lease: the first election of a new office takes 3-6 s instead of 1-2 s.
const (
	heartbeatBusy = 3 * time.Second
	heartbeatIdle = 10 * time.Second
	leaderLease   = 3 * time.Second
	// quietAfter: this long without an applied entry, the office counts as idle.
	quietAfter = 30 * time.Second
	// quietCheck is how often a member looks at its applied index.
	quietCheck = 5 * time.Second
)

// officeTiming sets a member's Raft timing for its start (a standalone node keeps Raft's defaults:
// it has nobody to send heartbeats to, and its single-voter election is quickest).
func officeTiming(rc *raft.Config) {
	rc.HeartbeatTimeout = heartbeatBusy
	rc.ElectionTimeout = heartbeatBusy
	rc.LeaderLeaseTimeout = leaderLease
}

// quietHeartbeats switches HeartbeatTimeout between heartbeatBusy and heartbeatIdle as the log
// moves or stays still. It starts busy (a new member, an election) and waits for a leader first.
func (n *Node) quietHeartbeats() {
	t := time.NewTicker(quietCheck)
	defer t.Stop()
	current := heartbeatBusy
	applied, moved := n.fsm.appliedIndex(), time.Now()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
		if i := n.fsm.appliedIndex(); i != applied {
			applied, moved = i, time.Now()
		}
		want := heartbeatBusy
		if addr, _ := n.raft.LeaderWithID(); addr != "" && time.Since(moved) >= quietAfter {
			want = heartbeatIdle
		}
		if want == current {
			continue
		}
		rc := n.raft.ReloadableConfig()
		rc.HeartbeatTimeout, rc.ElectionTimeout = want, want
		if err := n.raft.ReloadConfig(rc); err != nil {
			n.log.Warn("raft: could not change the heartbeat timeout", "to", want, "err", err)
			continue
		}
		current = want
	}
}
