package replication

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// contactWatch samples a follower's Raft every 20 ms until each returns true or for at most d:
// how many times its contact with the leader moved, and how many of those moved neither its log
// nor its applied index (heartbeats: the office's CommitTimeout is an hour, so an AppendEntries
// without entries is one, and a commit notice moves the applied index); whether it named leader at
// every sample; how long it watched. each is called at each sample with the contact's age.
func contactWatch(n *clusterNode, leader raft.ServerID, d time.Duration, each func(age time.Duration) bool) (moves, beats int, lostLeader bool, took time.Duration) {
	start := time.Now()
	last, index, applied := n.raft.LastContact(), n.raft.LastIndex(), n.AppliedIndex()
	for time.Since(start) < d {
		time.Sleep(20 * time.Millisecond)
		c, i, a := n.raft.LastContact(), n.raft.LastIndex(), n.AppliedIndex()
		if !c.Equal(last) {
			moves++
			if i == index && a == applied {
				beats++
			}
		}
		last, index, applied = c, i, a
		if _, id := n.raft.LeaderWithID(); id != leader {
			lostLeader = true
		}
		if each != nil && each(time.Since(c)) {
			break
		}
	}
	return moves, beats, lostLeader, time.Since(start)
}

// TestNonVotersGetFewerHeartbeats: in an idle office over real TCP the leader sends a non-voter a
// heartbeat about every nonVoterBeat, not every 0.5-1 s as its voters; the
// non-voter still names its leader all along (its own heartbeat timeout was raised to match), and
// the leader's autopilot counts it healthy while its Raft contact is far older than autopilot's 3 s
// threshold. Once a third member joins, both non-voters are promoted, their heartbeats come at a
// voter's rate at once and the leader keeps its lease (spaced heartbeats to the two new voters
// would cost the leader its quorum within the 1.5 s lease).
func TestNonVotersGetFewerHeartbeats(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tuning := func(c *Config) { c.Tuning.CommitTimeout = time.Hour }
	a := openClusterNode(t, "node-a", &ClusterConfig{Addr: "127.0.0.1:0",
		Autopilot: AutopilotTuning{Stabilization: 100 * time.Millisecond}}, tuning)
	if err := a.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	createOffice(t, ctx, a.Node)
	if err := a.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	join := func(id string) *clusterNode {
		code, err := a.Invite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := openClusterNode(t, id, &ClusterConfig{Addr: "127.0.0.1:0", JoinCode: code.Code}, tuning)
		if err := m.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
		return m
	}
	b := join("node-b") // an office of two keeps one voter: b is a non-voter
	if !a.isNonVoter("node-b") {
		t.Fatal("b of an office of two is a voter")
	}
	pollUntil(t, func() bool { return b.raft.ReloadableConfig().HeartbeatTimeout == nonVoterTimeout })

	// Watch until the leader's view has been checked for a second while b's Raft contact was past
	// autopilot's threshold (which the health rule is for), at most 45 s. The spaced heartbeats put
	// it there most of the time. The view may come from an earlier calm answer that still stands
	// (b is a non-voter of an office with all the voters it wants: up to nonVoterStatsIdle), so
	// without the health rule the samples are unhealthy only part of the time; TestNonVoterHealth
	// checks the rule itself.
	var checked, unhealthy int
	_, beats, lost, took := contactWatch(b, "node-a", 45*time.Second, func(age time.Duration) bool {
		if age > a.pilot.conf.LastContactThreshold {
			checked++
			if !a.pilot.health()["node-b"] {
				unhealthy++
			}
		}
		return checked >= 50
	})
	if limit := 1 + int(took/(nonVoterBeat/2)); beats > limit {
		t.Errorf("the non-voter had %d heartbeats in %v, want at most %d (one every %v)", beats, took.Round(time.Second), limit, nonVoterBeat)
	}
	if lost {
		t.Error("the non-voter lost its leader between spaced heartbeats")
	}
	// A loaded machine may delay a poll or two.
	if checked == 0 || unhealthy*4 > checked {
		t.Errorf("the leader found the non-voter unhealthy at %d of %d samples past %v (in %v)", unhealthy, checked, a.pilot.conf.LastContactThreshold, took.Round(time.Second))
	}

	join("node-c") // three members want three voters
	pollUntil(t, func() bool { return !a.isNonVoter("node-b") && !a.isNonVoter("node-c") })
	pollUntil(t, func() bool { return b.raft.ReloadableConfig().HeartbeatTimeout < nonVoterTimeout })
	moves, _, lost, _ := contactWatch(b, "node-a", 4*time.Second, nil)
	// A voter's heartbeats come every HeartbeatTimeout/10 to /5 of the leader (0.5-1 s); a held one once in 10 s.
	if moves < 2 || lost {
		t.Errorf("promoted b: its contact moved %d times in 4 s (want a voter's heartbeats, at least 2), lost its leader: %v", moves, lost)
	}
	if a.raft.State() != raft.Leader {
		t.Errorf("the leader lost its lease after promoting two members: %v", a.raft.State())
	}
}

// TestNonVoterHealth: autopilot reads a non-voter's answer as contact now while its Raft still has
// a leader; a voter's contact time, and a non-voter that lost or never had a leader, are read as
// they are.
func TestNonVoterHealth(t *testing.T) {
	cases := []struct {
		suffrage raft.ServerSuffrage
		contact  time.Duration
		want     time.Duration
	}{
		{raft.Nonvoter, 9 * time.Second, 0},
		{raft.Nonvoter, time.Second, 0},
		{raft.Nonvoter, nonVoterTimeout, nonVoterTimeout},
		{raft.Nonvoter, -1, -1},
		{raft.Voter, 9 * time.Second, 9 * time.Second},
	}
	for _, c := range cases {
		st := nonVoterHealth(raftStats{LastIndex: 7, LastTerm: 2, LastContact: c.contact}, c.suffrage)
		if st.LastContact != c.want || st.LastIndex != 7 || st.LastTerm != 2 {
			t.Errorf("suffrage %v, contact %v: %+v, want contact %v", c.suffrage, c.contact, st, c.want)
		}
	}
}

// TestSpacedHeartbeatGoesOnChange: a heartbeat held back for a non-voter goes as soon as the
// member is promoted or this node stops leading or closes, not when its gap (an hour here) is
// over. A promoted member's heartbeats must come at a voter's rate at once: the leader's lease
// counts its contact within 1.5 s.
func TestSpacedHeartbeatGoesOnChange(t *testing.T) {
	var mu sync.Mutex
	nonVoter, leading, changed, done := true, true, make(chan struct{}), make(chan struct{})
	set := func(f func()) {
		mu.Lock()
		defer mu.Unlock()
		f()
		close(changed)
		changed = make(chan struct{})
	}
	s := &beatSpacer{gap: time.Hour, last: map[raft.ServerID]time.Time{},
		nonVoter: func(raft.ServerID) bool { mu.Lock(); defer mu.Unlock(); return nonVoter },
		leading:  func() bool { mu.Lock(); defer mu.Unlock(); return leading },
		changes:  func() <-chan struct{} { mu.Lock(); defer mu.Unlock(); return changed },
		done:     done}
	held := func(what string, change func()) {
		t.Helper()
		s.last = map[raft.ServerID]time.Time{}
		s.space("b") // the first heartbeat: at once
		sent := make(chan struct{})
		go func() { s.space("b"); close(sent) }()
		set(func() {}) // a change that leaves b a non-voter and this node the leader: still held
		select {
		case <-sent:
			t.Fatalf("%s: the next heartbeat to a non-voter went before its gap", what)
		case <-time.After(100 * time.Millisecond):
		}
		change()
		select {
		case <-sent:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: the held heartbeat still waits for its gap", what)
		}
	}
	held("promoted", func() { set(func() { nonVoter = false }) })
	set(func() { nonVoter = true })
	held("stepped down", func() { set(func() { leading = false }) })
	set(func() { leading = true })
	held("closing", func() { close(done) })
}

// TestNonVoterBeatsLeaveTogether: the next heartbeat of each non-voter is due half a gap to one
// and a half gaps after its last, at a multiple of the gap, so non-voters whose last heartbeats
// went at different moments of a gap get the next ones together.
func TestNonVoterBeatsLeaveTogether(t *testing.T) {
	s := &beatSpacer{gap: 10 * time.Second}
	base := time.Unix(1_000_000, 0) // a multiple of 10 s
	want := base.Add(20 * time.Second)
	for _, after := range []time.Duration{6 * time.Second, 9 * time.Second, 14 * time.Second, 15 * time.Second} {
		last := base.Add(after)
		due := s.due(last)
		if !due.Equal(want) {
			t.Errorf("last heartbeat at +%v: next due at +%v, want +%v", after, due.Sub(base), want.Sub(base))
		}
		if gap := due.Sub(last); gap < s.gap/2 || gap > 3*s.gap/2 {
			t.Errorf("last heartbeat at +%v: %v until the next", after, gap)
		}
	}
	if !s.due(time.Time{}).IsZero() {
		t.Error("a member never sent a heartbeat waits for one")
	}
}

// TestVoterBeatsLineUp: Raft sends each voter's heartbeat at its own random moment; the spacer
// holds it to the next whole voterGap, so voters whose heartbeats fell due at different moments
// get them together, but never later than voterGap after the voter's last (the lease counts it),
// and at once when that is already past.
func TestVoterBeatsLineUp(t *testing.T) {
	s := &beatSpacer{gap: nonVoterBeat, voterGap: time.Second}
	k := time.Unix(1_000_000, 0) // a whole second
	ms := func(n int) time.Time { return k.Add(time.Duration(n) * time.Millisecond) }
	cases := []struct {
		name      string
		last, now time.Time
		want      time.Time
	}{
		{"sent at the last whole second, due again 0.5 s later", ms(2), ms(500), ms(1000)},
		{"another voter, due 0.9 s later", ms(3), ms(900), ms(1000)},
		{"last sent mid-second: not past a second after it", ms(500), ms(1200), ms(1500)},
		{"a late timer: past a second after the last", ms(2), ms(1100), ms(1100)},
		{"never sent (a new leadership)", time.Time{}, ms(400), ms(400)},
		{"last sent long ago (just promoted)", k.Add(-8 * time.Second), ms(400), ms(400)},
	}
	for _, c := range cases {
		if got := s.voterDue(c.last, c.now); !got.Equal(c.want) {
			t.Errorf("%s: due at %v, want %v", c.name, got.Sub(k), c.want.Sub(k))
		}
	}
}

// TestKeepAlivesLineUp: a relay pump that sent nothing keeps alive at the next multiple of
// relayKeepAlive, so pumps (of this member and of the others) whose last batches went at
// different moments send their keep-alives together, on a beat of the non-voters' heartbeats too,
// and never more than relayKeepAlive after their last batch (how long a crashed member's users
// still show online).
func TestKeepAlivesLineUp(t *testing.T) {
	base := time.Unix(1_000_000, 0) // a multiple of relayKeepAlive
	want := base.Add(relayKeepAlive)
	for _, after := range []time.Duration{0, time.Millisecond, 7 * time.Second, relayKeepAlive - time.Millisecond} {
		last := base.Add(after)
		due := keepAliveDue(last)
		if !due.Equal(want) {
			t.Errorf("last batch at +%v: keep-alive at +%v, want +%v", after, due.Sub(base), want.Sub(base))
		}
		if gap := due.Sub(last); gap <= 0 || gap > relayKeepAlive {
			t.Errorf("last batch at +%v: %v until the keep-alive", after, gap)
		}
	}
	if due := keepAliveDue(base); due.Sub(base)%nonVoterBeat != 0 {
		t.Errorf("keep-alive at +%v is not on a beat of the non-voters' heartbeats", due.Sub(base))
	}
}
