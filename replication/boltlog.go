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

// boltLog reads the raft.db that LanIM wrote before its log moved to raft-wal (logstore.go):
// raft-boltdb's layout (bucket "logs", keyed by big-endian index, and "conf"), with entries either
// in raft-boltdb's msgpack or in LanIM's short binary record (logRecordV1). It is opened read-only,
// once, to move a data dir's entries and votes into the new log.
type boltLog struct {
	db *bbolt.DB
}

var (
	bucketLogs = []byte("logs")
	bucketConf = []byte("conf")
)

// logRecordV1 starts an entry in the binary form. A msgpack entry starts with a map header
// (0x80-0x8f, 0xde, 0xdf), never with this byte.
const logRecordV1 = 0x01

// openBoltLog opens the raft.db at path read-only.
func openBoltLog(path string) (*boltLog, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		return nil, err
	}
	return &boltLog{db: db}, nil
}

func (s *boltLog) Close() error { return s.db.Close() }

func indexKey(i uint64) []byte { return binary.BigEndian.AppendUint64(nil, i) }

// bounds is the first and last index in the log, 0 and 0 when it is empty.
func (s *boltLog) bounds() (first, last uint64, err error) {
	err = s.db.View(func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketLogs)
		if b == nil {
			return nil
		}
		c := b.Cursor()
		if k, _ := c.First(); k != nil {
			first = binary.BigEndian.Uint64(k)
		}
		if k, _ := c.Last(); k != nil {
			last = binary.BigEndian.Uint64(k)
		}
		return nil
	})
	return first, last, err
}

// entries calls each with the entries from first to last, in order, a batch at a time.
func (s *boltLog) entries(first, last uint64, each func([]*raft.Log) error) error {
	const batchBytes = 1 << 20
	return s.db.View(func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketLogs).Cursor()
		var batch []*raft.Log
		size := 0
		for k, v := c.Seek(indexKey(first)); k != nil && binary.BigEndian.Uint64(k) <= last; k, v = c.Next() {
			l, index := new(raft.Log), binary.BigEndian.Uint64(k)
			if err := decodeLog(v, l); err != nil {
				return fmt.Errorf("log %d: %w", index, err)
			}
			l.Index = index // the key; a msgpack entry holds it too
			batch, size = append(batch, l), size+len(v)
			if size >= batchBytes {
				if err := each(batch); err != nil {
					return err
				}
				batch, size = nil, 0
			}
		}
		if len(batch) == 0 {
			return nil
		}
		return each(batch)
	})
}

// stable is a stable-store value, nil when it was never set.
func (s *boltLog) stable(k []byte) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketConf); b != nil {
			out = bytes.Clone(b.Get(k))
		}
		return nil
	})
	return out, err
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
