package api

import (
	"golang.org/x/crypto/bcrypt"

	"lanim/node/im"
	"lanim/node/store"
)

// Password accounts (LanIM's own endpoints, used by the desktop app). Sign-up and sign-in need no
// token: the API listens on loopback, so only this machine's users reach them.
func (s *Server) passwordRoutes() {
	s.addPublic("/auth/user_signup", read(s.signUp))
	s.addPublic("/auth/user_login", read(s.login))
	s.add("/auth/set_password", read(s.setPassword))
}

type signUpReq struct {
	UserID     string `json:"userID"`
	Nickname   string `json:"nickname"`
	FaceURL    string `json:"faceURL"`
	Password   string `json:"password"`
	PlatformID int32  `json:"platformID"`
}

func (s *Server) signUp(c *call, req *signUpReq) (any, error) {
	if err := im.CheckPassword(req.Password); err != nil {
		return nil, err
	}
	signer, err := s.cfg.Verifier.Signer(c.ctx)
	if err != nil {
		return nil, err
	}
	token, expire, err := signer.Sign(req.UserID, req.PlatformID, c.now)
	if err != nil {
		return nil, err
	}
	hash, err := hashPassword(req.Password)
	if err != nil {
		return nil, err
	}
	a := &im.SignUp{User: im.NewUser{UserID: req.UserID, Nickname: req.Nickname, FaceURL: req.FaceURL},
		PasswordHash: hash, Token: token, PlatformID: req.PlatformID, Expire: expire.Unix()}
	if _, err := c.proposeChecked("user.signup", a); err != nil {
		return nil, err
	}
	return &tokenResp{Token: token, ExpireTimeSeconds: expire.Unix() - c.now.Unix()}, nil
}

type loginReq struct {
	UserID     string `json:"userID"`
	Password   string `json:"password"`
	PlatformID int32  `json:"platformID"`
}

func (s *Server) login(c *call, req *loginReq) (any, error) {
	hash, ok, err := store.PasswordHash(c.ctx, c.q(), req.UserID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, im.ErrRecordNotFound.With("no user %q", req.UserID)
	}
	if err := s.signInAllowed(c, req.UserID); err != nil {
		return nil, err
	}
	if hash == "" || bcrypt.CompareHashAndPassword([]byte(hash), []byte(req.Password)) != nil {
		s.signIns.Allow(req.UserID, c.now)
		return nil, im.ErrNoPermission.With("wrong user ID or password")
	}
	if req.PlatformID == im.PlatformAdmin || !im.ValidPlatform(req.PlatformID) {
		return nil, im.ErrArgs.With("platformID %d is not a user platform", req.PlatformID)
	}
	c.caller = im.Caller{UserID: req.UserID, Platform: req.PlatformID}
	return c.issueToken(req.UserID, req.PlatformID)
}

type setPasswordReq struct {
	UserID   string `json:"userID"`
	Password string `json:"password"`
}

func (s *Server) setPassword(c *call, req *setPasswordReq) (any, error) {
	if err := im.CheckPassword(req.Password); err != nil {
		return nil, err
	}
	if err := c.caller.Access(req.UserID); err != nil {
		return nil, err
	}
	hash, err := hashPassword(req.Password)
	if err != nil {
		return nil, err
	}
	return c.proposeChecked("user.set_password", &im.SetPassword{UserID: req.UserID, PasswordHash: hash})
}

func hashPassword(p string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(p), bcrypt.DefaultCost)
	if err != nil {
		return "", im.ErrInternal.With("hash password: %v", err)
	}
	return string(h), nil
}
