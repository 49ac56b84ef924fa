package im

import (
	"context"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Reads of friend data: the request shapes and who may ask. The API serves them from the local
// state; each Check here is the whole rule.

// OwnerQuery is a read of one user's own friend data (friend list, black list, applications,
// friend IDs, incremental sync): self or admin.
type OwnerQuery struct {
	UserID string `json:"userID"`
}

// Check: self or admin.
func (q *OwnerQuery) Check(c Caller) error {
	return checkFields(checkID("userID", q.UserID), c.Access(q.UserID))
}

// ApplyListQuery is get_friend_apply_list and get_self_friend_apply_list (pagination aside).
type ApplyListQuery struct {
	OwnerQuery
	HandleResults []int32 `json:"handleResults"`
}

// Check: self or admin; handleResults among 0, 1, -1.
func (q *ApplyListQuery) Check(c Caller) error {
	if err := q.OwnerQuery.Check(c); err != nil {
		return err
	}
	for _, r := range q.HandleResults {
		if err := checkRange("handleResults", r, openim.FriendRequestRefused, openim.FriendRequestAgreed); err != nil {
			return err
		}
	}
	return nil
}

// DesignatedFriendsQuery is get_designated_friends: some entries of the owner's friend list.
type DesignatedFriendsQuery struct {
	OwnerUserID   string   `json:"ownerUserID"`
	FriendUserIDs []string `json:"friendUserIDs"`
}

// Check: self or admin; no duplicates (1001). An empty list asks for nothing.
func (q *DesignatedFriendsQuery) Check(c Caller) error {
	return checkOwnerAndIDs(c, q.OwnerUserID, "friendUserIDs", q.FriendUserIDs)
}

// SpecifiedBlacksQuery is get_specified_blacks: some entries of the owner's black list.
type SpecifiedBlacksQuery struct {
	OwnerUserID string   `json:"ownerUserID"`
	UserIDList  []string `json:"userIDList"`
}

// Check: self or admin; no duplicates. An empty list asks for nothing.
func (q *SpecifiedBlacksQuery) Check(c Caller) error {
	return checkOwnerAndIDs(c, q.OwnerUserID, "userIDList", q.UserIDList)
}

func checkOwnerAndIDs(c Caller, owner, field string, ids []string) error {
	if err := checkFields(checkID("ownerUserID", owner), c.Access(owner)); err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	return checkIDs(field, ids)
}

// IsFriendQuery is is_friend.
type IsFriendQuery struct {
	UserID1 string `json:"userID1"`
	UserID2 string `json:"userID2"`
}

// Check: the caller is one of the two, or the admin.
func (q *IsFriendQuery) Check(c Caller) error {
	return checkPair(c, "userID1", q.UserID1, "userID2", q.UserID2)
}

// DesignatedApplyQuery is get_designated_friend_apply: the requests between two users, both ways.
type DesignatedApplyQuery struct {
	FromUserID string `json:"fromUserID"`
	ToUserID   string `json:"toUserID"`
}

// Check: the caller is one of the two, or the admin.
func (q *DesignatedApplyQuery) Check(c Caller) error {
	return checkPair(c, "fromUserID", q.FromUserID, "toUserID", q.ToUserID)
}

func checkPair(c Caller, field1, id1, field2, id2 string) error {
	if err := checkFields(checkID(field1, id1), checkID(field2, id2)); err != nil {
		return err
	}
	if c.UserID == id1 || c.UserID == id2 || c.Admin() {
		return nil
	}
	return openim.ErrNoPermission.With("%s may not read about %s and %s", c.UserID, id1, id2)
}

// IncrementalQuery is get_incremental_friends: the changes since a client's position.
type IncrementalQuery struct {
	OwnerQuery
	VersionID string `json:"versionID"`
	Version   uint64 `json:"version"`
}

// FriendChanges is a get_incremental_friends answer.
type FriendChanges = Changes[*pb.FriendInfo]

// IncrementalFriends diffs the owner's friend log against the client's position. An entry that no
// longer exists is reported deleted; insert and update hold the entries as they are now.
func IncrementalFriends(ctx context.Context, q store.Q, ownerID, versionID string, version uint64) (*FriendChanges, error) {
	return incremental(ctx, q, friendLog(ownerID), versionID, version,
		func(ids []string) ([]*pb.FriendInfo, error) { return store.GetFriends(ctx, q, ownerID, ids) },
		func(f *pb.FriendInfo) (string, *pb.FriendInfo) { return f.FriendUser.UserID, f })
}

// FullFriendIDs is get_full_friend_user_ids: the log position and the owner's friend IDs in
// friend-list order.
func FullFriendIDs(ctx context.Context, q store.Q, ownerID string, idHash uint64) (store.VersionHead, []string, bool, error) {
	return fullList(ctx, q, friendLog(ownerID), store.FriendIDs, ownerID, idHash)
}

// Friends is get_friend_list: a page of the owner's friends, with their total.
func Friends(ctx context.Context, q store.Q, ownerID string, offset, limit int) ([]*pb.FriendInfo, int64, error) {
	return store.ListFriends(ctx, q, ownerID, offset, limit)
}

// DesignatedFriends is get_designated_friends: the owner's entries for the listed users.
func DesignatedFriends(ctx context.Context, q store.Q, a *DesignatedFriendsQuery) ([]*pb.FriendInfo, error) {
	return store.GetFriends(ctx, q, a.OwnerUserID, a.FriendUserIDs)
}

// IsFriend is is_friend: whether each user has the other in their friend list.
func IsFriend(ctx context.Context, q store.Q, a *IsFriendQuery) (in1, in2 bool, err error) {
	if in1, err = store.IsFriend(ctx, q, a.UserID1, a.UserID2); err != nil {
		return false, false, err
	}
	in2, err = store.IsFriend(ctx, q, a.UserID2, a.UserID1)
	return in1, in2, err
}

// FriendApplications is get_friend_apply_list (received) or get_self_friend_apply_list (sent):
// a page of the user's requests in the asked states, newest first, with their total.
func FriendApplications(ctx context.Context, q store.Q, a *ApplyListQuery, sent bool, offset, limit int) ([]*pb.FriendRequest, int64, error) {
	f := store.FriendRequestFilter{UserID: a.UserID, HandleResults: a.HandleResults, Offset: offset, Limit: limit}
	if sent {
		return store.FriendRequestsFrom(ctx, q, f)
	}
	return store.FriendRequestsTo(ctx, q, f)
}

// DesignatedApplications is get_designated_friend_apply: the requests between the two users in
// both directions, newest first.
func DesignatedApplications(ctx context.Context, q store.Q, a *DesignatedApplyQuery) ([]*pb.FriendRequest, error) {
	return store.FriendRequestsBetween(ctx, q, a.FromUserID, a.ToUserID)
}

// Blacks is get_black_list: a page of the owner's black list, with its total.
func Blacks(ctx context.Context, q store.Q, ownerID string, offset, limit int) ([]*pb.BlackInfo, int64, error) {
	return store.ListBlacks(ctx, q, ownerID, offset, limit)
}

// SpecifiedBlacks is get_specified_blacks: the owner's entries for the listed users.
func SpecifiedBlacks(ctx context.Context, q store.Q, a *SpecifiedBlacksQuery) ([]*pb.BlackInfo, error) {
	return store.GetBlacks(ctx, q, a.OwnerUserID, a.UserIDList)
}
