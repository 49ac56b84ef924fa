package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	wal "github.com/hashicorp/raft-wal"

	"lanim/node/im"
)

// The raw-Raft baseline: the physical limit the office figures are compared with. Three
// hashicorp/raft nodes in the benchmark's own process, on 127.0.0.1 over raft's plain TCP
// transport, each with a log in a temp dir and an FSM that only counts. No LanIM code runs: the
// entries are the bytes of an encoded one-to-one text message command, so the log and the wire
// carry what an office's do. The baseline's log is raft-wal, as the nodes' (one fsync per append);
// the same group on raft-boltdb (two), the log the nodes had before, is measured beside it.

// rawStores are the log stores the baseline runs on: the nodes' own, which the office's ratios are
// against, and raft-boltdb.
var rawStores = [2]string{"raft-wal", "raft-boltdb"}

// rawLog is a log and stable store of either kind.
type rawLog interface {
	raft.LogStore
	raft.StableStore
	Close() error
}

// openRawLog opens a log of the given kind in dir.
func openRawLog(kind, dir string) (rawLog, error) {
	if kind == "raft-boltdb" {
		return raftboltdb.New(raftboltdb.Options{Path: filepath.Join(dir, "raft.db")})
	}
	walDir := filepath.Join(dir, "wal")
	if err := os.Mkdir(walDir, 0o700); err != nil {
		return nil, err
	}
	return wal.Open(walDir, wal.WithSegmentSize(4<<20)) // as the nodes' (replication's walSegmentSize)
}

// rawInFlight are the baseline's concurrencies: one commit at a time (the latency floor of a lone
// message) and 64 at once (the throughput a saturated office could reach).
var rawInFlight = []int{1, 64}

// rawFigures are the baseline's figures per in-flight count.
type rawFigures struct {
	Store      string // the log store
	EntryBytes int
	Commits    map[int]Spread    // in flight → commits/s
	Latency    map[int][2]Spread // in flight → p50, p99 (ms), from Apply to the leader's FSM
	// Paced is one commit at a time at a lone sender's pace (one every senderInterval): p50, p99
	// (ms). Back to back, each commit finds the disk and the CPUs busy with the one before; a
	// lone sender's message finds them idle, and on a virtual machine waking them costs (an
	// append after 20 ms of rest took 2-3× as long as one right after another, 2026-12-05).
	Paced [2]Spread
	// Fixed is the office's fixed-rate load on the bare group: fixedRate commits a second, evenly
	// spaced over fixedRateSenders in flight: p50, p99 (ms). It is the floor of the office's p99 at
	// that rate on this machine, with the three logs' appends in one disk's queue as the office's are.
	Fixed [2]Spread
	// Bolt is the same group on raft-boltdb (nil when not measured).
	Bolt *rawFigures
}

// countFSM is the trivial state machine: it counts applied entries.
type countFSM struct {
	mu sync.Mutex
	n  uint64
}

func (f *countFSM) Apply(*raft.Log) any {
	f.mu.Lock()
	f.n++
	f.mu.Unlock()
	return nil
}

func (f *countFSM) count() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

func (f *countFSM) Snapshot() (raft.FSMSnapshot, error) { return countSnapshot{}, nil }

func (f *countFSM) Restore(rc io.ReadCloser) error { return rc.Close() }

type countSnapshot struct{}

func (countSnapshot) Persist(sink raft.SnapshotSink) error { return sink.Close() }

func (countSnapshot) Release() {}

// rawGroup is the three running nodes.
type rawGroup struct {
	dir   string
	rafts []*raft.Raft
	trans []*raft.NetworkTransport
	logs  []rawLog
	fsms  []*countFSM
}

// startRawGroup starts three voters on loopback, their logs of the given kind, and waits for a
// leader.
func startRawGroup(ctx context.Context, store string) (*rawGroup, error) {
	dir, err := os.MkdirTemp("", "lanim-bench-raft-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	g := &rawGroup{dir: dir}
	var servers []raft.Server
	quiet := hclog.New(&hclog.LoggerOptions{Name: "raw-raft", Level: hclog.Error, Output: io.Discard})
	for i := range 3 {
		t, err := raft.NewTCPTransportWithLogger("127.0.0.1:0", nil, 3, 10*time.Second, quiet)
		if err != nil {
			g.close()
			return nil, fmt.Errorf("transport: %w", err)
		}
		g.trans = append(g.trans, t)
		servers = append(servers, raft.Server{ID: raft.ServerID(fmt.Sprint("raw", i)), Address: t.LocalAddr()})
	}
	for i, t := range g.trans {
		nd := filepath.Join(dir, fmt.Sprint(i))
		if err := os.MkdirAll(nd, 0o700); err != nil {
			g.close()
			return nil, err
		}
		logs, err := openRawLog(store, nd)
		if err != nil {
			g.close()
			return nil, fmt.Errorf("log store: %w", err)
		}
		g.logs = append(g.logs, logs)
		snaps, err := raft.NewFileSnapshotStoreWithLogger(nd, 1, quiet)
		if err != nil {
			g.close()
			return nil, fmt.Errorf("snapshot store: %w", err)
		}
		cfg := raft.DefaultConfig()
		cfg.LocalID = servers[i].ID
		cfg.Logger = quiet
		f := &countFSM{}
		g.fsms = append(g.fsms, f)
		r, err := raft.NewRaft(cfg, f, logs, logs, snaps, t)
		if err != nil {
			g.close()
			return nil, fmt.Errorf("raft: %w", err)
		}
		g.rafts = append(g.rafts, r)
	}
	if err := g.rafts[0].BootstrapCluster(raft.Configuration{Servers: servers}).Error(); err != nil {
		g.close()
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	if _, err := g.leader(ctx); err != nil {
		g.close()
		return nil, err
	}
	return g, nil
}

// leader waits (up to settleTimeout) for one of the nodes to lead.
func (g *rawGroup) leader(ctx context.Context) (*raft.Raft, error) {
	deadline := time.Now().Add(settleTimeout)
	for time.Now().Before(deadline) {
		for _, r := range g.rafts {
			if r.State() == raft.Leader {
				return r, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("raw raft: no leader within %v", settleTimeout)
}

func (g *rawGroup) close() {
	for _, r := range g.rafts {
		r.Shutdown().Error()
	}
	for _, t := range g.trans {
		t.Close()
	}
	for _, s := range g.logs {
		s.Close()
	}
	os.RemoveAll(g.dir)
}

// rawEntry is the encoded command of one benchmark text message, as a sender's 1003 proposes it.
func rawEntry() ([]byte, error) {
	id := msgID(1, 0, 0, time.Now())
	cmd, err := im.NewCommand("msg.send", im.Caller{UserID: "bench_sender_0", Platform: platform}, time.Now().UnixMilli(),
		"bench-operation-id", &im.SendMsg{MsgData: textMsg("bench_sender_0", "bench_peer_0", id)})
	if err != nil {
		return nil, err
	}
	return cmd.Encode()
}

// rawRun keeps inFlight applies going on the leader for d and returns the commit rate and latencies.
// With pace > 0 each of them starts its applies at most that often (a lone sender's pace); with
// rate > 0 they share that many starts a second, evenly spaced, as the office's fixed-rate load
// offers its messages.
func rawRun(ctx context.Context, leader *raft.Raft, entry []byte, inFlight int, d, pace time.Duration, rate float64) (float64, Latencies, error) {
	var mu sync.Mutex
	var lat Latencies
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	tokens := evenTokens(start, end, rate)
	for range inFlight {
		wg.Go(func() {
			var mine Latencies
			next := time.Now()
			for ctx.Err() == nil && time.Now().Before(end) {
				if tokens != nil {
					if _, ok := <-tokens; !ok {
						break
					}
				} else {
					time.Sleep(time.Until(next))
				}
				t0 := time.Now()
				next = t0.Add(pace)
				if err := leader.Apply(entry, 5*time.Second).Error(); err != nil {
					mu.Lock()
					firstErr = errors.Join(firstErr, err)
					mu.Unlock()
					break
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	took := time.Since(start)
	if firstErr != nil {
		return 0, nil, firstErr
	}
	return float64(len(lat)) / took.Seconds(), lat, nil
}

// measureRawRaft runs the baseline on each of rawStores.
func measureRawRaft(ctx context.Context, o Options) (*rawFigures, error) {
	entry, err := rawEntry()
	if err != nil {
		return nil, err
	}
	f, err := measureRawStore(ctx, o, rawStores[0], entry)
	if err != nil {
		return f, err
	}
	f.Bolt, err = measureRawStore(ctx, o, rawStores[1], entry) // what was measured stays if this fails
	return f, err
}

// measureRawStore runs the baseline on one log store: for each in-flight count a warm-up, then
// o.Runs runs, then o.Runs runs at a lone sender's pace and o.Runs at the office's fixed rate.
func measureRawStore(ctx context.Context, o Options, store string, entry []byte) (*rawFigures, error) {
	o.logf("raw raft: starting 3 nodes on %s", store)
	g, err := startRawGroup(ctx, store)
	if err != nil {
		return nil, err
	}
	defer g.close()
	leader, err := g.leader(ctx)
	if err != nil {
		return nil, err
	}
	f := &rawFigures{Store: store, EntryBytes: len(entry), Commits: map[int]Spread{}, Latency: map[int][2]Spread{}}
	for _, k := range rawInFlight {
		if _, _, err := rawRun(ctx, leader, entry, k, o.Duration/3, 0, 0); err != nil {
			return f, fmt.Errorf("raw raft warm-up: %w", err)
		}
		var rates, p50s, p99s []float64
		for run := range o.Runs {
			rate, lat, err := rawRun(ctx, leader, entry, k, o.Duration, 0, 0)
			if err != nil {
				return f, fmt.Errorf("raw raft, %d in flight: %w", k, err)
			}
			p50, p99, _ := lat.Quantiles()
			rates, p50s, p99s = append(rates, rate), append(p50s, p50), append(p99s, p99)
			o.logf("raw raft, %s: %d in flight, run %d/%d: %.0f commits/s, p50 %.2f ms, p99 %.2f ms", store, k, run+1,
				o.Runs, rate, p50, p99)
		}
		f.Commits[k] = SpreadOf(rates)
		f.Latency[k] = [2]Spread{SpreadOf(p50s), SpreadOf(p99s)}
	}
	paced := fmt.Sprintf("1 in flight, one every %v", senderInterval.Round(time.Millisecond/10))
	if f.Paced, err = rawLatencies(ctx, o, leader, entry, store, paced, 1, senderInterval, 0); err != nil {
		return f, err
	}
	fixed := fmt.Sprintf("%d/s over %d in flight", fixedRate, fixedRateSenders)
	f.Fixed, err = rawLatencies(ctx, o, leader, entry, store, fixed, fixedRateSenders, 0, fixedRate)
	return f, err
}

// rawLatencies runs o.Runs paced runs (rawRun's inFlight, pace and rate) and returns their p50
// and p99 (ms); what names the load in the progress lines and errors.
func rawLatencies(ctx context.Context, o Options, leader *raft.Raft, entry []byte, store, what string,
	inFlight int, pace time.Duration, rate float64) ([2]Spread, error) {
	var p50s, p99s []float64
	for run := range o.Runs {
		_, lat, err := rawRun(ctx, leader, entry, inFlight, o.Duration, pace, rate)
		if err != nil {
			return [2]Spread{}, fmt.Errorf("raw raft, %s: %w", what, err)
		}
		p50, p99, _ := lat.Quantiles()
		p50s, p99s = append(p50s, p50), append(p99s, p99)
		o.logf("raw raft, %s: %s, run %d/%d: p50 %.2f ms, p99 %.2f ms", store, what, run+1, o.Runs, p50, p99)
	}
	return [2]Spread{SpreadOf(p50s), SpreadOf(p99s)}, nil
}

// rawMarkdown is the baseline's section: its own figures, then the office's beside them.
func (r *Report) rawMarkdown(p md) {
	raw := r.Raw
	p.section("Raw Raft: the limit, measured in the same run")
	p("Three hashicorp/raft nodes in the benchmark's process on 127.0.0.1 (raft's plain TCP transport, logs in temp dirs,")
	p("an FSM that only counts; no LanIM code), entries of %d bytes (an encoded one-to-one text message command, as a", raw.EntryBytes)
	p("sender's 1003 proposes it). Latency is from `Apply` on the leader until its FSM applied the entry. The log is")
	p("%s, the nodes' own, and the ratios below are against it; the same group on raft-boltdb, one run after it, for scale.", raw.Store)
	p("")
	p.table("| Log store | In flight | Commits/s | p50 (ms) | p99 (ms) |")
	for _, f := range []*rawFigures{raw, raw.Bolt} {
		if f == nil {
			continue
		}
		for _, k := range rawInFlight {
			p("| %s | %d | %s | %s | %s |", f.Store, k, f.Commits[k].Format(0), f.Latency[k][0].Format(2), f.Latency[k][1].Format(2))
		}
		if f.Paced[0].N > 0 {
			p("| %s | 1, one commit every %.1f ms (a lone sender's pace) | %.0f | %s | %s |", f.Store,
				float64(senderInterval)/float64(time.Millisecond), float64(time.Second)/float64(senderInterval),
				f.Paced[0].Format(2), f.Paced[1].Format(2))
		}
		if f.Fixed[0].N > 0 {
			p("| %s | %d, sharing %d commits/s (the office's fixed-rate load) | %d | %s | %s |", f.Store, fixedRateSenders,
				fixedRate, fixedRate, f.Fixed[0].Format(2), f.Fixed[1].Format(2))
		}
	}
	p("")
	if r.Office == nil && r.Single == nil {
		return
	}
	one, many := raw.Latency[1], raw.Commits[64]
	p("The deployments against it (the office crosses nodes: TLS, forwarding, SQLite, WebSocket on both ends):")
	p("")
	p.table("| Figure | Measured | Raw Raft | Ratio |")
	for _, d := range []struct {
		name string
		f    *clusterFigures
	}{{"3-node office", r.Office}, {"single node", r.Single}} {
		if d.f == nil {
			continue
		}
		sat := d.f.SatLatency[1]
		p("| %s, one sender, send→receive p50 (ms) vs commit p50, 1 in flight | %s | %s | %s |", d.name, sat[0].Format(1),
			one[0].Format(2), ratio(sat[0], one[0]))
		for _, pl := range placements {
			f, ok := d.f.Placement[pl.name]
			if !ok {
				continue
			}
			p("| %s, one sender, %s: send→receive p50 (ms) vs commit p50 | %s | %s | %s |", d.name, pl.name,
				f.Push50.Format(2), one[0].Format(2), ratio(f.Push50, one[0]))
			if raw.Paced[0].N > 0 {
				p("| %s, one sender, %s: send→receive p50 (ms) vs commit p50 at the same pace | %s | %s | %s |", d.name,
					pl.name, f.Push50.Format(2), raw.Paced[0].Format(2), ratio(f.Push50, raw.Paced[0]))
			}
			p("| %s, one sender, %s: send→receive p99 (ms) vs commit p99 | %s | %s | %s |", d.name, pl.name,
				f.Push99.Format(2), one[1].Format(2), ratio(f.Push99, one[1]))
			p("| %s, one sender, %s: send→reply p50 (ms) vs commit p50 | %s | %s | %s |", d.name, pl.name,
				f.Reply50.Format(2), one[0].Format(2), ratio(f.Reply50, one[0]))
		}
		p("| %s, p99 at %d/s (ms) vs commit p99, 1 in flight | %s | %s | %s |", d.name, fixedRate, d.f.Fixed[1].Format(1),
			one[1].Format(2), ratio(d.f.Fixed[1], one[1]))
		if raw.Fixed[1].N > 0 {
			p("| %s, p99 at %d/s (ms) vs commit p99 at the same rate | %s | %s | %s |", d.name, fixedRate,
				d.f.Fixed[1].Format(1), raw.Fixed[1].Format(2), ratio(d.f.Fixed[1], raw.Fixed[1]))
		}
		for _, n := range r.Options.senderCounts() {
			p("| %s, msg/s with %d senders vs commits/s, 64 in flight | %s | %s | %s |", d.name, n, d.f.Throughput[n].Format(0),
				many.Format(0), ratio(d.f.Throughput[n], many))
		}
	}
	p("")
}

// limitTargets are issue 17's goals: the office near raw Raft, and quiet when idle.
func (r *Report) limitTargets() []target {
	var t []target
	add := func(what, goal string, s Spread, dec int, unit string, met func(float64) bool) {
		t = append(t, newTarget(what, goal, s, dec, unit, met))
	}
	var office clusterFigures
	if r.Office != nil {
		office = *r.Office
	}
	add("3-node office, one sender, send→receive p50", "≤ 3 ms", office.SatLatency[1][0], 1, "ms",
		func(v float64) bool { return v <= 3 })
	add("3-node office, p99 at 500/s", "< 10 ms", office.Fixed[1], 1, "ms", func(v float64) bool { return v < 10 })
	if r.Raw != nil && r.Office != nil {
		// Each run's best sender count against the baseline's median, as a spread.
		var best Spread
		for _, s := range office.Throughput {
			if s.Median > best.Median {
				best = s
			}
		}
		base := r.Raw.Commits[64].Median
		if base > 0 && best.N > 0 {
			best = Spread{Median: best.Median / base, Min: best.Min / base, Max: best.Max / base, N: best.N}
		}
		add("3-node office msg/s (best sender count) / raw Raft commits/s at 64 in flight", "≥ 0.5×", best, 2, "×",
			func(v float64) bool { return v >= 0.5 })
	}
	if f := r.Idle; f != nil {
		under := func(v float64) bool { return v < 20 }
		add("idle single node", "< 20 CPU-s/hour", f.Single, 1, "CPU-s/hour", under)
		for _, size := range idleOffices {
			add(fmt.Sprintf("idle %d-node office, leader", size), "< 20 CPU-s/hour", f.Leader[size], 1, "CPU-s/hour", under)
			add(fmt.Sprintf("idle %d-node office, busiest follower", size), "< 20 CPU-s/hour", f.Follower[size], 1,
				"CPU-s/hour", under)
		}
	}
	return t
}

// newTarget is one goal with its measured median (s.N == 0: not measured).
func newTarget(what, goal string, s Spread, dec int, unit string, met func(float64) bool) target {
	tg := target{what: what, goal: goal, value: "not measured"}
	if s.N > 0 {
		tg.value, tg.met, tg.known = s.Format(dec)+" "+unit, met(s.Median), true
	}
	return tg
}
