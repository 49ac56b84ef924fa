package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// getUser reads one user's profile through get_users_info.
func getUser(t *testing.T, n *Node, token, userID string) *userInfo {
	t.Helper()
	var out usersInfo
	n.PostOK(t, "/user/get_users_info", token, map[string]any{"userIDs": []string{userID}}, &out)
	if len(out.UsersInfo) != 1 {
		t.Fatalf("get_users_info %s: %d users", userID, len(out.UsersInfo))
	}
	return out.UsersInfo[0]
}

func TestGetUsersInfo(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	registerProfiles(t, n, "alice", "bob")
	alice := n.UserToken(t, "alice", platformWeb)
	var out usersInfo
	data := postRaw(t, n, "/user/get_users_info", alice, map[string]any{"userIDs": []string{"bob", "ghost", "alice"}})
	json.Unmarshal(data, &out)
	if len(out.UsersInfo) != 2 || out.UsersInfo[0].UserID != "bob" || out.UsersInfo[1].UserID != "alice" ||
		len(out.Users) != 2 || out.Users[0].UserID != "bob" {
		t.Fatalf("get_users_info = %s", data)
	}
	u := out.UsersInfo[0]
	if u.Nickname != "Name bob" || u.FaceURL != "https://face/bob" || u.CreateTime < 1e12 {
		t.Fatalf("bob = %+v", u)
	}
	// Every field is present, zero values included.
	var raw struct {
		UsersInfo []map[string]json.RawMessage `json:"usersInfo"`
	}
	json.Unmarshal(data, &raw)
	for _, k := range []string{"userID", "nickname", "faceURL", "ex", "createTime", "appMangerLevel", "globalRecvMsgOpt"} {
		if _, ok := raw.UsersInfo[0][k]; !ok {
			t.Fatalf("UserInfo lacks %q: %s", k, data)
		}
	}
	n.PostErr(t, "/user/get_users_info", alice, map[string]any{}, 1001)
	n.PostOK(t, "/user/get_users_info", alice, map[string]any{"userIDs": []string{}}, nil)
}

func TestUpdateUserInfo(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	registerProfiles(t, n, "alice", "bob")
	alice, bob := n.UserToken(t, "alice", platformWeb), n.UserToken(t, "bob", platformWeb)
	update := func(token string, info map[string]any) Envelope {
		return n.Post(t, "/user/update_user_info", token, map[string]any{"userInfo": info})
	}

	// The deprecated form writes only non-empty strings and non-zero numbers.
	if r := update(alice, map[string]any{"userID": "alice", "nickname": "Alice", "faceURL": "", "ex": "e1"}); r.ErrCode != 0 {
		t.Fatalf("update_user_info: %+v", r)
	}
	u := getUser(t, n, alice, "alice")
	if u.Nickname != "Alice" || u.FaceURL != "https://face/alice" || u.Ex != "e1" {
		t.Fatalf("after update_user_info = %+v", u)
	}

	cases := []struct {
		name  string
		token string
		info  map[string]any
		code  int
	}{
		{"another user", bob, map[string]any{"userID": "alice", "nickname": "Mallory"}, 1002},
		{"oversize nickname", alice, map[string]any{"userID": "alice", "nickname": strings.Repeat("n", 256)}, 1001},
		{"appMangerLevel by a user", alice, map[string]any{"userID": "alice", "appMangerLevel": 2}, 1002},
		{"no userID", alice, map[string]any{"nickname": "X"}, 1001},
		{"unknown user (admin)", n.AdminToken, map[string]any{"userID": "ghost", "nickname": "X"}, 1004},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if r := update(c.token, c.info); r.ErrCode != c.code {
				t.Fatalf("got %d %s, want %d", r.ErrCode, r.ErrDlt, c.code)
			}
			n.PostErr(t, "/user/update_user_info_ex", c.token, map[string]any{"userInfo": c.info}, c.code)
		})
	}
	if u := getUser(t, n, alice, "alice"); u.Nickname != "Alice" {
		t.Fatalf("a failed update changed alice: %+v", u)
	}

	// update_user_info_ex writes what is present, even empty; absent fields stay.
	n.PostOK(t, "/user/update_user_info_ex", alice, map[string]any{"userInfo": map[string]any{"userID": "alice",
		"faceURL": "", "ex": ""}}, nil)
	u = getUser(t, n, alice, "alice")
	if u.Nickname != "Alice" || u.FaceURL != "" || u.Ex != "" {
		t.Fatalf("after update_user_info_ex = %+v", u)
	}
	n.PostOK(t, "/user/update_user_info_ex", alice, map[string]any{"userInfo": map[string]any{"userID": "alice",
		"nickname": "Al", "globalRecvMsgOpt": 2}}, nil)
	if u := getUser(t, n, alice, "alice"); u.Nickname != "Al" || u.GlobalRecvMsgOpt != 2 {
		t.Fatalf("after the second update_user_info_ex = %+v", u)
	}
	// A present but empty nickname is refused: every user has a name.
	n.PostErr(t, "/user/update_user_info_ex", alice, map[string]any{"userInfo": map[string]any{"userID": "alice",
		"nickname": ""}}, 1001)
	// The admin may edit anyone.
	n.PostOK(t, "/user/update_user_info_ex", n.AdminToken, map[string]any{"userInfo": map[string]any{"userID": "bob",
		"ex": "by admin"}}, nil)
	if u := getUser(t, n, bob, "bob"); u.Ex != "by admin" {
		t.Fatalf("bob after the admin's update = %+v", u)
	}
}

func TestSetGlobalMsgRecvOpt(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	registerProfiles(t, n, "alice", "bob")
	alice := n.UserToken(t, "alice", platformWeb)
	n.PostOK(t, "/user/set_global_msg_recv_opt", alice, map[string]any{"userID": "alice", "globalRecvMsgOpt": 1}, nil)
	if u := getUser(t, n, alice, "alice"); u.GlobalRecvMsgOpt != 1 {
		t.Fatalf("globalRecvMsgOpt = %d", u.GlobalRecvMsgOpt)
	}
	// 0 is a value here, not "unchanged".
	n.PostOK(t, "/user/set_global_msg_recv_opt", alice, map[string]any{"userID": "alice", "globalRecvMsgOpt": 0}, nil)
	if u := getUser(t, n, alice, "alice"); u.GlobalRecvMsgOpt != 0 {
		t.Fatalf("globalRecvMsgOpt = %d", u.GlobalRecvMsgOpt)
	}
	n.PostErr(t, "/user/set_global_msg_recv_opt", alice, map[string]any{"userID": "alice", "globalRecvMsgOpt": 3}, 1001)
	n.PostErr(t, "/user/set_global_msg_recv_opt", alice, map[string]any{"userID": "bob", "globalRecvMsgOpt": 1}, 1002)
}

func TestGetAllUsersUID(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	registerProfiles(t, n, "u1", "u2", "u3", "u4", "u5")
	tok := n.UserToken(t, "u3", platformWeb)
	type resp struct {
		Total   int64    `json:"total"`
		UserIDs []string `json:"userIDs"`
	}
	var all []string
	for p := int32(1); p <= 3; p++ {
		var out resp
		n.PostOK(t, "/user/get_all_users_uid", tok, map[string]any{"pagination": page(p, 2)}, &out)
		if out.Total != 6 {
			t.Fatalf("total = %d, want 6 (5 users and imAdmin)", out.Total)
		}
		all = append(all, out.UserIDs...)
	}
	if want := []string{"imAdmin", "u1", "u2", "u3", "u4", "u5"}; !slices.Equal(all, want) {
		t.Fatalf("pages = %v, want %v", all, want)
	}
	data := postRaw(t, n, "/user/get_all_users_uid", tok, map[string]any{"pagination": page(4, 2)})
	past := fields(t, data)
	if string(past["userIDs"]) != "[]" || string(past["total"]) != "6" {
		t.Fatalf("page past the end = %s", data)
	}
	n.PostErr(t, "/user/get_all_users_uid", tok, map[string]any{"pagination": page(0, 2)}, 1001)
	n.PostErr(t, "/user/get_all_users_uid", tok, map[string]any{}, 1001)
}

func TestUserRegister(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	registerProfiles(t, n, "alice")
	admin := n.AdminToken
	reg := func(users ...map[string]any) map[string]any { return map[string]any{"users": users} }
	n.PostErr(t, "/user/user_register", n.UserToken(t, "alice", platformWeb), reg(map[string]any{"userID": "x", "nickname": "X"}), 1002)
	n.PostErr(t, "/user/user_register", admin, reg(map[string]any{"userID": "alice", "nickname": "A"}), 1102)
	n.PostErr(t, "/user/user_register", admin, reg(map[string]any{"userID": "a:b", "nickname": "A"}), 1001)
	n.PostErr(t, "/user/user_register", admin, reg(map[string]any{"userID": "nonick"}), 1001)
	n.PostErr(t, "/user/user_register", admin, reg(), 1001)
	n.PostErr(t, "/user/user_register", admin, reg(map[string]any{"userID": "d", "nickname": "D"},
		map[string]any{"userID": "d", "nickname": "D"}), 1001)
	n.PostErr(t, "/user/user_register", admin, reg(map[string]any{"userID": "e", "nickname": strings.Repeat("n", 256)}), 1001)
	n.PostErr(t, "/user/user_register", admin, reg(map[string]any{"userID": strings.Repeat("e", 65), "nickname": "E"}), 1001)
	n.PostErr(t, "/user/user_register", admin, reg(map[string]any{"userID": "e", "nickname": "E", "ex": strings.Repeat("x", 8193)}), 1001)
	n.PostErr(t, "/user/user_register", admin, reg(map[string]any{"userID": "e", "nickname": "E", "appMangerLevel": 5}), 1001)
	n.PostErr(t, "/user/user_register", admin, `{"users":[{"userID":"e","nickname":7}]}`, 1001)
	many := make([]map[string]any, 1001)
	for i := range many {
		many[i] = map[string]any{"userID": fmt.Sprintf("m%d", i), "nickname": "M"}
	}
	n.PostErr(t, "/user/user_register", admin, reg(many...), 1001)
	// A batch with one taken ID registers none of the others.
	n.PostErr(t, "/user/user_register", admin, reg(map[string]any{"userID": "fresh", "nickname": "F"},
		map[string]any{"userID": "alice", "nickname": "A"}), 1102)
	var out usersInfo
	n.PostOK(t, "/user/get_users_info", admin, map[string]any{"userIDs": []string{"fresh", "d", "e", "m0", "alice"}}, &out)
	if len(out.UsersInfo) != 1 || out.UsersInfo[0].Nickname != "Name alice" {
		t.Fatalf("after the failed registrations: %+v", out.UsersInfo)
	}
	n.PostOK(t, "/user/user_register", admin, reg(many[:1000]...), nil)
}

// TestUserBadInput: oversize strings, wrong types and huge arrays on the user endpoints get 1001
// and change nothing.
func TestUserBadInput(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	registerProfiles(t, n, "alice")
	alice := n.UserToken(t, "alice", platformWeb)
	ids := make([]string, 1001)
	for i := range ids {
		ids[i] = fmt.Sprintf("u%d", i)
	}
	info := func(kv ...any) map[string]any {
		m := map[string]any{"userID": "alice"}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return map[string]any{"userInfo": m}
	}
	cases := []struct {
		name, path string
		body       any
	}{
		{"get_users_info over 1000 IDs", "/user/get_users_info", map[string]any{"userIDs": ids}},
		{"get_users_info IDs not a list", "/user/get_users_info", `{"userIDs":"alice"}`},
		{"faceURL over 1024 bytes", "/user/update_user_info_ex", info("faceURL", strings.Repeat("f", 1025))},
		{"ex over 8 KiB", "/user/update_user_info_ex", info("ex", strings.Repeat("x", 8193))},
		{"ex over 8 KiB, deprecated form", "/user/update_user_info", info("ex", strings.Repeat("x", 8193))},
		{"nickname not a string", "/user/update_user_info_ex", info("nickname", 7)},
		{"globalRecvMsgOpt out of range", "/user/update_user_info_ex", info("globalRecvMsgOpt", -1)},
		{"userInfo missing", "/user/update_user_info_ex", map[string]any{}},
		{"set_global_msg_recv_opt without userID", "/user/set_global_msg_recv_opt", map[string]any{"globalRecvMsgOpt": 1}},
		{"get_all_users_uid page over 1000", "/user/get_all_users_uid", map[string]any{"pagination": page(1, 1001)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n.PostErr(t, c.path, alice, c.body, 1001)
		})
	}
	if u := getUser(t, n, alice, "alice"); u.Nickname != "Name alice" || u.FaceURL != "https://face/alice" || u.Ex != "" ||
		u.GlobalRecvMsgOpt != 0 {
		t.Fatalf("bad input changed alice: %+v", u)
	}
}

// TestUserNotifications: a profile change tells the user's devices (1303, operator → user) and,
// when the name or face changed, each user who lists them as a friend (1209), with a bump of that
// friend list's version log. A friend who was offline pulls the 1209 from its n_ stream later.
func TestUserNotifications(t *testing.T) {
	t.Parallel()
	f := startFriendNode(t)
	f.befriend("a", "b")
	f.befriend("a", "c")
	w := watchNotes(t, f.Node, f.tok, "a", "b", "d") // c is offline; d is nobody's friend
	self := map[string]string{"userID": `"a"`}
	bLog := f.incremental("b", "", 0)

	got := w.do(t, "a", "/user/update_user_info_ex", map[string]any{"userInfo": map[string]any{"userID": "a", "ex": "x"}})
	checkNotes(t, "ex only", got, map[string][]wantNote{
		"a": {{ct: 1303, conv: "n_a_a", sendID: "a", recvID: "a", tips: self}},
	})
	got = w.do(t, "a", "/user/set_global_msg_recv_opt", map[string]any{"userID": "a", "globalRecvMsgOpt": 1})
	checkNotes(t, "set_global_msg_recv_opt", got, map[string][]wantNote{
		"a": {{ct: 1303, conv: "n_a_a", sendID: "a", recvID: "a", tips: self}},
	})

	// A new name: 1303 to a, 1209 a → b in n_a_b (after the 1203 and 1201 of befriending).
	got = w.do(t, "a", "/user/update_user_info_ex", map[string]any{"userInfo": map[string]any{"userID": "a", "nickname": "Ann"}})
	checkNotes(t, "nickname", got, map[string][]wantNote{
		"a": {{ct: 1303, conv: "n_a_a", sendID: "a", recvID: "a", tips: self}},
		"b": {{ct: 1209, conv: "n_a_b", sendID: "a", recvID: "b", seq: 3, tips: self}},
	})
	// The admin changes a's face with the deprecated form: 1303 admin → a (the admin's stream with
	// a), 1209 to the friends.
	got = w.do(t, "admin", "/user/update_user_info", map[string]any{"userInfo": map[string]any{"userID": "a", "faceURL": "https://new"}})
	checkNotes(t, "faceURL by the admin", got, map[string][]wantNote{
		"a": {{ct: 1303, conv: "n_a_imAdmin", sendID: "imAdmin", recvID: "a", seq: 1, tips: self}},
		"b": {{ct: 1209, conv: "n_a_b", sendID: "a", recvID: "b", seq: 4, tips: self}},
	})

	// b's friend log lists a as updated, once, with the new profile.
	d := f.incremental("b", bLog.VersionID, bLog.Version)
	if d.Full || d.Version != bLog.Version+2 || len(d.Update) != 1 || d.Update[0].FriendUser.Nickname != "Ann" ||
		d.Update[0].FriendUser.FaceURL != "https://new" {
		t.Fatalf("b's friend log after a's changes = %+v (was at %d)", d, bLog.Version)
	}

	// c was offline: both 1209s wait in n_a_c.
	var pulled struct {
		NotificationMsgs map[string]struct {
			Msgs []struct {
				Seq         int64  `json:"seq"`
				SendID      string `json:"sendID"`
				RecvID      string `json:"recvID"`
				ContentType int32  `json:"contentType"`
			} `json:"Msgs"`
		} `json:"notificationMsgs"`
	}
	f.PostOK(t, "/msg/pull_msg_by_seq", f.tok["c"], map[string]any{"userID": "c", "seqRanges": []map[string]any{
		{"conversationID": "n_a_c", "begin": 1, "end": 100, "num": 100}}}, &pulled)
	var cts []string
	for _, m := range pulled.NotificationMsgs["n_a_c"].Msgs {
		cts = append(cts, fmt.Sprintf("%d:%d:%s>%s", m.Seq, m.ContentType, m.SendID, m.RecvID))
	}
	if want := []string{"1:1203:a>c", "2:1201:c>a", "3:1209:a>c", "4:1209:a>c"}; !slices.Equal(cts, want) {
		t.Fatalf("c pulled n_a_c = %v, want %v", cts, want)
	}
}
