package replication

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	autopilot "github.com/hashicorp/raft-autopilot"
)

func TestVotersFor(t *testing.T) {
	for answering, want := range []int{1, 1, 1, 3, 3, 5, 5, 5, 5} {
		if got := votersFor(answering); got != want {
			t.Errorf("votersFor(%d) = %d, want %d", answering, got, want)
		}
	}
}

func TestUptimeShare(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	on, off := &uptime{}, &uptime{}
	for i := range 600 {
		now := t0.Add(time.Duration(i) * time.Second)
		on.observe(now, true)
		off.observe(now, i%2 == 0)
	}
	if !(on.share > off.share && off.share > 0) {
		t.Fatalf("always on %.4f, half the time %.4f: want the first larger and both above 0", on.share, off.share)
	}
}

// TestPlanVoters: the voter set follows the members that answer the leader.
func TestPlanVoters(t *testing.T) {
	const after = 15 * time.Second
	member := func(id string, voter bool, silent time.Duration, uptime float64) candidate {
		return candidate{id: raft.ServerID(id), voter: voter, silent: silent, contact: silent <= 3*time.Second,
			ready: silent <= 3*time.Second, uptime: uptime}
	}
	leader := func(id string) candidate {
		c := member(id, true, 0, 1)
		c.leader = true
		return c
	}
	ids := func(s []raft.ServerID) []string {
		out := []string{}
		for _, id := range s {
			out = append(out, string(id))
		}
		return out
	}
	cases := []struct {
		name            string
		cs              []candidate
		promote, demote []string
	}{
		{"five on: nothing to do",
			[]candidate{leader("a"), member("b", true, 0, .9), member("c", true, 0, .9), member("d", true, 0, .9), member("e", true, 0, .9)},
			nil, nil},
		{"a voter silent past the limit is demoted, then the four left become three (the least on goes)",
			[]candidate{leader("a"), member("b", true, 20*time.Second, .9), member("c", true, 0, .5), member("d", true, 0, .8), member("e", true, 0, .9)},
			nil, []string{"b", "c"}},
		{"a hiccup shorter than the limit changes nothing",
			[]candidate{leader("a"), member("b", true, 14*time.Second, .9), member("c", true, 0, .5)},
			nil, nil},
		{"no demotion without a majority of the smaller voter set in contact",
			[]candidate{leader("a"), member("b", true, 20*time.Second, .9), member("c", true, 20*time.Second, .9)},
			nil, nil},
		{"two on: one voter, the leader",
			[]candidate{leader("a"), member("b", true, 0, .9), member("c", false, time.Hour, .9)},
			nil, []string{"b"}},
		{"members back: the most-on ready non-voters are promoted up to three",
			[]candidate{leader("a"), member("b", false, 0, .2), member("c", false, 0, .7), member("d", false, 0, .9)},
			[]string{"d", "c"}, nil},
		{"a non-voter not stable yet waits; a stable one is promoted",
			[]candidate{leader("a"), func() candidate { c := member("b", false, 0, .9); c.ready = false; return c }(), member("c", false, 0, .1)},
			[]string{"c"}, nil},
		{"a member that quit is not counted and loses a vote it still has",
			[]candidate{leader("a"), member("b", true, 0, .9), member("c", true, 0, .9), func() candidate { c := member("d", true, 0, .9); c.gone = true; return c }()},
			nil, []string{"d"}},
		{"six on: five voters",
			[]candidate{leader("a"), member("b", true, 0, .9), member("c", true, 0, .9), member("d", true, 0, .9), member("e", false, 0, .9), member("f", false, 0, .8)},
			[]string{"e"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ch := planVoters(tc.cs, after)
			if got := ids(ch.Promotions); !slices.Equal(got, append([]string{}, tc.promote...)) {
				t.Errorf("promotions %v, want %v", got, tc.promote)
			}
			if got := ids(ch.Demotions); !slices.Equal(got, append([]string{}, tc.demote...)) {
				t.Errorf("demotions %v, want %v", got, tc.demote)
			}
		})
	}
}

// votersState is autopilot's state and the Raft configuration of an office whose members (the
// first one leads) all vote, are healthy and have been stable for an hour at t0.
func votersState(t0 time.Time, ids ...raft.ServerID) (*autopilot.State, raft.Configuration) {
	s := &autopilot.State{Leader: ids[0], Servers: map[raft.ServerID]*autopilot.ServerState{}}
	var cfg raft.Configuration
	for _, id := range ids {
		s.Servers[id] = &autopilot.ServerState{Server: autopilot.Server{ID: id}, State: autopilot.RaftVoter,
			Health: autopilot.ServerHealth{Healthy: true, StableSince: t0.Add(-time.Hour)}}
		cfg.Servers = append(cfg.Servers, raft.Server{ID: id, Suffrage: raft.Voter})
	}
	return s, cfg
}

// TestVotesFromTheLatestConfiguration: autopilot keeps its last state when a refresh fails, so a
// round after the leader demoted the sleeper z and the fifth voter e, the state may still count
// five voters. The plan must count the three of the configuration and demote nobody more; on the
// stale count it demoted another answering voter and left the office two voters, one of which
// could be the next to sleep (a CI failure of TestAvailabilityOfficeSleepsOneByOne).
func TestVotesFromTheLatestConfiguration(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	p := testPilot()
	state, cfg := votersState(t0, "a", "b", "c", "e", "z")
	for i := range cfg.Servers {
		if id := cfg.Servers[i].ID; id == "e" || id == "z" {
			cfg.Servers[i].Suffrage = raft.Nonvoter
		}
	}
	now := t0.Add(p.demoteAfter + 5*time.Second)
	for at := t0; !at.After(now); at = at.Add(time.Second) {
		for _, id := range []raft.ServerID{"a", "b", "c", "e"} {
			p.answered(id, &raftStats{LastIndex: 10, LastTerm: 2}, at)
		}
		p.answered("z", nil, at.Add(500*time.Millisecond))
	}
	// c is on the least: the next to go on a count of four voters.
	shares := map[raft.ServerID]float64{"a": .9, "b": .9, "c": .2, "e": .9, "z": .5}
	for id, u := range p.uptime {
		u.share = shares[id]
	}
	state.Servers["gone"] = &autopilot.ServerState{Server: autopilot.Server{ID: "gone"}, State: autopilot.RaftVoter}

	cs := p.candidates(state, cfg, now, 0)
	voters := map[raft.ServerID]bool{}
	for _, c := range cs {
		if c.id == "gone" {
			t.Errorf("a server the configuration no longer holds is a candidate")
		}
		voters[c.id] = c.voter
	}
	if want := map[raft.ServerID]bool{"a": true, "b": true, "c": true, "e": false, "z": false}; !maps.Equal(voters, want) {
		t.Errorf("voting rights %v, want the configuration's %v", voters, want)
	}
	if ch := planVoters(cs, p.demoteAfter); len(ch.Demotions)+len(ch.Promotions) != 0 {
		t.Errorf("plan on the latest configuration: promote %v demote %v, want no change", ch.Promotions, ch.Demotions)
	}
}

// TestNoPromotionAtAnOldAddress: autopilot promotes a member at the address of its state. One that
// came back on another port after its state was last refreshed is not promoted, by the voter plan
// or by NoDemotion's plain growth, until the state has its new address: promoted at the old one it
// was cut off and removed as dead (a CI failure of TestClusterMembershipChanges).
func TestNoPromotionAtAnOldAddress(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	p := testPilot()
	state, cfg := votersState(t0, "a", "b", "c")
	for i, srv := range cfg.Servers {
		cfg.Servers[i].Address = raft.ServerAddress(srv.ID) + ":1"
		state.Servers[srv.ID].Server.Address = cfg.Servers[i].Address
	}
	// c quit (and lost its vote) and came back on another port.
	cfg.Servers[2].Suffrage, cfg.Servers[2].Address = raft.Nonvoter, "c:2"
	state.Servers["c"].State = autopilot.RaftNonVoter
	now := t0.Add(10 * time.Second)
	for at := t0; !at.After(now); at = at.Add(time.Second) {
		for _, id := range []raft.ServerID{"a", "b", "c"} {
			p.answered(id, &raftStats{LastIndex: 10, LastTerm: 2}, at)
		}
	}
	plans := func() (planned, grown []raft.ServerID) {
		return planVoters(p.candidates(state, cfg, now, 0), p.demoteAfter).Promotions, growVoters(state, cfg, 2, 0).Promotions
	}
	if planned, grown := plans(); len(planned)+len(grown) != 0 {
		t.Errorf("promoted at the state's old address: plan %v, growth %v; want none", planned, grown)
	}
	state.Servers["c"].Server.Address = "c:2" // the state caught up
	if planned, grown := plans(); !slices.Equal(planned, []raft.ServerID{"c"}) || !slices.Equal(grown, []raft.ServerID{"c"}) {
		t.Errorf("at its new address: plan %v, growth %v; want c promoted by both", planned, grown)
	}
}
