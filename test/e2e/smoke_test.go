package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"lanim/test/nodeproc"
)

// TestSmoke checks the basics of one node's life: the admin token works, a second process cannot open the
// same data dir, and SIGTERM ends the node cleanly.
func TestSmoke(t *testing.T) {
	t.Parallel()
	n := startNode(t)

	t.Run("AdminTokenReadsAdmin", func(t *testing.T) {
		requireUser(t, n, adminUserID)
	})

	t.Run("SecondProcessOnSameDataDirFails", func(t *testing.T) {
		out, code := runLanim(t, stopTimeout, "node",
			"--data", n.DataDir,
			"--api-addr", nodeproc.MustFreeAddr(t),
			"--ws-addr", nodeproc.MustFreeAddr(t),
			"--admin-secret", n.AdminSecret,
		)
		if code == 0 {
			t.Fatalf("second node on %s exited 0; output:\n%s", n.DataDir, out)
		}
		if !strings.Contains(out, n.DataDir) || !mentionsInUse(out) {
			t.Fatalf("second node's output should say that data dir %s is in use; got:\n%s", n.DataDir, out)
		}
		// The failed attempt must not have disturbed the running node.
		requireUser(t, n, adminUserID)
	})

	t.Run("SIGTERMExitsZero", func(t *testing.T) {
		n.Stop(t)
	})
}

// TestBusyPortFails checks that a node whose API or WebSocket address is taken exits non-zero at
// once and names the address.
func TestBusyPortFails(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"--api-addr", "--ws-addr"} {
		t.Run(flag, func(t *testing.T) {
			busy, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer busy.Close()
			addr := busy.Addr().String()
			args := map[string]string{"--api-addr": nodeproc.MustFreeAddr(t), "--ws-addr": nodeproc.MustFreeAddr(t)}
			args[flag] = addr
			out, code := runLanim(t, stopTimeout, "node",
				"--data", t.TempDir(),
				"--api-addr", args["--api-addr"],
				"--ws-addr", args["--ws-addr"],
				"--admin-secret", "secret",
			)
			if code == 0 {
				t.Fatalf("node with %s on busy address %s exited 0; output:\n%s", flag, addr, out)
			}
			if !strings.Contains(out, addr) {
				t.Fatalf("output should name the busy address %s; got:\n%s", addr, out)
			}
		})
	}
}

// TestGeneratedAdminSecret starts a new office without --admin-secret: the node makes one, stores
// it in DIR/admin-secret readable by its owner only, prints that path, and get_admin_token accepts
// it. SIGINT stops the node with exit code 0, like SIGTERM, and the restarted node keeps the secret.
func TestGeneratedAdminSecret(t *testing.T) {
	t.Parallel()
	n := newNode(t, "")
	i := slices.Index(n.Args, "--admin-secret")
	n.Args = slices.Delete(n.Args, i, i+2) // the flag and its (empty) value
	path := filepath.Join(n.DataDir, "admin-secret")
	n.launch(t)
	pollUntil(t, readyTimeout, func() bool {
		b, err := os.ReadFile(path)
		n.AdminSecret = strings.TrimSpace(string(b))
		return err == nil && n.AdminSecret != ""
	})
	if err := n.waitReady(); err != nil {
		t.Fatalf("node not ready with the generated secret: %v", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("%s has mode %v, want 0600", path, st.Mode().Perm())
	}
	if log := n.logTail(); !strings.Contains(log, path) {
		t.Fatalf("the node did not print where the secret is (%s); log:\n%s", path, log)
	}
	n.RegisterUsers(t, "alice")

	if err := n.stop(syscall.SIGINT); err != nil {
		t.Fatalf("SIGINT: %v", err)
	}
	secret := n.AdminSecret
	n.start(t) // waitReady: the same secret still gives an admin token
	if b, _ := os.ReadFile(path); strings.TrimSpace(string(b)) != secret {
		t.Fatalf("the restart changed the secret file: %q, was %q", b, secret)
	}
	requireUser(t, n, "alice")
}

// mentionsInUse reports whether a message says something is in use or locked, in any of the usual words.
func mentionsInUse(msg string) bool {
	msg = strings.ToLower(msg)
	for _, word := range []string{"in use", "lock", "already"} {
		if strings.Contains(msg, word) {
			return true
		}
	}
	return false
}

// TestShutdownFinishesInFlight sends SIGTERM while clients are registering users as fast as they
// can: the node exits 0, every request it answered got a whole envelope with errCode 0 (the ones
// that came too late find the port closed), and every registration it acknowledged is there after
// a restart.
func TestShutdownFinishesInFlight(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	const (
		clients      = 8
		perClient    = 500
		signalAfter  = 40 // acknowledged registrations before SIGTERM
		requestLimit = 30 * time.Second
	)
	type outcome struct {
		acked   []string
		badResp []string
	}
	results := make(chan outcome, clients)
	ackedSoFar := make(chan struct{}, clients*perClient)
	for c := range clients {
		go func() {
			var o outcome
			defer func() { results <- o }()
			for i := range perClient {
				id := fmt.Sprintf("c%d_%d", c, i)
				ctx, cancel := context.WithTimeout(context.Background(), requestLimit)
				env, err := n.post(ctx, "/user/user_register", n.AdminToken,
					map[string]any{"users": []map[string]string{{"userID": id, "nickname": id}}})
				cancel()
				var netErr net.Error
				switch {
				case err != nil && strings.HasPrefix(err.Error(), "read response"):
					o.badResp = append(o.badResp, fmt.Sprintf("%s: cut off: %v", id, err))
					return
				case err != nil && errors.As(err, &netErr):
					return // the node stopped listening or closed an idle connection: not answered
				case err != nil:
					o.badResp = append(o.badResp, fmt.Sprintf("%s: %v", id, err))
					return
				case env.ErrCode != 0:
					o.badResp = append(o.badResp, fmt.Sprintf("%s: errCode %d %s", id, env.ErrCode, env.ErrDlt))
					return
				}
				o.acked = append(o.acked, id)
				ackedSoFar <- struct{}{}
			}
		}()
	}
	for range signalAfter {
		select {
		case <-ackedSoFar:
		case <-time.After(requestLimit):
			t.Fatalf("fewer than %d registrations acknowledged", signalAfter)
		}
	}
	if err := n.stop(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM under load: %v", err)
	}
	var acked []string
	for range clients {
		o := <-results
		if len(o.badResp) > 0 {
			t.Errorf("answers during shutdown that are not a success: %v", o.badResp)
		}
		acked = append(acked, o.acked...)
	}
	n.start(t)
	var out usersInfo
	for chunk := range slices.Chunk(acked, 1000) {
		n.PostOK(t, "/user/get_users_info", n.AdminToken, map[string]any{"userIDs": chunk}, &out)
		if len(out.UsersInfo) != len(chunk) {
			t.Fatalf("%d of %d acknowledged registrations survived the shutdown", len(out.UsersInfo), len(chunk))
		}
	}
	t.Logf("%d registrations acknowledged before the node stopped", len(acked))
}
