package bench

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// hasTmp says whether a snapshot is being written (its directory ends in .tmp).
func hasTmp(names []string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, ".tmp") })
}

// Growth points: the stored messages at which the send latency and the node's RSS are measured.
// The default curve stops at 100,000 so `make bench` stays short; -growth (make bench-growth)
// goes to a million.
var (
	growthShort = []int{10_000, 100_000}
	growthLong  = []int{10_000, 100_000, 300_000, 1_000_000}
	growthQuick = []int{2_000, 10_000}
)

// growthChats is how many one-to-one chats the fill spreads the stored messages over;
// growthWorkers is how many REST sends the fill keeps in flight (more than fillWorkers: a million
// messages are only practical when the node commits them in large batches).
const (
	growthChats   = 100
	growthWorkers = 64
)

// growthFigures: one row per point.
type growthFigures struct {
	Points []growthPoint
}

type growthPoint struct {
	Target   int       // the point: messages filled in before it was measured
	Stored   int       // messages actually stored when its runs ended (fill + the load runs so far)
	Lat      [3]Spread // p50, p99, max (ms) at fixedRate
	Rate     Spread
	Errors   int
	RSS      Spread        // MB after each run
	RSSFile  Spread        // MB of it file-backed (memory-mapped files: the Raft log's meta database, SQLite's shared memory)
	Disk     float64       // MB, the whole data dir
	State    float64       // MB, state.db with its WAL and shared memory
	RaftLog  float64       // MB, raft/wal (raft/raft.db before raft-wal)
	Snaps    float64       // MB, raft/snapshots (the newest Raft snapshot, a compressed copy of state.db)
	FillRate float64       // msg/s of the fill that led to this point
	Busy     time.Duration // how long the node stayed busy after the fill (commits, a Raft snapshot)
	InSnap   int           // runs during which the node took a Raft snapshot
	Mapped   []string      // the largest file mappings in RSS, "name N MB"
}

// quietLimit bounds the wait for the node to go idle after a fill.
const quietLimit = 3 * time.Minute

// growthPer100k is the data dir's growth per 100,000 messages between the first and last point:
// total and the state database alone.
func (g *growthFigures) per100k() (total, state float64, ok bool) {
	if g == nil || len(g.Points) < 2 {
		return 0, 0, false
	}
	a, b := g.Points[0], g.Points[len(g.Points)-1]
	d := float64(b.Stored - a.Stored)
	if d <= 0 {
		return 0, 0, false
	}
	return (b.Disk - a.Disk) / d * 100000, (b.State - a.State) / d * 100000, true
}

// measureGrowth fills one node point by point (REST, growthChats chats) and at each point runs
// the fixed-rate latency load (fixedRate over fixedRateSenders WS senders, o.Runs runs of
// o.Duration) and reads RSS and the data dir.
//
// With o.PprofDir it records a CPU profile of the node over the last run of each point.
func measureGrowth(ctx context.Context, o Options) (*growthFigures, error) {
	n, err := startProfiledNode(ctx, o)
	if err != nil {
		return nil, err
	}
	defer n.Stop()
	fillPairs := make([]pair, growthChats)
	ids := make([]string, 0, 2*growthChats)
	for i := range fillPairs {
		fillPairs[i] = pair{from: fmt.Sprintf("gr_a%d", i), to: fmt.Sprintf("gr_b%d", i)}
		ids = append(ids, fillPairs[i].from, fillPairs[i].to)
	}
	if err := n.register(ctx, ids); err != nil {
		return nil, err
	}
	p, err := newPool(ctx, []*Node{n}, "gr", fixedRateSenders)
	if err != nil {
		return nil, err
	}
	defer p.close()
	g := &growthFigures{}
	filled, stored := 0, 0
	for pi, target := range o.GrowthPoints {
		if ctx.Err() != nil {
			return g, ctx.Err()
		}
		pt := growthPoint{Target: target}
		if more := target - filled; more > 0 {
			b := o.bar(more, fmt.Sprintf("growth: filling to %s messages", num(float64(target), 0)))
			start := time.Now()
			err := fill(ctx, n.Admin, fillPairs, more, growthWorkers, b)
			b.Finish()
			if err != nil {
				return g, err
			}
			pt.FillRate = float64(more) / time.Since(start).Seconds()
			filled, stored = target, stored+more
			// Measure the point, not the fill's aftermath: wait until the node is idle again.
			if pt.Busy, err = n.waitQuiet(ctx, quietLimit); err != nil {
				return g, err
			}
		}
		if pi == 0 {
			p.runLoad(ctx, o.Duration/3, 0) // warm-up: connections, caches, conversations
		}
		var lat [3][]float64
		var rates, rss, rssFile []float64
		for run := range o.Runs {
			before := n.snapshots()
			profiled := func() error { return nil }
			if run == o.Runs-1 {
				profiled = profileNodes(ctx, o, []*Node{n}, fmt.Sprintf("growth-%d", target))
			}
			res := p.runLoad(ctx, o.Duration, fixedRate)
			if err := profiled(); err != nil {
				return g, err
			}
			if after := n.snapshots(); !slices.Equal(before, after) || hasTmp(after) {
				pt.InSnap++
				o.logf("growth: the node took a Raft snapshot during this run")
			}
			pt.Errors += res.errors
			stored += len(res.lat)
			p50, p99, mx := res.lat.Quantiles()
			lat[0], lat[1], lat[2] = append(lat[0], p50), append(lat[1], p99), append(lat[2], mx)
			rates = append(rates, res.rate)
			m, err := n.memory()
			if err != nil {
				return g, err
			}
			rss, rssFile = append(rss, float64(m.rss)/mb), append(rssFile, float64(m.file)/mb)
			o.logf("growth, %s stored: %d/s run %d/%d: p50 %.1f ms, p99 %.1f ms, max %.1f ms, RSS %.1f MB (%.1f MB file-backed)",
				num(float64(stored), 0), fixedRate, run+1, o.Runs, p50, p99, mx, float64(m.rss)/mb, float64(m.file)/mb)
		}
		pt.Lat = [3]Spread{SpreadOf(lat[0]), SpreadOf(lat[1]), SpreadOf(lat[2])}
		pt.Rate, pt.RSS, pt.RSSFile, pt.Stored = SpreadOf(rates), SpreadOf(rss), SpreadOf(rssFile), stored
		if pt.Mapped, err = topMapped(n, 3); err != nil {
			return g, err
		}
		total, files, err := n.diskFiles()
		if err != nil {
			return g, err
		}
		pt.Disk = float64(total) / mb
		groups := groupSizes(files)
		pt.State, pt.RaftLog, pt.Snaps = float64(groups["state.db"])/mb, float64(groups["raft log"])/mb, float64(groups["snapshots"])/mb
		o.logf("growth, %s stored: data dir %.1f MB (state %.1f MB, raft log %.1f MB, snapshots %.1f MB); busy %v after the fill; mapped in RSS: %s",
			num(float64(stored), 0), pt.Disk, pt.State, pt.RaftLog, pt.Snaps, pt.Busy.Round(time.Second), strings.Join(pt.Mapped, ", "))
		g.Points = append(g.Points, pt)
	}
	return g, nil
}

// topMapped names the k files with the most resident pages mapped into the node, "name N MB"
// with the node's own binary and data dir files named relative to it.
func topMapped(n *Node, k int) ([]string, error) {
	m, err := n.mappedRSS()
	if err != nil {
		return nil, err
	}
	paths := slices.Collect(maps.Keys(m))
	slices.SortFunc(paths, func(a, b string) int { return cmp.Compare(m[b], m[a]) })
	var out []string
	for _, path := range paths[:min(k, len(paths))] {
		name := path
		if rel, err := filepath.Rel(n.DataDir, path); err == nil && !strings.HasPrefix(rel, "..") {
			name = rel
		} else {
			name = filepath.Base(path)
		}
		out = append(out, fmt.Sprintf("%s %.1f MB", name, float64(m[path])/mb))
	}
	return out, nil
}
