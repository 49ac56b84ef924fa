package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
)

// The JSON shapes the friend, user and auth tests read: upstream OpenIM's field names, declared here
// so the tests depend on the wire and not on lanim's types.

const platformWeb = 5

type pagination struct {
	PageNumber int32 `json:"pageNumber"`
	ShowNumber int32 `json:"showNumber"`
}

func page(number, show int32) pagination { return pagination{PageNumber: number, ShowNumber: show} }

type userInfo struct {
	UserID           string `json:"userID"`
	Nickname         string `json:"nickname"`
	FaceURL          string `json:"faceURL"`
	Ex               string `json:"ex"`
	CreateTime       int64  `json:"createTime"`
	AppMangerLevel   int32  `json:"appMangerLevel"`
	GlobalRecvMsgOpt int32  `json:"globalRecvMsgOpt"`
}

type publicUserInfo struct {
	UserID   string `json:"userID"`
	Nickname string `json:"nickname"`
	FaceURL  string `json:"faceURL"`
	Ex       string `json:"ex"`
}

type friendInfo struct {
	OwnerUserID    string    `json:"ownerUserID"`
	Remark         string    `json:"remark"`
	CreateTime     int64     `json:"createTime"` // seconds
	FriendUser     *userInfo `json:"friendUser"`
	AddSource      int32     `json:"addSource"`
	OperatorUserID string    `json:"operatorUserID"`
	Ex             string    `json:"ex"`
	IsPinned       bool      `json:"isPinned"`
}

type blackInfo struct {
	OwnerUserID    string          `json:"ownerUserID"`
	CreateTime     int64           `json:"createTime"` // seconds
	BlackUserInfo  *publicUserInfo `json:"blackUserInfo"`
	AddSource      int32           `json:"addSource"`
	OperatorUserID string          `json:"operatorUserID"`
	Ex             string          `json:"ex"`
}

type friendRequest struct {
	FromUserID    string `json:"fromUserID"`
	FromNickname  string `json:"fromNickname"`
	FromFaceURL   string `json:"fromFaceURL"`
	ToUserID      string `json:"toUserID"`
	ToNickname    string `json:"toNickname"`
	ToFaceURL     string `json:"toFaceURL"`
	HandleResult  int32  `json:"handleResult"`
	ReqMsg        string `json:"reqMsg"`
	CreateTime    int64  `json:"createTime"` // ms
	HandlerUserID string `json:"handlerUserID"`
	HandleMsg     string `json:"handleMsg"`
	HandleTime    int64  `json:"handleTime"` // ms
	Ex            string `json:"ex"`
}

type usersInfo struct {
	UsersInfo []*userInfo `json:"usersInfo"`
	Users     []*userInfo `json:"users"`
}

type friendList struct {
	FriendsInfo []*friendInfo `json:"friendsInfo"`
	Total       int64         `json:"total"`
}

// friendApplies is either apply list: received ones come under "FriendRequests" (capital F, as
// upstream), sent ones under "friendRequests". Decoding is case-insensitive only when no field
// matches exactly, so the two keys land in their own fields.
type friendApplies struct {
	Recv  []*friendRequest `json:"FriendRequests"`
	Sent  []*friendRequest `json:"friendRequests"`
	Total int64            `json:"total"`
}

type blackList struct {
	Blacks []*blackInfo `json:"blacks"`
	Total  int64        `json:"total"`
}

type incrementalFriends struct {
	VersionID string        `json:"versionID"`
	Version   uint64        `json:"version"`
	Full      bool          `json:"full"`
	Delete    []string      `json:"delete"`
	Insert    []*friendInfo `json:"insert"`
	Update    []*friendInfo `json:"update"`
}

type fullFriendIDs struct {
	VersionID string   `json:"versionID"`
	Version   uint64   `json:"version"`
	Equal     bool     `json:"equal"`
	UserIDs   []string `json:"userIDs"`
}

// registerProfiles registers users with the nickname "Name <id>" and the face "https://face/<id>".
func registerProfiles(t *testing.T, n *Node, ids ...string) {
	t.Helper()
	users := make([]map[string]any, len(ids))
	for i, id := range ids {
		users[i] = map[string]any{"userID": id, "nickname": "Name " + id, "faceURL": "https://face/" + id}
	}
	n.PostOK(t, "/user/user_register", n.AdminToken, map[string]any{"users": users}, nil)
}

// rawRequest sends any method with exactly the given headers and returns the response and its body.
func rawRequest(t *testing.T, n *Node, method, path string, header map[string]string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+n.APIAddr+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return resp, b
}

// fields decodes a JSON object's top-level keys.
func fields(t *testing.T, data json.RawMessage) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
	return m
}

// postRaw is PostOK that returns data as it came, for checks on the JSON itself.
func postRaw(t *testing.T, n *Node, path, token string, body any) json.RawMessage {
	t.Helper()
	var data json.RawMessage
	n.PostOK(t, path, token, body, &data)
	return data
}
