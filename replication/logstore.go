package replication

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-msgpack/v2/codec"
	"github.com/hashicorp/raft"
	"go.etcd.io/bbolt"
)

// logStore is Raft's log and stable store in one BoltDB file (raft/raft.db), in raft-boltdb's
// layout (buckets "logs", keyed by big-endian index, and "conf"), so data dirs written by it open
// as they are. Two things differ, both for the size of the file:
//
//   - Pages of the log are filled whole. The log only appends at its end, and BoltDB's default
//     (split pages half full, for random inserts) left raft.db twice the size of its entries.
//   - An entry is a short binary record (logRecordV1) instead of msgpack with the field names
//     spelled out in every entry. Entries in msgpack, written before, are still read.
//
// BoltDB never shrinks its file: its size is the most entries the log ever held between two
// compactions, which the snapshot threshold and interval bound (node.go).
type logStore struct {
	db *bbolt.DB
}

var (
	bucketLogs = []byte("logs")
	bucketConf = []byte("conf")
	// errKeyNotFound is what Raft expects from its stable store for a key never set: it compares
	// the message, "not found", as raft-boltdb spells it.
	errKeyNotFound = errors.New("not found")
)

// logRecordV1 starts an entry in the binary form. A msgpack entry starts with a map header
// (0x80-0x8f, 0xde, 0xdf), never with this byte.
const logRecordV1 = 0x01

// boltOptions opens the Raft log's BoltDB without a persisted freelist, kept as a hash map.
//
// After a snapshot, compaction deletes everything but the trailing entries, and the file keeps
// its size as free pages (BoltDB never shrinks it): a burst of a million messages leaves a ~1 GB
// raft.db that is almost all free. By default BoltDB writes the whole freelist on every commit, one
// per Raft append, so each append then costs time and garbage in proportion to that free space
// (measured at 1M stored messages: commitFreelist, mergepgids and the GC it drives took about a
// quarter of the node's CPU under a 500/s load; docs/benchmarks.md). Without the sync BoltDB
// rebuilds the freelist by walking the live pages when it opens the file, which for a Raft log
// (a short tail after each compaction) is quick. etcd runs BoltDB with the same two settings.
func boltOptions() *bbolt.Options {
	return &bbolt.Options{NoFreelistSync: true, FreelistType: bbolt.FreelistMapType}
}

// openLogStore opens (creating if needed) the log store at path.
func openLogStore(path string) (*logStore, error) {
	db, err := bbolt.Open(path, 0o600, boltOptions())
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketLogs, bucketConf} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &logStore{db: db}, nil
}

func (s *logStore) Close() error { return s.db.Close() }

func indexKey(i uint64) []byte { return binary.BigEndian.AppendUint64(nil, i) }

// FirstIndex is the first index in the log, 0 when empty.
func (s *logStore) FirstIndex() (uint64, error) { return s.endIndex((*bbolt.Cursor).First) }

// LastIndex is the last index in the log, 0 when empty.
func (s *logStore) LastIndex() (uint64, error) { return s.endIndex((*bbolt.Cursor).Last) }

// endIndex is the index of the log's entry that seek (First or Last) finds, 0 when empty.
func (s *logStore) endIndex(seek func(*bbolt.Cursor) ([]byte, []byte)) (uint64, error) {
	var index uint64
	err := s.db.View(func(tx *bbolt.Tx) error {
		if k, _ := seek(tx.Bucket(bucketLogs).Cursor()); k != nil {
			index = binary.BigEndian.Uint64(k)
		}
		return nil
	})
	return index, err
}

// GetLog reads the entry at index into l.
func (s *logStore) GetLog(index uint64, l *raft.Log) error {
	return s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketLogs).Get(indexKey(index))
		if v == nil {
			return raft.ErrLogNotFound
		}
		if err := decodeLog(v, l); err != nil {
			return fmt.Errorf("log %d: %w", index, err)
		}
		l.Index = index
		return nil
	})
}

func (s *logStore) StoreLog(l *raft.Log) error { return s.StoreLogs([]*raft.Log{l}) }

// StoreLogs appends entries in one transaction (one fsync).
func (s *logStore) StoreLogs(logs []*raft.Log) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketLogs)
		b.FillPercent = 1.0 // appends only: see logStore
		for _, l := range logs {
			if err := b.Put(indexKey(l.Index), encodeLog(l)); err != nil {
				return fmt.Errorf("store log %d: %w", l.Index, err)
			}
		}
		return nil
	})
}

// DeleteRange deletes the entries from min to max, inclusive.
func (s *logStore) DeleteRange(min, max uint64) error {
	return s.db.Update(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketLogs).Cursor()
		for k, _ := c.Seek(indexKey(min)); k != nil && binary.BigEndian.Uint64(k) <= max; k, _ = c.Next() {
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return nil
	})
}

// Set stores a stable-store value.
func (s *logStore) Set(k, v []byte) error {
	return s.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketConf).Put(k, v) })
}

// Get reads a stable-store value (errKeyNotFound when never set).
func (s *logStore) Get(k []byte) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketConf).Get(k)
		if v == nil {
			return errKeyNotFound
		}
		out = bytes.Clone(v)
		return nil
	})
	return out, err
}

func (s *logStore) SetUint64(k []byte, v uint64) error { return s.Set(k, indexKey(v)) }

func (s *logStore) GetUint64(k []byte) (uint64, error) {
	v, err := s.Get(k)
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("stable store %s: %d bytes, want 8", k, len(v))
	}
	return binary.BigEndian.Uint64(v), nil
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

// decodeLog reads an entry in either form, all but its index (the key).
func decodeLog(v []byte, l *raft.Log) error {
	if len(v) == 0 || v[0] != logRecordV1 {
		// Written by raft-boltdb: msgpack, which its decoder reads with the default handle
		// whichever time format the entry used.
		return codec.NewDecoderBytes(v, &codec.MsgpackHandle{}).Decode(l)
	}
	r := v[1:]
	next := func() (uint64, error) {
		x, n := binary.Uvarint(r)
		if n <= 0 {
			return 0, errors.New("log record: bad varint")
		}
		r = r[n:]
		return x, nil
	}
	bytesField := func() ([]byte, error) {
		n, err := next()
		if err != nil {
			return nil, err
		}
		if n > uint64(len(r)) {
			return nil, errors.New("log record: truncated")
		}
		if n == 0 {
			return nil, nil
		}
		b := bytes.Clone(r[:n])
		r = r[n:]
		return b, nil
	}
	var err error
	var typ, at uint64
	if l.Term, err = next(); err != nil {
		return err
	}
	if typ, err = next(); err != nil {
		return err
	}
	if at, err = next(); err != nil {
		return err
	}
	l.Type = raft.LogType(typ)
	l.AppendedAt = time.Time{}
	if at != 0 {
		l.AppendedAt = time.Unix(0, int64(at))
	}
	if l.Data, err = bytesField(); err != nil {
		return err
	}
	l.Extensions, err = bytesField()
	return err
}
