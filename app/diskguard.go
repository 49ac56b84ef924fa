package app

import (
	"context"

	"lanim/node/im"
)

// DiskReserve is the free space on the data dir's disk below which the node takes no writes. A
// write that reached the disk full would fail in Raft's log or the state database, where a node
// cannot skip it; refused before proposing it costs nothing, and writes resume by themselves once
// space is freed. 64 MiB holds the log entries and database pages of the writes in flight, with
// room for SQLite's checkpoints.
const DiskReserve = 64 << 20

// proposer is what the API and the gateway propose through (replication.Node).
type proposer interface {
	Propose(ctx context.Context, cmd *im.Command) (*im.Result, error)
}

// diskGuard proposes through next unless the disk that holds dir has less than DiskReserve free
// (1693 DiskFull). When the free space cannot be read, it lets the write through: the database's
// own full-disk error still answers 1693.
type diskGuard struct {
	next proposer
	dir  string
}

func (g diskGuard) Propose(ctx context.Context, cmd *im.Command) (*im.Result, error) {
	if free, err := freeSpace(g.dir); err == nil && free < DiskReserve {
		return nil, im.DiskFull()
	}
	return g.next.Propose(ctx, cmd)
}
