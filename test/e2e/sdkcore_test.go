package e2e

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"lanim/node/client"
	"lanim/node/pb"
)

// The official SDK core's needs (../shared/protocol/sdk-core.md): it re-asks the member batch until
// every group it asked about is answered, maps over every list field, reads the members of groups
// its user has left, and calls the user-command, unhandled-count and push-token routes.

// coreBatchRounds bounds the core's re-ask loop in TestSDKCoreMemberBatchAnswersEveryGroup: the
// node must answer every group in the first round.
const coreBatchRounds = 5

// TestSDKCoreMemberBatchAnswersEveryGroup runs the core's IncrSyncGroupAndMember loop (ask for every
// group, drop the answered ones, ask again for the rest) for a user who left one group, was kicked
// from another, saw a third dismissed, names one that never existed and is still in a fifth: the
// first answer covers them all, and the groups the user is out of tell nothing of what happened
// after they left.
func TestSDKCoreMemberBatchAnswersEveryGroup(t *testing.T) {
	e := newGroupEnv(t, "ka", "kb", "kc", "kd")
	e.create(t, "k1", "ka", nil, []string{"kb", "kc"}, 2)
	e.create(t, "k2", "ka", nil, []string{"kb"}, 2)
	e.create(t, "k3", "kc", nil, []string{"kb"}, 2)
	e.create(t, "k5", "ka", nil, []string{"kb"}, 2)
	v1, id1 := e.memberVersion(t, "kb", "k1")
	e.ok(t, "kb", "quit_group", map[string]any{"groupID": "k1"}, nil)
	e.ok(t, "ka", "kick_group", map[string]any{"groupID": "k2", "kickedUserIDs": []string{"kb"}}, nil)
	e.ok(t, "kc", "dismiss_group", map[string]any{"groupID": "k3"}, nil)
	e.ok(t, "kd", "join_group", map[string]any{"groupID": "k1", "joinSource": 3}, nil) // after kb left

	pending := map[string]map[string]any{
		"k1": {"groupID": "k1", "version": v1, "versionID": id1},
		"k2": {"groupID": "k2", "version": 0, "versionID": ""},
		"k3": {"groupID": "k3", "version": 0, "versionID": ""},
		"k4": {"groupID": "k4", "version": 0, "versionID": ""},
		"k5": {"groupID": "k5", "version": 0, "versionID": ""},
	}
	var first map[string]json.RawMessage
	rounds := 0
	for len(pending) > 0 && rounds < coreBatchRounds {
		rounds++
		reqList := make([]map[string]any, 0, len(pending))
		for _, gid := range slices.Sorted(maps.Keys(pending)) {
			reqList = append(reqList, pending[gid])
		}
		var out struct {
			RespList map[string]json.RawMessage `json:"respList"`
		}
		e.ok(t, "kb", "get_incremental_group_members_batch", map[string]any{"userID": "kb", "reqList": reqList}, &out)
		if first == nil {
			first = out.RespList
		}
		for gid := range out.RespList {
			delete(pending, gid)
		}
	}
	if rounds != 1 || len(pending) != 0 {
		t.Fatalf("the core's loop took %d rounds and still waits for %v", rounds, slices.Sorted(maps.Keys(pending)))
	}

	for _, gid := range []string{"k1", "k2", "k3", "k4"} {
		raw := string(first[gid])
		var entry groupIncrementalMembers
		if err := json.Unmarshal(first[gid], &entry); err != nil {
			t.Fatal(err)
		}
		if entry.Full || entry.Group != nil || entry.Delete == nil || len(entry.Delete) != 0 ||
			strings.Contains(raw, `"insert"`) || strings.Contains(raw, `"update"`) || strings.Contains(raw, "kd") {
			t.Errorf("%s, which kb is out of, answers %s; want kb's own position back and nothing else", gid, raw)
		}
	}
	var k1 groupIncrementalMembers
	json.Unmarshal(first["k1"], &k1)
	if k1.Version != v1 || k1.VersionID != id1 {
		t.Errorf("k1 answers version %d/%s, want kb's own %d/%s", k1.Version, k1.VersionID, v1, id1)
	}
	var k5 groupIncrementalMembers
	if err := json.Unmarshal(first["k5"], &k5); err != nil || !k5.Full || k5.Group == nil || k5.Group.GroupID != "k5" {
		t.Errorf("k5, which kb is in, answers %s", first["k5"])
	}
}

// TestSDKCoreFormerMemberReadsMembersInfo: get_group_members_info answers a user who left or was
// kicked with the members who were there with them (the senders of the history they still read),
// leaves out whoever joined later, and still refuses someone who never was a member.
func TestSDKCoreFormerMemberReadsMembersInfo(t *testing.T) {
	e := newGroupEnv(t, "fa", "fb", "fc", "fd", "fe", "fx")
	e.create(t, "f1", "fa", nil, []string{"fb", "fc", "fe"}, 2)
	e.ok(t, "fb", "quit_group", map[string]any{"groupID": "f1"}, nil)
	e.ok(t, "fd", "join_group", map[string]any{"groupID": "f1", "joinSource": 3}, nil)
	e.ok(t, "fa", "kick_group", map[string]any{"groupID": "f1", "kickedUserIDs": []string{"fe"}}, nil)

	all := []string{"fa", "fb", "fc", "fd", "fe", "fx"}
	for _, c := range []struct {
		reader string
		want   []string
	}{
		{"fb", []string{"fa", "fc"}},       // left before fd joined
		{"fe", []string{"fa", "fc", "fd"}}, // kicked after fd joined
		{"fc", []string{"fa", "fc", "fd"}}, // a member sees every member
	} {
		var out struct {
			Members []groupMemberJSON `json:"members"`
		}
		e.ok(t, c.reader, "get_group_members_info", map[string]any{"groupID": "f1", "userIDs": all}, &out)
		var got []string
		for _, m := range out.Members {
			got = append(got, m.UserID)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s reads members %v, want %v", c.reader, got, c.want)
		}
	}
	e.fail(t, "fx", "get_group_members_info", map[string]any{"groupID": "f1", "userIDs": all}, grpCodeNoPermission)
	e.fail(t, "fb", "get_group_members_info", map[string]any{"groupID": "nope", "userIDs": all}, grpCodeNotFound)
	e.fail(t, "fb", "get_group_members_info", map[string]any{"groupID": "f1", "userIDs": []string{}}, grpCodeArgs)
}

// TestSDKCoreLoginAnswersHaveNoNullList: every route of the core's login sync and its lists, asked
// by a user who has nothing, answers [] (never null) for each list.
func TestSDKCoreLoginAnswersHaveNoNullList(t *testing.T) {
	e := newGroupEnv(t, "na")
	page := map[string]any{"pageNumber": 1, "showNumber": 100}
	for _, c := range []struct {
		path string
		body map[string]any
	}{
		{"/user/get_users_info", map[string]any{"userIDs": []string{"na"}}},
		{"/friend/get_incremental_friends", map[string]any{"userID": "na", "version": 0, "versionID": ""}},
		{"/friend/get_full_friend_user_ids", map[string]any{"userID": "na", "idHash": 0}},
		{"/friend/get_friend_list", map[string]any{"userID": "na", "pagination": page}},
		{"/friend/get_black_list", map[string]any{"userID": "na", "pagination": page}},
		{"/friend/get_friend_apply_list", map[string]any{"userID": "na", "pagination": page}},
		{"/friend/get_self_friend_apply_list", map[string]any{"userID": "na", "pagination": page}},
		{"/group/get_incremental_join_groups", map[string]any{"userID": "na", "version": 0, "versionID": ""}},
		{"/group/get_full_join_group_ids", map[string]any{"userID": "na", "idHash": 0}},
		{"/group/get_joined_group_list", map[string]any{"fromUserID": "na", "pagination": page}},
		{"/group/get_incremental_group_members_batch", map[string]any{"userID": "na", "reqList": []any{}}},
		{"/conversation/get_incremental_conversations", map[string]any{"userID": "na", "version": 0, "versionID": ""}},
		{"/conversation/get_full_conversation_ids", map[string]any{"userID": "na", "idHash": 0}},
		{"/conversation/get_owner_conversation", map[string]any{"userID": "na", "pagination": page}},
		{"/conversation/get_conversations", map[string]any{"ownerUserID": "na", "conversationIDs": []string{"si_na_zz"}}},
		{"/msg/get_conversations_has_read_and_max_seq", map[string]any{"userID": "na"}},
		{"/user/process_user_command_get_all", map[string]any{"userID": "na"}},
	} {
		env := e.n.Post(t, c.path, e.tok["na"], c.body)
		if env.ErrCode != 0 {
			t.Errorf("%s: %d %s", c.path, env.ErrCode, env.ErrDlt)
			continue
		}
		nulls, err := pb.NullLists(env.Data)
		if err != nil || len(nulls) > 0 {
			t.Errorf("%s: null at %v (%v) in %s", c.path, nulls, err, env.Data)
		}
	}
}

// TestSDKCoreUserCommands: a user's command items through the REST routes, each change notified to
// the user's own devices (over the gob+gzip WebSocket the core speaks) and to nobody else; bad
// input changes nothing.
func TestSDKCoreUserCommands(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers(t, "ua", "ub")
	tok := map[string]string{"ua": n.UserToken(t, "ua", platformWeb), "ub": n.UserToken(t, "ub", platformWeb)}
	w := &noteWatch{n: n, tok: tok, conns: map[string]*client.Conn{}}
	for _, u := range []string{"ua", "ub"} {
		w.conns[u] = wsDial(t, n, u, platformWeb, tok[u], client.DialOptions{SDKType: "go", Gzip: true})
	}
	type item struct {
		Type       int32  `json:"type"`
		UUID       string `json:"uuid"`
		Value      string `json:"value"`
		Ex         string `json:"ex"`
		CreateTime int64  `json:"createTime"`
	}
	items := func(user string) []item {
		t.Helper()
		env := n.Post(t, "/user/process_user_command_get_all", tok[user], map[string]any{"userID": user})
		var out map[string][]item // upstream's key, spelled exactly: CommandResp
		if err := json.Unmarshal(env.Data, &out); env.ErrCode != 0 || err != nil || out["CommandResp"] == nil {
			t.Fatalf("get_all of %s: %d %s %v", user, env.ErrCode, env.Data, err)
		}
		return out["CommandResp"]
	}
	expect := func(got map[string][]note, contentType int32) {
		t.Helper()
		if len(got["ub"]) != 0 || len(got["ua"]) != 1 || got["ua"][0].msg.ContentType != contentType {
			t.Fatalf("notified %v, want one %d to ua alone", got, contentType)
		}
		var tips struct {
			FromUserID string `json:"fromUserID"`
			ToUserID   string `json:"toUserID"`
		}
		if err := json.Unmarshal(tipsDetail(t, contentType, got["ua"][0].msg.Content), &tips); err != nil ||
			tips.FromUserID != "ua" || tips.ToUserID != "ua" {
			t.Fatalf("%d tips %+v %v", contentType, tips, err)
		}
	}

	// The core sends value and ex as protobuf wrappers; a plain string works too.
	expect(w.do(t, "ua", "/user/process_user_command_add", map[string]any{"userID": "ua", "type": 1, "uuid": "fav-1",
		"value": map[string]any{"value": "first"}, "ex": map[string]any{"value": "x"}}), 1305)
	expect(w.do(t, "ua", "/user/process_user_command_add", map[string]any{"userID": "ua", "type": 1, "uuid": "fav-2",
		"value": "second"}), 1305)
	if got := items("ua"); len(got) != 2 || got[0].Value != "first" || got[0].Ex != "x" || got[1].Value != "second" ||
		got[0].CreateTime == 0 {
		t.Fatalf("items %+v", got)
	}
	expect(w.do(t, "ua", "/user/process_user_command_update", map[string]any{"userID": "ua", "type": 1, "uuid": "fav-1",
		"value": map[string]any{"value": "changed"}}), 1307)
	expect(w.do(t, "ua", "/user/process_user_command_delete", map[string]any{"userID": "ua", "type": 1, "uuid": "fav-2"}), 1306)
	if got := items("ua"); len(got) != 1 || got[0].Value != "changed" || got[0].Ex != "x" {
		t.Fatalf("after update and delete %+v", got)
	}
	for typ, want := range map[int]int{1: 1, 2: 0} {
		var ofType struct {
			CommandResp []item `json:"CommandResp"`
		}
		n.PostOK(t, "/user/process_user_command_get", tok["ua"], map[string]any{"userID": "ua", "type": typ}, &ofType)
		if len(ofType.CommandResp) != want || ofType.CommandResp == nil {
			t.Fatalf("items of type %d: %+v, want %d", typ, ofType.CommandResp, want)
		}
	}

	for _, bad := range []struct {
		path string
		body map[string]any
		code int
	}{
		{"/user/process_user_command_add", map[string]any{"userID": "ua", "type": 1, "uuid": "fav-1"}, 1003},
		{"/user/process_user_command_add", map[string]any{"userID": "ua", "type": 1}, 1001},
		{"/user/process_user_command_add", map[string]any{"userID": "ua", "type": 1, "uuid": strings.Repeat("u", 129)}, 1001},
		{"/user/process_user_command_add", map[string]any{"userID": "ua", "type": 1, "uuid": "v", "value": strings.Repeat("v", 8193)}, 1001},
		{"/user/process_user_command_add", map[string]any{"userID": "ua", "type": "one", "uuid": "v"}, 1001},
		{"/user/process_user_command_update", map[string]any{"userID": "ua", "type": 1, "uuid": "fav-1"}, 1001},
		{"/user/process_user_command_update", map[string]any{"userID": "ua", "type": 1, "uuid": "nope", "ex": "e"}, 1004},
		{"/user/process_user_command_delete", map[string]any{"userID": "ua", "type": 2, "uuid": "fav-1"}, 1004},
	} {
		n.PostErr(t, bad.path, tok["ua"], bad.body, bad.code)
	}
	for _, path := range []string{"/user/process_user_command_add", "/user/process_user_command_update",
		"/user/process_user_command_delete", "/user/process_user_command_get", "/user/process_user_command_get_all"} {
		n.PostErr(t, path, tok["ub"], map[string]any{"userID": "ua", "type": 1, "uuid": "fav-1", "ex": "e"}, 1002)
	}
	if got := items("ua"); len(got) != 1 || got[0].Value != "changed" || got[0].Ex != "x" {
		t.Fatalf("refused calls changed the items: %+v", got)
	}
	// Nothing was pushed for the refused calls: the next notification each user gets is the barrier's.
	if got := w.do(t, "ub", "/user/process_user_command_get_all", map[string]any{"userID": "ub"}); len(got) != 0 {
		t.Fatalf("notifications after refused calls: %v", got)
	}
}

// TestSDKCoreCountsAndPushTokens: the unhandled-request counts the apps show as red dots, and the
// push-token and badge calls they make after login, which LanIM checks and acknowledges.
func TestSDKCoreCountsAndPushTokens(t *testing.T) {
	e := newGroupEnv(t, "ca", "cb", "cc")
	count := func(user, path string, since int64) int64 {
		t.Helper()
		var out struct {
			Count int64 `json:"count"`
		}
		e.n.PostOK(t, path, e.tok[user], map[string]any{"userID": user, "time": since}, &out)
		return out.Count
	}
	e.n.PostOK(t, "/friend/add_friend", e.tok["cb"], map[string]any{"fromUserID": "cb", "toUserID": "ca"}, nil)
	e.n.PostOK(t, "/friend/add_friend", e.tok["cc"], map[string]any{"fromUserID": "cc", "toUserID": "ca"}, nil)
	e.n.PostOK(t, "/friend/add_friend_response", e.tok["ca"], map[string]any{"fromUserID": "cb", "toUserID": "ca",
		"handleResult": 1}, nil)
	if got := count("ca", "/friend/get_self_unhandled_apply_count", 0); got != 1 {
		t.Errorf("ca has %d pending friend requests, want 1", got)
	}
	e.create(t, "c1", "ca", nil, nil, 0) // joining asks the owner
	e.ok(t, "cb", "join_group", map[string]any{"groupID": "c1", "joinSource": 3}, nil)
	if got := count("ca", "/group/get_group_application_unhandled_count", 0); got != 1 {
		t.Errorf("ca manages c1 and sees %d pending requests, want 1", got)
	}
	if got := count("cb", "/group/get_group_application_unhandled_count", 0); got != 0 {
		t.Errorf("the applicant sees %d", got)
	}
	e.n.PostErr(t, "/friend/get_self_unhandled_apply_count", e.tok["cb"], map[string]any{"userID": "ca"}, 1002)
	e.n.PostErr(t, "/group/get_group_application_unhandled_count", e.tok["ca"], map[string]any{"userID": "ca", "time": -1}, 1001)

	e.n.PostOK(t, "/third/fcm_update_token", e.tok["ca"], map[string]any{"platformID": platformWeb, "fcmToken": "t0k",
		"account": "ca", "expireTime": 0}, nil)
	e.n.PostOK(t, "/third/set_app_badge", e.tok["ca"], map[string]any{"userID": "ca", "appUnreadCount": 4}, nil)
	for _, bad := range []struct {
		path string
		body map[string]any
		code int
	}{
		{"/third/fcm_update_token", map[string]any{"platformID": platformWeb, "account": "ca"}, 1001},
		{"/third/fcm_update_token", map[string]any{"platformID": 99, "fcmToken": "t", "account": "ca"}, 1001},
		{"/third/fcm_update_token", map[string]any{"platformID": platformWeb, "fcmToken": strings.Repeat("t", 4097)}, 1001},
		{"/third/fcm_update_token", map[string]any{"platformID": platformWeb, "fcmToken": "t", "account": "cb"}, 1002},
		{"/third/set_app_badge", map[string]any{"userID": "ca", "appUnreadCount": -1}, 1001},
		{"/third/set_app_badge", map[string]any{"userID": "cb", "appUnreadCount": 1}, 1002},
	} {
		e.n.PostErr(t, bad.path, e.tok["ca"], bad.body, bad.code)
	}
}
