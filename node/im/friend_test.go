package im

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// friendTest is a machine with users a, b, c registered.
func friendTest(t *testing.T) *testM {
	tm := testMachine(t)
	tm.register("a", "b", "c")
	return tm
}

// befriend makes from and to friends through an application and its acceptance.
func (tm *testM) befriend(from, to string) {
	tm.t.Helper()
	tm.ok(from, "friend.add", &AddFriend{FromUserID: from, ToUserID: to, ReqMsg: "hi"})
	tm.ok(to, "friend.respond", &RespondFriendApply{FromUserID: from, ToUserID: to, HandleResult: openim.FriendRequestAgreed})
}

func (tm *testM) isFriend(owner, friend string) bool {
	tm.t.Helper()
	ok, err := store.IsFriend(context.Background(), tm.q(), owner, friend)
	if err != nil {
		tm.t.Fatal(err)
	}
	return ok
}

func (tm *testM) request(from, to string) *pb.FriendRequest {
	tm.t.Helper()
	r, err := store.GetFriendRequest(context.Background(), tm.q(), from, to)
	if err != nil {
		tm.t.Fatal(err)
	}
	return r
}

func (tm *testM) friendInfo(owner, friend string) *pb.FriendInfo {
	tm.t.Helper()
	fs, err := store.GetFriends(context.Background(), tm.q(), owner, []string{friend})
	if err != nil || len(fs) != 1 {
		tm.t.Fatalf("friend %s/%s: %v, %v", owner, friend, fs, err)
	}
	return fs[0]
}

func (tm *testM) head(key string) store.VersionHead {
	tm.t.Helper()
	h, err := logHead(context.Background(), tm.q(), key)
	if err != nil {
		tm.t.Fatal(err)
	}
	return h
}

// checkPush checks one push: its content type, conversation, recipients and sender, and that it
// is stored at seq in that conversation.
func checkPush(t *testing.T, tm *testM, p *Push, contentType int32, conversationID string, seq int64, sendID, recvID string,
	to ...string) {
	t.Helper()
	m := p.Msg
	if m.ContentType != contentType || p.ConversationID != conversationID || m.Seq != seq || m.SendID != sendID ||
		m.RecvID != recvID || !slices.Equal(p.UserIDs, to) {
		t.Fatalf("push = ct %d %s seq %d %s→%s to %v; want ct %d %s seq %d %s→%s to %v", m.ContentType,
			p.ConversationID, m.Seq, m.SendID, m.RecvID, p.UserIDs, contentType, conversationID, seq, sendID, recvID, to)
	}
	if m.SessionType != openim.SingleChat || m.MsgFrom != openim.MsgFromSystem || p.OperationID == "" {
		t.Fatalf("push %d: sessionType %d msgFrom %d opID %q", contentType, m.SessionType, m.MsgFrom, p.OperationID)
	}
	stored := tm.messages(conversationID)
	if int64(len(stored)) < seq || stored[seq-1].ClientMsgID != m.ClientMsgID {
		t.Fatalf("%d is not stored at %s/%d", contentType, conversationID, seq)
	}
}

func TestAddFriendRules(t *testing.T) {
	tm := friendTest(t)
	long := strings.Repeat("x", openim.MaxTextLen+1)
	cases := []struct {
		name   string
		caller string
		args   AddFriend
		code   int
	}{
		{"to self", "a", AddFriend{FromUserID: "a", ToUserID: "a"}, openim.ErrCannotAddYourself.Code},
		{"for someone else", "c", AddFriend{FromUserID: "a", ToUserID: "b"}, openim.ErrNoPermission.Code},
		{"unknown target", "a", AddFriend{FromUserID: "a", ToUserID: "nobody"}, openim.ErrRecordNotFound.Code},
		{"bad target ID", "a", AddFriend{FromUserID: "a", ToUserID: "b:x"}, openim.ErrArgs.Code},
		{"no target", "a", AddFriend{FromUserID: "a"}, openim.ErrArgs.Code},
		{"message too long", "a", AddFriend{FromUserID: "a", ToUserID: "b", ReqMsg: long}, openim.ErrArgs.Code},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tm.fail(c.caller, "friend.add", &c.args, c.code)
		})
	}
	if tm.request("a", "b") != nil {
		t.Fatal("a failed add_friend left a request")
	}
}

func TestAddFriendNotifiesBothEnds(t *testing.T) {
	tm := friendTest(t)
	ev := pushes(tm.ok("a", "friend.add", &AddFriend{FromUserID: "a", ToUserID: "b", ReqMsg: "hello", Ex: "x1"}))
	if len(ev) != 1 {
		t.Fatalf("%d pushes, want 1", len(ev))
	}
	checkPush(t, tm, ev[0], openim.FriendApplication, "n_a_b", 1, "a", "b", "a", "b")
	var tips pb.FriendApplicationTips
	tipsOf(t, ev[0].Msg, &tips)
	r := tips.Request
	if tips.FromToUserID.FromUserID != "a" || tips.FromToUserID.ToUserID != "b" || r == nil ||
		r.FromNickname != "Nick a" || r.FromFaceURL != "face-a" || r.ToNickname != "Nick b" || r.ToFaceURL != "face-b" ||
		r.ReqMsg != "hello" || r.Ex != "x1" || r.HandleResult != openim.FriendRequestPending || r.CreateTime != tm.now {
		t.Fatalf("tips = %+v, request %+v", &tips, r)
	}

	// The admin may apply for a user; the second application replaces the first.
	tm.ok(openim.AdminUserID, "friend.add", &AddFriend{FromUserID: "a", ToUserID: "b", ReqMsg: "again"})
	if r := tm.request("a", "b"); r.ReqMsg != "again" || r.Ex != "" || r.CreateTime != tm.now {
		t.Fatalf("request after re-apply = %+v", r)
	}
	if n := len(tm.messages("n_a_b")); n != 2 {
		t.Fatalf("n_a_b holds %d notifications, want 2", n)
	}
}

func TestAcceptFriend(t *testing.T) {
	tm := friendTest(t)
	tm.ok("a", "friend.add", &AddFriend{FromUserID: "a", ToUserID: "b", ReqMsg: "hi"})
	tm.ok("b", "friend.add", &AddFriend{FromUserID: "b", ToUserID: "a", ReqMsg: "me too"})
	tm.fail("a", "friend.respond", &RespondFriendApply{FromUserID: "a", ToUserID: "b", HandleResult: 1},
		openim.ErrNoPermission.Code)
	tm.fail("b", "friend.respond", &RespondFriendApply{FromUserID: "a", ToUserID: "b", HandleResult: 0}, openim.ErrArgs.Code)
	tm.fail("b", "friend.respond", &RespondFriendApply{FromUserID: "c", ToUserID: "b", HandleResult: 1},
		openim.ErrRecordNotFound.Code)

	ev := pushes(tm.ok("b", "friend.respond", &RespondFriendApply{FromUserID: "a", ToUserID: "b",
		HandleResult: openim.FriendRequestAgreed, HandleMsg: "welcome"}))
	if len(ev) != 4 {
		t.Fatalf("%d pushes, want 1201, its chat copy and two 1204", len(ev))
	}
	// 1201 responder → applicant in n_ (after the two 1203), and its stored copy in the chat.
	checkPush(t, tm, ev[0], openim.FriendApplicationApproved, "n_a_b", 3, "b", "a", "a", "b")
	var tips pb.FriendApplicationApprovedTips
	tipsOf(t, ev[0].Msg, &tips)
	if tips.FromToUserID.FromUserID != "a" || tips.FromToUserID.ToUserID != "b" || tips.HandleMsg != "welcome" ||
		tips.FriendVersion != 1 || tips.FriendVersionID != logVersionID(friendLog("a")) || tips.Request == nil ||
		tips.Request.HandleResult != openim.FriendRequestAgreed || tips.Request.HandlerUserID != "b" ||
		tips.Request.HandleTime != tm.now {
		t.Fatalf("1201 tips = %+v", &tips)
	}
	if !ev[0].Msg.Options["isSendMsg"] {
		t.Fatal("1201 is not marked isSendMsg")
	}
	checkPush(t, tm, ev[1], openim.FriendApplicationApproved, "si_a_b", 1, "b", "a", "a", "b")

	// 1204 to each owner alone, about their own new row, in their own stream.
	for i, owner := range []string{"a", "b"} {
		peer := map[string]string{"a": "b", "b": "a"}[owner]
		p := ev[2+i]
		checkPush(t, tm, p, openim.FriendAdded, "n_"+owner+"_"+owner, 1, owner, owner, owner)
		var added pb.FriendAddedTips
		tipsOf(t, p.Msg, &added)
		f := added.Friend
		if f == nil || f.OwnerUserID != owner || f.FriendUser == nil || f.FriendUser.UserID != peer ||
			f.FriendUser.Nickname != "Nick "+peer || f.AddSource != addSourceApplication || f.CreateTime != tm.now/1000 ||
			added.OpUser.UserID != "b" || added.OperationTime != tm.now || added.FriendVersion != 1 ||
			added.FriendVersionID != logVersionID(friendLog(owner)) {
			t.Fatalf("1204 to %s = %+v", owner, &added)
		}
	}

	if !tm.isFriend("a", "b") || !tm.isFriend("b", "a") {
		t.Fatal("not friends both ways after accept")
	}
	// b's own pending request to a was agreed along with a's.
	if r := tm.request("b", "a"); r.HandleResult != openim.FriendRequestAgreed || r.HandlerUserID != "b" {
		t.Fatalf("reverse request = %+v", r)
	}
	// Answering again: agree says "processed" (1001), refuse says 1305.
	if err := tm.fail("b", "friend.respond", &RespondFriendApply{FromUserID: "a", ToUserID: "b", HandleResult: 1},
		openim.ErrArgs.Code); !strings.Contains(err.Detail, "processed") {
		t.Fatalf("second agree: %v", err)
	}
	tm.fail("b", "friend.respond", &RespondFriendApply{FromUserID: "a", ToUserID: "b", HandleResult: -1},
		openim.ErrFriendRequestDone.Code)
	tm.fail("a", "friend.add", &AddFriend{FromUserID: "a", ToUserID: "b"}, openim.ErrRelationshipAlrdy.Code)
}

func TestRefuseFriend(t *testing.T) {
	tm := friendTest(t)
	tm.ok("a", "friend.add", &AddFriend{FromUserID: "a", ToUserID: "c"})
	ev := pushes(tm.ok("c", "friend.respond", &RespondFriendApply{FromUserID: "a", ToUserID: "c",
		HandleResult: openim.FriendRequestRefused, HandleMsg: "no"}))
	if len(ev) != 1 {
		t.Fatalf("%d pushes, want 1", len(ev))
	}
	checkPush(t, tm, ev[0], openim.FriendApplicationRejected, "n_a_c", 2, "c", "a", "c", "a")
	var tips pb.FriendApplicationRejectedTips
	tipsOf(t, ev[0].Msg, &tips)
	if tips.FromToUserID.FromUserID != "a" || tips.FromToUserID.ToUserID != "c" || tips.HandleMsg != "no" ||
		tips.Request.HandleResult != openim.FriendRequestRefused {
		t.Fatalf("1202 tips = %+v", &tips)
	}
	if tm.isFriend("a", "c") || tm.isFriend("c", "a") {
		t.Fatal("friends after refuse")
	}
	tm.fail("c", "friend.respond", &RespondFriendApply{FromUserID: "a", ToUserID: "c", HandleResult: -1},
		openim.ErrFriendRequestDone.Code)
	tm.fail("c", "friend.respond", &RespondFriendApply{FromUserID: "a", ToUserID: "c", HandleResult: 1}, openim.ErrArgs.Code)
	// A new application makes it pending again.
	tm.ok("a", "friend.add", &AddFriend{FromUserID: "a", ToUserID: "c", ReqMsg: "please"})
	if r := tm.request("a", "c"); r.HandleResult != openim.FriendRequestPending || r.HandleMsg != "" || r.HandleTime != 0 {
		t.Fatalf("request after re-apply = %+v", r)
	}
	tm.ok("c", "friend.respond", &RespondFriendApply{FromUserID: "a", ToUserID: "c", HandleResult: 1})
}

func TestDeleteFriendIsOneSided(t *testing.T) {
	tm := friendTest(t)
	tm.befriend("a", "b")
	tm.fail("c", "friend.delete", &DeleteFriend{OwnerUserID: "a", FriendUserID: "b"}, openim.ErrNoPermission.Code)
	ev := pushes(tm.ok("a", "friend.delete", &DeleteFriend{OwnerUserID: "a", FriendUserID: "b"}))
	if len(ev) != 1 {
		t.Fatalf("%d pushes, want 1", len(ev))
	}
	checkPush(t, tm, ev[0], openim.FriendDeleted, "n_a_b", 3, "a", "b", "a", "b")
	var tips pb.FriendDeletedTips
	tipsOf(t, ev[0].Msg, &tips)
	if tips.FromToUserID.FromUserID != "a" || tips.FromToUserID.ToUserID != "b" || tips.FriendVersion != 2 ||
		tips.FriendVersionID != logVersionID(friendLog("a")) {
		t.Fatalf("1205 tips = %+v", &tips)
	}
	if tm.isFriend("a", "b") || !tm.isFriend("b", "a") {
		t.Fatal("delete is not one-sided")
	}
	// Not a friend (any more): succeeds, changes nothing, tells no one.
	if ev := tm.ok("a", "friend.delete", &DeleteFriend{OwnerUserID: "a", FriendUserID: "b"}); len(ev) != 0 {
		t.Fatalf("deleting a non-friend pushed %d", len(ev))
	}
	// Friends one way only: a may apply again.
	tm.ok("a", "friend.add", &AddFriend{FromUserID: "a", ToUserID: "b"})
}

func TestSetFriendRemark(t *testing.T) {
	tm := friendTest(t)
	tm.befriend("a", "b")
	tm.fail("a", "friend.remark", &SetFriendRemark{OwnerUserID: "a", FriendUserID: "c", Remark: "x"},
		openim.ErrRecordNotFound.Code)
	tm.fail("b", "friend.remark", &SetFriendRemark{OwnerUserID: "a", FriendUserID: "b", Remark: "x"},
		openim.ErrNoPermission.Code)
	tm.fail("a", "friend.remark", &SetFriendRemark{OwnerUserID: "a", FriendUserID: "b",
		Remark: strings.Repeat("é", openim.MaxNameLen+1)}, openim.ErrArgs.Code)
	ev := pushes(tm.ok("a", "friend.remark", &SetFriendRemark{OwnerUserID: "a", FriendUserID: "b", Remark: "Bobby"}))
	if len(ev) != 1 {
		t.Fatalf("%d pushes, want 1", len(ev))
	}
	checkPush(t, tm, ev[0], openim.FriendRemarkSet, "n_a_b", 3, "a", "b", "a", "b")
	var tips pb.FriendInfoChangedTips
	tipsOf(t, ev[0].Msg, &tips)
	if tips.FromToUserID.ToUserID != "b" || tips.FriendVersion != 2 {
		t.Fatalf("1206 tips = %+v", &tips)
	}
	if f := tm.friendInfo("a", "b"); f.Remark != "Bobby" {
		t.Fatalf("remark = %q", f.Remark)
	}
	tm.ok("a", "friend.remark", &SetFriendRemark{OwnerUserID: "a", FriendUserID: "b"})
	if f := tm.friendInfo("a", "b"); f.Remark != "" {
		t.Fatalf("remark after clearing = %q", f.Remark)
	}
}

func TestUpdateFriends(t *testing.T) {
	tm := friendTest(t)
	tm.befriend("a", "b")
	tm.befriend("a", "c")
	yes, remark := true, "R"
	cases := []struct {
		name   string
		caller string
		args   UpdateFriends
		code   int
	}{
		{"nothing to set", "a", UpdateFriends{OwnerUserID: "a", FriendUserIDs: []string{"b"}}, openim.ErrArgs.Code},
		{"empty list", "a", UpdateFriends{OwnerUserID: "a", IsPinned: &yes}, openim.ErrArgs.Code},
		{"duplicates", "a", UpdateFriends{OwnerUserID: "a", FriendUserIDs: []string{"b", "b"}, IsPinned: &yes}, openim.ErrArgs.Code},
		{"not a friend", "b", UpdateFriends{OwnerUserID: "b", FriendUserIDs: []string{"c"}, IsPinned: &yes},
			openim.ErrRecordNotFound.Code},
		{"for someone else", "b", UpdateFriends{OwnerUserID: "a", FriendUserIDs: []string{"c"}, IsPinned: &yes},
			openim.ErrNoPermission.Code},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { tm.fail(c.caller, "friend.update", &c.args, c.code) })
	}
	ev := pushes(tm.ok("a", "friend.update", &UpdateFriends{OwnerUserID: "a", FriendUserIDs: []string{"c"},
		IsPinned: &yes, Remark: &remark}))
	if len(ev) != 1 {
		t.Fatalf("%d pushes, want 1", len(ev))
	}
	checkPush(t, tm, ev[0], openim.FriendsInfoUpdate, "n_a_a", 3, "a", "a", "a")
	var tips pb.FriendsInfoUpdateTips
	tipsOf(t, ev[0].Msg, &tips)
	if tips.FromToUserID.ToUserID != "a" || !slices.Equal(tips.FriendIDs, []string{"c"}) || tips.FriendVersion != 3 {
		t.Fatalf("1210 tips = %+v", &tips)
	}
	// Pinned first, then in the order added.
	list, total, err := store.ListFriends(context.Background(), tm.q(), "a", 0, 10)
	if err != nil || total != 2 || len(list) != 2 || list[0].FriendUser.UserID != "c" || !list[0].IsPinned ||
		list[0].Remark != "R" || list[1].FriendUser.UserID != "b" || list[1].IsPinned {
		t.Fatalf("friend list = %v (total %d, %v)", list, total, err)
	}
}

func TestImportFriend(t *testing.T) {
	tm := friendTest(t)
	cases := []struct {
		name   string
		caller string
		args   ImportFriend
		code   int
	}{
		{"not admin", "a", ImportFriend{OwnerUserID: "a", FriendUserIDs: []string{"b"}}, openim.ErrNoPermission.Code},
		{"self", openim.AdminUserID, ImportFriend{OwnerUserID: "a", FriendUserIDs: []string{"b", "a"}}, openim.ErrCannotAddYourself.Code},
		{"unknown", openim.AdminUserID, ImportFriend{OwnerUserID: "a", FriendUserIDs: []string{"b", "zz"}}, openim.ErrRecordNotFound.Code},
		{"empty", openim.AdminUserID, ImportFriend{OwnerUserID: "a"}, openim.ErrArgs.Code},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { tm.fail(c.caller, "friend.import", &c.args, c.code) })
	}
	if tm.isFriend("a", "b") {
		t.Fatal("a failed import left a friendship")
	}
	ev := pushes(tm.ok(openim.AdminUserID, "friend.import", &ImportFriend{OwnerUserID: "a", FriendUserIDs: []string{"b", "c"}}))
	// Per friend: 1201, its chat copy, 1204 to a, 1204 to the friend.
	if len(ev) != 8 {
		t.Fatalf("%d pushes, want 8", len(ev))
	}
	checkPush(t, tm, ev[0], openim.FriendApplicationApproved, "n_a_b", 1, "a", "b", "a", "b")
	var tips pb.FriendApplicationApprovedTips
	tipsOf(t, ev[0].Msg, &tips)
	if tips.Request != nil || tips.FromToUserID.FromUserID != "a" || tips.FromToUserID.ToUserID != "b" {
		t.Fatalf("import 1201 tips = %+v", &tips)
	}
	checkPush(t, tm, ev[2], openim.FriendAdded, "n_a_a", 1, "a", "a", "a")
	checkPush(t, tm, ev[3], openim.FriendAdded, "n_b_b", 1, "b", "b", "b")
	checkPush(t, tm, ev[4], openim.FriendApplicationApproved, "n_a_c", 1, "a", "c", "a", "c")
	checkPush(t, tm, ev[6], openim.FriendAdded, "n_a_a", 2, "a", "a", "a")
	for _, pair := range [][2]string{{"a", "b"}, {"b", "a"}, {"a", "c"}, {"c", "a"}} {
		if f := tm.friendInfo(pair[0], pair[1]); f.AddSource != addSourceImport || f.OperatorUserID != openim.AdminUserID {
			t.Fatalf("imported friend %v = %+v", pair, f)
		}
	}
	// Importing existing friendships again changes nothing and tells no one.
	if ev := tm.ok(openim.AdminUserID, "friend.import", &ImportFriend{OwnerUserID: "a", FriendUserIDs: []string{"b"}}); len(ev) != 0 {
		t.Fatalf("re-import pushed %d", len(ev))
	}
	// Mending a one-sided friendship creates only the missing row and tells only its owner (1204).
	tm.ok("b", "friend.delete", &DeleteFriend{OwnerUserID: "b", FriendUserID: "a"})
	ev = pushes(tm.ok(openim.AdminUserID, "friend.import", &ImportFriend{OwnerUserID: "a", FriendUserIDs: []string{"b"}}))
	if len(ev) != 3 || ev[2].Msg.ContentType != openim.FriendAdded || !slices.Equal(ev[2].UserIDs, []string{"b"}) {
		t.Fatalf("mending import pushed %d: %v", len(ev), ev)
	}
}

func TestBlackList(t *testing.T) {
	tm := friendTest(t)
	tm.befriend("a", "b")
	cases := []struct {
		name   string
		caller string
		args   AddBlack
		code   int
	}{
		{"self", "a", AddBlack{OwnerUserID: "a", BlackUserID: "a"}, openim.ErrArgs.Code},
		{"for someone else", "c", AddBlack{OwnerUserID: "a", BlackUserID: "b"}, openim.ErrNoPermission.Code},
		{"unknown", "a", AddBlack{OwnerUserID: "a", BlackUserID: "nobody"}, openim.ErrRecordNotFound.Code},
		{"ex too long", "a", AddBlack{OwnerUserID: "a", BlackUserID: "b", Ex: strings.Repeat("x", openim.MaxExLen+1)}, openim.ErrArgs.Code},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { tm.fail(c.caller, "friend.black_add", &c.args, c.code) })
	}
	ev := pushes(tm.ok("a", "friend.black_add", &AddBlack{OwnerUserID: "a", BlackUserID: "b", Ex: "spam"}))
	if len(ev) != 1 {
		t.Fatalf("%d pushes, want 1", len(ev))
	}
	// To the owner's devices only, in their own stream (after the 1204 of befriend): the blocked
	// user is not told.
	checkPush(t, tm, ev[0], openim.BlackAdded, "n_a_a", 2, "a", "a", "a")
	var tips pb.BlackAddedTips
	tipsOf(t, ev[0].Msg, &tips)
	if tips.FromToUserID.FromUserID != "a" || tips.FromToUserID.ToUserID != "b" {
		t.Fatalf("1207 tips = %+v", &tips)
	}
	if err := tm.fail("a", "friend.black_add", &AddBlack{OwnerUserID: "a", BlackUserID: "b"},
		openim.ErrDuplicateKey.Code); !strings.Contains(err.Detail, "already") {
		t.Fatalf("duplicate block: %v", err)
	}
	blacks, total, err := store.ListBlacks(context.Background(), tm.q(), "a", 0, 10)
	if err != nil || total != 1 || blacks[0].BlackUserInfo.UserID != "b" || blacks[0].BlackUserInfo.Nickname != "Nick b" ||
		blacks[0].CreateTime != (tm.now-1000)/1000 || blacks[0].Ex != "spam" || blacks[0].OperatorUserID != "a" {
		t.Fatalf("black list = %v (total %d, %v)", blacks, total, err)
	}
	if !tm.isFriend("a", "b") {
		t.Fatal("blocking dropped the friendship")
	}
	ev = pushes(tm.ok("a", "friend.black_remove", &RemoveBlack{OwnerUserID: "a", BlackUserID: "b"}))
	if len(ev) != 1 {
		t.Fatalf("%d pushes, want 1", len(ev))
	}
	checkPush(t, tm, ev[0], openim.BlackDeleted, "n_a_a", 3, "a", "a", "a")
	if ev := tm.ok("a", "friend.black_remove", &RemoveBlack{OwnerUserID: "a", BlackUserID: "b"}); len(ev) != 0 {
		t.Fatalf("removing an absent entry pushed %d", len(ev))
	}
	tm.fail("c", "friend.black_remove", &RemoveBlack{OwnerUserID: "a", BlackUserID: "b"}, openim.ErrNoPermission.Code)
}

func TestIncrementalFriends(t *testing.T) {
	tm := friendTest(t)
	ctx := context.Background()
	key := friendLog("a")
	// No log yet: a stable, non-empty ID at version 0, and no write.
	h0 := tm.head(key)
	if h0.ID == "" || len(h0.ID) != 24 || h0.Version != 0 {
		t.Fatalf("empty log head = %+v", h0)
	}
	if _, ok, _ := store.GetVersionHead(ctx, tm.q(), key); ok {
		t.Fatal("reading the head created the log")
	}
	tm.befriend("a", "b")
	h1 := tm.head(key)
	if h1.ID != h0.ID || h1.Version != 1 {
		t.Fatalf("head after first friend = %+v, want ID %s version 1", h1, h0.ID)
	}
	tm.befriend("a", "c")
	tm.ok("a", "friend.remark", &SetFriendRemark{OwnerUserID: "a", FriendUserID: "b", Remark: "B"})
	tm.ok("a", "friend.delete", &DeleteFriend{OwnerUserID: "a", FriendUserID: "c"})

	since := func(id string, v uint64) *FriendChanges {
		ch, err := IncrementalFriends(ctx, tm.q(), "a", id, v)
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}
	cases := []struct {
		name                   string
		id                     string
		version                uint64
		full                   bool
		insert, update, delete []string
	}{
		{"first sync", "", 0, true, nil, nil, nil},
		{"version 0 of this log", h0.ID, 0, false, []string{"b"}, nil, []string{"c"}},
		{"other log", logVersionID(friendLog("b")), 1, true, nil, nil, nil},
		{"ahead of the log", h0.ID, 99, true, nil, nil, nil},
		{"current", h0.ID, 4, false, nil, nil, nil},
		{"after the first friend", h0.ID, 1, false, nil, []string{"b"}, []string{"c"}},
		{"after the second friend", h0.ID, 2, false, nil, []string{"b"}, []string{"c"}},
		{"after the remark", h0.ID, 3, false, nil, nil, []string{"c"}},
	}
	ids := func(fs []*pb.FriendInfo) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.FriendUser.UserID)
		}
		return out
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch := since(c.id, c.version)
			if ch.Head.ID != h0.ID || ch.Head.Version != 4 || ch.Full != c.full || !slices.Equal(ids(ch.Insert), c.insert) ||
				!slices.Equal(ids(ch.Update), c.update) || !slices.Equal(ch.Delete, c.delete) {
				t.Fatalf("got %+v", ch)
			}
		})
	}
	if ch := since(h0.ID, 3); ch.Delete[0] != "c" {
		t.Fatalf("since 3: %+v", ch)
	}
	if ch := since(h0.ID, 1); ch.Update[0].Remark != "B" || ch.Update[0].FriendUser.Nickname != "Nick b" {
		t.Fatalf("updated entry = %+v", ch.Update[0])
	}
	tm.befriend("c", "a")
	if ch := since(h0.ID, 4); !slices.Equal(ids(ch.Insert), []string{"c"}) || ch.Head.Version != 5 {
		t.Fatalf("after re-adding c: %+v", ch)
	}
}

// Two nodes applying the same commands store byte-identical notifications.
func TestFriendApplyIsDeterministic(t *testing.T) {
	run := func() [][]*pb.MsgData {
		tm := friendTest(t)
		tm.befriend("a", "b")
		tm.ok("a", "friend.black_add", &AddBlack{OwnerUserID: "a", BlackUserID: "c"})
		tm.ok(openim.AdminUserID, "friend.import", &ImportFriend{OwnerUserID: "c", FriendUserIDs: []string{"b"}})
		var out [][]*pb.MsgData
		for _, id := range []string{"n_a_b", "si_a_b", "n_a_a", "n_b_b", "n_b_c"} {
			out = append(out, tm.messages(id))
		}
		return out
	}
	x, y := run(), run()
	for i := range x {
		if len(x[i]) == 0 || len(x[i]) != len(y[i]) {
			t.Fatalf("conversation %d: %d vs %d messages", i, len(x[i]), len(y[i]))
		}
		for j := range x[i] {
			bx, _ := marshal.Marshal(x[i][j])
			by, _ := marshal.Marshal(y[i][j])
			if !bytes.Equal(bx, by) {
				t.Fatalf("conversation %d message %d differs", i, j)
			}
		}
	}
}
