package replication

import (
	"context"
	"time"

	"github.com/hashicorp/raft"

	"lanim/node/im"
	"lanim/node/store"
)

// Status is one node's view of its office.
type Status struct {
	OfficeID     string
	OfficeName   string
	NodeID       string
	LeaderID     string
	AppliedIndex uint64
	// StateDigest is store.DB.Digest at AppliedIndex: equal on nodes that applied the same log.
	// The pair is computed once per applied index and cached (digest.go).
	StateDigest string
	Members     []Member
	// BlobCopies is how many members should hold each blob; BlobsUnderHeld counts the blobs fewer
	// members hold, and BlobsLost those no member holds (every holder left the office).
	BlobCopies     int
	BlobsUnderHeld int
	BlobsLost      int
	// OutboxDepth is how many message sends wait in this node's outbox for the office, and
	// OutboxOldest when the oldest of them was queued (zero when none waits).
	OutboxDepth  int
	OutboxOldest time.Time
}

// Member is one server of the Raft configuration.
type Member struct {
	NodeID   string
	Address  string
	Suffrage string // "voter" or "nonvoter"
	// Healthy is the leader's autopilot verdict (in contact, on the leader's term, not far behind).
	Healthy bool
}

// Status reports the office as this node sees it.
func (n *Node) Status(ctx context.Context) (*Status, error) {
	st := &Status{NodeID: string(n.selfID)}
	off, err := im.LoadOffice(ctx, n.cfg.DB.Reader())
	if err != nil {
		return nil, err
	}
	if off != nil {
		st.OfficeID, st.OfficeName = off.OfficeID, off.Name
	}
	_, leader := n.raft.LeaderWithID()
	st.LeaderID = string(leader)
	if st.AppliedIndex, st.StateDigest, err = n.digests.get(ctx); err != nil {
		return nil, err
	}
	cfg, err := n.configuration()
	if err != nil {
		return nil, err
	}
	health := n.health(ctx, leader)
	for _, s := range cfg.Servers {
		suffrage := "nonvoter"
		if s.Suffrage == raft.Voter {
			suffrage = "voter"
		}
		st.Members = append(st.Members, Member{NodeID: string(s.ID), Address: string(s.Address),
			Suffrage: suffrage, Healthy: health[string(s.ID)]})
	}
	if n.outbox != nil {
		if st.OutboxDepth, st.OutboxOldest, err = n.outbox.depth(); err != nil {
			return nil, err
		}
	}
	if n.blobs != nil {
		st.BlobCopies = n.blobs.copiesWanted(cfg)
		st.BlobsUnderHeld, st.BlobsLost, err = store.CountUnderHeldBlobs(ctx, n.cfg.DB.Reader(), memberIDs(cfg), st.BlobCopies)
		if err != nil {
			return nil, err
		}
	}
	return st, nil
}

// health is the leader's autopilot view of every member (asked of the leader by a follower). A
// standalone node is healthy by definition; without a reachable leader nobody is reported healthy.
func (n *Node) health(ctx context.Context, leader raft.ServerID) map[string]bool {
	if n.cfg.Cluster == nil {
		return map[string]bool{string(n.selfID): true}
	}
	if leader == n.selfID {
		return n.pilot.health()
	}
	out := map[string]bool{}
	if leader == "" {
		return out
	}
	addr, id := n.raft.LeaderWithID()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := n.callLeaderAt(ctx, addr, id, "health", nil, &out); err != nil {
		n.log.Debug("status: leader's health view", "err", err)
	}
	return out
}
