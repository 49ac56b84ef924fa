package ratelimit

import (
	"fmt"
	"testing"
	"time"
)

func TestAllowPerKey(t *testing.T) {
	k := NewKeyed(10, 3)
	now := time.Unix(1_700_000_000, 0)
	for i := range 3 {
		if !k.Allow("ann", now) {
			t.Fatalf("request %d within the burst refused", i)
		}
	}
	if k.Allow("ann", now) {
		t.Fatal("a request past the burst was allowed")
	}
	if !k.Allow("bob", now) {
		t.Fatal("ann's flood refused bob")
	}
	if !k.Allow("ann", now.Add(100*time.Millisecond)) {
		t.Fatal("no token refilled after 100 ms at 10/s")
	}
	if k.Allow("ann", now.Add(100*time.Millisecond)) {
		t.Fatal("more than one token refilled after 100 ms at 10/s")
	}
}

// TestSpentCountsFailuresOnly: Spent takes nothing, so only the attempts that failed (and called
// Allow) use up the bucket.
func TestSpentCountsFailuresOnly(t *testing.T) {
	k := NewKeyed(1.0/60, 2)
	now := time.Unix(1_700_000_000, 0)
	for range 10 {
		if k.Spent("ann", now) {
			t.Fatal("Spent took a token")
		}
	}
	k.Allow("ann", now)
	k.Allow("ann", now)
	if !k.Spent("ann", now) {
		t.Fatal("two failures did not spend a burst of 2")
	}
	if k.Spent("ann", now.Add(time.Minute)) {
		t.Fatal("no token back after a minute at 1/min")
	}
}

// TestIdleBucketsForgotten: past minPrune keys, full buckets are dropped and busy ones kept.
func TestIdleBucketsForgotten(t *testing.T) {
	k := NewKeyed(1, 5)
	now := time.Unix(1_700_000_000, 0)
	k.Allow("busy", now)
	k.Allow("busy", now)
	for i := range minPrune - 1 { // busy and these fill the map to minPrune: the next key prunes
		k.Allow(fmt.Sprint("idle", i), now)
	}
	later := now.Add(time.Second) // every idle bucket is full again; busy is still one short
	k.Allow("new", later)
	if got := k.Len(); got != 2 {
		t.Fatalf("%d buckets after the prune, want busy and new", got)
	}
	if k.buckets["busy"] == nil {
		t.Fatal("the busy bucket was forgotten")
	}
}
