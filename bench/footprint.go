package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"lanim/node/client"
)

// footprint is the memory and disk a node needs.
type footprint struct {
	IdleRSS        Spread // MB, a fresh headless node
	ConnRSS        Spread // MB more with idleConns idle WS connections
	DiskPer100k    Spread // MB of data dir per 100,000 messages
	DiskMsgsPerRun int
	// DiskFirst is the growth in MB over the first DiskFirstMsgs messages, sent before the measured
	// runs: it holds what a data dir fills once (the Raft log up to its ceiling, the WAL up to its
	// checkpoint size) beside those messages' own bytes. DiskFirstSplit splits it by diskGroup.
	DiskFirst      float64
	DiskFirstMsgs  int
	DiskFirstSplit map[string]float64
	DiskFiles      []string          // the files that grew over all runs, "path +N MB"
	DiskSplit      map[string]Spread // DiskPer100k by diskGroup
}

// diskGroups are the parts of a data dir the footprint splits its growth into, in report order.
var diskGroups = []string{"state.db", "raft log", "snapshots", "blobs", "other"}

// diskGroup names the part of the data dir a file (its path under the data dir) belongs to:
// state.db with its WAL and shared memory, the Raft log, Raft's snapshots, the blob store.
func diskGroup(path string) string {
	switch {
	case strings.HasPrefix(path, "state.db"):
		return "state.db"
	case path == filepath.Join("raft", "raft.db"), strings.HasPrefix(path, filepath.Join("raft", "wal")+string(filepath.Separator)):
		return "raft log"
	case strings.HasPrefix(path, filepath.Join("raft", "snapshots")+string(filepath.Separator)):
		return "snapshots"
	case strings.HasPrefix(path, "blobs"+string(filepath.Separator)):
		return "blobs"
	}
	return "other"
}

// groupSizes sums file sizes by diskGroup.
func groupSizes(files map[string]int64) map[string]int64 {
	out := map[string]int64{}
	for path, size := range files {
		out[diskGroup(path)] += size
	}
	return out
}

const (
	idleConns   = 1000
	settleIdle  = 3 * time.Second // a fresh node's startup garbage is collected by then
	mb          = 1 << 20
	dialWorkers = 16
	fillWorkers = 16
)

func measureFootprint(ctx context.Context, o Options) (*footprint, error) {
	f := &footprint{DiskMsgsPerRun: 20000}
	if o.Quick {
		f.DiskMsgsPerRun = 5000
	}
	var idle, conns, disk []float64
	for run := range o.Runs {
		n, err := startNode(ctx, o.Bin, randomSecret(), false)
		if err != nil {
			return f, err
		}
		rss, err := settledRSS(n)
		if err != nil {
			n.Stop()
			return f, err
		}
		idle = append(idle, float64(rss)/mb)
		d, err := connFootprint(ctx, n)
		n.Stop()
		if err != nil {
			return f, fmt.Errorf("idle connections: %w", err)
		}
		conns = append(conns, d)
		o.logf("footprint run %d/%d: idle RSS %.1f MB, +%.1f MB with %d idle connections", run+1, o.Runs,
			float64(rss)/mb, d, idleConns)
	}
	f.IdleRSS, f.ConnRSS = SpreadOf(idle), SpreadOf(conns)

	n, err := startNode(ctx, o.Bin, randomSecret(), false)
	if err != nil {
		return f, err
	}
	defer n.Stop()
	if _, err := n.users(ctx, []string{"disk_a", "disk_b"}); err != nil {
		return f, err
	}
	empty, emptyFiles, err := n.diskFiles()
	if err != nil {
		return f, err
	}
	// The first messages fill what a data dir fills once; the runs after them measure what each
	// message adds. Raft's log reaches its ceiling (10,240 trailing entries and 8,192 since the
	// last snapshot) at about 25,000 entries, so there are half as many again as in a run.
	first := f.DiskMsgsPerRun * 3 / 2
	before, firstFiles, err := n.fillDisk(ctx, o, first, "data dir: first messages")
	if err != nil {
		return f, err
	}
	f.DiskFirst = float64(before-empty) / mb
	f.DiskFirstSplit = map[string]float64{}
	emptyGroups := groupSizes(emptyFiles)
	groupsBefore := groupSizes(firstFiles)
	for _, g := range diskGroups {
		f.DiskFirstSplit[g] = float64(groupsBefore[g]-emptyGroups[g]) / mb
	}
	f.DiskFirstMsgs = first
	o.logf("data dir: +%.1f MB for the first %d messages", f.DiskFirst, first)
	split := map[string][]float64{}
	for run := range o.Runs {
		after, files, err := n.fillDisk(ctx, o, f.DiskMsgsPerRun, fmt.Sprintf("data dir run %d/%d: sending", run+1, o.Runs))
		if err != nil {
			return f, err
		}
		scale := func(bytes int64) float64 { return float64(bytes) / mb * 100000 / float64(f.DiskMsgsPerRun) }
		per := scale(after - before)
		disk = append(disk, per)
		groups := groupSizes(files)
		var parts []string
		for _, g := range diskGroups {
			split[g] = append(split[g], scale(groups[g]-groupsBefore[g]))
			parts = append(parts, fmt.Sprintf("%s %+.1f", g, scale(groups[g]-groupsBefore[g])))
		}
		o.logf("data dir run %d/%d: +%.1f MB for %d messages (%.1f MB per 100,000: %s)", run+1, o.Runs,
			float64(after-before)/mb, f.DiskMsgsPerRun, per, strings.Join(parts, ", "))
		before, groupsBefore = after, groups
	}
	f.DiskPer100k = SpreadOf(disk)
	f.DiskSplit = map[string]Spread{}
	for g, v := range split {
		f.DiskSplit[g] = SpreadOf(v)
	}
	_, files, err := n.diskFiles()
	if err != nil {
		return f, err
	}
	for path, size := range files {
		if grew := size - firstFiles[path]; grew > mb/10 {
			f.DiskFiles = append(f.DiskFiles, fmt.Sprintf("%s +%.1f MB", path, float64(grew)/mb))
		}
	}
	slices.Sort(f.DiskFiles)
	return f, nil
}

// fillDisk sends count messages from disk_a to disk_b (desc names the step) and then reads the data
// dir's files as settledDiskFiles does.
func (n *Node) fillDisk(ctx context.Context, o Options, count int, desc string) (int64, map[string]int64, error) {
	b := o.bar(count, desc)
	err := fill(ctx, n.Admin, []pair{{from: "disk_a", to: "disk_b"}}, count, fillWorkers, b)
	b.Finish()
	if err != nil {
		return 0, nil, err
	}
	return n.settledDiskFiles(ctx)
}

// settledDiskFiles is diskFiles once no snapshot is being written (waiting at most snapshotSettle):
// a snapshot in progress holds an uncompressed copy of state.db under tmp/ and its own file beside
// the previous one, which are gone when it ends and are not what the messages added.
func (n *Node) settledDiskFiles(ctx context.Context) (int64, map[string]int64, error) {
	deadline := time.Now().Add(snapshotSettle)
	for {
		total, files, err := n.diskFiles()
		if err != nil || !snapshotting(files) || time.Now().After(deadline) {
			return total, files, err
		}
		select {
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// snapshotSettle bounds the wait for a snapshot in progress.
const snapshotSettle = 30 * time.Second

// snapshotting reports whether files (paths under a data dir) show a snapshot being written: the
// database copy under tmp/, or Raft's snapshot directory still named .tmp.
func snapshotting(files map[string]int64) bool {
	for path := range files {
		if strings.HasPrefix(path, "tmp"+string(filepath.Separator)) || strings.Contains(path, ".tmp"+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// settledRSS is n's RSS once settleIdle has passed, so the garbage of what just happened is
// collected and does not count.
func settledRSS(n *Node) (int64, error) {
	time.Sleep(settleIdle)
	return n.RSS()
}

// connFootprint is the RSS growth in MB of n after idleConns users log in over WS and stay idle.
func connFootprint(ctx context.Context, n *Node) (float64, error) {
	ids := make([]string, idleConns)
	for i := range ids {
		ids[i] = fmt.Sprintf("idle%d", i)
	}
	toks, err := n.users(ctx, ids)
	if err != nil {
		return 0, err
	}
	before, err := settledRSS(n)
	if err != nil {
		return 0, err
	}
	conns := make([]*client.Conn, len(ids))
	var mu sync.Mutex
	var dialErr error
	var wg sync.WaitGroup
	next := make(chan int)
	for range dialWorkers {
		wg.Go(func() {
			for i := range next {
				c, err := n.dial(ctx, ids[i], toks[ids[i]])
				mu.Lock()
				if err != nil && dialErr == nil {
					dialErr = err
				}
				conns[i] = c
				mu.Unlock()
				if c != nil {
					go consume(c, nil)
				}
			}
		})
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()
	defer func() {
		var cw sync.WaitGroup
		for _, c := range conns {
			if c != nil {
				cw.Go(func() { c.Close() })
			}
		}
		cw.Wait()
	}()
	if dialErr != nil {
		return 0, dialErr
	}
	after, err := settledRSS(n)
	if err != nil {
		return 0, err
	}
	return float64(after-before) / mb, nil
}
