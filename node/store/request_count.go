package store

import (
	"context"
	"fmt"
)

// UnhandledFriendRequestsTo counts the pending friend requests to userID made at or after since (ms).
func UnhandledFriendRequestsTo(ctx context.Context, q Q, userID string, since int64) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM friend_requests WHERE to_id = ? AND handle_result = 0
		AND create_time >= ?`, userID, since).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count friend requests to %s: %w", userID, err)
	}
	return n, nil
}

// UnhandledGroupRequests counts the pending requests to the groups made at or after since (ms).
func UnhandledGroupRequests(ctx context.Context, q Q, groupIDs []string, since int64) (int64, error) {
	if len(groupIDs) == 0 {
		return 0, nil
	}
	var n int64
	err := q.QueryRowContext(ctx, `SELECT count(*) FROM group_requests WHERE group_id IN (`+placeholders(len(groupIDs))+`)
		AND handle_result = 0 AND req_time >= ?`, append(anys(groupIDs), since)...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count group requests: %w", err)
	}
	return n, nil
}
