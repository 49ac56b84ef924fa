package store

import (
	"context"
	"sync"
	"sync/atomic"
)

// Checkpoints ahead of the FSM. In WAL mode SQLite copies the WAL back into the database file (a
// checkpoint: the pages, then an fsync of the file) once it holds 1,000 pages, on the connection
// whose commit crossed the mark: the FSM's. So every second or two of writes one FSM commit took
// a whole checkpoint's writes and fsync, 5-50 ms instead of 0.2, and since every member applies
// the same entries, all of them at the same entry: a message whose commit or apply met it waited
// on every node (per-hop trace, docs/benchmarks.md, branch i17p50). Now the FSM's commits wake a
// goroutine every checkpointEvery commits, which checkpoints on w's other connection beside the
// FSM's next transactions (SQLite lets one writer and one checkpointer work at once). When that
// checkpoint copied everything, the FSM's next transaction starts the WAL over and the FSM never
// reaches its own mark; under a steady load, when the FSM's writes meanwhile leave some behind,
// the FSM's own checkpoint at 1,000 pages copies only what came since. Nothing runs while nothing
// is written.

// checkpointEvery is how many FSM commits wake the checkpointer: about 400 pages of single
// messages (a send writes about a dozen), well before SQLite's mark; fewer and larger checkpoints
// under load, when a commit holds a batch.
const checkpointEvery = 32

// checkpointer runs the database's checkpoints.
type checkpointer struct {
	commits atomic.Int64 // FSM commits since the last checkpoint began
	wake    chan struct{}
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once
	ran     atomic.Int64 // checkpoints run (tests)
}

func newCheckpointer() *checkpointer {
	return &checkpointer{wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
}

// committed counts an FSM commit and wakes the checkpointer every checkpointEvery of them.
func (c *checkpointer) committed() {
	if c.commits.Add(1) < checkpointEvery {
		return
	}
	select {
	case c.wake <- struct{}{}:
	default: // one is due already
	}
}

// run checkpoints db's WAL when woken, until close. PASSIVE: it copies what no reader still needs
// and never waits for one (a snapshot's copy holds its read for the copy's length). One that fails
// (a full disk) leaves the pages to the next, or to the FSM's own.
func (c *checkpointer) run(db *DB) {
	defer close(c.done)
	for {
		select {
		case <-c.stop:
			return
		case <-c.wake:
		}
		c.commits.Store(0)
		if _, err := db.w.ExecContext(context.Background(), `PRAGMA wal_checkpoint(PASSIVE)`); err == nil {
			c.ran.Add(1)
		}
	}
}

// close stops the checkpointer; closing the database's last connection checkpoints what is left.
func (c *checkpointer) close() {
	c.once.Do(func() { close(c.stop) })
	<-c.done
}
