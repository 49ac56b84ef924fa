package e2e

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	_ "github.com/mattn/go-sqlite3"

	"lanim/node/client"
)

type parsedToken struct {
	UserID            string `json:"userID"`
	PlatformID        int32  `json:"platformID"`
	ExpireTimeSeconds int64  `json:"expireTimeSeconds"`
}

const ninetyDays = 90 * 24 * 3600

func TestAdminToken(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	registerProfiles(t, n, "alice")
	r := n.PostErr(t, "/auth/get_admin_token", "", map[string]string{"secret": "wrong", "userID": "imAdmin"}, 1002)
	if r.ErrMsg != "NoPermissionError" {
		t.Fatalf("wrong secret: errMsg %q", r.ErrMsg)
	}
	n.PostErr(t, "/auth/get_admin_token", "", map[string]string{"userID": "imAdmin"}, 1002)
	n.PostErr(t, "/auth/get_admin_token", "", map[string]string{"secret": n.AdminSecret, "userID": "alice"}, 1001)

	var tok client.TokenResp
	n.PostOK(t, "/auth/get_admin_token", "", map[string]string{"secret": n.AdminSecret, "userID": "imAdmin"}, &tok)
	if tok.Token == "" || tok.ExpireTimeSeconds != ninetyDays {
		t.Fatalf("admin token = %+v", tok)
	}
	var p parsedToken
	n.PostOK(t, "/auth/parse_token", "", map[string]string{"token": tok.Token}, &p)
	if p.UserID != "imAdmin" || p.PlatformID != 10 {
		t.Fatalf("parsed admin token = %+v", p)
	}
}

func TestUserToken(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	registerProfiles(t, n, "alice", "bob")
	admin := n.AdminToken
	alice := n.UserToken(t, "alice", platformWeb)

	n.PostErr(t, "/auth/get_user_token", alice, map[string]any{"userID": "bob", "platformID": platformWeb}, 1002)
	n.PostErr(t, "/auth/get_user_token", admin, map[string]any{"userID": "imAdmin", "platformID": platformWeb}, 1002)
	n.PostErr(t, "/auth/get_user_token", admin, map[string]any{"userID": "bob", "platformID": 10}, 1002)
	n.PostErr(t, "/auth/get_user_token", admin, map[string]any{"userID": "nobody", "platformID": platformWeb}, 1004)
	n.PostErr(t, "/auth/get_user_token", admin, map[string]any{"userID": "bob", "platformID": 99}, 1001)
	n.PostErr(t, "/auth/get_user_token", admin, map[string]any{"userID": "bob", "platformID": 0}, 1001)

	var tok client.TokenResp
	n.PostOK(t, "/auth/get_user_token", admin, map[string]any{"userID": "bob", "platformID": 7}, &tok)
	if tok.ExpireTimeSeconds != ninetyDays {
		t.Fatalf("expireTimeSeconds = %d, want the 90-day duration", tok.ExpireTimeSeconds)
	}
	// parse_token needs no token header and gives the absolute expiry.
	before := time.Now().Unix()
	var p parsedToken
	n.PostOK(t, "/auth/parse_token", "", map[string]string{"token": tok.Token}, &p)
	if p.UserID != "bob" || p.PlatformID != 7 || p.ExpireTimeSeconds < before+ninetyDays-120 ||
		p.ExpireTimeSeconds > time.Now().Unix()+ninetyDays+5 {
		t.Fatalf("parse_token = %+v", p)
	}
	// The token works on an endpoint.
	n.PostOK(t, "/user/get_users_info", tok.Token, map[string]any{"userIDs": []string{"bob"}}, nil)

	// Upstream's JWT: HS256, claims UserID, PlatformID, exp and iat (5 s before issue), nothing of
	// nbf, iss or sub.
	header, claims := jwtParts(t, tok.Token)
	if header["alg"] != "HS256" {
		t.Fatalf("JWT header = %v", header)
	}
	iat, _ := claims["iat"].(float64)
	exp, _ := claims["exp"].(float64)
	if claims["UserID"] != "bob" || claims["PlatformID"] != float64(7) || int64(exp) != p.ExpireTimeSeconds ||
		int64(exp-iat) != ninetyDays+5 || claims["nbf"] != nil || claims["iss"] != nil || claims["sub"] != nil {
		t.Fatalf("JWT claims = %v", claims)
	}

	// Every upstream platform but Admin (10) gets user tokens.
	for platform := int32(1); platform <= 11; platform++ {
		if platform == 10 {
			continue
		}
		var tok client.TokenResp
		n.PostOK(t, "/auth/get_user_token", admin, map[string]any{"userID": "alice", "platformID": platform}, &tok)
		var p parsedToken
		n.PostOK(t, "/auth/parse_token", "", map[string]string{"token": tok.Token}, &p)
		if p.UserID != "alice" || p.PlatformID != platform {
			t.Fatalf("platform %d: parse_token = %+v", platform, p)
		}
	}

	// A system account (appMangerLevel 3 or more) gets no token.
	n.PostOK(t, "/user/user_register", admin, map[string]any{"users": []map[string]any{{"userID": "robot",
		"nickname": "Robot", "appMangerLevel": 3}}}, nil)
	n.PostErr(t, "/auth/get_user_token", admin, map[string]any{"userID": "robot", "platformID": platformWeb}, 1001)
	n.PostErr(t, "/auth/get_user_token", admin, map[string]any{"platformID": platformWeb}, 1001)
	n.PostErr(t, "/auth/get_user_token", admin, `{"userID":"bob","platformID":"5"}`, 1001)
}

// jwtParts decodes a JWT's header and claims without checking it.
func jwtParts(t *testing.T, token string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", token)
	}
	for i, out := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatalf("JWT part %d: %v", i, err)
		}
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("JWT part %d %s: %v", i, b, err)
		}
	}
	return header, claims
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	registerProfiles(t, n, "alice")
	body := map[string]any{"userIDs": []string{"alice"}}

	foreign, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"UserID": "alice", "PlatformID": platformWeb,
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
		{"expired", signWithOfficeKey(t, n, "alice", platformWeb, time.Now().Add(-time.Hour)), 1501},
		{"valid JWT never issued", signWithOfficeKey(t, n, "alice", platformWeb, time.Now().Add(time.Hour)), 1507},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n.PostErr(t, "/user/get_users_info", c.token, body, c.code)
			n.PostErr(t, "/auth/parse_token", "", map[string]string{"token": c.token}, c.code)
		})
	}
	n.PostErr(t, "/auth/parse_token", "", map[string]string{}, 1001)
}

// A new token on a platform kicks the user's earlier ones there; other platforms keep theirs.
func TestMultiLoginAndForceLogout(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	registerProfiles(t, n, "alice")
	body := map[string]any{"userIDs": []string{"alice"}}
	web1 := n.UserToken(t, "alice", platformWeb)
	linux := n.UserToken(t, "alice", 7)
	web2 := n.UserToken(t, "alice", platformWeb)
	if web1 == web2 {
		t.Fatal("two logins on one platform got the same token")
	}
	n.PostErr(t, "/user/get_users_info", web1, body, 1506)
	n.PostOK(t, "/user/get_users_info", web2, body, nil)
	n.PostOK(t, "/user/get_users_info", linux, body, nil)

	n.PostErr(t, "/auth/force_logout", web2, map[string]any{"userID": "alice", "platformID": platformWeb}, 1002)
	n.PostErr(t, "/auth/force_logout", n.AdminToken, map[string]any{"userID": "alice", "platformID": 0}, 1001)
	n.PostErr(t, "/auth/force_logout", n.AdminToken, map[string]any{"userID": "ghost", "platformID": platformWeb}, 1004)
	n.PostErr(t, "/auth/force_logout", n.AdminToken, map[string]any{"platformID": platformWeb}, 1001)
	n.PostErr(t, "/auth/force_logout", n.AdminToken, map[string]any{"userID": "alice", "platformID": 11}, 1001)
	n.PostOK(t, "/user/get_users_info", web2, body, nil) // the failed calls kicked nothing
	n.PostOK(t, "/auth/force_logout", n.AdminToken, map[string]any{"userID": "alice", "platformID": platformWeb}, nil)
	n.PostErr(t, "/user/get_users_info", web2, body, 1506)
	n.PostErr(t, "/auth/parse_token", "", map[string]string{"token": web2}, 1506)
	n.PostOK(t, "/user/get_users_info", linux, body, nil)
}

func TestEnvelopeAndTransport(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	registerProfiles(t, n, "alice")
	tok := n.UserToken(t, "alice", platformWeb)
	body := []byte(`{"userIDs":["alice"]}`)
	headers := func(kv ...string) map[string]string {
		h := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return h
	}
	envelopeOf := func(resp *http.Response, raw []byte) (Envelope, error) {
		var r Envelope
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
			r, err := envelopeOf(rawRequest(t, n, http.MethodPost, "/user/get_users_info", c.header, c.body))
			if err != nil {
				t.Fatal(err)
			}
			if r.ErrCode != c.code || !strings.Contains(r.ErrDlt, c.detail) {
				t.Fatalf("got %d %q %q, want %d with %q", r.ErrCode, r.ErrMsg, r.ErrDlt, c.code, c.detail)
			}
		})
	}
	t.Run("no Content-Type", func(t *testing.T) {
		r, err := envelopeOf(rawRequest(t, n, http.MethodPost, "/user/get_users_info", headers("operationID", "x", "token", tok), body))
		if err != nil || r.ErrCode != 0 {
			t.Fatalf("got %v %d %s", err, r.ErrCode, r.ErrDlt)
		}
	})
	t.Run("empty data is an object", func(t *testing.T) {
		data := postRaw(t, n, "/user/update_user_info_ex", tok, map[string]any{"userInfo": map[string]any{"userID": "alice"}})
		if string(data) != "{}" {
			t.Fatalf("data = %s, want {}", data)
		}
	})
	t.Run("OPTIONS", func(t *testing.T) {
		resp, raw := rawRequest(t, n, http.MethodOptions, "/friend/add_friend", headers("Origin", "http://x",
			"Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "token,operationid"), nil)
		h := resp.Header
		if resp.StatusCode != http.StatusOK || h.Get("Access-Control-Allow-Origin") != "*" ||
			h.Get("Access-Control-Allow-Headers") != "*" || h.Get("Access-Control-Allow-Methods") != "*" ||
			string(raw) != "Options Request!" {
			t.Fatalf("OPTIONS: HTTP %d, headers %v, body %q", resp.StatusCode, h, raw)
		}
	})
	t.Run("GET", func(t *testing.T) {
		if resp, _ := rawRequest(t, n, http.MethodGet, "/user/get_users_info", headers("operationID", "x", "token", tok), nil); resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("GET: HTTP %d", resp.StatusCode)
		}
	})
	t.Run("unknown path", func(t *testing.T) {
		if resp, _ := rawRequest(t, n, http.MethodPost, "/no/such/path", headers("operationID", "x", "token", tok), body); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown path: HTTP %d", resp.StatusCode)
		}
	})
	t.Run("CORS on POST", func(t *testing.T) {
		resp, _ := rawRequest(t, n, http.MethodPost, "/user/get_users_info", headers("operationID", "x", "token", tok), body)
		if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Fatal("POST answer has no Access-Control-Allow-Origin *")
		}
	})
}

// A restart keeps users, friends and tokens (the state database and the Raft log survive).
func TestRestartKeepsUsersFriendsAndTokens(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	registerProfiles(t, n, "alice", "bob")
	alice, bob := n.UserToken(t, "alice", platformWeb), n.UserToken(t, "bob", platformWeb)
	admin := n.AdminToken
	n.PostOK(t, "/friend/add_friend", alice, map[string]any{"fromUserID": "alice", "toUserID": "bob", "reqMsg": "hi"}, nil)
	n.PostOK(t, "/friend/add_friend_response", bob, map[string]any{"fromUserID": "alice", "toUserID": "bob",
		"handleResult": 1}, nil)
	n.PostOK(t, "/user/update_user_info_ex", alice, map[string]any{"userInfo": map[string]any{"userID": "alice",
		"nickname": "Alice"}}, nil)
	var inc incrementalFriends
	n.PostOK(t, "/friend/get_incremental_friends", alice, map[string]any{"userID": "alice"}, &inc)

	n.Restart(t)

	var users usersInfo
	n.PostOK(t, "/user/get_users_info", alice, map[string]any{"userIDs": []string{"alice", "bob"}}, &users)
	if len(users.UsersInfo) != 2 || users.UsersInfo[0].Nickname != "Alice" {
		t.Fatalf("users after restart = %+v", users.UsersInfo)
	}
	var list friendList
	n.PostOK(t, "/friend/get_friend_list", bob, map[string]any{"userID": "bob", "pagination": page(1, 10)}, &list)
	if list.Total != 1 || list.FriendsInfo[0].FriendUser.UserID != "alice" {
		t.Fatalf("bob's friends after restart = %+v", list)
	}
	var again incrementalFriends
	n.PostOK(t, "/friend/get_incremental_friends", alice, map[string]any{"userID": "alice", "versionID": inc.VersionID,
		"version": inc.Version}, &again)
	if again.VersionID != inc.VersionID || again.Version != inc.Version || again.Full {
		t.Fatalf("friend log after restart = %+v, before %+v", again, inc)
	}
	n.PostOK(t, "/user/get_users_info", admin, map[string]any{"userIDs": []string{"bob"}}, nil)
	// Kicked tokens stay kicked.
	newBob := n.UserToken(t, "bob", platformWeb)
	n.Restart(t)
	n.PostErr(t, "/user/get_users_info", bob, map[string]any{"userIDs": []string{"bob"}}, 1506)
	n.PostOK(t, "/user/get_users_info", newBob, map[string]any{"userIDs": []string{"bob"}}, nil)
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
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(n.DataDir, "state.db")+"?mode=ro")
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
