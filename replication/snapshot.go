package replication

import (
	"errors"
	"sync"

	"github.com/hashicorp/raft"
)

// snapshotShare bounds how often a large state is snapshotted: a snapshot is due when the entries
// applied since the last one reach the threshold and also this share of every entry ever applied.
//
// A snapshot copies and compresses the whole state, so its cost grows with the history; the log it
// lets Raft compact grows with the entries since the last one. Tying the cadence to the applied
// index, not to a timer, makes the log's ceiling (the trailing entries plus at most
// max(threshold, applied/snapshotShare)) a function of the history, the same at 100 or 5,000
// messages a second: with Raft's 30-60 s check a burst grew the log by whatever arrived in that
// time, and the log's BoltDB file of the time (it never shrank) kept that size. With the share, a snapshot
// copies at most snapshotShare times the state each entry added (≈3 KB a text message), where a
// fixed threshold would copy a 1M-message database every 8,192 entries.
const snapshotShare = 8

// snapshotCadence asks Raft for a snapshot as soon as the applied index makes one due. It costs
// nothing when nothing is applied: there is no timer. Raft's own check stays at its default
// (every 120-240 s, a snapshot once the threshold's entries wait): it keeps the log of a quiet
// office with a large history short, and adds at most one snapshot per check under load.
type snapshotCadence struct {
	threshold uint64
	due       chan struct{} // one pending request; more are dropped

	mu   sync.Mutex
	last uint64 // index of the newest snapshot, taken or installed
}

func newSnapshotCadence(threshold, last uint64) *snapshotCadence {
	return &snapshotCadence{threshold: threshold, last: last, due: make(chan struct{}, 1)}
}

// isDue reports whether a snapshot at applied is due.
func (c *snapshotCadence) isDue(applied uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return applied > c.last && applied-c.last >= max(c.threshold, applied/snapshotShare)
}

// applied is told the applied index after each batch; it wakes run when a snapshot is due.
func (c *snapshotCadence) applied(index uint64) {
	if c.isDue(index) {
		select {
		case c.due <- struct{}{}:
		default:
		}
	}
}

// snapshotAt records a snapshot of the state at index (the FSM's, taken or installed).
func (c *snapshotCadence) snapshotAt(index uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.last = max(c.last, index)
}

// run takes the snapshots applied makes due until stop closes. applied is the FSM's index, read
// again before each snapshot: a request that a snapshot already served is dropped.
func (c *snapshotCadence) run(stop <-chan struct{}, r *raft.Raft, applied func() uint64, log func(error)) {
	for {
		select {
		case <-stop:
			return
		case <-c.due:
		}
		if !c.isDue(applied()) {
			continue
		}
		err := r.Snapshot().Error()
		if err != nil && !errors.Is(err, raft.ErrNothingNewToSnapshot) && !errors.Is(err, raft.ErrRaftShutdown) {
			log(err)
		}
	}
}

// latestSnapshotIndex is the index of the newest snapshot in snaps, 0 when there is none.
func latestSnapshotIndex(snaps raft.SnapshotStore) (uint64, error) {
	metas, err := snaps.List()
	if err != nil || len(metas) == 0 {
		return 0, err
	}
	return metas[0].Index, nil
}
