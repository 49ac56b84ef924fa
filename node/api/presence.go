package api

import (
	"lanim/node/im"
	"lanim/node/openim"
)

// Presence is who is online in the office: the gateway's connections and what the other nodes
// relayed to it, so every node answers for the whole office.
type Presence interface {
	// Platforms returns the platforms each user is online on (empty when offline).
	Platforms(userIDs []string) map[string][]int32
	// OnlineUsers lists the users online anywhere, by user ID, at most limit of them.
	OnlineUsers(limit int) []string
	// Computer is one node's host name and the users connected to it, as far as this node knows
	// (origin "" is this node).
	Computer(origin string) (host string, userIDs []string)
}

func (s *Server) presenceRoutes() {
	s.add("/user/get_users_online_status", read(s.getUsersOnlineStatus))
}

type getUsersOnlineStatusReq struct {
	UserIDs []string `json:"userIDs"`
}

// onlineStatus is upstream's GetUsersOnlineStatusResp.SuccessResult: status 1 online, 0 offline.
type onlineStatus struct {
	UserID               string           `json:"userID"`
	Status               int32            `json:"status"`
	DetailPlatformStatus []platformStatus `json:"detailPlatformStatus"`
}

// platformStatus is one online platform. Upstream also lists each connection's ID and token;
// LanIM never hands out tokens, so a platform is listed once.
type platformStatus struct {
	PlatformID   int32  `json:"platformID"`
	Platform     string `json:"platform"`
	IsBackground bool   `json:"isBackground"`
}

// getUsersOnlineStatus is /user/get_users_online_status: every listed user, online anywhere in
// the office or not. Upstream lets only the app manager ask; LanIM answers every signed-in user,
// because WS 2005 tells anyone the same.
func (s *Server) getUsersOnlineStatus(c *call, req *getUsersOnlineStatusReq) (any, error) {
	if err := im.CheckIDList("userIDs", req.UserIDs); err != nil {
		return nil, err
	}
	var platforms map[string][]int32
	if s.cfg.Presence != nil {
		platforms = s.cfg.Presence.Platforms(req.UserIDs)
	}
	out := make([]onlineStatus, 0, len(req.UserIDs))
	for _, id := range req.UserIDs {
		st := onlineStatus{UserID: id, DetailPlatformStatus: []platformStatus{}}
		for _, p := range platforms[id] {
			st.Status = 1
			st.DetailPlatformStatus = append(st.DetailPlatformStatus, platformStatus{PlatformID: p,
				Platform: openim.PlatformName(p)})
		}
		out = append(out, st)
	}
	return out, nil
}
