package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// Blob holders: the replicated record of which node keeps which blob on its disk. Member sets are
// passed as JSON arrays (json_each), so one prepared statement serves an office of any size.

// AddBlobHolder records that nodeID holds key since at (ms); a record that exists is kept as is.
func AddBlobHolder(ctx context.Context, q Q, key, nodeID string, at int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO blob_holders (blob_key, node_id, held_at) VALUES (?, ?, ?)
		ON CONFLICT (blob_key, node_id) DO NOTHING`, key, nodeID, at)
	if err != nil {
		return fmt.Errorf("add blob holder: %w", err)
	}
	return nil
}

// BlobHolders lists the nodes recorded as holding key, in node ID order (members or not).
func BlobHolders(ctx context.Context, q Q, key string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT node_id FROM blob_holders WHERE blob_key = ? ORDER BY node_id`, key)
}

// UnderHeldBlobs lists, in key order after after, up to limit blobs that nodeID holds and that
// fewer than want of members hold: what that node still has to push.
func UnderHeldBlobs(ctx context.Context, q Q, nodeID string, members []string, want int, after string, limit int) ([]string, error) {
	set, err := json.Marshal(members)
	if err != nil {
		return nil, err
	}
	return queryStrings(ctx, q, `SELECT h.blob_key FROM blob_holders h
		WHERE h.node_id = ? AND h.blob_key > ?
		AND (SELECT COUNT(*) FROM blob_holders o WHERE o.blob_key = h.blob_key
			AND o.node_id IN (SELECT value FROM json_each(?))) < ?
		ORDER BY h.blob_key LIMIT ?`, nodeID, after, string(set), want, limit)
}

// CountUnderHeldBlobs counts the blobs that fewer than want of members hold (under), and among
// them those that no member holds at all (lost: every holder left the office).
func CountUnderHeldBlobs(ctx context.Context, q Q, members []string, want int) (under, lost int, err error) {
	set, err := json.Marshal(members)
	if err != nil {
		return 0, 0, err
	}
	err = q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(n = 0), 0) FROM (
		SELECT SUM(node_id IN (SELECT value FROM json_each(?))) AS n FROM blob_holders GROUP BY blob_key
	) WHERE n < ?`, string(set), want).Scan(&under, &lost)
	if err != nil {
		return 0, 0, fmt.Errorf("count under-held blobs: %w", err)
	}
	return under, lost, nil
}

// HoldsBlob reports whether nodeID is recorded as holding key.
func HoldsBlob(ctx context.Context, q Q, key, nodeID string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM blob_holders WHERE blob_key = ? AND node_id = ?`, key, nodeID).Scan(&one)
	return found(err, "holds blob")
}

// UnheldObjectKeys lists, in key order after after, up to limit blob keys of objects that nodeID is
// not recorded as holding.
func UnheldObjectKeys(ctx context.Context, q Q, nodeID, after string, limit int) ([]string, error) {
	return queryStrings(ctx, q, `SELECT DISTINCT o.key FROM objects o WHERE o.key > ?
		AND NOT EXISTS (SELECT 1 FROM blob_holders h WHERE h.blob_key = o.key AND h.node_id = ?)
		ORDER BY o.key LIMIT ?`, after, nodeID, limit)
}
