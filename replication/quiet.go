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
// without contact. A leader that quits hands over leadership at once (no timeout involved), and
// sends made while there is no leader wait in the outbox, so a crashed or sleeping leader's laptop
// costs the others writes for 10-20 s, not messages.
//
// Raft checks that LeaderLeaseTimeout (how long a leader keeps leading without hearing from a
// quorum) is at most HeartbeatTimeout, and only HeartbeatTimeout can be changed while running. The
// lease must outlast the longest gap between heartbeats (HeartbeatTimeout/5), so a node starts
// with HeartbeatTimeout equal to the lease (the first election of a new office takes 3-6 s instead
// of 1-2 s) and lengthens it once it has seen a leader.
const (
	heartbeatStart = 3 * time.Second
	heartbeatIdle  = 10 * time.Second
	leaderLease    = 3 * time.Second
)

// officeTiming sets a member's Raft timing for its start (a standalone node keeps Raft's defaults:
// it has nobody to send heartbeats to, and its single-voter election is quickest).
func officeTiming(rc *raft.Config) {
	rc.HeartbeatTimeout = heartbeatStart
	rc.ElectionTimeout = heartbeatStart
	rc.LeaderLeaseTimeout = leaderLease
}

// quietHeartbeats lengthens HeartbeatTimeout to heartbeatIdle once this member has seen a leader.
func (n *Node) quietHeartbeats() {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		if addr, _ := n.raft.LeaderWithID(); addr != "" {
			break
		}
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
	}
	rc := n.raft.ReloadableConfig()
	rc.HeartbeatTimeout, rc.ElectionTimeout = heartbeatIdle, heartbeatIdle
	if err := n.raft.ReloadConfig(rc); err != nil {
		n.log.Warn("raft: could not lengthen the heartbeat timeout", "err", err)
	}
}
