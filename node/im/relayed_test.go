package im

import (
	"context"
	"slices"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
)

// TestTypingRecipients: typing follows the send's rules and codes (an unknown group is 1004, as
// for msg.send), and reaches the pair or every member.
func TestTypingRecipients(t *testing.T) {
	tm := officeMachine(t, "alice", "bob", "carol")
	tm.makeGroup("g1", "alice", "bob")
	tm.exec(`INSERT INTO groups (group_id, group_name, owner_id, status) VALUES ('gone', 'Gone', 'alice', ?)`,
		openim.GroupStatusDismissed)
	tm.exec(`INSERT INTO blacks (owner_id, block_id, create_time) VALUES ('bob', 'carol', 0)`)
	typing := func(from, to, group string) *pb.MsgData {
		m := &pb.MsgData{SendID: from, RecvID: to, GroupID: group, ClientMsgID: "t1", SessionType: openim.SingleChat,
			ContentType: openim.Typing}
		if group != "" {
			m.SessionType = openim.ReadGroupChat
		}
		return m
	}
	ctx := context.Background()
	for _, tc := range []recipientsCase{
		{"single", typing("bob", "alice", ""), 0, []string{"alice", "bob"}},
		{"group", typing("bob", "", "g1"), 0, []string{"alice", "bob"}},
		{"blocked", typing("carol", "bob", ""), openim.ErrBlockedByPeer.Code, nil},
		{"unknown group", typing("bob", "", "nope"), openim.ErrRecordNotFound.Code, nil},
		{"dismissed group", typing("alice", "", "gone"), openim.ErrDismissedAlready.Code, nil},
		{"not a member", typing("carol", "", "g1"), openim.ErrNotInGroupYet.Code, nil},
		{"no receiver", typing("bob", "", ""), openim.ErrArgs.Code, nil},
		{"bad clientMsgID", &pb.MsgData{SendID: "bob", RecvID: "alice", ClientMsgID: "a b", SessionType: openim.SingleChat}, openim.ErrArgs.Code, nil},
		{"notification session", &pb.MsgData{SendID: "bob", RecvID: "alice", ClientMsgID: "t", SessionType: openim.NotificationChat}, openim.ErrArgs.Code, nil},
	} {
		to, err := TypingRecipients(ctx, tm.q(), tc.msg)
		checkRecipients(t, tc.name, to, err, tc.code, tc.want)
	}
}

// recipientsCase is a message and the code (0: none) or recipients wanted for it.
type recipientsCase struct {
	name string
	msg  *pb.MsgData
	code int
	want []string
}

// checkRecipients compares a recipients answer with the code (0: none) and list wanted.
func checkRecipients(t *testing.T, name string, to []string, err error, code int, want []string) {
	t.Helper()
	if code != 0 {
		if e, ok := err.(*openim.Error); !ok || e.Code != code {
			t.Errorf("%s: %v, want code %d", name, err, code)
		}
		return
	}
	if err != nil || !slices.Equal(to, want) {
		t.Errorf("%s: %v %v, want %v", name, to, err, want)
	}
}

// TestPendingRecipients: a message waiting in its sender's outbox is shown by the send's rules (and
// codes) to the peer or the other members, never to the sender, and to nobody once it is stored.
func TestPendingRecipients(t *testing.T) {
	tm := officeMachine(t, "alice", "bob", "carol", "dave")
	tm.makeGroup("g1", "alice", "bob", "carol")
	tm.makeGroup("quiet", "alice", "bob")
	tm.exec(`UPDATE groups SET status = ? WHERE group_id = 'quiet'`, openim.GroupStatusMuted)
	tm.exec(`UPDATE group_members SET mute_end_time = ? WHERE group_id = 'g1' AND user_id = 'carol'`, tm.now+60000)
	tm.exec(`INSERT INTO blacks (owner_id, block_id, create_time) VALUES ('bob', 'dave', 0)`)
	tm.exec(`UPDATE users SET global_recv_msg_opt = 1 WHERE user_id = 'carol'`)
	text := func(from, to, group, id string) *pb.MsgData {
		m := &pb.MsgData{SendID: from, RecvID: to, GroupID: group, ClientMsgID: id, SessionType: openim.SingleChat,
			ContentType: openim.Text, Content: []byte(`{"content":"hi"}`)}
		if group != "" {
			m.SessionType = openim.ReadGroupChat
		}
		return m
	}
	stored := text("alice", "bob", "", "s1")
	tm.ok("alice", "msg.send", &SendMsg{MsgData: stored})
	ctx := context.Background()
	for _, tc := range []recipientsCase{
		{"single", text("alice", "bob", "", "p1"), 0, []string{"bob"}},
		{"group", text("bob", "", "g1", "p2"), 0, []string{"alice", "carol"}},
		{"stored already", stored, 0, nil},
		{"blocked", text("dave", "bob", "", "p3"), openim.ErrBlockedByPeer.Code, nil},
		{"receives nothing", text("alice", "carol", "", "p4"), openim.ErrArgs.Code, nil},
		{"muted member", text("carol", "", "g1", "p5"), openim.ErrMutedInGroup.Code, nil},
		{"muted group", text("bob", "", "quiet", "p6"), openim.ErrMutedGroup.Code, nil},
		{"not a member", text("dave", "", "g1", "p7"), openim.ErrNotInGroupYet.Code, nil},
		{"unknown sender", text("zed", "bob", "", "p8"), openim.ErrRecordNotFound.Code, nil},
		{"typing", &pb.MsgData{SendID: "alice", RecvID: "bob", ClientMsgID: "p9", SessionType: openim.SingleChat,
			ContentType: openim.Typing}, openim.ErrArgs.Code, nil},
		{"notification session", &pb.MsgData{SendID: "alice", RecvID: "bob", ClientMsgID: "p10",
			SessionType: openim.NotificationChat, ContentType: openim.Text}, openim.ErrArgs.Code, nil},
	} {
		to, err := PendingRecipients(ctx, tm.q(), tc.msg, tm.now)
		checkRecipients(t, tc.name, to, err, tc.code, tc.want)
	}
}

// TestSignIn: an unknown user is 1004; a wrong password (or none set) is the one 1002 that names
// neither part; a right password on the admin's or an unknown platform is 1001.
func TestSignIn(t *testing.T) {
	tm := officeMachine(t, "nopass")
	hash, err := HashPassword("secret-1")
	if err != nil {
		t.Fatal(err)
	}
	tm.ok("", "user.signup", &SignUp{User: NewUser{UserID: "ann", Nickname: "Ann"}, PasswordHash: hash, Token: "tok",
		PlatformID: openim.PlatformWeb})
	ctx := context.Background()
	if _, err := (&SignIn{UserID: "nobody"}).PasswordHash(ctx, tm.q()); err == nil || err.(*openim.Error).Code != openim.ErrRecordNotFound.Code {
		t.Fatalf("unknown user: %v", err)
	}
	for _, tc := range []struct {
		in   SignIn
		want error
		code int
	}{
		{SignIn{UserID: "ann", Password: "secret-1", PlatformID: openim.PlatformWeb}, nil, 0},
		{SignIn{UserID: "ann", Password: "secret-2", PlatformID: openim.PlatformWeb}, ErrWrongPassword, openim.ErrNoPermission.Code},
		{SignIn{UserID: "nopass", Password: "", PlatformID: openim.PlatformWeb}, ErrWrongPassword, openim.ErrNoPermission.Code},
		{SignIn{UserID: "ann", Password: "secret-1", PlatformID: openim.PlatformAdmin}, nil, openim.ErrArgs.Code},
		{SignIn{UserID: "ann", Password: "secret-1", PlatformID: 99}, nil, openim.ErrArgs.Code},
	} {
		hash, err := tc.in.PasswordHash(ctx, tm.q())
		if err != nil {
			t.Fatal(err)
		}
		err = tc.in.Verify(hash)
		if tc.code == 0 && err != nil || tc.code != 0 && (err == nil || err.(*openim.Error).Code != tc.code) ||
			tc.want != nil && err != tc.want {
			t.Errorf("%+v: %v, want code %d", tc.in, err, tc.code)
		}
	}
}
