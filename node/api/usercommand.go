package api

import (
	"lanim/node/im"
	"lanim/node/store"
)

func (s *Server) userCommandRoutes() {
	s.add("/user/process_user_command_add", proposeJSON[im.UserCommandSet]("user.command_add"))
	s.add("/user/process_user_command_update", proposeJSON[im.UserCommandSet]("user.command_update"))
	s.add("/user/process_user_command_delete", proposeJSON[im.UserCommandRef]("user.command_delete"))
	s.add("/user/process_user_command_get_all", read(getAllUserCommands))
}

type getAllUserCommandsReq struct {
	UserID string `json:"userID"`
}

// getAllUserCommandsResp is upstream's ProcessUserCommandGetAllResp.
type getAllUserCommandsResp struct {
	CommandResp []*store.UserCommand `json:"commandResp"`
}

func getAllUserCommands(c *call, req *getAllUserCommandsReq) (any, error) {
	cmds, err := im.UserCommands(c.ctx, c.q(), c.caller, req.UserID)
	if err != nil {
		return nil, err
	}
	return &getAllUserCommandsResp{CommandResp: cmds}, nil
}
