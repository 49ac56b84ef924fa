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
