package replication

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	autopilot "github.com/hashicorp/raft-autopilot"
)

// maxVoters caps the voters of an office: five tolerate two failures, and more voters only slow
// commits down. Every other member is a non-voter that gets the log and can be promoted.
const maxVoters = 5

// AutopilotTuning holds the membership timings.
type AutopilotTuning struct {
	// Stabilization is how long a non-voter must stay healthy before it is promoted (default 5 s;
	// none while the office has fewer than three voters).
	Stabilization time.Duration
	// DeadServer is how long a member may stay unreachable before the leader removes it from the
	// configuration (default 30 min). A removed node that comes back registers again.
	DeadServer time.Duration
	// DemoteAfter is how long a voter may stop answering the leader before it is demoted to a
	// non-voter (default 15 s: longer than a Wi-Fi hiccup or an election, short enough that the
	// office keeps its quorum as laptops close one by one). The voters then follow the members
	// that answer: an odd number, at most maxVoters (voters.go).
	DemoteAfter time.Duration
	// NoDemotion keeps every voter whatever it answers, as before voters followed availability:
	// stable non-voters are promoted up to maxVoters and nobody is demoted but a member that quits.
	NoDemotion bool
}

// defaultDemoteAfter is AutopilotTuning.DemoteAfter's default.
const defaultDemoteAfter = 15 * time.Second

// pilot runs hashicorp/raft-autopilot on the leader: health of every member (last contact, term
// and index compared to the leader's), promotion of stable non-voters up to maxVoters, and removal
// of members unreachable for longer than DeadServer. It is autopilot's application delegate.
type pilot struct {
	n    *Node
	ap   *autopilot.Autopilot
	conf autopilot.Config

	// demoteAfter is AutopilotTuning.DemoteAfter; 0 when voters do not follow availability.
	demoteAfter time.Duration

	mu       sync.Mutex
	lastSeen map[raft.ServerID]time.Time
	// missedSince is when a member first left a stats poll unanswered since its last answer; a
	// member that answered its last poll is not in it. Silence is counted from there (statsIdle).
	missedSince map[raft.ServerID]time.Time
	answers     map[raft.ServerID]answer // each member's last answer, reused while the office is calm
	gone        map[raft.ServerID]bool   // quit or left: not promoted again until it registers
	uptime      map[raft.ServerID]*uptime
	silent      map[raft.ServerID]bool // logged as not answering (once per outage)
	lastPlan    string                 // the voter changes logged last
}

var _ autopilot.ApplicationIntegration = (*pilot)(nil)

func newPilot(n *Node, t AutopilotTuning, hlog hclog.Logger) *pilot {
	if t.Stabilization <= 0 {
		t.Stabilization = 5 * time.Second
	}
	if t.DeadServer <= 0 {
		t.DeadServer = 30 * time.Minute
	}
	if t.DemoteAfter <= 0 {
		t.DemoteAfter = defaultDemoteAfter
	}
	p := &pilot{n: n, lastSeen: map[raft.ServerID]time.Time{}, missedSince: map[raft.ServerID]time.Time{},
		answers: map[raft.ServerID]answer{}, gone: map[raft.ServerID]bool{}, uptime: map[raft.ServerID]*uptime{},
		silent: map[raft.ServerID]bool{}}
	if !t.NoDemotion {
		p.demoteAfter = t.DemoteAfter
	}
	p.conf = autopilot.Config{
		CleanupDeadServers:      true,
		LastContactThreshold:    3 * time.Second,
		MaxTrailingLogs:         500,
		MinQuorum:               3,
		ServerStabilizationTime: t.Stabilization,
		Ext:                     t.DeadServer,
	}
	p.ap = autopilot.New(pilotRaft{n.raft, n}, p,
		autopilot.WithLogger(hlog),
		autopilot.WithPromoter(&promoter{p: p}),
		autopilot.WithUpdateInterval(statsRound),
		autopilot.WithReconcileInterval(2*time.Second))
	return p
}

// pilotRaft is Raft as autopilot sees it. Autopilot reads one field of raft.Stats (the last log
// term) on every update, every statsRound; Stats asks Raft's main loop for the configuration and
// formats two dozen fields for it, a tenth of an idle leader's autopilot time.
type pilotRaft struct {
	*raft.Raft
	n *Node
}

func (r pilotRaft) Stats() map[string]string {
	return map[string]string{"last_log_term": strconv.FormatUint(r.n.localStats().LastTerm, 10)}
}

// run starts autopilot while this node leads and stops it when it does not. It wakes only when
// Raft's state (or the configuration) changes (confWatch): an idle office has no timer here.
func (p *pilot) run() {
	running := false
	for {
		// Read after taking the change to wait for, so no change between the two is missed.
		changed := p.n.conf.next()
		leader := p.n.raft.State() == raft.Leader
		switch {
		case leader && !running:
			p.forgetPolls()
			if !p.startOnTheBeat() {
				return
			}
		case !leader && running:
			<-p.ap.Stop()
		}
		running = leader
		select {
		case <-p.n.ctx.Done():
			return
		case <-changed:
		}
	}
}

// startOnTheBeat starts autopilot on the next whole second, false if the node closed first.
// Autopilot's update and reconcile tickers start with it, so they tick on whole seconds, with the
// voters' heartbeats (voterDue) and every tenth second with the non-voters' and the relay's
// keep-alives: their timers end in one wake-up of the idle leader (nextBeat), not in one more
// each every two seconds at the moment this node happened to become leader.
func (p *pilot) startOnTheBeat() bool {
	t := time.NewTimer(time.Until(nextBeat(time.Now(), time.Second)))
	defer t.Stop()
	select {
	case <-p.n.ctx.Done():
		return false
	case <-t.C:
	}
	if p.n.ctx.Err() != nil {
		return false
	}
	p.ap.Start(p.n.ctx)
	return true
}

func (p *pilot) stop() { <-p.ap.Stop() }

func (p *pilot) deadAfter() time.Duration { return p.conf.Ext.(time.Duration) }

// departed marks a member that quit or left: unhealthy, never promoted, until it registers again.
func (p *pilot) departed(id raft.ServerID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gone[id] = true
}

// back clears departed when a member registers again.
func (p *pilot) back(id raft.ServerID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.gone, id)
	delete(p.missedSince, id)
	delete(p.answers, id)
	p.lastSeen[id] = time.Now()
}

// health is the leader's view: node ID to healthy.
func (p *pilot) health() map[string]bool {
	out := map[string]bool{}
	st := p.ap.GetState()
	if st == nil {
		return out
	}
	for id, s := range st.Servers {
		out[string(id)] = s.Health.Healthy
	}
	return out
}

func (p *pilot) AutopilotConfig() *autopilot.Config {
	c := p.conf
	return &c
}

func (p *pilot) NotifyState(*autopilot.State) {}

// KnownServers is the Raft configuration with each member's liveness as this leader sees it.
func (p *pilot) KnownServers() map[raft.ServerID]*autopilot.Server {
	cfg, err := p.n.configuration()
	if err != nil {
		return nil
	}
	_, leader := p.n.raft.LeaderWithID()
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[raft.ServerID]*autopilot.Server{}
	for _, s := range cfg.Servers {
		if _, ok := p.lastSeen[s.ID]; !ok {
			p.lastSeen[s.ID] = now // a member first seen now: the silence logs count from here
		}
		status := autopilot.NodeAlive
		switch {
		case s.ID == p.n.selfID:
		case p.gone[s.ID]:
			status = autopilot.NodeLeft
		case p.unreachable(s.ID, now) > p.deadAfter():
			status = autopilot.NodeFailed
		}
		// Every member may vote: autopilot counts potential voters when it decides whether removing
		// a dead one is safe.
		out[s.ID] = &autopilot.Server{ID: s.ID, Name: string(s.ID), Address: s.Address, NodeStatus: status,
			RaftVersion: raft.ProtocolVersionMax, IsLeader: s.ID == leader, NodeType: autopilot.NodeVoter}
	}
	return out
}

// FetchServerStats asks the members for their Raft stats, each member only when its last answer
// may have changed (quiet.go's calm rule); the others' last answers stand. One that does not answer
// is reported as never in contact, so it turns unhealthy at once rather than keeping its last good
// stats.
func (p *pilot) FetchServerStats(ctx context.Context, servers map[raft.ServerID]*autopilot.Server) map[raft.ServerID]*autopilot.ServerStats {
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[raft.ServerID]*autopilot.ServerStats{}
	put := func(id raft.ServerID, st raftStats) {
		mu.Lock()
		defer mu.Unlock()
		out[id] = &autopilot.ServerStats{LastContact: st.LastContact, LastTerm: st.LastTerm, LastIndex: st.LastIndex}
	}
	now, index := time.Now(), p.n.raft.LastIndex()
	cfg, _ := p.n.configuration()
	for id, s := range servers {
		if id == p.n.selfID {
			st := p.n.localStats()
			put(id, *st)
			p.answered(id, st, now)
			continue
		}
		if st, ok := p.calm(id, now, index, p.answerStands(cfg, id)); ok {
			put(id, st)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var st raftStats
			if err := p.n.rpc.call(ctx, string(s.Address), "stats", nil, &st); err != nil {
				p.answered(id, nil, time.Now())
				st = raftStats{LastContact: -1}
			} else {
				st = nonVoterHealth(st, suffrageOf(cfg, id))
				p.answered(id, &st, time.Now())
			}
			put(id, st)
		}()
	}
	wg.Wait()
	return out
}

// nonVoterHealth is a member's answer as autopilot's health rule should read it. A non-voter's
// Raft contact time says when the leader's last heartbeat came, and the leader spaces those to
// nonVoterBeat (heartbeats.go), far past the 3 s LastContactThreshold: read as it is, every idle
// non-voter would turn unhealthy and never be promoted. Its answer to this poll is itself contact
// with the leader, so a non-voter whose Raft still has a leader (contact within its
// nonVoterTimeout) counts as in contact now; one whose Raft lost its leader, or never had one,
// keeps its own figure. Its log index and term are read as for everyone: a non-voter that is
// behind or missed this leader's entries is still unhealthy.
func nonVoterHealth(st raftStats, suffrage raft.ServerSuffrage) raftStats {
	if suffrage == raft.Nonvoter && st.LastContact >= 0 && st.LastContact < nonVoterTimeout {
		st.LastContact = 0
	}
	return st
}

// suffrageOf is id's suffrage in cfg; a server not in it counts as a voter.
func suffrageOf(cfg raft.Configuration, id raft.ServerID) raft.ServerSuffrage {
	for _, s := range cfg.Servers {
		if s.ID == id {
			return s.Suffrage
		}
	}
	return raft.Voter
}

// unreachable is how long id has left the leader's polls unanswered: from the first poll it
// missed, as for a demotion (voters.go). Its last answer may be much older while it stands in a
// calm office (quiet.go) without the member being asked; p.mu must be held.
func (p *pilot) unreachable(id raft.ServerID, now time.Time) time.Duration {
	since, missed := p.missedSince[id]
	if !missed {
		return 0
	}
	return now.Sub(since)
}

// RemoveFailedServer removes a member unreachable for longer than DeadServer. Autopilot also
// reports members that quit (NodeLeft); they stay listed until that long has passed too.
func (p *pilot) RemoveFailedServer(s *autopilot.Server) {
	p.mu.Lock()
	away := p.unreachable(s.ID, time.Now())
	p.mu.Unlock()
	if away <= p.deadAfter() || s.ID == p.n.selfID {
		return
	}
	p.n.log.Info("removing a dead member", "node", s.ID, "unreachable for", away.Round(time.Second))
	go func() {
		if err := p.n.raft.RemoveServer(s.ID, 0, 10*time.Second).Error(); err != nil {
			p.n.log.Warn("remove dead member", "node", s.ID, "err", err)
		}
	}()
}

// minSafeVoters is the smallest office that survives the loss of a voter.
const minSafeVoters = 3

// promoter decides autopilot's promotions and demotions. By default the voters follow the
// members that answer the leader (planVoters, voters.go); with NoDemotion it only grows the voter
// set (growVoters).
type promoter struct {
	autopilot.StablePromoter
	p *pilot
}

func (pr *promoter) CalculatePromotionsAndDemotions(c *autopilot.Config, s *autopilot.State) autopilot.RaftChanges {
	// Voting rights come from the latest configuration, not from s, which may be a round old
	// (candidates says why). Without it no change is safe.
	cfg, err := pr.p.n.configuration()
	if err != nil {
		pr.p.n.log.Debug("voters: no configuration to plan on", "err", err)
		return autopilot.RaftChanges{}
	}
	voters := voterCount(cfg)
	minStable := s.ServerStabilizationTime(c)
	if voters < minSafeVoters {
		minStable = 0
	}
	if pr.p.demoteAfter > 0 {
		ch := planVoters(pr.p.candidates(s, cfg, time.Now(), minStable), pr.p.demoteAfter)
		pr.p.logPlan(ch)
		return ch
	}
	return growVoters(s, cfg, voters, minStable)
}

// growVoters promotes stable non-voters, in node ID order, while there are fewer than maxVoters
// voters. Below minSafeVoters a healthy non-voter is promoted without waiting to be stable: an
// office of one or two voters survives no failure, so a new office tolerates one as soon as its
// first members caught up. As in candidates, only a member whose address in the state is the
// configuration's.
func growVoters(s *autopilot.State, cfg raft.Configuration, voters int, minStable time.Duration) autopilot.RaftChanges {
	var stable []raft.ServerID
	now := time.Now()
	for _, cs := range cfg.Servers {
		srv, ok := s.Servers[cs.ID]
		if ok && cs.Suffrage == raft.Nonvoter && srv.Health.IsStable(now, minStable) && srv.Server.Address == cs.Address {
			stable = append(stable, cs.ID)
		}
	}
	slices.Sort(stable)
	var ch autopilot.RaftChanges
	for _, id := range stable {
		if voters >= maxVoters {
			break
		}
		ch.Promotions = append(ch.Promotions, id)
		voters++
	}
	return ch
}
