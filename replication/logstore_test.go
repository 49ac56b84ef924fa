package replication

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// TestLogStoreReopen: with the freelist not persisted, a log compacted to its tail reopens with
// the tail intact and keeps appending (BoltDB rebuilds the freelist from the live pages).
func TestLogStoreReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raft.db")
	open := func() *raftboltdb.BoltStore {
		s, err := raftboltdb.New(raftboltdb.Options{Path: path, BoltOptions: boltOptions()})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	entries := func(from, to uint64) []*raft.Log {
		var logs []*raft.Log
		for i := from; i <= to; i++ {
			logs = append(logs, &raft.Log{Index: i, Term: 1, Type: raft.LogCommand, Data: fmt.Appendf(nil, "entry %d %0500d", i, 0)})
		}
		return logs
	}
	s := open()
	for from := uint64(1); from <= 5000; from += 500 {
		if err := s.StoreLogs(entries(from, from+499)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteRange(1, 4900); err != nil { // compaction: only the tail stays
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open()
	defer s.Close()
	if err := s.StoreLogs(entries(5001, 5100)); err != nil {
		t.Fatal(err)
	}
	first, err1 := s.FirstIndex()
	last, err2 := s.LastIndex()
	if err1 != nil || err2 != nil || first != 4901 || last != 5100 {
		t.Fatalf("first %d last %d (%v %v), want 4901 5100", first, last, err1, err2)
	}
	var l raft.Log
	if err := s.GetLog(4950, &l); err != nil || string(l.Data[:10]) != "entry 4950" {
		t.Fatalf("entry 4950: %q %v", l.Data, err)
	}
}
