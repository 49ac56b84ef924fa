package replication

import (
	"context"
	"sync"

	"github.com/hashicorp/raft"
)

// Self-commits: in an office of at most three voters a follower knows an entry committed the
// moment it has stored it, without waiting for the leader to say so. The leader of a term is the
// only source of that term's entries and stores each durably before it sends it (hashicorp/raft's
// dispatchLogs appends, then wakes the replication), so an entry of the current term in this
// follower's log is held by two members: the leader and this one. With two or three voters that
// is a majority, which is Raft's rule for committing an entry of the leader's own term; entries
// before it are committed with it (Log Matching).
//
// A lone message then reaches a receiver on a follower without the follower's answer to the
// leader, the leader's commit and its notice: about half a millisecond of the path on loopback
// (replication/DESIGN.md, "Commit notices"). The notice still comes and finds the entry applied.
//
// The majority is counted in the configuration that governs the entry: the latest one in this
// follower's log, which Raft holds in memory and updates after each append. So an append that
// itself carries a configuration change is left to the leader's word, as is everything in an
// office of more voters. The leader must be a voter of that configuration: a leader removing
// itself still leads until the removal commits, without counting itself.

// selfCommitter hands this member's Raft the commit it can count itself, one at a time, the
// newest first: Raft is told through the same injected AppendEntries as a notice (tellCommitted).
type selfCommitter struct {
	n    *Node
	wake chan struct{}

	mu      sync.Mutex
	pending commitArgs // the newest entry counted committed and not yet handed over (Index 0: none)
	leader  raft.ServerID
}

func newSelfCommitter(n *Node) *selfCommitter {
	return &selfCommitter{n: n, wake: make(chan struct{}, 1)}
}

// stored is the log store's hook, called on Raft's goroutine after an append: logs are the
// entries just stored, in order.
func (s *selfCommitter) stored(logs []*raft.Log) {
	if len(logs) == 0 || !s.n.notices.ready.Load() { // ready: n.raft is set
		return
	}
	r := s.n.raft
	if r.State() != raft.Follower {
		return
	}
	last := logs[len(logs)-1]
	if last.Term != r.CurrentTerm() {
		return
	}
	for _, l := range logs {
		if l.Type == raft.LogConfiguration || l.Type == raft.LogAddPeerDeprecated || l.Type == raft.LogRemovePeerDeprecated {
			return
		}
	}
	_, leader := r.LeaderWithID()
	if !countsItself(r.GetConfiguration().Configuration(), s.n.selfID, leader) {
		return
	}
	s.mu.Lock()
	if last.Index > s.pending.Index {
		s.pending, s.leader = commitArgs{Term: last.Term, Index: last.Index, LogTerm: last.Term}, leader
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// countsItself reports whether the leader and this member make a majority of cfg's voters: both
// are voters and there are at most three.
func countsItself(cfg raft.Configuration, self, leader raft.ServerID) bool {
	if leader == "" || leader == self {
		return false
	}
	voters, both := 0, 0
	for _, s := range cfg.Servers {
		if s.Suffrage != raft.Voter {
			continue
		}
		voters++
		if s.ID == self || s.ID == leader {
			both++
		}
	}
	return both == 2 && voters <= 3
}

// run hands Raft the newest self-counted commit until ctx ends.
func (s *selfCommitter) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
		s.mu.Lock()
		a, leader := s.pending, s.leader
		s.pending = commitArgs{}
		s.mu.Unlock()
		if a.Index == 0 || s.n.raft.CommitIndex() >= a.Index {
			continue
		}
		s.n.tellCommitted(ctx, leader, a)
	}
}

// tellCommitted hands this member's Raft an AppendEntries with no entries that says what a real
// one from leader would: the entry a.Index of term a.LogTerm matches and is committed. Raft runs
// its own checks (the term, the log match) and applies up to there. It returns once Raft answered.
func (n *Node) tellCommitted(ctx context.Context, leader raft.ServerID, a commitArgs) {
	addr := n.memberAddr(leader)
	if addr == "" {
		return
	}
	req := &raft.AppendEntriesRequest{
		RPCHeader: raft.RPCHeader{ProtocolVersion: raft.ProtocolVersionMax, ID: []byte(leader),
			Addr: n.transport.EncodePeer(leader, addr)},
		Term:              a.Term,
		PrevLogEntry:      a.Index,
		PrevLogTerm:       a.LogTerm,
		LeaderCommitIndex: a.Index,
	}
	resp := make(chan raft.RPCResponse, 1)
	if err := n.noticeTr.inject(ctx, raft.RPC{Command: req, RespChan: resp}); err != nil {
		return
	}
	select {
	case <-resp:
	case <-ctx.Done():
	}
}
