package replication

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	autopilot "github.com/hashicorp/raft-autopilot"
)

// testPilot is a pilot with the default tuning and no Raft: enough for its bookkeeping.
func testPilot() *pilot {
	n := &Node{log: slog.New(slog.NewTextHandler(io.Discard, nil)), selfID: "a"}
	return newPilot(n, AutopilotTuning{}, hclog.NewNullLogger())
}

// TestStatsPollsWhenCalm: a member's last answer stands only while it can tell nothing new (the
// leader's log did not move, the member held all of it and was in contact, the answer is recent);
// in every other case the member is asked again.
func TestStatsPollsWhenCalm(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	p := testPilot()
	p.answered("b", &raftStats{LastIndex: 10, LastTerm: 2, LastContact: time.Second}, t0)
	p.answered("behind", &raftStats{LastIndex: 9, LastTerm: 2, LastContact: time.Second}, t0)
	p.answered("out of contact", &raftStats{LastIndex: 10, LastTerm: 2, LastContact: 4 * time.Second}, t0)
	p.answered("never heard the leader", &raftStats{LastIndex: 10, LastTerm: 2, LastContact: -1}, t0)
	cases := []struct {
		id    raft.ServerID
		after time.Duration
		index uint64 // the leader's
		calm  bool
	}{
		{"b", time.Second, 10, true},
		{"b", statsIdle - time.Millisecond, 10, true},
		{"b", statsIdle, 10, false},   // too old
		{"b", time.Second, 11, false}, // the leader's log moved
		{"behind", time.Second, 10, false},
		{"out of contact", time.Second, 10, false},
		{"never heard the leader", time.Second, 10, false},
		{"unknown", time.Second, 10, false},
	}
	for _, c := range cases {
		if _, calm := p.calm(c.id, t0.Add(c.after), c.index, statsIdle); calm != c.calm {
			t.Errorf("%s after %v at the leader's index %d: calm %v, want %v", c.id, c.after, c.index, calm, c.calm)
		}
	}
	if st, _ := p.calm("b", t0.Add(time.Second), 10, statsIdle); st.LastIndex != 10 || st.LastTerm != 2 || st.LastContact != time.Second {
		t.Errorf("reused answer %+v, want b's own", st)
	}
	// A missed poll drops the answer: the member is asked every round until it answers again.
	p.answered("b", nil, t0.Add(2*time.Second))
	if _, calm := p.calm("b", t0.Add(3*time.Second), 10, statsIdle); calm {
		t.Error("b missed a poll but its old answer was reused")
	}
	p.answered("b", &raftStats{LastIndex: 10, LastTerm: 2, LastContact: time.Second}, t0.Add(3*time.Second))
	if _, calm := p.calm("b", t0.Add(4*time.Second), 10, statsIdle); !calm {
		t.Error("b answered again but is not calm")
	}
	// A new term as leader asks everyone afresh.
	p.forgetPolls()
	if _, calm := p.calm("b", t0.Add(4*time.Second), 10, statsIdle); calm {
		t.Error("an answer from an earlier leadership was reused")
	}
}

// TestSilenceCountsFromTheFirstMissedPoll: in a calm office a member is asked every statsIdle, so
// its last answer may be that old when it goes away. Its silence is counted from the first poll it
// left unanswered, not from that answer: a member away for a moment is not demoted for the calm
// seconds before, and one that stays away reaches the demotion time DemoteAfter after it was missed.
func TestSilenceCountsFromTheFirstMissedPoll(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	p := testPilot()
	state, cfg := votersState(t0, "a", "b", "c")
	for _, id := range []raft.ServerID{"a", "b", "c"} {
		p.answered(id, &raftStats{LastIndex: 10, LastTerm: 2, LastContact: time.Second}, t0)
	}
	silence := func(at time.Duration) map[raft.ServerID]candidate {
		out := map[raft.ServerID]candidate{}
		for _, c := range p.candidates(state, cfg, t0.Add(at), 0) {
			out[c.id] = c
		}
		return out
	}
	// b answered at t0, went away, and missed its poll at t0+4.9 s (the office was calm), then the
	// polls of every second after.
	for s := 4900 * time.Millisecond; s <= 8*time.Second; s += time.Second {
		p.answered("b", nil, t0.Add(s))
	}
	p.answered("c", &raftStats{LastIndex: 10, LastTerm: 2, LastContact: time.Second}, t0.Add(8*time.Second))
	cs := silence(8 * time.Second)
	if cs["b"].silent != 3100*time.Millisecond || cs["b"].contact {
		t.Errorf("b: silent %v, contact %v; want 3.1s (since its first missed poll) and out of contact", cs["b"].silent, cs["b"].contact)
	}
	if cs["c"].silent != 0 || !cs["c"].contact || cs["a"].silent != 0 {
		t.Errorf("c silent %v contact %v, leader silent %v: want 0, true, 0", cs["c"].silent, cs["c"].contact, cs["a"].silent)
	}
	if ch := planVoters(slicesOf(cs), p.demoteAfter); len(ch.Demotions) != 0 {
		t.Errorf("b demoted after 3.1 s of silence: %v", ch.Demotions)
	}
	// Still away DemoteAfter after its first missed poll: demoted (and c with it: two members on
	// keep one voter).
	cs = silence(4900*time.Millisecond + p.demoteAfter)
	if ch := planVoters(slicesOf(cs), p.demoteAfter); len(ch.Demotions) == 0 || ch.Demotions[0] != "b" {
		t.Errorf("b silent for %v: changes %+v, want b demoted", cs["b"].silent, ch)
	}
	// Back: not silent any more.
	p.answered("b", &raftStats{LastIndex: 10, LastTerm: 2, LastContact: time.Second}, t0.Add(30*time.Second))
	if cs := silence(30 * time.Second); cs["b"].silent != 0 || !cs["b"].contact {
		t.Errorf("b answered again: silent %v contact %v", cs["b"].silent, cs["b"].contact)
	}
}

func slicesOf(m map[raft.ServerID]candidate) []candidate {
	var out []candidate
	for _, c := range m {
		out = append(out, c)
	}
	return out
}

// TestPromotionNeedsAFreshAnswer: a healthy, stable non-voter whose last answer was let stand in a
// calm office is not promoted until it answers again.
func TestPromotionNeedsAFreshAnswer(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	p := testPilot()
	state, cfg := votersState(t0, "a", "b", "c")
	state.Servers["c"].State = autopilot.RaftNonVoter
	cfg.Servers[2].Suffrage = raft.Nonvoter
	for _, id := range []raft.ServerID{"a", "b", "c"} {
		p.answered(id, &raftStats{LastIndex: 10, LastTerm: 2, LastContact: time.Second}, t0)
	}
	promoted := func(at time.Duration) bool {
		ch := planVoters(p.candidates(state, cfg, t0.Add(at), 0), p.demoteAfter)
		return slices.Contains(ch.Promotions, "c")
	}
	if !promoted(time.Second) {
		t.Fatal("c answered a second ago and is not promoted")
	}
	// Asked every round, an answer is at most a round old plus its own delay (at most half a round).
	if !promoted(statsRound + statsRound/2) {
		t.Fatalf("c answered in the last round, %v ago, and is not promoted", statsRound+statsRound/2)
	}
	if _, calm := p.calm("c", t0.Add(2*statsRound), 10, statsIdle); !calm || promoted(2*statsRound) {
		t.Fatalf("c's answer of %v ago stands, and it was promoted on it", 2*statsRound)
	}
	p.answered("c", &raftStats{LastIndex: 10, LastTerm: 2, LastContact: time.Second}, t0.Add(5*time.Second))
	if !promoted(5 * time.Second) {
		t.Fatal("c answered again and is not promoted")
	}
}

// TestNonVoterAnswersStandLonger: while the office has all the voters it wants, a calm non-voter's
// answer stands for nonVoterStatsIdle (nobody can be promoted, so its answer decides nothing); a
// voter's, and a non-voter's while there is room for a vote, stand for statsIdle.
func TestNonVoterAnswersStandLonger(t *testing.T) {
	p := testPilot()
	office := func(voters, nonVoters int) raft.Configuration {
		var cfg raft.Configuration
		for i := range voters + nonVoters {
			s := raft.Server{ID: raft.ServerID(fmt.Sprintf("m%02d", i)), Suffrage: raft.Voter}
			if i >= voters {
				s.Suffrage = raft.Nonvoter
			}
			cfg.Servers = append(cfg.Servers, s)
		}
		return cfg
	}
	cases := []struct {
		voters, nonVoters int
		id                raft.ServerID
		want              time.Duration
	}{
		{5, 10, "m07", nonVoterStatsIdle}, // 15 members want 5 voters: full
		{5, 10, "m01", statsIdle},         // a voter
		{1, 1, "m01", nonVoterStatsIdle},  // two members want one voter
		{3, 2, "m03", statsIdle},          // five members want five: room for a vote
		{2, 1, "m02", statsIdle},
		{3, 1, "m03", nonVoterStatsIdle},
	}
	for _, c := range cases {
		if got := p.answerStands(office(c.voters, c.nonVoters), c.id); got != c.want {
			t.Errorf("%d voters, %d non-voters, %s: stands %v, want %v", c.voters, c.nonVoters, c.id, got, c.want)
		}
	}
	// Without demotion the office wants maxVoters whatever its size.
	p.demoteAfter = 0
	if got := p.answerStands(office(3, 1), "m03"); got != statsIdle {
		t.Errorf("no demotion, 3 voters and a non-voter: stands %v, want %v", got, statsIdle)
	}
	// A non-voter's answer of 20 s ago stands while the voters are full, a voter's does not.
	t0 := time.Unix(1_000_000, 0)
	p.answered("m07", &raftStats{LastIndex: 10, LastTerm: 2, LastContact: 0}, t0)
	p.answered("m01", &raftStats{LastIndex: 10, LastTerm: 2, LastContact: time.Second}, t0)
	p.demoteAfter = defaultDemoteAfter
	full := office(5, 10)
	if _, calm := p.calm("m07", t0.Add(20*time.Second), 10, p.answerStands(full, "m07")); !calm {
		t.Error("a calm non-voter of a full office was asked again after 20 s")
	}
	if _, calm := p.calm("m01", t0.Add(20*time.Second), 10, p.answerStands(full, "m01")); calm {
		t.Error("a voter's answer of 20 s ago stood")
	}
}

// TestTimingByRole: the leader keeps one timeout whatever the log does; a voter that follows waits
// longer once the office is idle, and gives up on a silent leader after contactLimit (plus its
// random part) while busy, before its own timeout; a non-voter waits longest.
func TestTimingByRole(t *testing.T) {
	jitter := contactJitter / 2
	cases := []struct {
		name string
		r    roleTiming
		want time.Duration
	}{
		{"leader, busy", roleTiming{state: raft.Leader, leader: true}, heartbeatLeader},
		{"leader, idle", roleTiming{state: raft.Leader, leader: true, quiet: time.Hour}, heartbeatLeader},
		{"voter, busy, in contact", roleTiming{state: raft.Follower, leader: true, contact: 500 * time.Millisecond, patience: jitter}, heartbeatBusy},
		{"voter, busy, silent leader within its patience", roleTiming{state: raft.Follower, leader: true, contact: contactLimit + jitter, patience: jitter}, heartbeatBusy},
		{"voter, busy, silent leader", roleTiming{state: raft.Follower, leader: true, contact: contactLimit + jitter + time.Millisecond, patience: jitter}, contactLimit},
		{"voter, idle, silent leader", roleTiming{state: raft.Follower, leader: true, quiet: quietAfter, contact: 5 * time.Second}, heartbeatIdle},
		{"voter, idle, no leader", roleTiming{state: raft.Follower, quiet: time.Hour, contact: time.Hour}, contactLimit},
		{"candidate", roleTiming{state: raft.Candidate, contact: time.Hour}, contactLimit},
		{"non-voter", roleTiming{state: raft.Follower, nonVoter: true, leader: true, contact: time.Hour}, nonVoterTimeout},
	}
	for _, c := range cases {
		if got := heartbeatTimeout(c.r); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

// TestTimingKeepsRaftsRules: every timeout a member may switch to passes Raft's check against the
// lease fixed at start (ReloadConfig refuses one that does not), the leader's longest gap between
// heartbeats leaves a third of the lease for a slow round trip, and a busy voter's contact check
// gives up on a silent leader after two heartbeats' time, and before its own timeout would.
func TestTimingKeepsRaftsRules(t *testing.T) {
	rc := raft.DefaultConfig()
	rc.LocalID = "a"
	officeTiming(rc)
	for _, d := range []time.Duration{contactLimit, heartbeatLeader, heartbeatBusy, heartbeatIdle, nonVoterTimeout} {
		c := *rc
		c.HeartbeatTimeout, c.ElectionTimeout = d, d
		if err := raft.ValidateConfig(&c); err != nil {
			t.Errorf("timeout %v: %v", d, err)
		}
	}
	if gap := heartbeatLeader / 5; gap > leaderLease*2/3 {
		t.Errorf("the leader's heartbeats come up to %v apart: too close to the %v lease", gap, leaderLease)
	}
	if contactLimit < 2*voterBeat {
		t.Errorf("a busy voter gives up on its leader after %v, less than two heartbeats (%v apart)", contactLimit, voterBeat)
	}
	if contactLimit+contactJitter+contactCheck >= heartbeatBusy {
		t.Errorf("a busy voter gives up on its leader after up to %v, its own timeout is %v", contactLimit+contactJitter+contactCheck, heartbeatBusy)
	}
}

// TestCalmMemberIsNotDead: a calm member is not asked while its last answer stands, so that answer
// may be older than DeadServer; the member is still not unreachable. Only polls left unanswered
// count, from the first one missed (CI removed a live, calm voter while another was killed, and
// the office lost its quorum).
func TestCalmMemberIsNotDead(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	n := &Node{log: slog.New(slog.NewTextHandler(io.Discard, nil)), selfID: "a"}
	p := newPilot(n, AutopilotTuning{DeadServer: 2 * time.Second}, hclog.NewNullLogger())
	p.answered("calm", &raftStats{LastIndex: 10, LastTerm: 2, LastContact: time.Second}, t0)
	p.answered("gone", &raftStats{LastIndex: 10, LastTerm: 2, LastContact: time.Second}, t0)
	for s := time.Second; s <= 4*time.Second; s += time.Second {
		p.answered("gone", nil, t0.Add(s))
	}
	at := t0.Add(4500 * time.Millisecond)
	if d := p.unreachable("calm", at); d != 0 {
		t.Errorf("a calm member whose answer stands is unreachable for %v", d)
	}
	if d := p.unreachable("gone", at); d != 3500*time.Millisecond || d <= p.deadAfter() {
		t.Errorf("a member that missed its polls since +1s is unreachable for %v at +4.5s, want 3.5s (past %v)", d, p.deadAfter())
	}
	p.answered("gone", &raftStats{LastIndex: 10, LastTerm: 2, LastContact: time.Second}, at)
	if d := p.unreachable("gone", at); d != 0 {
		t.Errorf("a member that answered again is unreachable for %v", d)
	}
}

// deadlineConn records the write deadlines set on a connection.
type deadlineConn struct {
	net.Conn
	mu     sync.Mutex
	writes []time.Time
}

func (c *deadlineConn) SetWriteDeadline(t time.Time) error {
	c.mu.Lock()
	c.writes = append(c.writes, t)
	c.mu.Unlock()
	return c.Conn.SetWriteDeadline(t)
}

// left is the write deadline the connection was left with, and whether one was set at all.
func (c *deadlineConn) left() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.writes) == 0 {
		return time.Time{}, false
	}
	return c.writes[len(c.writes)-1], slices.ContainsFunc(c.writes, func(t time.Time) bool { return !t.IsZero() })
}

// TestCallLeavesNoWriteDeadline: a node-service call bounds its writes on both sides with a
// deadline and clears it once the frame is written. A deadline left set keeps the runtime's timer,
// which fires at the deadline although nothing waits: an idle leader woke about twice a second,
// 10 s after each keep-alive and stats call it made or answered.
func TestCallLeavesNoWriteDeadline(t *testing.T) {
	cc, sc := net.Pipe()
	client, server := &deadlineConn{Conn: cc}, &deadlineConn{Conn: sc}
	s := newRPCServer(slog.New(slog.NewTextHandler(io.Discard, nil)), map[string]rpcHandler{
		"ping": func(context.Context, string, json.RawMessage) (any, error) { return "pong", nil },
	})
	served := make(chan struct{})
	go func() {
		defer close(served)
		s.serveConn(server)
	}()
	st := &rpcStream{c: client, pending: map[uint64]chan *rpcResponse{}, used: time.Now(), done: make(chan struct{})}
	go st.readLoop()
	resp, err := st.roundTrip(context.Background(), &rpcRequest{Method: "ping"})
	if err != nil || resp.Err != nil {
		t.Fatalf("call: %v %v", err, resp)
	}
	st.fail(net.ErrClosed)
	<-served // the server's call has written its response and returned
	for name, c := range map[string]*deadlineConn{"caller": client, "server": server} {
		if left, bounded := c.left(); !bounded || !left.IsZero() {
			t.Errorf("the %s's writes were bounded: %v; the deadline left set: %v", name, bounded, left)
		}
	}
}
