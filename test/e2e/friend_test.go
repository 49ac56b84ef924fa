package e2e

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"lanim/node/client"
	"lanim/node/pb"
)

// friendNode is a node with users a, b, c, d (nickname "Name <id>", face "https://face/<id>") and
// a Web token for each, plus the admin's under "admin".
type friendNode struct {
	*Node
	t   *testing.T
	tok map[string]string
}

func startFriendNode(t *testing.T) *friendNode {
	n := startNode(t)
	registerProfiles(t, n, "a", "b", "c", "d")
	f := &friendNode{Node: n, t: t, tok: map[string]string{"admin": n.AdminToken}}
	for _, id := range []string{"a", "b", "c", "d"} {
		f.tok[id] = n.UserToken(t, id, platformWeb)
	}
	return f
}

// befriend makes from and to friends through an application and its acceptance.
func (f *friendNode) befriend(from, to string) {
	f.t.Helper()
	f.PostOK(f.t, "/friend/add_friend", f.tok[from], map[string]any{"fromUserID": from, "toUserID": to, "reqMsg": "hi"}, nil)
	f.PostOK(f.t, "/friend/add_friend_response", f.tok[to], map[string]any{"fromUserID": from, "toUserID": to,
		"handleResult": 1}, nil)
}

// friends is owner's friend list, in order, checked against its total.
func (f *friendNode) friends(owner string) []string {
	f.t.Helper()
	var out friendList
	f.PostOK(f.t, "/friend/get_friend_list", f.tok[owner], map[string]any{"userID": owner, "pagination": page(1, 100)}, &out)
	if int64(len(out.FriendsInfo)) != out.Total {
		f.t.Fatalf("%s's friend list: %d entries, total %d", owner, len(out.FriendsInfo), out.Total)
	}
	return friendUserIDs(out.FriendsInfo)
}

func (f *friendNode) incremental(owner, versionID string, version uint64) incrementalFriends {
	f.t.Helper()
	var out incrementalFriends
	f.PostOK(f.t, "/friend/get_incremental_friends", f.tok[owner], map[string]any{"userID": owner, "versionID": versionID,
		"version": version}, &out)
	return out
}

func friendUserIDs(list []*friendInfo) []string {
	ids := []string{}
	for _, f := range list {
		ids = append(ids, f.FriendUser.UserID)
	}
	return ids
}

func TestFriendApplications(t *testing.T) {
	t.Parallel()
	f := startFriendNode(t)
	a, b, c := f.tok["a"], f.tok["b"], f.tok["c"]
	add := func(from, to string) map[string]any {
		return map[string]any{"fromUserID": from, "toUserID": to, "reqMsg": "hello from " + from, "ex": "x"}
	}
	start := time.Now().UnixMilli()

	t.Run("add_friend errors", func(t *testing.T) {
		f.PostErr(t, "/friend/add_friend", c, add("a", "b"), 1002)
		f.PostErr(t, "/friend/add_friend", a, add("a", "a"), 1301)
		f.PostErr(t, "/friend/add_friend", a, add("a", "ghost"), 1004)
		f.PostErr(t, "/friend/add_friend", a, map[string]any{"fromUserID": "a"}, 1001)
		f.PostErr(t, "/friend/add_friend", a, map[string]any{"fromUserID": "a", "toUserID": 7}, 1001)
	})
	f.PostOK(t, "/friend/add_friend", a, add("a", "b"), nil)
	f.PostOK(t, "/friend/add_friend", c, add("c", "b"), nil)

	// The 1203 effect: b sees both applications, newest first, under "FriendRequests".
	data := postRaw(t, f.Node, "/friend/get_friend_apply_list", b, map[string]any{"userID": "b", "pagination": page(1, 10)})
	if _, ok := fields(t, data)["FriendRequests"]; !ok {
		t.Fatalf("get_friend_apply_list has no FriendRequests key: %s", data)
	}
	requireKeys(t, data, "FriendRequests", 0, "fromUserID", "fromNickname", "fromFaceURL", "toUserID", "toNickname",
		"toFaceURL", "handleResult", "reqMsg", "createTime", "handlerUserID", "handleMsg", "handleTime", "ex")
	var recv friendApplies
	json.Unmarshal(data, &recv)
	if recv.Total != 2 || len(recv.Recv) != 2 || recv.Recv[0].FromUserID != "c" || recv.Recv[1].FromUserID != "a" {
		t.Fatalf("b's applications = %s", data)
	}
	req := recv.Recv[1]
	if req.FromNickname != "Name a" || req.FromFaceURL != "https://face/a" || req.ToUserID != "b" ||
		req.ToNickname != "Name b" || req.ToFaceURL != "https://face/b" || req.ReqMsg != "hello from a" || req.Ex != "x" ||
		req.HandleResult != 0 || req.HandleTime != 0 || req.CreateTime < start || req.CreateTime > time.Now().UnixMilli() {
		t.Fatalf("a's application = %+v", req)
	}
	// Paging.
	var p2 friendApplies
	f.PostOK(t, "/friend/get_friend_apply_list", b, map[string]any{"userID": "b", "pagination": page(2, 1)}, &p2)
	if p2.Total != 2 || len(p2.Recv) != 1 || p2.Recv[0].FromUserID != "a" {
		t.Fatalf("page 2 = %+v", p2)
	}
	f.PostErr(t, "/friend/get_friend_apply_list", c, map[string]any{"userID": "b", "pagination": page(1, 10)}, 1002)
	f.PostErr(t, "/friend/get_friend_apply_list", b, map[string]any{"userID": "b"}, 1001)

	// a sees its own application under "friendRequests".
	data = postRaw(t, f.Node, "/friend/get_self_friend_apply_list", a, map[string]any{"userID": "a", "pagination": page(1, 10)})
	var sent friendApplies
	json.Unmarshal(data, &sent)
	if sent.Total != 1 || len(sent.Sent) != 1 || sent.Sent[0].ToUserID != "b" {
		t.Fatalf("a's sent applications = %s", data)
	}
	f.PostErr(t, "/friend/get_self_friend_apply_list", b, map[string]any{"userID": "a", "pagination": page(1, 10)}, 1002)

	// get_designated_friend_apply matches both directions.
	for _, q := range []map[string]any{{"fromUserID": "a", "toUserID": "b"}, {"fromUserID": "b", "toUserID": "a"}} {
		var out struct {
			FriendRequests []*friendRequest `json:"friendRequests"`
		}
		f.PostOK(t, "/friend/get_designated_friend_apply", a, q, &out)
		if len(out.FriendRequests) != 1 || out.FriendRequests[0].FromUserID != "a" {
			t.Fatalf("designated apply %v = %+v", q, out.FriendRequests)
		}
	}
	f.PostErr(t, "/friend/get_designated_friend_apply", c, map[string]any{"fromUserID": "a", "toUserID": "b"}, 1002)

	t.Run("add_friend_response errors", func(t *testing.T) {
		f.PostErr(t, "/friend/add_friend_response", a, map[string]any{"fromUserID": "a", "toUserID": "b", "handleResult": 1}, 1002)
		f.PostErr(t, "/friend/add_friend_response", b, map[string]any{"fromUserID": "a", "toUserID": "b", "handleResult": 2}, 1001)
		f.PostErr(t, "/friend/add_friend_response", b, map[string]any{"fromUserID": "d", "toUserID": "b", "handleResult": 1}, 1004)
	})
	f.PostOK(t, "/friend/add_friend_response", b, map[string]any{"fromUserID": "a", "toUserID": "b", "handleResult": 1,
		"handleMsg": "welcome"}, nil)
	f.PostOK(t, "/friend/add_friend_response", b, map[string]any{"fromUserID": "c", "toUserID": "b", "handleResult": -1,
		"handleMsg": "no"}, nil)
	r := f.PostErr(t, "/friend/add_friend_response", b, map[string]any{"fromUserID": "a", "toUserID": "b", "handleResult": 1}, 1001)
	if r.ErrDlt != "the friend request has been processed" {
		t.Fatalf("second agree: %q", r.ErrDlt)
	}
	f.PostErr(t, "/friend/add_friend_response", b, map[string]any{"fromUserID": "c", "toUserID": "b", "handleResult": -1}, 1305)
	f.PostErr(t, "/friend/add_friend_response", b, map[string]any{"fromUserID": "a", "toUserID": "b", "handleResult": -1}, 1305)

	// The answers show in the lists; handleResults filters.
	for _, c := range []struct {
		results []int32
		from    []string
	}{{[]int32{1}, []string{"a"}}, {[]int32{-1}, []string{"c"}}, {[]int32{0}, nil}, {[]int32{1, -1}, []string{"c", "a"}}} {
		var out friendApplies
		f.PostOK(t, "/friend/get_friend_apply_list", b, map[string]any{"userID": "b", "pagination": page(1, 10),
			"handleResults": c.results}, &out)
		var from []string
		for _, r := range out.Recv {
			from = append(from, r.FromUserID)
			if r.HandleResult == 1 && (r.HandlerUserID != "b" || r.HandleMsg != "welcome" || r.HandleTime < start) {
				t.Fatalf("agreed request = %+v", r)
			}
		}
		if !slices.Equal(from, c.from) || out.Total != int64(len(c.from)) {
			t.Fatalf("handleResults %v: %v (total %d), want %v", c.results, from, out.Total, c.from)
		}
	}

	// Agreement made the friendship both ways (addSource 2, createTime in seconds, full profile).
	var list friendList
	data = postRaw(t, f.Node, "/friend/get_friend_list", a, map[string]any{"userID": "a", "pagination": page(1, 10)})
	requireKeys(t, data, "friendsInfo", 0, "ownerUserID", "remark", "createTime", "friendUser", "addSource",
		"operatorUserID", "ex", "isPinned")
	json.Unmarshal(data, &list)
	if list.Total != 1 || len(list.FriendsInfo) != 1 {
		t.Fatalf("a's friends = %+v", list)
	}
	fi := list.FriendsInfo[0]
	if fi.OwnerUserID != "a" || fi.FriendUser.UserID != "b" || fi.FriendUser.Nickname != "Name b" ||
		fi.FriendUser.FaceURL != "https://face/b" || fi.FriendUser.CreateTime < 1e12 || fi.AddSource != 2 ||
		fi.CreateTime < start/1000-1 || fi.CreateTime > time.Now().Unix() || fi.OperatorUserID != "b" {
		t.Fatalf("a's friend b = %+v", fi)
	}
	if got := f.friends("b"); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("b's friends = %v", got)
	}
	f.PostErr(t, "/friend/add_friend", a, add("a", "b"), 1304)
	f.PostErr(t, "/friend/get_friend_list", a, map[string]any{"userID": "b", "pagination": page(1, 10)}, 1002)
	f.PostErr(t, "/friend/get_friend_list", a, map[string]any{"userID": "a", "pagination": page(1, 0)}, 1001)
}

func TestIsFriend(t *testing.T) {
	t.Parallel()
	f := startFriendNode(t)
	f.befriend("a", "b")
	f.PostOK(t, "/friend/delete_friend", f.tok["b"], map[string]any{"ownerUserID": "b", "friendUserID": "a"}, nil)
	cases := []struct {
		caller, u1, u2 string
		in1, in2       string
	}{
		{"a", "a", "b", "true", "false"},
		{"b", "a", "b", "true", "false"},
		{"a", "b", "a", "false", "true"},
		{"a", "a", "c", "false", "false"},
		{"admin", "a", "b", "true", "false"},
	}
	for _, c := range cases {
		data := postRaw(t, f.Node, "/friend/is_friend", f.tok[c.caller], map[string]any{"userID1": c.u1, "userID2": c.u2})
		m := fields(t, data)
		if string(m["inUser1Friends"]) != c.in1 || string(m["inUser2Friends"]) != c.in2 {
			t.Fatalf("is_friend(%s, %s) by %s = %s", c.u1, c.u2, c.caller, data)
		}
	}
	f.PostErr(t, "/friend/is_friend", f.tok["c"], map[string]any{"userID1": "a", "userID2": "b"}, 1002)
	f.PostErr(t, "/friend/is_friend", f.tok["a"], map[string]any{"userID1": "a"}, 1001)
}

func TestFriendListChanges(t *testing.T) {
	t.Parallel()
	f := startFriendNode(t)
	a := f.tok["a"]
	f.befriend("a", "b")
	f.befriend("c", "a")
	f.befriend("a", "d")

	// set_friend_remark: only for a friend; empty clears.
	f.PostErr(t, "/friend/set_friend_remark", a, map[string]any{"ownerUserID": "a", "friendUserID": "ghost", "remark": "x"}, 1004)
	f.PostErr(t, "/friend/set_friend_remark", f.tok["b"], map[string]any{"ownerUserID": "a", "friendUserID": "b", "remark": "x"}, 1002)
	f.PostOK(t, "/friend/set_friend_remark", a, map[string]any{"ownerUserID": "a", "friendUserID": "b", "remark": "Bee"}, nil)

	// get_designated_friends: requested order, non-friends left out, duplicates refused.
	var des friendList
	f.PostOK(t, "/friend/get_designated_friends", a, map[string]any{"ownerUserID": "a",
		"friendUserIDs": []string{"d", "ghost", "b"}}, &des)
	if got := friendUserIDs(des.FriendsInfo); !slices.Equal(got, []string{"d", "b"}) || des.FriendsInfo[1].Remark != "Bee" {
		t.Fatalf("designated friends = %v", got)
	}
	f.PostErr(t, "/friend/get_designated_friends", a, map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"b", "b"}}, 1001)
	f.PostErr(t, "/friend/get_designated_friends", f.tok["c"], map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"b"}}, 1002)

	// update_friends: pinned first, then the order added.
	if got := f.friends("a"); !slices.Equal(got, []string{"b", "c", "d"}) {
		t.Fatalf("a's friends = %v", got)
	}
	f.PostOK(t, "/friend/update_friends", a, map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"d"},
		"isPinned": true, "ex": "top"}, nil)
	var list friendList
	f.PostOK(t, "/friend/get_friend_list", a, map[string]any{"userID": "a", "pagination": page(1, 10)}, &list)
	if got := friendUserIDs(list.FriendsInfo); !slices.Equal(got, []string{"d", "b", "c"}) || !list.FriendsInfo[0].IsPinned ||
		list.FriendsInfo[0].Ex != "top" {
		t.Fatalf("after pinning d: %v", got)
	}
	f.PostErr(t, "/friend/update_friends", a, map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"d"}}, 1001)
	f.PostErr(t, "/friend/update_friends", a, map[string]any{"ownerUserID": "a", "friendUserIDs": []string{}, "isPinned": true}, 1001)
	f.PostErr(t, "/friend/update_friends", a, map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"d", "d"}, "isPinned": true}, 1001)
	f.PostErr(t, "/friend/update_friends", a, map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"ghost"}, "isPinned": true}, 1004)
	f.PostErr(t, "/friend/update_friends", f.tok["b"], map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"d"}, "isPinned": true}, 1002)

	// delete_friend is one-sided, and deleting a non-friend succeeds.
	f.PostErr(t, "/friend/delete_friend", f.tok["b"], map[string]any{"ownerUserID": "a", "friendUserID": "c"}, 1002)
	f.PostOK(t, "/friend/delete_friend", a, map[string]any{"ownerUserID": "a", "friendUserID": "c"}, nil)
	f.PostOK(t, "/friend/delete_friend", a, map[string]any{"ownerUserID": "a", "friendUserID": "c"}, nil)
	if got := f.friends("a"); !slices.Equal(got, []string{"d", "b"}) {
		t.Fatalf("a's friends after delete = %v", got)
	}
	if got := f.friends("c"); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("c's friends after a deleted c = %v", got)
	}
	f.PostErr(t, "/friend/delete_friend", a, map[string]any{"ownerUserID": "a"}, 1001)

	// get_full_friend_user_ids.
	var full fullFriendIDs
	f.PostOK(t, "/friend/get_full_friend_user_ids", a, map[string]any{"userID": "a", "idHash": 0}, &full)
	if !slices.Equal(full.UserIDs, []string{"d", "b"}) || full.VersionID == "" || full.Version == 0 || full.Equal {
		t.Fatalf("full friend IDs = %+v", full)
	}
	// With the hash of the list it has, the client gets equal and no IDs (an empty list, not null).
	data := postRaw(t, f.Node, "/friend/get_full_friend_user_ids", a, map[string]any{"userID": "a", "idHash": idHash([]string{"d", "b"})})
	if m := fields(t, data); string(m["equal"]) != "true" || string(m["userIDs"]) != "[]" || string(m["version"]) != fmt.Sprint(full.Version) {
		t.Fatalf("full friend IDs with the current hash = %s", data)
	}
	f.PostErr(t, "/friend/get_full_friend_user_ids", f.tok["b"], map[string]any{"userID": "a"}, 1002)
}

func TestImportFriend(t *testing.T) {
	t.Parallel()
	f := startFriendNode(t)
	admin := f.tok["admin"]
	f.PostErr(t, "/friend/import_friend", f.tok["a"], map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"b"}}, 1002)
	f.PostErr(t, "/friend/import_friend", admin, map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"a"}}, 1301)
	f.PostErr(t, "/friend/import_friend", admin, map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"b", "ghost"}}, 1004)
	f.PostErr(t, "/friend/import_friend", admin, map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"b", "b"}}, 1001)
	f.PostErr(t, "/friend/import_friend", admin, map[string]any{"ownerUserID": "a"}, 1001)
	if got := f.friends("a"); len(got) != 0 {
		t.Fatalf("a failed import left friends %v", got)
	}
	f.PostOK(t, "/friend/import_friend", admin, map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"b", "c"}}, nil)
	if got := f.friends("a"); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("a's friends = %v", got)
	}
	var list friendList
	f.PostOK(t, "/friend/get_friend_list", f.tok["c"], map[string]any{"userID": "c", "pagination": page(1, 10)}, &list)
	if len(list.FriendsInfo) != 1 || list.FriendsInfo[0].FriendUser.UserID != "a" || list.FriendsInfo[0].AddSource != 1 ||
		list.FriendsInfo[0].OperatorUserID != "imAdmin" {
		t.Fatalf("c's friends = %+v", list.FriendsInfo)
	}
	// Importing again is harmless.
	f.PostOK(t, "/friend/import_friend", admin, map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"b"}}, nil)
}

var versionIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

func TestIncrementalFriends(t *testing.T) {
	t.Parallel()
	f := startFriendNode(t)
	// A user with no friends: a stable, non-empty versionID at version 0, full on the first sync.
	first := f.incremental("a", "", 0)
	if !versionIDPattern.MatchString(first.VersionID) || first.Version != 0 || !first.Full || len(first.Insert) != 0 {
		t.Fatalf("first sync = %+v", first)
	}
	if again := f.incremental("a", "", 0); again.VersionID != first.VersionID {
		t.Fatalf("versionID changed between reads: %s, %s", first.VersionID, again.VersionID)
	}
	data := postRaw(t, f.Node, "/friend/get_incremental_friends", f.tok["a"], map[string]any{"userID": "a", "versionID": first.VersionID,
		"version": 0})
	for _, k := range []string{"versionID", "version", "full", "delete", "insert", "update"} {
		if _, ok := fields(t, data)[k]; !ok {
			t.Fatalf("get_incremental_friends lacks %q: %s", k, data)
		}
	}

	f.befriend("a", "b") // a's log: 1 insert b
	// Version 0 of the log's own ID is a real position: the first friend comes as an insert, which
	// is how the JS SDK (syncing with its first answer, version 0) fires OnFriendAdded.
	v1 := f.incremental("a", first.VersionID, 0)
	if v1.VersionID != first.VersionID || v1.Version != 1 || v1.Full || len(v1.Insert) != 1 {
		t.Fatalf("after the first friend = %+v (the empty log's ID was %s)", v1, first.VersionID)
	}
	// Same version: nothing to do.
	if same := f.incremental("a", v1.VersionID, 1); same.Full || len(same.Insert) != 0 || len(same.Update) != 0 || len(same.Delete) != 0 {
		t.Fatalf("same version = %+v", same)
	}

	// a's log: 2 insert c, 3 update b (remark), 4 insert d, 5 delete d, 6 update c (c renamed); d's
	// rename changes nothing for a, who no longer lists d.
	f.befriend("c", "a")
	f.PostOK(t, "/friend/set_friend_remark", f.tok["a"], map[string]any{"ownerUserID": "a", "friendUserID": "b", "remark": "B"}, nil)
	f.befriend("a", "d")
	f.PostOK(t, "/friend/delete_friend", f.tok["a"], map[string]any{"ownerUserID": "a", "friendUserID": "d"}, nil)
	f.PostOK(t, "/user/update_user_info_ex", f.tok["d"], map[string]any{"userInfo": map[string]any{"userID": "d", "nickname": "D"}}, nil)
	f.PostOK(t, "/user/update_user_info_ex", f.tok["c"], map[string]any{"userInfo": map[string]any{"userID": "c", "nickname": "Cee"}}, nil)

	// c was added after version 1, so it is new to this client although it changed since.
	d := f.incremental("a", v1.VersionID, 1)
	if d.Full || d.Version != 6 || d.VersionID != first.VersionID || !slices.Equal(d.Delete, []string{"d"}) ||
		!slices.Equal(friendUserIDs(d.Update), []string{"b"}) || !slices.Equal(friendUserIDs(d.Insert), []string{"c"}) {
		t.Fatalf("diff since 1 = %+v (insert %v update %v)", d, friendUserIDs(d.Insert), friendUserIDs(d.Update))
	}
	if d.Update[0].Remark != "B" || d.Insert[0].FriendUser.Nickname != "Cee" {
		t.Fatalf("entries = %+v, %+v", d.Update[0], d.Insert[0])
	}
	d = f.incremental("a", v1.VersionID, 3)
	if !slices.Equal(d.Delete, []string{"d"}) || !slices.Equal(friendUserIDs(d.Update), []string{"c"}) || len(d.Insert) != 0 {
		t.Fatalf("diff since 3 = %+v", d)
	}
	f.befriend("a", "d") // 7 insert d
	d = f.incremental("a", v1.VersionID, 6)
	if d.Version != 7 || !slices.Equal(friendUserIDs(d.Insert), []string{"d"}) || len(d.Delete) != 0 ||
		d.Insert[0].FriendUser.Nickname != "D" {
		t.Fatalf("diff since 6 = %+v", d)
	}
	// Another log's ID, or one from nowhere: full.
	other := f.incremental("b", "", 0)
	if d := f.incremental("a", other.VersionID, 1); !d.Full || len(d.Insert) != 0 {
		t.Fatalf("foreign versionID = %+v", d)
	}
	// A version the log never reached (another node's future, a corrupted client cache): full.
	if d := f.incremental("a", v1.VersionID, 99); !d.Full || d.Version != 7 || len(d.Insert) != 0 || len(d.Delete) != 0 {
		t.Fatalf("version ahead of the log = %+v", d)
	}
	f.PostErr(t, "/friend/get_incremental_friends", f.tok["b"], map[string]any{"userID": "a", "version": 0}, 1002)
	f.PostOK(t, "/friend/get_incremental_friends", f.tok["admin"], map[string]any{"userID": "a", "version": 0}, nil)
}

func TestBlackList(t *testing.T) {
	t.Parallel()
	f := startFriendNode(t)
	a := f.tok["a"]
	f.befriend("a", "b")
	start := time.Now().Unix()
	f.PostErr(t, "/friend/add_black", f.tok["c"], map[string]any{"ownerUserID": "a", "blackUserID": "b"}, 1002)
	f.PostErr(t, "/friend/add_black", a, map[string]any{"ownerUserID": "a", "blackUserID": "a"}, 1001)
	f.PostErr(t, "/friend/add_black", a, map[string]any{"ownerUserID": "a", "blackUserID": "ghost"}, 1004)
	f.PostErr(t, "/friend/add_black", a, map[string]any{"ownerUserID": "a"}, 1001)
	f.PostOK(t, "/friend/add_black", a, map[string]any{"ownerUserID": "a", "blackUserID": "b", "ex": "why"}, nil)
	f.PostOK(t, "/friend/add_black", a, map[string]any{"ownerUserID": "a", "blackUserID": "c"}, nil)
	r := f.PostErr(t, "/friend/add_black", a, map[string]any{"ownerUserID": "a", "blackUserID": "b"}, 1003)
	if r.ErrMsg != "DuplicateKeyError" || r.ErrDlt == "" {
		t.Fatalf("duplicate block: %+v", r)
	}

	var list blackList
	data := postRaw(t, f.Node, "/friend/get_black_list", a, map[string]any{"userID": "a", "pagination": page(1, 10)})
	requireKeys(t, data, "blacks", 0, "ownerUserID", "createTime", "blackUserInfo", "addSource", "operatorUserID", "ex")
	json.Unmarshal(data, &list)
	if list.Total != 2 || len(list.Blacks) != 2 {
		t.Fatalf("black list = %s", data)
	}
	bi := list.Blacks[0]
	if bi.OwnerUserID != "a" || bi.BlackUserInfo.UserID != "b" || bi.BlackUserInfo.Nickname != "Name b" ||
		bi.BlackUserInfo.FaceURL != "https://face/b" || bi.Ex != "why" || bi.OperatorUserID != "a" ||
		bi.CreateTime < start-1 || bi.CreateTime > time.Now().Unix() || list.Blacks[1].BlackUserInfo.UserID != "c" {
		t.Fatalf("black list = %s", data)
	}
	var pageTwo blackList
	f.PostOK(t, "/friend/get_black_list", a, map[string]any{"userID": "a", "pagination": page(2, 1)}, &pageTwo)
	if pageTwo.Total != 2 || len(pageTwo.Blacks) != 1 || pageTwo.Blacks[0].BlackUserInfo.UserID != "c" {
		t.Fatalf("page 2 = %+v", pageTwo)
	}
	f.PostErr(t, "/friend/get_black_list", f.tok["b"], map[string]any{"userID": "a", "pagination": page(1, 10)}, 1002)

	var spec blackList
	f.PostOK(t, "/friend/get_specified_blacks", a, map[string]any{"ownerUserID": "a", "userIDList": []string{"c", "d"}}, &spec)
	if len(spec.Blacks) != 1 || spec.Blacks[0].BlackUserInfo.UserID != "c" {
		t.Fatalf("specified blacks = %+v", spec)
	}
	f.PostErr(t, "/friend/get_specified_blacks", f.tok["b"], map[string]any{"ownerUserID": "a", "userIDList": []string{"b"}}, 1002)
	f.PostErr(t, "/friend/get_specified_blacks", a, map[string]any{"ownerUserID": "a", "userIDList": []string{"b", "b"}}, 1001)

	// Blocking leaves the friendship.
	if got := f.friends("a"); !slices.Equal(got, []string{"b"}) {
		t.Fatalf("a's friends after blocking b = %v", got)
	}
	f.PostErr(t, "/friend/remove_black", f.tok["b"], map[string]any{"ownerUserID": "a", "blackUserID": "b"}, 1002)
	f.PostOK(t, "/friend/remove_black", a, map[string]any{"ownerUserID": "a", "blackUserID": "b"}, nil)
	f.PostOK(t, "/friend/remove_black", a, map[string]any{"ownerUserID": "a", "blackUserID": "b"}, nil)
	f.PostOK(t, "/friend/get_black_list", a, map[string]any{"userID": "a", "pagination": page(1, 10)}, &list)
	if list.Total != 1 || list.Blacks[0].BlackUserInfo.UserID != "c" {
		t.Fatalf("black list after remove = %+v", list)
	}
	// The entry can be added again after removal.
	f.PostOK(t, "/friend/add_black", a, map[string]any{"ownerUserID": "a", "blackUserID": "b"}, nil)
}

// note is one notification a user received over WebSocket: the push's operationID, the
// conversation it came in (an n_ stream, or the chat for a copy), the message and its tips.
type note struct {
	opID string
	conv string
	msg  *pb.MsgData
	tips map[string]json.RawMessage
}

// noteWatch keeps a WebSocket connection per user, so a test sees exactly which notifications a
// command pushed to whom.
type noteWatch struct {
	n     *Node
	tok   map[string]string
	conns map[string]*client.Conn
	seq   int
}

// watchNotes logs each user in over WebSocket (platform Web, with their token in tok).
func watchNotes(t *testing.T, n *Node, tok map[string]string, users ...string) *noteWatch {
	t.Helper()
	w := &noteWatch{n: n, tok: tok, conns: map[string]*client.Conn{}}
	for _, u := range users {
		w.conns[u] = wsDial(t, n, u, platformWeb, tok[u], client.DialOptions{})
	}
	return w
}

// do posts as caller with a known operationID, fails unless errCode is 0, and returns what each
// watched user received from that command. Each user then sets their own globalRecvMsgOpt to 0,
// which pushes 1303 to them alone: pushes arrive in commit order, so everything the command sent
// a user came before that barrier, and a user who got nothing before it was not a recipient.
func (w *noteWatch) do(t *testing.T, caller, path string, body any) map[string][]note {
	t.Helper()
	w.seq++
	opID := fmt.Sprintf("op-%d-%s", w.seq, path)
	if env := postOp(t, w.n, opID, path, w.tok[caller], body); env.ErrCode != 0 {
		t.Fatalf("POST %s: %d %s %s", path, env.ErrCode, env.ErrMsg, env.ErrDlt)
	}
	got := map[string][]note{}
	for u, c := range w.conns {
		barrier := fmt.Sprintf("barrier-%d-%s", w.seq, u)
		if env := postOp(t, w.n, barrier, "/user/set_global_msg_recv_opt", w.tok[u],
			map[string]any{"userID": u, "globalRecvMsgOpt": 0}); env.ErrCode != 0 {
			t.Fatalf("barrier for %s: %d %s", u, env.ErrCode, env.ErrDlt)
		}
		for done := false; !done; {
			p := wsPush(t, c)
			if p.Msgs == nil {
				t.Fatalf("%s got push %d while waiting for notifications", u, p.ReqIdentifier)
			}
			for _, m := range []map[string]*pb.PullMsgs{p.Msgs.NotificationMsgs, p.Msgs.Msgs} {
				for conv, msgs := range m {
					for _, msg := range msgs.GetMsgs() {
						switch p.OperationID {
						case barrier:
							done = true
						case opID:
							got[u] = append(got[u], note{opID: p.OperationID, conv: conv, msg: msg, tips: tipsJSON(t, msg)})
						default:
							t.Fatalf("%s got a push of operation %q (ct %d) while waiting for %s", u, p.OperationID,
								msg.ContentType, opID)
						}
					}
				}
			}
		}
	}
	return got
}

// tipsDetail returns a notification's tips JSON: its content is {"detail": "<tips JSON>"}.
func tipsDetail(t *testing.T, contentType int32, content []byte) []byte {
	t.Helper()
	var c struct {
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(content, &c); err != nil || c.Detail == "" {
		t.Fatalf("notification %d content %q: %v", contentType, content, err)
	}
	return []byte(c.Detail)
}

// tipsJSON decodes a notification's tips into their keys.
func tipsJSON(t *testing.T, msg *pb.MsgData) map[string]json.RawMessage {
	t.Helper()
	detail := tipsDetail(t, msg.ContentType, msg.Content)
	var tips map[string]json.RawMessage
	if err := json.Unmarshal(detail, &tips); err != nil {
		t.Fatalf("notification %d detail %q: %v", msg.ContentType, detail, err)
	}
	return tips
}

// postOp is Post with a chosen operationID: the node pushes a command's notifications with it.
func postOp(t *testing.T, n *Node, opID, path, token string, body any) Envelope {
	t.Helper()
	payload, err := encodeBody(body)
	if err != nil {
		t.Fatal(err)
	}
	resp, raw := rawRequest(t, n, http.MethodPost, path, map[string]string{"Content-Type": "application/json",
		"operationID": opID, "token": token}, payload)
	var env Envelope
	if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &env) != nil {
		t.Fatalf("POST %s: HTTP %d %s", path, resp.StatusCode, raw)
	}
	return env
}

// wantNote is what a test expects of one received notification; tips lists keys and their JSON.
// seq 0 means any stored seq: the barriers store 1303s in each user's own stream (n_<u>_<u>).
type wantNote struct {
	ct             int32
	conv           string
	sendID, recvID string
	seq            int64
	tips           map[string]string
}

// tipsKeys are the JSON keys of each notification's tips (openim-wire.md 3.3), sorted: every
// field is present, and there is nothing else.
var tipsKeys = map[int32][]string{
	1201: {"friendVersion", "friendVersionID", "fromToUserID", "handleMsg", "request"},
	1202: {"fromToUserID", "handleMsg", "request"},
	1203: {"fromToUserID", "request"},
	1204: {"friend", "friendVersion", "friendVersionID", "opUser", "operationTime"},
	1205: {"friendVersion", "friendVersionID", "fromToUserID"},
	1206: {"friendSortVersion", "friendVersion", "friendVersionID", "fromToUserID"},
	1207: {"fromToUserID"},
	1208: {"fromToUserID"},
	1209: {"userID"},
	1210: {"friendIDs", "friendVersion", "friendVersionID", "fromToUserID"},
	1303: {"userID"},
}

// checkNotes compares what each watched user received with want (users not in want must have
// received nothing). Every notification must be a system message with every tips key in want.
func checkNotes(t *testing.T, step string, got map[string][]note, want map[string][]wantNote) {
	t.Helper()
	for u, notes := range got {
		if len(notes) != len(want[u]) {
			t.Fatalf("%s: %s received %s, want %d notifications", step, u, describeNotes(notes), len(want[u]))
		}
	}
	for u, ws := range want {
		if len(got[u]) != len(ws) {
			t.Fatalf("%s: %s received %s, want %d notifications", step, u, describeNotes(got[u]), len(ws))
		}
		for i, w := range ws {
			n := got[u][i]
			m := n.msg
			seqOK := m.Seq == w.seq || w.seq == 0 && m.Seq > 0
			if m.ContentType != w.ct || n.conv != w.conv || m.SendID != w.sendID || m.RecvID != w.recvID ||
				!seqOK || m.MsgFrom != 200 || m.SessionType != 1 {
				t.Fatalf("%s: %s's notification %d = ct %d in %s %s→%s seq %d msgFrom %d sessionType %d; want ct %d in %s %s→%s seq %d",
					step, u, i, m.ContentType, n.conv, m.SendID, m.RecvID, m.Seq, m.MsgFrom, m.SessionType,
					w.ct, w.conv, w.sendID, w.recvID, w.seq)
			}
			if keys, ok := tipsKeys[w.ct]; ok {
				var have []string
				for k := range n.tips {
					have = append(have, k)
				}
				slices.Sort(have)
				if !slices.Equal(have, keys) {
					t.Fatalf("%s: %s's %d tips keys %v, want upstream's %v", step, u, w.ct, have, keys)
				}
			}
			for k, v := range w.tips {
				if got := compactJSON(t, n.tips[k]); got != v {
					t.Fatalf("%s: %s's %d tips %q = %s, want %s (tips %v)", step, u, w.ct, k, got, v, describeTips(n.tips))
				}
			}
		}
	}
}

func describeNotes(notes []note) string {
	var parts []string
	for _, n := range notes {
		parts = append(parts, fmt.Sprintf("%d@%s/%d", n.msg.ContentType, n.conv, n.msg.Seq))
	}
	return fmt.Sprint(parts)
}

func describeTips(tips map[string]json.RawMessage) string {
	b, _ := json.Marshal(tips)
	return string(b)
}

// compactJSON is raw JSON without insignificant space ("<absent>" for a missing key).
func compactJSON(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	if raw == nil {
		return "<absent>"
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		t.Fatalf("tips value %s: %v", raw, err)
	}
	return b.String()
}

// jsonField is the compact JSON of one key of a JSON object.
func jsonField(t *testing.T, raw json.RawMessage, key string) string {
	t.Helper()
	return compactJSON(t, fields(t, raw)[key])
}

// idHash is upstream's hash of an ID list: the first 8 bytes of the md5 of its JSON, big-endian.
func idHash(ids []string) uint64 {
	b, _ := json.Marshal(ids)
	sum := md5.Sum(b)
	return binary.BigEndian.Uint64(sum[:8])
}

func fromToJSON(from, to string) string {
	return fmt.Sprintf(`{"fromUserID":%q,"toUserID":%q}`, from, to)
}

// TestFriendNotifications runs every friend command that notifies against a real node with all
// four users online and checks, per user, the notifications that arrived: who got them (and that
// nobody else did), contentType, the n_ stream and its seq, sender, receiver and the tips.
func TestFriendNotifications(t *testing.T) {
	t.Parallel()
	f := startFriendNode(t)
	w := watchNotes(t, f.Node, f.tok, "a", "b", "c", "d")
	aLog := f.incremental("a", "", 0).VersionID
	cLog := f.incremental("c", "", 0).VersionID
	n := func(ct int32, conv, send, recv string, seq int64, tips map[string]string) wantNote {
		return wantNote{ct: ct, conv: conv, sendID: send, recvID: recv, seq: seq, tips: tips}
	}

	// 1203 from → to, to both.
	got := w.do(t, "a", "/friend/add_friend", map[string]any{"fromUserID": "a", "toUserID": "b", "reqMsg": "hi b", "ex": "e"})
	apply := map[string]string{"fromToUserID": fromToJSON("a", "b")}
	checkNotes(t, "add_friend", got, map[string][]wantNote{
		"a": {n(1203, "n_a_b", "a", "b", 1, apply)},
		"b": {n(1203, "n_a_b", "a", "b", 1, apply)},
	})
	req := got["b"][0].tips["request"]
	if jsonField(t, req, "fromUserID") != `"a"` || jsonField(t, req, "toUserID") != `"b"` ||
		jsonField(t, req, "reqMsg") != `"hi b"` || jsonField(t, req, "handleResult") != "0" ||
		jsonField(t, req, "fromNickname") != `"Name a"` || jsonField(t, req, "ex") != `"e"` {
		t.Fatalf("1203 request = %s", req)
	}

	// Accepting: 1201 responder → applicant to both, in n_ and as a chat copy in si_ (fromToUserID
	// is {applicant, responder}; the version is the applicant's friend log), then 1204 to each owner
	// of a new friend row, in their own stream.
	got = w.do(t, "b", "/friend/add_friend_response", map[string]any{"fromUserID": "a", "toUserID": "b",
		"handleResult": 1, "handleMsg": "welcome"})
	approved := map[string]string{"fromToUserID": fromToJSON("a", "b"), "handleMsg": `"welcome"`,
		"friendVersion": "1", "friendVersionID": fmt.Sprintf("%q", aLog)}
	checkNotes(t, "add_friend_response agree", got, map[string][]wantNote{
		"a": {n(1201, "n_a_b", "b", "a", 2, approved), n(1201, "si_a_b", "b", "a", 1, approved),
			n(1204, "n_a_a", "a", "a", 0, map[string]string{"friendVersion": "1", "friendVersionID": fmt.Sprintf("%q", aLog)})},
		"b": {n(1201, "n_a_b", "b", "a", 2, approved), n(1201, "si_a_b", "b", "a", 1, approved),
			n(1204, "n_b_b", "b", "b", 0, map[string]string{"friendVersion": "1"})},
	})
	if r := got["a"][0].tips["request"]; jsonField(t, r, "handleResult") != "1" || jsonField(t, r, "handlerUserID") != `"b"` {
		t.Fatalf("1201 request = %s", r)
	}
	for owner, friend := range map[string]string{"a": "b", "b": "a"} {
		added := got[owner][2].tips
		fi := added["friend"]
		if jsonField(t, fi, "ownerUserID") != fmt.Sprintf("%q", owner) ||
			jsonField(t, fields(t, fi)["friendUser"], "userID") != fmt.Sprintf("%q", friend) ||
			jsonField(t, added["opUser"], "userID") != `"b"` {
			t.Fatalf("%s's 1204 = %s", owner, describeTips(added))
		}
	}

	// Refusing: 1202 responder → applicant, to both.
	w.do(t, "c", "/friend/add_friend", map[string]any{"fromUserID": "c", "toUserID": "b", "reqMsg": "me too"})
	got = w.do(t, "b", "/friend/add_friend_response", map[string]any{"fromUserID": "c", "toUserID": "b",
		"handleResult": -1, "handleMsg": "no"})
	rejected := map[string]string{"fromToUserID": fromToJSON("c", "b"), "handleMsg": `"no"`}
	checkNotes(t, "add_friend_response refuse", got, map[string][]wantNote{
		"b": {n(1202, "n_b_c", "b", "c", 2, rejected)},
		"c": {n(1202, "n_b_c", "b", "c", 2, rejected)},
	})
	if r := got["c"][0].tips["request"]; jsonField(t, r, "handleResult") != "-1" || jsonField(t, r, "handleMsg") != `"no"` {
		t.Fatalf("1202 request = %s", r)
	}

	// 1206 owner → friend, to both, with the owner's log position.
	got = w.do(t, "a", "/friend/set_friend_remark", map[string]any{"ownerUserID": "a", "friendUserID": "b", "remark": "Bee"})
	remark := map[string]string{"fromToUserID": fromToJSON("a", "b"), "friendVersion": "2",
		"friendVersionID": fmt.Sprintf("%q", aLog)}
	checkNotes(t, "set_friend_remark", got, map[string][]wantNote{
		"a": {n(1206, "n_a_b", "a", "b", 3, remark)},
		"b": {n(1206, "n_a_b", "a", "b", 3, remark)},
	})

	// 1210 to the owner alone.
	got = w.do(t, "a", "/friend/update_friends", map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"b"}, "isPinned": true})
	checkNotes(t, "update_friends", got, map[string][]wantNote{
		"a": {n(1210, "n_a_a", "a", "a", 0, map[string]string{"fromToUserID": fromToJSON("", "a"),
			"friendIDs": `["b"]`, "friendVersion": "3", "friendVersionID": fmt.Sprintf("%q", aLog)})},
	})

	// 1207 and 1208 go to the owner's devices only: the blocked user is not told.
	got = w.do(t, "a", "/friend/add_black", map[string]any{"ownerUserID": "a", "blackUserID": "c"})
	checkNotes(t, "add_black", got, map[string][]wantNote{
		"a": {n(1207, "n_a_a", "a", "a", 0, map[string]string{"fromToUserID": fromToJSON("a", "c")})},
	})
	got = w.do(t, "a", "/friend/remove_black", map[string]any{"ownerUserID": "a", "blackUserID": "c"})
	checkNotes(t, "remove_black", got, map[string][]wantNote{
		"a": {n(1208, "n_a_a", "a", "a", 0, map[string]string{"fromToUserID": fromToJSON("a", "c")})},
	})
	// Removing someone not blocked changes nothing and tells nobody.
	checkNotes(t, "remove_black again", w.do(t, "a", "/friend/remove_black", map[string]any{"ownerUserID": "a",
		"blackUserID": "c"}), nil)

	// 1205 owner → friend, to both.
	got = w.do(t, "a", "/friend/delete_friend", map[string]any{"ownerUserID": "a", "friendUserID": "b"})
	deleted := map[string]string{"fromToUserID": fromToJSON("a", "b"), "friendVersion": "4",
		"friendVersionID": fmt.Sprintf("%q", aLog)}
	checkNotes(t, "delete_friend", got, map[string][]wantNote{
		"a": {n(1205, "n_a_b", "a", "b", 4, deleted)},
		"b": {n(1205, "n_a_b", "a", "b", 4, deleted)},
	})

	// import_friend: 1201 owner → friend with no request (and its chat copy), then 1204 to each owner.
	got = w.do(t, "admin", "/friend/import_friend", map[string]any{"ownerUserID": "c", "friendUserIDs": []string{"d"}})
	imported := map[string]string{"fromToUserID": fromToJSON("c", "d"), "request": "null", "friendVersion": "1",
		"friendVersionID": fmt.Sprintf("%q", cLog)}
	checkNotes(t, "import_friend", got, map[string][]wantNote{
		"c": {n(1201, "n_c_d", "c", "d", 1, imported), n(1201, "si_c_d", "c", "d", 1, imported),
			n(1204, "n_c_c", "c", "c", 0, map[string]string{"friendVersion": "1"})},
		"d": {n(1201, "n_c_d", "c", "d", 1, imported), n(1201, "si_c_d", "c", "d", 1, imported),
			n(1204, "n_d_d", "d", "d", 0, map[string]string{"friendVersion": "1"})},
	})
	if op := got["c"][2].tips["opUser"]; jsonField(t, op, "userID") != `"imAdmin"` {
		t.Fatalf("import 1204 opUser = %s", op)
	}
}

// TestFriendBadInput: missing or mistyped fields, oversize strings and huge arrays on every friend
// endpoint get 1001, and none of them changes anything.
func TestFriendBadInput(t *testing.T) {
	t.Parallel()
	f := startFriendNode(t)
	f.befriend("a", "b")
	a, admin := f.tok["a"], f.tok["admin"]
	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf("u%d", i)
	}
	long := func(n int) string { return strings.Repeat("x", n) }
	cases := []struct {
		name, token, path string
		body              any
	}{
		{"add_friend reqMsg over 4096 characters", a, "/friend/add_friend", map[string]any{"fromUserID": "a", "toUserID": "c", "reqMsg": strings.Repeat("é", 4097)}},
		{"add_friend ex over 8 KiB", a, "/friend/add_friend", map[string]any{"fromUserID": "a", "toUserID": "c", "ex": long(8193)}},
		{"add_friend bad toUserID", a, "/friend/add_friend", map[string]any{"fromUserID": "a", "toUserID": "c d"}},
		{"add_friend toUserID over 64 bytes", a, "/friend/add_friend", map[string]any{"fromUserID": "a", "toUserID": long(65)}},
		{"add_friend_response handleMsg over 4096", f.tok["c"], "/friend/add_friend_response", map[string]any{"fromUserID": "a", "toUserID": "c", "handleResult": 1, "handleMsg": long(4097)}},
		{"add_friend_response handleResult a string", f.tok["c"], "/friend/add_friend_response", `{"fromUserID":"a","toUserID":"c","handleResult":"1"}`},
		{"delete_friend no friendUserID", a, "/friend/delete_friend", map[string]any{"ownerUserID": "a"}},
		{"set_friend_remark over 255 characters", a, "/friend/set_friend_remark", map[string]any{"ownerUserID": "a", "friendUserID": "b", "remark": long(256)}},
		{"set_friend_remark no friendUserID", a, "/friend/set_friend_remark", map[string]any{"ownerUserID": "a", "remark": "r"}},
		{"update_friends over 1000 IDs", a, "/friend/update_friends", map[string]any{"ownerUserID": "a", "friendUserIDs": many, "isPinned": true}},
		{"update_friends remark over 255", a, "/friend/update_friends", map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"b"}, "remark": long(256)}},
		{"update_friends ex over 8 KiB", a, "/friend/update_friends", map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"b"}, "ex": long(8193)}},
		{"update_friends isPinned a string", a, "/friend/update_friends", `{"ownerUserID":"a","friendUserIDs":["b"],"isPinned":"yes"}`},
		{"import_friend over 1000 IDs", admin, "/friend/import_friend", map[string]any{"ownerUserID": "c", "friendUserIDs": many}},
		{"add_black ex over 8 KiB", a, "/friend/add_black", map[string]any{"ownerUserID": "a", "blackUserID": "c", "ex": long(8193)}},
		{"remove_black no blackUserID", a, "/friend/remove_black", map[string]any{"ownerUserID": "a"}},
		{"get_friend_list no pagination", a, "/friend/get_friend_list", map[string]any{"userID": "a"}},
		{"get_friend_list page over 1000", a, "/friend/get_friend_list", map[string]any{"userID": "a", "pagination": page(1, 1001)}},
		{"get_designated_friends over 1000 IDs", a, "/friend/get_designated_friends", map[string]any{"ownerUserID": "a", "friendUserIDs": many}},
		{"get_designated_friends bad ID", a, "/friend/get_designated_friends", map[string]any{"ownerUserID": "a", "friendUserIDs": []string{"b", "x:y"}}},
		{"is_friend userID2 a number", a, "/friend/is_friend", `{"userID1":"a","userID2":2}`},
		{"get_friend_apply_list handleResults not a list", a, "/friend/get_friend_apply_list", `{"userID":"a","pagination":{"pageNumber":1,"showNumber":10},"handleResults":1}`},
		{"get_self_friend_apply_list page 0", a, "/friend/get_self_friend_apply_list", map[string]any{"userID": "a", "pagination": page(0, 10)}},
		{"get_designated_friend_apply no toUserID", a, "/friend/get_designated_friend_apply", map[string]any{"fromUserID": "a"}},
		{"get_black_list no pagination", a, "/friend/get_black_list", map[string]any{"userID": "a"}},
		{"get_specified_blacks over 1000 IDs", a, "/friend/get_specified_blacks", map[string]any{"ownerUserID": "a", "userIDList": many}},
		{"get_full_friend_user_ids no userID", a, "/friend/get_full_friend_user_ids", map[string]any{}},
		{"get_incremental_friends no userID", a, "/friend/get_incremental_friends", map[string]any{"version": 1}},
		{"get_incremental_friends version negative", a, "/friend/get_incremental_friends", `{"userID":"a","version":-1}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.PostErr(t, c.path, c.token, c.body, 1001)
		})
	}
	// Nothing changed: a and b are still friends with no remark, pin or ex, nobody applied to or
	// blocked anyone, and c has no friends.
	var list friendList
	f.PostOK(t, "/friend/get_friend_list", a, map[string]any{"userID": "a", "pagination": page(1, 10)}, &list)
	if list.Total != 1 || list.FriendsInfo[0].Remark != "" || list.FriendsInfo[0].IsPinned || list.FriendsInfo[0].Ex != "" {
		t.Fatalf("a's friends = %+v", list.FriendsInfo)
	}
	if got := f.friends("c"); len(got) != 0 {
		t.Fatalf("c's friends = %v", got)
	}
	var sent friendApplies
	f.PostOK(t, "/friend/get_self_friend_apply_list", a, map[string]any{"userID": "a", "pagination": page(1, 10)}, &sent)
	var blacks blackList
	f.PostOK(t, "/friend/get_black_list", a, map[string]any{"userID": "a", "pagination": page(1, 10)}, &blacks)
	if sent.Total != 1 || blacks.Total != 0 { // the one application is a's accepted one to b
		t.Fatalf("a's applications %+v, blacks %+v", sent, blacks)
	}
}

// requireKeys fails unless element i of the list under key in data has every one of keys: upstream
// sends every field, zero values included, and clients read them without checking.
func requireKeys(t *testing.T, data json.RawMessage, key string, i int, keys ...string) {
	t.Helper()
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(fields(t, data)[key], &list); err != nil || len(list) <= i {
		t.Fatalf("%s[%d] in %s: %v", key, i, data, err)
	}
	for _, k := range keys {
		if _, ok := list[i][k]; !ok {
			t.Fatalf("%s[%d] lacks %q: %s", key, i, k, data)
		}
	}
}
