package replication

import (
	"database/sql"
	"errors"
	"time"

	"github.com/hashicorp/raft"

	"lanim/node/im"
	"lanim/node/store"
)

// Group commit: a busy node's FSM gets from Raft one small batch per log append (10-20 entries at
// 7,000 msg/s on one node), and the batch's COMMIT cost two thirds of what its commands did (the WAL
// frames of every page the batch touched, the full-text index's new segment; a CPU profile of a
// saturated node). When Raft has already queued the next commands, the FSM leaves its transaction
// open and they join it: one COMMIT serves them all. A lone write never waits, as nothing is queued
// behind it.

// openTx is the FSM's transaction while its commit is deferred, and what its commit will publish.
type openTx struct {
	tx        *store.Tx
	began     time.Time
	logs      []*raft.Log // every entry applied in tx
	last      uint64      // the applied index tx records
	events    []im.Event
	completed []string
}

// Bounds of a deferred commit: the answers of its first entries wait for it.
const (
	maxOpenEntries = 256
	maxOpenAge     = 5 * time.Millisecond
)

// deferCommit is whether the transaction o, which adds n entries up to last, may stay open for the
// next batch: Raft has queued more commands, and o is young and small enough. Raft's futures are
// answered before the commit; the node's own answers wait for it (applyResult), so a reader still
// sees every write it was told of.
func (f *fsm) deferCommit(o *openTx, n int, last uint64) bool {
	if len(o.logs)+n >= maxOpenEntries || time.Since(o.began) >= maxOpenAge {
		return false
	}
	return f.queued != nil && f.queued(last)
}

// settle commits what a deferred commit holds, and applies the entries a rollback left to redo:
// a snapshot must hold every entry Raft counts as applied. On a full disk it waits like ApplyBatch.
func (f *fsm) settle() error {
	return f.untilStored(func() error {
		if o := f.open; o != nil {
			f.open = nil
			if err := o.tx.Commit(); err != nil {
				f.redo = append(f.redo, o.logs...)
				if rerr := o.tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
					f.log.Warn("rollback after a failed commit", "err", rerr)
				}
				return storageFailure("commit", err)
			}
			f.committed(o)
		}
		if len(f.redo) > 0 {
			_, err := f.tryBatch(nil)
			return err
		}
		return nil
	})
}

// discard rolls back a deferred commit and forgets the entries to redo: a snapshot install
// replaces the state they would have changed.
func (f *fsm) discard() {
	if o := f.open; o != nil {
		f.open = nil
		if err := o.tx.Rollback(); err != nil && !errors.Is(err, sql.ErrTxDone) {
			f.log.Warn("rollback of a deferred commit", "err", err)
		}
	}
	f.redo = nil
}
