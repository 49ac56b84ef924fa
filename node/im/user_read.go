package im

import (
	"context"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Reads of users: the office directory, which every member may see.

// UsersInfo is get_users_info: the known users among ids (1001 without a list or past MaxBatch).
func UsersInfo(ctx context.Context, q store.Q, ids []string) ([]*pb.UserInfo, error) {
	if ids == nil {
		return nil, openim.ErrArgs.With("userIDs is required")
	}
	if len(ids) > openim.MaxBatch {
		return nil, openim.ErrArgs.With("userIDs has %d IDs, at most %d", len(ids), openim.MaxBatch)
	}
	return store.GetUsers(ctx, q, ids)
}

// AllUserIDs is get_all_users_uid: a page of the office's user IDs, with their total.
func AllUserIDs(ctx context.Context, q store.Q, offset, limit int) ([]string, int64, error) {
	return store.AllUserIDs(ctx, q, offset, limit)
}
