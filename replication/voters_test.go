package replication

import (
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/raft"
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
