package api

import "lanim/node/openim"

// Push tokens and app badges serve upstream's offline push (FCM, APNs): LanIM has none. A node
// talks only to its LAN, never to Google's or Apple's push services, so a device token would be
// kept for nothing, on every computer of the office, and it is a credential of that device. The
// two endpoints check their input as upstream's apps expect, answer success, and store nothing;
// the apps call them after every login and would report an error otherwise.

// maxFCMTokenLen bounds fcmToken (FCM registration tokens are about 160 bytes).
const maxFCMTokenLen = 4096

func (s *Server) pushTokenRoutes() {
	s.add("/third/fcm_update_token", read(fcmUpdateToken))
	s.add("/third/set_app_badge", read(setAppBadge))
}

// fcmUpdateTokenReq is upstream's FcmUpdateTokenReq; account is the user the token is for.
type fcmUpdateTokenReq struct {
	PlatformID int32  `json:"platformID"`
	FcmToken   string `json:"fcmToken"`
	Account    string `json:"account"`
	ExpireTime int64  `json:"expireTime"`
}

// fcmUpdateToken: the caller's own account (or the admin's call), a known platform, a token of
// 1..maxFCMTokenLen bytes, an expireTime that is not negative.
func fcmUpdateToken(c *call, req *fcmUpdateTokenReq) (any, error) {
	account := req.Account
	if account == "" {
		account = c.caller.UserID
	}
	if err := c.caller.Access(account); err != nil {
		return nil, err
	}
	switch {
	case !openim.ValidPlatform(req.PlatformID):
		return nil, openim.ErrArgs.With("platformID %d is unknown", req.PlatformID)
	case req.FcmToken == "":
		return nil, openim.ErrArgs.With("fcmToken is required")
	case len(req.FcmToken) > maxFCMTokenLen:
		return nil, openim.ErrArgs.With("fcmToken is over %d bytes", maxFCMTokenLen)
	case req.ExpireTime < 0:
		return nil, openim.ErrArgs.With("expireTime %d is negative", req.ExpireTime)
	}
	return nil, nil
}

// setAppBadgeReq is upstream's SetAppBadgeReq.
type setAppBadgeReq struct {
	UserID         string `json:"userID"`
	AppUnreadCount int32  `json:"appUnreadCount"`
}

// setAppBadge: self or admin, a count that is not negative.
func setAppBadge(c *call, req *setAppBadgeReq) (any, error) {
	if req.UserID == "" {
		return nil, openim.ErrArgs.With("userID is required")
	}
	if err := c.caller.Access(req.UserID); err != nil {
		return nil, err
	}
	if req.AppUnreadCount < 0 {
		return nil, openim.ErrArgs.With("appUnreadCount %d is negative", req.AppUnreadCount)
	}
	return nil, nil
}
