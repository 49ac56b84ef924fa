package replication

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"lanim/node/im"
)

// pushTimes records when a node's FSM published each message's push.
type pushTimes struct {
	mu sync.Mutex
	at map[string]time.Time // clientMsgID → publish time
}

func (p *pushTimes) Publish(events []im.Event) {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, e := range events {
		if e.Push != nil && e.Push.Msg != nil {
			if _, ok := p.at[e.Push.Msg.ClientMsgID]; !ok {
				p.at[e.Push.Msg.ClientMsgID] = now
			}
		}
	}
}

func (p *pushTimes) get(id string) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.at[id]
}

// BenchmarkLoneMessage sends one message at a time through a 3-node office in this process (real
// TCP, TLS, Raft logs and SQLite; the production Raft timing) and reports, at the median, the
// milliseconds from Propose until the push was published on the leader and on the first and the
// second follower to apply it, for a message proposed on the leader and one proposed on a
// follower (forwarded). The followers' figures minus the leader's are the commit notices' path.
func BenchmarkLoneMessage(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	sinks := []*pushTimes{{at: map[string]time.Time{}}, {at: map[string]time.Time{}}, {at: map[string]time.Time{}}}
	nodes := officeOf3(b, ctx, []im.Sink{sinks[0], sinks[1], sinks[2]})
	a := nodes[0]
	registerUsers(b, ctx, a, 2)
	for _, from := range []int{0, 1} {
		var leader, first, second []float64
		for i := range b.N {
			id := fmt.Sprintf("lone-%d-%d", from, i)
			cmd := sendCommand(b, "u0", "u1", id)
			start := time.Now()
			if res, err := nodes[from].Propose(ctx, cmd); err != nil || res.Err != nil {
				b.Fatalf("send: %v %v", err, res)
			}
			index := nodes[from].AppliedIndex()
			for _, n := range nodes {
				if err := n.fsm.waitApplied(ctx, index); err != nil {
					b.Fatal(err)
				}
			}
			ms := func(t time.Time) float64 { return float64(t.Sub(start).Microseconds()) / 1000 }
			f := []float64{ms(sinks[1].get(id)), ms(sinks[2].get(id))}
			slices.Sort(f)
			leader, first, second = append(leader, ms(sinks[0].get(id))), append(first, f[0]), append(second, f[1])
			time.Sleep(5 * time.Millisecond) // a lone message: nothing else in flight
		}
		where := map[int]string{0: "on-leader", 1: "on-follower"}[from]
		b.ReportMetric(median(leader), where+"-leader-ms")
		b.ReportMetric(median(first), where+"-follower1-ms")
		b.ReportMetric(median(second), where+"-follower2-ms")
	}
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}
