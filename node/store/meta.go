package store

import (
	"context"
	"fmt"
	"strconv"
)

// Meta keys.
const (
	MetaAppliedIndex = "applied_index" // last Raft index the FSM applied, written in the same transaction
	MetaOffice       = "office"        // JSON of the office settings created by its first command
)

// GetMeta reads a meta value; ok is false when the key is absent.
func GetMeta(ctx context.Context, q Q, key string) (value []byte, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&value)
	ok, err = found(err, "get meta %s", key)
	return value, ok, err
}

// SetMeta writes a meta value.
func SetMeta(ctx context.Context, q Q, key string, value []byte) error {
	_, err := q.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("set meta %s: %w", key, err)
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
