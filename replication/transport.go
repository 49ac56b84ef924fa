package replication

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

// raftStream is raft's StreamLayer on the cluster port: accepted raft streams come from the mux
// (already authenticated), dialled ones carry the raft kind byte and mutual TLS.
type raftStream struct {
	net.Listener
	tls *tls.Config
}

var _ raft.StreamLayer = (*raftStream)(nil)

func (s *raftStream) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return dialStream(ctx, string(addr), streamRaft, s.tls)
}

// newRaftTransport is raft's network transport over the mux.
func newRaftTransport(ln net.Listener, cfg *tls.Config, log hclog.Logger) *raft.NetworkTransport {
	return raft.NewNetworkTransportWithConfig(&raft.NetworkTransportConfig{
		Stream:  &raftStream{Listener: ln, tls: cfg},
		MaxPool: 3,
		Timeout: 10 * time.Second,
		Logger:  log,
	})
}

// AppendEntriesPipeline refuses pipelining: Raft then replicates with AppendEntries calls that
// go on until the follower has every entry there was when they began. A pipeline sent at most
// MaxAppendEntries entries each time new entries woke it, and wake-ups that came while it was
// busy counted as one: a follower slower than the leader fell behind, and the tail of a burst
// waited for the next write or for CommitTimeout (30 s). In the office benchmark about one run
// in 25 left a member's users without their last messages for 10-30 s (docs/benchmarks.md,
// "Issue 17, round seven"; hashicorp/raft#612 is the same pipeline stalling a follower).
func (t *noticeTransport) AppendEntriesPipeline(raft.ServerID, raft.ServerAddress) (raft.AppendPipeline, error) {
	return nil, raft.ErrPipelineReplicationNotSupported
}
