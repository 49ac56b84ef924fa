package store

import (
	"context"
	"fmt"
)

// IsFriend reports whether friendID is in ownerID's friend list (one direction).
func IsFriend(ctx context.Context, q Q, ownerID, friendID string) (bool, error) {
	return exists(ctx, q, `SELECT 1 FROM friends WHERE owner_id = ? AND friend_id = ?`, ownerID, friendID)
}

// IsBlocked reports whether ownerID has blackID in their black list.
func IsBlocked(ctx context.Context, q Q, ownerID, blackID string) (bool, error) {
	return exists(ctx, q, `SELECT 1 FROM blacks WHERE owner_id = ? AND block_id = ?`, ownerID, blackID)
}

func exists(ctx context.Context, q Q, query string, args ...any) (bool, error) {
	rows, err := q.QueryContext(ctx, query+` LIMIT 1`, args...)
	if err != nil {
		return false, fmt.Errorf("exists: %w", err)
	}
	defer rows.Close()
	return rows.Next(), rows.Err()
}
