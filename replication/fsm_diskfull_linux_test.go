package replication

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// TestFSMWaitsForDiskSpace: on a full disk (a real tmpfs, filled) the FSM neither panics nor fails
// the commands (a node with space would apply them, and the states would part): it waits, and
// applies them once space is freed. Needs root to mount the tmpfs, as CI runs: it fails, not
// skips, without.
func TestFSMWaitsForDiskSpace(t *testing.T) {
	disk := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Fatalf("mount a tmpfs (needs root): %v\n%s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", disk).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", disk, err, out)
		}
	})
	db, err := store.Open(filepath.Join(disk, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	waiting := make(chan struct{}, 100)
	stop := make(chan struct{})
	defer close(stop)
	f := &fsm{db: db, machine: im.NewMachine(), tmpDir: t.TempDir(), stop: stop,
		log: slog.New(notifyHandler{msg: "the disk is full", ch: waiting})}
	entry := func(index uint64, kind string, caller string, args any) *raft.Log {
		cmd, err := im.NewCommand(kind, im.Caller{UserID: caller, Platform: openim.PlatformAdmin}, 1, "op", args)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(cmd)
		if err != nil {
			t.Fatal(err)
		}
		return &raft.Log{Index: index, Type: raft.LogCommand, Data: b}
	}
	office := entry(1, "office.create", "", &im.CreateOffice{Office: im.Office{OfficeID: "o1", JWTKey: make([]byte, 32),
		AdminSecretHash: "x"}})
	if res := f.ApplyBatch([]*raft.Log{office})[0].(*im.Result); res.Err != nil {
		t.Fatal(res.Err)
	}

	// 200 users fit SQLite's page cache, so the disk fills at the commit; 1,000 spill out of it
	// during the statements.
	for i, count := range []int{200, 1000} {
		waitForSpace(t, f, waiting, disk, entry(uint64(2+i), "user.register", openim.AdminUserID, newUsers(i, count)))
		for _, id := range []string{fmt.Sprintf("u%d_%04d", i, 0), fmt.Sprintf("u%d_%04d", i, count-1)} {
			if u, err := store.GetUser(context.Background(), db.Reader(), id); err != nil || u == nil {
				t.Fatalf("user %s not stored after space was freed (%v)", id, err)
			}
		}
	}
}

// newUsers registers count users with 4 KB of ex each.
func newUsers(batch, count int) *im.RegisterUsers {
	a := &im.RegisterUsers{}
	for i := range count {
		a.Users = append(a.Users, im.NewUser{UserID: fmt.Sprintf("u%d_%04d", batch, i), Nickname: strings.Repeat("n", 200),
			Ex: strings.Repeat("e", 4000)})
	}
	return a
}

// waitForSpace fills the disk, applies l, sees the FSM wait (its log says so) rather than apply or
// give up, frees the space and sees l applied.
func waitForSpace(t *testing.T, f *fsm, waiting <-chan struct{}, disk string, l *raft.Log) {
	t.Helper()
	filler := filepath.Join(disk, "filler")
	fillDisk(t, filler)
	done := make(chan []any, 1)
	go func() { done <- f.ApplyBatch([]*raft.Log{l}) }()
	select {
	case <-waiting:
	case r := <-done:
		t.Fatalf("applied on a full disk: %v", r[0])
	case <-time.After(30 * time.Second):
		t.Fatal("the FSM neither applied nor waited for space in 30 s")
	}
	select {
	case r := <-done:
		t.Fatalf("the FSM gave up waiting for space: %v", r[0])
	default:
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if res := r[0].(*im.Result); res.Err != nil {
			t.Fatalf("after space was freed: %v", res.Err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the FSM did not apply within 30 s of space being freed")
	}
}

// fillDisk takes all the free space of path's file system with the file path.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(path), &st); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Fallocate(int(f.Fd()), 0, 0, int64(st.Bavail)*st.Bsize); err != nil {
		t.Fatalf("fill the disk: %v", err)
	}
}

// notifyHandler signals ch on each log record whose message starts with msg.
type notifyHandler struct {
	msg string
	ch  chan struct{}
}

func (h notifyHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h notifyHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h notifyHandler) WithGroup(string) slog.Handler            { return h }
func (h notifyHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, h.msg) {
		select {
		case h.ch <- struct{}{}:
		default:
		}
	}
	return nil
}
