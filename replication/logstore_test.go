package replication

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
)

func openTestLog(t *testing.T, raftDir string) raftLog {
	t.Helper()
	w, err := openLogStore(raftDir, hclog.NewNullLogger())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// walEntries is every entry of w, read through Raft's interface.
func walEntries(t *testing.T, w raftLog) []*raft.Log {
	t.Helper()
	first, err1 := w.FirstIndex()
	last, err2 := w.LastIndex()
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	var out []*raft.Log
	for i := first; i <= last && last > 0; i++ {
		l := new(raft.Log)
		if err := w.GetLog(i, l); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
		out = append(out, l)
	}
	return out
}

// oldStable is what raft.db held for Raft: its term and vote, numbers big-endian.
func oldStable() map[string][]byte {
	return map[string][]byte{"CurrentTerm": indexKey(7), "LastVoteTerm": indexKey(6), "LastVoteCand": []byte("node-a")}
}

// TestLogStoreMovesRaftDB: a data dir whose log is in raft.db (a compacted tail, as a running
// office leaves it) starts with the same entries, term and vote in raft-wal, raft.db gone, and
// the log takes new entries after them and keeps them across a restart.
func TestLogStoreMovesRaftDB(t *testing.T) {
	raftDir := t.TempDir()
	want := logEntries(1001, 6000, 200)
	want[10].Type = raft.LogConfiguration
	want[11].Extensions = []byte("ext")
	writeBoltLog(t, filepath.Join(raftDir, "raft.db"), want, oldStable())

	w := openTestLog(t, raftDir)
	sameLogs(t, walEntries(t, w), want)
	if _, err := os.Stat(filepath.Join(raftDir, "raft.db")); !os.IsNotExist(err) {
		t.Fatalf("raft.db still there after the move: %v", err)
	}
	for k, v := range map[string]uint64{"CurrentTerm": 7, "LastVoteTerm": 6} {
		if got, err := w.GetUint64([]byte(k)); err != nil || got != v {
			t.Fatalf("%s: %d %v, want %d", k, got, err, v)
		}
	}
	if got, err := w.Get([]byte("LastVoteCand")); err != nil || string(got) != "node-a" {
		t.Fatalf("LastVoteCand %q %v", got, err)
	}
	more := logEntries(6001, 6100, 200)
	if err := w.StoreLogs(more); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	w = openTestLog(t, raftDir)
	defer w.Close()
	sameLogs(t, walEntries(t, w), append(want, more...))
	if got, err := w.GetUint64([]byte("CurrentTerm")); err != nil || got != 7 {
		t.Fatalf("CurrentTerm after restart %d %v", got, err)
	}
}

// TestLogStoreMoveCutShort: a move a crash cut short is done again from raft.db (a half-built
// wal.new is thrown away), and one cut after the rename keeps the new log and drops raft.db.
func TestLogStoreMoveCutShort(t *testing.T) {
	t.Run("before the rename", func(t *testing.T) {
		raftDir := t.TempDir()
		want := logEntries(1, 500, 100)
		writeBoltLog(t, filepath.Join(raftDir, "raft.db"), want, oldStable())
		half := filepath.Join(raftDir, "wal.new")
		if err := os.Mkdir(half, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(half, "00000000000000000001-0000000000000001.wal"), []byte("torn"), 0o600); err != nil {
			t.Fatal(err)
		}
		w := openTestLog(t, raftDir)
		defer w.Close()
		sameLogs(t, walEntries(t, w), want)
		if _, err := os.Stat(half); !os.IsNotExist(err) {
			t.Fatalf("wal.new left: %v", err)
		}
	})
	t.Run("after the rename", func(t *testing.T) {
		raftDir := t.TempDir()
		w := openTestLog(t, raftDir) // a new log, then entries only it holds
		want := logEntries(1, 300, 100)
		if err := w.StoreLogs(want); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		writeBoltLog(t, filepath.Join(raftDir, "raft.db"), logEntries(1, 50, 10), oldStable())
		w = openTestLog(t, raftDir)
		defer w.Close()
		sameLogs(t, walEntries(t, w), want)
		if _, err := os.Stat(filepath.Join(raftDir, "raft.db")); !os.IsNotExist(err) {
			t.Fatalf("raft.db still there: %v", err)
		}
	})
}

// TestLogStoreNewDataDir: a new data dir gets an empty log and no raft.db; Raft sees no state.
func TestLogStoreNewDataDir(t *testing.T) {
	raftDir := t.TempDir()
	w := openTestLog(t, raftDir)
	defer w.Close()
	if last, err := w.LastIndex(); err != nil || last != 0 {
		t.Fatalf("last index %d %v, want 0", last, err)
	}
	if term, err := w.GetUint64([]byte("CurrentTerm")); err != nil || term != 0 {
		t.Fatalf("CurrentTerm %d %v in a new log, want 0", term, err)
	}
	if _, err := os.Stat(filepath.Join(raftDir, "raft.db")); !os.IsNotExist(err) {
		t.Fatalf("raft.db created: %v", err)
	}
}

// TestLogStoreShrinksWithCompaction: compaction gives the log's disk back (whole segments are
// deleted), which BoltDB's file never did.
func TestLogStoreShrinksWithCompaction(t *testing.T) {
	raftDir := t.TempDir()
	w := openTestLog(t, raftDir)
	defer w.Close()
	for from := uint64(1); from <= 100000; from += 1000 {
		if err := w.StoreLogs(logEntries(from, from+999, 400)); err != nil {
			t.Fatal(err)
		}
	}
	full := dirSize(t, filepath.Join(raftDir, "wal"))
	if err := w.DeleteRange(1, 99000); err != nil {
		t.Fatal(err)
	}
	compacted := dirSize(t, filepath.Join(raftDir, "wal"))
	t.Logf("wal: %d bytes for 100,000 entries of 400 bytes, %d after compaction to the last 1,000", full, compacted)
	if compacted*4 > full || compacted > 3*walSegmentSize {
		t.Fatalf("wal %d bytes after compaction (%d before): want a quarter or less, at most 3 segments", compacted, full)
	}
	var l raft.Log
	if err := w.GetLog(99500, &l); err != nil || !bytes.HasPrefix(l.Data, []byte("entry 99500 ")) {
		t.Fatalf("entry 99500 after compaction: %q %v", l.Data, err)
	}
}

// TestLogStoreHidesCompactedEntries: an entry compaction removed is not found, though raft-wal
// keeps it in its tail segment until the segment goes whole: hashicorp/raft sends a follower that
// far behind the snapshot, and only if the entry before its next one is not found.
func TestLogStoreHidesCompactedEntries(t *testing.T) {
	raftDir := t.TempDir()
	w := openTestLog(t, raftDir)
	if err := w.StoreLogs(logEntries(1, 100, 100)); err != nil {
		t.Fatal(err)
	}
	if err := w.DeleteRange(1, 60); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		var l raft.Log
		for _, i := range []uint64{1, 30, 60} {
			if err := w.GetLog(i, &l); err != raft.ErrLogNotFound {
				t.Fatalf("%s: compacted entry %d: %v, want ErrLogNotFound", when, i, err)
			}
		}
		if err := w.GetLog(61, &l); err != nil || l.Index != 61 {
			t.Fatalf("%s: entry 61: %d %v", when, l.Index, err)
		}
		if first, err := w.FirstIndex(); err != nil || first != 61 {
			t.Fatalf("%s: first index %d %v, want 61", when, first, err)
		}
	}
	check("after compaction")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w = openTestLog(t, raftDir)
	defer w.Close()
	check("after a restart")
}

// dirSize is the bytes of the files in dir.
func dirSize(t *testing.T, dir string) int64 {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		n += info.Size()
	}
	return n
}
