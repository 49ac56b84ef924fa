package replication

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"

	"lanim/node/im"
	"lanim/node/store"
)

// groupFSM is an FSM on a fresh database whose Raft has queued commands up to queuedTo, and the
// events it published, one slice per publish.
func groupFSM(t *testing.T, queuedTo uint64) (*fsm, *[][]im.Event) {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	published := &[][]im.Event{}
	f := &fsm{db: db, machine: halfDone{im.NewMachine()}, tmpDir: t.TempDir(), log: discardLog(),
		sink:   sinkFunc(func(ev []im.Event) { *published = append(*published, ev) }),
		queued: func(index uint64) bool { return index < queuedTo }}
	return f, published
}

// entries are cmds as log entries from index first on.
func entries(t *testing.T, first uint64, cmds ...*im.Command) []*raft.Log {
	t.Helper()
	var logs []*raft.Log
	for i, c := range cmds {
		b, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, &raft.Log{Index: first + uint64(i), Type: raft.LogCommand, Data: b})
	}
	return logs
}

func nickname(t *testing.T, f *fsm, id string) string {
	t.Helper()
	u, err := store.GetUser(context.Background(), f.db.Reader(), id)
	if err != nil {
		t.Fatal(err)
	}
	if u == nil {
		return ""
	}
	return u.Nickname
}

// TestGroupCommitJoinsQueuedBatches: while Raft has queued more commands, a batch's transaction
// stays open and the next batch joins it; nothing is visible, counted applied or published until
// the batch after which nothing is queued commits them all at once.
func TestGroupCommitJoinsQueuedBatches(t *testing.T) {
	f, published := groupFSM(t, 3)
	cmds := testCommands(t, 0, 1)[:3] // office, register u0, rename u0
	first := f.ApplyBatch(entries(t, 1, cmds[:2]...))
	if f.appliedIndex() != 0 || nickname(t, f, "u0") != "" || len(*published) != 0 {
		t.Fatalf("with index 3 queued, batch 1-2 committed: applied %d, u0 %q, %d publishes", f.appliedIndex(),
			nickname(t, f, "u0"), len(*published))
	}
	for i, r := range first {
		if res := r.(*im.Result); res.Err != nil {
			t.Fatalf("entry %d: %v", i+1, res.Err)
		}
	}
	f.ApplyBatch(entries(t, 3, cmds[2]))
	if f.appliedIndex() != 3 || nickname(t, f, "u0") != "renamedu0" {
		t.Fatalf("after the last queued batch: applied %d, u0 %q; want 3, renamedu0", f.appliedIndex(), nickname(t, f, "u0"))
	}
	if len(*published) != 1 {
		t.Fatalf("published %d times, want once for the two batches", len(*published))
	}
	applied, err := store.AppliedIndex(context.Background(), f.db.Reader())
	if err != nil || applied != 3 {
		t.Fatalf("database's applied index %d (%v), want 3", applied, err)
	}
}

// TestGroupCommitRedoesDeferredEntries: a command that fails in the batch after a deferred one rolls
// the transaction back, deferred entries included; they are applied again with the batch, so
// nothing Raft was answered for is lost and the failed command alone changes nothing.
func TestGroupCommitRedoesDeferredEntries(t *testing.T) {
	f, published := groupFSM(t, 3)
	cmds := testCommands(t, 0, 1)[:3]
	half, err := im.NewCommand("test.half", im.Caller{}, 1_700_000_000_000, "op-half", struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	f.ApplyBatch(entries(t, 1, cmds[:2]...))
	if f.appliedIndex() != 0 {
		t.Fatalf("batch 1-2 committed with index 2 queued")
	}
	results := f.ApplyBatch(entries(t, 3, half, cmds[2]))
	if res := results[0].(*im.Result); res.Err == nil {
		t.Errorf("the failing command succeeded")
	}
	if res := results[1].(*im.Result); res.Err != nil {
		t.Errorf("the command after it failed: %v", res.Err)
	}
	if f.appliedIndex() != 4 || nickname(t, f, "u0") != "renamedu0" {
		t.Fatalf("applied %d, u0 %q: want 4 and the deferred registration with its rename", f.appliedIndex(), nickname(t, f, "u0"))
	}
	if _, ok, err := store.GetMeta(context.Background(), f.db.Reader(), "half"); err != nil || ok {
		t.Errorf("the failed command's write is there (%v)", err)
	}
	if len(*published) != 1 || len(f.redo) != 0 || f.open != nil {
		t.Fatalf("%d publishes, %d entries to redo, open %v: want one publish and nothing left", len(*published),
			len(f.redo), f.open != nil)
	}
}

// TestSnapshotCommitsDeferredEntries: Raft counts a deferred batch applied, so a snapshot first
// commits it; a snapshot install drops one instead.
func TestSnapshotCommitsDeferredEntries(t *testing.T) {
	f, _ := groupFSM(t, 10)
	cmds := testCommands(t, 0, 1)[:3]
	f.ApplyBatch(entries(t, 1, cmds...))
	if f.appliedIndex() != 0 {
		t.Fatal("not deferred")
	}
	if _, err := f.Snapshot(); err != nil {
		t.Fatal(err)
	}
	if f.appliedIndex() != 3 || nickname(t, f, "u0") != "renamedu0" || f.open != nil {
		t.Fatalf("after Snapshot: applied %d, u0 %q, open %v", f.appliedIndex(), nickname(t, f, "u0"), f.open != nil)
	}

	// A deferred batch, then the install of f's snapshot: the install does not wait for the open
	// transaction, and the state is the snapshot's.
	g, _ := groupFSM(t, 10)
	g.ApplyBatch(entries(t, 1, cmds[:2]...))
	sink := &fileSink{t: t, path: filepath.Join(t.TempDir(), "snap")}
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	rc, err := os.Open(sink.path)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Restore(rc); err != nil {
		t.Fatal(err)
	}
	if g.open != nil || g.appliedIndex() != 3 || nickname(t, g, "u0") != "renamedu0" {
		t.Fatalf("after Restore: open %v, applied %d, u0 %q", g.open != nil, g.appliedIndex(), nickname(t, g, "u0"))
	}
}

// TestProposeReadsItsOwnWrite: with many writes in flight the FSM defers its commits, yet every
// Propose returns only once the state database holds its write.
func TestProposeReadsItsOwnWrite(t *testing.T) {
	tn := openTestNode(t, t.TempDir())
	defer tn.close(t)
	ctx := context.Background()
	const senders, each = 16, 40
	propose(t, tn.node, testCommands(t, 0, 0)) // the office
	registerUsers(t, ctx, tn.node, 2*senders)
	converse(t, senders, each, func(_ int, id string, cmd *im.Command) error {
		if err := proposed(tn.node.Propose(ctx, cmd)); err != nil {
			return err
		}
		if _, ok, err := store.MessageByClientID(ctx, tn.db.Reader(), id); err != nil || !ok {
			return fmt.Errorf("answered, not readable (%v)", err)
		}
		return nil
	})
}
