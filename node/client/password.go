package client

import "context"

// LanIM's own password accounts (POST /auth/user_signup, /auth/user_login): the desktop app sends
// these requests, and node/api answers them with TokenResp.

// SignUp is POST /auth/user_signup's request: a new account with its first session's token.
type SignUp struct {
	UserID     string `json:"userID"`
	Nickname   string `json:"nickname"`
	FaceURL    string `json:"faceURL"`
	Password   string `json:"password"`
	PlatformID int32  `json:"platformID"`
}

// Login is POST /auth/user_login's request.
type Login struct {
	UserID     string `json:"userID"`
	Password   string `json:"password"`
	PlatformID int32  `json:"platformID"`
}

// TokenResp is the data of every call that issues a token: sign-up, login, get_admin_token and
// get_user_token.
type TokenResp struct {
	Token             string `json:"token"`
	ExpireTimeSeconds int64  `json:"expireTimeSeconds"`
}

// SignUp creates an account and signs it in; no token needed on the node's machine.
func (c *Client) SignUp(ctx context.Context, req SignUp) (*TokenResp, error) {
	var r TokenResp
	if err := c.Call(ctx, "/auth/user_signup", req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Login signs a user in with their password; no token needed on the node's machine.
func (c *Client) Login(ctx context.Context, req Login) (*TokenResp, error) {
	var r TokenResp
	if err := c.Call(ctx, "/auth/user_login", req, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
