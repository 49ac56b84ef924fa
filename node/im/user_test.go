package im

import (
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
)

// TestUpdateUserNotifies: every profile change tells the user's devices (1303, operator → user);
// a new name or face also tells each user who lists them as a friend (1209) and logs the change in
// that friend list; ex or globalRecvMsgOpt alone tells no friend.
func TestUpdateUserNotifies(t *testing.T) {
	tm := friendTest(t)
	tm.befriend("a", "b")
	tm.befriend("c", "a")
	tm.ok("b", "friend.delete", &DeleteFriend{OwnerUserID: "b", FriendUserID: "a"}) // b no longer lists a
	str := func(s string) *string { return &s }
	opt := int32(1)

	ev := pushes(tm.ok("a", "user.update", &UpdateUser{UserInfo: UserPatch{UserID: "a", Ex: str("x"), GlobalRecvMsgOpt: &opt}}))
	if len(ev) != 1 {
		t.Fatalf("%d pushes after an ex change, want the 1303 only", len(ev))
	}
	checkPush(t, tm, ev[0], openim.UserInfoUpdated, "n_a_a", 3, "a", "a", "a") // after two 1204s
	var self pb.UserInfoUpdatedTips
	tipsOf(t, ev[0].Msg, &self)
	if self.UserID != "a" {
		t.Fatalf("1303 tips = %+v", &self)
	}

	cBefore := tm.head(friendLog("c"))
	bBefore := tm.head(friendLog("b"))
	ev = pushes(tm.ok("a", "user.update", &UpdateUser{UserInfo: UserPatch{UserID: "a", Nickname: str("Ann")}}))
	if len(ev) != 2 {
		t.Fatalf("%d pushes after a rename, want 1303 and one 1209", len(ev))
	}
	checkPush(t, tm, ev[0], openim.UserInfoUpdated, "n_a_a", 4, "a", "a", "a")
	// c lists a (n_a_c already holds c's 1203 and a's 1201); b does not any more.
	checkPush(t, tm, ev[1], openim.FriendInfoUpdated, "n_a_c", 3, "a", "c", "c")
	var friend pb.UserInfoUpdatedTips
	tipsOf(t, ev[1].Msg, &friend)
	if friend.UserID != "a" {
		t.Fatalf("1209 tips = %+v", &friend)
	}
	if h := tm.head(friendLog("c")); h.Version != cBefore.Version+1 {
		t.Fatalf("c's friend log at %d, want %d", h.Version, cBefore.Version+1)
	}
	if h := tm.head(friendLog("b")); h != bBefore {
		t.Fatalf("b's friend log moved: %+v, was %+v", h, bBefore)
	}

	// The admin as operator: 1303 admin → a, to both, in their pair's stream.
	ev = pushes(tm.ok(openim.AdminUserID, "user.update", &UpdateUser{UserInfo: UserPatch{UserID: "a", FaceURL: str("face://new")}}))
	if len(ev) != 2 {
		t.Fatalf("%d pushes after the admin's face change, want 2", len(ev))
	}
	checkPush(t, tm, ev[0], openim.UserInfoUpdated, "n_a_"+openim.AdminUserID, 1, openim.AdminUserID, "a", openim.AdminUserID, "a")
	checkPush(t, tm, ev[1], openim.FriendInfoUpdated, "n_a_c", 4, "a", "c", "c")
}
