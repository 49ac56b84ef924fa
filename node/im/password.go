package im

import (
	"context"

	"golang.org/x/crypto/bcrypt"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Password sign-up and sign-in are LanIM's own (the desktop app's accounts); OpenIM leaves them to
// a separate chat server. The proposer hashes the password (bcrypt) and checks it on sign-in; the
// log carries only hashes.

// CheckPassword applies the length rules to a clear-text password before it is hashed.
func CheckPassword(p string) error {
	if n := len([]rune(p)); n < openim.MinPasswordLen || n > openim.MaxPasswordLen {
		return openim.ErrArgs.With("password must have %d to %d characters", openim.MinPasswordLen, openim.MaxPasswordLen)
	}
	return nil
}

// HashPassword hashes a clear-text password for the log (bcrypt); the proposer runs it.
func HashPassword(p string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(p), bcrypt.DefaultCost)
	if err != nil {
		return "", openim.ErrInternal.With("hash password: %v", err)
	}
	return string(h), nil
}

// SignIn is a password sign-in (/auth/user_login). It is checked against the replica by the
// proposer, which then records the new token through Raft (auth.token). The API bounds the failed
// attempts per user between PasswordHash and Verify.
type SignIn struct {
	UserID     string `json:"userID"`
	Password   string `json:"password"`
	PlatformID int32  `json:"platformID"`
}

// PasswordHash is the user's password hash in q ("" when they have none): 1004 for no such user.
func (a *SignIn) PasswordHash(ctx context.Context, q store.Q) (string, error) {
	hash, ok, err := store.PasswordHash(ctx, q, a.UserID)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", openim.ErrRecordNotFound.With("no user %q", a.UserID)
	}
	return hash, nil
}

// Verify compares the password with hash, then checks the platform. A wrong password (or none
// set) is ErrWrongPassword, which the API counts as a failed attempt; a bad platform is 1001.
func (a *SignIn) Verify(hash string) error {
	if hash == "" || bcrypt.CompareHashAndPassword([]byte(hash), []byte(a.Password)) != nil {
		return ErrWrongPassword
	}
	if a.PlatformID == openim.PlatformAdmin || !openim.ValidPlatform(a.PlatformID) {
		return openim.ErrArgs.With("platformID %d is not a user platform", a.PlatformID)
	}
	return nil
}

// ErrWrongPassword is a failed password sign-in; it names neither which part was wrong.
var ErrWrongPassword = openim.ErrNoPermission.With("wrong user ID or password")

// SignUp registers a user with a password and records their first token in one step.
type SignUp struct {
	User         NewUser `json:"user"`
	PasswordHash string  `json:"passwordHash"`
	Token        string  `json:"token"`
	PlatformID   int32   `json:"platformID"`
	Expire       int64   `json:"expire"`
}

// Check: anyone may sign up (the API listens on loopback only), as an ordinary user.
func (a *SignUp) Check(c Caller) error {
	if err := a.User.check(); err != nil {
		return err
	}
	if openim.IsAdmin(a.User.UserID) || a.User.AppMangerLevel != 0 {
		return openim.ErrNoPermission.With("sign-up makes ordinary users")
	}
	if a.PasswordHash == "" || a.Token == "" {
		return openim.ErrArgs.With("password and token are required")
	}
	if !openim.ValidPlatform(a.PlatformID) || a.PlatformID == openim.PlatformAdmin {
		return openim.ErrArgs.With("platformID %d is not a user platform", a.PlatformID)
	}
	return nil
}

// SetPassword replaces a user's password hash.
type SetPassword struct {
	UserID       string `json:"userID"`
	PasswordHash string `json:"passwordHash"`
}

// Check: self or admin.
func (a *SetPassword) Check(c Caller) error {
	if err := checkID("userID", a.UserID); err != nil {
		return err
	}
	if a.PasswordHash == "" {
		return openim.ErrArgs.With("password is required")
	}
	return c.Access(a.UserID)
}

func passwordHandlers() map[string]handler {
	return map[string]handler{
		"user.signup":       args(signUp),
		"user.set_password": args(setPassword),
	}
}

// refuse: the user ID is free. The API runs it before it hashes the password or signs a token.
func (a *SignUp) refuse(o *op) error {
	u, err := store.GetUser(o.ctx, o.tx, a.User.UserID)
	if err != nil {
		return err
	}
	if u != nil {
		return openim.ErrRegisteredAlready.With("user %s is already registered", a.User.UserID)
	}
	return nil
}

func signUp(o *op, a *SignUp) (any, error) {
	if err := a.refuse(o); err != nil {
		return nil, err
	}
	u := &pb.UserInfo{UserID: a.User.UserID, Nickname: a.User.Nickname, FaceURL: a.User.FaceURL, Ex: a.User.Ex,
		CreateTime: o.now, GlobalRecvMsgOpt: a.User.GlobalRecvMsgOpt}
	if err := store.InsertUser(o.ctx, o.tx, u); err != nil {
		return nil, err
	}
	if err := store.SetPasswordHash(o.ctx, o.tx, u.UserID, a.PasswordHash); err != nil {
		return nil, err
	}
	return nil, store.InsertToken(o.ctx, o.tx, &store.Token{Token: a.Token, UserID: u.UserID, PlatformID: a.PlatformID,
		Status: openim.TokenNormal, Issued: o.now, Expire: a.Expire})
}

func setPassword(o *op, a *SetPassword) (any, error) {
	if _, err := o.user(a.UserID); err != nil {
		return nil, err
	}
	return nil, store.SetPasswordHash(o.ctx, o.tx, a.UserID, a.PasswordHash)
}
