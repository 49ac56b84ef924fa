package api

import (
	"lanim/node/im"
	"lanim/node/store"
)

func (s *Server) userCommandRoutes() {
	s.add("/user/process_user_command_add", proposeJSON[im.UserCommandSet]("user.command_add"))
	s.add("/user/process_user_command_update", proposeJSON[im.UserCommandSet]("user.command_update"))
	s.add("/user/process_user_command_delete", proposeJSON[im.UserCommandRef]("user.command_delete"))
	s.add("/user/process_user_command_get", read(getUserCommands))
	s.add("/user/process_user_command_get_all", read(getAllUserCommands))
}

type getUserCommandsReq struct {
	UserID string `json:"userID"`
	Type   int32  `json:"type"`
}

// userCommandsResp is upstream's ProcessUserCommandGetResp and GetAllResp; the key is spelled as
// in upstream's .proto.
type userCommandsResp struct {
	CommandResp []*store.UserCommand `json:"CommandResp"`
}

// getUserCommands is process_user_command_get: the items of one type.
func getUserCommands(c *call, req *getUserCommandsReq) (any, error) {
	cmds, err := im.UserCommands(c.ctx, c.q(), c.caller, req.UserID)
	if err != nil {
		return nil, err
	}
	ofType := []*store.UserCommand{}
	for _, cmd := range cmds {
		if cmd.Type == req.Type {
			ofType = append(ofType, cmd)
		}
	}
	return &userCommandsResp{CommandResp: ofType}, nil
}

func getAllUserCommands(c *call, req *getUserCommandsReq) (any, error) {
	cmds, err := im.UserCommands(c.ctx, c.q(), c.caller, req.UserID)
	if err != nil {
		return nil, err
	}
	return &userCommandsResp{CommandResp: cmds}, nil
}
