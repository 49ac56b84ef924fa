package replication

import (
	"bytes"
	"strings"
	"testing"

	"github.com/hashicorp/go-hclog"
)

// A peer that stays away is logged once per outage, not at every heartbeat; another peer, or
// another message, is logged on its own.
func TestQuietLoggerOncePerPeer(t *testing.T) {
	var buf bytes.Buffer
	l := newQuietLogger(hclog.New(&hclog.LoggerOptions{Level: hclog.Info, Output: &buf}))
	for range 50 {
		l.Error("failed to heartbeat to", "peer", "10.0.0.2:7000", "error", "i/o timeout")
	}
	l.Named("x").Error("failed to heartbeat to", "peer", "10.0.0.3:7000", "error", "i/o timeout")
	l.Warn("failed to contact", "server-id", "n2", "time", "3s")
	l.Info("entering follower state")
	l.Info("entering follower state")
	out := buf.String()
	if n := strings.Count(out, "failed to heartbeat to"); n != 2 {
		t.Fatalf("heartbeat failures logged %d times, want once per peer:\n%s", n, out)
	}
	if strings.Count(out, "failed to contact") != 1 || strings.Count(out, "entering follower state") != 2 {
		t.Fatalf("other messages:\n%s", out)
	}
}
