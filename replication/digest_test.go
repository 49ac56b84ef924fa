package replication

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"lanim/node/im"
	"lanim/node/store"
)

// openDigestNode founds an office of one on 127.0.0.1 (real Raft, real SQLite) and applies the
// first users of testCommands.
func openDigestNode(t *testing.T, opts ...func(*Config)) *clusterNode {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n := openClusterNode(t, "node-a", &ClusterConfig{Addr: "127.0.0.1:0"}, opts...)
	if err := n.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	propose(t, n.Node, testCommands(t, 0, 3))
	return n
}

// TestStatusDigestOncePerIndex: while the applied index does not move, status calls reuse one
// computed digest; after an apply the next call computes it again, at the new index. Both equal
// a digest computed from scratch.
func TestStatusDigestOncePerIndex(t *testing.T) {
	ctx := context.Background()
	n := openDigestNode(t)
	fresh := func() string {
		t.Helper()
		d, err := n.db.Digest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := n.digests.computations()
	first, err := n.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.AppliedIndex != n.AppliedIndex() || first.StateDigest != fresh() {
		t.Fatalf("status (%d, %s), want (%d, %s)", first.AppliedIndex, first.StateDigest, n.AppliedIndex(), fresh())
	}
	for range 5 {
		st, err := n.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.AppliedIndex != first.AppliedIndex || st.StateDigest != first.StateDigest {
			t.Fatalf("status moved without an apply: (%d, %s) then (%d, %s)", first.AppliedIndex,
				first.StateDigest, st.AppliedIndex, st.StateDigest)
		}
	}
	if got := n.digests.computations() - before; got != 1 {
		t.Fatalf("6 status calls at one index computed the digest %d times, want 1", got)
	}

	propose(t, n.Node, testCommands(t, 3, 4))
	st, err := n.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.AppliedIndex <= first.AppliedIndex || st.AppliedIndex != n.AppliedIndex() ||
		st.StateDigest == first.StateDigest || st.StateDigest != fresh() {
		t.Fatalf("after an apply: status (%d, %s), want (%d, %s)", st.AppliedIndex, st.StateDigest,
			n.AppliedIndex(), fresh())
	}
	if got := n.digests.computations() - before; got != 2 {
		t.Fatalf("after an apply the digest was computed %d times in all, want 2", got)
	}
}

// TestStatusDigestSharedByConcurrentCallers: many status calls at once, at one index, cause one
// computation and all get its result.
func TestStatusDigestSharedByConcurrentCallers(t *testing.T) {
	const callers = 32
	ctx := context.Background()
	n := openDigestNode(t)
	before := n.digests.computations()
	start := make(chan struct{})
	results := make([]*Status, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], errs[i] = n.Status(ctx)
		}()
	}
	close(start)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if results[i].AppliedIndex != results[0].AppliedIndex || results[i].StateDigest != results[0].StateDigest {
			t.Fatalf("callers disagree: (%d, %s) and (%d, %s)", results[0].AppliedIndex, results[0].StateDigest,
				results[i].AppliedIndex, results[i].StateDigest)
		}
	}
	if got := n.digests.computations() - before; got != 1 {
		t.Fatalf("%d concurrent status calls computed the digest %d times, want 1", callers, got)
	}
}

// TestStatusCallerGoneMidDigest: a caller that goes away gets its context's error, logs nothing,
// and the computation it started still completes for the next caller.
func TestStatusCallerGoneMidDigest(t *testing.T) {
	var logged syncBuffer
	n := openDigestNode(t, func(c *Config) { c.Log = slog.New(slog.NewTextHandler(&logged, nil)) })
	before := n.digests.computations()
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := n.Status(gone); !errors.Is(err, context.Canceled) {
		t.Fatalf("a gone caller got %v, want context.Canceled", err)
	}
	st, err := n.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.AppliedIndex != n.AppliedIndex() || len(st.StateDigest) != 64 {
		t.Fatalf("status after a gone caller: (%d, %q)", st.AppliedIndex, st.StateDigest)
	}
	if got := n.digests.computations() - before; got != 1 {
		t.Fatalf("the digest was computed %d times, want 1 (the gone caller's, reused)", got)
	}
	if bytes.Contains(logged.Bytes(), []byte("digest")) || bytes.Contains(logged.Bytes(), []byte("canceled")) {
		t.Fatalf("a gone caller was logged:\n%s", logged.Bytes())
	}
}

// TestStatusIndexAndDigestBelongTogether: status callers race with a stream of applies; every
// (index, digest) they got is the digest of the state at exactly that index, as replaying the
// node's own Raft log into a fresh database shows, and never older than the index applied when
// the call began.
func TestStatusIndexAndDigestBelongTogether(t *testing.T) {
	const pollers = 4
	ctx := context.Background()
	n := openDigestNode(t)
	type seen struct {
		index  uint64
		digest string
	}
	var mu sync.Mutex
	var got []seen
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range pollers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				floor := n.AppliedIndex()
				st, err := n.Status(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if st.AppliedIndex < floor {
					t.Errorf("status at index %d, older than the %d applied when it was asked", st.AppliedIndex, floor)
				}
				mu.Lock()
				got = append(got, seen{st.AppliedIndex, st.StateDigest})
				mu.Unlock()
				select {
				case <-done:
					return
				default:
				}
			}
		}()
	}
	for _, c := range testCommands(t, 3, 12) {
		if _, err := n.Propose(ctx, c); err != nil {
			t.Errorf("%s: %v", c.Kind, err)
			break
		}
	}
	close(done)
	wg.Wait()
	if t.Failed() {
		return
	}

	want := replayDigests(t, n)
	distinct := map[uint64]bool{}
	for _, s := range got {
		d, ok := want[s.index]
		if !ok || d != s.digest {
			t.Fatalf("status paired index %d with digest %s; the state at that index has %q", s.index, s.digest, d)
		}
		distinct[s.index] = true
	}
	last, _ := n.raftLog.LastIndex()
	final, err := n.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if final.AppliedIndex != last || final.StateDigest != want[last] {
		t.Fatalf("final status (%d, %s), want (%d, %s)", final.AppliedIndex, final.StateDigest, last, want[last])
	}
	t.Logf("%d status answers at %d distinct indexes checked, %d computations", len(got), len(distinct),
		n.digests.computations())
}

// replayDigests applies the node's Raft log, entry by entry, to a fresh database through the FSM
// and returns the digest after each index.
func replayDigests(t *testing.T, n *clusterNode) map[uint64]string {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "replay.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := &fsm{db: db, machine: im.NewMachine(), tmpDir: t.TempDir(), log: discardLog()}
	first, _ := n.raftLog.FirstIndex()
	last, _ := n.raftLog.LastIndex()
	if first != 1 {
		t.Fatalf("the log starts at %d: it was compacted, the replay needs all of it", first)
	}
	out := map[uint64]string{}
	for i := first; i <= last; i++ {
		var l raft.Log
		if err := n.raftLog.GetLog(i, &l); err != nil {
			t.Fatal(err)
		}
		f.ApplyBatch([]*raft.Log{&l})
		index, d, err := db.DigestAt(ctx)
		if err != nil || index != i {
			t.Fatalf("replay at %d: digest at %d, %v", i, index, err)
		}
		out[i] = d
	}
	return out
}

// syncBuffer is a bytes.Buffer a logger may write from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}
