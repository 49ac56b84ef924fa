package replication

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// testNode is a single-voter node on a data dir, as the app runs it.
type testNode struct {
	dir  string
	db   *store.DB
	node *Node
}

func openTestNode(t *testing.T, dir string) *testNode {
	t.Helper()
	return openTunedTestNode(t, dir, Tuning{})
}

// openTunedTestNode is openTestNode with Raft's compaction knobs set.
func openTunedTestNode(t *testing.T, dir string, tuning Tuning) *testNode {
	t.Helper()
	db, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := Open(Config{DataDir: dir, NodeID: "n1", DB: db, Machine: im.NewMachine(), Log: discardLog(), Tuning: tuning})
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	return &testNode{dir: dir, db: db, node: n}
}

func (tn *testNode) close(t *testing.T) {
	t.Helper()
	if err := tn.node.Close(); err != nil {
		t.Fatal(err)
	}
	if err := tn.db.Close(); err != nil {
		t.Fatal(err)
	}
}

func (tn *testNode) digest(t *testing.T) string {
	t.Helper()
	d, err := tn.db.Digest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func discardLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testCommands is a log that exercises several areas: the office, users, tokens, friends, blocks
// and profile updates (which derive notifications with seqs and version logs).
func testCommands(t *testing.T, from, to int) []*im.Command {
	t.Helper()
	var cmds []*im.Command
	add := func(kind string, caller im.Caller, args any) {
		c, err := im.NewCommand(kind, caller, int64(1_700_000_000_000+len(cmds)), fmt.Sprint("op", len(cmds)), args)
		if err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, c)
	}
	admin := im.Caller{UserID: openim.AdminUserID, Platform: openim.PlatformAdmin}
	if from == 0 {
		add("office.create", im.Caller{}, &im.CreateOffice{Office: im.Office{OfficeID: "office1",
			JWTKey: make([]byte, 32), AdminSecretHash: "x"}})
	}
	user := func(id string) im.Caller { return im.Caller{UserID: id, Platform: openim.PlatformWeb} }
	for i := from; i < to; i++ {
		uid := fmt.Sprintf("u%d", i)
		add("user.register", admin, &im.RegisterUsers{Users: []im.NewUser{{UserID: uid, Nickname: "N" + uid}}})
		if i > 0 {
			friendCommands(add, i, admin)
		}
		nick := "renamed" + uid // after the friend commands: 1209s to whoever lists uid
		add("user.update", user(uid), &im.UpdateUser{UserInfo: im.UserPatch{UserID: uid, Nickname: &nick}})
		add("auth.token", admin, &im.IssueToken{UserID: uid, PlatformID: openim.PlatformWeb, Token: "tok-" + uid,
			Expire: 1_800_000_000})
		// A rule failure in the middle of the log: it must change nothing, deterministically, even
		// the new user listed before the duplicate one.
		add("user.register", admin, &im.RegisterUsers{Users: []im.NewUser{{UserID: "new" + uid}, {UserID: uid, Nickname: "again"}}})
	}
	return cmds
}

// friendCommands adds the friend commands of user i with user i-1: an application, agreed or
// refused, then on some users a remark, a pin, a block, a one-sided delete and an import by the
// admin. Each derives notifications with seqs, chat copies and friend version log entries.
func friendCommands(add func(kind string, caller im.Caller, args any), i int, admin im.Caller) {
	uid, prev := fmt.Sprintf("u%d", i), fmt.Sprintf("u%d", i-1)
	user := func(id string) im.Caller { return im.Caller{UserID: id, Platform: openim.PlatformWeb} }
	add("friend.add", user(uid), &im.AddFriend{FromUserID: uid, ToUserID: prev, ReqMsg: "hi " + prev})
	agree := i%2 == 0
	result := openim.FriendRequestRefused
	if agree {
		result = openim.FriendRequestAgreed
	}
	add("friend.respond", user(prev), &im.RespondFriendApply{FromUserID: uid, ToUserID: prev, HandleResult: result})
	if agree {
		add("friend.remark", user(uid), &im.SetFriendRemark{OwnerUserID: uid, FriendUserID: prev, Remark: "r" + prev})
		pinned := true
		add("friend.update", user(prev), &im.UpdateFriends{OwnerUserID: prev, FriendUserIDs: []string{uid}, IsPinned: &pinned})
	}
	if i%3 == 0 {
		add("friend.black_add", user(uid), &im.AddBlack{OwnerUserID: uid, BlackUserID: prev})
	}
	if i%4 == 0 {
		add("friend.delete", user(uid), &im.DeleteFriend{OwnerUserID: uid, FriendUserID: prev})
	}
	if i%5 == 0 {
		add("friend.import", admin, &im.ImportFriend{OwnerUserID: uid, FriendUserIDs: []string{"u0"}})
	}
}

func propose(t *testing.T, n *Node, cmds []*im.Command) {
	t.Helper()
	for _, c := range cmds {
		res, err := n.Propose(context.Background(), c)
		if err != nil {
			t.Fatalf("%s: %v", c.Kind, err)
		}
		wantErr := c.Kind == "user.register" && string(c.Args) != "" && res.Err != nil
		if res.Err != nil && !wantErr {
			t.Fatalf("%s: %v", c.Kind, res.Err)
		}
	}
}

func TestRestartFromSnapshotAndLogTail(t *testing.T) {
	dir := t.TempDir()
	tn := openTestNode(t, dir)
	propose(t, tn.node, testCommands(t, 0, 20))
	if err := tn.node.Snapshot(); err != nil {
		t.Fatal(err)
	}
	propose(t, tn.node, testCommands(t, 20, 30)) // the log tail after the snapshot
	want := tn.digest(t)
	wantIndex := tn.node.AppliedIndex()
	tn.close(t)

	t.Run("restart keeps the state", func(t *testing.T) {
		tn := openTestNode(t, dir)
		defer tn.close(t)
		if got := tn.digest(t); got != want {
			t.Fatalf("digest after restart %s, want %s", got, want)
		}
		users, err := store.GetUsers(context.Background(), tn.db.Reader(), []string{"u0", "u29"})
		if err != nil || len(users) != 2 || users[1].Nickname != "renamedu29" {
			t.Fatalf("users after restart: %v %v", users, err)
		}
	})

	t.Run("lost database is rebuilt from snapshot and log tail", func(t *testing.T) {
		for _, f := range []string{"state.db", "state.db-wal", "state.db-shm"} {
			os.Remove(filepath.Join(dir, f))
		}
		tn := openTestNode(t, dir)
		defer tn.close(t)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for tn.node.AppliedIndex() < wantIndex && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		if got := tn.digest(t); got != want {
			t.Fatalf("digest after rebuild %s, want %s", got, want)
		}
	})
}

// TestOneSnapshotOnDisk takes snapshots in turn: only the newest stays, so the data dir holds
// state.db and one copy of it.
func TestOneSnapshotOnDisk(t *testing.T) {
	dir := t.TempDir()
	tn := openTestNode(t, dir)
	defer tn.close(t)
	for i := 0; i < 3; i++ {
		propose(t, tn.node, testCommands(t, i*5, i*5+5))
		if err := tn.node.Snapshot(); err != nil {
			t.Fatal(err)
		}
	}
	snaps, err := os.ReadDir(filepath.Join(dir, "raft", "snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	if len(snaps) != 1 {
		t.Fatalf("%d snapshots on disk, want 1: %v", len(snaps), snaps)
	}
}

// TestApplyIsDeterministic applies one log to fresh databases in different batch sizes: the
// states and the results must be identical, rule failures included, and a failed command must
// leave nothing behind.
func TestApplyIsDeterministic(t *testing.T) {
	cmds := testCommands(t, 0, 25)
	var logs []*raft.Log
	for i, c := range cmds {
		b, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, &raft.Log{Index: uint64(i + 3), Type: raft.LogCommand, Data: b})
	}
	type outcome struct {
		digest string
		errs   []int // the error code of each entry, 0 when it applied
	}
	apply := func(batch int) outcome {
		db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		f := &fsm{db: db, machine: im.NewMachine(), tmpDir: t.TempDir(), log: discardLog()}
		var out outcome
		for i := 0; i < len(logs); i += batch {
			for _, r := range f.ApplyBatch(logs[i:min(i+batch, len(logs))]) {
				code := 0
				if res := r.(*im.Result); res.Err != nil {
					code = res.Err.Code
				}
				out.errs = append(out.errs, code)
			}
		}
		// Re-applying entries already applied (a restart replaying the tail) changes nothing.
		f.ApplyBatch(logs[len(logs)/2:])
		if u, err := store.GetUser(context.Background(), db.Reader(), "newu3"); err != nil || u != nil {
			t.Errorf("batch %d: a user of a failed registration exists", batch)
		}
		if out.digest, err = db.Digest(context.Background()); err != nil {
			t.Fatal(err)
		}
		return out
	}
	one := apply(1)
	if failed := countNonZero(one.errs); failed != 25 {
		t.Fatalf("%d commands failed, want the 25 duplicate registrations", failed)
	}
	for _, batch := range []int{7, len(logs)} {
		got := apply(batch)
		if got.digest != one.digest {
			t.Errorf("digests differ: batch 1 %s, batch %d %s", one.digest, batch, got.digest)
		}
		if fmt.Sprint(got.errs) != fmt.Sprint(one.errs) {
			t.Errorf("results differ: batch 1 %v, batch %d %v", one.errs, batch, got.errs)
		}
	}
}

// halfDone applies commands like im.Machine, except that "test.half" writes a row and then fails,
// as a handler that finds a broken rule after its first write does.
type halfDone struct{ *im.Machine }

func (h halfDone) Apply(ctx context.Context, tx store.Q, index uint64, cmd *im.Command) (*im.Result, []im.Event) {
	if cmd.Kind != "test.half" {
		return h.Machine.Apply(ctx, tx, index, cmd)
	}
	if err := store.SetMeta(ctx, tx, "half", []byte("written")); err != nil {
		return &im.Result{Err: openim.ErrInternal.With("%v", err)}, nil
	}
	return &im.Result{Err: openim.ErrArgs.With("fails after a write")}, []im.Event{{Kick: &im.Kick{}}}
}

// TestFailedCommandChangesNothing runs a failing command between two good ones in one batch: its
// write is undone, its events dropped, and the commands around it apply.
func TestFailedCommandChangesNothing(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var published [][]im.Event
	f := &fsm{db: db, machine: halfDone{im.NewMachine()}, tmpDir: t.TempDir(), log: discardLog(),
		sink: sinkFunc(func(ev []im.Event) { published = append(published, ev) })}
	cmds := testCommands(t, 0, 1)[:3] // office, register u0, rename u0
	half, err := im.NewCommand("test.half", im.Caller{}, 1_700_000_000_000, "op-half", struct{}{})
	if err != nil {
		t.Fatal(err)
	}
	cmds = []*im.Command{cmds[0], cmds[1], half, cmds[2]}
	var logs []*raft.Log
	for i, c := range cmds {
		b, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, &raft.Log{Index: uint64(i + 1), Type: raft.LogCommand, Data: b})
	}
	results := f.ApplyBatch(logs)
	for i, r := range results {
		if failed := r.(*im.Result).Err != nil; failed != (i == 2) {
			t.Errorf("entry %d: result %+v", i, r)
		}
	}
	ctx := context.Background()
	if v, ok, err := store.GetMeta(ctx, db.Reader(), "half"); err != nil || ok {
		t.Errorf("the failed command's write is there: %q, %v", v, err)
	}
	if u, err := store.GetUser(ctx, db.Reader(), "u0"); err != nil || u == nil || u.Nickname != "renamedu0" {
		t.Errorf("the command after the failure did not apply: %+v, %v", u, err)
	}
	if len(published) != 1 {
		t.Fatalf("published %d times, want once", len(published))
	}
	for _, ev := range published[0] {
		if ev.Kick != nil {
			t.Errorf("the failed command's event was published")
		}
	}
}

type sinkFunc func([]im.Event)

func (f sinkFunc) Publish(ev []im.Event) { f(ev) }

func countNonZero(xs []int) int {
	n := 0
	for _, x := range xs {
		if x != 0 {
			n++
		}
	}
	return n
}

// TestSnapshotRestore moves a node's state into a fresh database through Persist and Restore.
func TestSnapshotRestore(t *testing.T) {
	tn := openTestNode(t, t.TempDir())
	defer tn.close(t)
	propose(t, tn.node, testCommands(t, 0, 10))
	want := tn.digest(t)

	sink := &fileSink{t: t, path: filepath.Join(t.TempDir(), "snap")}
	snap, err := tn.node.fsm.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}

	if got := restoredDigest(t, sink.path); got != want {
		t.Fatalf("restored digest %s, want %s", got, want)
	}
	// The snapshot is compressed: gzip that compress/gzip reads (as an older build does, whose restore
	// uses it), and smaller than the database it holds.
	raw, err := os.ReadFile(sink.path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("snapshot is not gzip: %v", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.HasPrefix(plain, []byte("SQLite format 3\x00")) || len(raw) >= len(plain)/2 {
		t.Fatalf("snapshot of %d bytes holds %d bytes (%v): want a database, over twice as large", len(raw), len(plain), err)
	}
}

// TestRestoreUncompressedSnapshot: a snapshot taken by an older build (the database file as it is)
// still restores.
func TestRestoreUncompressedSnapshot(t *testing.T) {
	tn := openTestNode(t, t.TempDir())
	defer tn.close(t)
	propose(t, tn.node, testCommands(t, 0, 10))
	want := tn.digest(t)
	old := filepath.Join(t.TempDir(), "old.db")
	if err := tn.db.Backup(context.Background(), old); err != nil {
		t.Fatal(err)
	}
	if got := restoredDigest(t, old); got != want {
		t.Fatalf("restored digest %s, want %s", got, want)
	}
}

// restoredDigest restores the snapshot file at path into a fresh database and digests it.
func restoredDigest(t *testing.T, path string) string {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := &fsm{db: db, machine: im.NewMachine(), tmpDir: t.TempDir(), log: discardLog()}
	rc, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Restore(rc); err != nil {
		t.Fatal(err)
	}
	got, err := db.Digest(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return got
}

type fileSink struct {
	t    *testing.T
	path string
	f    *os.File
}

func (s *fileSink) Write(p []byte) (int, error) {
	if s.f == nil {
		f, err := os.Create(s.path)
		if err != nil {
			return 0, err
		}
		s.f = f
	}
	return s.f.Write(p)
}
func (s *fileSink) Close() error  { return s.f.Close() }
func (s *fileSink) ID() string    { return "test" }
func (s *fileSink) Cancel() error { return s.f.Close() }

// halfOffice applies commands like im.Machine, except that "test.halfoffice" makes single chats
// need a friendship and then fails.
type halfOffice struct{ *im.Machine }

func (h halfOffice) Apply(ctx context.Context, tx store.Q, index uint64, cmd *im.Command) (*im.Result, []im.Event) {
	if cmd.Kind != "test.halfoffice" {
		return h.Machine.Apply(ctx, tx, index, cmd)
	}
	off, err := im.LoadOffice(ctx, tx)
	if err == nil {
		off.RequireFriendship = true
		var b []byte
		if b, err = json.Marshal(off); err == nil {
			err = store.SetMeta(ctx, tx, store.MetaOffice, b)
		}
	}
	if err != nil {
		return &im.Result{Err: openim.ErrInternal.With("%v", err)}, nil
	}
	return &im.Result{Err: openim.ErrArgs.With("fails after a write")}, nil
}

// TestBatchReadsTheOfficeAsItStands: within one batch (one transaction, where the office's row is
// read once) a send sees the chat rule a command before it set, and not one a failed command
// wrote and was rolled back.
func TestBatchReadsTheOfficeAsItStands(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := &fsm{db: db, machine: halfOffice{im.NewMachine()}, tmpDir: t.TempDir(), log: discardLog()}
	admin := im.Caller{UserID: openim.AdminUserID, Platform: openim.PlatformAdmin}
	alice := im.Caller{UserID: "alice", Platform: openim.PlatformWeb}
	var logs []*raft.Log
	add := func(kind string, caller im.Caller, args any) {
		c, err := im.NewCommand(kind, caller, int64(1_700_000_000_000+len(logs)), fmt.Sprint("op", len(logs)), args)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.Encode()
		if err != nil {
			t.Fatal(err)
		}
		logs = append(logs, &raft.Log{Index: uint64(len(logs) + 1), Type: raft.LogCommand, Data: b})
	}
	send := func() {
		add("msg.send", alice, &im.SendMsg{MsgData: &pb.MsgData{SendID: "alice", RecvID: "bob",
			ClientMsgID: fmt.Sprintf("c%d", len(logs)), SessionType: openim.SingleChat, ContentType: openim.Text,
			Content: []byte(`{"content":"hi"}`)}})
	}
	add("office.create", im.Caller{}, &im.CreateOffice{Office: im.Office{OfficeID: "office1", JWTKey: make([]byte, 32),
		AdminSecretHash: "x"}})
	add("user.register", admin, &im.RegisterUsers{Users: []im.NewUser{{UserID: "alice", Nickname: "Alice"}, {UserID: "bob", Nickname: "Bob"}}})
	send()                                          // 2: no friendship needed
	add("test.halfoffice", im.Caller{}, struct{}{}) // 3: fails, its rule rolled back
	send()                                          // 4: still none needed
	add("office.chatRule", admin, &im.SetChatRule{RequireFriendship: true})
	send() // 6: alice is not bob's friend
	var codes []int
	var seqs []int64 // of the sends stored: each reads its conversation's last seq in the batch
	for _, r := range f.ApplyBatch(logs) {
		code := 0
		if res := r.(*im.Result); res.Err != nil {
			code = res.Err.Code
		} else if len(res.Data) > 0 {
			var sent im.SendMsgResult
			if json.Unmarshal(res.Data, &sent) == nil && sent.Seq > 0 {
				seqs = append(seqs, sent.Seq)
			}
		}
		codes = append(codes, code)
	}
	want := []int{0, 0, 0, openim.ErrArgs.Code, 0, 0, openim.ErrNotPeersFriend.Code}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Fatalf("results %v, want %v", codes, want)
	}
	if fmt.Sprint(seqs) != "[1 2]" {
		t.Fatalf("the batch's sends got seqs %v, want [1 2]", seqs)
	}
}
