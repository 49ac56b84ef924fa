// Package bench is LanIM's load generator (`lanim bench`): it starts real `lanim node` processes
// on 127.0.0.1 (free ports, temp data dirs), drives them through node/client over REST and real
// WebSocket connections, and writes a Markdown report whose every figure is the median of several
// runs with their min and max.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"time"
)

// Options are the benchmark's knobs; Quick shortens every run for a smoke check.
type Options struct {
	Bin          string // the lanim binary to start nodes with
	Runs         int    // runs per figure
	Duration     time.Duration
	Quick        bool
	Progress     io.Writer // a text line per step, and progress bars
	JSDir        string    // test/js: the login-sync script and the official SDK's node_modules
	PprofDir     string    // where the load runs (every node of single and office, and the generator), login sync and growth write CPU profiles; empty: none
	GrowthPoints []int     // stored-message counts of the growth curve
	FileSize     int64     // bytes of the files scenario's file
	Scenarios    []string  // the scenarios to run, in Scenarios order; empty: all
	// Senders are the sender counts of the single and office load runs; empty: SenderCounts. A
	// subset leaves out the fan-out and history figures (a run for profiling one load).
	Senders []int
}

// Scenarios are the parts of a run, by the names -only takes.
var Scenarios = []string{"footprint", "rawraft", "single", "office", "loginsync", "growth", "files", "availability", "idle"}

// DefaultOptions is the full run: `make bench` on a 2-core machine in about 13 minutes, 3 of them
// the files scenario's 1 GiB transfers. long takes the growth curve to a million messages.
func DefaultOptions(bin string, quick, long bool) Options {
	o := Options{Bin: bin, Runs: 3, Duration: 4 * time.Second, Quick: quick, JSDir: filepath.Join("test", "js"),
		GrowthPoints: growthShort, FileSize: fileSizeFull}
	if long {
		o.GrowthPoints = growthLong
	}
	if quick {
		o.Runs, o.Duration, o.GrowthPoints, o.FileSize = 2, 1500*time.Millisecond, growthQuick, fileSizeQuick
	}
	return o
}

// runs says whether scenario is part of this run.
func (o Options) runs(scenario string) bool {
	return len(o.Scenarios) == 0 || slices.Contains(o.Scenarios, scenario)
}

// SenderCounts are the concurrent senders of the throughput table. Each sender is paced under
// the gateway's per-connection limit, so 256 senders are what it takes to offer a single node
// more than 5,000 messages per second.
var SenderCounts = []int{1, 16, 64, 256}

// senderCounts are the sender counts of this run.
func (o Options) senderCounts() []int {
	if len(o.Senders) == 0 {
		return SenderCounts
	}
	return o.Senders
}

// fixedRate is the offered load of the latency table, spread over fixedRateSenders.
const (
	fixedRate        = 500
	fixedRateSenders = 16
)

// Report is everything measured; Markdown renders it.
type Report struct {
	Machine  Machine
	Options  Options
	Started  time.Time
	Took     time.Duration
	Single   *clusterFigures
	Office   *clusterFigures
	Foot     *footprint
	Login    *loginFigures
	Growth   *growthFigures
	Files    *fileFigures
	Avail    *availabilityFigures
	Raw      *rawFigures  // the raw-Raft baseline, measured in the same run
	Idle     *idleFigures // CPU time of idle nodes
	Problems []string
}

// clusterFigures are the load figures of one deployment (a single node or a 3-node office).
type clusterFigures struct {
	Nodes      int
	Throughput map[int]Spread              // senders → msg/s
	CPUPerMsg  map[int]Spread              // senders → CPU time of all the nodes per message received (µs)
	GenCPU     map[int]Spread              // senders → the load generator's (this process's) CPU time per message (µs)
	SatLatency map[int][3]Spread           // senders → p50, p99, max (ms) while saturated
	Fixed      [3]Spread                   // p50, p99, max (ms) at fixedRate
	FixedRate  Spread                      // the rate actually achieved in the fixed-rate runs
	Errors     int                         // sends that failed or were never pushed
	Placement  map[string]placementFigures // a 3-node office: lone-sender latency by where sender and receiver are
	FanOut     Spread                      // ms until the last of 200 members has a group message
	History    Spread                      // ms to pull historyMessages by seq ranges
}

func (o Options) logf(format string, args ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "[bench %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
}

// Run measures everything it can; a scenario that fails is noted in the report's problems and the
// others still run.
func Run(ctx context.Context, o Options) *Report {
	r := &Report{Machine: machine(o.Bin), Options: o, Started: time.Now()}
	r.Foot = scenario(ctx, r, "footprint", "footprint", measureFootprint)
	r.Raw = scenario(ctx, r, "rawraft", "raw raft", measureRawRaft)
	for _, size := range []int{1, 3} {
		if ctx.Err() != nil || !o.runs(map[int]string{1: "single", 3: "office"}[size]) {
			continue
		}
		f, err := measureDeployment(ctx, o, size)
		if err != nil {
			r.problem(fmt.Sprintf("%d-node", size), err)
		}
		if size == 1 {
			r.Single = f
		} else {
			r.Office = f
		}
	}
	r.Login = scenario(ctx, r, "loginsync", "login sync", measureLoginSync)
	r.Growth = scenario(ctx, r, "growth", "growth", measureGrowth)
	r.Files = scenario(ctx, r, "files", "files", measureFiles)
	r.Avail = scenario(ctx, r, "availability", "availability", measureAvailability)
	r.Idle = scenario(ctx, r, "idle", "idle", measureIdle)
	r.Machine.LoadEnd = loadAvg()
	r.Took = time.Since(r.Started)
	return r
}

// nodesCPU is the CPU time the nodes used so far (0 for one that cannot be read).
func nodesCPU(nodes []*Node) time.Duration {
	var sum time.Duration
	for _, n := range nodes {
		if c, err := n.CPU(); err == nil {
			sum += c
		}
	}
	return sum
}

// scenario runs measure when the run goes on and the scenario (name, as -only spells it) is
// selected; a failure is noted as what, and whatever was measured is kept.
func scenario[F any](ctx context.Context, r *Report, name, what string, measure func(context.Context, Options) (*F, error)) *F {
	if ctx.Err() != nil || !r.Options.runs(name) {
		return nil
	}
	f, err := measure(ctx, r.Options)
	if err != nil {
		r.problem(what, err)
	}
	return f
}

// problem notes a scenario's failure in the report and the progress log.
func (r *Report) problem(what string, err error) {
	r.Options.logf("%s: %v", what, err)
	r.Problems = append(r.Problems, fmt.Sprintf("%s: %v", what, err))
}

// measureDeployment starts size nodes (an office when size > 1) and runs the load scenarios on them.
func measureDeployment(ctx context.Context, o Options, size int) (*clusterFigures, error) {
	label := "single node"
	var nodes []*Node
	var err error
	kind := "single"
	if size == 1 {
		var n *Node
		n, err = startProfiledNode(ctx, o)
		nodes = []*Node{n}
	} else {
		kind = "office"
		label = fmt.Sprintf("%d-node office", size)
		o.logf("%s: starting", label)
		nodes, err = startProfiledOffice(ctx, o.Bin, o.PprofDir, size)
	}
	if err != nil {
		return nil, err
	}
	defer stopAll(nodes)
	f := &clusterFigures{Nodes: size, Throughput: map[int]Spread{}, CPUPerMsg: map[int]Spread{}, GenCPU: map[int]Spread{}, SatLatency: map[int][3]Spread{}}
	tag := fmt.Sprintf("n%d", size)
	if size == 3 && slices.Contains(o.senderCounts(), 1) {
		if f.Placement, err = measurePlacements(ctx, o, nodes, label); err != nil {
			return f, fmt.Errorf("placements: %w", err)
		}
	}
	for _, senders := range o.senderCounts() {
		p, err := newPool(ctx, nodes, fmt.Sprintf("%s_c%d", tag, senders), senders)
		if err != nil {
			return f, err
		}
		p.runLoad(ctx, o.Duration/3, 0) // warm-up: connections, caches, conversations
		var rates, cpus, gen []float64
		var lat [3][]float64
		for run := range o.Runs {
			profiled := func() error { return nil }
			if run == o.Runs-1 {
				profiled = profileNodes(ctx, o, nodes, fmt.Sprintf("%s-%d", kind, senders))
			}
			cpu0 := nodesCPU(nodes)
			res := p.runLoad(ctx, o.Duration, 0)
			if err := profiled(); err != nil {
				return f, err
			}
			if used := nodesCPU(nodes) - cpu0; used > 0 && len(res.lat) > 0 {
				cpus = append(cpus, float64(used.Microseconds())/float64(len(res.lat)))
			}
			f.Errors += res.errors
			rates, gen = append(rates, res.rate), append(gen, res.genCPU)
			p50, p99, mx := res.lat.Quantiles()
			lat[0], lat[1], lat[2] = append(lat[0], p50), append(lat[1], p99), append(lat[2], mx)
			o.logf("%s: %d senders, run %d/%d: %.0f msg/s, p50 %.1f ms, p99 %.1f ms", label, senders, run+1, o.Runs,
				res.rate, p50, p99)
		}
		f.Throughput[senders] = SpreadOf(rates)
		f.CPUPerMsg[senders] = SpreadOf(cpus)
		f.GenCPU[senders] = SpreadOf(gen)
		f.SatLatency[senders] = [3]Spread{SpreadOf(lat[0]), SpreadOf(lat[1]), SpreadOf(lat[2])}
		if senders == fixedRateSenders {
			var lat [3][]float64
			var achieved []float64
			for run := range o.Runs {
				profiled := func() error { return nil }
				if run == o.Runs-1 {
					profiled = profileNodes(ctx, o, nodes, fmt.Sprintf("%s-%dps", kind, fixedRate))
				}
				res := p.runLoad(ctx, o.Duration, fixedRate)
				if err := profiled(); err != nil {
					return f, err
				}
				f.Errors += res.errors
				p50, p99, mx := res.lat.Quantiles()
				lat[0], lat[1], lat[2] = append(lat[0], p50), append(lat[1], p99), append(lat[2], mx)
				achieved = append(achieved, res.rate)
				o.logf("%s: %d/s fixed rate, run %d/%d: p50 %.1f ms, p99 %.1f ms, max %.1f ms", label, fixedRate,
					run+1, o.Runs, p50, p99, mx)
			}
			f.Fixed = [3]Spread{SpreadOf(lat[0]), SpreadOf(lat[1]), SpreadOf(lat[2])}
			f.FixedRate = SpreadOf(achieved)
		}
		p.close()
	}
	if len(o.Senders) > 0 {
		return f, nil
	}
	if f.FanOut, err = measureFanOut(ctx, o, nodes, tag, label); err != nil {
		return f, fmt.Errorf("fan-out: %w", err)
	}
	if f.History, err = measureHistory(ctx, o, nodes, tag, label); err != nil {
		return f, fmt.Errorf("history: %w", err)
	}
	return f, nil
}

// profileNodes starts a CPU profile of each node that serves its profiler, over o.Duration, into
// o.PprofDir: <name>.pprof for a lone node; <name>-leader.pprof and <name>-follower<i>.pprof for an
// office; and <name>-gen.pprof of this process, the load generator, which shares the cores. The
// returned wait returns once all are written.
func profileNodes(ctx context.Context, o Options, nodes []*Node, name string) (wait func() error) {
	if o.PprofDir == "" || nodes[0].PprofAddr == "" {
		return func() error { return nil }
	}
	names := []string{name}
	if len(nodes) > 1 {
		var err error
		if nodes, err = leaderFirst(ctx, nodes); err != nil {
			return func() error { return fmt.Errorf("profile: %w", err) }
		}
		names = []string{name + "-leader"}
		for i := 1; i < len(nodes); i++ {
			names = append(names, fmt.Sprintf("%s-follower%d", name, i))
		}
	}
	seconds := max(1, int(o.Duration.Seconds()))
	errs := make(chan error, len(nodes)+1)
	for i, n := range nodes {
		path := filepath.Join(o.PprofDir, names[i]+".pprof")
		go func() { errs <- fetchProfile(ctx, n.PprofAddr, seconds, path) }()
	}
	go func() {
		errs <- profileSelf(ctx, time.Duration(seconds)*time.Second, filepath.Join(o.PprofDir, name+"-gen.pprof"))
	}()
	return func() error {
		var all []error
		for range len(nodes) + 1 {
			all = append(all, <-errs)
		}
		return errors.Join(all...)
	}
}

// profileSelf writes a CPU profile of this process over d (or until ctx ends) to path.
func profileSelf(ctx context.Context, d time.Duration, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("generator profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return fmt.Errorf("generator profile: %w", err)
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	pprof.StopCPUProfile()
	if err := f.Close(); err != nil {
		return fmt.Errorf("generator profile: %w", err)
	}
	return nil
}
