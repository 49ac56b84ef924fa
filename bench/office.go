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
	return startProfiledOffice(ctx, bin, "", size, extra...)
}

// startProfiledOffice is startOffice whose nodes, with a pprofDir, each serve their profiler
// (Node.PprofAddr).
func startProfiledOffice(ctx context.Context, bin, pprofDir string, size int, extra ...string) ([]*Node, error) {
	secret := randomSecret()
	var nodes []*Node
	fail := func(err error) ([]*Node, error) {
		stopAll(nodes)
		return nil, err
	}
	for len(nodes) < size {
		flags := extra
		if len(nodes) > 0 {
			var inv client.Invite
			if err := nodes[0].adminCall(ctx, callTimeout, "/cluster/invite", &inv); err != nil {
				return fail(fmt.Errorf("invite: %w", err))
			}
			flags = append([]string{"--join", nodes[len(nodes)-1].ClusterAddr, "--join-code", inv.JoinCode}, extra...)
		}
		addr, pflags, err := pprofFlags(pprofDir)
		if err != nil {
			return fail(err)
		}
		m, err := startNode(ctx, bin, secret, true, append(flags, pflags...)...)
		if err != nil {
			return fail(fmt.Errorf("member %d: %w", len(nodes)+1, err))
		}
		m.PprofAddr = addr
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

// placement is where a lone sender and its receiver are connected in the office: a send on a
// follower is forwarded to the leader, one on the leader is not, and users meet both.
type placement struct {
	name         string
	sender, recv int // indexes into the leader-first order of the nodes
}

// placements: the two cases a user meets, in the node order leaderFirst returns.
var placements = []placement{
	{"sender on the leader, receiver on a follower", 0, 1},
	{"sender on a follower, receiver on the other follower", 1, 2},
}

// placementFigures are one placement's lone-sender latencies (ms): send→push p50 and p99, and
// send→reply p50 (the sender's own answer, after its node applied the message).
type placementFigures struct {
	Push50, Push99, Reply50 Spread
}

// leaderFirst is the office's nodes with the leader first (as /cluster/status on the first node
// names it), then the others in their order.
func leaderFirst(ctx context.Context, nodes []*Node) ([]*Node, error) {
	var st client.ClusterStatus
	if err := nodes[0].adminCall(ctx, callTimeout, "/cluster/status", &st); err != nil {
		return nil, err
	}
	var lead []*Node
	var rest []*Node
	for _, n := range nodes {
		var own client.ClusterStatus
		if err := n.adminCall(ctx, callTimeout, "/cluster/status", &own); err != nil {
			return nil, err
		}
		if own.NodeID == st.LeaderID {
			lead = append(lead, n)
		} else {
			rest = append(rest, n)
		}
	}
	if len(lead) != 1 {
		return nil, fmt.Errorf("no leader among the nodes (status names %q)", st.LeaderID)
	}
	return append(lead, rest...), nil
}

// measurePlacements runs one sender, as fast as it may send, in each placement of a 3-node
// office: the send→receive latency of a lone message on either side of the forwarding hop.
func measurePlacements(ctx context.Context, o Options, nodes []*Node, label string) (map[string]placementFigures, error) {
	ordered, err := leaderFirst(ctx, nodes)
	if err != nil {
		return nil, err
	}
	out := map[string]placementFigures{}
	for pi, pl := range placements {
		// newPool puts sender 0 on its first node and the receiver on the next.
		at := []*Node{ordered[pl.sender], ordered[pl.recv]}
		p, err := newPool(ctx, at, fmt.Sprintf("place%d", pi), 1)
		if err != nil {
			return out, err
		}
		p.runLoad(ctx, o.Duration/3, 0)
		var p50, p99, r50 []float64
		for run := range o.Runs {
			res := p.runLoad(ctx, o.Duration, 0)
			a, b, _ := res.lat.Quantiles()
			c, _, _ := res.replies.Quantiles()
			p50, p99, r50 = append(p50, a), append(p99, b), append(r50, c)
			o.logf("%s: one sender, %s, run %d/%d: push p50 %.2f ms, p99 %.2f ms, reply p50 %.2f ms", label, pl.name,
				run+1, o.Runs, a, b, c)
		}
		p.close()
		out[pl.name] = placementFigures{Push50: SpreadOf(p50), Push99: SpreadOf(p99), Reply50: SpreadOf(r50)}
	}
	return out, nil
}
