package replication

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// TestSelfCommitWithoutTheLeadersWord: in an office of three voters whose leader never tells the
// followers a commit (no notices, CommitTimeout of an hour), each follower still applies a lone
// entry and publishes its push: it counted the entry committed once it had stored it.
func TestSelfCommitWithoutTheLeadersWord(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	nodes, logs := noticeOffice(t, ctx)
	pollUntil(t, func() bool {
		cfg, err := nodes[0].configuration()
		return err == nil && voterCount(cfg) == 3
	})
	registerUsers(t, ctx, nodes[0], 2)
	nodes[0].notices.close() // the leader says nothing more

	if res, err := nodes[0].Propose(ctx, sendCommand(t, "u0", "u1", "lone")); err != nil || res.Err != nil {
		t.Fatalf("send: %v %v", err, res)
	}
	last := nodes[0].AppliedIndex()
	wait, stop := context.WithTimeout(ctx, 30*time.Second)
	defer stop()
	for i, n := range nodes[1:] {
		if err := n.fsm.waitApplied(wait, last); err != nil {
			t.Fatalf("%s never applied the lone entry %d: %v", n.selfID, last, err)
		}
		checkPushes(t, n.selfID, logs[i+1].all(), 1)
	}
}

// TestCountsItself: a follower counts a commit itself only where it and the leader are a majority
// of the voters.
func TestCountsItself(t *testing.T) {
	cfg := func(servers ...raft.Server) raft.Configuration { return raft.Configuration{Servers: servers} }
	voter := func(id raft.ServerID) raft.Server { return raft.Server{ID: id, Suffrage: raft.Voter} }
	nonvoter := func(id raft.ServerID) raft.Server { return raft.Server{ID: id, Suffrage: raft.Nonvoter} }
	for _, c := range []struct {
		name   string
		cfg    raft.Configuration
		leader raft.ServerID
		want   bool
	}{
		{"three voters", cfg(voter("l"), voter("me"), voter("x")), "l", true},
		{"two voters", cfg(voter("l"), voter("me")), "l", true},
		{"three voters and non-voters", cfg(voter("l"), voter("me"), voter("x"), nonvoter("y"), nonvoter("z")), "l", true},
		{"four voters", cfg(voter("l"), voter("me"), voter("x"), voter("y")), "l", false},
		{"five voters", cfg(voter("l"), voter("me"), voter("x"), voter("y"), voter("z")), "l", false},
		{"this member a non-voter", cfg(voter("l"), nonvoter("me"), voter("x")), "l", false},
		{"the leader removing itself", cfg(nonvoter("l"), voter("me"), voter("x")), "l", false},
		{"the leader not in it", cfg(voter("me"), voter("x")), "l", false},
		{"no leader known", cfg(voter("l"), voter("me"), voter("x")), "", false},
	} {
		if got := countsItself(c.cfg, "me", c.leader); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
