package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"lanim/node/client"
	"lanim/node/openim"
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
		var inv client.Invite
		err := founder.adminCall(ctx, callTimeout, "/cluster/invite", &inv)
		code := inv.JoinCode
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

// officeVoters is how many voters the office keeps among n members that all answer: an odd number,
// at most 5 (replication's voter policy); the others stay non-voters.
func officeVoters(n int) int {
	v := min(n, 5)
	if v%2 == 0 {
		v--
	}
	return v
}

// waitVoters polls /cluster/status until every node sees all nodes as healthy members, as many of
// them voters as the office keeps, under one leader.
func waitVoters(ctx context.Context, nodes []*Node) error {
	want := officeVoters(len(nodes))
	deadline := time.Now().Add(settleTimeout)
	var last string
	for time.Now().Before(deadline) {
		ok := true
		leader := ""
		for _, n := range nodes {
			var st client.ClusterStatus
			err := n.adminCall(ctx, 5*time.Second, "/cluster/status", &st)
			if err != nil {
				ok, last = false, err.Error()
				break
			}
			voters, healthy := 0, 0
			for _, m := range st.Members {
				if m.Healthy {
					healthy++
					if m.Suffrage == client.SuffrageVoter {
						voters++
					}
				}
			}
			if voters != want || healthy != len(nodes) || st.LeaderID == "" || (leader != "" && st.LeaderID != leader) {
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

// adminCall calls path with the node's admin token, and once more with a new one when the office
// no longer knows it: an office keeps 20 tokens per user and platform, and every node the
// benchmark starts gets its own admin token (more when a slow start makes it ask again), so a
// large office prunes the oldest.
func (n *Node) adminCall(ctx context.Context, timeout time.Duration, path string, out any) error {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := n.Admin.Call(cctx, path, nil, out)
	if openim.Code(err) != openim.ErrTokenNotExist.Code {
		return err
	}
	tok, err := n.Admin.AdminToken(cctx, n.Secret)
	if err != nil {
		return fmt.Errorf("new admin token: %w", err)
	}
	n.Admin = n.Admin.WithToken(tok)
	return n.Admin.Call(cctx, path, nil, out)
}

func stopAll(nodes []*Node) {
	for _, n := range nodes {
		n.Stop()
	}
}
