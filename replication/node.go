package replication

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"

	"lanim/node/im"
	"lanim/node/store"
)

// Config is what a replication node needs.
type Config struct {
	// DataDir holds raft/ (log, stable store, snapshots) and the temporary files of snapshots.
	DataDir string
	// NodeID is this install's stable ID (kept in the data dir).
	NodeID  string
	DB      *store.DB
	Machine *im.Machine
	// Sink receives the events of every applied batch (the gateway).
	Sink im.Sink
	Log  *slog.Logger
}

// Node is this process's member of the office's Raft group.
type Node struct {
	cfg       Config
	raft      *raft.Raft
	fsm       *fsm
	bolt      *raftboltdb.BoltStore
	transport raft.Transport
}

// ErrNotLeader is returned by Propose when this node cannot apply writes itself.
var ErrNotLeader = errors.New("not the leader")

// Open starts the node. A data dir with no Raft state bootstraps a new single-voter group.
func Open(cfg Config) (*Node, error) {
	raftDir := filepath.Join(cfg.DataDir, "raft")
	tmpDir := filepath.Join(cfg.DataDir, "tmp")
	for _, d := range []string{raftDir, tmpDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("replication: %w", err)
		}
	}
	bolt, err := raftboltdb.New(raftboltdb.Options{Path: filepath.Join(raftDir, "raft.db")})
	if err != nil {
		return nil, fmt.Errorf("replication: open log store: %w", err)
	}
	hlog := hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Warn, Output: os.Stderr})
	snaps, err := raft.NewFileSnapshotStoreWithLogger(raftDir, 2, hlog)
	if err != nil {
		bolt.Close()
		return nil, fmt.Errorf("replication: open snapshot store: %w", err)
	}
	f := &fsm{db: cfg.DB, machine: cfg.Machine, sink: cfg.Sink, tmpDir: tmpDir, log: cfg.Log}
	if err := catchUpFromSnapshot(f, snaps); err != nil {
		bolt.Close()
		return nil, err
	}

	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(cfg.NodeID)
	rc.Logger = hlog
	rc.BatchApplyCh = true
	// The state database is durable and records its applied index, so raft need not rebuild it
	// from the snapshot at every start; catchUpFromSnapshot covers a database that fell behind.
	rc.NoSnapshotRestoreOnStart = true
	addr, transport := raft.NewInmemTransport(raft.ServerAddress(cfg.NodeID))

	r, err := raft.NewRaft(rc, f, bolt, bolt, snaps, transport)
	if err != nil {
		bolt.Close()
		return nil, fmt.Errorf("replication: start raft: %w", err)
	}
	n := &Node{cfg: cfg, raft: r, fsm: f, bolt: bolt, transport: transport}

	existing, err := raft.HasExistingState(bolt, bolt, snaps)
	if err != nil {
		n.Close()
		return nil, fmt.Errorf("replication: %w", err)
	}
	if !existing {
		boot := raft.Configuration{Servers: []raft.Server{{ID: rc.LocalID, Address: addr, Suffrage: raft.Voter}}}
		if err := r.BootstrapCluster(boot).Error(); err != nil {
			n.Close()
			return nil, fmt.Errorf("replication: bootstrap: %w", err)
		}
	}
	return n, nil
}

// catchUpFromSnapshot restores the newest snapshot when the database is older than it (a database
// file lost or rolled back while the log was compacted past it).
func catchUpFromSnapshot(f *fsm, snaps raft.SnapshotStore) error {
	metas, err := snaps.List()
	if err != nil || len(metas) == 0 {
		return err
	}
	applied, err := store.AppliedIndex(context.Background(), f.db.Reader())
	if err != nil {
		return err
	}
	if applied >= metas[0].Index {
		return nil
	}
	_, rc, err := snaps.Open(metas[0].ID)
	if err != nil {
		return fmt.Errorf("replication: open snapshot %s: %w", metas[0].ID, err)
	}
	f.log.Info("restoring snapshot: database is behind it", "applied", applied, "snapshot", metas[0].Index)
	return f.Restore(rc)
}

// WaitLeader blocks until the group has a leader (or ctx ends).
func (n *Node) WaitLeader(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if addr, _ := n.raft.LeaderWithID(); addr != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for a leader: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// Propose commits cmd through Raft and returns the FSM's result once this node has applied it.
func (n *Node) Propose(ctx context.Context, cmd *im.Command) (*im.Result, error) {
	b, err := cmd.Encode()
	if err != nil {
		return nil, err
	}
	timeout := 10 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	fut := n.raft.Apply(b, timeout)
	if err := fut.Error(); err != nil {
		if errors.Is(err, raft.ErrNotLeader) {
			return nil, ErrNotLeader
		}
		return nil, fmt.Errorf("propose %s: %w", cmd.Kind, err)
	}
	res, ok := fut.Response().(*im.Result)
	if !ok || res == nil {
		return nil, fmt.Errorf("propose %s: no result from the state machine", cmd.Kind)
	}
	return res, nil
}

// Snapshot takes a Raft snapshot now and compacts the log behind it.
func (n *Node) Snapshot() error { return n.raft.Snapshot().Error() }

// AppliedIndex is the last index this node's state machine applied.
func (n *Node) AppliedIndex() uint64 { return n.raft.AppliedIndex() }

// Close stops Raft and closes the log store. The state database belongs to the caller.
func (n *Node) Close() error {
	err := n.raft.Shutdown().Error()
	if c, ok := n.transport.(io.Closer); ok {
		c.Close()
	}
	return errors.Join(err, n.bolt.Close())
}
