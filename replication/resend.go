package replication

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"
)

// Entries a follower missed. hashicorp/raft sends a follower entries again only when new ones come
// or CommitTimeout passes (30 s here, for a quiet idle office). So after an AppendEntries that
// failed (Wi-Fi gone for a moment, a laptop lid closed while colleagues wrote), the member's users
// waited for the next write or up to a minute for what was said meanwhile. Its heartbeats go on
// separately and show when it answers again.
//
// So the leader remembers a member whose AppendEntries failed, and when a heartbeat gets through
// to it again, appends a barrier: an entry the FSM never sees, whose only effect is that Raft sends
// every follower what it lacks. A member that fails again is nudged less often (missedNudgeMin
// doubling to missedNudgeMax); one that stays out of reach fails its heartbeats and costs nothing.

const (
	missedNudgeMin = time.Second
	missedNudgeMax = 30 * time.Second
	// barrierTimeout bounds the wait for a barrier's turn in Raft's queue.
	barrierTimeout = 10 * time.Second
)

// missedEntries tracks the members whose last AppendEntries with more than a heartbeat failed.
type missedEntries struct {
	nudge   func() // appends a barrier; run by one goroutine at a time
	running atomic.Bool
	wg      *sync.WaitGroup

	mu     sync.Mutex
	behind map[raft.ServerID]*missed
}

// missed is one member's debt: when it may be nudged next, and the pause after that.
type missed struct {
	next time.Time
	gap  time.Duration
}

func newMissedEntries(nudge func(), wg *sync.WaitGroup) *missedEntries {
	return &missedEntries{nudge: nudge, wg: wg, behind: map[raft.ServerID]*missed{}}
}

// sent notes how an AppendEntries to id went: one with entries or a commit index that failed
// leaves id behind, one that arrived clears it, and a heartbeat that arrived to a member behind
// nudges Raft when its pause is over.
func (m *missedEntries) sent(id raft.ServerID, heartbeat bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := m.behind[id]
	switch {
	case !heartbeat && err != nil:
		if d == nil {
			m.behind[id] = &missed{}
		}
	case !heartbeat:
		delete(m.behind, id)
	case err == nil && d != nil && !time.Now().Before(d.next):
		d.gap = min(max(2*d.gap, missedNudgeMin), missedNudgeMax)
		d.next = time.Now().Add(d.gap)
		m.start()
	}
}

// start runs nudge unless one is under way: one barrier sends every follower what it lacks.
func (m *missedEntries) start() {
	if !m.running.CompareAndSwap(false, true) {
		return
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		defer m.running.Store(false)
		m.nudge()
	}()
}

// appendBarrier is the leader's nudge: Raft replicates the barrier, and with it every entry a
// follower lacks.
func (n *Node) appendBarrier() {
	if err := n.raft.Barrier(barrierTimeout).Error(); err != nil {
		n.log.Debug("barrier to send missed entries again", "err", err)
	}
}
