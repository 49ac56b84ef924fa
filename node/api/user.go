package api

import (
	"lanim/node/im"
	"lanim/node/pb"
)

func (s *Server) userRoutes() {
	s.add("/user/get_users_info", read(getUsersInfo))
	s.add("/user/update_user_info", read(updateUserInfo))
	s.add("/user/update_user_info_ex", proposeJSON[im.UpdateUser]("user.update"))
	s.add("/user/set_global_msg_recv_opt", read(setGlobalRecvOpt))
	s.add("/user/get_all_users_uid", read(paged(getAllUsersUID)))
}

type getUsersInfoReq struct {
	UserIDs []string `json:"userIDs"`
}

// getUsersInfoResp carries the list twice: usersInfo is what the JS SDK reads, users the seed's name.
type getUsersInfoResp struct {
	UsersInfo []*pb.UserInfo `json:"usersInfo"`
	Users     []*pb.UserInfo `json:"users"`
}

func getUsersInfo(c *call, req *getUsersInfoReq) (any, error) {
	users, err := im.UsersInfo(c.ctx, c.q(), req.UserIDs)
	if err != nil {
		return nil, err
	}
	return &getUsersInfoResp{UsersInfo: users, Users: users}, nil
}

type updateUserInfoReq struct {
	UserInfo struct {
		UserID           string `json:"userID"`
		Nickname         string `json:"nickname"`
		FaceURL          string `json:"faceURL"`
		Ex               string `json:"ex"`
		AppMangerLevel   int32  `json:"appMangerLevel"`
		GlobalRecvMsgOpt int32  `json:"globalRecvMsgOpt"`
	} `json:"userInfo"`
}

// updateUserInfo is the deprecated form: only non-empty strings and non-zero numbers are written.
func updateUserInfo(c *call, req *updateUserInfoReq) (any, error) {
	u := &req.UserInfo
	p := im.UserPatch{UserID: u.UserID}
	if u.Nickname != "" {
		p.Nickname = &u.Nickname
	}
	if u.FaceURL != "" {
		p.FaceURL = &u.FaceURL
	}
	if u.Ex != "" {
		p.Ex = &u.Ex
	}
	if u.AppMangerLevel != 0 {
		p.AppMangerLevel = &u.AppMangerLevel
	}
	if u.GlobalRecvMsgOpt != 0 {
		p.GlobalRecvMsgOpt = &u.GlobalRecvMsgOpt
	}
	return c.proposeChecked("user.update", &im.UpdateUser{UserInfo: p})
}

type setGlobalRecvOptReq struct {
	UserID           string `json:"userID"`
	GlobalRecvMsgOpt int32  `json:"globalRecvMsgOpt"`
}

func setGlobalRecvOpt(c *call, req *setGlobalRecvOptReq) (any, error) {
	return c.proposeChecked("user.update", &im.UpdateUser{UserInfo: im.UserPatch{UserID: req.UserID,
		GlobalRecvMsgOpt: &req.GlobalRecvMsgOpt}})
}

type getAllUsersUIDReq struct {
	*Pagination `json:"pagination"`
}

type getAllUsersUIDResp struct {
	Total   int64    `json:"total"`
	UserIDs []string `json:"userIDs"`
}

// getAllUsersUID lists the office's user IDs: the office directory every member may see.
func getAllUsersUID(c *call, req *getAllUsersUIDReq, offset, limit int) (any, error) {
	ids, total, err := im.AllUserIDs(c.ctx, c.q(), offset, limit)
	if err != nil {
		return nil, err
	}
	return &getAllUsersUIDResp{Total: total, UserIDs: ids}, nil
}
