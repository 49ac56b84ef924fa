package im

import (
	"context"

	"lanim/node/openim"
	"lanim/node/store"
)

// UnhandledFriendApplyCount is get_self_unhandled_apply_count: the pending friend requests to
// userID (self or admin; the caller when empty) made at or after since (ms; 0 for all), for the
// apps' red dot.
func UnhandledFriendApplyCount(ctx context.Context, q store.Q, caller Caller, userID string, since int64) (int64, error) {
	userID = idOrDefault(userID, caller.UserID)
	if err := checkFields(checkID("userID", userID), caller.Access(userID), nonNegative("time", since)); err != nil {
		return 0, err
	}
	return store.UnhandledFriendRequestsTo(ctx, q, userID, since)
}

// UnhandledGroupApplicationCount is get_group_application_unhandled_count: the pending requests to
// the groups userID (self or admin; the caller when empty) owns or administers, made at or after
// since (ms; 0 for all).
func UnhandledGroupApplicationCount(ctx context.Context, q store.Q, caller Caller, userID string, since int64) (int64, error) {
	userID = idOrDefault(userID, caller.UserID)
	if err := checkFields(checkID("userID", userID), caller.Access(userID), nonNegative("time", since)); err != nil {
		return 0, err
	}
	groupIDs, err := store.ManagedGroupIDs(ctx, q, userID)
	if err != nil {
		return 0, err
	}
	return store.UnhandledGroupRequests(ctx, q, groupIDs, since)
}

func nonNegative(field string, v int64) error {
	if v < 0 {
		return openim.ErrArgs.With("%s %d is negative", field, v)
	}
	return nil
}
