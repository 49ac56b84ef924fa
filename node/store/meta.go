package store

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
)

// Meta keys.
const (
	MetaAppliedIndex = "applied_index" // last Raft index the FSM applied, written in the same transaction
	MetaOffice       = "office"        // JSON of the office settings created by its first command
)

// GetMeta reads a meta value; ok is false when the key is absent. In the FSM's transaction a row
// is read once (Tx.meta).
func GetMeta(ctx context.Context, q Q, key string) (value []byte, ok bool, err error) {
	memo := txMetaMemo(q)
	if r, hit := memo[key]; hit {
		return r.value, r.ok, nil
	}
	err = q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&value)
	if ok, err = found(err, "get meta %s", key); err == nil && memo != nil {
		memo[key] = metaRow{value: value, ok: ok}
	}
	return value, ok, err
}

// SetMeta writes a meta value.
func SetMeta(ctx context.Context, q Q, key string, value []byte) error {
	_, err := q.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("set meta %s: %w", key, err)
	}
	if memo := txMetaMemo(q); memo != nil {
		memo[key] = metaRow{value: bytes.Clone(value), ok: true}
	}
	return nil
}

// txMetaMemo is the meta memo of the FSM's transaction q runs in; nil for the read pool.
func txMetaMemo(q Q) metaMemo {
	if t, ok := q.(interface{ metaMemo() metaMemo }); ok {
		return t.metaMemo()
	}
	return nil
}

// KV is one meta row.
type KV struct {
	Key   string
	Value []byte
}

// MetaWithPrefix returns the meta rows whose key starts with prefix, in key order.
func MetaWithPrefix(ctx context.Context, q Q, prefix string) ([]KV, error) {
	return queryAll(ctx, q, "list meta "+prefix, func(row interface{ Scan(...any) error }) (KV, error) {
		var kv KV
		err := row.Scan(&kv.Key, &kv.Value)
		return kv, err
	}, `SELECT key, value FROM meta WHERE substr(key, 1, ?) = ? ORDER BY key`, len(prefix), prefix)
}

// AppliedIndex is the last Raft index applied to this database (0 for a new one).
func AppliedIndex(ctx context.Context, q Q) (uint64, error) {
	v, ok, err := GetMeta(ctx, q, MetaAppliedIndex)
	if err != nil || !ok {
		return 0, err
	}
	return strconv.ParseUint(string(v), 10, 64)
}

// SetAppliedIndex records the last applied Raft index.
func SetAppliedIndex(ctx context.Context, q Q, index uint64) error {
	return SetMeta(ctx, q, MetaAppliedIndex, []byte(strconv.FormatUint(index, 10)))
}
