package im

import (
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Friend sources (FriendInfo.addSource).
const (
	addSourceImport      int32 = 1 // made by the admin (import_friend)
	addSourceApplication int32 = 2 // an accepted application
)

// AddFriend is /friend/add_friend: from asks to to be friends.
type AddFriend struct {
	FromUserID string `json:"fromUserID"`
	ToUserID   string `json:"toUserID"`
	ReqMsg     string `json:"reqMsg"`
	Ex         string `json:"ex"`
}

// Check: self(from); not to oneself (1301); message and ex within limits.
func (a *AddFriend) Check(c Caller) error {
	if err := checkFields(checkID("fromUserID", a.FromUserID), checkID("toUserID", a.ToUserID), c.Access(a.FromUserID)); err != nil {
		return err
	}
	if a.FromUserID == a.ToUserID {
		return openim.ErrCannotAddYourself.With("%s cannot add themselves", a.FromUserID)
	}
	return checkFields(checkText("reqMsg", a.ReqMsg, openim.MaxTextLen), checkEx("ex", a.Ex, openim.MaxExLen))
}

// RespondFriendApply is /friend/add_friend_response: to answers from's request.
type RespondFriendApply struct {
	FromUserID   string `json:"fromUserID"` // the applicant
	ToUserID     string `json:"toUserID"`   // the responder
	HandleResult int32  `json:"handleResult"`
	HandleMsg    string `json:"handleMsg"`
}

// Check: self(to); handleResult 1 (agree) or -1 (refuse).
func (a *RespondFriendApply) Check(c Caller) error {
	if err := checkFields(checkID("fromUserID", a.FromUserID), checkID("toUserID", a.ToUserID), c.Access(a.ToUserID)); err != nil {
		return err
	}
	if a.HandleResult != openim.FriendRequestAgreed && a.HandleResult != openim.FriendRequestRefused {
		return openim.ErrArgs.With("handleResult %d: use 1 (agree) or -1 (refuse)", a.HandleResult)
	}
	return checkText("handleMsg", a.HandleMsg, openim.MaxTextLen)
}

// DeleteFriend is /friend/delete_friend: owner drops friend from their own list only.
type DeleteFriend struct {
	OwnerUserID  string `json:"ownerUserID"`
	FriendUserID string `json:"friendUserID"`
}

// Check: self(owner).
func (a *DeleteFriend) Check(c Caller) error {
	return checkFields(checkID("ownerUserID", a.OwnerUserID), checkID("friendUserID", a.FriendUserID), c.Access(a.OwnerUserID))
}

// SetFriendRemark is /friend/set_friend_remark. An empty remark clears it.
type SetFriendRemark struct {
	OwnerUserID  string `json:"ownerUserID"`
	FriendUserID string `json:"friendUserID"`
	Remark       string `json:"remark"`
}

// Check: self(owner); remark within limits.
func (a *SetFriendRemark) Check(c Caller) error {
	if err := checkFields(checkID("ownerUserID", a.OwnerUserID), checkID("friendUserID", a.FriendUserID), c.Access(a.OwnerUserID)); err != nil {
		return err
	}
	return checkLine("remark", a.Remark, openim.MaxNameLen)
}

// UpdateFriends is /friend/update_friends: the present fields are written to every listed friend.
type UpdateFriends struct {
	OwnerUserID   string   `json:"ownerUserID"`
	FriendUserIDs []string `json:"friendUserIDs"`
	IsPinned      *bool    `json:"isPinned"`
	Remark        *string  `json:"remark"`
	Ex            *string  `json:"ex"`
}

// Check: self(owner); a non-empty list without duplicates; at least one field to write.
func (a *UpdateFriends) Check(c Caller) error {
	if err := checkFields(checkID("ownerUserID", a.OwnerUserID), c.Access(a.OwnerUserID), checkIDs("friendUserIDs", a.FriendUserIDs)); err != nil {
		return err
	}
	if a.IsPinned == nil && a.Remark == nil && a.Ex == nil {
		return openim.ErrArgs.With("nothing to update: set isPinned, remark or ex")
	}
	var errs []error
	if a.Remark != nil {
		errs = append(errs, checkLine("remark", *a.Remark, openim.MaxNameLen))
	}
	if a.Ex != nil {
		errs = append(errs, checkEx("ex", *a.Ex, openim.MaxExLen))
	}
	return checkFields(errs...)
}

// ImportFriend is /friend/import_friend: the admin makes owner and each listed user mutual friends.
type ImportFriend struct {
	OwnerUserID   string   `json:"ownerUserID"`
	FriendUserIDs []string `json:"friendUserIDs"`
}

// Check: admin only; owner not in the list (1301).
func (a *ImportFriend) Check(c Caller) error {
	if err := checkFields(c.adminOnly("import_friend"), checkID("ownerUserID", a.OwnerUserID), checkIDs("friendUserIDs", a.FriendUserIDs)); err != nil {
		return err
	}
	for _, id := range a.FriendUserIDs {
		if id == a.OwnerUserID {
			return openim.ErrCannotAddYourself.With("%s cannot be their own friend", id)
		}
	}
	return nil
}

func friendHandlers() map[string]handler {
	return map[string]handler{
		"friend.add":          args(addFriend),
		"friend.respond":      args(respondFriendApply),
		"friend.delete":       args(deleteFriend),
		"friend.remark":       args(setFriendRemark),
		"friend.update":       args(updateFriends),
		"friend.import":       args(importFriend),
		"friend.black_add":    args(addBlack),
		"friend.black_remove": args(removeBlack),
	}
}

// addFriend upserts the request as pending (a new application replaces an answered one) and tells
// both ends (1203). Friends in one direction only may still apply: deletion is one-sided.
func addFriend(o *op, a *AddFriend) (any, error) {
	if err := o.requireUsers(a.FromUserID, a.ToUserID); err != nil {
		return nil, err
	}
	fwd, err := store.IsFriend(o.ctx, o.tx, a.FromUserID, a.ToUserID)
	if err != nil {
		return nil, err
	}
	back, err := store.IsFriend(o.ctx, o.tx, a.ToUserID, a.FromUserID)
	if err != nil {
		return nil, err
	}
	if fwd && back {
		return nil, openim.ErrRelationshipAlrdy.With("%s and %s are already friends", a.FromUserID, a.ToUserID)
	}
	if err := store.UpsertFriendRequest(o.ctx, o.tx, a.FromUserID, a.ToUserID, a.ReqMsg, a.Ex, o.now); err != nil {
		return nil, err
	}
	req, err := store.GetFriendRequest(o.ctx, o.tx, a.FromUserID, a.ToUserID)
	if err != nil {
		return nil, err
	}
	return nil, o.notify(note{contentType: openim.FriendApplication, sendID: a.FromUserID, recvID: a.ToUserID,
		tips: &pb.FriendApplicationTips{FromToUserID: fromTo(a.FromUserID, a.ToUserID), Request: req},
		to:   pair(a.FromUserID, a.ToUserID)})
}

// respondFriendApply agrees (both friend rows, 1201 and 1204) or refuses (1202) a pending request.
// A handled request answers 1001 on agree and 1305 on refuse, as upstream does.
func respondFriendApply(o *op, a *RespondFriendApply) (any, error) {
	req, err := store.GetFriendRequest(o.ctx, o.tx, a.FromUserID, a.ToUserID)
	if err != nil {
		return nil, err
	}
	if req == nil {
		return nil, openim.ErrRecordNotFound.With("no friend request from %s to %s", a.FromUserID, a.ToUserID)
	}
	if a.HandleResult == openim.FriendRequestRefused {
		return nil, o.refuseFriendApply(a, req)
	}
	if req.HandleResult != openim.FriendRequestPending {
		return nil, openim.ErrArgs.With("the friend request has been processed")
	}
	if err := o.handleFriendRequest(a.FromUserID, a.ToUserID, openim.FriendRequestAgreed, a.HandleMsg); err != nil {
		return nil, err
	}
	// The responder's own pending request to the applicant is answered by this agreement too.
	rev, err := store.GetFriendRequest(o.ctx, o.tx, a.ToUserID, a.FromUserID)
	if err != nil {
		return nil, err
	}
	if rev != nil && rev.HandleResult == openim.FriendRequestPending {
		if err := o.handleFriendRequest(a.ToUserID, a.FromUserID, openim.FriendRequestAgreed, a.HandleMsg); err != nil {
			return nil, err
		}
	}
	added, err := o.becomeFriends(a.FromUserID, a.ToUserID, addSourceApplication)
	if err != nil {
		return nil, err
	}
	if req, err = store.GetFriendRequest(o.ctx, o.tx, a.FromUserID, a.ToUserID); err != nil {
		return nil, err
	}
	if err := o.friendApproved(a.ToUserID, a.FromUserID, a.ToUserID, a.HandleMsg, req); err != nil {
		return nil, err
	}
	return nil, o.friendsAdded(added)
}

func (o *op) refuseFriendApply(a *RespondFriendApply, req *pb.FriendRequest) error {
	if req.HandleResult != openim.FriendRequestPending {
		return openim.ErrFriendRequestDone.With("the friend request from %s to %s was already answered", a.FromUserID, a.ToUserID)
	}
	if err := o.handleFriendRequest(a.FromUserID, a.ToUserID, openim.FriendRequestRefused, a.HandleMsg); err != nil {
		return err
	}
	req, err := store.GetFriendRequest(o.ctx, o.tx, a.FromUserID, a.ToUserID)
	if err != nil {
		return err
	}
	return o.notify(note{contentType: openim.FriendApplicationRejected, sendID: a.ToUserID, recvID: a.FromUserID,
		tips: &pb.FriendApplicationRejectedTips{FromToUserID: fromTo(a.FromUserID, a.ToUserID),
			HandleMsg: a.HandleMsg, Request: req},
		to: pair(a.ToUserID, a.FromUserID)})
}

func (o *op) handleFriendRequest(fromID, toID string, result int32, msg string) error {
	return store.HandleFriendRequest(o.ctx, o.tx, fromID, toID, result, o.caller.UserID, msg, o.now)
}

// friendRow is one direction of a friendship that a command created.
type friendRow struct{ owner, friend string }

// becomeFriends writes the missing rows of a and b's friendship, logs each in its owner's friend
// log, and returns the rows it created.
func (o *op) becomeFriends(a, b string, source int32) ([]friendRow, error) {
	var added []friendRow
	for _, r := range []friendRow{{a, b}, {b, a}} {
		created, err := store.InsertFriend(o.ctx, o.tx, &store.Friend{OwnerID: r.owner, FriendID: r.friend,
			CreateTime: o.nowSeconds(), AddSource: source, OperatorID: o.caller.UserID})
		if err != nil {
			return nil, err
		}
		if !created {
			continue
		}
		if _, err := o.bumpVersion(friendLog(r.owner), r.friend, store.VersionInsert); err != nil {
			return nil, err
		}
		added = append(added, r)
	}
	return added, nil
}

// friendApproved sends 1201 for an application (applicant → responder) that is now a friendship:
// fromToUserID is {applicant, responder} as upstream copies it from the request, the version is
// the applicant's friend log, and a copy is stored in the chat (upstream's isSendMsg).
func (o *op) friendApproved(sendID, applicant, responder, handleMsg string, req *pb.FriendRequest) error {
	h, err := logHead(o.ctx, o.tx, friendLog(applicant))
	if err != nil {
		return err
	}
	recvID := applicant
	if sendID == applicant {
		recvID = responder
	}
	return o.notify(note{contentType: openim.FriendApplicationApproved, sendID: sendID, recvID: recvID,
		tips: &pb.FriendApplicationApprovedTips{FromToUserID: fromTo(applicant, responder), HandleMsg: handleMsg,
			FriendVersion: h.Version, FriendVersionID: h.ID, Request: req},
		to: pair(applicant, responder), chatCopy: true})
}

// friendsAdded sends 1204 for each new friend row, to its owner alone: the JS SDK only fires
// OnFriendAdded from a 1204 (its 1201 handler never re-syncs), and it caches
// tips.friend.friendUser.userID as a friend, so each owner gets the tips about their own new row.
// It goes in the owner's own stream (n_<owner>_<owner>) so the peer never pulls it.
func (o *op) friendsAdded(rows []friendRow) error {
	if len(rows) == 0 {
		return nil
	}
	opUser, err := o.publicUser(o.caller.UserID)
	if err != nil {
		return err
	}
	for _, r := range rows {
		friends, err := store.GetFriends(o.ctx, o.tx, r.owner, []string{r.friend})
		if err != nil {
			return err
		}
		if len(friends) == 0 {
			continue
		}
		h, err := logHead(o.ctx, o.tx, friendLog(r.owner))
		if err != nil {
			return err
		}
		err = o.notify(note{contentType: openim.FriendAdded, sendID: r.owner, recvID: r.owner,
			tips: &pb.FriendAddedTips{Friend: friends[0], OperationTime: o.now, OpUser: opUser,
				FriendVersion: h.Version, FriendVersionID: h.ID},
			to: []string{r.owner}})
		if err != nil {
			return err
		}
	}
	return nil
}

// deleteFriend removes the owner's row only (the friend keeps theirs) and tells both ends (1205).
// Deleting someone who is not a friend succeeds and changes nothing.
func deleteFriend(o *op, a *DeleteFriend) (any, error) {
	deleted, err := store.DeleteFriend(o.ctx, o.tx, a.OwnerUserID, a.FriendUserID)
	if err != nil || !deleted {
		return nil, err
	}
	h, err := o.bumpVersion(friendLog(a.OwnerUserID), a.FriendUserID, store.VersionDelete)
	if err != nil {
		return nil, err
	}
	return nil, o.notify(note{contentType: openim.FriendDeleted, sendID: a.OwnerUserID, recvID: a.FriendUserID,
		tips: &pb.FriendDeletedTips{FromToUserID: fromTo(a.OwnerUserID, a.FriendUserID),
			FriendVersion: h.Version, FriendVersionID: h.ID},
		to: pair(a.OwnerUserID, a.FriendUserID)})
}

func setFriendRemark(o *op, a *SetFriendRemark) (any, error) {
	if err := o.requireFriends(a.OwnerUserID, []string{a.FriendUserID}); err != nil {
		return nil, err
	}
	if err := store.UpdateFriends(o.ctx, o.tx, a.OwnerUserID, []string{a.FriendUserID},
		store.FriendUpdate{Remark: &a.Remark}); err != nil {
		return nil, err
	}
	h, err := o.bumpVersion(friendLog(a.OwnerUserID), a.FriendUserID, store.VersionUpdate)
	if err != nil {
		return nil, err
	}
	return nil, o.notify(note{contentType: openim.FriendRemarkSet, sendID: a.OwnerUserID, recvID: a.FriendUserID,
		tips: &pb.FriendInfoChangedTips{FromToUserID: fromTo(a.OwnerUserID, a.FriendUserID),
			FriendVersion: h.Version, FriendVersionID: h.ID},
		to: pair(a.OwnerUserID, a.FriendUserID)})
}

// updateFriends writes the fields to every listed friend and tells the owner's devices (1210).
func updateFriends(o *op, a *UpdateFriends) (any, error) {
	if err := o.requireFriends(a.OwnerUserID, a.FriendUserIDs); err != nil {
		return nil, err
	}
	if err := store.UpdateFriends(o.ctx, o.tx, a.OwnerUserID, a.FriendUserIDs,
		store.FriendUpdate{Remark: a.Remark, IsPinned: a.IsPinned, Ex: a.Ex}); err != nil {
		return nil, err
	}
	var h store.VersionHead
	for _, id := range a.FriendUserIDs {
		var err error
		if h, err = o.bumpVersion(friendLog(a.OwnerUserID), id, store.VersionUpdate); err != nil {
			return nil, err
		}
	}
	return nil, o.notify(note{contentType: openim.FriendsInfoUpdate, sendID: a.OwnerUserID, recvID: a.OwnerUserID,
		tips: &pb.FriendsInfoUpdateTips{FromToUserID: &pb.FromToUserID{ToUserID: a.OwnerUserID},
			FriendIDs: a.FriendUserIDs, FriendVersion: h.Version, FriendVersionID: h.ID},
		to: []string{a.OwnerUserID}})
}

// importFriend makes mutual friendships (addSource 1) and, for each one that changed, sends 1201
// owner → friend (no request) and 1204 to each owner of a new row.
func importFriend(o *op, a *ImportFriend) (any, error) {
	if err := o.requireUsers(append([]string{a.OwnerUserID}, a.FriendUserIDs...)...); err != nil {
		return nil, err
	}
	for _, id := range a.FriendUserIDs {
		added, err := o.becomeFriends(a.OwnerUserID, id, addSourceImport)
		if err != nil {
			return nil, err
		}
		if len(added) == 0 {
			continue
		}
		if err := o.friendApproved(a.OwnerUserID, a.OwnerUserID, id, "", nil); err != nil {
			return nil, err
		}
		if err := o.friendsAdded(added); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// requireUsers fails with 1004 naming the first of ids that is not a user.
func (o *op) requireUsers(ids ...string) error {
	missing, err := store.MissingUsers(o.ctx, o.tx, ids)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return openim.ErrRecordNotFound.With("user %s does not exist", missing[0])
	}
	return nil
}

// requireFriends fails with 1004 naming the first of ids that is not in owner's friend list.
func (o *op) requireFriends(owner string, ids []string) error {
	friends, err := store.GetFriends(o.ctx, o.tx, owner, ids)
	if err != nil {
		return err
	}
	if len(friends) == len(ids) {
		return nil
	}
	have := make(map[string]bool, len(friends))
	for _, f := range friends {
		have[f.FriendUser.UserID] = true
	}
	for _, id := range ids {
		if !have[id] {
			return openim.ErrRecordNotFound.With("%s is not in %s's friend list", id, owner)
		}
	}
	return nil
}

func fromTo(from, to string) *pb.FromToUserID {
	return &pb.FromToUserID{FromUserID: from, ToUserID: to}
}
