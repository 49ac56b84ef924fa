package replication

import (
	"context"
	"testing"
	"time"
)

// TestSnapshotCadenceShare: a snapshot is due after the threshold's entries while the history is
// small, and after a share of the history once that is larger, so a large state is not copied
// every threshold entries.
func TestSnapshotCadenceShare(t *testing.T) {
	c := newSnapshotCadence(100, 0)
	for _, tc := range []struct {
		last, applied uint64
		due           bool
	}{
		{0, 99, false}, {0, 100, true}, // the threshold
		{100, 199, false}, {100, 200, true},
		{8000, 8999, false}, {8000, 9000, false}, // 1,000 since, but 9,000/8 = 1,125 are needed
		{8000, 9143, true},
		{9143, 9143, false}, // nothing new
	} {
		c.last = tc.last
		if got := c.isDue(tc.applied); got != tc.due {
			t.Errorf("last %d, applied %d: due %v, want %v", tc.last, tc.applied, got, tc.due)
		}
	}
}

// TestSnapshotFollowsAppliedEntries: with Raft's own check at its default (every 120-240 s), a
// node snapshots and compacts its log as soon as the threshold's entries are applied, so the log
// holds at most the trailing entries and those since the last snapshot, however fast they came.
func TestSnapshotFollowsAppliedEntries(t *testing.T) {
	const threshold, trailing = 16, 4
	tn := openTunedTestNode(t, t.TempDir(), Tuning{SnapshotThreshold: threshold, TrailingLogs: trailing})
	defer tn.close(t)
	propose(t, tn.node, testCommands(t, 0, 20))
	applied := tn.node.AppliedIndex()
	if applied < 3*threshold {
		t.Fatalf("applied %d entries, the test needs at least %d", applied, 3*threshold)
	}
	// The snapshot runs beside the FSM: wait for it (a bound, not a timing: Raft's own check would
	// not come for two minutes).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		first, err := tn.node.raftLog.FirstIndex()
		if err != nil {
			t.Fatal(err)
		}
		last, err := tn.node.raftLog.LastIndex()
		if err != nil {
			t.Fatal(err)
		}
		if last-first+1 <= threshold+trailing+1 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("log holds %d..%d after %d applied entries: not compacted", first, last, applied)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
