package api

import (
	"lanim/node/client"
	"lanim/node/im"
	"lanim/node/openim"
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
	if a.PasswordHash, err = im.HashPassword(req.Password); err != nil {
		return nil, err
	}
	a.Token, a.Expire = token, expire.Unix()
	if _, err := c.proposeChecked("user.signup", a); err != nil {
		return nil, err
	}
	return &client.TokenResp{Token: token, ExpireTimeSeconds: expire.Unix() - c.now.Unix()}, nil
}

// login signs in with a password (im.SignIn); failed attempts count against the user's budget.
func (s *Server) login(c *call, req *im.SignIn) (any, error) {
	hash, err := req.PasswordHash(c.ctx, c.q())
	if err != nil {
		return nil, err
	}
	if err := s.signInAllowed(c, req.UserID); err != nil {
		return nil, err
	}
	if err := req.Verify(hash); err != nil {
		if err == im.ErrWrongPassword {
			s.signIns.Allow(req.UserID, c.now)
		}
		return nil, err
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
	hash, err := im.HashPassword(req.Password)
	if err != nil {
		return nil, err
	}
	return c.proposeChecked("user.set_password", &im.SetPassword{UserID: req.UserID, PasswordHash: hash})
}
