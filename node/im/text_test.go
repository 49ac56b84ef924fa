package im

import (
	"errors"
	"strings"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
)

// Every name and text field refuses NUL and control characters (multi-line fields allow newline
// and tab), and invalid UTF-8, with 1001: in the API's Check and again in the FSM.
func TestTextFieldsRefuseControlCharacters(t *testing.T) {
	p := func(s string) *string { return &s }
	group := func(name, notification, ex string) *CreateGroup {
		return &CreateGroup{OwnerUserID: "ann", GroupInfo: &pb.GroupInfo{GroupID: "g1", GroupType: openim.WorkingGroup,
			GroupName: name, Notification: notification, Ex: ex}}
	}
	text := func(nick, ex, content string) *SendMsg {
		return &SendMsg{MsgData: &pb.MsgData{SendID: "ann", RecvID: "bob", ClientMsgID: "c1", SessionType: openim.SingleChat,
			ContentType: openim.Text, Content: []byte(content), SenderNickname: nick, Ex: ex}}
	}
	bad := []struct {
		name, caller, kind string
		args               interface{ Check(Caller) error }
	}{
		{"group name with NUL", "ann", "group.create", group("a\x00b", "", "")},
		{"group name with newline", "ann", "group.create", group("a\nb", "", "")},
		{"group name with DEL", "ann", "group.create", group("a\x7fb", "", "")},
		{"group name with a C1 control", "ann", "group.create", group("a\u0085b", "", "")},
		{"notification with NUL", "ann", "group.create", group("g", "line\x00", "")},
		{"notification with escape", "ann", "group.create", group("g", "\x1b[31mred", "")},
		{"group ex with NUL", "ann", "group.create", group("g", "", "{}\x00")},
		{"set_group_info name", "ann", "group.set_info", &SetGroupInfo{GroupID: "g1", GroupName: p("x\ty")}},
		{"set_group_info introduction", "ann", "group.set_info", &SetGroupInfo{GroupID: "g1", Introduction: p("\x07")}},
		{"set_group_info faceURL", "ann", "group.set_info", &SetGroupInfo{GroupID: "g1", FaceURL: p("http://x/\n")}},
		{"member nickname", "ann", "group.set_member_info", &SetMemberInfo{Members: []MemberPatch{{GroupID: "g1", UserID: "ann", Nickname: p("a\rb")}}}},
		{"register nickname", "imAdmin", "user.register", &RegisterUsers{Users: []NewUser{{UserID: "zed", Nickname: "z\x00"}}}},
		{"update ex", "ann", "user.update", &UpdateUser{UserInfo: UserPatch{UserID: "ann", Ex: p("\x01")}}},
		{"update nickname", "ann", "user.update", &UpdateUser{UserInfo: UserPatch{UserID: "ann", Nickname: p("a\nb")}}},
		{"friend remark", "ann", "friend.remark", &SetFriendRemark{OwnerUserID: "ann", FriendUserID: "bob", Remark: "\x00"}},
		{"friend request message", "ann", "friend.add", &AddFriend{FromUserID: "ann", ToUserID: "bob", ReqMsg: "hi\x00"}},
		{"office name", "ann", "office.rename", &RenameOffice{OfficeName: "Acme\x00"}},
		{"sender nickname", "ann", "msg.send", text("a\x00", "", `{"content":"hi"}`)},
		{"message ex", "ann", "msg.send", text("", "\x02", `{"content":"hi"}`)},
		{"message text with NUL", "ann", "msg.send", text("", "", `{"content":"a\u0000b"}`)},
		{"message content not UTF-8", "ann", "msg.send", text("", "", "{\"content\":\"a\xffb\"}")},
		{"user command uuid with newline", "ann", "user.command_add", &UserCommandSet{UserCommandRef: UserCommandRef{UserID: "ann", Type: 1, UUID: "a\nb"}}},
		{"user command value with NUL", "ann", "user.command_add", &UserCommandSet{UserCommandRef: UserCommandRef{UserID: "ann", Type: 1, UUID: "u"}, Value: Str("v\x00")}},
	}
	// The log's JSON encoding turns invalid UTF-8 in a string into U+FFFD, so only the API sees
	// such a name as sent (and refuses it).
	if err := group("a\xffb", "", "").Check(Caller{UserID: "ann"}); !errors.Is(err, openim.ErrArgs) {
		t.Errorf("group name not UTF-8: Check = %v, want 1001", err)
	}
	tm := testMachine(t)
	for _, tc := range bad {
		if err := tc.args.Check(Caller{UserID: tc.caller}); !errors.Is(err, openim.ErrArgs) {
			t.Errorf("%s: Check = %v, want 1001", tc.name, err)
		}
		if res, _ := tm.apply(tc.caller, tc.kind, tc.args); res.Err == nil || res.Err.Code != openim.ErrArgs.Code {
			t.Errorf("%s: the FSM answers %v, want 1001", tc.name, res.Err)
		}
	}

	good := []struct {
		name string
		args interface{ Check(Caller) error }
	}{
		{"multi-line notification", group("Team", "line 1\n\tline 2", "")},
		{"multi-line ex", group("Team", "", "{\n\t\"a\": 1\n}")},
		{"unicode name", group("Équipe 日本 🎉", "", "")},
		{"multi-line message", text("Ann", "", `{"content":"a\nb\tc"}`)},
		{"multi-line request", &AddFriend{FromUserID: "ann", ToUserID: "bob", ReqMsg: "hi,\nit's me"}},
	}
	for _, tc := range good {
		if err := tc.args.Check(Caller{UserID: "ann"}); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if err := checkLine("nickname", strings.Repeat("é", openim.MaxNameLen), openim.MaxNameLen); err != nil {
		t.Errorf("a name of %d characters: %v", openim.MaxNameLen, err)
	}
}
