package api

import "lanim/node/im"

// unhandledCountReq is get_self_unhandled_apply_count and get_group_application_unhandled_count:
// time is a ms lower bound on the request time (0: all).
type unhandledCountReq struct {
	UserID string `json:"userID"`
	Time   int64  `json:"time"`
}

type unhandledCountResp struct {
	Count int64 `json:"count"`
}

func getSelfUnhandledApplyCount(c *call, req *unhandledCountReq) (any, error) {
	n, err := im.UnhandledFriendApplyCount(c.ctx, c.q(), c.caller, req.UserID, req.Time)
	if err != nil {
		return nil, err
	}
	return &unhandledCountResp{Count: n}, nil
}

func getGroupApplicationUnhandledCount(c *call, req *unhandledCountReq) (any, error) {
	n, err := im.UnhandledGroupApplicationCount(c.ctx, c.q(), c.caller, req.UserID, req.Time)
	if err != nil {
		return nil, err
	}
	return &unhandledCountResp{Count: n}, nil
}
