package replication

import (
	"math/rand/v2"
	"time"

	"github.com/hashicorp/raft"
)

// An office's Raft timing, by role. The leader sends every follower a heartbeat every
// HeartbeatTimeout/10 to HeartbeatTimeout/5 (hashicorp/raft's fixed ratio), the main cost of an
// idle leader once commit notices made the 10 ms CommitTimeout unnecessary; a follower starts an
// election once its leader has been silent for its own HeartbeatTimeout, checked at random
// moments HeartbeatTimeout to twice that apart. One timeout for every role made a busy office
// choose between a chatty idle leader and a slow election: at 3 s, a sleeping leader's office
// went 3-9 s without writes.
//
// Raft checks that LeaderLeaseTimeout (how long a leader keeps leading without hearing from a
// quorum) is at most HeartbeatTimeout, the lease is fixed at start, and a leader must hear from
// a quorum within it, so it bounds both sides: the leader's heartbeats must come more often
// (HeartbeatTimeout/5 of the leader's timeout, with room for a slow round trip), and no follower
// can give up on its leader sooner. So:
//   - the leader's timeout is heartbeatLeader, idle or busy: Raft sends heartbeats 0.5-1 s
//     apart, and the voters' leave together on whole seconds (heartbeats.go);
//   - a voter that follows waits heartbeatBusy while entries are applied and heartbeatIdle once
//     nothing was applied for quietAfter (a crashed leader noticed after 10-30 s while nobody
//     writes); while busy it also looks at its leader's last contact every contactCheck, and
//     once that is older than contactLimit, two heartbeats' time (plus a random part, so that
//     the voters do not all stand at once), it lowers its timeout to contactLimit: Raft looks at
//     once and starts an election. Every busy voter does the same, so a sleeping leader is
//     replaced 2-3 s after its last heartbeat (pre-vote needs a quorum of voters that lost it
//     too), and a voter that misses one heartbeat under load does not give up on its leader;
//   - a non-voter waits nonVoterTimeout (the leader spaces its heartbeats: heartbeats.go).
//
// A leader that quits hands over leadership at once, whatever the timeout, and sends made while
// there is no leader wait in the outbox.
const (
	leaderLease     = 1500 * time.Millisecond
	heartbeatLeader = 5 * time.Second
	heartbeatBusy   = 3 * time.Second
	heartbeatIdle   = 10 * time.Second
	// quietAfter: this long without an applied entry, the office counts as idle.
	quietAfter = 30 * time.Second
	// contactCheck is how often a busy voter looks at its leader's last contact; it gives up on
	// the leader after contactLimit and up to contactJitter more, drawn at each look.
	contactCheck  = 250 * time.Millisecond
	contactLimit  = 2 * time.Second
	contactJitter = 500 * time.Millisecond
)

// officeTiming sets a member's Raft timing for its start (a standalone node keeps Raft's defaults:
// it has nobody to send heartbeats to, and its single-voter election is quickest).
func officeTiming(rc *raft.Config) {
	rc.HeartbeatTimeout = heartbeatBusy
	rc.ElectionTimeout = heartbeatBusy
	rc.LeaderLeaseTimeout = leaderLease
}

// roleTiming is what heartbeatTimeout decides from.
type roleTiming struct {
	state    raft.RaftState
	nonVoter bool
	leader   bool          // this member knows a leader
	quiet    time.Duration // since its log last moved
	contact  time.Duration // since it last heard from the leader
	patience time.Duration // the random part added to contactLimit this time
}

// heartbeatTimeout is the HeartbeatTimeout a member wants in role r.
func heartbeatTimeout(r roleTiming) time.Duration {
	switch {
	case r.nonVoter:
		return nonVoterTimeout
	case r.state == raft.Leader:
		return heartbeatLeader
	case r.leader && r.quiet >= quietAfter:
		return heartbeatIdle
	case r.contact > contactLimit+r.patience:
		return contactLimit
	}
	return heartbeatBusy
}

// quietHeartbeats keeps this member's HeartbeatTimeout at what its role wants (heartbeatTimeout).
// It looks again when the configuration or Raft's state changes (a promotion, an election), while
// a busy voter every contactCheck, and while idle when the log moves: an idle office has no timer
// here.
func (n *Node) quietHeartbeats() {
	t := time.NewTicker(contactCheck)
	defer t.Stop()
	current := heartbeatBusy
	applied, movedAt := n.fsm.appliedIndex(), time.Now()
	for {
		changed, moved := n.conf.next(), n.fsm.moved()
		if i := n.fsm.appliedIndex(); i != applied {
			applied, movedAt = i, time.Now()
		}
		addr, _ := n.raft.LeaderWithID()
		want := heartbeatTimeout(roleTiming{state: n.raft.State(), nonVoter: n.isNonVoter(n.selfID),
			leader: addr != "", quiet: time.Since(movedAt), contact: time.Since(n.raft.LastContact()),
			patience: rand.N(contactJitter)})
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
		case heartbeatBusy, contactLimit:
			tick, moved = t.C, nil
		case heartbeatLeader, nonVoterTimeout:
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
