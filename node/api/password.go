package api

import (
	"golang.org/x/crypto/bcrypt"

	"lanim/node/client"
	"lanim/node/im"
	"lanim/node/openim"
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

// signUpKey counts the node's sign-ups; user IDs cannot hold a space.
const signUpKey = "sign up"

// signUp refuses what it can before the costly steps (bcrypt, a token, a log entry): the request's
// rules and a taken user ID first, from the replica, then the node's sign-up budget.
func (s *Server) signUp(c *call, req *signUpReq) (any, error) {
	if err := im.CheckPassword(req.Password); err != nil {
		return nil, err
	}
	// The hash and token are filled in below; the placeholders pass Check's "required".
	a := &im.SignUp{User: im.NewUser{UserID: req.UserID, Nickname: req.Nickname, FaceURL: req.FaceURL},
		PasswordHash: "-", Token: "-", PlatformID: req.PlatformID}
	if err := c.refuse(a); err != nil {
		return nil, err
	}
	if !s.signUps.Allow(signUpKey, c.now) {
		return nil, openim.ErrRateLimited.With("more than %d sign-ups in a row on this computer: try again in %v",
			SignUpBurst, SignUpInterval)
	}
	signer, err := s.cfg.Verifier.Signer(c.ctx)
	if err != nil {
		return nil, err
	}
	token, expire, err := signer.Sign(req.UserID, req.PlatformID, c.now)
	if err != nil {
		return nil, err
	}
	if a.PasswordHash, err = hashPassword(req.Password); err != nil {
		return nil, err
	}
	a.Token, a.Expire = token, expire.Unix()
	if _, err := c.proposeChecked("user.signup", a); err != nil {
		return nil, err
	}
	return &client.TokenResp{Token: token, ExpireTimeSeconds: expire.Unix() - c.now.Unix()}, nil
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
		return nil, openim.ErrRecordNotFound.With("no user %q", req.UserID)
	}
	if err := s.signInAllowed(c, req.UserID); err != nil {
		return nil, err
	}
	if hash == "" || bcrypt.CompareHashAndPassword([]byte(hash), []byte(req.Password)) != nil {
		s.signIns.Allow(req.UserID, c.now)
		return nil, openim.ErrNoPermission.With("wrong user ID or password")
	}
	if req.PlatformID == openim.PlatformAdmin || !openim.ValidPlatform(req.PlatformID) {
		return nil, openim.ErrArgs.With("platformID %d is not a user platform", req.PlatformID)
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
		return "", openim.ErrInternal.With("hash password: %v", err)
	}
	return string(h), nil
}
