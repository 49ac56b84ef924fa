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
// moves or stays still, and holds a non-voter's at nonVoterTimeout (the leader spaces its
// heartbeats: heartbeats.go). It starts busy (a new member, an election) and waits for a leader
// first. It looks again when the configuration or Raft's state changes (a promotion lowers the
// timeout at once), while busy every quietCheck, and while idle when the log moves: an idle
// office has no timer here.
func (n *Node) quietHeartbeats() {
	t := time.NewTicker(quietCheck)
	defer t.Stop()
	current := heartbeatBusy
	applied, movedAt := n.fsm.appliedIndex(), time.Now()
	for {
		changed, moved := n.conf.next(), n.fsm.moved()
		if i := n.fsm.appliedIndex(); i != applied {
			applied, movedAt = i, time.Now()
		}
		want := n.heartbeatTimeout(time.Since(movedAt))
		if want != current {
			rc := n.raft.ReloadableConfig()
			rc.HeartbeatTimeout, rc.ElectionTimeout = want, want
			if err := n.raft.ReloadConfig(rc); err != nil {
				n.log.Warn("raft: could not change the heartbeat timeout", "to", want, "err", err)
			} else {
				current = want
			}
		}
		var tick <-chan time.Time
		switch current {
		case heartbeatBusy:
			tick, moved = t.C, nil
		case nonVoterTimeout:
			moved = nil
		}
		select {
		case <-n.ctx.Done():
			return
		case <-tick:
		case <-moved:
		case <-changed:
		}
	}
}

// heartbeatTimeout is the HeartbeatTimeout this member wants when its log last moved quiet ago.
func (n *Node) heartbeatTimeout(quiet time.Duration) time.Duration {
	if n.isNonVoter(n.selfID) {
		return nonVoterTimeout
	}
	if addr, _ := n.raft.LeaderWithID(); addr != "" && quiet >= quietAfter {
		return heartbeatIdle
	}
	return heartbeatBusy
}

// Autopilot's stats polls. The leader's autopilot looks at every member each statsRound, and each
// look was a `stats` call to every member: with fourteen members, fourteen node-service round
// trips a second, the largest part of an idle leader's CPU once the heartbeats were spaced out.
// A member's answer (its last log index and term, and how long since it heard from the leader)
// tells nothing new while the leader's log has not moved since and the member was caught up and in
// contact: then the last answer stands for up to statsIdle. A member that is behind, out of
// contact, or did not answer its last poll is asked every round, and so is every member in the
// round after the leader's log moved (a write, a configuration change): while anything changes,
// autopilot sees what it saw before.
//
// A non-voter's answer matters only for a promotion, and while the office has all the voters it
// wants (votersWanted of its members) nobody can be promoted: then a calm non-voter's answer
// stands for up to nonVoterStatsIdle. Any change that could make room for a vote (a demotion, a
// member leaving) moves the log, and the next round asks everyone.
//
// What a calm office gives up is how soon a member that stops answering is first missed: at most
// statsIdle later (a voter; a non-voter's silence changes nothing while the voters are full).
// Its silence is counted from that first unanswered poll (voters.go), so a member away for a moment
// is never counted silent for longer than it was, and a sleeping voter is demoted DemoteAfter
// after the first poll it missed: 16-25 s after it fell asleep in an idle office, 16-20 s in a
// busy one (the first missed poll, its timeout of half a round, DemoteAfter, the next reconcile).
//
// A member is promoted only on a fresh answer (freshAnswer), so a non-voter that fell asleep
// while its last answer stood is not given a vote: it is asked again first.
const (
	statsRound        = 2 * time.Second
	statsIdle         = 5 * time.Second
	nonVoterStatsIdle = 30 * time.Second
	// freshAnswer is a round and a half: a member asked every round always has an answer this young.
	freshAnswer = statsRound + statsRound/2
)

// answer is a member's last answer to a stats poll and when it came.
type answer struct {
	st raftStats
	at time.Time
}

// calm is the member's last answer when it may stand for this round: it came less than stand ago
// (answerStands), the member was in contact and held the leader's whole log (index, now at this
// leader), and the member answered its last poll (a member that missed one has no stored answer).
func (p *pilot) calm(id raft.ServerID, now time.Time, index uint64, stand time.Duration) (raftStats, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	a, ok := p.answers[id]
	if !ok || now.Sub(a.at) >= stand || a.st.LastIndex != index ||
		a.st.LastContact < 0 || a.st.LastContact > p.conf.LastContactThreshold {
		return raftStats{}, false
	}
	return a.st, true
}

// answerStands is how long a calm member's answer may stand in an office of configuration cfg:
// nonVoterStatsIdle for a non-voter while the voters are as many as the office wants, statsIdle
// otherwise.
func (p *pilot) answerStands(cfg raft.Configuration, id raft.ServerID) time.Duration {
	voters, nonVoter := 0, false
	for _, s := range cfg.Servers {
		switch {
		case s.Suffrage == raft.Voter:
			voters++
		case s.ID == id:
			nonVoter = true
		}
	}
	if nonVoter && voters >= p.votersWanted(len(cfg.Servers)) {
		return nonVoterStatsIdle
	}
	return statsIdle
}

// forgetPolls drops the answers and misses of an earlier term as leader: this leadership asks
// every member afresh and counts silence from its own polls.
func (p *pilot) forgetPolls() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.answers)
	clear(p.missedSince)
}
