package api

import (
	"lanim/node/auth"
	"lanim/node/client"
	"lanim/node/im"
	"lanim/node/openim"
)

func (s *Server) authRoutes() {
	s.addPublic("/auth/get_admin_token", read(s.getAdminToken))
	s.add("/auth/get_user_token", read(s.getUserToken))
	s.addPublic("/auth/parse_token", read(s.parseToken))
	s.add("/auth/force_logout", proposeJSON[im.ForceLogout]("auth.force_logout"))
	s.add("/user/user_register", proposeJSON[im.RegisterUsers]("user.register"))
}

// adminSecretKey counts the failed get_admin_token calls; user IDs cannot hold a space.
const adminSecretKey = "admin secret"

// signInAllowed refuses a sign-in under key (a user ID) while its failed attempts are over budget, before the
// password or secret is even compared.
func (s *Server) signInAllowed(c *call, key string) error {
	if s.signIns.Spent(key, c.now) {
		return openim.ErrRateLimited.With("too many failed sign-ins for %s: try again in %v", key, SignInInterval)
	}
	return nil
}

type getAdminTokenReq struct {
	Secret string `json:"secret"`
	UserID string `json:"userID"`
}

func (s *Server) getAdminToken(c *call, req *getAdminTokenReq) (any, error) {
	// The office has one admin secret: its failures count under one key, whatever the userID.
	if err := s.signInAllowed(c, adminSecretKey); err != nil {
		return nil, err
	}
	if req.Secret == "" || !s.cfg.AdminSecretOK(c.ctx, req.Secret) {
		s.signIns.Allow(adminSecretKey, c.now)
		return nil, openim.ErrNoPermission.With("wrong secret")
	}
	if !openim.IsAdmin(req.UserID) {
		return nil, openim.ErrArgs.With("%q is not an admin user", req.UserID)
	}
	c.caller = im.Caller{UserID: req.UserID, Platform: openim.PlatformAdmin}
	return c.issueToken(req.UserID, openim.PlatformAdmin)
}

func (s *Server) getUserToken(c *call, req *im.UserToken) (any, error) {
	if err := req.Check(c.caller); err != nil {
		return nil, err
	}
	return c.issueToken(req.UserID, req.PlatformID)
}

// issueToken signs a token and records it through Raft, which applies the multi-login policy.
func (c *call) issueToken(userID string, platformID int32) (any, error) {
	signer, err := c.s.cfg.Verifier.Signer(c.ctx)
	if err != nil {
		return nil, err
	}
	token, expire, err := signer.Sign(userID, platformID, c.now)
	if err != nil {
		return nil, err
	}
	if _, err := c.propose("auth.token", &im.IssueToken{UserID: userID, PlatformID: platformID, Token: token,
		Expire: expire.Unix()}); err != nil {
		return nil, err
	}
	return &client.TokenResp{Token: token, ExpireTimeSeconds: int64(auth.TokenTTL.Seconds())}, nil
}

type parseTokenReq struct {
	Token string `json:"token"`
}

type parseTokenResp struct {
	UserID            string `json:"userID"`
	PlatformID        int32  `json:"platformID"`
	ExpireTimeSeconds int64  `json:"expireTimeSeconds"`
}

func (s *Server) parseToken(c *call, req *parseTokenReq) (any, error) {
	if req.Token == "" {
		return nil, openim.ErrArgs.With("token is required")
	}
	claims, ierr := s.cfg.Verifier.Verify(c.ctx, req.Token, c.now)
	if ierr != nil {
		return nil, ierr
	}
	return &parseTokenResp{UserID: claims.UserID, PlatformID: claims.PlatformID,
		ExpireTimeSeconds: claims.ExpiresAt.Unix()}, nil
}
