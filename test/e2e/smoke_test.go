package e2e

import (
	"net"
	"strings"
	"testing"
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
			"--api-addr", freeAddr(t),
			"--ws-addr", freeAddr(t),
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

// TestBusyAPIPortFails checks that a node whose API address is taken exits non-zero and names the address.
func TestBusyAPIPortFails(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	addr := busy.Addr().String()

	out, code := runLanim(t, stopTimeout, "node",
		"--data", t.TempDir(),
		"--api-addr", addr,
		"--ws-addr", freeAddr(t),
		"--admin-secret", "secret",
	)
	if code == 0 {
		t.Fatalf("node on busy address %s exited 0; output:\n%s", addr, out)
	}
	if !strings.Contains(out, addr) {
		t.Fatalf("output should name the busy address %s; got:\n%s", addr, out)
	}
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
