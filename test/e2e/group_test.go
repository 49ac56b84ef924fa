package e2e

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lanim/node/client"
	"lanim/node/pb"
)

// The group area end to end: every /group endpoint through a real node, with its success path, each
// permission failure, bad input, and the incremental sync diffs.

// OpenIM error codes the group tests expect.
const (
	grpCodeArgs          = 1001
	grpCodeNoPermission  = 1002
	grpCodeNotFound      = 1004
	grpCodeUserNotFound  = 1101
	grpCodeGroupNotFound = 1201
	grpCodeGroupExists   = 1202
	grpCodeDismissed     = 1204
	grpCodeRequestDone   = 1206
)

// groupEnv is one node with registered users and a Web token for each; "imAdmin" uses the admin token.
type groupEnv struct {
	n   *Node
	tok map[string]string
}

func newGroupEnv(t *testing.T, users ...string) *groupEnv {
	t.Helper()
	n := startNode(t)
	n.RegisterUsers(t, users...)
	e := &groupEnv{n: n, tok: map[string]string{adminUserID: n.AdminToken}}
	for _, u := range users {
		e.tok[u] = n.UserToken(t, u, 5)
	}
	return e
}

func (e *groupEnv) ok(t *testing.T, user, path string, body, out any) {
	t.Helper()
	e.n.PostOK(t, "/group/"+path, e.tok[user], body, out)
}

func (e *groupEnv) fail(t *testing.T, user, path string, body any, code int) {
	t.Helper()
	e.n.PostErr(t, "/group/"+path, e.tok[user], body, code)
}

// create makes group gid owned by owner and returns it.
func (e *groupEnv) create(t *testing.T, gid, owner string, admins, members []string, needVerification int) groupInfoJSON {
	t.Helper()
	var out struct {
		GroupInfo groupInfoJSON `json:"groupInfo"`
	}
	e.ok(t, owner, "create_group", map[string]any{"ownerUserID": owner, "adminUserIDs": admins, "memberUserIDs": members,
		"groupInfo": map[string]any{"groupID": gid, "groupName": "G " + gid, "groupType": 2, "needVerification": needVerification}}, &out)
	return out.GroupInfo
}

type groupInfoJSON struct {
	GroupID          string `json:"groupID"`
	GroupName        string `json:"groupName"`
	Notification     string `json:"notification"`
	Introduction     string `json:"introduction"`
	OwnerUserID      string `json:"ownerUserID"`
	MemberCount      int    `json:"memberCount"`
	Status           int    `json:"status"`
	NeedVerification int    `json:"needVerification"`
	Ex               string `json:"ex"`
}

type groupMemberJSON struct {
	GroupID     string `json:"groupID"`
	UserID      string `json:"userID"`
	RoleLevel   int    `json:"roleLevel"`
	Nickname    string `json:"nickname"`
	FaceURL     string `json:"faceURL"`
	JoinSource  int    `json:"joinSource"`
	MuteEndTime int64  `json:"muteEndTime"`
	Ex          string `json:"ex"`
}

type groupRequestJSON struct {
	UserInfo struct {
		UserID string `json:"userID"`
	} `json:"userInfo"`
	GroupInfo     *groupInfoJSON `json:"groupInfo"`
	HandleResult  int            `json:"handleResult"`
	ReqMsg        string         `json:"reqMsg"`
	HandleMsg     string         `json:"handleMsg"`
	HandleUserID  string         `json:"handleUserID"`
	InviterUserID string         `json:"inviterUserID"`
}

var groupPage10 = map[string]int{"pageNumber": 1, "showNumber": 10}

func (e *groupEnv) members(t *testing.T, user, gid string) []groupMemberJSON {
	t.Helper()
	var out struct {
		Total   int               `json:"total"`
		Members []groupMemberJSON `json:"members"`
	}
	e.ok(t, user, "get_group_member_list", map[string]any{"groupID": gid, "pagination": groupPage10}, &out)
	if out.Total != len(out.Members) {
		t.Fatalf("member list of %s: total %d, %d members", gid, out.Total, len(out.Members))
	}
	return out.Members
}

func (e *groupEnv) memberIDs(t *testing.T, gid string) []string {
	t.Helper()
	var ids []string
	for _, m := range e.members(t, adminUserID, gid) {
		ids = append(ids, m.UserID)
	}
	return ids
}

func (e *groupEnv) member(t *testing.T, gid, uid string) *groupMemberJSON {
	t.Helper()
	var out struct {
		Members []groupMemberJSON `json:"members"`
	}
	e.ok(t, adminUserID, "get_group_members_info", map[string]any{"groupID": gid, "userIDs": []string{uid}}, &out)
	if len(out.Members) == 0 {
		return nil
	}
	return &out.Members[0]
}

func (e *groupEnv) groupInfoJSON(t *testing.T, gid string) groupInfoJSON {
	t.Helper()
	var out struct {
		GroupInfos []groupInfoJSON `json:"groupInfos"`
	}
	e.ok(t, adminUserID, "get_groups_info", map[string]any{"groupIDs": []string{gid}}, &out)
	if len(out.GroupInfos) != 1 {
		t.Fatalf("group %s not found", gid)
	}
	return out.GroupInfos[0]
}

func TestGroupCreate(t *testing.T) {
	e := newGroupEnv(t, "ga", "gb", "gc", "gd")
	g := e.create(t, "g100", "ga", []string{"gb"}, []string{"gc"}, 0)
	if g.GroupID != "g100" || g.OwnerUserID != "ga" || g.MemberCount != 3 || g.GroupName != "G g100" {
		t.Fatalf("created %+v", g)
	}

	// No groupID: the node draws a decimal one of at most 10 digits.
	var out struct {
		GroupInfo groupInfoJSON `json:"groupInfo"`
	}
	e.ok(t, "ga", "create_group", map[string]any{"ownerUserID": "ga", "groupInfo": map[string]any{"groupType": 2}}, &out)
	if !regexp.MustCompile(`^[0-9]{1,10}$`).MatchString(out.GroupInfo.GroupID) {
		t.Fatalf("random group ID %q", out.GroupInfo.GroupID)
	}
	if e.groupInfoJSON(t, out.GroupInfo.GroupID).MemberCount != 1 {
		t.Fatal("random-ID group not stored")
	}

	info := func(id string, typ int) map[string]any { return map[string]any{"groupID": id, "groupType": typ} }
	for _, tc := range []struct {
		name string
		user string
		body any
		code int
	}{
		{"no groupInfo", "ga", map[string]any{"ownerUserID": "ga"}, grpCodeArgs},
		{"group type 0", "ga", map[string]any{"ownerUserID": "ga", "groupInfo": info("x1", 0)}, grpCodeArgs},
		{"no owner", "ga", map[string]any{"groupInfo": info("x1", 2)}, grpCodeArgs},
		{"owner is someone else", "ga", map[string]any{"ownerUserID": "gb", "groupInfo": info("x1", 2)}, grpCodeNoPermission},
		{"duplicate member", "ga", map[string]any{"ownerUserID": "ga", "memberUserIDs": []string{"gb", "gb"}, "groupInfo": info("x1", 2)}, grpCodeArgs},
		{"unknown member", "ga", map[string]any{"ownerUserID": "ga", "memberUserIDs": []string{"nobody"}, "groupInfo": info("x1", 2)}, grpCodeUserNotFound},
		{"taken ID", "gb", map[string]any{"ownerUserID": "gb", "groupInfo": info("g100", 2)}, grpCodeGroupExists},
		{"bad ID", "ga", map[string]any{"ownerUserID": "ga", "groupInfo": info("a b", 2)}, grpCodeArgs},
		{"wrong JSON type", "ga", `{"ownerUserID": 7}`, grpCodeArgs},
		{"too many members", "ga", map[string]any{"ownerUserID": "ga", "memberUserIDs": groupManyIDs(1001), "groupInfo": info("x1", 2)}, grpCodeArgs},
	} {
		t.Run(tc.name, func(t *testing.T) { e.fail(t, tc.user, "create_group", tc.body, tc.code) })
	}
	// The admin creates a group on a user's behalf.
	e.ok(t, adminUserID, "create_group", map[string]any{"ownerUserID": "gd", "groupInfo": info("g101", 2)}, nil)
	if g := e.groupInfoJSON(t, "g101"); g.OwnerUserID != "gd" {
		t.Fatalf("admin-created group %+v", g)
	}
}

func groupManyIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = "u" + strconv.Itoa(i)
	}
	return ids
}

func TestGroupReads(t *testing.T) {
	e := newGroupEnv(t, "ra", "rb", "rc", "rx")
	e.create(t, "r1", "ra", []string{"rb"}, []string{"rc"}, 0)
	e.create(t, "r2", "rb", nil, nil, 0)

	var infos struct {
		GroupInfos []groupInfoJSON `json:"groupInfos"`
	}
	e.ok(t, "rx", "get_groups_info", map[string]any{"groupIDs": []string{"r2", "nope", "r1"}}, &infos)
	if len(infos.GroupInfos) != 2 || infos.GroupInfos[0].GroupID != "r2" || infos.GroupInfos[1].MemberCount != 3 {
		t.Fatalf("get_groups_info %+v", infos)
	}
	e.fail(t, "rx", "get_groups_info", map[string]any{}, grpCodeArgs)

	ms := e.members(t, "rc", "r1")
	if len(ms) != 3 || ms[0].UserID != "ra" || ms[0].RoleLevel != 100 || ms[1].RoleLevel != 60 || ms[2].Nickname != "Nick rc" {
		t.Fatalf("member list %+v", ms)
	}
	e.fail(t, "rx", "get_group_member_list", map[string]any{"groupID": "r1", "pagination": groupPage10}, grpCodeNoPermission)
	e.fail(t, "rc", "get_group_member_list", map[string]any{"groupID": "r1"}, grpCodeArgs)
	e.fail(t, "rc", "get_group_member_list", map[string]any{"groupID": "r1", "pagination": groupPage10, "filter": 9}, grpCodeArgs)
	e.fail(t, "rc", "get_group_member_list", map[string]any{"groupID": "nope", "pagination": groupPage10}, grpCodeNotFound)
	var paged struct {
		Total   int               `json:"total"`
		Members []groupMemberJSON `json:"members"`
	}
	e.ok(t, "ra", "get_group_member_list", map[string]any{"groupID": "r1", "pagination": map[string]int{"pageNumber": 2, "showNumber": 2}}, &paged)
	if paged.Total != 3 || len(paged.Members) != 1 || paged.Members[0].UserID != "rc" {
		t.Fatalf("page 2: %+v", paged)
	}
	e.ok(t, "ra", "get_group_member_list", map[string]any{"groupID": "r1", "pagination": groupPage10, "keyword": "Nick rb"}, &paged)
	if paged.Total != 1 || paged.Members[0].UserID != "rb" {
		t.Fatalf("keyword: %+v", paged)
	}

	var info struct {
		Members []groupMemberJSON `json:"members"`
	}
	e.ok(t, "rb", "get_group_members_info", map[string]any{"groupID": "r1", "userIDs": []string{"rc", "rx"}}, &info)
	if len(info.Members) != 1 || info.Members[0].UserID != "rc" {
		t.Fatalf("get_group_members_info %+v", info)
	}
	e.fail(t, "rx", "get_group_members_info", map[string]any{"groupID": "r1", "userIDs": []string{"rc"}}, grpCodeNoPermission)
	e.fail(t, "rb", "get_group_members_info", map[string]any{"groupID": "r1"}, grpCodeArgs)

	var joined struct {
		Total  int             `json:"total"`
		Groups []groupInfoJSON `json:"groups"`
	}
	e.ok(t, "rb", "get_joined_group_list", map[string]any{"fromUserID": "rb", "pagination": groupPage10}, &joined)
	if joined.Total != 2 || len(joined.Groups) != 2 {
		t.Fatalf("joined %+v", joined)
	}
	e.fail(t, "rc", "get_joined_group_list", map[string]any{"fromUserID": "rb", "pagination": groupPage10}, grpCodeNoPermission)
	e.ok(t, adminUserID, "get_joined_group_list", map[string]any{"fromUserID": "rb", "pagination": groupPage10}, nil)

	var memberIDs struct {
		Version   uint64   `json:"version"`
		VersionID string   `json:"versionID"`
		Equal     bool     `json:"equal"`
		UserIDs   []string `json:"userIDs"`
	}
	e.ok(t, "rc", "get_full_group_member_user_ids", map[string]any{"groupID": "r1", "idHash": 0}, &memberIDs)
	if !slices.Equal(memberIDs.UserIDs, []string{"ra", "rb", "rc"}) || memberIDs.VersionID == "" || memberIDs.Version == 0 {
		t.Fatalf("full member IDs %+v", memberIDs)
	}
	e.fail(t, "rx", "get_full_group_member_user_ids", map[string]any{"groupID": "r1"}, grpCodeNoPermission)

	var groupIDs struct {
		VersionID string   `json:"versionID"`
		GroupIDs  []string `json:"groupIDs"`
	}
	e.ok(t, "rb", "get_full_join_group_ids", map[string]any{"userID": "rb", "idHash": 0}, &groupIDs)
	if slices.Sort(groupIDs.GroupIDs); !slices.Equal(groupIDs.GroupIDs, []string{"r1", "r2"}) || groupIDs.VersionID == "" {
		t.Fatalf("full joined IDs %+v", groupIDs)
	}
	e.ok(t, "rx", "get_full_join_group_ids", map[string]any{"userID": "rx"}, &groupIDs)
	if groupIDs.VersionID == "" || groupIDs.GroupIDs == nil || len(groupIDs.GroupIDs) != 0 {
		t.Fatalf("a user without groups: %+v", groupIDs)
	}
	e.fail(t, "rx", "get_full_join_group_ids", map[string]any{"userID": "rb"}, grpCodeNoPermission)
}

func TestGroupJoinAndApplications(t *testing.T) {
	e := newGroupEnv(t, "ja", "jb", "jc", "jd", "je")
	e.create(t, "open", "ja", nil, nil, 2)
	e.create(t, "closed", "ja", []string{"jb"}, nil, 0)

	join := func(gid string) map[string]any {
		return map[string]any{"groupID": gid, "reqMessage": "hi", "joinSource": 3}
	}
	e.ok(t, "jc", "join_group", map[string]any{"groupID": "open", "joinSource": 3, "inviterUserID": "jc"}, nil)
	if m := e.member(t, "open", "jc"); m == nil || m.RoleLevel != 20 || m.JoinSource != 3 {
		t.Fatalf("direct join: %+v", m)
	}
	e.fail(t, "jc", "join_group", join("open"), grpCodeArgs)                                       // already in
	e.fail(t, "jc", "join_group", map[string]any{"groupID": "open", "joinSource": 0}, grpCodeArgs) // joinSource
	e.fail(t, "jc", "join_group", map[string]any{"groupID": "open", "joinSource": 3, "inviterUserID": "jd"}, grpCodeNoPermission)
	e.fail(t, "jc", "join_group", join("nope"), grpCodeNotFound)

	e.ok(t, "jd", "join_group", join("closed"), nil)
	if e.member(t, "closed", "jd") != nil {
		t.Fatal("an application added the member")
	}
	var spec struct {
		Total         int                `json:"total"`
		GroupRequests []groupRequestJSON `json:"groupRequests"`
	}
	e.ok(t, "jd", "get_specified_user_group_request_info", map[string]any{"groupID": "closed", "userID": "jd"}, &spec)
	if spec.Total != 1 || spec.GroupRequests[0].ReqMsg != "hi" || spec.GroupRequests[0].HandleResult != 0 ||
		spec.GroupRequests[0].GroupInfo == nil || spec.GroupRequests[0].GroupInfo.GroupID != "closed" {
		t.Fatalf("specified request %+v", spec)
	}
	e.ok(t, "jb", "get_specified_user_group_request_info", map[string]any{"groupID": "closed", "userID": "jd"}, nil)
	e.fail(t, "je", "get_specified_user_group_request_info", map[string]any{"groupID": "closed", "userID": "jd"}, grpCodeNoPermission)
	raw := e.n.Post(t, "/group/get_specified_user_group_request_info", e.tok["je"], map[string]any{"groupID": "closed", "userID": "je"})
	if raw.ErrCode != 0 || !strings.Contains(string(raw.Data), `"groupRequests":[]`) {
		t.Fatalf("no request: %s", raw.Data)
	}

	var recv struct {
		Total         int                `json:"total"`
		GroupRequests []groupRequestJSON `json:"groupRequests"`
	}
	e.ok(t, "jb", "get_recv_group_applicationList", map[string]any{"fromUserID": "jb", "pagination": groupPage10}, &recv)
	if recv.Total != 1 || recv.GroupRequests[0].UserInfo.UserID != "jd" {
		t.Fatalf("recv applications %+v", recv)
	}
	e.ok(t, "jb", "get_recv_group_applicationList", map[string]any{"fromUserID": "jb", "pagination": groupPage10, "groupIDs": []string{"closed"}, "handleResults": []int{1}}, &recv)
	if recv.Total != 0 {
		t.Fatalf("filtered by handleResult: %+v", recv)
	}
	e.fail(t, "jc", "get_recv_group_applicationList", map[string]any{"fromUserID": "jc", "pagination": groupPage10, "groupIDs": []string{"closed"}}, grpCodeNoPermission)
	e.fail(t, "jc", "get_recv_group_applicationList", map[string]any{"fromUserID": "jb", "pagination": groupPage10}, grpCodeNoPermission)
	e.fail(t, adminUserID, "get_recv_group_applicationList", map[string]any{"fromUserID": "jb", "pagination": groupPage10, "groupIDs": []string{"nope"}}, grpCodeGroupNotFound)
	e.fail(t, "jb", "get_recv_group_applicationList", map[string]any{"fromUserID": "jb"}, grpCodeArgs)

	respond := func(uid string, result int) map[string]any {
		return map[string]any{"groupID": "closed", "fromUserID": uid, "handledMsg": "ok", "handleResult": result}
	}
	e.fail(t, "jc", "group_application_response", respond("jd", 1), grpCodeNoPermission)
	e.fail(t, "jb", "group_application_response", respond("je", 1), grpCodeNotFound)
	e.fail(t, "jb", "group_application_response", respond("jd", 0), grpCodeArgs)
	e.ok(t, "jb", "group_application_response", respond("jd", 1), nil)
	if m := e.member(t, "closed", "jd"); m == nil || m.JoinSource != 3 {
		t.Fatalf("approved member %+v", m)
	}
	e.fail(t, "jb", "group_application_response", respond("jd", 1), grpCodeRequestDone)

	e.ok(t, "je", "join_group", join("closed"), nil)
	e.ok(t, "ja", "group_application_response", respond("je", -1), nil)
	if e.member(t, "closed", "je") != nil {
		t.Fatal("a refused applicant joined")
	}
	var mine struct {
		Total         int                `json:"total"`
		GroupRequests []groupRequestJSON `json:"groupRequests"`
	}
	e.ok(t, "je", "get_user_req_group_applicationList", map[string]any{"userID": "je", "pagination": groupPage10}, &mine)
	if mine.Total != 1 || mine.GroupRequests[0].HandleResult != -1 || mine.GroupRequests[0].HandleUserID != "ja" {
		t.Fatalf("own applications %+v", mine)
	}
	e.fail(t, "jd", "get_user_req_group_applicationList", map[string]any{"userID": "je", "pagination": groupPage10}, grpCodeNoPermission)
	e.fail(t, adminUserID, "get_user_req_group_applicationList", map[string]any{"userID": "nobody", "pagination": groupPage10}, grpCodeNotFound)
}

func TestGroupInviteKickQuit(t *testing.T) {
	e := newGroupEnv(t, "ka", "kb", "kb2", "kc", "kd", "ke", "kx")
	e.create(t, "k1", "ka", []string{"kb", "kb2"}, []string{"kc"}, 0)
	invite := func(ids ...string) map[string]any { return map[string]any{"groupID": "k1", "invitedUserIDs": ids} }

	e.fail(t, "kx", "invite_user_to_group", invite("kd"), grpCodeNoPermission)
	e.fail(t, "kc", "invite_user_to_group", invite("nobody"), grpCodeNotFound)
	e.fail(t, "kc", "invite_user_to_group", invite("kb"), grpCodeArgs)
	e.fail(t, "kc", "invite_user_to_group", invite(), grpCodeArgs)
	e.ok(t, "kc", "invite_user_to_group", invite("kd"), nil)
	if m := e.member(t, "k1", "kd"); m == nil || m.JoinSource != 2 {
		t.Fatalf("invited %+v", m)
	}
	// Every join needs approval: an ordinary member's invitation becomes a request.
	e.ok(t, "ka", "set_group_info_ex", map[string]any{"groupID": "k1", "needVerification": 1}, nil)
	e.ok(t, "kc", "invite_user_to_group", invite("ke"), nil)
	if e.member(t, "k1", "ke") != nil {
		t.Fatal("the invitation needed approval")
	}
	var recv struct {
		GroupRequests []groupRequestJSON `json:"groupRequests"`
	}
	e.ok(t, "ka", "get_recv_group_applicationList", map[string]any{"fromUserID": "ka", "pagination": groupPage10}, &recv)
	if len(recv.GroupRequests) != 1 || recv.GroupRequests[0].InviterUserID != "kc" || recv.GroupRequests[0].UserInfo.UserID != "ke" {
		t.Fatalf("invitation request %+v", recv)
	}
	e.ok(t, "kb", "group_application_response", map[string]any{"groupID": "k1", "fromUserID": "ke", "handleResult": 1}, nil)
	if e.member(t, "k1", "ke") == nil {
		t.Fatal("approved invitee missing")
	}

	kick := func(ids ...string) map[string]any {
		return map[string]any{"groupID": "k1", "kickedUserIDs": ids, "reason": "r"}
	}
	for _, tc := range []struct {
		name, user string
		ids        []string
		code       int
	}{
		{"member kicks", "kc", []string{"kd"}, grpCodeNoPermission},
		{"admin kicks admin", "kb", []string{"kb2"}, grpCodeNoPermission},
		{"kick the owner", "kb", []string{"ka"}, grpCodeArgs},
		{"kick self", "kb", []string{"kb"}, grpCodeArgs},
		{"not a member", "ka", []string{"kx"}, grpCodeUserNotFound},
		{"outsider", "kx", []string{"kc"}, grpCodeNoPermission},
		{"duplicates", "ka", []string{"kc", "kc"}, grpCodeArgs},
	} {
		t.Run("kick/"+tc.name, func(t *testing.T) { e.fail(t, tc.user, "kick_group", kick(tc.ids...), tc.code) })
	}
	e.ok(t, "kb", "kick_group", kick("kc"), nil)
	e.ok(t, "ka", "kick_group", kick("kb2"), nil)
	if ids := e.memberIDs(t, "k1"); !slices.Equal(ids, []string{"ka", "kb", "kd", "ke"}) {
		t.Fatalf("members after kicks: %v", ids)
	}

	e.fail(t, "kx", "quit_group", map[string]any{"groupID": "k1"}, grpCodeNotFound)
	e.fail(t, "ka", "quit_group", map[string]any{"groupID": "k1"}, grpCodeNoPermission)
	e.fail(t, "kd", "quit_group", map[string]any{"groupID": "k1", "userID": "ke"}, grpCodeNoPermission)
	e.fail(t, "kd", "quit_group", map[string]any{}, grpCodeArgs)
	e.ok(t, "kd", "quit_group", map[string]any{"groupID": "k1", "userID": "kd"}, nil)
	e.ok(t, adminUserID, "quit_group", map[string]any{"groupID": "k1", "userID": "ke"}, nil)
	if ids := e.memberIDs(t, "k1"); !slices.Equal(ids, []string{"ka", "kb"}) {
		t.Fatalf("members after quits: %v", ids)
	}
}

func TestGroupOwnerAndSettings(t *testing.T) {
	e := newGroupEnv(t, "oa", "ob", "oc", "ox")
	e.create(t, "o1", "oa", []string{"ob"}, []string{"oc"}, 0)

	// set_group_info: managers only; empty strings mean unchanged.
	e.fail(t, "oc", "set_group_info", map[string]any{"groupInfoForSet": map[string]any{"groupID": "o1", "groupName": "x"}}, grpCodeNoPermission)
	e.fail(t, "ox", "set_group_info", map[string]any{"groupInfoForSet": map[string]any{"groupID": "o1", "groupName": "x"}}, grpCodeNoPermission)
	e.fail(t, "ob", "set_group_info", map[string]any{}, grpCodeArgs)
	e.ok(t, "ob", "set_group_info", map[string]any{"groupInfoForSet": map[string]any{"groupID": "o1", "groupName": "Renamed",
		"notification": "notice", "introduction": "", "ex": "e1"}}, nil)
	g := e.groupInfoJSON(t, "o1")
	if g.GroupName != "Renamed" || g.Notification != "notice" || g.Ex != "e1" {
		t.Fatalf("after set_group_info %+v", g)
	}
	e.fail(t, "ob", "set_group_info_ex", map[string]any{"groupID": "o1", "groupName": " "}, grpCodeArgs)
	e.fail(t, "ob", "set_group_info_ex", map[string]any{"groupID": "o1", "needVerification": 5}, grpCodeArgs)
	e.fail(t, "oc", "set_group_info_ex", map[string]any{"groupID": "o1", "introduction": "x"}, grpCodeNoPermission)
	e.ok(t, "oa", "set_group_info_ex", map[string]any{"groupID": "o1", "notification": "", "introduction": "intro"}, nil)
	if g := e.groupInfoJSON(t, "o1"); g.Notification != "" || g.Introduction != "intro" || g.GroupName != "Renamed" {
		t.Fatalf("after set_group_info_ex %+v", g)
	}

	// Member mutes.
	mute := func(uid string, s int) map[string]any {
		return map[string]any{"groupID": "o1", "userID": uid, "mutedSeconds": s}
	}
	e.fail(t, "ob", "mute_group_member", mute("oa", 60), grpCodeNoPermission)
	e.fail(t, "oc", "mute_group_member", mute("ob", 60), grpCodeNoPermission)
	e.fail(t, "ob", "mute_group_member", mute("oc", 0), grpCodeArgs)
	e.fail(t, "ob", "mute_group_member", mute("ox", 60), grpCodeNotFound)
	e.ok(t, "ob", "mute_group_member", mute("oc", 60), nil)
	if m := e.member(t, "o1", "oc"); m.MuteEndTime == 0 {
		t.Fatal("not muted")
	}
	e.fail(t, "oc", "cancel_mute_group_member", map[string]any{"groupID": "o1", "userID": "oc"}, grpCodeNoPermission)
	e.ok(t, "oa", "cancel_mute_group_member", map[string]any{"groupID": "o1", "userID": "oc"}, nil)
	if m := e.member(t, "o1", "oc"); m.MuteEndTime != 0 {
		t.Fatal("still muted")
	}

	// Whole-group mute.
	e.fail(t, "oc", "mute_group", map[string]any{"groupID": "o1"}, grpCodeNoPermission)
	e.ok(t, "ob", "mute_group", map[string]any{"groupID": "o1"}, nil)
	if e.groupInfoJSON(t, "o1").Status != 3 {
		t.Fatal("group not muted")
	}
	e.fail(t, "oc", "cancel_mute_group", map[string]any{"groupID": "o1"}, grpCodeNoPermission)
	e.ok(t, "oa", "cancel_mute_group", map[string]any{"groupID": "o1"}, nil)
	if e.groupInfoJSON(t, "o1").Status != 0 {
		t.Fatal("group still muted")
	}

	// Member profile and roles.
	setMember := func(uid string, fields map[string]any) map[string]any {
		m := map[string]any{"groupID": "o1", "userID": uid}
		for k, v := range fields {
			m[k] = v
		}
		return map[string]any{"members": []any{m}}
	}
	e.fail(t, "oc", "set_group_member_info", setMember("ob", map[string]any{"nickname": "x"}), grpCodeNoPermission)
	e.fail(t, "oc", "set_group_member_info", setMember("oc", map[string]any{"roleLevel": 60}), grpCodeNoPermission)
	e.fail(t, "ob", "set_group_member_info", setMember("oa", map[string]any{"nickname": "x"}), grpCodeNoPermission)
	e.fail(t, "oa", "set_group_member_info", setMember("oa", map[string]any{"roleLevel": 20}), grpCodeArgs)
	e.fail(t, "oa", "set_group_member_info", setMember("oc", map[string]any{"roleLevel": 100}), grpCodeNoPermission)
	e.fail(t, "oa", "set_group_member_info", setMember("ox", map[string]any{"nickname": "x"}), grpCodeArgs)
	e.fail(t, "oa", "set_group_member_info", map[string]any{"members": []any{}}, grpCodeArgs)
	e.ok(t, "oc", "set_group_member_info", setMember("oc", map[string]any{"nickname": "Cee", "faceURL": "f", "ex": "x"}), nil)
	if m := e.member(t, "o1", "oc"); m.Nickname != "Cee" || m.FaceURL != "f" || m.Ex != "x" {
		t.Fatalf("own profile %+v", m)
	}
	e.ok(t, "ob", "set_group_member_info", setMember("oc", map[string]any{"roleLevel": 60}), nil)
	if e.member(t, "o1", "oc").RoleLevel != 60 {
		t.Fatal("not promoted")
	}

	// Transfer.
	transfer := func(from, to string) map[string]any {
		return map[string]any{"groupID": "o1", "oldOwnerUserID": from, "newOwnerUserID": to}
	}
	e.fail(t, "ob", "transfer_group", transfer("oa", "ob"), grpCodeNoPermission)
	e.fail(t, "oa", "transfer_group", transfer("oa", "oa"), grpCodeArgs)
	e.fail(t, "oa", "transfer_group", transfer("oa", "ox"), grpCodeArgs)
	e.ok(t, "oa", "transfer_group", transfer("oa", "ob"), nil)
	if e.groupInfoJSON(t, "o1").OwnerUserID != "ob" || e.member(t, "o1", "oa").RoleLevel != 60 || e.member(t, "o1", "ob").RoleLevel != 100 {
		t.Fatal("roles after transfer")
	}

	// Dismiss: the owner or the app admin; a group admin may not.
	e.fail(t, "oa", "dismiss_group", map[string]any{"groupID": "o1"}, grpCodeNoPermission)
	e.fail(t, "ob", "dismiss_group", map[string]any{"groupID": "nope"}, grpCodeNotFound)
	e.ok(t, "ob", "dismiss_group", map[string]any{"groupID": "o1"}, nil)
	if g := e.groupInfoJSON(t, "o1"); g.Status != 2 || g.MemberCount != 0 {
		t.Fatalf("dismissed group %+v", g)
	}
	e.fail(t, adminUserID, "dismiss_group", map[string]any{"groupID": "o1"}, grpCodeDismissed)
	e.fail(t, "oc", "join_group", map[string]any{"groupID": "o1", "joinSource": 3}, grpCodeDismissed)
	e.fail(t, adminUserID, "set_group_info_ex", map[string]any{"groupID": "o1", "introduction": "x"}, grpCodeDismissed)
	e.fail(t, adminUserID, "mute_group", map[string]any{"groupID": "o1"}, grpCodeDismissed)
	e.create(t, "o2", "oa", nil, []string{"oc"}, 0)
	e.ok(t, adminUserID, "dismiss_group", map[string]any{"groupID": "o2", "deleteMember": true}, nil)
}

// groupIncrementalJoin is get_incremental_join_groups' answer.
type groupIncrementalJoin struct {
	VersionID string          `json:"versionID"`
	Version   uint64          `json:"version"`
	Full      bool            `json:"full"`
	Delete    []string        `json:"delete"`
	Insert    []groupInfoJSON `json:"insert"`
}

type groupIncrementalMembers struct {
	VersionID string            `json:"versionID"`
	Version   uint64            `json:"version"`
	Full      bool              `json:"full"`
	Delete    []string          `json:"delete"`
	Insert    []groupMemberJSON `json:"insert"`
	Update    []groupMemberJSON `json:"update"`
	Group     *groupInfoJSON    `json:"group"`
}

func TestGroupIncrementalSync(t *testing.T) {
	e := newGroupEnv(t, "sa", "sb", "sc", "sd")
	e.create(t, "s1", "sa", nil, []string{"sb"}, 2)

	var first groupIncrementalJoin
	e.ok(t, "sb", "get_incremental_join_groups", map[string]any{"userID": "sb", "version": 0, "versionID": ""}, &first)
	if !first.Full || first.VersionID == "" || first.Version == 0 || len(first.Insert) != 0 {
		t.Fatalf("first join sync %+v", first)
	}
	e.fail(t, "sc", "get_incremental_join_groups", map[string]any{"userID": "sb"}, grpCodeNoPermission)

	e.create(t, "s2", "sc", nil, []string{"sb"}, 0)
	e.ok(t, "sb", "quit_group", map[string]any{"groupID": "s1"}, nil)
	var diff groupIncrementalJoin
	e.ok(t, "sb", "get_incremental_join_groups", map[string]any{"userID": "sb", "version": first.Version, "versionID": first.VersionID}, &diff)
	if diff.Full || len(diff.Insert) != 1 || diff.Insert[0].GroupID != "s2" || !slices.Equal(diff.Delete, []string{"s1"}) ||
		diff.Version <= first.Version || diff.VersionID != first.VersionID {
		t.Fatalf("join diff %+v", diff)
	}

	// Member diffs, single and batched.
	var m0 groupIncrementalMembers
	e.ok(t, "sa", "get_incremental_group_members", map[string]any{"groupID": "s1", "version": 0}, &m0)
	if !m0.Full || m0.Group == nil || m0.Group.MemberCount != 1 {
		t.Fatalf("first member sync %+v", m0)
	}
	e.ok(t, "sc", "join_group", map[string]any{"groupID": "s1", "joinSource": 3}, nil)
	e.ok(t, "sd", "join_group", map[string]any{"groupID": "s1", "joinSource": 3}, nil)
	e.ok(t, "sa", "kick_group", map[string]any{"groupID": "s1", "kickedUserIDs": []string{"sd"}}, nil)
	e.ok(t, "sa", "set_group_info_ex", map[string]any{"groupID": "s1", "introduction": "changed"}, nil)

	env := e.n.Post(t, "/group/get_incremental_group_members_batch", e.tok["sa"], map[string]any{"userID": "sa",
		"reqList": []map[string]any{{"groupID": "s1", "version": m0.Version, "versionID": m0.VersionID}, {"groupID": "s2", "version": 0}}})
	if env.ErrCode != 0 {
		t.Fatalf("batch: %d %s", env.ErrCode, env.ErrDlt)
	}
	if strings.Contains(string(env.Data), `"insert":[]`) || strings.Contains(string(env.Data), `"update":[]`) {
		t.Fatalf("the batch carries an empty insert or update (the JS SDK reads its first element): %s", env.Data)
	}
	var batch struct {
		RespList map[string]groupIncrementalMembers `json:"respList"`
	}
	if err := json.Unmarshal(env.Data, &batch); err != nil {
		t.Fatal(err)
	}
	s1, ok := batch.RespList["s1"]
	if s2, in := batch.RespList["s2"]; !ok || !in || len(batch.RespList) != 2 || s2.Full || s2.Group != nil || s2.Insert != nil {
		t.Fatalf("batch entries: %s (sa is in s1 only; s2 answers sa's own position back)", env.Data)
	}
	if s1.Full || len(s1.Insert) != 1 || s1.Insert[0].UserID != "sc" || !slices.Equal(s1.Delete, []string{"sd"}) ||
		s1.Group == nil || s1.Group.Introduction != "changed" || s1.Update != nil {
		t.Fatalf("member diff %s", env.Data)
	}
	var eq groupIncrementalMembers
	e.ok(t, "sa", "get_incremental_group_members", map[string]any{"groupID": "s1", "version": s1.Version, "versionID": s1.VersionID}, &eq)
	if eq.Full || len(eq.Insert) != 0 || len(eq.Delete) != 0 || eq.Group != nil {
		t.Fatalf("no change since: %+v", eq)
	}
	e.fail(t, "sd", "get_incremental_group_members", map[string]any{"groupID": "s1"}, grpCodeNoPermission)
	e.fail(t, "sb", "get_incremental_group_members_batch", map[string]any{"userID": "sa", "reqList": []any{}}, grpCodeNoPermission)

	// The batch for sb: an entry for every group requested, s2 fully resynced at version 0, s1 (which
	// sb left) with sb's own position back.
	env = e.n.Post(t, "/group/get_incremental_group_members_batch", e.tok["sb"], map[string]any{"userID": "sb",
		"reqList": []map[string]any{{"groupID": "s2", "version": 0, "versionID": ""}, {"groupID": "s1"}}})
	var batchB struct {
		RespList map[string]groupIncrementalMembers `json:"respList"`
	}
	if err := json.Unmarshal(env.Data, &batchB); err != nil || env.ErrCode != 0 {
		t.Fatalf("batch of sb: %v %s", err, env.Data)
	}
	if s2, ok := batchB.RespList["s2"]; !ok || !s2.Full || s2.Group == nil || len(batchB.RespList) != 2 || batchB.RespList["s1"].Full {
		t.Fatalf("batch of sb: %s", env.Data)
	}
}

// TestGroupBadInput: every group endpoint answers 1001 to a body missing its required fields and to
// a body that is not JSON, and changes nothing.
func TestGroupBadInput(t *testing.T) {
	e := newGroupEnv(t, "ba")
	e.create(t, "b1", "ba", nil, nil, 0)
	paths := []string{"create_group", "join_group", "quit_group", "kick_group", "group_application_response",
		"invite_user_to_group", "transfer_group", "dismiss_group", "mute_group_member", "cancel_mute_group_member",
		"mute_group", "cancel_mute_group", "set_group_info", "set_group_info_ex", "set_group_member_info",
		"get_groups_info", "get_group_member_list", "get_group_members_info", "get_joined_group_list",
		"get_recv_group_applicationList", "get_user_req_group_applicationList", "get_specified_user_group_request_info",
		"get_full_group_member_user_ids", "get_full_join_group_ids", "get_incremental_join_groups",
		"get_incremental_group_members", "get_incremental_group_members_batch"}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			if p != "get_incremental_group_members_batch" { // every field of the batch is optional
				e.fail(t, "ba", p, map[string]any{}, grpCodeArgs)
			}
			e.fail(t, "ba", p, "{not json", grpCodeArgs)
		})
	}
	if g := e.groupInfoJSON(t, "b1"); g.MemberCount != 1 || g.Status != 0 {
		t.Fatalf("bad input changed the group: %+v", g)
	}
	e.fail(t, "ba", "get_incremental_group_members_batch", map[string]any{"reqList": groupManyReqs(1001)}, grpCodeArgs)
}

func groupManyReqs(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"groupID": "g" + strconv.Itoa(i)}
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// Notifications through the WebSocket: who gets each of 1501-1520, with what.

// groupNoteWatch collects the notification pushes of each user's WebSocket connection. Pushes a
// step does not ask for stay pending, so the order in which several notifications arrive does not
// matter and the leftovers can be inspected at the end.
type groupNoteWatch struct {
	conns   map[string]*client.Conn
	pending map[string][]groupNote
}

// groupNote is one pushed message with the conversation it came under.
type groupNote struct {
	conversationID string
	notification   bool // under notificationMsgs
	msg            *pb.MsgData
}

func (e *groupEnv) watch(t *testing.T, users ...string) *groupNoteWatch {
	t.Helper()
	w := &groupNoteWatch{conns: map[string]*client.Conn{}, pending: map[string][]groupNote{}}
	for _, u := range users {
		w.conns[u] = wsDial(t, e.n, u, 5, e.tok[u], client.DialOptions{})
	}
	return w
}

// next waits for user's first pending or new push that match accepts.
func (w *groupNoteWatch) next(t *testing.T, user string, match func(groupNote) bool) groupNote {
	t.Helper()
	for {
		for i, n := range w.pending[user] {
			if match(n) {
				w.pending[user] = slices.Delete(w.pending[user], i, i+1)
				return n
			}
		}
		p := wsPush(t, w.conns[user])
		if p.Msgs == nil {
			continue
		}
		for _, byConv := range []struct {
			m            map[string]*pb.PullMsgs
			notification bool
		}{{p.Msgs.NotificationMsgs, true}, {p.Msgs.Msgs, false}} {
			for cid, pm := range byConv.m {
				for _, m := range pm.GetMsgs() {
					w.pending[user] = append(w.pending[user], groupNote{conversationID: cid, notification: byConv.notification, msg: m})
				}
			}
		}
	}
}

// expect waits until each user got the group-wide notification of contentType ct (its n_ copy)
// and returns it; all must have got the same message.
func (w *groupNoteWatch) expect(t *testing.T, ct int32, users ...string) *pb.MsgData {
	t.Helper()
	return w.expectTo(t, ct, "", users...)
}

// expectTo is expect for the notification addressed to recvID ("" = any): a user-targeted one
// reaches its receiver and, by senderSync, the sender's devices.
func (w *groupNoteWatch) expectTo(t *testing.T, ct int32, recvID string, users ...string) *pb.MsgData {
	t.Helper()
	var first *pb.MsgData
	for _, u := range users {
		n := w.next(t, u, func(n groupNote) bool {
			return n.notification && n.msg.ContentType == ct && (recvID == "" || n.msg.RecvID == recvID)
		})
		if first != nil && n.msg.ServerMsgID != first.ServerMsgID {
			t.Fatalf("%d: %s got message %s, others %s", ct, u, n.msg.ServerMsgID, first.ServerMsgID)
		}
		if first == nil {
			first = n.msg
		}
	}
	return first
}

// untilText consumes user's pushes up to the chat message with clientMsgID and returns the
// notifications pushed before it.
func (w *groupNoteWatch) untilText(t *testing.T, user, clientMsgID string) []*pb.MsgData {
	t.Helper()
	w.next(t, user, func(n groupNote) bool { return n.msg.ClientMsgID == clientMsgID })
	var notes []*pb.MsgData
	for _, n := range w.pending[user] {
		if n.notification {
			notes = append(notes, n.msg)
		}
	}
	w.pending[user] = nil
	return notes
}

// dedupeStrings lists its arguments once each, in order.
func dedupeStrings(ids ...string) []string {
	var out []string
	for _, id := range ids {
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// groupTipsOf decodes a notification's tips (content {"detail": "<tips JSON>"}) into out and
// checks that every listed key is present, spelled as upstream.
func groupTipsOf(t *testing.T, m *pb.MsgData, out any, keys ...string) {
	t.Helper()
	raw := tipsJSON(t, m)
	for _, k := range keys {
		if _, ok := raw[k]; !ok {
			t.Fatalf("%d: tips lack %q: %s", m.ContentType, k, describeTips(raw))
		}
	}
	if out != nil {
		detail := tipsDetail(t, m.ContentType, m.Content)
		if err := json.Unmarshal(detail, out); err != nil {
			t.Fatalf("%d: tips %s: %v", m.ContentType, detail, err)
		}
	}
}

// groupTipsJSON holds the fields of every group tips message the test reads.
type groupTipsJSON struct {
	Group                *groupInfoJSON    `json:"group"`
	OpUser               *groupMemberJSON  `json:"opUser"`
	GroupMemberVersion   uint64            `json:"groupMemberVersion"`
	GroupMemberVersionID string            `json:"groupMemberVersionID"`
	MemberList           []groupMemberJSON `json:"memberList"`
	GroupOwnerUser       *groupMemberJSON  `json:"groupOwnerUser"`
	Applicant            *struct {
		UserID string `json:"userID"`
	} `json:"applicant"`
	ReqMsg            string            `json:"reqMsg"`
	HandleMsg         string            `json:"handleMsg"`
	ReceiverAs        int32             `json:"receiverAs"`
	Request           *groupRequestJSON `json:"request"`
	EntrantUser       *groupMemberJSON  `json:"entrantUser"`
	InvitedUserList   []groupMemberJSON `json:"invitedUserList"`
	InviterUser       *groupMemberJSON  `json:"inviterUser"`
	QuitUser          *groupMemberJSON  `json:"quitUser"`
	KickedUserList    []groupMemberJSON `json:"kickedUserList"`
	MutedUser         *groupMemberJSON  `json:"mutedUser"`
	MutedSeconds      uint32            `json:"mutedSeconds"`
	ChangedUser       *groupMemberJSON  `json:"changedUser"`
	NewGroupOwner     *groupMemberJSON  `json:"newGroupOwner"`
	OldGroupOwner     string            `json:"oldGroupOwner"`
	OldGroupOwnerInfo *groupMemberJSON  `json:"oldGroupOwnerInfo"`
	OperationTime     int64             `json:"operationTime"`
}

// memberVersion is the group's member log position now, as the incremental sync reports it.
func (e *groupEnv) memberVersion(t *testing.T, user, gid string) (uint64, string) {
	t.Helper()
	var out struct {
		Version   uint64 `json:"version"`
		VersionID string `json:"versionID"`
	}
	e.ok(t, user, "get_full_group_member_user_ids", map[string]any{"groupID": gid, "idHash": 0}, &out)
	return out.Version, out.VersionID
}

// TestGroupNotifications: every group change sends its notification (1501-1520) to upstream's
// recipients, as a system message of the right session in the right n_ stream, with consecutive
// seqs, upstream's tips keys, and (for member and info changes) the member version after the
// change. Kicked and quitting users get theirs; nobody else gets another's application tips.
func TestGroupNotifications(t *testing.T) {
	users := []string{"own", "adm", "mem", "kik", "qut", "app", "inv", "out"}
	e := newGroupEnv(t, users...)
	w := e.watch(t, users...)
	const gid = "gn1"
	nID := "n_" + gid

	var lastSeq int64
	// groupWide checks a group-wide notification: from op, sessionType 3 to the group, the next
	// seq of n_<gid>, and (withVersion) the member version the group has now.
	groupWide := func(m *pb.MsgData, op string, tips *groupTipsJSON, withVersion bool) {
		t.Helper()
		if m.SessionType != 3 || m.RecvID != gid || m.GroupID != gid || m.SendID != op || m.MsgFrom != 200 ||
			m.Seq != lastSeq+1 || m.Options["isNotNotification"] {
			t.Fatalf("%d: message %v (last n_ seq %d)", m.ContentType, m, lastSeq)
		}
		lastSeq = m.Seq
		if tips.Group == nil || tips.Group.GroupID != gid {
			t.Fatalf("%d: tips group %+v", m.ContentType, tips.Group)
		}
		if withVersion {
			v, id := e.memberVersion(t, adminUserID, gid)
			if tips.GroupMemberVersion != v || tips.GroupMemberVersionID != id || id == "" {
				t.Fatalf("%d: tips member version %d/%s, group at %d/%s", m.ContentType, tips.GroupMemberVersion,
					tips.GroupMemberVersionID, v, id)
			}
		}
	}
	versionKeys := []string{"group", "groupMemberVersion", "groupMemberVersionID"}
	keys := func(extra ...string) []string { return append(slices.Clone(versionKeys), extra...) }

	// create_group with an announcement: 1501, then 1519, to every member.
	e.ok(t, "own", "create_group", map[string]any{"ownerUserID": "own", "adminUserIDs": []string{"adm"},
		"memberUserIDs": []string{"mem", "kik", "qut"}, "groupInfo": map[string]any{"groupID": gid, "groupName": "Team",
			"groupType": 2, "notification": "welcome"}}, nil)
	members := []string{"own", "adm", "mem", "kik", "qut"}
	var tips groupTipsJSON
	m := w.expect(t, 1501, members...)
	groupTipsOf(t, m, &tips, keys("opUser", "memberList", "operationTime", "groupOwnerUser")...)
	groupWide(m, "own", &tips, true)
	if tips.Group.MemberCount != 5 || tips.Group.OwnerUserID != "own" || tips.GroupOwnerUser.UserID != "own" ||
		tips.OpUser.UserID != "own" || len(tips.MemberList) == 0 || tips.GroupMemberVersion == 0 {
		t.Fatalf("1501 tips %+v", tips)
	}
	tips = groupTipsJSON{}
	m = w.expect(t, 1519, members...)
	groupTipsOf(t, m, &tips, keys("opUser")...)
	groupWide(m, "own", &tips, true)
	// The chat copy of 1501 is the group chat's first message.
	var pulled pullResp
	e.n.PostOK(t, "/msg/pull_msg_by_seq", e.tok["mem"], map[string]any{"userID": "mem", "seqRanges": []map[string]any{
		{"conversationID": "sg_" + gid, "begin": 1, "end": 1, "num": 1}}}, &pulled)
	if msgs := pulled.Msgs["sg_"+gid].Msgs; len(msgs) != 1 || msgs[0].ContentType != 1501 || msgs[0].MsgFrom != 200 {
		t.Fatalf("sg_ seq 1: %+v", pulled.Msgs)
	}

	// set_group_info_ex: announcement 1519, name 1520, another field 1502.
	e.ok(t, "adm", "set_group_info_ex", map[string]any{"groupID": gid, "notification": "news", "groupName": "Team 2",
		"introduction": "we"}, nil)
	for _, ct := range []int32{1519, 1520, 1502} {
		tips = groupTipsJSON{}
		m = w.expect(t, ct, members...)
		groupTipsOf(t, m, &tips, keys("opUser")...)
		groupWide(m, "adm", &tips, true)
		if tips.OpUser.UserID != "adm" || tips.OpUser.RoleLevel != 60 || tips.Group.GroupName != "Team 2" ||
			tips.Group.Notification != "news" || tips.Group.Introduction != "we" {
			t.Fatalf("%d tips %+v", ct, tips)
		}
	}
	// The announcement marks each member's group conversation (groupAtType 4): 1300 to each.
	for _, u := range members {
		m = w.expectTo(t, 1300, u, u)
		var conv struct {
			UserID             string   `json:"userID"`
			ConversationIDList []string `json:"conversationIDList"`
		}
		groupTipsOf(t, m, &conv, "userID", "conversationIDList")
		if m.SendID != u || m.RecvID != u || conv.UserID != u || !slices.Equal(conv.ConversationIDList, []string{"sg_" + gid}) {
			t.Fatalf("1300 to %s: %v %+v", u, m, conv)
		}
	}

	// join_group (applications need approval): 1503 to each manager and the applicant, as
	// sessionType 1 in the pair stream.
	e.ok(t, "app", "join_group", map[string]any{"groupID": gid, "reqMessage": "let me in", "joinSource": 3, "inviterUserID": "app"}, nil)
	for _, u := range []string{"own", "adm", "app"} {
		tips = groupTipsJSON{}
		m = w.expectTo(t, 1503, u, dedupeStrings(u, "app")...)
		groupTipsOf(t, m, &tips, "group", "applicant", "reqMsg", "uuid", "request")
		if m.SessionType != 1 || m.RecvID != u || m.SendID != "app" || m.Seq == 0 || tips.Applicant.UserID != "app" ||
			tips.ReqMsg != "let me in" || tips.Group.GroupID != gid || tips.Request.UserInfo.UserID != "app" {
			t.Fatalf("1503 to %s: %v, tips %+v", u, m, tips)
		}
	}
	// The admin accepts: 1505 to the managers (receiverAs 1) and the applicant (0), then 1510 to
	// the group, the entrant included.
	e.ok(t, "adm", "group_application_response", map[string]any{"groupID": gid, "fromUserID": "app", "handledMsg": "ok",
		"handleResult": 1}, nil)
	for u, as := range map[string]int32{"own": 1, "adm": 1, "app": 0} {
		tips = groupTipsJSON{ReceiverAs: -1}
		m = w.expectTo(t, 1505, u, dedupeStrings(u, "adm")...)
		groupTipsOf(t, m, &tips, "group", "opUser", "handleMsg", "receiverAs", "uuid", "request")
		if m.SessionType != 1 || m.RecvID != u || tips.ReceiverAs != as || tips.HandleMsg != "ok" || tips.OpUser.UserID != "adm" {
			t.Fatalf("1505 to %s: %v, tips %+v", u, m, tips)
		}
	}
	members = append(members, "app")
	tips = groupTipsJSON{}
	m = w.expect(t, 1510, members...)
	groupTipsOf(t, m, &tips, keys("entrantUser", "operationTime")...)
	groupWide(m, "adm", &tips, true)
	if tips.EntrantUser.UserID != "app" || tips.Group.MemberCount != 6 {
		t.Fatalf("1510 tips %+v", tips)
	}

	// A refused application: 1506 to the managers and the applicant.
	e.ok(t, "out", "join_group", map[string]any{"groupID": gid, "joinSource": 3}, nil)
	for _, u := range []string{"own", "adm", "out"} {
		w.expectTo(t, 1503, u, dedupeStrings(u, "out")...)
	}
	e.ok(t, "own", "group_application_response", map[string]any{"groupID": gid, "fromUserID": "out", "handledMsg": "no",
		"handleResult": -1}, nil)
	for u, as := range map[string]int32{"own": 1, "adm": 1, "out": 0} {
		tips = groupTipsJSON{ReceiverAs: -1}
		m = w.expectTo(t, 1506, u, dedupeStrings(u, "own")...)
		groupTipsOf(t, m, &tips, "group", "opUser", "handleMsg", "receiverAs", "uuid", "request")
		if m.SessionType != 1 || tips.ReceiverAs != as || tips.HandleMsg != "no" {
			t.Fatalf("1506 to %s: %v, tips %+v", u, m, tips)
		}
	}

	// invite_user_to_group by the owner: 1509 to the group, the invitee included.
	e.ok(t, "own", "invite_user_to_group", map[string]any{"groupID": gid, "invitedUserIDs": []string{"inv"}, "reason": "join"}, nil)
	members = append(members, "inv")
	tips = groupTipsJSON{}
	m = w.expect(t, 1509, members...)
	groupTipsOf(t, m, &tips, keys("opUser", "invitedUserList", "operationTime", "inviterUser")...)
	groupWide(m, "own", &tips, true)
	if len(tips.InvitedUserList) != 1 || tips.InvitedUserList[0].UserID != "inv" || tips.InviterUser.UserID != "own" {
		t.Fatalf("1509 tips %+v", tips)
	}

	// Member mute and unmute by an admin: 1512 (mutedSeconds), 1513.
	e.ok(t, "adm", "mute_group_member", map[string]any{"groupID": gid, "userID": "mem", "mutedSeconds": 60}, nil)
	tips = groupTipsJSON{}
	m = w.expect(t, 1512, members...)
	groupTipsOf(t, m, &tips, keys("opUser", "operationTime", "mutedUser", "mutedSeconds")...)
	groupWide(m, "adm", &tips, true)
	if tips.MutedUser.UserID != "mem" || tips.MutedSeconds != 60 || tips.MutedUser.MuteEndTime < tips.OperationTime+60000 {
		t.Fatalf("1512 tips %+v", tips)
	}
	e.ok(t, "adm", "cancel_mute_group_member", map[string]any{"groupID": gid, "userID": "mem"}, nil)
	tips = groupTipsJSON{}
	m = w.expect(t, 1513, members...)
	groupTipsOf(t, m, &tips, keys("opUser", "operationTime", "mutedUser")...)
	groupWide(m, "adm", &tips, true)
	if tips.MutedUser.UserID != "mem" || tips.MutedUser.MuteEndTime != 0 {
		t.Fatalf("1513 tips %+v", tips)
	}

	// Group mute and unmute: 1514 (status 3), 1515 (status 0).
	for _, step := range []struct {
		path   string
		ct     int32
		status int
	}{{"mute_group", 1514, 3}, {"cancel_mute_group", 1515, 0}} {
		e.ok(t, "own", step.path, map[string]any{"groupID": gid}, nil)
		tips = groupTipsJSON{}
		m = w.expect(t, step.ct, members...)
		groupTipsOf(t, m, &tips, keys("opUser", "operationTime")...)
		groupWide(m, "own", &tips, true)
		if tips.Group.Status != step.status {
			t.Fatalf("%d tips %+v", step.ct, tips)
		}
	}

	// Member info: own profile 1516, role to admin 1517, back to member 1518.
	for _, step := range []struct {
		op    string
		patch map[string]any
		ct    int32
		role  int
	}{
		{"mem", map[string]any{"nickname": "M"}, 1516, 20},
		{"own", map[string]any{"roleLevel": 60}, 1517, 60},
		{"own", map[string]any{"roleLevel": 20}, 1518, 20},
	} {
		patch := map[string]any{"groupID": gid, "userID": "mem"}
		maps.Copy(patch, step.patch)
		e.ok(t, step.op, "set_group_member_info", map[string]any{"members": []any{patch}}, nil)
		tips = groupTipsJSON{}
		m = w.expect(t, step.ct, members...)
		groupTipsOf(t, m, &tips, keys("opUser", "operationTime", "changedUser")...)
		groupWide(m, step.op, &tips, true)
		if tips.ChangedUser.UserID != "mem" || tips.ChangedUser.RoleLevel != step.role {
			t.Fatalf("%d tips %+v", step.ct, tips)
		}
	}

	// transfer_group: 1507 with the swapped roles.
	e.ok(t, "own", "transfer_group", map[string]any{"groupID": gid, "oldOwnerUserID": "own", "newOwnerUserID": "adm"}, nil)
	tips = groupTipsJSON{}
	m = w.expect(t, 1507, members...)
	groupTipsOf(t, m, &tips, keys("opUser", "newGroupOwner", "oldGroupOwner", "operationTime", "oldGroupOwnerInfo")...)
	groupWide(m, "own", &tips, true)
	if tips.NewGroupOwner.UserID != "adm" || tips.NewGroupOwner.RoleLevel != 100 || tips.OldGroupOwner != "own" ||
		tips.OldGroupOwnerInfo.RoleLevel != 60 || tips.Group.OwnerUserID != "adm" {
		t.Fatalf("1507 tips %+v", tips)
	}

	// kick_group: 1508 to the group and the kicked user.
	e.ok(t, "adm", "kick_group", map[string]any{"groupID": gid, "kickedUserIDs": []string{"kik"}, "reason": "bye"}, nil)
	tips = groupTipsJSON{}
	m = w.expect(t, 1508, members...) // kik is still listed: they get it too
	groupTipsOf(t, m, &tips, keys("opUser", "kickedUserList", "operationTime")...)
	groupWide(m, "adm", &tips, true)
	if len(tips.KickedUserList) != 1 || tips.KickedUserList[0].UserID != "kik" || tips.Group.MemberCount != 6 {
		t.Fatalf("1508 tips %+v", tips)
	}
	members = slices.DeleteFunc(members, func(u string) bool { return u == "kik" })

	// quit_group: 1504 to the group and the quitter.
	e.ok(t, "qut", "quit_group", map[string]any{"groupID": gid, "userID": "qut"}, nil)
	tips = groupTipsJSON{}
	m = w.expect(t, 1504, members...)
	groupTipsOf(t, m, &tips, keys("quitUser", "operationTime")...)
	groupWide(m, "qut", &tips, true)
	if tips.QuitUser.UserID != "qut" || tips.Group.MemberCount != 5 {
		t.Fatalf("1504 tips %+v", tips)
	}
	members = slices.DeleteFunc(members, func(u string) bool { return u == "qut" })

	// dismiss_group: 1511 (status 2) to the members left.
	e.ok(t, "adm", "dismiss_group", map[string]any{"groupID": gid}, nil)
	tips = groupTipsJSON{}
	m = w.expect(t, 1511, members...)
	groupTipsOf(t, m, &tips, "group", "opUser", "operationTime")
	groupWide(m, "adm", &tips, false)
	if tips.Group.Status != 2 {
		t.Fatalf("1511 tips %+v", tips)
	}

	// Nobody got more: a marker message to each user closes their stream; what came before it
	// and was not asked for above is a notification sent to the wrong user.
	for _, u := range users {
		to := "own"
		if u == "own" {
			to = "adm"
		}
		id := "marker-" + u
		e.n.PostOK(t, "/msg/send_msg", e.tok[adminUserID], map[string]any{"msgData": map[string]any{"sendID": to, "recvID": u,
			"clientMsgID": id, "sessionType": 1, "contentType": 101, "content": map[string]string{"content": "marker"}}}, nil)
		if extra := w.untilText(t, u, id); len(extra) != 0 {
			for _, m := range extra {
				t.Errorf("%s also got %d from %s (seq %d)", u, m.ContentType, m.SendID, m.Seq)
			}
		}
	}
	// The stream has every group-wide notification, in order, for a member to pull.
	notes := func() pullMsgs {
		var r pullResp
		e.n.PostOK(t, "/msg/pull_msg_by_seq", e.tok["qut"], map[string]any{"userID": "qut", "seqRanges": []map[string]any{
			{"conversationID": nID, "begin": 1, "end": 100, "num": 100}}}, &r)
		return r.NotificationMsgs[nID]
	}()
	// qut left at the 1504: they read up to it and nothing after.
	if len(notes.Msgs) == 0 || notes.Msgs[len(notes.Msgs)-1].ContentType != 1504 {
		t.Fatalf("qut pulls %+v", notes.Msgs)
	}
	for i, m := range notes.Msgs {
		if m.Seq != int64(i+1) {
			t.Fatalf("n_ stream seq %d at %d", m.Seq, i)
		}
	}
}
