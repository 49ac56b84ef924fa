package replication

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// logEntries are entries from..to with payloads of about size bytes.
func logEntries(from, to uint64, size int) []*raft.Log {
	var logs []*raft.Log
	for i := from; i <= to; i++ {
		logs = append(logs, &raft.Log{Index: i, Term: 1, Type: raft.LogCommand, Data: fmt.Appendf(nil, "entry %d %0*d", i, size, 0),
			AppendedAt: time.Unix(1_700_000_000, int64(i)).UTC()})
	}
	return logs
}

func openTestLogStore(t *testing.T, path string) *logStore {
	t.Helper()
	s, err := openLogStore(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLogStoreReopen: with the freelist not persisted, a log compacted to its tail reopens with
// the tail intact and keeps appending (BoltDB rebuilds the freelist from the live pages).
func TestLogStoreReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raft.db")
	s := openTestLogStore(t, path)
	for from := uint64(1); from <= 5000; from += 500 {
		if err := s.StoreLogs(logEntries(from, from+499, 500)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteRange(1, 4900); err != nil { // compaction: only the tail stays
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTestLogStore(t, path)
	defer s.Close()
	if err := s.StoreLogs(logEntries(5001, 5100, 500)); err != nil {
		t.Fatal(err)
	}
	first, err1 := s.FirstIndex()
	last, err2 := s.LastIndex()
	if err1 != nil || err2 != nil || first != 4901 || last != 5100 {
		t.Fatalf("first %d last %d (%v %v), want 4901 5100", first, last, err1, err2)
	}
	var l raft.Log
	if err := s.GetLog(4950, &l); err != nil || l.Index != 4950 || string(l.Data[:10]) != "entry 4950" {
		t.Fatalf("entry 4950: %d %q %v", l.Index, l.Data, err)
	}
	if err := s.GetLog(4900, &l); err != raft.ErrLogNotFound {
		t.Fatalf("compacted entry 4900: %v, want ErrLogNotFound", err)
	}
}

// TestLogStoreReadsRaftBoltDB: a raft.db written by raft-boltdb (every data dir before this store)
// opens with its entries and stable values intact, and takes new entries after them.
func TestLogStoreReadsRaftBoltDB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raft.db")
	old, err := raftboltdb.New(raftboltdb.Options{Path: path, BoltOptions: boltOptions()})
	if err != nil {
		t.Fatal(err)
	}
	want := logEntries(1, 100, 50)
	want[7].Extensions = []byte("ext")
	want[8].Type = raft.LogConfiguration
	if err := old.StoreLogs(want); err != nil {
		t.Fatal(err)
	}
	if err := old.SetUint64([]byte("CurrentTerm"), 7); err != nil {
		t.Fatal(err)
	}
	if err := old.Set([]byte("LastVoteCand"), []byte("node-a")); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	s := openTestLogStore(t, path)
	defer s.Close()
	if err := s.StoreLogs(logEntries(101, 110, 50)); err != nil {
		t.Fatal(err)
	}
	for _, w := range append(want, logEntries(101, 110, 50)...) {
		var got raft.Log
		if err := s.GetLog(w.Index, &got); err != nil {
			t.Fatalf("entry %d: %v", w.Index, err)
		}
		if got.Index != w.Index || got.Term != w.Term || got.Type != w.Type || !bytes.Equal(got.Data, w.Data) ||
			!bytes.Equal(got.Extensions, w.Extensions) || !got.AppendedAt.Equal(w.AppendedAt) {
			t.Fatalf("entry %d: got %+v, want %+v", w.Index, got, *w)
		}
	}
	if term, err := s.GetUint64([]byte("CurrentTerm")); err != nil || term != 7 {
		t.Fatalf("CurrentTerm %d %v, want 7", term, err)
	}
	if v, err := s.Get([]byte("LastVoteCand")); err != nil || string(v) != "node-a" {
		t.Fatalf("LastVoteCand %q %v", v, err)
	}
	// Raft tells a key never set by this exact message.
	if _, err := s.GetUint64([]byte("never")); err == nil || err.Error() != "not found" {
		t.Fatalf("unset key: %v, want not found", err)
	}
}

// TestLogStoreFillsPages: the log's file holds its entries in little more than their own size;
// raft-boltdb's half-full pages took about twice as much.
func TestLogStoreFillsPages(t *testing.T) {
	const entries, size = 20000, 400
	sizeOf := func(store func(logs []*raft.Log) error, closeFn func() error, path string) int64 {
		for from := uint64(1); from <= entries; from += 100 {
			if err := store(logEntries(from, from+99, size)); err != nil {
				t.Fatal(err)
			}
		}
		if err := closeFn(); err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return info.Size()
	}
	path := filepath.Join(t.TempDir(), "raft.db")
	s := openTestLogStore(t, path)
	ours := sizeOf(s.StoreLogs, s.Close, path)
	oldPath := filepath.Join(t.TempDir(), "old.db")
	old, err := raftboltdb.New(raftboltdb.Options{Path: oldPath, BoltOptions: boltOptions()})
	if err != nil {
		t.Fatal(err)
	}
	theirs := sizeOf(old.StoreLogs, old.Close, oldPath)
	payload := int64(entries * size)
	t.Logf("raft.db for %d entries of %d bytes: %d bytes (raft-boltdb: %d)", entries, size, ours, theirs)
	if ours > payload*13/10 || ours*3 > theirs*2 {
		t.Fatalf("raft.db of %d bytes for %d bytes of entries (raft-boltdb: %d): want under 1.3x, and under 2/3 of raft-boltdb's", ours, payload, theirs)
	}
}
