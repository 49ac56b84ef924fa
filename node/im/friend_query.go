package im

// Reads of friend data: the request shapes and who may ask. The API serves them from the local
// state; each Check here is the whole rule.

// OwnerQuery is a read of one user's own friend data (friend list, black list, applications,
// friend IDs, incremental sync): self or admin.
type OwnerQuery struct {
	UserID string `json:"userID"`
}

// Check: self or admin.
func (q *OwnerQuery) Check(c Caller) error {
	if err := checkID("userID", q.UserID); err != nil {
		return err
	}
	return c.Access(q.UserID)
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
		if err := checkRange("handleResults", r, FriendRequestRefused, FriendRequestAgreed); err != nil {
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
	if err := checkID("ownerUserID", owner); err != nil {
		return err
	}
	if err := c.Access(owner); err != nil {
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
	return ErrNoPermission.With("%s may not read about %s and %s", c.UserID, id1, id2)
}

// IncrementalQuery is get_incremental_friends: the changes since a client's position.
type IncrementalQuery struct {
	OwnerQuery
	VersionID string `json:"versionID"`
	Version   uint64 `json:"version"`
}
