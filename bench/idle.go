package bench

import (
	"context"
	"fmt"
	"time"

	"lanim/node/client"
)

// The idle scenario: what a node costs while nobody writes. A desktop node runs all day on a
// laptop, so its CPU time with nothing to do (Raft heartbeats, the relay's keep-alives, autopilot,
// timers) is a battery figure. Each figure is the process's user+system CPU time over a window,
// scaled to an hour.

// idleSettle is the pause after an office formed before the first window: promotions and the
// first registrations are over by then, and the members have had 30 s without a write, after
// which they send heartbeats less often (replication's quietAfter).
const idleSettle = 40 * time.Second

// idleOffices are the office sizes measured besides a standalone node: 3 voters, and 15 members
// (5 voters, 10 non-voters).
var idleOffices = []int{3, 15}

// idleFigures are CPU-seconds per hour of idle nodes.
type idleFigures struct {
	Window time.Duration
	Single Spread
	// Leader and Follower are per office size; Follower is the busiest follower of each window.
	Leader   map[int]Spread
	Follower map[int]Spread
}

func (o Options) idleWindow() time.Duration {
	if o.Quick {
		return 20 * time.Second
	}
	return time.Minute
}

// measureIdle measures a standalone node, then each office size.
func measureIdle(ctx context.Context, o Options) (*idleFigures, error) {
	f := &idleFigures{Window: o.idleWindow(), Leader: map[int]Spread{}, Follower: map[int]Spread{}}
	o.logf("idle: single node")
	n, err := startNode(ctx, o.Bin, randomSecret(), false)
	if err != nil {
		return f, err
	}
	single, err := idleWindows(ctx, o, []*Node{n}, "single node")
	stopAll([]*Node{n})
	if err != nil {
		return f, err
	}
	var s []float64
	for _, w := range single {
		s = append(s, w[0])
	}
	f.Single = SpreadOf(s)
	for _, size := range idleOffices {
		o.logf("idle: starting a %d-node office", size)
		nodes, err := startOffice(ctx, o.Bin, size)
		if err != nil {
			return f, fmt.Errorf("%d-node office: %w", size, err)
		}
		leader, err := leaderOf(ctx, nodes)
		if err != nil {
			stopAll(nodes)
			return f, err
		}
		windows, err := idleWindows(ctx, o, nodes, fmt.Sprintf("%d-node office", size))
		stopAll(nodes)
		if err != nil {
			return f, err
		}
		var lead, follow []float64
		for _, w := range windows {
			busiest := 0.0
			for i, v := range w {
				if i == leader {
					lead = append(lead, v)
				} else {
					busiest = max(busiest, v)
				}
			}
			follow = append(follow, busiest)
		}
		f.Leader[size], f.Follower[size] = SpreadOf(lead), SpreadOf(follow)
		o.logf("idle: %d-node office: leader %s, busiest follower %s CPU-s/hour", size, f.Leader[size].Format(1),
			f.Follower[size].Format(1))
	}
	return f, nil
}

// leaderOf is the index in nodes of the node the first node names as the leader.
func leaderOf(ctx context.Context, nodes []*Node) (int, error) {
	var ids []string
	var st client.ClusterStatus
	for _, n := range nodes {
		if err := n.adminCall(ctx, callTimeout, "/cluster/status", &st); err != nil {
			return 0, fmt.Errorf("status: %w", err)
		}
		ids = append(ids, st.NodeID)
	}
	for i, id := range ids {
		if id == st.LeaderID {
			return i, nil
		}
	}
	return 0, fmt.Errorf("leader %q is none of the office's nodes", st.LeaderID)
}

// idleWindows waits idleSettle, then measures o.Runs windows back to back and returns, per window,
// each node's CPU-seconds per hour.
func idleWindows(ctx context.Context, o Options, nodes []*Node, label string) ([][]float64, error) {
	if err := sleepCtx(ctx, idleSettle); err != nil {
		return nil, err
	}
	cpu := func() ([]time.Duration, error) {
		var out []time.Duration
		for _, n := range nodes {
			c, err := n.CPU()
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
		return out, nil
	}
	var windows [][]float64
	for run := range o.Runs {
		before, err := cpu()
		if err != nil {
			return nil, err
		}
		start := time.Now()
		if err := sleepCtx(ctx, o.idleWindow()); err != nil {
			return nil, err
		}
		after, err := cpu()
		if err != nil {
			return nil, err
		}
		took := time.Since(start)
		var w []float64
		for i := range nodes {
			w = append(w, (after[i]-before[i]).Seconds()*float64(time.Hour)/float64(took))
		}
		o.logf("idle: %s, window %d/%d: %v CPU-s/hour per node", label, run+1, o.Runs, rounded(w))
		windows = append(windows, w)
	}
	return windows, nil
}

func rounded(v []float64) []string {
	var s []string
	for _, x := range v {
		s = append(s, num(x, 0))
	}
	return s
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// idleMarkdown is the idle section.
func (r *Report) idleMarkdown(p md) {
	f := r.Idle
	p.section("Idle: CPU time with nothing sent")
	p("User+system CPU time of each `lanim node` process (/proc/PID/stat) over %v windows with no client and nothing", f.Window)
	p("sent, scaled to an hour, %v after the office formed; %d windows back to back on the same nodes. The follower", idleSettle, r.Options.Runs)
	p("figure is the busiest follower of each window. mDNS is off in the benchmark (loopback addresses), so a LAN node")
	p("also pays for its announcements.")
	p("")
	p.table("| Deployment | Leader (CPU-s/hour) | Busiest follower (CPU-s/hour) |")
	p("| single node (standalone) | %s | – |", f.Single.Format(1))
	for _, size := range idleOffices {
		what := fmt.Sprintf("%d-node office", size)
		if v := officeVoters(size); size > v {
			what = fmt.Sprintf("%d-node office (%d voters, %d non-voters)", size, v, size-v)
		}
		p("| %s | %s | %s |", what, f.Leader[size].Format(1), f.Follower[size].Format(1))
	}
	p("")
}
