package replication

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// TestMissedEntriesNudges: a barrier follows the first heartbeat that gets through after a failed
// AppendEntries, never one while the heartbeats fail too, and less often while the member keeps
// failing; an AppendEntries that arrives settles the debt.
func TestMissedEntriesNudges(t *testing.T) {
	var nudges atomic.Int32
	var wg sync.WaitGroup
	m := newMissedEntries(func() { nudges.Add(1) }, &wg)
	lost := errors.New("out of reach")
	step := func(what string, heartbeat bool, err error, want int32) {
		t.Helper()
		m.sent("c", heartbeat, err)
		wg.Wait()
		if got := nudges.Load(); got != want {
			t.Fatalf("after %s: %d barriers, want %d", what, got, want)
		}
	}
	step("a heartbeat to a member owed nothing", true, nil, 0)
	step("a failed AppendEntries", false, lost, 0)
	step("a failed heartbeat", true, lost, 0)
	step("a heartbeat that arrived", true, nil, 1)
	step("another heartbeat within a second", true, nil, 1)
	step("the barrier's AppendEntries, failed again", false, lost, 1)
	m.behind[raft.ServerID("c")].next = time.Now() // the pause is over
	step("a heartbeat after the pause", true, nil, 2)
	if gap := m.behind[raft.ServerID("c")].gap; gap != 2*missedNudgeMin {
		t.Fatalf("pause after the second barrier %v, want %v", gap, 2*missedNudgeMin)
	}
	step("an AppendEntries that arrived", false, nil, 2)
	step("a heartbeat once settled", true, nil, 2)
	step("a new failure", false, lost, 2)
	step("its first heartbeat through", true, nil, 3)
}
