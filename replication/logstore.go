package replication

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	wal "github.com/hashicorp/raft-wal"

	"lanim/node/blob"
)

// Raft's log and stable store is hashicorp/raft-wal in raft/wal: segment files that only grow at
// their end, one fsync per append. BoltDB's copy-on-write commit, which held the log before, takes
// two (its pages, then its meta page), and every commit of a message waits for the leader's append
// and then a follower's: on this project's VM an append after 20 ms of quiet took 0.87-1.02 ms in
// BoltDB and 0.53-0.56 ms as one write and fdatasync (docs/benchmarks.md, "Issue 17, round four").
// Compaction deletes whole segments, so the log's files shrink with it, which BoltDB's never did.

// walSegmentSize is the size of a segment file, preallocated when it is created. The log holds
// the entries since the last snapshot and TrailingLogs more, about 18,000 entries of a few hundred
// bytes: a few segments of this size, where raft-wal's default of 64 MiB would make the first
// segment alone larger than a whole data dir of 100,000 messages.
const walSegmentSize = 4 << 20

// raftStableKeys are the keys hashicorp/raft keeps in its stable store, its term and its vote,
// and whether each is a number (raft.db holds those big-endian, raft-wal little-endian).
var raftStableKeys = []struct {
	key    string
	number bool
}{{"CurrentTerm", true}, {"LastVoteTerm", true}, {"LastVoteCand", false}}

// openWAL opens (creating) the WAL in dir, an existing directory.
type openWAL func(dir string) (*wal.WAL, error)

// raftLog is raft-wal as Raft's log, with Raft's contract for compacted entries kept: raft-wal
// reads an entry from its tail segment even after a compaction took it (the segment stays until
// it is sealed and wholly compacted), and hashicorp/raft asks for the entry before a lagging
// follower's next one to decide between sending it entries and sending it the snapshot. A leader
// that found compacted entries would send them (committed entries, but on a follower they may be
// stale ones a snapshot install replaced), so an entry before FirstIndex is not found.
type raftLog struct {
	*wal.WAL
}

// GetLog reads the entry at index, raft.ErrLogNotFound when compaction removed it.
func (l raftLog) GetLog(index uint64, out *raft.Log) error {
	first, err := l.FirstIndex()
	if err != nil {
		return err
	}
	if index < first {
		return raft.ErrLogNotFound
	}
	return l.WAL.GetLog(index, out)
}

// openLogStore opens Raft's log in raftDir/wal. A data dir written before raft-wal holds its log
// in raftDir/raft.db (BoltDB): its entries and votes are moved into the new log first.
func openLogStore(raftDir string, log hclog.Logger) (raftLog, error) {
	walDir := filepath.Join(raftDir, "wal")
	boltPath := filepath.Join(raftDir, "raft.db")
	open := func(dir string) (*wal.WAL, error) {
		return wal.Open(dir, wal.WithSegmentSize(walSegmentSize), wal.WithLogger(log.Named("wal")))
	}
	switch _, err := os.Stat(walDir); {
	case errors.Is(err, fs.ErrNotExist):
		if err := migrateBoltLog(boltPath, walDir, open); err != nil {
			return raftLog{}, fmt.Errorf("move raft.db into raft-wal: %w", err)
		}
	case err != nil:
		return raftLog{}, err
	}
	w, err := open(walDir)
	if err != nil {
		return raftLog{}, fmt.Errorf("open %s: %w", walDir, err)
	}
	// The move is complete once wal exists: raft.db may outlive it only by a crash in between.
	if err := os.Remove(boltPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		w.Close()
		return raftLog{}, err
	}
	return raftLog{w}, nil
}

// migrateBoltLog creates walDir, holding the entries and stable values of the raft.db at boltPath
// when there is one. It builds the log beside walDir and renames it into place, so a crash
// part-way leaves raft.db the log, as it was, and the next start builds it again.
func migrateBoltLog(boltPath, walDir string, open openWAL) error {
	tmp := walDir + ".new"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return err
	}
	if _, err := os.Stat(boltPath); err == nil {
		if err := copyBoltLog(boltPath, tmp, open); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, walDir); err != nil {
		return err
	}
	return blob.SyncDir(filepath.Dir(walDir))
}

// copyBoltLog copies the log and Raft's stable values from the raft.db at boltPath into a new WAL
// in dir. raft-wal syncs each append and each stable value as it writes them.
func copyBoltLog(boltPath, dir string, open openWAL) (err error) {
	old, err := openBoltLog(boltPath)
	if err != nil {
		return err
	}
	defer old.Close()
	w, err := open(dir)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, w.Close()) }()
	first, last, err := old.bounds()
	if err != nil {
		return err
	}
	if last > 0 {
		if err := old.entries(first, last, w.StoreLogs); err != nil {
			return err
		}
	}
	for _, k := range raftStableKeys {
		v, err := old.stable([]byte(k.key))
		switch {
		case err != nil:
			return err
		case v == nil:
			continue
		case !k.number:
			err = w.Set([]byte(k.key), v)
		case len(v) != 8:
			return fmt.Errorf("raft.db %s: %d bytes, want 8", k.key, len(v))
		default:
			err = w.SetUint64([]byte(k.key), binary.BigEndian.Uint64(v))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// raft-wal appends only after the last entry, so after a snapshot install Raft must empty the log
// rather than compact it: it does for a store that says it is monotonic.
var (
	_ raft.LogStore          = raftLog{}
	_ raft.StableStore       = raftLog{}
	_ raft.MonotonicLogStore = raftLog{}
	_ raft.MonotonicLogStore = (*loggedStore)(nil)
)
