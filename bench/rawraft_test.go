package bench

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// TestRawRaftGroup: on each log store, the baseline's three nodes elect a leader over loopback
// TCP, every commit of a run reaches all three FSMs, and the run reports its commits.
func TestRawRaftGroup(t *testing.T) {
	for _, store := range rawStores {
		t.Run(store, func(t *testing.T) { testRawRaftGroup(t, store) })
	}
}

func testRawRaftGroup(t *testing.T, store string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	g, err := startRawGroup(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	defer g.close()
	leader, err := g.leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entry, err := rawEntry()
	if err != nil {
		t.Fatal(err)
	}
	if len(entry) < 200 || len(entry) > 600 {
		t.Fatalf("entry of %d bytes, want a text message's size", len(entry))
	}
	rate, lat, err := rawRun(ctx, leader, entry, 4, 300*time.Millisecond, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(lat) == 0 || rate <= 0 {
		t.Fatalf("no commits: rate %v, %d latencies", rate, len(lat))
	}
	// Paced, each apply starts at least pace after the one before: at most d/pace+1 in a run.
	_, paced, err := rawRun(ctx, leader, entry, 1, 300*time.Millisecond, 100*time.Millisecond, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(paced) == 0 || len(paced) > 4 {
		t.Fatalf("%d paced commits in 300 ms at one per 100 ms, want 1-4", len(paced))
	}
	// At a fixed rate the workers share the starts: 20 a second over 4 in flight is at most 6
	// commits in 300 ms (at 0, 50, ... 250 ms), however many workers are free.
	_, fixed, err := rawRun(ctx, leader, entry, 4, 300*time.Millisecond, 0, 20)
	if err != nil {
		t.Fatal(err)
	}
	if len(fixed) == 0 || len(fixed) > 6 {
		t.Fatalf("%d commits in 300 ms at 20/s, want 1-6", len(fixed))
	}
	if err := leader.Barrier(10 * time.Second).Error(); err != nil {
		t.Fatal(err)
	}
	// The followers apply what the leader committed once they learn its commit index.
	for _, r := range g.rafts {
		deadline := time.Now().Add(30 * time.Second)
		for r.AppliedIndex() < leader.AppliedIndex() && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if r.State() != raft.Leader && r.AppliedIndex() < leader.AppliedIndex() {
			t.Fatalf("a follower applied %d of %d", r.AppliedIndex(), leader.AppliedIndex())
		}
	}
	for i, f := range g.fsms {
		if f.count() < uint64(len(lat)+len(paced)) {
			t.Errorf("node %d applied %d entries, want at least %d", i, f.count(), len(lat)+len(paced))
		}
	}
}
