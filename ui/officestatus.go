package ui

import (
	"strconv"
	"time"

	"lanim/node/client"
)

// officeStatus is the office panel's view of the node's /cluster/status answer: the leader and
// quorum marked on the members, this node's Raft figures as its health, and the file copies
// figures as the other labelled values. The answering node is reachable by definition: it is
// this computer, and it answered (the leader's health view is empty while there is no leader).
func officeStatus(st *client.ClusterStatus) *ClusterStatus {
	out := &ClusterStatus{OfficeName: st.OfficeName, OfficeAdmins: st.OfficeAdmins, NodeID: st.NodeID,
		LeaderID: st.LeaderID, HasQuorum: st.LeaderID != "", Online: st.OnlineUserIDs,
		Outbox: st.OutboxDepth, OutboxOldest: time.Duration(st.OutboxOldestAgeMs) * time.Millisecond,
		RequireFriendship: st.RequireFriendship,
		Health: []KV{
			{Key: "Applied index", Value: strconv.FormatUint(st.AppliedIndex, 10)},
			{Key: "State digest", Value: st.StateDigest},
		},
		Extra: []KV{
			{Key: "Blob copies", Value: strconv.Itoa(st.BlobCopies)},
			{Key: "Blobs lost", Value: strconv.Itoa(st.BlobsLost)},
			{Key: "Blobs under replicated", Value: strconv.Itoa(st.BlobsUnderReplicated)},
			{Key: "Office ID", Value: st.OfficeID},
		},
	}
	for _, m := range st.Members {
		out.Nodes = append(out.Nodes, NodeStatus{ID: m.NodeID, Addr: m.Address, Voter: m.Suffrage == client.SuffrageVoter,
			Leader: m.NodeID != "" && m.NodeID == st.LeaderID, Reachable: m.Healthy || m.NodeID == st.NodeID,
			Name: m.Name, Users: m.UserIDs})
	}
	return out
}
