package im

import (
	"context"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
)

// TestRefuseIsTheFSMsVerdict: for every command with a refuse method, the refusal the API decides
// on the replica is the FSM's, code for code, and a command the replica lets through is applied.
func TestRefuseIsTheFSMsVerdict(t *testing.T) {
	tm := officeMachine(t, "ann", "bob", "cy", "dan")
	tm.create("g1", "ann", []string{"cy"}, []string{"bob"}, 0)
	tm.ok("ann", "msg.send", &SendMsg{MsgData: &pb.MsgData{SendID: "ann", RecvID: "bob", ClientMsgID: "c1",
		SessionType: openim.SingleChat, ContentType: openim.Text, Content: []byte(`{"content":"hi"}`)}})
	pairID := openim.SingleConversationID("ann", "bob")
	str := func(s string) *string { return &s }
	cases := []struct {
		name, caller, kind string
		args               any
		code               int // 0: allowed
	}{
		{"revoke another's message", "bob", "msg.revoke", &RevokeMsg{ConversationID: pairID, Seq: 1, UserID: "bob"}, 1002},
		{"revoke a missing message", "ann", "msg.revoke", &RevokeMsg{ConversationID: pairID, Seq: 9, UserID: "ann"}, 1004},
		{"kick the owner", "cy", "group.kick", &KickGroup{GroupID: "g1", KickedUserIDs: []string{"ann"}}, 1001},
		{"kick as a member", "bob", "group.kick", &KickGroup{GroupID: "g1", KickedUserIDs: []string{"cy"}}, 1002},
		{"kick a non-member", "ann", "group.kick", &KickGroup{GroupID: "g1", KickedUserIDs: []string{"dan"}}, 1101},
		{"mute as a member", "bob", "group.mute_member", &MuteMember{GroupID: "g1", UserID: "cy", MutedSeconds: 60}, 1002},
		{"unmute the owner", "cy", "group.cancel_mute_member", &MemberRef{GroupID: "g1", UserID: "ann"}, 1002},
		{"mute a group as a member", "bob", "group.mute", &GroupRef{GroupID: "g1"}, 1002},
		{"unmute a missing group", "ann", "group.cancel_mute", &GroupRef{GroupID: "g9"}, 1002},
		{"rename as a member", "bob", "group.set_info", &SetGroupInfo{GroupID: "g1", GroupName: str("x")}, 1002},
		{"set the owner's nickname", "bob", "group.set_member_info", &SetMemberInfo{Members: []MemberPatch{{GroupID: "g1", UserID: "ann", Nickname: str("x")}}}, 1002},
		{"transfer as a member", "bob", "group.transfer", &TransferGroup{GroupID: "g1", OldOwnerUserID: "ann", NewOwnerUserID: "bob"}, 1002},
		{"transfer to a non-member", "ann", "group.transfer", &TransferGroup{GroupID: "g1", OldOwnerUserID: "ann", NewOwnerUserID: "dan"}, 1001},
		{"dismiss as an admin", "cy", "group.dismiss", &DismissGroup{GroupID: "g1"}, 1002},
		{"rename the office", "bob", "office.rename", &RenameOffice{OfficeName: "Bob's"}, 1002},
		{"grant the office role", "bob", "office.setAdmin", &SetOfficeAdmin{UserID: "bob", OfficeAdmin: true}, 1002},
		{"grant it to nobody", openim.AdminUserID, "office.setAdmin", &SetOfficeAdmin{UserID: "zed", OfficeAdmin: true}, 1004},
		{"sign up a taken ID", "", "user.signup", &SignUp{User: NewUser{UserID: "ann", Nickname: "Ann"}, PasswordHash: "h", Token: "t", PlatformID: openim.PlatformWeb}, 1102},
		{"mute a member", "ann", "group.mute_member", &MuteMember{GroupID: "g1", UserID: "bob", MutedSeconds: 60}, 0},
		{"revoke one's own message", "ann", "msg.revoke", &RevokeMsg{ConversationID: pairID, Seq: 1, UserID: "ann"}, 0},
		{"revoke it again", "ann", "msg.revoke", &RevokeMsg{ConversationID: pairID, Seq: 1, UserID: "ann"}, 1404},
		{"dismiss as the owner", "ann", "group.dismiss", &DismissGroup{GroupID: "g1"}, 0},
		{"mute a dismissed group", "ann", "group.mute", &GroupRef{GroupID: "g1"}, 1002},
	}
	for _, tc := range cases {
		err := Refuse(context.Background(), tm.db.Reader(), Caller{UserID: tc.caller, Platform: openim.PlatformWeb}, tm.now, tc.args)
		if got := openim.AsError(err); (got == nil) != (tc.code == 0) || got != nil && got.Code != tc.code {
			t.Errorf("%s: Refuse = %v, want code %d", tc.name, err, tc.code)
		}
		res, _ := tm.apply(tc.caller, tc.kind, tc.args)
		if (res.Err == nil) != (tc.code == 0) || res.Err != nil && res.Err.Code != tc.code {
			t.Errorf("%s: the FSM answers %v, want code %d", tc.name, res.Err, tc.code)
		}
	}
}
