package api

import (
	"lanim/node/im"
	"lanim/node/pb"
)

func (s *Server) friendRoutes() {
	s.add("/friend/add_friend", proposeJSON[im.AddFriend]("friend.add"))
	s.add("/friend/add_friend_response", proposeJSON[im.RespondFriendApply]("friend.respond"))
	s.add("/friend/delete_friend", proposeJSON[im.DeleteFriend]("friend.delete"))
	s.add("/friend/set_friend_remark", proposeJSON[im.SetFriendRemark]("friend.remark"))
	s.add("/friend/update_friends", proposeJSON[im.UpdateFriends]("friend.update"))
	s.add("/friend/import_friend", proposeJSON[im.ImportFriend]("friend.import"))
	s.add("/friend/add_black", proposeJSON[im.AddBlack]("friend.black_add"))
	s.add("/friend/remove_black", proposeJSON[im.RemoveBlack]("friend.black_remove"))

	s.add("/friend/get_friend_list", checkedRead(paged(getFriendList)))
	s.add("/friend/get_designated_friends", checkedRead(getDesignatedFriends))
	s.add("/friend/is_friend", checkedRead(isFriend))
	s.add("/friend/get_friend_apply_list", checkedRead(paged(getFriendApplyList)))
	s.add("/friend/get_self_friend_apply_list", checkedRead(paged(getSelfFriendApplyList)))
	s.add("/friend/get_designated_friend_apply", checkedRead(getDesignatedFriendApply))
	s.add("/friend/get_black_list", checkedRead(paged(getBlackList)))
	s.add("/friend/get_specified_blacks", checkedRead(getSpecifiedBlacks))
	s.add("/friend/get_full_friend_user_ids", checkedRead(getFullFriendUserIDs))
	s.add("/friend/get_incremental_friends", checkedRead(getIncrementalFriends))
	s.add("/friend/get_self_unhandled_apply_count", read(getSelfUnhandledApplyCount))
}

type pagedOwnerReq struct {
	im.OwnerQuery
	*Pagination `json:"pagination"`
}

type friendListResp struct {
	FriendsInfo []*pb.FriendInfo `json:"friendsInfo"`
	Total       int64            `json:"total"`
}

func getFriendList(c *call, req *pagedOwnerReq, offset, limit int) (any, error) {
	friends, total, err := im.Friends(c.ctx, c.q(), req.UserID, offset, limit)
	if err != nil {
		return nil, err
	}
	return &friendListResp{FriendsInfo: friends, Total: total}, nil
}

type designatedFriendsResp struct {
	FriendsInfo []*pb.FriendInfo `json:"friendsInfo"`
}

func getDesignatedFriends(c *call, req *im.DesignatedFriendsQuery) (any, error) {
	friends, err := im.DesignatedFriends(c.ctx, c.q(), req)
	if err != nil {
		return nil, err
	}
	return &designatedFriendsResp{FriendsInfo: friends}, nil
}

// isFriendResp always carries both booleans: the JS SDK turns a missing one into NaN.
type isFriendResp struct {
	InUser1Friends bool `json:"inUser1Friends"`
	InUser2Friends bool `json:"inUser2Friends"`
}

func isFriend(c *call, req *im.IsFriendQuery) (any, error) {
	in1, in2, err := im.IsFriend(c.ctx, c.q(), req)
	if err != nil {
		return nil, err
	}
	return &isFriendResp{InUser1Friends: in1, InUser2Friends: in2}, nil
}

type applyListReq struct {
	im.ApplyListQuery
	*Pagination `json:"pagination"`
}

// friendApplyListResp is the applications a user received; the key has upstream's capital F.
type friendApplyListResp struct {
	FriendRequests []*pb.FriendRequest `json:"FriendRequests"`
	Total          int64               `json:"total"`
}

func getFriendApplyList(c *call, req *applyListReq, offset, limit int) (any, error) {
	rs, total, err := im.FriendApplications(c.ctx, c.q(), &req.ApplyListQuery, false, offset, limit)
	if err != nil {
		return nil, err
	}
	return &friendApplyListResp{FriendRequests: rs, Total: total}, nil
}

type selfFriendApplyListResp struct {
	FriendRequests []*pb.FriendRequest `json:"friendRequests"`
	Total          int64               `json:"total"`
}

func getSelfFriendApplyList(c *call, req *applyListReq, offset, limit int) (any, error) {
	rs, total, err := im.FriendApplications(c.ctx, c.q(), &req.ApplyListQuery, true, offset, limit)
	if err != nil {
		return nil, err
	}
	return &selfFriendApplyListResp{FriendRequests: rs, Total: total}, nil
}

type designatedApplyResp struct {
	FriendRequests []*pb.FriendRequest `json:"friendRequests"`
}

// getDesignatedFriendApply returns the requests between the two users in both directions, newest
// first: the JS SDK asks with either order after a 1201/1202/1203.
func getDesignatedFriendApply(c *call, req *im.DesignatedApplyQuery) (any, error) {
	rs, err := im.DesignatedApplications(c.ctx, c.q(), req)
	if err != nil {
		return nil, err
	}
	return &designatedApplyResp{FriendRequests: rs}, nil
}

type blacksResp struct {
	Blacks []*pb.BlackInfo `json:"blacks"`
	Total  int64           `json:"total"`
}

func getBlackList(c *call, req *pagedOwnerReq, offset, limit int) (any, error) {
	blacks, total, err := im.Blacks(c.ctx, c.q(), req.UserID, offset, limit)
	if err != nil {
		return nil, err
	}
	return &blacksResp{Blacks: blacks, Total: total}, nil
}

func getSpecifiedBlacks(c *call, req *im.SpecifiedBlacksQuery) (any, error) {
	blacks, err := im.SpecifiedBlacks(c.ctx, c.q(), req)
	if err != nil {
		return nil, err
	}
	return &blacksResp{Blacks: blacks, Total: int64(len(blacks))}, nil
}

type fullFriendIDsReq struct {
	im.OwnerQuery
	IDHash uint64 `json:"idHash"`
}

type fullFriendIDsResp struct {
	Version   uint64   `json:"version"`
	VersionID string   `json:"versionID"`
	Equal     bool     `json:"equal"`
	UserIDs   []string `json:"userIDs"`
}

// getFullFriendUserIDs leaves the IDs out when the client's idHash already matches them (an empty
// list then, never null: the JS SDK caches the list).
func getFullFriendUserIDs(c *call, req *fullFriendIDsReq) (any, error) {
	h, ids, equal, err := im.FullFriendIDs(c.ctx, c.q(), req.UserID, req.IDHash)
	if err != nil {
		return nil, err
	}
	return &fullFriendIDsResp{Version: h.Version, VersionID: h.ID, Equal: equal, UserIDs: ids}, nil
}

type incrementalFriendsResp struct {
	im.Incremental[*pb.FriendInfo]
	SortVersion uint64 `json:"sortVersion"`
}

func getIncrementalFriends(c *call, req *im.IncrementalQuery) (any, error) {
	ch, err := im.IncrementalFriends(c.ctx, c.q(), req.UserID, req.VersionID, req.Version)
	if err != nil {
		return nil, err
	}
	return &incrementalFriendsResp{Incremental: ch.Wire()}, nil
}
