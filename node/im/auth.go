package im

import (
	"lanim/node/openim"
	"lanim/node/store"
)

// maxTokensPerPlatform bounds the token rows of one user on one platform (kicked ones included,
// so a kicked token keeps answering 1506 rather than 1507 for a while).
const maxTokensPerPlatform = 20

// IssueToken records a token the proposer signed. Upstream's default multi-login policy
// (AllLoginButSameTermKick): the user's other tokens on the same platform are kicked, and their
// connections closed with a 2002 push. Admin tokens never kick each other.
type IssueToken struct {
	UserID     string `json:"userID"`
	PlatformID int32  `json:"platformID"`
	Token      string `json:"token"`
	Expire     int64  `json:"expire"` // unix seconds
}

// Check: admins issue any token; a user only their own (password sign-in).
func (a *IssueToken) Check(c Caller) error {
	if err := c.Access(a.UserID); err != nil {
		return err
	}
	if a.Token == "" || a.Expire <= 0 {
		return openim.ErrArgs.With("token and expiry are required")
	}
	if !openim.ValidPlatform(a.PlatformID) {
		return openim.ErrArgs.With("platformID %d is unknown", a.PlatformID)
	}
	if (a.PlatformID == openim.PlatformAdmin) != openim.IsAdmin(a.UserID) {
		return openim.ErrNoPermission.With("platform %d is for the admin only", openim.PlatformAdmin)
	}
	return nil
}

// UserToken is /auth/get_user_token: the admin has a token signed for a user, which is then
// recorded as an IssueToken.
type UserToken struct {
	PlatformID int32  `json:"platformID"`
	UserID     string `json:"userID"`
}

// Check: the admin only, for an ordinary user on a user platform (admin tokens come from
// get_admin_token).
func (a *UserToken) Check(c Caller) error {
	if err := c.adminOnly("get_user_token"); err != nil {
		return err
	}
	if a.PlatformID == openim.PlatformAdmin || openim.IsAdmin(a.UserID) {
		return openim.ErrNoPermission.With("admin tokens come from get_admin_token")
	}
	if !openim.ValidPlatform(a.PlatformID) {
		return openim.ErrArgs.With("platformID %d is unknown", a.PlatformID)
	}
	if a.UserID == "" {
		return openim.ErrArgs.With("userID is required")
	}
	return nil
}

// ForceLogout kicks every token of a user on a platform.
type ForceLogout struct {
	UserID     string `json:"userID"`
	PlatformID int32  `json:"platformID"`
}

// Check: admin only, a known platform.
func (a *ForceLogout) Check(c Caller) error {
	return checkFields(c.adminOnly("force_logout"), checkID("userID", a.UserID),
		checkRange("platformID", a.PlatformID, openim.PlatformIOS, openim.PlatformAdmin))
}

func authHandlers() map[string]handler {
	return map[string]handler{
		"auth.token":        args(issueToken),
		"auth.force_logout": args(forceLogout),
	}
}

func issueToken(o *op, a *IssueToken) (any, error) {
	u, err := o.user(a.UserID)
	if err != nil {
		return nil, err
	}
	if !openim.IsAdmin(a.UserID) && u.AppMangerLevel >= 3 {
		return nil, openim.ErrArgs.With("user %s cannot get a token", a.UserID)
	}
	if a.PlatformID != openim.PlatformAdmin {
		if err := o.kickTokens(a.UserID, a.PlatformID); err != nil {
			return nil, err
		}
	}
	if err := store.PruneTokens(o.ctx, o.tx, a.UserID, a.PlatformID, o.nowSeconds(), maxTokensPerPlatform-1); err != nil {
		return nil, err
	}
	return nil, store.InsertToken(o.ctx, o.tx, &store.Token{Token: a.Token, UserID: a.UserID, PlatformID: a.PlatformID,
		Status: openim.TokenNormal, Issued: o.now, Expire: a.Expire})
}

func forceLogout(o *op, a *ForceLogout) (any, error) {
	if _, err := o.user(a.UserID); err != nil {
		return nil, err
	}
	return nil, o.kickTokens(a.UserID, a.PlatformID)
}

// kickTokens marks the user's live tokens on a platform kicked and closes their connections.
func (o *op) kickTokens(userID string, platformID int32) error {
	kicked, err := store.SetTokensStatus(o.ctx, o.tx, userID, platformID, openim.TokenNormal, openim.TokenKicked)
	if err != nil || len(kicked) == 0 {
		return err
	}
	o.emit(Event{Kick: &Kick{UserID: userID, PlatformID: platformID, Tokens: kicked}})
	return nil
}
