package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"lanim/node/client"
	"lanim/node/openim"
)

// TestDiskFull: with the data dir's disk full (a real tmpfs, filled), writes answer 1693 DiskFull,
// REST and WebSocket alike, with no path or internal text, never a false 1691 on this standalone
// node; reads keep working; once space is back, writes work again without a restart. Needs root
// to mount the tmpfs, as CI runs: it fails, not skips, without.
func TestDiskFull(t *testing.T) {
	disk := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(disk, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=160m", "tmpfs", disk).CombinedOutput(); err != nil {
		t.Fatalf("mount a tmpfs for the data dir (needs root): %v\n%s", err, out)
	}
	// Registered before the node's cleanup, so it runs after the node stopped.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", disk).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v\n%s", disk, err, out)
		}
	})
	n := newNode(t, "disk-full-secret")
	n.DataDir = filepath.Join(disk, "data")
	for i, a := range n.args {
		if a == "--data" {
			n.args[i+1] = n.DataDir
		}
	}
	n.start(t)
	n.RegisterUsers(t, "ann", "bob")
	c := &chat{n: n, tokens: map[string]string{adminUserID: n.AdminToken, "ann": n.UserToken(t, "ann", 5)}}
	c.send(t, c.textMsg("ann", "bob", "before"))
	ws := wsDial(t, n, "ann", 5, c.tokens["ann"], client.DialOptions{})

	filler := filepath.Join(disk, "filler")
	fill(t, filler)
	for _, w := range []struct {
		path, token string
		body        any
	}{
		{"/msg/send_msg", c.tokens["ann"], map[string]any{"msgData": c.textMsg("ann", "bob", "while full")}},
		{"/user/update_user_info_ex", c.tokens["ann"], map[string]any{"userInfo": map[string]any{"userID": "ann", "nickname": "Ann"}}},
		{"/auth/get_user_token", n.AdminToken, map[string]any{"userID": "bob", "platformID": 5}},
		{"/user/update_user_info_ex", c.tokens["ann"], map[string]any{"userInfo": map[string]any{"userID": "ann", "nickname": "Ann"}}},
	} {
		env := n.PostErr(t, w.path, w.token, w.body, 1693)
		if strings.Contains(env.ErrDlt, "/") || strings.Contains(env.ErrDlt, disk) || !strings.Contains(env.ErrDlt, "disk") {
			t.Errorf("%s: errDlt %q: want a plain word that the disk is full, no path", w.path, env.ErrDlt)
		}
	}
	_, err := ws.SendMsg(wsCtx(t, "op-full"), wsText("ann", "bob", "ws-full", "over the WebSocket"))
	if openim.Code(err) != 1693 || strings.Contains(err.Error(), "/") {
		t.Errorf("a WebSocket send on a full disk: %v; want 1693 and no path", err)
	}
	var users struct {
		UsersInfo []struct {
			UserID string `json:"userID"`
		} `json:"usersInfo"`
	}
	n.PostOK(t, "/user/get_users_info", c.tokens["ann"], map[string]any{"userIDs": []string{"bob"}}, &users)
	if len(users.UsersInfo) != 1 {
		t.Fatalf("a read while the disk is full: %+v", users)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	c.send(t, c.textMsg("ann", "bob", "after"))
	if got := c.texts(t, "ann", siID("ann", "bob")); strings.Join(got, ",") != "before,after" {
		t.Fatalf("ann's chat holds %q, want before and after", got)
	}
}

// fill takes all but 8 MiB of the free space of path's file system with the file path.
func fill(t *testing.T, path string) {
	t.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(filepath.Dir(path), &st); err != nil {
		t.Fatal(err)
	}
	size := int64(st.Bavail)*st.Bsize - 8<<20
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Fallocate(int(f.Fd()), 0, 0, size); err != nil {
		t.Fatalf("fill the disk: %v", err)
	}
}
