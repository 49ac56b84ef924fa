package im

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// groupTM applies commands through Machine.Apply on a real SQLite store, one transaction per
// command, rolled back on a rule failure as the FSM does.
func (tm *testM) reader(caller string) GroupReader {
	return GroupReader{Ctx: context.Background(), Q: tm.db.Reader(), Caller: Caller{UserID: caller}}
}

func (tm *testM) member(gid, uid string) *pb.GroupMemberFullInfo {
	tm.t.Helper()
	m, err := store.GetMember(context.Background(), tm.db.Reader(), gid, uid)
	if err != nil {
		tm.t.Fatal(err)
	}
	return m
}

func (tm *testM) groupInfo(gid string) *pb.GroupInfo {
	tm.t.Helper()
	g, err := store.GetGroup(context.Background(), tm.db.Reader(), gid)
	if err != nil {
		tm.t.Fatal(err)
	}
	return g
}

// create makes group gid owned by owner with the given admins and members.
func (tm *testM) create(gid, owner string, admins, members []string, needVerification int32) []Event {
	tm.t.Helper()
	return tm.ok(owner, "group.create", &CreateGroup{OwnerUserID: owner, AdminUserIDs: admins, MemberUserIDs: members,
		GroupInfo: &pb.GroupInfo{GroupID: gid, GroupName: "G " + gid, GroupType: openim.WorkingGroup, NeedVerification: needVerification}})
}

// groupNotes are the pushes of notifications of a content type in their n_ streams, in order.
func groupNotes(events []Event, ct int32) []*Push {
	var out []*Push
	for _, e := range events {
		if e.Push != nil && e.Push.Msg.ContentType == ct && strings.HasPrefix(e.Push.ConversationID, "n_") {
			out = append(out, e.Push)
		}
	}
	return out
}

// groupChatCopies are the pushes of content type ct in chat conversations.
func groupChatCopies(events []Event, ct int32) []*Push {
	var out []*Push
	for _, e := range events {
		if e.Push != nil && e.Push.Msg.ContentType == ct && !strings.HasPrefix(e.Push.ConversationID, "n_") {
			out = append(out, e.Push)
		}
	}
	return out
}

// oneGroupNote is the single n_ notification of ct; it fails the test otherwise.
func oneGroupNote(t *testing.T, events []Event, ct int32) *Push {
	t.Helper()
	ps := groupNotes(events, ct)
	if len(ps) != 1 {
		t.Fatalf("want one %d notification, got %d (events: %s)", ct, len(ps), describeGroupEvents(events))
	}
	return ps[0]
}

func describeGroupEvents(events []Event) string {
	var parts []string
	for _, e := range events {
		if e.Push != nil {
			parts = append(parts, e.Push.ConversationID+":"+itoa(e.Push.Msg.ContentType))
		}
	}
	return strings.Join(parts, " ")
}

// groupTips decodes a notification's {"detail": tips JSON} into a new T.
func groupTips[T any](t *testing.T, p *Push) *T {
	t.Helper()
	var content struct {
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(p.Msg.Content, &content); err != nil {
		t.Fatal(err)
	}
	v := new(T)
	if err := json.Unmarshal([]byte(content.Detail), v); err != nil {
		t.Fatalf("tips %s: %v", content.Detail, err)
	}
	return v
}

func groupSameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func wantGroupPush(t *testing.T, p *Push, want ...string) {
	t.Helper()
	if !groupSameSet(p.UserIDs, want) {
		t.Fatalf("%s %d pushed to %v, want %v", p.ConversationID, p.Msg.ContentType, p.UserIDs, want)
	}
}

// wantGroupNote checks the common shape of a group-wide notification.
func wantGroupNote(t *testing.T, p *Push, gid, sender string) {
	t.Helper()
	m := p.Msg
	if p.ConversationID != "n_"+gid || m.SessionType != openim.ReadGroupChat || m.GroupID != gid || m.RecvID != gid ||
		m.SendID != sender || m.MsgFrom != openim.MsgFromSystem || m.Seq == 0 {
		t.Fatalf("group note: conv %s session %d group %s recv %s send %s from %d seq %d", p.ConversationID,
			m.SessionType, m.GroupID, m.RecvID, m.SendID, m.MsgFrom, m.Seq)
	}
}

func (tm *testM) memberHead(gid string) store.VersionHead {
	tm.t.Helper()
	return tm.head(memberLog(gid))
}

func wantMemberVersion(t *testing.T, tm *testM, gid string, version uint64, versionID string) {
	t.Helper()
	h := tm.memberHead(gid)
	if version != h.Version || versionID != h.ID || versionID == "" {
		t.Fatalf("tips version %d/%q, member log at %d/%q", version, versionID, h.Version, h.ID)
	}
}

func (tm *testM) conversation(owner, convID string) (maxSeq int64, atType int32, ok bool) {
	tm.t.Helper()
	err := tm.db.Reader().QueryRow(`SELECT max_seq, group_at_type FROM conversations WHERE owner_id = ? AND conversation_id = ?`,
		owner, convID).Scan(&maxSeq, &atType)
	if err != nil {
		return 0, 0, false
	}
	return maxSeq, atType, true
}

func (tm *testM) maxSeq(convID string) int64 {
	tm.t.Helper()
	s, err := store.GetSeq(context.Background(), tm.db.Reader(), convID)
	if err != nil {
		tm.t.Fatal(err)
	}
	return s.MaxSeq
}

func gptr[T any](v T) *T { return &v }

// ---------------------------------------------------------------------------------------------

func TestCreateGroup(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c", "d")
	res, events := tm.apply("a", "group.create", &CreateGroup{OwnerUserID: "a", AdminUserIDs: []string{"b"},
		MemberUserIDs: []string{"c"}, GroupInfo: &pb.GroupInfo{GroupID: "g1", GroupName: "One", GroupType: openim.WorkingGroup,
			Notification: "hello", CreatorUserID: "a"}})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	var out CreateGroupResult
	if err := json.Unmarshal(res.Data, &out); err != nil {
		t.Fatal(err)
	}
	if g := out.GroupInfo; g.GroupID != "g1" || g.OwnerUserID != "a" || g.MemberCount != 3 || g.CreateTime != tm.now ||
		g.NotificationUserID != "a" || g.NotificationUpdateTime != tm.now {
		t.Fatalf("groupInfo %+v", g)
	}
	for uid, role := range map[string]int32{"a": openim.RoleOwner, "b": openim.RoleAdmin, "c": openim.RoleMember} {
		m := tm.member("g1", uid)
		if m == nil || m.RoleLevel != role || m.JoinSource != openim.JoinByInvitation || m.InviterUserID != "a" ||
			m.OperatorUserID != "a" || m.JoinTime != tm.now {
			t.Fatalf("member %s: %+v", uid, m)
		}
	}
	p := oneGroupNote(t, events, openim.GroupCreated)
	wantGroupNote(t, p, "g1", "a")
	wantGroupPush(t, p, "a", "b", "c")
	if p.Msg.Options["isSendMsg"] != true {
		t.Fatal("1501 must be marked isSendMsg")
	}
	tp := groupTips[pb.GroupCreatedTips](t, p)
	if tp.Group.GroupID != "g1" || tp.OpUser.UserID != "a" || tp.OpUser.RoleLevel != openim.RoleOwner ||
		tp.GroupOwnerUser.UserID != "a" || len(tp.MemberList) != 1 || tp.MemberList[0].UserID != "a" ||
		tp.OperationTime != tm.now || tp.OpUser.Nickname != "Nick a" {
		t.Fatalf("tips %+v", tp)
	}
	wantMemberVersion(t, tm, "g1", tp.GroupMemberVersion, tp.GroupMemberVersionID)
	if tp.GroupMemberVersion != 3 {
		t.Fatalf("member version %d after 3 inserts", tp.GroupMemberVersion)
	}
	copies := groupChatCopies(events, openim.GroupCreated)
	if len(copies) != 1 || copies[0].ConversationID != "sg_g1" {
		t.Fatalf("1501 chat copy: %s", describeGroupEvents(events))
	}
	for _, uid := range []string{"a", "b", "c"} {
		if _, _, ok := tm.conversation(uid, "sg_g1"); !ok {
			t.Fatalf("no sg_g1 conversation for %s", uid)
		}
	}
	ann := oneGroupNote(t, events, openim.GroupInfoSetAnnouncement)
	if len(groupChatCopies(events, openim.GroupInfoSetAnnouncement)) != 1 {
		t.Fatal("1519 at creation must have a chat copy")
	}
	wantGroupPush(t, ann, "a", "b", "c")

	joined, err := tm.reader("c").FullJoinedGroupIDs("c", 0)
	if err != nil || !slices.Equal(joined.GroupIDs, []string{"g1"}) || joined.Version != 1 {
		t.Fatalf("joined groups of c: %+v %v", joined, err)
	}
}

func TestCreateGroupByAdminAndOptions(t *testing.T) {
	tm := officeMachine(t, "a", "b")
	events := tm.ok(openim.AdminUserID, "group.create", &CreateGroup{OwnerUserID: "a", MemberUserIDs: []string{"b"},
		GroupInfo: &pb.GroupInfo{GroupID: "g1", GroupType: openim.WorkingGroup}, SendMessage: gptr(false)})
	tp := groupTips[pb.GroupCreatedTips](t, oneGroupNote(t, events, openim.GroupCreated))
	// Upstream counts the operator; an admin who is not a member is a synthetic admin member.
	if tp.Group.MemberCount != 3 || tp.OpUser.UserID != openim.AdminUserID || tp.OpUser.RoleLevel != openim.RoleAdmin ||
		tp.OpUser.AppMangerLevel != groupOpAdminLevel || tp.OpUser.GroupID != "g1" || len(tp.MemberList) != 2 {
		t.Fatalf("tips %+v", tp)
	}
	if len(groupChatCopies(events, openim.GroupCreated)) != 0 {
		t.Fatal("sendMessage false: no chat copy")
	}
	if tm.member("g1", openim.AdminUserID) != nil {
		t.Fatal("the admin is not made a member")
	}
}

func TestCreateGroupRules(t *testing.T) {
	tm := officeMachine(t, "a", "b")
	tm.create("taken", "a", nil, nil, 0)
	info := func(id string, typ int32) *pb.GroupInfo { return &pb.GroupInfo{GroupID: id, GroupType: typ} }
	for _, tc := range []struct {
		name   string
		caller string
		args   *CreateGroup
		code   int
	}{
		{"no groupInfo", "a", &CreateGroup{OwnerUserID: "a"}, openim.ErrArgs.Code},
		{"group type", "a", &CreateGroup{OwnerUserID: "a", GroupInfo: info("g", 1)}, openim.ErrArgs.Code},
		{"no owner", "a", &CreateGroup{GroupInfo: info("g", 2)}, openim.ErrArgs.Code},
		{"owner not caller", "a", &CreateGroup{OwnerUserID: "b", GroupInfo: info("g", 2)}, openim.ErrNoPermission.Code},
		{"no group ID", "a", &CreateGroup{OwnerUserID: "a", GroupInfo: info("", 2)}, openim.ErrArgs.Code},
		{"bad group ID", "a", &CreateGroup{OwnerUserID: "a", GroupInfo: info("g/1", 2)}, openim.ErrArgs.Code},
		{"duplicate member", "a", &CreateGroup{OwnerUserID: "a", MemberUserIDs: []string{"b", "b"}, GroupInfo: info("g", 2)}, openim.ErrArgs.Code},
		{"owner also admin", "a", &CreateGroup{OwnerUserID: "a", AdminUserIDs: []string{"a"}, GroupInfo: info("g", 2)}, openim.ErrArgs.Code},
		{"unknown user", "a", &CreateGroup{OwnerUserID: "a", MemberUserIDs: []string{"zz"}, GroupInfo: info("g", 2)}, openim.ErrUserIDNotFound.Code},
		{"taken ID", "a", &CreateGroup{OwnerUserID: "a", GroupInfo: info("taken", 2)}, openim.ErrGroupIDExisted.Code},
		{"needVerification", "a", &CreateGroup{OwnerUserID: "a", GroupInfo: &pb.GroupInfo{GroupID: "g", GroupType: 2, NeedVerification: 3}}, openim.ErrArgs.Code},
		{"long name", "a", &CreateGroup{OwnerUserID: "a", GroupInfo: &pb.GroupInfo{GroupID: "g", GroupType: 2, GroupName: strings.Repeat("x", openim.MaxNameLen+1)}}, openim.ErrArgs.Code},
	} {
		t.Run(tc.name, func(t *testing.T) { tm.fail(tc.caller, "group.create", tc.args, tc.code) })
	}
	many := make([]string, openim.MaxBatch)
	for i := range many {
		many[i] = "u" + itoa(i)
	}
	tm.fail("a", "group.create", &CreateGroup{OwnerUserID: "a", MemberUserIDs: many, GroupInfo: info("g", 2)}, openim.ErrArgs.Code)
}

func TestSetGroupInfo(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c", "x")
	tm.create("g1", "a", []string{"b"}, []string{"c"}, 0)
	tm.fail("c", "group.set_info", &SetGroupInfo{GroupID: "g1", GroupName: gptr("n")}, openim.ErrNoPermission.Code)
	tm.fail("x", "group.set_info", &SetGroupInfo{GroupID: "g1", GroupName: gptr("n")}, openim.ErrNoPermission.Code)
	tm.fail("b", "group.set_info", &SetGroupInfo{GroupID: "g1", GroupName: gptr("  ")}, openim.ErrArgs.Code)
	tm.fail("b", "group.set_info", &SetGroupInfo{GroupID: "g1", NeedVerification: gptr(int32(7))}, openim.ErrArgs.Code)
	tm.fail(openim.AdminUserID, "group.set_info", &SetGroupInfo{GroupID: "nope", GroupName: gptr("n")}, openim.ErrRecordNotFound.Code)
	if ev := tm.ok("b", "group.set_info", &SetGroupInfo{GroupID: "g1"}); len(ev) != 0 {
		t.Fatalf("an empty patch notifies: %s", describeGroupEvents(ev))
	}

	before := tm.memberHead("g1").Version
	events := tm.ok("b", "group.set_info", &SetGroupInfo{GroupID: "g1", GroupName: gptr("New"), Notification: gptr(" hi "),
		Introduction: gptr("intro"), NeedVerification: gptr(openim.VerifyNone)})
	g := tm.groupInfo("g1")
	if g.GroupName != "New" || g.Notification != "hi" || g.Introduction != "intro" || g.NeedVerification != openim.VerifyNone ||
		g.NotificationUserID != "b" || g.NotificationUpdateTime != tm.now {
		t.Fatalf("group %+v", g)
	}
	if h := tm.memberHead("g1"); h.Version != before+1 {
		t.Fatalf("member version %d → %d, want one group-info bump", before, h.Version)
	}
	ann := groupTips[pb.GroupInfoSetAnnouncementTips](t, oneGroupNote(t, events, openim.GroupInfoSetAnnouncement))
	name := groupTips[pb.GroupInfoSetNameTips](t, oneGroupNote(t, events, openim.GroupInfoSetName))
	set := groupTips[pb.GroupInfoSetTips](t, oneGroupNote(t, events, openim.GroupInfoSet))
	if ann.OpUser.UserID != "b" || ann.Group.Notification != "hi" || name.Group.GroupName != "New" || set.Group.Introduction != "intro" {
		t.Fatalf("groupTips %+v %+v %+v", ann, name, set)
	}
	wantMemberVersion(t, tm, "g1", set.GroupMemberVersion, set.GroupMemberVersionID)
	wantMemberVersion(t, tm, "g1", ann.GroupMemberVersion, ann.GroupMemberVersionID)
	if len(groupChatCopies(events, openim.GroupInfoSetAnnouncement)) != 1 || len(groupChatCopies(events, openim.GroupInfoSetName)) != 1 ||
		len(groupChatCopies(events, openim.GroupInfoSet)) != 0 {
		t.Fatalf("chat copies: %s", describeGroupEvents(events))
	}
	for _, uid := range []string{"a", "b", "c"} {
		if _, at, _ := tm.conversation(uid, "sg_g1"); at != groupAtAnnouncement {
			t.Fatalf("groupAtType of %s = %d", uid, at)
		}
	}
	if cc := groupNotes(events, openim.ConversationChange); len(cc) != 3 {
		t.Fatalf("want 1300 to each member, got %d", len(cc))
	}

	// Clearing the announcement (set_group_info_ex with "") → 1519 without a chat copy.
	events = tm.ok("a", "group.set_info", &SetGroupInfo{GroupID: "g1", Notification: gptr("")})
	if oneGroupNote(t, events, openim.GroupInfoSetAnnouncement) == nil || len(groupChatCopies(events, openim.GroupInfoSetAnnouncement)) != 0 ||
		len(groupNotes(events, openim.GroupInfoSet)) != 0 {
		t.Fatalf("clear announcement: %s", describeGroupEvents(events))
	}
	// An app admin outside the group is a manager.
	tm.ok(openim.AdminUserID, "group.set_info", &SetGroupInfo{GroupID: "g1", Ex: gptr("e")})
}

func TestJoinGroupDirect(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c")
	tm.create("g1", "a", nil, []string{"b"}, openim.VerifyNone)
	events := tm.ok("c", "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinBySearch, InviterUserID: "c"})
	m := tm.member("g1", "c")
	if m == nil || m.RoleLevel != openim.RoleMember || m.JoinSource != openim.JoinBySearch {
		t.Fatalf("member %+v", m)
	}
	p := oneGroupNote(t, events, openim.MemberEnter)
	wantGroupNote(t, p, "g1", "c")
	wantGroupPush(t, p, "a", "b", "c")
	tp := groupTips[pb.MemberEnterTips](t, p)
	if tp.EntrantUser.UserID != "c" || tp.Group.MemberCount != 3 {
		t.Fatalf("tips %+v", tp)
	}
	wantMemberVersion(t, tm, "g1", tp.GroupMemberVersion, tp.GroupMemberVersionID)
	if len(groupChatCopies(events, openim.MemberEnter)) != 1 {
		t.Fatal("1510 has a chat copy")
	}
	if _, _, ok := tm.conversation("c", "sg_g1"); !ok {
		t.Fatal("no conversation for the entrant")
	}
	tm.fail("c", "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinBySearch}, openim.ErrArgs.Code) // already in
}

func TestJoinGroupRules(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c")
	tm.create("g1", "a", nil, nil, openim.VerifyNone)
	tm.create("gone", "a", nil, nil, openim.VerifyNone)
	tm.ok("a", "group.dismiss", &DismissGroup{GroupID: "gone"})
	for _, tc := range []struct {
		name   string
		caller string
		args   *JoinGroup
		code   int
	}{
		{"no joinSource", "b", &JoinGroup{GroupID: "g1"}, openim.ErrArgs.Code},
		{"joinSource 5", "b", &JoinGroup{GroupID: "g1", JoinSource: 5}, openim.ErrArgs.Code},
		{"for someone else", "b", &JoinGroup{GroupID: "g1", JoinSource: 3, InviterUserID: "c"}, openim.ErrNoPermission.Code},
		{"unknown group", "b", &JoinGroup{GroupID: "nope", JoinSource: 3}, openim.ErrRecordNotFound.Code},
		{"dismissed", "b", &JoinGroup{GroupID: "gone", JoinSource: 3}, openim.ErrDismissedAlready.Code},
		{"owner again", "a", &JoinGroup{GroupID: "g1", JoinSource: 3}, openim.ErrArgs.Code},
		{"admin for unknown user", openim.AdminUserID, &JoinGroup{GroupID: "g1", JoinSource: 3, InviterUserID: "zz"}, openim.ErrRecordNotFound.Code},
	} {
		t.Run(tc.name, func(t *testing.T) { tm.fail(tc.caller, "group.join", tc.args, tc.code) })
	}
	tm.ok(openim.AdminUserID, "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinByAdmin, InviterUserID: "b"})
	if tm.member("g1", "b") == nil {
		t.Fatal("an admin joins a user")
	}
}

func TestApplicationFlow(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c", "d", "e")
	tm.create("g1", "a", []string{"b"}, []string{"c"}, openim.VerifyApplyInviteDirect)

	events := tm.ok("d", "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinBySearch, ReqMessage: "let me in", Ex: "x"})
	if tm.member("g1", "d") != nil {
		t.Fatal("an application does not add the member")
	}
	apps := groupNotes(events, openim.JoinGroupApplication)
	var recipients []string
	for _, p := range apps {
		if p.Msg.SessionType != openim.SingleChat || p.Msg.SendID != "d" || p.Msg.GroupID != "" ||
			p.ConversationID != openim.NotificationConversationID(openim.SingleChat, "d", p.Msg.RecvID, "") {
			t.Fatalf("1503 shape: %s session %d send %s", p.ConversationID, p.Msg.SessionType, p.Msg.SendID)
		}
		wantGroupPush(t, p, dedupe([]string{"d", p.Msg.RecvID})...)
		recipients = append(recipients, p.Msg.RecvID)
		tp := groupTips[pb.JoinGroupApplicationTips](t, p)
		if tp.Applicant.UserID != "d" || tp.ReqMsg != "let me in" || tp.Request.UserInfo.UserID != "d" ||
			tp.Request.HandleResult != openim.GroupRequestPending || tp.Group.GroupID != "g1" || tp.Request.GroupInfo != nil {
			t.Fatalf("1503 groupTips %+v", tp)
		}
	}
	if !groupSameSet(recipients, []string{"a", "b", "d"}) {
		t.Fatalf("1503 went to %v", recipients)
	}
	got, err := tm.reader("d").SpecifiedRequest("g1", "d")
	if err != nil || len(got) != 1 || got[0].ReqMsg != "let me in" || got[0].GroupInfo.GroupID != "g1" || got[0].Ex != "x" {
		t.Fatalf("specified request: %+v %v", got, err)
	}
	if _, err := tm.reader("c").SpecifiedRequest("g1", "d"); !errors.Is(err, openim.ErrNoPermission) {
		t.Fatalf("an ordinary member reads another's request: %v", err)
	}
	recv, total, err := tm.reader("b").RecvApplications("b", nil, nil, 0, 10)
	if err != nil || total != 1 || len(recv) != 1 || recv[0].UserInfo.UserID != "d" {
		t.Fatalf("recv applications of b: %+v %d %v", recv, total, err)
	}
	if _, _, err := tm.reader("c").RecvApplications("c", []string{"g1"}, nil, 0, 10); !errors.Is(err, openim.ErrNoPermission) {
		t.Fatalf("an ordinary member lists a group's applications: %v", err)
	}

	resp := &ApplicationResponse{GroupID: "g1", FromUserID: "d", HandledMsg: "welcome", HandleResult: openim.GroupRequestAgreed}
	tm.fail("c", "group.application_response", resp, openim.ErrNoPermission.Code)
	tm.fail("b", "group.application_response", &ApplicationResponse{GroupID: "g1", FromUserID: "e", HandleResult: 1}, openim.ErrRecordNotFound.Code)
	tm.fail("b", "group.application_response", &ApplicationResponse{GroupID: "g1", FromUserID: "d", HandleResult: 0}, openim.ErrArgs.Code)
	events = tm.ok("b", "group.application_response", resp)
	if m := tm.member("g1", "d"); m == nil || m.JoinSource != openim.JoinBySearch || m.OperatorUserID != "b" {
		t.Fatalf("approved member %+v", m)
	}
	accepted := groupNotes(events, openim.GroupApplicationAccepted)
	as := map[string]int32{}
	for _, p := range accepted {
		tp := groupTips[pb.GroupApplicationAcceptedTips](t, p)
		as[p.Msg.RecvID] = tp.ReceiverAs
		if p.Msg.SessionType != openim.SingleChat || tp.OpUser.UserID != "b" || tp.HandleMsg != "welcome" ||
			tp.Request.HandleResult != openim.GroupRequestAgreed || tp.Request.HandleUserID != "b" {
			t.Fatalf("1505 %+v", tp)
		}
	}
	if len(as) != 3 || as["a"] != 1 || as["b"] != 1 || as["d"] != 0 {
		t.Fatalf("1505 receivers %v", as)
	}
	enter := oneGroupNote(t, events, openim.MemberEnter)
	wantGroupPush(t, enter, "a", "b", "c", "d")
	if _, _, ok := tm.conversation("d", "sg_g1"); !ok {
		t.Fatal("no conversation for the approved member")
	}
	tm.fail("b", "group.application_response", resp, openim.ErrGroupRequestDone.Code)

	tm.ok("e", "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinBySearch})
	events = tm.ok(openim.AdminUserID, "group.application_response", &ApplicationResponse{GroupID: "g1", FromUserID: "e", HandleResult: openim.GroupRequestRefused})
	if tm.member("g1", "e") != nil {
		t.Fatal("a refused applicant joined")
	}
	rejected := groupNotes(events, openim.GroupApplicationRejected)
	if len(rejected) != 3 || len(groupNotes(events, openim.MemberEnter)) != 0 {
		t.Fatalf("refuse: %s", describeGroupEvents(events))
	}
	if op := groupTips[pb.GroupApplicationRejectedTips](t, rejected[0]).OpUser; op.RoleLevel != openim.RoleAdmin || op.AppMangerLevel != groupOpAdminLevel {
		t.Fatalf("opUser of an app admin: %+v", op)
	}
	mine, total, err := tm.reader("e").UserApplications("e", nil, []int32{openim.GroupRequestRefused}, 0, 10)
	if err != nil || total != 1 || mine[0].HandleResult != openim.GroupRequestRefused {
		t.Fatalf("own applications: %+v %v", mine, err)
	}
	if _, _, err := tm.reader("d").UserApplications("e", nil, nil, 0, 10); !errors.Is(err, openim.ErrNoPermission) {
		t.Fatalf("another user's applications: %v", err)
	}
	// A new application replaces the handled one.
	tm.ok("e", "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinByQRCode, ReqMessage: "again"})
	if got, _ := tm.reader("e").SpecifiedRequest("g1", "e"); got[0].HandleResult != openim.GroupRequestPending || got[0].ReqMsg != "again" {
		t.Fatalf("re-application %+v", got[0])
	}
}

func TestQuitGroup(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c", "x")
	tm.create("g1", "a", nil, []string{"b", "c"}, openim.VerifyNone)
	tm.fail("x", "group.quit", &QuitGroup{GroupID: "g1"}, openim.ErrRecordNotFound.Code)
	tm.fail("a", "group.quit", &QuitGroup{GroupID: "g1"}, openim.ErrNoPermission.Code)
	tm.fail("c", "group.quit", &QuitGroup{GroupID: "g1", UserID: "b"}, openim.ErrNoPermission.Code)

	events := tm.ok("b", "group.quit", &QuitGroup{GroupID: "g1"})
	if tm.member("g1", "b") != nil {
		t.Fatal("still a member")
	}
	p := oneGroupNote(t, events, openim.MemberQuit)
	wantGroupNote(t, p, "g1", "b")
	wantGroupPush(t, p, "a", "b", "c")
	tp := groupTips[pb.MemberQuitTips](t, p)
	if tp.QuitUser.UserID != "b" || tp.Group.MemberCount != 2 {
		t.Fatalf("tips %+v", tp)
	}
	wantMemberVersion(t, tm, "g1", tp.GroupMemberVersion, tp.GroupMemberVersionID)
	copies := groupChatCopies(events, openim.MemberQuit)
	if len(copies) != 1 {
		t.Fatal("1504 has a chat copy")
	}
	// The quitter keeps the history up to their quit notification and nothing after.
	if maxSeq, _, _ := tm.conversation("b", "sg_g1"); maxSeq != copies[0].Msg.Seq || maxSeq != tm.maxSeq("sg_g1") {
		t.Fatalf("frozen max_seq %d, chat copy seq %d", maxSeq, copies[0].Msg.Seq)
	}
	if maxSeq, _, _ := tm.conversation("c", "sg_g1"); maxSeq != 0 {
		t.Fatal("a staying member's window is unlimited")
	}
	tm.ok("b", "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinBySearch})
	if maxSeq, _, _ := tm.conversation("b", "sg_g1"); maxSeq != 0 {
		t.Fatalf("rejoining lifts the window, max_seq %d", maxSeq)
	}
	// An admin takes a user out.
	tm.ok(openim.AdminUserID, "group.quit", &QuitGroup{GroupID: "g1", UserID: "c"})
}

func TestKickGroup(t *testing.T) {
	tm := officeMachine(t, "a", "b", "b2", "c", "d", "x")
	tm.create("g1", "a", []string{"b", "b2"}, []string{"c", "d"}, 0)
	for _, tc := range []struct {
		name   string
		caller string
		kicked []string
		code   int
	}{
		{"member kicks", "c", []string{"d"}, openim.ErrNoPermission.Code},
		{"admin kicks admin", "b", []string{"b2"}, openim.ErrNoPermission.Code},
		{"admin kicks owner", "b", []string{"a"}, openim.ErrArgs.Code},
		{"kick self", "a", []string{"a"}, openim.ErrArgs.Code},
		{"not a member", "a", []string{"x"}, openim.ErrUserIDNotFound.Code},
		{"outsider kicks", "x", []string{"c"}, openim.ErrNoPermission.Code},
		{"twice", "a", []string{"c", "c"}, openim.ErrArgs.Code},
		{"empty", "a", nil, openim.ErrArgs.Code},
		{"app admin kicks owner", openim.AdminUserID, []string{"a"}, openim.ErrArgs.Code},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm.fail(tc.caller, "group.kick", &KickGroup{GroupID: "g1", KickedUserIDs: tc.kicked}, tc.code)
		})
	}
	events := tm.ok("b", "group.kick", &KickGroup{GroupID: "g1", KickedUserIDs: []string{"c"}})
	p := oneGroupNote(t, events, openim.MemberKicked)
	wantGroupNote(t, p, "g1", "b")
	wantGroupPush(t, p, "a", "b", "b2", "c", "d")
	tp := groupTips[pb.MemberKickedTips](t, p)
	if tp.OpUser.UserID != "b" || len(tp.KickedUserList) != 1 || tp.KickedUserList[0].UserID != "c" || tp.Group.MemberCount != 4 {
		t.Fatalf("tips %+v", tp)
	}
	wantMemberVersion(t, tm, "g1", tp.GroupMemberVersion, tp.GroupMemberVersionID)
	if maxSeq, _, _ := tm.conversation("c", "sg_g1"); maxSeq == 0 || maxSeq != tm.maxSeq("sg_g1") {
		t.Fatalf("kicked member's window: %d", maxSeq)
	}
	events = tm.ok("a", "group.kick", &KickGroup{GroupID: "g1", KickedUserIDs: []string{"b2", "d"}, SendMessage: gptr(false)})
	if len(groupChatCopies(events, openim.MemberKicked)) != 0 {
		t.Fatal("sendMessage false: no chat copy")
	}
	events = tm.ok(openim.AdminUserID, "group.kick", &KickGroup{GroupID: "g1", KickedUserIDs: []string{"b"}})
	if op := groupTips[pb.MemberKickedTips](t, oneGroupNote(t, events, openim.MemberKicked)).OpUser; op.UserID != openim.AdminUserID || op.RoleLevel != openim.RoleAdmin {
		t.Fatalf("opUser %+v", op)
	}
	if ids, _ := store.MemberIDs(context.Background(), tm.db.Reader(), "g1"); !slices.Equal(ids, []string{"a"}) {
		t.Fatalf("members left: %v", ids)
	}
}

func TestInviteToGroup(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c", "d", "e", "x")
	tm.create("g1", "a", []string{"b"}, []string{"c"}, openim.VerifyApplyInviteDirect)
	tm.fail("x", "group.invite", &InviteToGroup{GroupID: "g1", InvitedUserIDs: []string{"d"}}, openim.ErrNoPermission.Code)
	tm.fail("c", "group.invite", &InviteToGroup{GroupID: "g1", InvitedUserIDs: []string{"zz"}}, openim.ErrRecordNotFound.Code)
	tm.fail("c", "group.invite", &InviteToGroup{GroupID: "g1", InvitedUserIDs: []string{"b"}}, openim.ErrArgs.Code)
	tm.fail("c", "group.invite", &InviteToGroup{GroupID: "g1", InvitedUserIDs: []string{"d", "d"}}, openim.ErrArgs.Code)
	tm.fail("c", "group.invite", &InviteToGroup{GroupID: "nope", InvitedUserIDs: []string{"d"}}, openim.ErrRecordNotFound.Code)

	// needVerification 0: an ordinary member's invitation joins directly.
	events := tm.ok("c", "group.invite", &InviteToGroup{GroupID: "g1", InvitedUserIDs: []string{"d"}})
	if m := tm.member("g1", "d"); m == nil || m.InviterUserID != "c" || m.JoinSource != openim.JoinByInvitation {
		t.Fatalf("invited member %+v", m)
	}
	p := oneGroupNote(t, events, openim.MemberInvited)
	wantGroupNote(t, p, "g1", "c")
	wantGroupPush(t, p, "a", "b", "c", "d")
	tp := groupTips[pb.MemberInvitedTips](t, p)
	if tp.OpUser.UserID != "c" || tp.InviterUser.UserID != "c" || len(tp.InvitedUserList) != 1 || tp.InvitedUserList[0].UserID != "d" {
		t.Fatalf("tips %+v", tp)
	}
	wantMemberVersion(t, tm, "g1", tp.GroupMemberVersion, tp.GroupMemberVersionID)
	if _, _, ok := tm.conversation("d", "sg_g1"); !ok {
		t.Fatal("no conversation for the invitee")
	}

	// needVerification 1: an ordinary member's invitation waits for a manager.
	tm.ok("a", "group.set_info", &SetGroupInfo{GroupID: "g1", NeedVerification: gptr(openim.VerifyAll)})
	events = tm.ok("c", "group.invite", &InviteToGroup{GroupID: "g1", InvitedUserIDs: []string{"e"}, Reason: "friend"})
	if tm.member("g1", "e") != nil || len(groupNotes(events, openim.MemberInvited)) != 0 {
		t.Fatal("the invitation needs approval")
	}
	var to []string
	for _, p := range groupNotes(events, openim.JoinGroupApplication) {
		to = append(to, p.Msg.RecvID)
		tp := groupTips[pb.JoinGroupApplicationTips](t, p)
		if tp.Applicant.UserID != "c" || tp.Request.UserInfo.UserID != "e" || tp.Request.InviterUserID != "c" {
			t.Fatalf("1503 of an invitation %+v", tp)
		}
	}
	if !groupSameSet(to, []string{"a", "b", "c"}) {
		t.Fatalf("1503 to %v (the invitee is not told)", to)
	}
	events = tm.ok("a", "group.application_response", &ApplicationResponse{GroupID: "g1", FromUserID: "e", HandleResult: openim.GroupRequestAgreed})
	inv := groupTips[pb.MemberInvitedTips](t, oneGroupNote(t, events, openim.MemberInvited))
	if inv.OpUser.UserID != "a" || inv.InviterUser.UserID != "c" || inv.InvitedUserList[0].UserID != "e" {
		t.Fatalf("approved invitation groupTips %+v", inv)
	}
	// A manager's invitation joins directly even then.
	tm.ok("b", "group.invite", &InviteToGroup{GroupID: "g1", InvitedUserIDs: []string{"x"}})
	if tm.member("g1", "x") == nil {
		t.Fatal("an admin's invitation joins directly")
	}
}

func TestTransferGroup(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c", "x")
	tm.create("g1", "a", []string{"b"}, []string{"c"}, 0)
	tm.fail("b", "group.transfer", &TransferGroup{GroupID: "g1", OldOwnerUserID: "a", NewOwnerUserID: "b"}, openim.ErrNoPermission.Code)
	tm.fail("a", "group.transfer", &TransferGroup{GroupID: "g1", OldOwnerUserID: "a", NewOwnerUserID: "a"}, openim.ErrArgs.Code)
	tm.fail("a", "group.transfer", &TransferGroup{GroupID: "g1", OldOwnerUserID: "a", NewOwnerUserID: "x"}, openim.ErrArgs.Code)
	tm.fail("b", "group.transfer", &TransferGroup{GroupID: "g1", OldOwnerUserID: "b", NewOwnerUserID: "c"}, openim.ErrNoPermission.Code)

	tm.ok("a", "group.mute_member", &MuteMember{GroupID: "g1", UserID: "b", MutedSeconds: 60})
	events := tm.ok("a", "group.transfer", &TransferGroup{GroupID: "g1", OldOwnerUserID: "a", NewOwnerUserID: "b"})
	if a, b := tm.member("g1", "a"), tm.member("g1", "b"); a.RoleLevel != openim.RoleAdmin || b.RoleLevel != openim.RoleOwner || b.MuteEndTime != 0 {
		t.Fatalf("roles after transfer: a %d, b %d (mute %d)", a.RoleLevel, b.RoleLevel, b.MuteEndTime)
	}
	if g := tm.groupInfo("g1"); g.OwnerUserID != "b" {
		t.Fatalf("owner %s", g.OwnerUserID)
	}
	if len(groupNotes(events, openim.GroupMemberCancelMuted)) != 1 {
		t.Fatal("a muted new owner is unmuted (1513)")
	}
	p := oneGroupNote(t, events, openim.GroupOwnerTransferred)
	wantGroupPush(t, p, "a", "b", "c")
	tp := groupTips[pb.GroupOwnerTransferredTips](t, p)
	if tp.NewGroupOwner.UserID != "b" || tp.NewGroupOwner.RoleLevel != openim.RoleOwner || tp.OldGroupOwner != "a" ||
		tp.OldGroupOwnerInfo.RoleLevel != openim.RoleAdmin || tp.Group.OwnerUserID != "b" || tp.OpUser.UserID != "a" {
		t.Fatalf("tips %+v", tp)
	}
	wantMemberVersion(t, tm, "g1", tp.GroupMemberVersion, tp.GroupMemberVersionID)
	// The old owner took b's admin level; an app admin may transfer on anyone's behalf.
	tm.ok(openim.AdminUserID, "group.transfer", &TransferGroup{GroupID: "g1", OldOwnerUserID: "b", NewOwnerUserID: "c"})
	if tm.member("g1", "b").RoleLevel != openim.RoleMember || tm.member("g1", "c").RoleLevel != openim.RoleOwner {
		t.Fatal("second transfer")
	}
}

func TestDismissGroup(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c")
	tm.create("g1", "a", []string{"b"}, []string{"c"}, 0)
	tm.fail("b", "group.dismiss", &DismissGroup{GroupID: "g1"}, openim.ErrNoPermission.Code)
	tm.fail("c", "group.dismiss", &DismissGroup{GroupID: "g1"}, openim.ErrNoPermission.Code)
	tm.fail("a", "group.dismiss", &DismissGroup{GroupID: "nope"}, openim.ErrRecordNotFound.Code)

	events := tm.ok("a", "group.dismiss", &DismissGroup{GroupID: "g1"})
	p := oneGroupNote(t, events, openim.GroupDismissed)
	wantGroupNote(t, p, "g1", "a")
	wantGroupPush(t, p, "a", "b", "c")
	tp := groupTips[pb.GroupDismissedTips](t, p)
	if tp.Group.Status != openim.GroupStatusDismissed || tp.Group.MemberCount != 3 || tp.OpUser.UserID != "a" {
		t.Fatalf("tips %+v", tp)
	}
	if len(groupChatCopies(events, openim.GroupDismissed)) != 1 {
		t.Fatal("1511 has a chat copy")
	}
	g := tm.groupInfo("g1")
	if g.Status != openim.GroupStatusDismissed || g.MemberCount != 0 {
		t.Fatalf("after dismiss: %+v", g)
	}
	joined, _ := tm.reader("c").FullJoinedGroupIDs("c", 0)
	if len(joined.GroupIDs) != 0 {
		t.Fatalf("c still lists %v", joined.GroupIDs)
	}
	tm.fail(openim.AdminUserID, "group.dismiss", &DismissGroup{GroupID: "g1"}, openim.ErrDismissedAlready.Code)
	tm.fail(openim.AdminUserID, "group.set_info", &SetGroupInfo{GroupID: "g1", GroupName: gptr("x")}, openim.ErrDismissedAlready.Code)
	tm.fail(openim.AdminUserID, "group.mute", &GroupRef{GroupID: "g1"}, openim.ErrDismissedAlready.Code)
	tm.fail(openim.AdminUserID, "group.invite", &InviteToGroup{GroupID: "g1", InvitedUserIDs: []string{"b"}}, openim.ErrDismissedAlready.Code)

	tm.create("g2", "a", nil, []string{"b"}, 0)
	events = tm.ok(openim.AdminUserID, "group.dismiss", &DismissGroup{GroupID: "g2", DeleteMember: true})
	if len(groupNotes(events, openim.GroupDismissed)) != 0 || tm.groupInfo("g2").MemberCount != 0 {
		t.Fatalf("deleteMember: %s", describeGroupEvents(events))
	}
}

func TestMuteMember(t *testing.T) {
	tm := officeMachine(t, "a", "b", "b2", "c", "d", "x")
	tm.create("g1", "a", []string{"b", "b2"}, []string{"c", "d"}, 0)
	for _, tc := range []struct {
		name, caller, target string
		code                 int
	}{
		{"owner", "b", "a", openim.ErrNoPermission.Code},
		{"owner by app admin", openim.AdminUserID, "a", openim.ErrNoPermission.Code},
		{"admin by admin", "b", "b2", openim.ErrNoPermission.Code},
		{"member by member", "c", "d", openim.ErrNoPermission.Code},
		{"self", "c", "c", openim.ErrNoPermission.Code},
		{"outsider", "x", "c", openim.ErrNoPermission.Code},
		{"not a member", "a", "x", openim.ErrRecordNotFound.Code},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tm.fail(tc.caller, "group.mute_member", &MuteMember{GroupID: "g1", UserID: tc.target, MutedSeconds: 10}, tc.code)
			tm.fail(tc.caller, "group.cancel_mute_member", &MemberRef{GroupID: "g1", UserID: tc.target}, tc.code)
		})
	}
	tm.fail("a", "group.mute_member", &MuteMember{GroupID: "g1", UserID: "c"}, openim.ErrArgs.Code)
	tm.fail("a", "group.mute_member", &MuteMember{GroupID: "g1", UserID: "c", MutedSeconds: -1}, openim.ErrArgs.Code)

	tm.ok("a", "group.mute_member", &MuteMember{GroupID: "g1", UserID: "b", MutedSeconds: 30})
	tm.ok(openim.AdminUserID, "group.mute_member", &MuteMember{GroupID: "g1", UserID: "b2", MutedSeconds: 30})
	events := tm.ok("b", "group.mute_member", &MuteMember{GroupID: "g1", UserID: "c", MutedSeconds: 90})
	if m := tm.member("g1", "c"); m.MuteEndTime != tm.now+90_000 {
		t.Fatalf("muteEndTime %d", m.MuteEndTime)
	}
	p := oneGroupNote(t, events, openim.GroupMemberMuted)
	wantGroupPush(t, p, "a", "b", "b2", "c", "d")
	tp := groupTips[pb.GroupMemberMutedTips](t, p)
	if tp.MutedUser.UserID != "c" || tp.MutedSeconds != 90 || tp.MutedUser.MuteEndTime != tm.now+90_000 || tp.OpUser.UserID != "b" {
		t.Fatalf("tips %+v", tp)
	}
	wantMemberVersion(t, tm, "g1", tp.GroupMemberVersion, tp.GroupMemberVersionID)
	if len(groupChatCopies(events, openim.GroupMemberMuted)) != 1 {
		t.Fatal("1512 has a chat copy")
	}
	events = tm.ok("b", "group.cancel_mute_member", &MemberRef{GroupID: "g1", UserID: "c"})
	ct := groupTips[pb.GroupMemberCancelMutedTips](t, oneGroupNote(t, events, openim.GroupMemberCancelMuted))
	if tm.member("g1", "c").MuteEndTime != 0 || ct.MutedUser.UserID != "c" {
		t.Fatalf("unmute groupTips %+v", ct)
	}
	wantMemberVersion(t, tm, "g1", ct.GroupMemberVersion, ct.GroupMemberVersionID)
}

func TestMuteGroup(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c")
	tm.create("g1", "a", []string{"b"}, []string{"c"}, 0)
	tm.fail("c", "group.mute", &GroupRef{GroupID: "g1"}, openim.ErrNoPermission.Code)
	tm.fail("c", "group.cancel_mute", &GroupRef{GroupID: "g1"}, openim.ErrNoPermission.Code)
	events := tm.ok("b", "group.mute", &GroupRef{GroupID: "g1"})
	if tm.groupInfo("g1").Status != openim.GroupStatusMuted {
		t.Fatal("not muted")
	}
	p := oneGroupNote(t, events, openim.GroupMuted)
	wantGroupPush(t, p, "a", "b", "c")
	tp := groupTips[pb.GroupMutedTips](t, p)
	if tp.Group.Status != openim.GroupStatusMuted || tp.OpUser.UserID != "b" {
		t.Fatalf("tips %+v", tp)
	}
	wantMemberVersion(t, tm, "g1", tp.GroupMemberVersion, tp.GroupMemberVersionID)
	events = tm.ok("a", "group.cancel_mute", &GroupRef{GroupID: "g1"})
	cp := groupTips[pb.GroupCancelMutedTips](t, oneGroupNote(t, events, openim.GroupCancelMuted))
	if tm.groupInfo("g1").Status != openim.GroupStatusOK || cp.Group.Status != openim.GroupStatusOK || len(groupChatCopies(events, openim.GroupCancelMuted)) != 1 {
		t.Fatalf("cancel mute %+v", cp)
	}
}

func TestSetMemberInfo(t *testing.T) {
	tm := officeMachine(t, "a", "b", "b2", "c", "d", "x")
	tm.create("g1", "a", []string{"b", "b2"}, []string{"c", "d"}, 0)
	set := func(gid, uid string, nick *string, role *int32) *SetMemberInfo {
		return &SetMemberInfo{Members: []MemberPatch{{GroupID: gid, UserID: uid, Nickname: nick, RoleLevel: role}}}
	}
	for _, tc := range []struct {
		name   string
		caller string
		args   *SetMemberInfo
		code   int
	}{
		{"empty", "a", &SetMemberInfo{}, openim.ErrArgs.Code},
		{"role 100", "a", set("g1", "c", nil, gptr(openim.RoleOwner)), openim.ErrNoPermission.Code},
		{"role 30", "a", set("g1", "c", nil, gptr(int32(30))), openim.ErrArgs.Code},
		{"owner's own role", "a", set("g1", "a", nil, gptr(openim.RoleMember)), openim.ErrArgs.Code},
		{"admin edits owner", "b", set("g1", "a", gptr("n"), nil), openim.ErrNoPermission.Code},
		{"admin edits admin", "b", set("g1", "b2", gptr("n"), nil), openim.ErrNoPermission.Code},
		{"member edits member", "c", set("g1", "d", gptr("n"), nil), openim.ErrNoPermission.Code},
		{"member raises self", "c", set("g1", "c", nil, gptr(openim.RoleAdmin)), openim.ErrNoPermission.Code},
		{"outsider", "x", set("g1", "c", gptr("n"), nil), openim.ErrNoPermission.Code},
		{"target not in group", "a", set("g1", "x", gptr("n"), nil), openim.ErrArgs.Code},
		{"listed twice", "a", &SetMemberInfo{Members: []MemberPatch{{GroupID: "g1", UserID: "c"}, {GroupID: "g1", UserID: "c"}}}, openim.ErrArgs.Code},
		{"long nickname", "c", set("g1", "c", gptr(strings.Repeat("n", openim.MaxNameLen+1)), nil), openim.ErrArgs.Code},
	} {
		t.Run(tc.name, func(t *testing.T) { tm.fail(tc.caller, "group.set_member_info", tc.args, tc.code) })
	}

	events := tm.ok("c", "group.set_member_info", set("g1", "c", gptr("Cee"), nil))
	p := oneGroupNote(t, events, openim.GroupMemberInfoSet)
	wantGroupPush(t, p, "a", "b", "b2", "c", "d")
	tp := groupTips[pb.GroupMemberInfoSetTips](t, p)
	if tp.ChangedUser.Nickname != "Cee" || tp.ChangedUser.FaceURL != "face-c" || tp.OpUser.UserID != "c" {
		t.Fatalf("tips %+v", tp)
	}
	wantMemberVersion(t, tm, "g1", tp.GroupMemberVersion, tp.GroupMemberVersionID)
	if len(groupChatCopies(events, openim.GroupMemberInfoSet)) != 0 {
		t.Fatal("1516 has no chat copy")
	}
	tm.ok("b", "group.set_member_info", set("g1", "b", nil, gptr(openim.RoleMember))) // an admin steps down
	events = tm.ok("b2", "group.set_member_info", set("g1", "d", nil, gptr(openim.RoleAdmin)))
	if tm.member("g1", "d").RoleLevel != openim.RoleAdmin {
		t.Fatal("an admin promotes a member")
	}
	if groupTips[pb.GroupMemberInfoSetTips](t, oneGroupNote(t, events, openim.GroupMemberSetToAdmin)).ChangedUser.RoleLevel != openim.RoleAdmin {
		t.Fatal("1517 groupTips")
	}
	events = tm.ok("a", "group.set_member_info", &SetMemberInfo{Members: []MemberPatch{
		{GroupID: "g1", UserID: "d", RoleLevel: gptr(openim.RoleMember), Ex: gptr("e")}, {GroupID: "g1", UserID: "a", Nickname: gptr("Boss")}}})
	if len(groupNotes(events, openim.GroupMemberSetToOrdinaryUser)) != 1 || len(groupNotes(events, openim.GroupMemberInfoSet)) != 2 {
		t.Fatalf("owner batch: %s", describeGroupEvents(events))
	}
	if m := tm.member("g1", "d"); m.RoleLevel != openim.RoleMember || m.Ex != "e" {
		t.Fatalf("d %+v", m)
	}
	tm.ok(openim.AdminUserID, "group.set_member_info", set("g1", "c", nil, gptr(openim.RoleAdmin)))
}

func TestProfileChangeNotifiesGroups(t *testing.T) {
	tm := officeMachine(t, "a", "b")
	tm.create("g1", "a", nil, []string{"b"}, 0)
	tm.create("g2", "a", nil, []string{"b"}, 0)
	tm.ok("b", "group.set_member_info", &SetMemberInfo{Members: []MemberPatch{{GroupID: "g2", UserID: "b",
		Nickname: gptr("own"), FaceURL: gptr("own-face")}}})
	before1, before2 := tm.memberHead("g1").Version, tm.memberHead("g2").Version
	events := tm.ok("b", "user.update", &UpdateUser{UserInfo: UserPatch{UserID: "b", Nickname: gptr("Bee")}})
	ps := groupNotes(events, openim.GroupMemberInfoSet)
	if len(ps) != 1 || ps[0].ConversationID != "n_g1" {
		t.Fatalf("1516 only where the profile shows: %s", describeGroupEvents(events))
	}
	wantGroupPush(t, ps[0], "a", "b")
	tp := groupTips[pb.GroupMemberInfoSetTips](t, ps[0])
	if tp.ChangedUser.Nickname != "Bee" || tp.OpUser.UserID != "b" {
		t.Fatalf("tips %+v", tp)
	}
	wantMemberVersion(t, tm, "g1", tp.GroupMemberVersion, tp.GroupMemberVersionID)
	if tm.memberHead("g1").Version <= before1 || tm.memberHead("g2").Version != before2 {
		t.Fatal("member versions")
	}
	// ex alone is no profile change.
	events = tm.ok("b", "user.update", &UpdateUser{UserInfo: UserPatch{UserID: "b", Ex: gptr("x")}})
	if len(groupNotes(events, openim.GroupMemberInfoSet)) != 0 {
		t.Fatal("1516 after an ex change")
	}
}

func TestGroupReads(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c", "x")
	tm.create("g1", "a", []string{"b"}, []string{"c"}, 0)
	tm.create("g2", "b", nil, nil, 0)
	tm.ok("c", "group.set_member_info", &SetMemberInfo{Members: []MemberPatch{{GroupID: "g1", UserID: "c", Nickname: gptr("zed")}}})

	if _, _, err := tm.reader("x").MemberList("g1", "", 0, 10); !errors.Is(err, openim.ErrNoPermission) {
		t.Fatalf("outsider lists members: %v", err)
	}
	if _, _, err := tm.reader("x").MemberList("nope", "", 0, 10); !errors.Is(err, openim.ErrRecordNotFound) {
		t.Fatalf("unknown group: %v", err)
	}
	members, total, err := tm.reader("c").MemberList("g1", "", 0, 10)
	if err != nil || total != 3 || members[0].UserID != "a" || members[1].UserID != "b" || members[2].UserID != "c" {
		t.Fatalf("member list %v %d %v", members, total, err)
	}
	found, total, _ := tm.reader(openim.AdminUserID).MemberList("g1", "ze", 0, 10)
	if total != 1 || found[0].UserID != "c" {
		t.Fatalf("keyword search: %v", found)
	}
	page, total, _ := tm.reader("a").MemberList("g1", "", 2, 2)
	if total != 3 || len(page) != 1 {
		t.Fatalf("second page %v", page)
	}
	info, err := tm.reader("b").MembersInfo("g1", []string{"c", "x"})
	if err != nil || len(info) != 1 || info[0].Nickname != "zed" {
		t.Fatalf("members info %v %v", info, err)
	}
	if _, err := tm.reader("x").MembersInfo("g1", []string{"c"}); !errors.Is(err, openim.ErrNoPermission) {
		t.Fatalf("outsider reads members: %v", err)
	}
	groups, err := tm.reader("x").GroupsInfo([]string{"g2", "nope", "g1"})
	if err != nil || len(groups) != 2 || groups[0].GroupID != "g2" || groups[1].MemberCount != 3 || groups[1].OwnerUserID != "a" {
		t.Fatalf("groups info %v %v", groups, err)
	}
	if _, err := tm.reader("x").GroupsInfo(nil); !errors.Is(err, openim.ErrArgs) {
		t.Fatal("empty groupIDs")
	}
	joined, total, err := tm.reader("b").JoinedGroups("b", 0, 10)
	if err != nil || total != 2 || len(joined) != 2 {
		t.Fatalf("joined %v %v", joined, err)
	}
	if _, _, err := tm.reader("c").JoinedGroups("b", 0, 10); !errors.Is(err, openim.ErrNoPermission) {
		t.Fatal("another user's groups")
	}
	ids, err := tm.reader("c").FullMemberIDs("g1", 0)
	if err != nil || !slices.Equal(ids.UserIDs, []string{"a", "b", "c"}) || ids.Equal {
		t.Fatalf("full member IDs %+v %v", ids, err)
	}
	same, _ := tm.reader("c").FullMemberIDs("g1", IDHash(ids.UserIDs))
	if !same.Equal || len(same.UserIDs) != 0 {
		t.Fatalf("equal hash %+v", same)
	}
	if _, err := tm.reader("x").FullMemberIDs("g1", 0); !errors.Is(err, openim.ErrNoPermission) {
		t.Fatal("outsider's member IDs")
	}
	if _, err := tm.reader("x").FullJoinedGroupIDs("c", 0); !errors.Is(err, openim.ErrNoPermission) {
		t.Fatal("another user's group IDs")
	}
	none, err := tm.reader("x").FullJoinedGroupIDs("x", 0)
	if err != nil || none.VersionID == "" || none.GroupIDs == nil {
		t.Fatalf("no groups: %+v", none)
	}
}

func TestIncrementalSync(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c", "d")
	tm.create("g1", "a", nil, []string{"b"}, openim.VerifyNone)
	r := tm.reader("b")

	first, err := r.IncrementalJoinGroups("b", "", 0)
	if err != nil || !first.Full || first.VersionID == "" || first.Insert != nil {
		t.Fatalf("first sync %+v %v", first, err)
	}
	// Equal version: nothing.
	same, _ := r.IncrementalJoinGroups("b", first.VersionID, first.Version)
	if same.Full || same.Insert != nil || same.Delete != nil {
		t.Fatalf("equal %+v", same)
	}
	tm.create("g2", "c", nil, []string{"b"}, 0)
	tm.ok("b", "group.quit", &QuitGroup{GroupID: "g1"})
	diff, _ := r.IncrementalJoinGroups("b", first.VersionID, first.Version)
	if diff.Full || len(diff.Insert) != 1 || diff.Insert[0].GroupID != "g2" || !slices.Equal(diff.Delete, []string{"g1"}) {
		t.Fatalf("join diff %+v", diff)
	}
	if stale, _ := r.IncrementalJoinGroups("b", "other", 1); !stale.Full {
		t.Fatal("another log ID → full")
	}
	if _, err := tm.reader("c").IncrementalJoinGroups("b", "", 0); !errors.Is(err, openim.ErrNoPermission) {
		t.Fatal("another user's joined groups")
	}

	ra := tm.reader("a")
	m0, err := ra.IncrementalMembers("g1", "", 0)
	if err != nil || !m0.Full || m0.Group == nil || m0.Insert != nil {
		t.Fatalf("first member sync %+v %v", m0, err)
	}
	tm.ok("c", "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinBySearch})
	tm.ok("a", "group.mute_member", &MuteMember{GroupID: "g1", UserID: "c", MutedSeconds: 5})
	tm.ok("a", "group.set_info", &SetGroupInfo{GroupID: "g1", Introduction: gptr("i")})
	m1, _ := ra.IncrementalMembers("g1", m0.VersionID, m0.Version)
	// b quit before m0; c joined then changed after m0: still an insert for this client.
	if m1.Full || m1.Update != nil || len(m1.Insert) != 1 || m1.Insert[0].UserID != "c" || m1.Group == nil ||
		m1.Group.Introduction != "i" || m1.Delete != nil {
		t.Fatalf("member diff %+v", m1)
	}
	tm.ok("d", "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinBySearch})
	tm.ok("a", "group.kick", &KickGroup{GroupID: "g1", KickedUserIDs: []string{"c"}})
	m2, _ := ra.IncrementalMembers("g1", m1.VersionID, m1.Version)
	if len(m2.Insert) != 1 || m2.Insert[0].UserID != "d" || !slices.Equal(m2.Delete, []string{"c"}) || m2.Update != nil {
		t.Fatalf("member diff 2 %+v", m2)
	}
	eq, _ := ra.IncrementalMembers("g1", m2.VersionID, m2.Version)
	if eq.Full || eq.Group != nil || eq.Insert != nil {
		t.Fatalf("equal member sync %+v", eq)
	}

	// The batch: an entry for every requested group (the core loops on a missing one): a diff for
	// the groups the user is in, the request echoed back for the others.
	tm.create("g3", "a", nil, nil, 0)
	batch, err := ra.IncrementalMembersBatch("a", []MemberVersionReq{{GroupID: "g1", VersionID: m2.VersionID, Version: m2.Version},
		{GroupID: "g3"}, {GroupID: "g2", VersionID: "v", Version: 7}, {GroupID: "nope"}, {GroupID: "g3"}})
	if err != nil || len(batch) != 4 || batch["g1"] == nil || batch["g3"] == nil || !batch["g3"].Full {
		t.Fatalf("batch %+v %v", batch, err)
	}
	for _, gid := range []string{"g2", "nope"} {
		e := batch[gid]
		if e == nil || e.Full || e.Group != nil || e.Insert != nil || e.Update != nil || len(e.Delete) != 0 {
			t.Fatalf("entry for %s, which a is not in: %+v", gid, e)
		}
	}
	if e := batch["g2"]; e.VersionID != "v" || e.Version != 7 {
		t.Fatalf("g2 is not the request echoed: %+v", e)
	}
	raw, _ := pb.MarshalJSON(batch)
	if strings.Contains(string(raw), `"insert"`) || strings.Contains(string(raw), `"update"`) || strings.Contains(string(raw), `"delete":null`) {
		t.Fatalf("empty inserts and updates must be left out, lists never null: %s", raw)
	}
	if _, err := tm.reader("b").IncrementalMembersBatch("a", nil); !errors.Is(err, openim.ErrNoPermission) {
		t.Fatal("another user's batch")
	}
}

func TestGroupCommandsAreDeterministic(t *testing.T) {
	run := func() (string, string) {
		tm := officeMachine(t, "a", "b", "c")
		var all []Event
		all = append(all, tm.create("g1", "a", []string{"b"}, []string{"c"}, 0)...)
		all = append(all, tm.ok("a", "group.set_info", &SetGroupInfo{GroupID: "g1", Notification: gptr("n")})...)
		all = append(all, tm.ok("a", "group.kick", &KickGroup{GroupID: "g1", KickedUserIDs: []string{"c", "b"}})...)
		all = append(all, tm.ok("a", "group.dismiss", &DismissGroup{GroupID: "g1"})...)
		d, err := tm.db.Digest(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(all)
		if err != nil {
			t.Fatal(err)
		}
		return d, string(b)
	}
	d1, e1 := run()
	d2, e2 := run()
	if d1 != d2 || e1 != e2 {
		t.Fatal("the same commands gave different states or events")
	}
}
