package replication

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
	"go.etcd.io/bbolt"
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

// writeBoltLog writes a raft.db at path as LanIM did before raft-wal: raft-boltdb's buckets,
// entries in the binary record, stable values big-endian.
func writeBoltLog(t *testing.T, path string, logs []*raft.Log, stable map[string][]byte) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{NoFreelistSync: true, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket(bucketLogs)
		if err != nil {
			return err
		}
		for _, l := range logs {
			if err := b.Put(indexKey(l.Index), encodeLog(l)); err != nil {
				return err
			}
		}
		conf, err := tx.CreateBucket(bucketConf)
		if err != nil {
			return err
		}
		for k, v := range stable {
			if err := conf.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// encodeLog is an entry's binary record: logRecordV1, then as uvarints the term, the type, the
// append time (Unix ns) and the lengths of data and extensions, each followed by its bytes. The
// index is the key.
func encodeLog(l *raft.Log) []byte {
	out := make([]byte, 0, 1+5*binary.MaxVarintLen64+len(l.Data)+len(l.Extensions))
	out = append(out, logRecordV1)
	out = binary.AppendUvarint(out, l.Term)
	out = binary.AppendUvarint(out, uint64(l.Type))
	var at uint64
	if !l.AppendedAt.IsZero() {
		at = uint64(l.AppendedAt.UnixNano())
	}
	out = binary.AppendUvarint(out, at)
	out = binary.AppendUvarint(out, uint64(len(l.Data)))
	out = append(out, l.Data...)
	out = binary.AppendUvarint(out, uint64(len(l.Extensions)))
	return append(out, l.Extensions...)
}

// readBoltLog is every entry of the raft.db at path.
func readBoltLog(t *testing.T, path string) []*raft.Log {
	t.Helper()
	s, err := openBoltLog(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	first, last, err := s.bounds()
	if err != nil {
		t.Fatal(err)
	}
	var got []*raft.Log
	if err := s.entries(first, last, func(b []*raft.Log) error { got = append(got, b...); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

// sameLogs fails t unless got and want hold the same entries, field by field.
func sameLogs(t *testing.T, got, want []*raft.Log) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Index != w.Index || g.Term != w.Term || g.Type != w.Type || !bytes.Equal(g.Data, w.Data) ||
			!bytes.Equal(g.Extensions, w.Extensions) || !g.AppendedAt.Equal(w.AppendedAt) {
			t.Fatalf("entry %d: got %+v, want %+v", w.Index, *g, *w)
		}
	}
}

// TestBoltLogReadsBothForms: a raft.db in LanIM's binary record, and one written by raft-boltdb
// (msgpack, the data dirs before that record), both read back whole.
func TestBoltLogReadsBothForms(t *testing.T) {
	want := logEntries(1, 3000, 50)
	want[7].Extensions = []byte("ext")
	want[8].Type = raft.LogConfiguration

	ours := filepath.Join(t.TempDir(), "raft.db")
	writeBoltLog(t, ours, want, nil)
	sameLogs(t, readBoltLog(t, ours), want)

	theirs := filepath.Join(t.TempDir(), "raft.db")
	old, err := raftboltdb.New(raftboltdb.Options{Path: theirs})
	if err != nil {
		t.Fatal(err)
	}
	if err := old.StoreLogs(want); err != nil {
		t.Fatal(err)
	}
	if err := old.SetUint64([]byte("CurrentTerm"), 7); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	sameLogs(t, readBoltLog(t, theirs), want)
	s, err := openBoltLog(theirs)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, err := s.stable([]byte("CurrentTerm")); err != nil || !bytes.Equal(v, indexKey(7)) {
		t.Fatalf("CurrentTerm %x %v", v, err)
	}
	if v, err := s.stable([]byte("never")); err != nil || v != nil {
		t.Fatalf("unset key: %x %v, want nil", v, err)
	}
}
