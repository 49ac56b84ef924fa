package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"lanim/node/client"
	"lanim/node/gateway"
	"lanim/node/im"
	"lanim/replication"
)

// clusterConfig is the node's part in an office on the network: nil (standalone) unless the
// node has a cluster address or its data dir is already a member of an office.
func clusterConfig(cfg *NodeConfig) (*replication.ClusterConfig, error) {
	cl := cfg.Cluster
	if cl.Addr == "" && !replication.IsMember(cfg.DataDir) {
		if cl.JoinCode != "" || len(cl.Join) > 0 || cl.Advertise != "" {
			return nil, fmt.Errorf("joining an office needs --cluster-addr HOST:PORT")
		}
		return nil, nil
	}
	cc := &replication.ClusterConfig{Addr: cl.Addr, Advertise: cl.Advertise, JoinCode: cl.JoinCode,
		JoinAddrs: cl.Join, Autopilot: replication.AutopilotTuning{Stabilization: cl.Stabilization,
			DeadServer: cl.DeadServer, DemoteAfter: cl.DemoteAfter, NoDemotion: cl.DemoteAfter <= 0}}
	if cl.Discovery == "mdns" {
		cc.Discovery = &replication.MDNS{}
	}
	return cc, nil
}

func raftTuning(cfg *NodeConfig) replication.Tuning {
	return replication.Tuning{SnapshotThreshold: cfg.Cluster.SnapshotThreshold,
		SnapshotInterval: cfg.Cluster.SnapshotInterval, TrailingLogs: cfg.Cluster.TrailingLogs}
}

// clusterAPI is replication as the REST API sees it (POST /cluster/*).
type clusterAPI struct{ repl *replication.Node }

func (c clusterAPI) Status(ctx context.Context) (*client.ClusterStatus, error) {
	st, err := c.repl.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := &client.ClusterStatus{OfficeID: st.OfficeID, OfficeName: st.OfficeName, NodeID: st.NodeID, LeaderID: st.LeaderID,
		AppliedIndex: st.AppliedIndex, StateDigest: st.StateDigest, Members: []client.ClusterMember{},
		BlobCopies: st.BlobCopies, BlobsUnderReplicated: st.BlobsUnderHeld, BlobsLost: st.BlobsLost}
	out.OutboxDepth = st.OutboxDepth
	if !st.OutboxOldest.IsZero() {
		out.OutboxOldestAgeMs = max(0, time.Since(st.OutboxOldest).Milliseconds())
	}
	for _, m := range st.Members {
		out.Members = append(out.Members, client.ClusterMember{NodeID: m.NodeID, Address: m.Address,
			Suffrage: m.Suffrage, Healthy: m.Healthy})
	}
	return out, nil
}

func (c clusterAPI) Invite(ctx context.Context) (code, short string, err error) {
	inv, err := c.repl.Invite(ctx)
	if err != nil {
		return "", "", err
	}
	return inv.Code, inv.ShortCode, nil
}

func (c clusterAPI) Leave(ctx context.Context) error { return c.repl.Leave(ctx) }

func (c clusterAPI) Discover(ctx context.Context) (*client.Discovery, error) {
	found, enabled, err := c.repl.Discover(ctx)
	if err != nil {
		return nil, err
	}
	out := &client.Discovery{Enabled: enabled, Offices: []client.DiscoveredOffice{}}
	for _, f := range found {
		out.Offices = append(out.Offices, client.DiscoveredOffice{OfficeID: f.OfficeID, OfficeName: f.OfficeName,
			Addresses: f.Addrs})
	}
	return out, nil
}

// relayTransient carries the gateway's transient events (typing, presence, sends queued in the
// outbox) to the other members over the cluster relay, and delivers theirs here; a member that
// stops answering has its presence dropped until it greets this node again with who is connected
// there. On a standalone node the relay has no peers.
func relayTransient(gw *gateway.Gateway, repl *replication.Node, nodeID string) {
	if host, err := os.Hostname(); err == nil {
		gw.SetHost(host) // the greeting tells the others, for the office panel
	}
	gw.SetRelay(func(ev gateway.TransientEvent) {
		ev.Origin = nodeID
		if b, err := json.Marshal(ev); err == nil {
			repl.Relay(b)
		}
	})
	repl.OnRelay(func(from string, payload []byte) {
		var ev gateway.TransientEvent
		if json.Unmarshal(payload, &ev) != nil {
			return
		}
		ev.Origin = from // the peer's certificate says who it is
		gw.DeliverRemote(ev)
	})
	repl.OnPeerGone(gw.ForgetNode)
	// A send queued without a quorum is shown at once to the recipients this node can reach.
	repl.OnQueued(func(cmd *im.Command) { gw.PublishPending(im.SendMsgData(cmd)) })
	// The greeting: who is connected here, for a member that (re)gains contact with this one.
	repl.OnGreet(func() [][]byte {
		b, err := json.Marshal(gw.PresenceSnapshot())
		if err != nil {
			return nil
		}
		return [][]byte{b}
	})
}
