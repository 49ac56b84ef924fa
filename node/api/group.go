package api

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
)

func (s *Server) groupRoutes() {
	s.add("/group/create_group", read(createGroup))
	s.add("/group/join_group", proposeJSON[im.JoinGroup]("group.join"))
	s.add("/group/quit_group", proposeJSON[im.QuitGroup]("group.quit"))
	s.add("/group/kick_group", proposeJSON[im.KickGroup]("group.kick"))
	s.add("/group/group_application_response", proposeJSON[im.ApplicationResponse]("group.application_response"))
	s.add("/group/invite_user_to_group", proposeJSON[im.InviteToGroup]("group.invite"))
	s.add("/group/transfer_group", proposeJSON[im.TransferGroup]("group.transfer"))
	s.add("/group/dismiss_group", proposeJSON[im.DismissGroup]("group.dismiss"))
	s.add("/group/mute_group_member", proposeJSON[im.MuteMember]("group.mute_member"))
	s.add("/group/cancel_mute_group_member", proposeJSON[im.MemberRef]("group.cancel_mute_member"))
	s.add("/group/mute_group", proposeJSON[im.GroupRef]("group.mute"))
	s.add("/group/cancel_mute_group", proposeJSON[im.GroupRef]("group.cancel_mute"))
	s.add("/group/set_group_info", read(setGroupInfo))
	s.add("/group/set_group_info_ex", proposeJSON[im.SetGroupInfo]("group.set_info"))
	s.add("/group/set_group_member_info", proposeJSON[im.SetMemberInfo]("group.set_member_info"))

	s.add("/group/get_groups_info", read(getGroupsInfo))
	s.add("/group/get_group_member_list", read(paged(getGroupMemberList)))
	s.add("/group/get_group_members_info", read(getGroupMembersInfo))
	s.add("/group/get_joined_group_list", read(paged(getJoinedGroupList)))
	s.add("/group/get_recv_group_applicationList", read(paged(getRecvGroupApplications)))
	s.add("/group/get_user_req_group_applicationList", read(paged(getUserGroupApplications)))
	s.add("/group/get_specified_user_group_request_info", read(getSpecifiedGroupRequest))
	s.add("/group/get_full_group_member_user_ids", read(getFullGroupMemberIDs))
	s.add("/group/get_full_join_group_ids", read(getFullJoinGroupIDs))
	s.add("/group/get_incremental_join_groups", read(getIncrementalJoinGroups))
	s.add("/group/get_incremental_group_members", read(getIncrementalGroupMembers))
	s.add("/group/get_incremental_group_members_batch", read(getIncrementalGroupMembersBatch))
	s.add("/group/get_group_application_unhandled_count", read(getGroupApplicationUnhandledCount))
}

// groups is the rule-carrying reader of the group area for this call's caller.
func (c *call) groups() im.GroupReader {
	return im.GroupReader{Ctx: c.ctx, Q: c.q(), Caller: c.caller}
}

// groupIDAttempts bounds the search for a free random group ID.
const groupIDAttempts = 10

// createGroup draws a group ID when the request has none, so the FSM never draws randomness: a
// decimal string of at most 10 digits, as upstream. A collision with a group created meanwhile is
// caught by the FSM (1202).
func createGroup(c *call, req *im.CreateGroup) (any, error) {
	if req.GroupInfo != nil && req.GroupInfo.GroupID == "" {
		id, err := c.freeGroupID()
		if err != nil {
			return nil, err
		}
		req.GroupInfo.GroupID = id
	}
	return c.proposeChecked("group.create", req)
}

func (c *call) freeGroupID() (string, error) {
	var b [4]byte
	for range groupIDAttempts {
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		id := strconv.FormatUint(uint64(binary.BigEndian.Uint32(b[:])), 10)
		taken, err := im.GroupIDTaken(c.ctx, c.q(), id)
		if err != nil {
			return "", err
		}
		if !taken {
			return id, nil
		}
	}
	return "", openim.ErrInternal.With("no free group ID after %d attempts", groupIDAttempts)
}

// setGroupInfoReq is set_group_info: empty strings mean "unchanged"; the wrapped fields are
// plain values or absent.
type setGroupInfoReq struct {
	GroupInfoForSet *struct {
		GroupID           string  `json:"groupID"`
		GroupName         string  `json:"groupName"`
		Notification      string  `json:"notification"`
		Introduction      string  `json:"introduction"`
		FaceURL           string  `json:"faceURL"`
		Ex                *string `json:"ex"`
		NeedVerification  *int32  `json:"needVerification"`
		LookMemberInfo    *int32  `json:"lookMemberInfo"`
		ApplyMemberFriend *int32  `json:"applyMemberFriend"`
	} `json:"groupInfoForSet"`
}

func setGroupInfo(c *call, req *setGroupInfoReq) (any, error) {
	in := req.GroupInfoForSet
	if in == nil {
		return nil, openim.ErrArgs.With("groupInfoForSet is required")
	}
	nonEmpty := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return c.proposeChecked("group.set_info", &im.SetGroupInfo{GroupID: in.GroupID, GroupName: nonEmpty(in.GroupName),
		Notification: nonEmpty(in.Notification), Introduction: nonEmpty(in.Introduction), FaceURL: nonEmpty(in.FaceURL),
		Ex: in.Ex, NeedVerification: in.NeedVerification, LookMemberInfo: in.LookMemberInfo,
		ApplyMemberFriend: in.ApplyMemberFriend})
}

type getGroupsInfoReq struct {
	GroupIDs []string `json:"groupIDs"`
}

type getGroupsInfoResp struct {
	GroupInfos []*pb.GroupInfo `json:"groupInfos"`
}

func getGroupsInfo(c *call, req *getGroupsInfoReq) (any, error) {
	groups, err := c.groups().GroupsInfo(req.GroupIDs)
	if err != nil {
		return nil, err
	}
	return &getGroupsInfoResp{GroupInfos: groups}, nil
}

type getGroupMemberListReq struct {
	*Pagination `json:"pagination"`
	GroupID     string `json:"groupID"`
	Filter      int32  `json:"filter"`
	Keyword     string `json:"keyword"`
}

type groupMembersResp struct {
	Total   int64                     `json:"total"`
	Members []*pb.GroupMemberFullInfo `json:"members"`
}

// getGroupMemberList ignores filter as upstream v3.8 does, after checking its range.
func getGroupMemberList(c *call, req *getGroupMemberListReq, offset, limit int) (any, error) {
	if req.Filter < 0 || req.Filter > 5 {
		return nil, openim.ErrArgs.With("filter %d is not in 0..5", req.Filter)
	}
	members, total, err := c.groups().MemberList(req.GroupID, req.Keyword, offset, limit)
	if err != nil {
		return nil, err
	}
	return &groupMembersResp{Total: total, Members: members}, nil
}

type getGroupMembersInfoReq struct {
	GroupID string   `json:"groupID"`
	UserIDs []string `json:"userIDs"`
}

type getGroupMembersInfoResp struct {
	Members []*pb.GroupMemberFullInfo `json:"members"`
}

func getGroupMembersInfo(c *call, req *getGroupMembersInfoReq) (any, error) {
	members, err := c.groups().MembersInfo(req.GroupID, req.UserIDs)
	if err != nil {
		return nil, err
	}
	return &getGroupMembersInfoResp{Members: members}, nil
}

type getJoinedGroupListReq struct {
	*Pagination `json:"pagination"`
	FromUserID  string `json:"fromUserID"`
}

type getJoinedGroupListResp struct {
	Total  int64           `json:"total"`
	Groups []*pb.GroupInfo `json:"groups"`
}

func getJoinedGroupList(c *call, req *getJoinedGroupListReq, offset, limit int) (any, error) {
	groups, total, err := c.groups().JoinedGroups(req.FromUserID, offset, limit)
	if err != nil {
		return nil, err
	}
	return &getJoinedGroupListResp{Total: total, Groups: groups}, nil
}

type groupApplicationsReq struct {
	*Pagination   `json:"pagination"`
	FromUserID    string   `json:"fromUserID"`
	UserID        string   `json:"userID"`
	GroupIDs      []string `json:"groupIDs"`
	HandleResults []int32  `json:"handleResults"`
}

type groupRequestsResp struct {
	Total         int64              `json:"total"`
	GroupRequests []*pb.GroupRequest `json:"groupRequests"`
}

// groupRequests is the answer of both application lists: a page of requests, or the read's error.
func groupRequests(reqs []*pb.GroupRequest, total int64, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return &groupRequestsResp{Total: total, GroupRequests: reqs}, nil
}

func getRecvGroupApplications(c *call, req *groupApplicationsReq, offset, limit int) (any, error) {
	return groupRequests(c.groups().RecvApplications(req.FromUserID, req.GroupIDs, req.HandleResults, offset, limit))
}

func getUserGroupApplications(c *call, req *groupApplicationsReq, offset, limit int) (any, error) {
	return groupRequests(c.groups().UserApplications(req.UserID, req.GroupIDs, req.HandleResults, offset, limit))
}

type getSpecifiedGroupRequestReq struct {
	GroupID string `json:"groupID"`
	UserID  string `json:"userID"`
}

// getSpecifiedGroupRequest answers [] rather than null when there is no request: the JS SDK
// reads groupRequests[0].
func getSpecifiedGroupRequest(c *call, req *getSpecifiedGroupRequestReq) (any, error) {
	reqs, err := c.groups().SpecifiedRequest(req.GroupID, req.UserID)
	if err != nil {
		return nil, err
	}
	if reqs == nil {
		reqs = []*pb.GroupRequest{}
	}
	return &groupRequestsResp{Total: int64(len(reqs)), GroupRequests: reqs}, nil
}

type getFullGroupMemberIDsReq struct {
	GroupID string `json:"groupID"`
	IDHash  uint64 `json:"idHash"`
}

func getFullGroupMemberIDs(c *call, req *getFullGroupMemberIDsReq) (any, error) {
	return c.groups().FullMemberIDs(req.GroupID, req.IDHash)
}

type getFullJoinGroupIDsReq struct {
	UserID string `json:"userID"`
	IDHash uint64 `json:"idHash"`
}

func getFullJoinGroupIDs(c *call, req *getFullJoinGroupIDsReq) (any, error) {
	return c.groups().FullJoinedGroupIDs(req.UserID, req.IDHash)
}

type groupIncrementalReq struct {
	UserID    string `json:"userID"`
	GroupID   string `json:"groupID"`
	VersionID string `json:"versionID"`
	Version   uint64 `json:"version"`
}

func getIncrementalJoinGroups(c *call, req *groupIncrementalReq) (any, error) {
	return c.groups().IncrementalJoinGroups(req.UserID, req.VersionID, req.Version)
}

func getIncrementalGroupMembers(c *call, req *groupIncrementalReq) (any, error) {
	return c.groups().IncrementalMembers(req.GroupID, req.VersionID, req.Version)
}

type groupIncrementalBatchReq struct {
	UserID  string                `json:"userID"`
	ReqList []im.MemberVersionReq `json:"reqList"`
}

type groupIncrementalBatchResp struct {
	RespList map[string]*im.IncrementalMembers `json:"respList"`
}

func getIncrementalGroupMembersBatch(c *call, req *groupIncrementalBatchReq) (any, error) {
	list, err := c.groups().IncrementalMembersBatch(req.UserID, req.ReqList)
	if err != nil {
		return nil, err
	}
	return &groupIncrementalBatchResp{RespList: list}, nil
}
