package replication

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"github.com/klauspost/compress/gzip"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// fsm applies committed log entries to the state database. It implements raft.BatchingFSM: a batch
// is one SQLite transaction (or joins the next batch's, groupcommit.go), and a command whose rule
// fails changes nothing (see ApplyBatch).
type fsm struct {
	db      *store.DB
	machine machine
	sink    im.Sink
	tmpDir  string
	log     *slog.Logger
	// stop ends the wait for disk space (the node is closing); nil waits until there is space.
	stop <-chan struct{}
	// completed is told the blob keys of the objects each batch completed (after it commits), so
	// the node that has their bytes records its hold and starts pushing copies. May be nil.
	completed func(keys []string)
	// committing is told the last index and term of each batch before it is applied: the entries
	// are committed, and the leader notifies the followers at once (commitnotice.go). May be nil.
	committing func(index, term uint64)
	// snapshots is told each applied index and each snapshot's, and asks Raft for a snapshot when
	// one is due (snapshot.go). May be nil.
	snapshots *snapshotCadence

	// mu guards applied and advanced: the index of the last committed batch and a channel closed
	// (and replaced) whenever it moves, for read-your-writes waits.
	mu       sync.Mutex
	applied  uint64
	advanced chan struct{}

	// Group commit (see deferCommit). queued reports whether Raft has already queued a command
	// after an index for the FSM's goroutine (Node.commandQueued; nil: never). open is the
	// transaction whose commit waits for it; redo are entries of a deferred transaction that was
	// rolled back, to apply again before anything else. open and redo belong to Raft's FSM
	// goroutine (and to Node.Close once Raft has stopped).
	queued func(index uint64) bool
	open   *openTx
	redo   []*raft.Log
}

// machine applies one command inside the FSM's transaction (im.Machine).
type machine interface {
	Apply(ctx context.Context, tx store.Q, index uint64, cmd *im.Command) (*im.Result, []im.Event)
}

// initApplied loads the database's applied index; call once before Raft starts.
func (f *fsm) initApplied() error {
	i, err := store.AppliedIndex(context.Background(), f.db.Reader())
	if err != nil {
		return fmt.Errorf("replication: applied index: %w", err)
	}
	f.setApplied(i)
	return nil
}

func (f *fsm) setApplied(i uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.applied = i
	if f.advanced != nil {
		close(f.advanced)
	}
	f.advanced = make(chan struct{})
}

// appliedIndex is the last index committed to the state database.
func (f *fsm) appliedIndex() uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.applied
}

// waitApplied blocks until the database holds index (or ctx ends).
func (f *fsm) waitApplied(ctx context.Context, index uint64) error {
	for {
		f.mu.Lock()
		applied, ch := f.applied, f.advanced
		f.mu.Unlock()
		if applied >= index {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("waiting for index %d (applied %d): %w", index, applied, ctx.Err())
		}
	}
}

var _ raft.BatchingFSM = (*fsm)(nil)

func (f *fsm) Apply(l *raft.Log) any { return f.ApplyBatch([]*raft.Log{l})[0] }

// ApplyBatch applies entries in order. Entries at or below the database's applied index were
// applied before a restart and are skipped, which is what makes replaying the log tail safe.
//
// Most commands pass their rules, so the batch first runs without savepoints (a savepoint per
// command cost SQLite more than the command itself). When a command fails, that attempt is rolled
// back and the batch runs again with a savepoint around each command, so the failure undoes that
// command alone. Both runs apply the same entries to the same state, so they agree.
//
// A full disk fails no command (on the other nodes it would apply: the states would part): the
// batch is rolled back and applied again once space is freed. Until then this node applies
// nothing, and its API refuses writes (app's disk guard) while reads go on.
func (f *fsm) ApplyBatch(logs []*raft.Log) []any {
	if f.committing != nil && len(logs) > 0 {
		last := logs[len(logs)-1]
		f.committing(last.Index, last.Term)
	}
	var results []any
	err := f.untilStored(func() (err error) {
		results, err = f.tryBatch(logs)
		return err
	})
	if err != nil {
		results = make([]any, len(logs))
		for i := range results {
			results[i] = &im.Result{Err: im.DiskFull()}
		}
	}
	return results
}

// untilStored runs try until it does not fail for a full disk, waiting longer between attempts;
// it gives up (with errDiskFull) only when the node stops.
func (f *fsm) untilStored(try func() error) error {
	wait := diskRetryFirst
	for {
		err := try()
		if err == nil {
			return nil
		}
		f.log.Error("the disk is full: the log waits for space", "applied", f.appliedIndex(), "err", err, "retry", wait)
		select {
		case <-time.After(wait):
		case <-f.stop:
			return err
		}
		wait = min(2*wait, diskRetryMax)
	}
}

// Waits between attempts to apply a batch on a full disk.
const (
	diskRetryFirst = 250 * time.Millisecond
	diskRetryMax   = 5 * time.Second
)

// tryBatch applies logs once: without savepoints, and with them when a command failed. The error
// is a full disk (errDiskFull); the batch is then rolled back. A rollback also undoes the deferred
// entries before logs (f.redo): they are applied again with logs, and their results dropped (Raft
// has them; the same entries on the same state give the same ones).
func (f *fsm) tryBatch(logs []*raft.Log) ([]any, error) {
	if len(f.redo) == 0 {
		results, ok, err := f.applyBatch(logs, false)
		if err != nil || ok {
			return results, err
		}
	}
	redo := f.redo
	results, _, err := f.applyBatch(append(slices.Clip(redo), logs...), true)
	if err == nil {
		f.redo = nil
	}
	return results[len(redo):], err
}

// errDiskFull: the state database could not be written for want of space.
var errDiskFull = errors.New("state database: disk full")

// storageFailure turns a database error into errDiskFull, or panics: any other failure leaves a
// database the FSM cannot trust, and carrying on would diverge from the log.
func storageFailure(what string, err error) error {
	if store.IsDiskFull(err) {
		return fmt.Errorf("%w: %s: %v", errDiskFull, what, err)
	}
	panic(fmt.Sprintf("fsm: %s: %v", what, err))
}

// applyBatch applies logs in the FSM's transaction (the open one, or a new one) and, unless it
// defers the commit (deferCommit; never with savepoints), commits and publishes the events.
// Without savepoints it gives up at the first command that fails. On a full disk it returns
// errDiskFull. Either way it rolls back, and the deferred entries before logs go to f.redo.
func (f *fsm) applyBatch(logs []*raft.Log, savepoints bool) (results []any, ok bool, err error) {
	ctx := context.Background()
	results = make([]any, len(logs))
	o := f.open
	f.open = nil
	if o == nil {
		tx, err := f.db.Begin(ctx)
		if err != nil {
			return results, false, storageFailure("begin", err)
		}
		o = &openTx{tx: tx, began: time.Now()}
	}
	done := false
	defer func() {
		if done {
			return
		}
		f.redo = append(f.redo, o.logs...)
		// SQLite may have rolled a transaction back itself on a full disk: nothing is left to undo.
		if rerr := o.tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) && !errors.Is(err, errDiskFull) {
			panic(fmt.Sprintf("fsm: rollback: %v", rerr))
		}
	}()
	tx := o.tx
	applied, err := store.AppliedIndex(ctx, tx)
	if err != nil {
		return results, false, storageFailure("applied index", err)
	}
	var events []im.Event
	var completed []string
	last := applied
	for i, l := range logs {
		if l.Index <= applied {
			continue
		}
		last = l.Index
		if l.Type != raft.LogCommand {
			continue
		}
		res, ev, key, err := f.applyOne(ctx, tx, l, savepoints)
		if err != nil {
			return results, false, err
		}
		if res.Err != nil && res.Err.Code == openim.ErrDiskFull.Code {
			return results, false, fmt.Errorf("%w: %s at index %d", errDiskFull, res.Err.Detail, l.Index)
		}
		if res.Err != nil && !savepoints {
			return nil, false, nil
		}
		results[i] = res
		events = append(events, ev...)
		if key != "" && res.Err == nil {
			completed = append(completed, key)
		}
	}
	if last > applied {
		if err := store.SetAppliedIndex(ctx, tx, last); err != nil {
			return results, false, storageFailure("applied index", err)
		}
	}
	o.last = max(o.last, last)
	o.events = append(o.events, events...)
	o.completed = append(o.completed, completed...)
	if !savepoints && f.deferCommit(o, len(logs), last) {
		// Only a deferred transaction keeps its entries: a failed commit or rollback of this one
		// leaves logs to the caller's retry, not to f.redo.
		o.logs = append(o.logs, logs...)
		f.open, done = o, true
		return results, true, nil
	}
	if err := tx.Commit(); err != nil {
		return results, false, storageFailure("commit", err)
	}
	done = true
	f.committed(o)
	return results, true, nil
}

// committed publishes what a transaction that just committed changed.
func (f *fsm) committed(o *openTx) {
	if o.last > f.appliedIndex() {
		f.setApplied(o.last)
		if f.snapshots != nil {
			f.snapshots.applied(o.last)
		}
	}
	if len(o.events) > 0 && f.sink != nil {
		f.sink.Publish(o.events)
	}
	if len(o.completed) > 0 && f.completed != nil {
		f.completed(o.completed)
	}
}

// applyOne applies one command, under a savepoint when asked: a failed rule then rolls back that
// command only. A command that fails drops its events. key is the blob key of an object.complete.
func (f *fsm) applyOne(ctx context.Context, tx *store.Tx, l *raft.Log, savepoint bool) (_ *im.Result, _ []im.Event, key string, _ error) {
	cmd, err := im.DecodeCommand(l.Data)
	if err != nil {
		return &im.Result{Err: openim.ErrArgs.With("%v", err)}, nil, "", nil
	}
	key = completedKey(cmd)
	if savepoint {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT cmd`); err != nil {
			return nil, nil, "", storageFailure("savepoint", err)
		}
	}
	var res *im.Result
	var events []im.Event
	if isClusterKind(cmd.Kind) {
		res = applyCluster(ctx, tx, cmd)
	} else {
		res, events = f.machine.Apply(ctx, tx, l.Index, cmd)
	}
	if res.Err != nil {
		if res.Err.Code == openim.ErrInternal.Code && savepoint {
			f.log.Error("command failed", "index", l.Index, "kind", cmd.Kind, "err", res.Err)
		}
		events = nil
	}
	if !savepoint {
		return res, events, key, nil
	}
	if res.Err != nil {
		if _, err := tx.ExecContext(ctx, `ROLLBACK TO cmd`); err != nil {
			return nil, nil, "", storageFailure("rollback to savepoint", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `RELEASE cmd`); err != nil {
		return nil, nil, "", storageFailure("release savepoint", err)
	}
	return res, events, key, nil
}

// Snapshot commits a deferred transaction (Raft counts its entries applied) and returns; Persist
// copies the database while applies go on. The copy is one read snapshot carrying its own applied
// index, which may be past the Raft snapshot's index: replaying those entries is skipped by
// ApplyBatch.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	if err := f.settle(); err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if f.snapshots != nil {
		f.snapshots.snapshotAt(f.appliedIndex())
	}
	return &snapshot{db: f.db, tmpDir: f.tmpDir}, nil
}

// Restore replaces the state with a snapshot's database: gzip-compressed, or (from an older
// build) the database file as it is.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	f.discard()
	tmp, err := os.CreateTemp(f.tmpDir, "restore-*.db")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(tmp.Name())
	in, err := snapshotReader(rc)
	if err != nil {
		tmp.Close()
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return fmt.Errorf("restore: copy: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := f.db.Restore(context.Background(), tmp.Name()); err != nil {
		return err
	}
	if err := f.initApplied(); err != nil {
		return err
	}
	if f.snapshots != nil {
		f.snapshots.snapshotAt(f.appliedIndex())
	}
	f.log.Info("installed a snapshot", "applied", f.appliedIndex())
	return nil
}

type snapshot struct {
	db     *store.DB
	tmpDir string
}

// Persist writes the snapshot on a thread of low priority (lowPriority): the node goes on applying
// and answering meanwhile, and should not wait for a core behind it.
func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	if err := lowPriority(func() error { return s.persist(sink) }); err != nil {
		sink.Cancel()
		return err
	}
	return sink.Close()
}

func (s *snapshot) persist(w io.Writer) error {
	dir, err := os.MkdirTemp(s.tmpDir, "snapshot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "state.db")
	if err := s.db.Backup(context.Background(), path); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// Compressed: a snapshot is a second copy of the whole state on every node's disk and travels
	// whole to a member too far behind. The fastest level shrinks a chat database about four times.
	// klauspost's gzip writes the same format as compress/gzip (an older build restores it) in less
	// than half its CPU: 55 against 128 ms for a 29 MB state of 100,000 messages. A snapshot is due
	// every eighth of the history, so this is most of a busy node's snapshot cost.
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	if _, err := io.Copy(zw, f); err != nil {
		return fmt.Errorf("snapshot: write: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("snapshot: write: %w", err)
	}
	return nil
}

// snapshotReader reads a snapshot's database: gunzipped, or as it is when the snapshot is not
// compressed (taken by an older build; a SQLite file never starts with gzip's magic bytes).
func snapshotReader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReader(r)
	magic, err := br.Peek(2)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	if magic[0] != 0x1f || magic[1] != 0x8b {
		return br, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	return zr, nil
}

func (s *snapshot) Release() {}
