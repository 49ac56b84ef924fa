package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"lanim/node/client"
	"lanim/node/openim"
)

// The availability scenario: an office of five in the evening. Every computer writes; one after
// another goes to sleep (SIGSTOP, no goodbye), the leader first, a voter each time after, every
// availPhase, until two are awake. The figure is, per phase, the share of one-second windows in
// which a computer that is awake committed a write, with the voters following availability
// (--autopilot-demote-after) and, in the same run, without (0: the voter set stays at five). With
// it: the time from a voter's sleep until the leader lists it as a non-voter. Then the outbox: a
// computer cut off from a three-node office queues sends, the others wake, and the drain rate is
// set against the office's normal send rate measured just before with the same senders.

// availabilityFigures are the scenario's figures: shares in percent, by awake computers.
type availabilityFigures struct {
	Phase        time.Duration
	DemoteAfter  time.Duration
	On, Off      map[int]Spread // awake computers → % of windows with a committed write
	Demotion     Spread         // s from a voter's sleep to its demotion
	Normal       Spread         // msg/s with a quorum
	Drain        Spread         // msg/s the outbox drains at once a quorum is back
	DrainRatio   Spread         // drain over normal rate, run by run
	Queued       int            // messages queued per drain run
	DrainSenders int
}

const (
	availOffice  = 5
	availPhase   = 30 * time.Second // the "one computer sleeps every 30 s"
	availQuick   = 10 * time.Second
	drainSenders = 16
	drainQueued  = 2000
	// availSendTimeout bounds one send: a send through an awake computer answers within the
	// outbox's own waits (a few seconds), whatever the office does.
	availSendTimeout = 15 * time.Second
	// probeIDs numbers the drain run's probes apart from its bursts' sends.
	probeIDs = 1 << 30
	// availPace is the pause between one computer's writes.
	availPace = 200 * time.Millisecond
)

func measureAvailability(ctx context.Context, o Options) (*availabilityFigures, error) {
	f := &availabilityFigures{Phase: availPhase, DemoteAfter: 15 * time.Second, On: map[int]Spread{}, Off: map[int]Spread{},
		Queued: drainQueued, DrainSenders: drainSenders}
	if o.Quick {
		f.Phase, f.DemoteAfter, f.Queued = availQuick, 3*time.Second, drainQueued/4
	}
	on, off := map[int][]float64{}, map[int][]float64{}
	var demotions, normal, drain, ratios []float64
	for run := range o.Runs {
		for _, demote := range []bool{true, false} {
			shares, took, err := f.sleepSequence(ctx, o, demote)
			if err != nil {
				return f, fmt.Errorf("run %d (demotion %v): %w", run+1, demote, err)
			}
			for awake, s := range shares {
				if demote {
					on[awake] = append(on[awake], s)
				} else {
					off[awake] = append(off[awake], s)
				}
			}
			for _, d := range took {
				demotions = append(demotions, d.Seconds())
			}
			o.logf("availability run %d/%d, demotion %v: writes in %v of the windows (by awake computers); demotions %v",
				run+1, o.Runs, demote, shares, took)
		}
		n, d, err := f.drainRun(ctx, o)
		if err != nil {
			return f, fmt.Errorf("run %d, outbox drain: %w", run+1, err)
		}
		normal, drain, ratios = append(normal, n), append(drain, d), append(ratios, d/n)
		o.logf("availability run %d/%d: normal send rate %.0f msg/s, outbox drain %.0f msg/s", run+1, o.Runs, n, d)
	}
	for awake := range on {
		f.On[awake] = SpreadOf(on[awake])
	}
	for awake := range off {
		f.Off[awake] = SpreadOf(off[awake])
	}
	f.Demotion, f.Normal, f.Drain, f.DrainRatio = SpreadOf(demotions), SpreadOf(normal), SpreadOf(drain), SpreadOf(ratios)
	return f, nil
}

// availNode is one computer of the scenario with what it needs to write and be watched.
type availNode struct {
	*Node
	id     string
	users  []*client.Client // the senders' sessions on this computer
	stop   context.CancelFunc
	mu     sync.Mutex
	commit []time.Time // when each of its sends committed
}

// officeStatus is the part of /cluster/status the scenario reads.
type officeStatus struct {
	NodeID      string `json:"nodeID"`
	LeaderID    string `json:"leaderID"`
	OutboxDepth int    `json:"outboxDepth"`
	Members     []struct {
		NodeID   string `json:"nodeID"`
		Suffrage string `json:"suffrage"`
	} `json:"members"`
}

func (n *availNode) status(ctx context.Context) (officeStatus, error) {
	var st officeStatus
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := n.Admin.Call(cctx, "/cluster/status", nil, &st)
	return st, err
}

// availOffice starts an office of size with extra flags and gives every computer a session of
// senders, who write to one recipient (each sender stays under the API's per-user rate limit).
func startAvailOffice(ctx context.Context, o Options, size, senders int, tag string, extra ...string) ([]*availNode, error) {
	nodes, err := startOffice(ctx, o.Bin, size, extra...)
	if err != nil {
		return nil, err
	}
	users := []string{tag + "_bob"}
	for i := range senders {
		users = append(users, senderID(tag, i))
	}
	tokens, err := nodes[0].users(ctx, users)
	if err != nil {
		stopAll(nodes)
		return nil, err
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	out := make([]*availNode, len(nodes))
	for i, n := range nodes {
		out[i] = &availNode{Node: n}
		for s := range senders {
			out[i].users = append(out[i].users, client.New(n.APIAddr, hc).WithToken(tokens[senderID(tag, s)]))
		}
		st, err := out[i].status(ctx)
		if err != nil {
			stopAll(nodes)
			return nil, err
		}
		out[i].id = st.NodeID
	}
	return out, nil
}

func stopAvail(nodes []*availNode) {
	for _, n := range nodes {
		if n.stop != nil {
			n.stop()
		}
		n.proc.Thaw()
		n.Stop()
	}
}

// senderID is the user ID of sender i.
func senderID(tag string, i int) string { return fmt.Sprintf("%s_s%d", tag, i) }

// send sends message i through n, from sender i (of n.users) to the recipient; it reports whether
// the office committed it.
func (n *availNode) send(ctx context.Context, tag string, i int) (bool, error) {
	cctx, cancel := context.WithTimeout(ctx, availSendTimeout)
	defer cancel()
	id := fmt.Sprintf("%s_%s_%d_%d", tag, n.id, i, time.Now().UnixNano())
	s := i % len(n.users)
	err := n.users[s].Call(cctx, "/msg/send_msg", map[string]any{"msgData": textMsg(senderID(tag, s), tag+"_bob", id)}, nil)
	switch code := openim.Code(err); {
	case err == nil:
		return true, nil
	case code == openim.ErrQueued.Code || code == openim.ErrNoQuorum.Code:
		return false, nil
	case ctx.Err() != nil:
		return false, nil
	default:
		return false, err
	}
}

// write keeps sending through n, one message every availPace, until ctx ends.
func (n *availNode) write(ctx context.Context, tag string) {
	for i := 0; ctx.Err() == nil; i++ {
		if ok, _ := n.send(ctx, tag, i); ok {
			n.mu.Lock()
			n.commit = append(n.commit, time.Now())
			n.mu.Unlock()
		}
		select { // a person types a few lines a second at most; a refused send is retried as often
		case <-ctx.Done():
		case <-time.After(availPace):
		}
	}
}

// windows is the share (%) of the one-second windows of [from, to) in which n committed a write.
func (n *availNode) windows(from, to time.Time) (hit, total int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for w := from; w.Add(time.Second).Compare(to) <= 0; w = w.Add(time.Second) {
		total++
		for _, c := range n.commit {
			if !c.Before(w) && c.Before(w.Add(time.Second)) {
				hit++
				break
			}
		}
	}
	return hit, total
}

// sleepSequence runs the evening once: it returns the share of windows with a commit per number
// of awake computers, and the time each sleeper took to be demoted (with demotion on).
func (f *availabilityFigures) sleepSequence(ctx context.Context, o Options, demote bool) (map[int]float64, []time.Duration, error) {
	flag := "0"
	if demote {
		flag = f.DemoteAfter.String()
	}
	tag := fmt.Sprintf("av%d", time.Now().UnixNano()%1e6)
	nodes, err := startAvailOffice(ctx, o, availOffice, 1, tag, "--autopilot-demote-after", flag)
	if err != nil {
		return nil, nil, err
	}
	defer stopAvail(nodes)
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, n := range nodes {
		wctx, cancel := context.WithCancel(ctx)
		n.stop = cancel
		wg.Go(func() { n.write(wctx, tag) })
	}
	defer func() {
		for _, n := range nodes {
			n.stop()
		}
	}()
	shares := map[int]float64{}
	var took []time.Duration
	var tookMu sync.Mutex
	awake := nodes
	for {
		start := time.Now()
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(f.Phase):
		}
		hit, total := 0, 0
		for _, n := range awake {
			h, t := n.windows(start, start.Add(f.Phase))
			hit, total = hit+h, total+t
		}
		shares[len(awake)] = 100 * float64(hit) / float64(max(total, 1))
		if len(awake) == 2 {
			return shares, took, nil
		}
		victim, err := nextSleeper(ctx, awake, len(awake) == len(nodes))
		if err != nil {
			return nil, nil, err
		}
		victim.stop()
		if err := victim.proc.Freeze(); err != nil {
			return nil, nil, err
		}
		slept := time.Now()
		var rest []*availNode
		for _, n := range awake {
			if n != victim {
				rest = append(rest, n)
			}
		}
		awake = rest
		if demote {
			watcher := awake[0]
			wg.Go(func() {
				if d, ok := waitDemoted(ctx, watcher, victim.id, slept, f.Phase); ok {
					tookMu.Lock()
					took = append(took, d)
					tookMu.Unlock()
				}
			})
		}
	}
}

// nextSleeper is the leader (first) or a voter other than the leader, as an awake computer sees it.
func nextSleeper(ctx context.Context, awake []*availNode, leaderFirst bool) (*availNode, error) {
	var st officeStatus
	var err error
	for _, n := range awake {
		if st, err = n.status(ctx); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	voter := map[string]bool{}
	for _, m := range st.Members {
		voter[m.NodeID] = m.Suffrage == "voter"
	}
	var fallback *availNode
	for _, n := range awake {
		switch {
		case leaderFirst && n.id == st.LeaderID:
			return n, nil
		case !leaderFirst && n.id != st.LeaderID && voter[n.id]:
			return n, nil
		case n.id != st.LeaderID && fallback == nil:
			fallback = n
		}
	}
	if fallback == nil {
		return awake[0], nil
	}
	return fallback, nil
}

// waitDemoted polls watcher until it lists id as a non-voter (at most limit after since).
func waitDemoted(ctx context.Context, watcher *availNode, id string, since time.Time, limit time.Duration) (time.Duration, bool) {
	for time.Since(since) < limit && ctx.Err() == nil {
		if st, err := watcher.status(ctx); err == nil {
			for _, m := range st.Members {
				if m.NodeID == id && m.Suffrage != "voter" {
					return time.Since(since), true
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0, false
}

// drainRun measures the normal send rate of drainSenders through one computer of a three-node
// office, then cuts it off (the two others sleep), queues f.Queued sends there, wakes the others
// and measures how fast its outbox drains: from its first commit to empty.
func (f *availabilityFigures) drainRun(ctx context.Context, o Options) (normal, drain float64, err error) {
	tag := fmt.Sprintf("dr%d", time.Now().UnixNano()%1e6)
	nodes, err := startAvailOffice(ctx, o, 3, drainSenders, tag)
	if err != nil {
		return 0, 0, err
	}
	defer stopAvail(nodes)
	lone := nodes[0]
	// burst sends count messages through lone with drainSenders at once; it returns how many the
	// office committed.
	burst := func(count int) (int, error) {
		var committed atomic.Int64
		err := parallel(ctx, count, drainSenders, nil, func(i int) error {
			ok, err := lone.send(ctx, tag, i)
			if ok {
				committed.Add(1)
			}
			return err
		})
		return int(committed.Load()), err
	}
	start := time.Now()
	committed, err := burst(f.Queued)
	if err != nil {
		return 0, 0, err
	}
	normal = float64(committed) / time.Since(start).Seconds()

	for _, n := range nodes[1:] {
		if err := n.proc.Freeze(); err != nil {
			return 0, 0, err
		}
	}
	// Until the office's loss shows, a send may still wait on the old leader: queue past that.
	for i := 0; ; i++ {
		ok, err := lone.send(ctx, tag, probeIDs+i)
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			break
		}
		if i > 100 {
			return 0, 0, errors.New("sends still commit with two of three voters asleep")
		}
	}
	if _, err := burst(f.Queued); err != nil {
		return 0, 0, err
	}
	st, err := lone.status(ctx)
	if err != nil {
		return 0, 0, err
	}
	queued := st.OutboxDepth
	for _, n := range nodes[1:] {
		if err := n.proc.Thaw(); err != nil {
			return 0, 0, err
		}
	}
	// The drain starts once lone knows a leader again (after the election the wake-up causes).
	var led time.Time
	deadline := time.Now().Add(settleTimeout)
	for time.Now().Before(deadline) {
		st, err := lone.status(ctx)
		if err == nil && st.LeaderID != "" && led.IsZero() {
			led = time.Now()
		}
		if err == nil && st.OutboxDepth == 0 && !led.IsZero() {
			return normal, float64(queued) / time.Since(led).Seconds(), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, 0, fmt.Errorf("outbox of %d not drained within %v", queued, settleTimeout)
}

// worstOn is the lowest phase share with demotion on (its runs' spread).
func (f availabilityFigures) worstOn() Spread {
	var worst Spread
	for _, s := range f.On {
		if worst.N == 0 || s.Median < worst.Median {
			worst = s
		}
	}
	return worst
}

func (r *Report) availabilityMarkdown(p md) {
	f := r.Avail
	p.section("Availability: the office keeps chatting as laptops sleep")
	p("Five nodes; each writes through REST (one user to another, one send every %v while awake). Every %v one goes to", availPace, f.Phase)
	p("sleep with SIGSTOP and no goodbye: the leader first, then a voter other than the leader, until two are awake.")
	p("A cell is the share of one-second windows of that phase in which a node that was awake committed a write (errCode")
	p("0; a queued send, 1690, does not count). *On*: the voters follow availability (`--autopilot-demote-after %v`);", f.DemoteAfter)
	p("*off*: `--autopilot-demote-after 0`, the voter set stays at five (the behaviour before issue 15). Both in the same run.")
	p("")
	p.table("| Awake computers | Demotion on | Demotion off |")
	for awake := availOffice; awake >= 2; awake-- {
		p("| %d | %s%% | %s%% |", awake, f.On[awake].Format(0), f.Off[awake].Format(0))
	}
	p("")
	p("From a voter's sleep until an awake node lists it as a non-voter: %s s (every sleep of every run).", f.Demotion.Format(1))
	p("")
	p("Outbox: %d senders (users) send %d messages through one node of a three-node office (the normal send rate), then the", f.DrainSenders, f.Queued)
	p("two others sleep and the same senders queue %d more there (1690); the others wake, and the drain rate is the", f.Queued)
	p("queued count over the time from the node knowing a leader again to an empty outbox.")
	p("")
	p.table("| Normal send rate (msg/s) | Outbox drain rate (msg/s) | Drain / normal (run by run) |")
	p("| %s | %s | %s× |", f.Normal.Format(0), f.Drain.Format(0), f.DrainRatio.Format(2))
	p("")
}
