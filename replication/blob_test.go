package replication

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"lanim/node/blob"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// testBlobs is a real blob store whose Open a test may replace (a member that lies, or one whose
// disk stalls), counting the blobs it opened.
type testBlobs struct {
	*blob.Store
	mu    sync.Mutex
	open  func(key string) (*os.File, error)
	opens atomic.Int64
}

func (s *testBlobs) Open(key string) (*os.File, error) {
	s.opens.Add(1)
	s.mu.Lock()
	fn := s.open
	s.mu.Unlock()
	if fn != nil {
		return fn(key)
	}
	return s.Store.Open(key)
}

func (s *testBlobs) setOpen(fn func(key string) (*os.File, error)) {
	s.mu.Lock()
	s.open = fn
	s.mu.Unlock()
}

func newTestBlobs(t testing.TB, budget int64) *testBlobs {
	t.Helper()
	st, err := blob.Open(t.TempDir(), budget)
	if err != nil {
		t.Fatal(err)
	}
	return &testBlobs{Store: st}
}

type blobMember struct {
	*clusterNode
	blobs *testBlobs
}

// openBlobOffice starts three members with blob stores (a founder and two joiners), each keeping
// copies as given (0: every voter), and waits until all three are voters.
func openBlobOffice(t testing.TB, ctx context.Context, copies int, budgets ...int64) []*blobMember {
	t.Helper()
	var out []*blobMember
	for i, id := range []string{"node-a", "node-b", "node-c"} {
		var budget int64
		if i < len(budgets) {
			budget = budgets[i]
		}
		st := newTestBlobs(t, budget)
		cc := &ClusterConfig{Addr: "127.0.0.1:0", Autopilot: AutopilotTuning{Stabilization: 100 * time.Millisecond}}
		if i > 0 {
			code, err := out[0].Invite(ctx)
			if err != nil {
				t.Fatal(err)
			}
			cc.JoinCode = code.Code
		}
		m := &blobMember{clusterNode: openClusterNode(t, id, cc, func(c *Config) { c.Blobs, c.BlobCopies = st, copies }),
			blobs: st}
		if i == 0 {
			if err := m.WaitLeader(ctx); err != nil {
				t.Fatal(err)
			}
			createOffice(t, ctx, m.Node)
		}
		if err := m.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	pollUntil(t, func() bool {
		cfg, err := out[0].configuration()
		return err == nil && voterCount(cfg) == 3
	})
	return out
}

// randomBlob is size random bytes and their key.
func randomBlob(t testing.TB, size int) ([]byte, string) {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// put stores a blob on a member without recording its hold (as if it had it unannounced).
func (m *blobMember) put(t testing.TB, content []byte, key string) {
	t.Helper()
	if _, err := m.blobs.Ingest(key, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
}

// hold records through the log that the member holds key.
func (m *blobMember) hold(t testing.TB, ctx context.Context, key string) {
	t.Helper()
	cmd, err := im.NewCommand(im.KindHoldBlobs, im.Caller{}, time.Now().UnixMilli(), "",
		&im.HoldBlobs{NodeID: string(m.selfID), Keys: []string{key}})
	if err != nil {
		t.Fatal(err)
	}
	proposeUntilCommitted(t, ctx, m.Node, cmd)
}

// proposeUntilCommitted proposes cmd again while the office has no quorum (an election under the
// race detector on a busy machine); cmd must be idempotent. Its rules must pass.
func proposeUntilCommitted(t testing.TB, ctx context.Context, n *Node, cmd *im.Command) {
	t.Helper()
	pollUntil(t, func() bool {
		res, err := n.Propose(ctx, cmd)
		if err == nil && res.Err != nil {
			t.Fatalf("%s: %v", cmd.Kind, res.Err)
		}
		return err == nil
	})
}

func (m *blobMember) holds(ctx context.Context, key string) bool {
	ok, err := store.HoldsBlob(ctx, m.db.Reader(), key, string(m.selfID))
	return err == nil && ok
}

func (m *blobMember) has(key string) bool {
	_, err := m.blobs.Stat(key)
	return err == nil
}

// spools lists the fetch spool files left in the member's store.
func (m *blobMember) spools(t *testing.T) []string {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(m.blobs.Dir(), "tmp", spoolPattern))
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func (m *blobMember) flight(key string) *flight {
	m.Node.blobs.mu.Lock()
	defer m.Node.blobs.mu.Unlock()
	return m.Node.blobs.flights[key]
}

// pipeOpen makes Open hand out the read end of a pipe: the test decides when the bytes come.
func pipeOpen(t *testing.T, st *testBlobs) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	st.setOpen(func(string) (*os.File, error) { return r, nil })
	return w
}

// Fetching over the cluster port between three real members (Raft over TCP, mutual TLS, SQLite):
// a plain fetch, a member that lies, concurrent fetches of one key, and a holder that dies
// mid-transfer. One copy per blob is wanted, so no push interferes.
func TestBlobFetch(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	office := openBlobOffice(t, ctx, 1)
	a, b, c := office[0], office[1], office[2]

	t.Run("from a holder", func(t *testing.T) {
		content, key := randomBlob(t, 3<<20+17)
		b.put(t, content, key)
		b.hold(t, ctx, key)
		var got bytes.Buffer
		if err := a.FetchBlob(ctx, key, &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), content) {
			t.Fatalf("fetched %d bytes that differ from the %d stored", got.Len(), len(content))
		}
		if !a.has(key) {
			t.Fatal("the fetched blob is not in the fetcher's store")
		}
		pollUntil(t, func() bool { return a.holds(ctx, key) })
		if s := a.spools(t); len(s) != 0 {
			t.Fatalf("spool files left: %v", s)
		}
		// Again: now from the local store, no member asked.
		opens := b.blobs.opens.Load()
		got.Reset()
		if err := a.FetchBlob(ctx, key, &got); err != nil || !bytes.Equal(got.Bytes(), content) {
			t.Fatalf("second fetch: %v, %d bytes", err, got.Len())
		}
		if b.blobs.opens.Load() != opens {
			t.Fatal("a blob already here was fetched again")
		}
	})

	t.Run("nobody has it", func(t *testing.T) {
		_, key := randomBlob(t, 10)
		err := a.FetchBlob(ctx, key, io.Discard)
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("fetch of a blob no member has: %v, want one matching fs.ErrNotExist", err)
		}
	})

	t.Run("a lying member", func(t *testing.T) {
		content, key := randomBlob(t, 1<<20)
		b.put(t, content, key)
		b.hold(t, ctx, key)
		lie := bytes.Clone(content)
		lie[len(lie)/2] ^= 1
		liePath := filepath.Join(t.TempDir(), "lie")
		if err := os.WriteFile(liePath, lie, 0o600); err != nil {
			t.Fatal(err)
		}
		b.blobs.setOpen(func(string) (*os.File, error) { return os.Open(liePath) })
		defer b.blobs.setOpen(nil)
		var got bytes.Buffer
		err := a.FetchBlob(ctx, key, &got)
		if !errors.Is(err, errBlobCorrupt) {
			t.Fatalf("fetch from a lying member: %v, want %v", err, errBlobCorrupt)
		}
		if a.has(key) || a.holds(ctx, key) {
			t.Fatal("bytes that do not match their key were kept")
		}
		if got.Len() >= len(content) {
			t.Fatalf("the viewer got all %d bytes of a blob that failed its check", got.Len())
		}
		if s := a.spools(t); len(s) != 0 {
			t.Fatalf("spool files left: %v", s)
		}
		// An honest member has it too (not recorded): the liar is asked last now.
		c.put(t, content, key)
		got.Reset()
		if err := a.FetchBlob(ctx, key, &got); err != nil || !bytes.Equal(got.Bytes(), content) {
			t.Fatalf("fetch after the lie: %v, %d bytes", err, got.Len())
		}
	})

	t.Run("concurrent fetches of one key", func(t *testing.T) {
		content, key := randomBlob(t, 2<<20+3)
		b.put(t, content, key)
		b.hold(t, ctx, key)
		w := pipeOpen(t, b.blobs)
		defer b.blobs.setOpen(nil)
		opens := b.blobs.opens.Load()
		const viewers = 4
		got := make([]bytes.Buffer, viewers)
		errs := make(chan error, viewers)
		for i := range viewers {
			go func() { errs <- a.FetchBlob(ctx, key, &got[i]) }()
		}
		// Every viewer follows the one transfer before its first byte is sent.
		pollUntil(t, func() bool {
			f := a.flight(key)
			if f == nil {
				return false
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.refs == viewers+1
		})
		if _, err := w.Write(content); err != nil {
			t.Fatal(err)
		}
		w.Close()
		for range viewers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		for i := range got {
			if !bytes.Equal(got[i].Bytes(), content) {
				t.Fatalf("viewer %d got %d bytes that differ", i, got[i].Len())
			}
		}
		if n := b.blobs.opens.Load() - opens; n != 1 {
			t.Fatalf("the holder opened the blob %d times for %d concurrent viewers, want 1 transfer", n, viewers)
		}
		if !a.has(key) {
			t.Fatal("not kept")
		}
	})

	t.Run("the holder dies mid-transfer", func(t *testing.T) {
		content, key := randomBlob(t, 3<<20)
		b.put(t, content, key)
		b.hold(t, ctx, key) // recorded: asked first
		c.put(t, content, key)
		w := pipeOpen(t, b.blobs)
		servedByC := atomic.LoadInt64(&c.Node.blobs.served)
		var got bytes.Buffer
		done := make(chan error, 1)
		go func() { done <- a.FetchBlob(ctx, key, &got) }()
		const sent = 1 << 20
		if _, err := w.Write(content[:sent]); err != nil {
			t.Fatal(err)
		}
		pollUntil(t, func() bool { f := a.flight(key); return f != nil && f.progress() == sent })
		closed := make(chan error, 1)
		go func() { closed <- b.Close() }()
		w.Close() // the stalled read ends, so b's stream handler can return
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), content) {
			t.Fatalf("got %d bytes that differ from the %d stored", got.Len(), len(content))
		}
		if n := atomic.LoadInt64(&c.Node.blobs.served) - servedByC; n != int64(len(content)-sent) {
			t.Fatalf("the next holder sent %d bytes, want the %d the first did not", n, len(content)-sent)
		}
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
	})
}

// Durability: a blob completed on one member is pushed to every voter, the office's status counts
// it under-held until then, and it outlives its uploader.
func TestBlobPush(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	office := openBlobOffice(t, ctx, 0)
	a, b, c := office[0], office[1], office[2]
	content, key := randomBlob(t, 2<<20+5)
	b.put(t, content, key)
	// The upload completes on b: its FSM sees object.complete for bytes it has, and b records its
	// hold and pushes.
	cmd, err := im.NewCommand(completeKind, im.Caller{UserID: openim.AdminUserID, Platform: openim.PlatformAdmin},
		time.Now().UnixMilli(), "", &im.CompleteObject{Name: "f.bin", Key: key, Hash: "0123456789abcdef0123456789abcdef",
			Size: int64(len(content))})
	if err != nil {
		t.Fatal(err)
	}
	proposeUntilCommitted(t, ctx, b.Node, cmd)
	pollUntil(t, func() bool { return a.holds(ctx, key) && b.holds(ctx, key) && c.holds(ctx, key) })
	for _, m := range office {
		st, err := m.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.BlobCopies != 3 || st.BlobsUnderHeld != 0 || st.BlobsLost != 0 {
			t.Fatalf("%s: %d copies wanted, %d under-held, %d lost; want 3, 0, 0", m.selfID, st.BlobCopies,
				st.BlobsUnderHeld, st.BlobsLost)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*blobMember{a, c} {
		var got bytes.Buffer
		if err := m.FetchBlob(ctx, key, &got); err != nil || !bytes.Equal(got.Bytes(), content) {
			t.Fatalf("%s after the uploader stopped: %v, %d bytes", m.selfID, err, got.Len())
		}
	}
}

// A member without room refuses a pushed copy before its bytes are sent, and the office's status
// counts the blob under-held for as long as it lacks that copy.
func TestBlobPushNoRoom(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	office := openBlobOffice(t, ctx, 0, 0, 0, 1<<20)
	a, b, c := office[0], office[1], office[2]
	content, key := randomBlob(t, 2<<20)
	a.put(t, content, key)
	a.Node.blobs.held(key) // as after a fetch: recorded in the background, which wakes the pusher
	pollUntil(t, func() bool { return b.holds(ctx, key) })
	st, err := a.Status(ctx)
	if err != nil || st.BlobCopies != 3 || st.BlobsUnderHeld != 1 || st.BlobsLost != 0 {
		t.Fatalf("status %+v %v; want 3 copies wanted, 1 blob under-held", st, err)
	}
	err = a.Node.blobs.pushTo(ctx, source{id: c.selfID, addr: string(c.self)}, key)
	if !isCode(err, codeFull) {
		t.Fatalf("push to a member without room: %v, want %s", err, codeFull)
	}
	if c.has(key) || c.blobs.Used() != 0 {
		t.Fatalf("the member without room holds %d bytes", c.blobs.Used())
	}
}

// A node that stopped between completing an object and recording its hold records it at its next
// start; a standalone node records holds too (so an office it founds later knows them).
func TestBlobHoldAfterRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	tn := openTestNode(t, dir) // no blob store: nothing records the hold
	createOffice(t, ctx, tn.node)
	st, err := blob.Open(filepath.Join(dir, "blobs"), 0)
	if err != nil {
		t.Fatal(err)
	}
	content, key := randomBlob(t, 1000)
	if _, err := st.Ingest(key, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	_, other := randomBlob(t, 10) // an object whose bytes are elsewhere
	for _, k := range []string{key, other} {
		cmd, err := im.NewCommand(completeKind, im.Caller{UserID: openim.AdminUserID, Platform: openim.PlatformAdmin},
			time.Now().UnixMilli(), "", &im.CompleteObject{Name: "f-" + k[:8], Key: k, Hash: "0123456789abcdef0123456789abcdef"})
		if err != nil {
			t.Fatal(err)
		}
		if res, err := tn.node.Propose(ctx, cmd); err != nil || res.Err != nil {
			t.Fatalf("complete: %v %v", err, res)
		}
	}
	if h, _ := store.BlobHolders(ctx, tn.db.Reader(), key); len(h) != 0 {
		t.Fatalf("holders %v recorded without a blob store", h)
	}
	tn.close(t)

	db, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := Open(Config{DataDir: dir, NodeID: "n1", DB: db, Machine: im.NewMachine(), Log: discardLog(), Blobs: st})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	pollUntil(t, func() bool {
		h, err := store.BlobHolders(ctx, db.Reader(), key)
		return err == nil && slices.Equal(h, []string{"n1"})
	})
	if h, _ := store.BlobHolders(ctx, db.Reader(), other); len(h) != 0 {
		t.Fatalf("a blob not here was recorded as held: %v", h)
	}
	if err := n.FetchBlob(ctx, other, io.Discard); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("standalone fetch: %v, want fs.ErrNotExist", err)
	}
}

// The members a blob is pushed to: as many as it lacks, voters first, the same choice on every
// holder; and how long a failed push waits.
func TestPushTargetsAndRetry(t *testing.T) {
	cfg := raft.Configuration{Servers: []raft.Server{
		{ID: "a", Suffrage: raft.Voter}, {ID: "b", Suffrage: raft.Voter}, {ID: "c", Suffrage: raft.Nonvoter},
		{ID: "d", Suffrage: raft.Voter}, {ID: "e", Suffrage: raft.Voter},
	}}
	ids := func(ss []raft.Server) []string {
		var out []string
		for _, s := range ss {
			out = append(out, string(s.ID))
		}
		return out
	}
	key := "k"
	if got := ids(pushTargets(key, cfg, []string{"a"}, 4)); len(got) != 3 || slices.Contains(got, "a") || slices.Contains(got, "c") {
		t.Fatalf("targets for 4 copies held by a: %v, want 3 voters other than a", got)
	}
	if got := pushTargets(key, cfg, []string{"a", "b", "gone"}, 2); len(got) != 0 {
		t.Fatalf("targets for a blob with its copies: %v", ids(got))
	}
	if got := ids(pushTargets(key, cfg, []string{"a", "b", "d", "e"}, 5)); !slices.Equal(got, []string{"c"}) {
		t.Fatalf("targets when only the non-voter lacks it: %v", got)
	}
	one, two := pushTargets(key, cfg, []string{"a"}, 2), pushTargets(key, cfg, []string{"a"}, 2)
	if !slices.Equal(ids(one), ids(two)) {
		t.Fatal("the choice of targets is not stable")
	}

	st := nextRetry(nil, errors.New("refused"))
	if st.backoff != pushBackoffMin {
		t.Fatalf("first backoff %v", st.backoff)
	}
	for range 20 {
		st = nextRetry(st, errors.New("refused"))
	}
	if st.backoff != pushBackoffMax {
		t.Fatalf("backoff grew to %v, want the bound %v", st.backoff, pushBackoffMax)
	}
	if st = nextRetry(nil, &rpcError{Code: codeFull}); st.backoff != pushBackoffMax {
		t.Fatalf("a full member is tried again after %v, want %v", st.backoff, pushBackoffMax)
	}
	if st = nextRetry(st, nil); st.backoff != 0 || time.Until(st.next) > pushSettle {
		t.Fatalf("after a push: %+v", st)
	}
}

// BenchmarkBlobFetch measures a cross-node fetch (TLS over loopback TCP, the spool, the store's
// ingest) of a 64 MiB blob, next to a plain loopback TCP copy of the same bytes.
func BenchmarkBlobFetch(b *testing.B) {
	const size = 64 << 20
	content, _ := randomBlob(b, size)
	b.Run("loopback-copy", func(b *testing.B) {
		b.SetBytes(size)
		for range b.N {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			go func() {
				c, err := ln.Accept()
				if err == nil {
					c.Write(content)
					c.Close()
				}
			}()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, c); err != nil || n != size {
				b.Fatalf("copied %d: %v", n, err)
			}
			c.Close()
			ln.Close()
		}
	})
	b.Run("fetch", func(b *testing.B) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		office := openBlobOffice(b, ctx, 1)
		from, to := office[1], office[0]
		b.SetBytes(size)
		b.ResetTimer()
		for i := range b.N {
			b.StopTimer()
			content[0] = byte(i) // a new blob each time
			sum := sha256.Sum256(content)
			key := hex.EncodeToString(sum[:])
			from.put(b, content, key)
			b.StartTimer()
			if err := to.FetchBlob(ctx, key, io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
}
