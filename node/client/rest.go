// Package client is a Go client of a LanIM node's OpenIM API: REST calls (Client) and the msg
// gateway's WebSocket (Conn, with the JS SDK's query parameters and either envelope encoding). The
// GUI, the tests and the load generator use it; it holds no state beyond the connection.
package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"lanim/node/openim"
	"lanim/node/pb"
)

type opIDKey struct{}

// WithOperationID makes calls under ctx carry operationID (pushes they cause carry it too).
func WithOperationID(ctx context.Context, operationID string) context.Context {
	return context.WithValue(ctx, opIDKey{}, operationID)
}

// OperationID is ctx's operationID, or a new random one.
func OperationID(ctx context.Context) string {
	if id, ok := ctx.Value(opIDKey{}).(string); ok && id != "" {
		return id
	}
	return NewOperationID()
}

// NewOperationID makes a random operationID.
func NewOperationID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b) + fmt.Sprint(time.Now().UnixMilli())
}

// Client calls a node's REST API. Its zero token calls only the public endpoints.
type Client struct {
	base  string
	http  *http.Client
	token string
}

// New returns a client of the API at addr ("127.0.0.1:10002" or a full http:// URL). A nil hc
// means http.DefaultClient.
func New(addr string, hc *http.Client) *Client {
	if !strings.Contains(addr, "://") {
		addr = "http://" + addr
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(addr, "/"), http: hc}
}

// WithToken returns a copy of the client that sends token.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// Token is the token the client sends.
func (c *Client) Token() string { return c.token }

// envelope is the REST response.
type envelope struct {
	ErrCode int             `json:"errCode"`
	ErrMsg  string          `json:"errMsg"`
	ErrDlt  string          `json:"errDlt"`
	Data    json.RawMessage `json:"data"`
}

// Call posts req as JSON to path and decodes the answer's data into resp (when not nil). An
// errCode is returned as an *openim.Error.
func (c *Client) Call(ctx context.Context, path string, req, resp any) error {
	if req == nil {
		req = struct{}{}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("%s: encode request: %w", path, err)
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("operationID", OperationID(ctx))
	if c.token != "" {
		hr.Header.Set("token", c.token)
	}
	res, err := c.http.Do(hr)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("%s: read answer: %w", path, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %s: %.200s", path, res.Status, raw)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%s: bad answer: %w", path, err)
	}
	if env.ErrCode != 0 {
		return &openim.Error{Code: env.ErrCode, Msg: env.ErrMsg, Detail: env.ErrDlt}
	}
	if resp == nil || len(env.Data) == 0 || string(env.Data) == "null" {
		return nil
	}
	if err := json.Unmarshal(env.Data, resp); err != nil {
		return fmt.Errorf("%s: decode data: %w", path, err)
	}
	return nil
}

type tokenResp struct {
	Token             string `json:"token"`
	ExpireTimeSeconds int64  `json:"expireTimeSeconds"`
}

// AdminToken gets the admin's token with the office's admin secret.
func (c *Client) AdminToken(ctx context.Context, secret string) (string, error) {
	var r tokenResp
	err := c.Call(ctx, "/auth/get_admin_token", map[string]string{"secret": secret, "userID": openim.AdminUserID}, &r)
	return r.Token, err
}

// UserToken gets a user's token for a platform; the client must hold the admin's token.
func (c *Client) UserToken(ctx context.Context, userID string, platformID int32) (string, error) {
	var r tokenResp
	err := c.Call(ctx, "/auth/get_user_token", map[string]any{"userID": userID, "platformID": platformID}, &r)
	return r.Token, err
}

// RegisterUsers registers users (userID and nickname required); the client must hold the admin's token.
func (c *Client) RegisterUsers(ctx context.Context, users ...*pb.UserInfo) error {
	return c.Call(ctx, "/user/user_register", map[string]any{"users": users}, nil)
}

// UsersInfo returns the users that exist among ids.
func (c *Client) UsersInfo(ctx context.Context, ids ...string) ([]*pb.UserInfo, error) {
	var r struct {
		UsersInfo []*pb.UserInfo `json:"usersInfo"`
	}
	err := c.Call(ctx, "/user/get_users_info", map[string]any{"userIDs": ids}, &r)
	return r.UsersInfo, err
}

// ForceLogout kicks a user's tokens and connections on a platform (admin).
func (c *Client) ForceLogout(ctx context.Context, userID string, platformID int32) error {
	return c.Call(ctx, "/auth/force_logout", map[string]any{"userID": userID, "platformID": platformID}, nil)
}
