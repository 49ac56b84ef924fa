package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"lanim/node/client"
)

// settleTimeout bounds an office's election and joins.
const settleTimeout = 90 * time.Second

// startOffice founds an office of size nodes on loopback: the founder, then each member joins
// with a join code from /cluster/invite. It waits until all are healthy voters with one leader.
// extra flags go to every node.
func startOffice(ctx context.Context, bin string, size int, extra ...string) ([]*Node, error) {
	secret := randomSecret()
	founder, err := startNode(ctx, bin, secret, true, extra...)
	if err != nil {
		return nil, fmt.Errorf("founder: %w", err)
	}
	nodes := []*Node{founder}
	fail := func(err error) ([]*Node, error) {
		stopAll(nodes)
		return nil, err
	}
	for len(nodes) < size {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		code, err := founder.Admin.Invite(cctx)
		cancel()
		if err != nil {
			return fail(fmt.Errorf("invite: %w", err))
		}
		m, err := startNode(ctx, bin, secret, true, append([]string{"--join", nodes[len(nodes)-1].ClusterAddr,
			"--join-code", code}, extra...)...)
		if err != nil {
			return fail(fmt.Errorf("member %d: %w", len(nodes)+1, err))
		}
		nodes = append(nodes, m)
	}
	if err := waitVoters(ctx, nodes); err != nil {
		return fail(err)
	}
	return nodes, nil
}

// waitVoters polls /cluster/status until every node sees all nodes as healthy voters under one leader.
func waitVoters(ctx context.Context, nodes []*Node) error {
	deadline := time.Now().Add(settleTimeout)
	var last string
	for time.Now().Before(deadline) {
		ok := true
		leader := ""
		for _, n := range nodes {
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			st, err := n.Admin.ClusterStatus(cctx)
			cancel()
			if err != nil {
				ok, last = false, err.Error()
				break
			}
			voters := 0
			for _, m := range st.Members {
				if m.Suffrage == client.SuffrageVoter && m.Healthy {
					voters++
				}
			}
			if voters != len(nodes) || st.LeaderID == "" || (leader != "" && st.LeaderID != leader) {
				b, _ := json.Marshal(st)
				ok, last = false, string(b)
				break
			}
			leader = st.LeaderID
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("office of %d not settled within %v; last: %s", len(nodes), settleTimeout, last)
}

func stopAll(nodes []*Node) {
	for _, n := range nodes {
		n.Stop()
	}
}
