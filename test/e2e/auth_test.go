package e2e

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	_ "github.com/mattn/go-sqlite3"
)

type tokenResp struct {
	Token             string `json:"token"`
	ExpireTimeSeconds int64  `json:"expireTimeSeconds"`
}

type parsedToken struct {
	UserID            string `json:"userID"`
	PlatformID        int32  `json:"platformID"`
	ExpireTimeSeconds int64  `json:"expireTimeSeconds"`
}

const ninetyDays = 90 * 24 * 3600

func TestAdminToken(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers("alice")
	r := n.PostErr("", "/auth/get_admin_token", map[string]string{"secret": "wrong", "userID": "imAdmin"}, 1002)
	if r.ErrMsg != "NoPermissionError" {
		t.Fatalf("wrong secret: errMsg %q", r.ErrMsg)
	}
	n.PostErr("", "/auth/get_admin_token", map[string]string{"userID": "imAdmin"}, 1002)
	n.PostErr("", "/auth/get_admin_token", map[string]string{"secret": adminSecret, "userID": "alice"}, 1001)

	var tok tokenResp
	n.PostOK("", "/auth/get_admin_token", map[string]string{"secret": adminSecret, "userID": "imAdmin"}, &tok)
	if tok.Token == "" || tok.ExpireTimeSeconds != ninetyDays {
		t.Fatalf("admin token = %+v", tok)
	}
	var p parsedToken
	n.PostOK("", "/auth/parse_token", map[string]string{"token": tok.Token}, &p)
	if p.UserID != "imAdmin" || p.PlatformID != 10 {
		t.Fatalf("parsed admin token = %+v", p)
	}
}

func TestUserToken(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers("alice", "bob")
	admin := n.AdminToken()
	alice := n.UserToken("alice")

	n.PostErr(alice, "/auth/get_user_token", map[string]any{"userID": "bob", "platformID": Web}, 1002)
	n.PostErr(admin, "/auth/get_user_token", map[string]any{"userID": "imAdmin", "platformID": Web}, 1002)
	n.PostErr(admin, "/auth/get_user_token", map[string]any{"userID": "bob", "platformID": 10}, 1002)
	n.PostErr(admin, "/auth/get_user_token", map[string]any{"userID": "nobody", "platformID": Web}, 1004)
	n.PostErr(admin, "/auth/get_user_token", map[string]any{"userID": "bob", "platformID": 99}, 1001)
	n.PostErr(admin, "/auth/get_user_token", map[string]any{"userID": "bob", "platformID": 0}, 1001)

	var tok tokenResp
	n.PostOK(admin, "/auth/get_user_token", map[string]any{"userID": "bob", "platformID": 7}, &tok)
	if tok.ExpireTimeSeconds != ninetyDays {
		t.Fatalf("expireTimeSeconds = %d, want the 90-day duration", tok.ExpireTimeSeconds)
	}
	// parse_token needs no token header and gives the absolute expiry.
	before := time.Now().Unix()
	var p parsedToken
	n.PostOK("", "/auth/parse_token", map[string]string{"token": tok.Token}, &p)
	if p.UserID != "bob" || p.PlatformID != 7 || p.ExpireTimeSeconds < before+ninetyDays-120 ||
		p.ExpireTimeSeconds > time.Now().Unix()+ninetyDays+5 {
		t.Fatalf("parse_token = %+v", p)
	}
	// The token works on an endpoint.
	n.PostOK(tok.Token, "/user/get_users_info", map[string]any{"userIDs": []string{"bob"}}, nil)
}

func TestTokenErrors(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers("alice")
	body := map[string]any{"userIDs": []string{"alice"}}

	foreign, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"UserID": "alice", "PlatformID": Web,
		"exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}).SignedString(randomKey(t))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		token string
		code  int
	}{
		{"signed with another key", foreign, 1505},
		{"garbage", "not-a-token", 1503},
		{"expired", signWithOfficeKey(t, n, "alice", Web, time.Now().Add(-time.Hour)), 1501},
		{"valid JWT never issued", signWithOfficeKey(t, n, "alice", Web, time.Now().Add(time.Hour)), 1507},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n.PostErr(c.token, "/user/get_users_info", body, c.code)
			n.PostErr("", "/auth/parse_token", map[string]string{"token": c.token}, c.code)
		})
	}
}

// A new token on a platform kicks the user's earlier ones there; other platforms keep theirs.
func TestMultiLoginAndForceLogout(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers("alice")
	body := map[string]any{"userIDs": []string{"alice"}}
	web1 := n.NewUserToken("alice", Web)
	linux := n.NewUserToken("alice", 7)
	web2 := n.NewUserToken("alice", Web)
	if web1 == web2 {
		t.Fatal("two logins on one platform got the same token")
	}
	n.PostErr(web1, "/user/get_users_info", body, 1506)
	n.PostOK(web2, "/user/get_users_info", body, nil)
	n.PostOK(linux, "/user/get_users_info", body, nil)

	n.PostErr(web2, "/auth/force_logout", map[string]any{"userID": "alice", "platformID": Web}, 1002)
	n.PostErr(n.AdminToken(), "/auth/force_logout", map[string]any{"userID": "alice", "platformID": 0}, 1001)
	n.PostOK(n.AdminToken(), "/auth/force_logout", map[string]any{"userID": "alice", "platformID": Web}, nil)
	n.PostErr(web2, "/user/get_users_info", body, 1506)
	n.PostErr("", "/auth/parse_token", map[string]string{"token": web2}, 1506)
	n.PostOK(linux, "/user/get_users_info", body, nil)
}

func TestEnvelopeAndTransport(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers("alice")
	tok := n.UserToken("alice")
	body := []byte(`{"userIDs":["alice"]}`)
	headers := func(kv ...string) map[string]string {
		h := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return h
	}
	envelopeOf := func(resp *http.Response, raw []byte) (Resp, error) {
		var r Resp
		if resp.StatusCode != http.StatusOK {
			return r, fmt.Errorf("HTTP %d: %s", resp.StatusCode, raw)
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return r, fmt.Errorf("envelope: %v: %s", err, raw)
		}
		return r, nil
	}
	cases := []struct {
		name   string
		header map[string]string
		body   []byte
		code   int
		detail string
	}{
		{"no operationID", headers("token", tok), body, 1001, "header must have operationID"},
		{"no token", headers("operationID", "x"), body, 1001, "header must have token"},
		{"multipart", headers("operationID", "x", "token", tok, "Content-Type", "multipart/form-data; boundary=z"),
			body, 1001, "Content-Type"},
		{"over 1 MiB", headers("operationID", "x", "token", tok),
			append(append([]byte(`{"userIDs":["`), bytes.Repeat([]byte("a"), 1<<20)...), `"]}`...), 1001, "bytes"},
		{"bad JSON", headers("operationID", "x", "token", tok), []byte(`{"userIDs":`), 1001, ""},
		{"wrong type", headers("operationID", "x", "token", tok), []byte(`{"userIDs":"alice"}`), 1001, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := envelopeOf(n.Raw(http.MethodPost, "/user/get_users_info", c.header, c.body))
			if err != nil {
				t.Fatal(err)
			}
			if r.ErrCode != c.code || !strings.Contains(r.ErrDlt, c.detail) {
				t.Fatalf("got %d %q %q, want %d with %q", r.ErrCode, r.ErrMsg, r.ErrDlt, c.code, c.detail)
			}
		})
	}
	t.Run("no Content-Type", func(t *testing.T) {
		r, err := envelopeOf(n.Raw(http.MethodPost, "/user/get_users_info", headers("operationID", "x", "token", tok), body))
		if err != nil || r.ErrCode != 0 {
			t.Fatalf("got %v %d %s", err, r.ErrCode, r.ErrDlt)
		}
	})
	t.Run("empty data is an object", func(t *testing.T) {
		r := n.PostOK(tok, "/user/update_user_info_ex", map[string]any{"userInfo": map[string]any{"userID": "alice"}}, nil)
		if string(r.Data) != "{}" {
			t.Fatalf("data = %s, want {}", r.Data)
		}
	})
	t.Run("OPTIONS", func(t *testing.T) {
		resp, _ := n.Raw(http.MethodOptions, "/friend/add_friend", headers("Origin", "http://x",
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "token,operationid"), nil)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatalf("OPTIONS: HTTP %d, allow-origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	})
	t.Run("GET", func(t *testing.T) {
		if resp, _ := n.Raw(http.MethodGet, "/user/get_users_info", headers("operationID", "x", "token", tok), nil); resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("GET: HTTP %d", resp.StatusCode)
		}
	})
	t.Run("unknown path", func(t *testing.T) {
		if resp, _ := n.Raw(http.MethodPost, "/no/such/path", headers("operationID", "x", "token", tok), body); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown path: HTTP %d", resp.StatusCode)
		}
	})
	t.Run("CORS on POST", func(t *testing.T) {
		resp, _ := n.Raw(http.MethodPost, "/user/get_users_info", headers("operationID", "x", "token", tok), body)
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatal("POST answer has no Access-Control-Allow-Origin *")
		}
	})
}

// A restart keeps users, friends and tokens (the state database and the Raft log survive).
func TestRestartKeepsState(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers("alice", "bob")
	alice, bob := n.UserToken("alice"), n.UserToken("bob")
	admin := n.AdminToken()
	n.PostOK(alice, "/friend/add_friend", map[string]any{"fromUserID": "alice", "toUserID": "bob", "reqMsg": "hi"}, nil)
	n.PostOK(bob, "/friend/add_friend_response", map[string]any{"fromUserID": "alice", "toUserID": "bob",
		"handleResult": 1}, nil)
	n.PostOK(alice, "/user/update_user_info_ex", map[string]any{"userInfo": map[string]any{"userID": "alice",
		"nickname": "Alice"}}, nil)
	var inc incrementalFriends
	n.PostOK(alice, "/friend/get_incremental_friends", map[string]any{"userID": "alice"}, &inc)

	n.Restart()

	var users usersInfo
	n.PostOK(alice, "/user/get_users_info", map[string]any{"userIDs": []string{"alice", "bob"}}, &users)
	if len(users.UsersInfo) != 2 || users.UsersInfo[0].Nickname != "Alice" {
		t.Fatalf("users after restart = %+v", users.UsersInfo)
	}
	var list friendList
	n.PostOK(bob, "/friend/get_friend_list", map[string]any{"userID": "bob", "pagination": page(1, 10)}, &list)
	if list.Total != 1 || list.FriendsInfo[0].FriendUser.UserID != "alice" {
		t.Fatalf("bob's friends after restart = %+v", list)
	}
	var again incrementalFriends
	n.PostOK(alice, "/friend/get_incremental_friends", map[string]any{"userID": "alice", "versionID": inc.VersionID,
		"version": inc.Version}, &again)
	if again.VersionID != inc.VersionID || again.Version != inc.Version || again.Full {
		t.Fatalf("friend log after restart = %+v, before %+v", again, inc)
	}
	n.PostOK(admin, "/user/get_users_info", map[string]any{"userIDs": []string{"bob"}}, nil)
	// Kicked tokens stay kicked.
	newBob := n.NewUserToken("bob", Web)
	n.Restart()
	n.PostErr(bob, "/user/get_users_info", map[string]any{"userIDs": []string{"bob"}}, 1506)
	n.PostOK(newBob, "/user/get_users_info", map[string]any{"userIDs": []string{"bob"}}, nil)
}

func randomKey(t *testing.T) []byte {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// signWithOfficeKey makes a token the office would accept the signature of, with any expiry: the
// key is read from the node's state database (read-only; the node keeps running).
func signWithOfficeKey(t *testing.T, n *Node, userID string, platformID int32, exp time.Time) string {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+n.StatePath()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var raw []byte
	if err := db.QueryRow(`SELECT value FROM meta WHERE key = 'office'`).Scan(&raw); err != nil {
		t.Fatalf("read the office key: %v", err)
	}
	var office struct {
		JWTKey []byte `json:"jwtKey"`
	}
	if err := json.Unmarshal(raw, &office); err != nil || len(office.JWTKey) == 0 {
		t.Fatalf("decode the office: %v", err)
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"UserID": userID, "PlatformID": platformID,
		"exp": exp.Unix(), "iat": exp.Add(-time.Hour).Unix()}).SignedString(office.JWTKey)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
