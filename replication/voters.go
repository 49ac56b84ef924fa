package replication

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/hashicorp/raft"
	autopilot "github.com/hashicorp/raft-autopilot"
)

// Voters follow availability. Laptops are closed without a goodbye, so a voter set fixed at the
// office's size loses its quorum once a majority of the laptops sleep, even while two people are
// still working. The leader therefore demotes a voter that has not answered it for DemoteAfter
// (while the voters that answer keep a majority of the smaller set), and keeps an odd number of
// voters, at most maxVoters, among the members that answer: two members on, one voter; three or
// four, three. The members that are on the most are preferred. A demoted member stays in the
// configuration, gets the log when it wakes, and is promoted again once it is healthy and stable.
// Every change is a single-server Raft configuration change committed by a majority of the new
// voter set: nothing ever commits on a minority (DESIGN.md argues it).

// uptimeHalfLife is how fast the leader forgets whether a member answered: a member's uptime share
// is an average of its answers weighted by their age with this half-life.
const uptimeHalfLife = time.Hour

// uptime is a member's share of the time it answered the leader.
type uptime struct {
	share float64
	at    time.Time
}

// observe adds an answer (on: it answered) seen at now.
func (u *uptime) observe(now time.Time, on bool) {
	if !u.at.IsZero() {
		w := 1 - math.Exp2(-now.Sub(u.at).Seconds()/uptimeHalfLife.Seconds())
		x := 0.0
		if on {
			x = 1
		}
		u.share += w * (x - u.share)
	}
	u.at = now
}

// votersFor is how many voters an office wants when answering members answer: odd, at least
// one, at most maxVoters. An even count tolerates no more failures than the odd count below it
// and needs one more computer on to commit.
func votersFor(answering int) int {
	if answering < 1 {
		return 1
	}
	if answering%2 == 0 {
		answering--
	}
	return min(answering, maxVoters)
}

// votersWanted is how many voters an office of members wants when all of them answer.
func (p *pilot) votersWanted(members int) int {
	if p.demoteAfter == 0 {
		return maxVoters
	}
	return votersFor(members)
}

// answered records one stats poll of a member at now: its answer, nil when it did not answer. A
// member that stays silent longer than a hiccup is logged once when it goes and once when it is back.
func (p *pilot) answered(id raft.ServerID, st *raftStats, now time.Time) {
	ok := st != nil
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.uptime[id]
	if u == nil {
		u = &uptime{}
		p.uptime[id] = u
	}
	u.observe(now, ok)
	if !ok {
		delete(p.answers, id)
		since, missed := p.missedSince[id]
		if !missed {
			since = now
			p.missedSince[id] = now
		}
		if !p.silent[id] && now.Sub(since) > p.conf.LastContactThreshold {
			p.silent[id] = true
			p.n.log.Info("member stopped answering", "node", id, "since", p.lastSeen[id].Format(time.TimeOnly))
		}
		return
	}
	if p.silent[id] {
		delete(p.silent, id)
		p.n.log.Info("member answers again", "node", id, "after", now.Sub(p.lastSeen[id]).Round(time.Second))
	}
	delete(p.missedSince, id)
	p.answers[id] = answer{st: *st, at: now}
	p.lastSeen[id] = now
}

// logPlan logs the voter changes autopilot is about to make, once per distinct plan (autopilot
// asks every reconcile round, and a change that cannot commit yet is planned again).
func (p *pilot) logPlan(ch autopilot.RaftChanges) {
	plan := fmt.Sprint(ch.Promotions, ch.Demotions)
	p.mu.Lock()
	defer p.mu.Unlock()
	if plan == p.lastPlan {
		return
	}
	p.lastPlan = plan
	if len(ch.Promotions)+len(ch.Demotions) > 0 {
		p.n.log.Info("voters follow the members that answer", "promote", ch.Promotions, "demote", ch.Demotions)
	}
}

// candidate is one member as planVoters sees it.
type candidate struct {
	id      raft.ServerID
	voter   bool
	leader  bool
	gone    bool          // quit or left
	silent  time.Duration // since the first poll it left unanswered (0: it answered the last one)
	contact bool          // answered within a hiccup: it acknowledges the leader's entries
	ready   bool          // healthy for long enough to get a vote
	uptime  float64
}

// candidates is autopilot's state joined with what this leader observed of each member. Who votes
// is read from cfg, the latest Raft configuration, not from the state: autopilot refreshes its
// state every statsRound and keeps the old one when a refresh fails (a slow member under load), so
// the state may still count a voter the previous round demoted, and a plan on it demotes one more.
// A server the configuration no longer holds is left out.
//
// A member is ready for a vote only at the address the configuration holds for it: autopilot
// promotes at the address of its state, and a member that moved since (restarted on another port)
// got its old address back, was cut off and removed as dead (a CI failure of
// TestClusterMembershipChanges). It is promoted in a later round, once the state caught up.
func (p *pilot) candidates(s *autopilot.State, cfg raft.Configuration, now time.Time, minStable time.Duration) []candidate {
	suffrage := make(map[raft.ServerID]raft.ServerSuffrage, len(cfg.Servers))
	addr := make(map[raft.ServerID]raft.ServerAddress, len(cfg.Servers))
	for _, srv := range cfg.Servers {
		suffrage[srv.ID], addr[srv.ID] = srv.Suffrage, srv.Address
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]candidate, 0, len(s.Servers))
	for id, srv := range s.Servers {
		sf, ok := suffrage[id]
		if !ok {
			continue
		}
		// A vote goes only to a member whose health is from a fresh answer, not one a calm office
		// let stand for a few seconds (quiet.go): it may have fallen asleep since.
		fresh := now.Sub(p.lastSeen[id]) <= freshAnswer
		c := candidate{id: id, voter: sf == raft.Voter, leader: id == s.Leader || id == p.n.selfID,
			gone: p.gone[id], ready: srv.Health.Healthy && srv.Health.IsStable(now, minStable) && fresh &&
				srv.Server.Address == addr[id]}
		if !c.leader {
			c.silent = p.unreachable(id, now)
		}
		c.contact = c.silent <= p.conf.LastContactThreshold
		if u := p.uptime[id]; u != nil {
			c.uptime = u.share
		}
		out = append(out, c)
	}
	return out
}

// planVoters is the change towards the voter set the office wants, as autopilot applies it:
// demotions of voters silent for demoteAfter first (each only while the voters in contact keep a
// majority of the smaller set), then, once no silent voter is left, the answering voters brought
// to votersFor(answering members): the lowest-ranked demoted, the best-ranked ready non-voters
// promoted. Rank: the leader, members in contact, the larger uptime share, current voters, node ID.
func planVoters(cs []candidate, demoteAfter time.Duration) autopilot.RaftChanges {
	cs = slices.Clone(cs)
	slices.SortFunc(cs, func(a, b candidate) int {
		return cmp.Or(-cmpBool(a.leader, b.leader), -cmpBool(a.contact, b.contact), -cmp.Compare(a.uptime, b.uptime),
			-cmpBool(a.voter, b.voter), cmp.Compare(a.id, b.id))
	})
	on := func(c candidate) bool { return !c.gone && c.silent < demoteAfter }
	answering, voters, inContact := 0, 0, 0
	for _, c := range cs {
		if on(c) {
			answering++
		}
		if c.voter {
			voters++
			if c.contact && !c.gone {
				inContact++
			}
		}
	}
	var ch autopilot.RaftChanges
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		if c.voter && !c.leader && !on(c) && 2*inContact > voters-1 {
			ch.Demotions = append(ch.Demotions, c.id)
			voters--
		}
	}
	stillOn := 0
	for _, c := range cs {
		if c.voter && on(c) {
			stillOn++
		}
	}
	if voters > stillOn {
		return ch // a silent voter keeps its vote for now: change nothing else
	}
	want := votersFor(answering)
	for i := len(cs) - 1; i >= 0 && voters > want; i-- {
		if c := cs[i]; c.voter && !c.leader && on(c) {
			ch.Demotions = append(ch.Demotions, c.id)
			voters--
		}
	}
	for _, c := range cs {
		if voters >= want {
			break
		}
		if !c.voter && on(c) && c.ready {
			ch.Promotions = append(ch.Promotions, c.id)
			voters++
		}
	}
	return ch
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	default:
		return -1
	}
}

// voterCount is how many of cfg's servers vote.
func voterCount(cfg raft.Configuration) int {
	voters := 0
	for _, s := range cfg.Servers {
		if s.Suffrage == raft.Voter {
			voters++
		}
	}
	return voters
}
