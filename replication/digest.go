package replication

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"lanim/node/store"
)

// stateDigest serves the state digest of /cluster/status: it is computed at most once per applied
// index, in the background, and shared. A full digest reads every row (seconds at a million
// messages); the state at an index is a pure function of the log, so the digest of an index never
// changes and a computed one stays valid until the next apply. See DESIGN.md, "The state digest".
type stateDigest struct {
	db      *store.DB
	applied func() uint64 // the FSM's committed index
	ctx     context.Context

	mu        sync.Mutex
	have      bool   // index and digest hold a computed pair
	index     uint64 // the applied index digest was computed at
	digest    string
	run       *digestRun // the computation in flight, or nil
	computed  uint64     // how many computations started (tests count them)
	closed    bool
	computing sync.WaitGroup
}

// digestRun is one computation; its fields are set before done is closed.
type digestRun struct {
	from   uint64 // the FSM's applied index when it started: its result covers at least this
	done   chan struct{}
	index  uint64
	digest string
	err    error
}

var errDigestClosed = errors.New("the node is closing")

func newStateDigest(ctx context.Context, db *store.DB, applied func() uint64) *stateDigest {
	return &stateDigest{db: db, applied: applied, ctx: ctx}
}

// get returns an applied index and the digest of the state at that index, never older than the
// index the FSM had committed when get was called. While the index has not moved since the last
// computation it costs a mutex; otherwise callers share one computation. The computation does not
// depend on ctx: a caller that goes away stops waiting (ctx's error) and the digest is still
// cached for the next caller. Applies never wait for a digest: it reads its own SQLite snapshot.
func (d *stateDigest) get(ctx context.Context) (uint64, string, error) {
	want := d.applied()
	for {
		d.mu.Lock()
		if d.closed {
			d.mu.Unlock()
			return 0, "", errDigestClosed
		}
		if d.have && d.index >= want {
			index, digest := d.index, d.digest
			d.mu.Unlock()
			return index, digest, nil
		}
		run := d.run
		if run == nil {
			// Read under d.mu: a later caller that sees this run reads an index no newer.
			run = &digestRun{from: d.applied(), done: make(chan struct{})}
			d.run = run
			d.computed++
			d.computing.Add(1)
			go d.compute(run)
		}
		d.mu.Unlock()
		if err := ctx.Err(); err != nil {
			return 0, "", err // the caller is gone; the computation goes on for the next one
		}
		select {
		case <-run.done:
		case <-ctx.Done():
			return 0, "", ctx.Err()
		}
		if run.err != nil {
			return 0, "", fmt.Errorf("state digest: %w", run.err)
		}
		if run.from >= want {
			return run.index, run.digest, nil
		}
		// That computation began before the index this caller saw: its result is cached now, and
		// the next round starts (or joins) a newer one.
	}
}

// compute runs one digest under the node's context and caches it unless a newer one is cached.
func (d *stateDigest) compute(run *digestRun) {
	defer d.computing.Done()
	run.index, run.digest, run.err = d.db.DigestAt(d.ctx)
	if run.err != nil && d.ctx.Err() != nil {
		run.err = errDigestClosed // cut short by Close, not a failure of the database
	}
	d.mu.Lock()
	if run.err == nil && (!d.have || run.index > d.index) {
		d.have, d.index, d.digest = true, run.index, run.digest
	}
	d.run = nil
	d.mu.Unlock()
	close(run.done)
}

// computations is how many digests were computed (started) so far.
func (d *stateDigest) computations() uint64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.computed
}

// close refuses new calls and waits for a computation in flight (cut short by the node's
// context, cancelled before), so none reads the database after the node closed.
func (d *stateDigest) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.computing.Wait()
}
