package im

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

func TestSendSingleStoresPushesAndMakesRows(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob")
	m := tm.text("alice", "bob", "hello")
	m.Options = map[string]bool{"isNotNotification": false} // a user cannot aim at an n_ stream
	res := tm.send(m)
	if res.Seq != 1 || res.ServerMsgID == "" || res.ClientMsgID != m.ClientMsgID || res.SendTime != tm.now {
		t.Fatalf("result %+v", res)
	}
	cid := openim.SingleConversationID("alice", "bob")
	pushes := tm.lastPushes()
	if len(pushes) != 1 || pushes[0].ConversationID != cid || !slices.Equal(pushes[0].UserIDs, []string{"bob", "alice"}) ||
		pushes[0].OperationID == "" || pushes[0].Msg.Seq != 1 {
		t.Fatalf("push %+v", pushes[0])
	}
	for _, owner := range []string{"alice", "bob"} {
		if tm.conv(owner, cid) == nil {
			t.Fatalf("no %s row for %s", cid, owner)
		}
	}
	if got := tm.conv("alice", cid).HasReadSeq; got != 1 {
		t.Fatalf("sender hasReadSeq %d, want 1", got)
	}
	got := tm.pull("bob", cid, 1, 1)
	if len(got) != 1 || msgText(got[0]) != "hello" || got[0].Status != openim.MsgStatusSuccess || got[0].MsgFrom != openim.MsgFromUser ||
		got[0].SenderNickname != "Nick alice" || got[0].SenderPlatformID != openim.PlatformWeb || got[0].ServerMsgID != res.ServerMsgID {
		t.Fatalf("pulled %+v", got)
	}
	if _, ok := got[0].Options["isNotNotification"]; ok {
		t.Fatal("isNotNotification kept on a user message")
	}
}

// A send in a chat whose rows exist reads both ends' rows and both users in one statement each and
// skips the inserts that would find the rows; a row that is missing (here the receiver's, deleted)
// is still made, and logged in its owner's conversation versions.
func TestSendSingleStatements(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob")
	cid := openim.SingleConversationID("alice", "bob")
	tm.send(tm.text("alice", "bob", "first"))
	tm.send(tm.text("bob", "alice", "second"))
	// one read (dedupe, users, both rows, block and friend lists, last seq), office, seq, message
	// and its text (2), read seq.
	if tm.stmts != 6 {
		t.Fatalf("a send in an existing chat ran %d statements, want 6", tm.stmts)
	}
	tm.exec(`DELETE FROM conversations WHERE owner_id = 'bob' AND conversation_id = ?`, cid)
	before := tm.head(conversationLog("bob")).Version
	tm.send(tm.text("alice", "bob", "third"))
	if tm.conv("bob", cid) == nil || tm.conv("alice", cid) == nil {
		t.Fatal("the receiver's missing row was not made again")
	}
	if got := tm.head(conversationLog("bob")).Version; got != before+1 {
		t.Fatalf("bob's conversation versions at %d, want %d", got, before+1)
	}
	if got := tm.conv("alice", cid).HasReadSeq; got != 3 {
		t.Fatalf("sender hasReadSeq %d, want 3", got)
	}
}

func TestSendSeqsAreContinuous(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob")
	cid := openim.SingleConversationID("alice", "bob")
	for i := 1; i <= 30; i++ {
		from, to := "alice", "bob"
		if i%3 == 0 {
			from, to = "bob", "alice"
		}
		if res := tm.send(tm.text(from, to, "m")); res.Seq != int64(i) {
			t.Fatalf("send %d got seq %d", i, res.Seq)
		}
	}
	msgs := tm.pull("alice", cid, 1, 100)
	if len(msgs) != 30 {
		t.Fatalf("pulled %d", len(msgs))
	}
	for i, m := range msgs {
		if m.Seq != int64(i+1) || m.Status != openim.MsgStatusSuccess {
			t.Fatalf("msg %d: seq %d status %d", i, m.Seq, m.Status)
		}
	}
}

func TestSendIdempotent(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob", "carol")
	m := tm.text("alice", "bob", "once")
	first := tm.send(m)
	again := tm.send(m)
	if again != first {
		t.Fatalf("retry %+v, first %+v", again, first)
	}
	if len(tm.lastPushes()) != 0 {
		t.Fatal("a retry pushed again")
	}
	if next := tm.send(tm.text("alice", "bob", "next")); next.Seq != 2 {
		t.Fatalf("next seq %d, want 2", next.Seq)
	}
	other := tm.text("carol", "bob", "steal")
	other.ClientMsgID = m.ClientMsgID
	tm.fail("carol", "msg.send", &SendMsg{MsgData: other}, openim.ErrArgs.Code)
}

func TestSendSingleRules(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob", "carol", "dave", "sys")
	tm.exec(`INSERT INTO blacks (owner_id, block_id, create_time) VALUES ('bob', 'alice', 0)`)
	tm.exec(`UPDATE users SET global_recv_msg_opt = 1 WHERE user_id = 'carol'`)
	tm.exec(`UPDATE users SET app_manger_level = 2 WHERE user_id = 'sys'`)
	tm.send(tm.text("bob", "dave", "hi")) // makes dave's row
	tm.exec(`UPDATE conversations SET recv_msg_opt = 1 WHERE owner_id = 'dave'`)

	big := tm.text("alice", "dave", "x")
	big.Content = []byte(`{"content":"` + strings.Repeat("a", openim.MaxContentBytes) + `"}`)
	cases := []struct {
		name   string
		caller string
		msg    func() *pb.MsgData
		code   int
	}{
		{"unknown receiver", "alice", func() *pb.MsgData { return tm.text("alice", "nobody", "x") }, openim.ErrRecordNotFound.Code},
		{"blocked", "alice", func() *pb.MsgData { return tm.text("alice", "bob", "x") }, openim.ErrBlockedByPeer.Code},
		{"receiver refuses all", "alice", func() *pb.MsgData { return tm.text("alice", "carol", "x") }, openim.ErrArgs.Code},
		{"receiver refuses conversation", "bob", func() *pb.MsgData { return tm.text("bob", "dave", "x") }, openim.ErrArgs.Code},
		{"as someone else", "carol", func() *pb.MsgData { return tm.text("alice", "dave", "x") }, openim.ErrNoPermission.Code},
		{"sessionType 2", "alice", func() *pb.MsgData { m := tm.text("alice", "dave", "x"); m.SessionType = 2; return m }, openim.ErrArgs.Code},
		{"sessionType 4 by a user", "alice", func() *pb.MsgData { m := tm.text("alice", "dave", "x"); m.SessionType = 4; return m }, openim.ErrNoPermission.Code},
		{"typing", "alice", func() *pb.MsgData {
			m := tm.text("alice", "dave", "x")
			m.ContentType, m.Content = openim.Typing, []byte(`{"msgTips":"yes"}`)
			return m
		}, openim.ErrArgs.Code},
		{"notification type", "alice", func() *pb.MsgData { m := tm.text("alice", "dave", "x"); m.ContentType = 1201; return m }, openim.ErrArgs.Code},
		{"text without content", "alice", func() *pb.MsgData {
			m := tm.text("alice", "dave", "x")
			m.Content = []byte(`{"content":""}`)
			return m
		}, openim.ErrArgs.Code},
		{"not JSON", "alice", func() *pb.MsgData {
			m := tm.text("alice", "dave", "x")
			m.ContentType, m.Content = openim.Picture, []byte(`{"sourcePicture":`)
			return m
		}, openim.ErrArgs.Code},
		{"too big", "alice", func() *pb.MsgData { return big }, openim.ErrArgs.Code},
		{"no clientMsgID", "alice", func() *pb.MsgData { m := tm.text("alice", "dave", "x"); m.ClientMsgID = ""; return m }, openim.ErrArgs.Code},
		{"sender not a user", openim.AdminUserID, func() *pb.MsgData { return tm.text("ghost", "dave", "x") }, openim.ErrRecordNotFound.Code},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tm.t = t
			tm.fail(c.caller, "msg.send", &SendMsg{MsgData: c.msg()}, c.code)
		})
	}
	tm.t = t
	// The admin, and a system account (appMangerLevel >= 2), pass the black list.
	if res := tm.send(tm.text("sys", "bob", "notice")); res.Seq == 0 {
		t.Fatal("system account not stored")
	}
	m := tm.text("alice", "bob", "from admin")
	var res SendMsgResult
	mustJSON(t, tm.must(openim.AdminUserID, "msg.send", &SendMsg{MsgData: m}), &res)
	if res.Seq == 0 {
		t.Fatal("admin send as alice not stored")
	}
}

func TestSendGroupRules(t *testing.T) {
	tm := officeMachine(t)
	tm.register("owner", "adm", "mem", "muted", "out")
	tm.makeGroup("g1", "owner", "adm", "mem", "muted")
	tm.exec(`UPDATE group_members SET role_level = 60 WHERE user_id = 'adm'`)
	tm.exec(`UPDATE group_members SET mute_end_time = ? WHERE user_id = 'muted'`, tm.now+1_000_000)
	res := tm.send(tm.text("mem", "g:g1", "hi all"))
	if res.Seq != 1 {
		t.Fatalf("seq %d", res.Seq)
	}
	p := tm.lastPushes()[0]
	if p.ConversationID != "sg_g1" || !slices.Equal(p.UserIDs, []string{"owner", "adm", "mem", "muted"}) {
		t.Fatalf("push %+v", p)
	}
	for _, u := range []string{"owner", "adm", "mem", "muted"} {
		if tm.conv(u, "sg_g1") == nil {
			t.Fatalf("no sg_g1 row for %s", u)
		}
	}
	if tm.conv("out", "sg_g1") != nil {
		t.Fatal("row for a non-member")
	}
	tm.fail("out", "msg.send", &SendMsg{MsgData: tm.text("out", "g:g1", "x")}, openim.ErrNotInGroupYet.Code)
	tm.fail("muted", "msg.send", &SendMsg{MsgData: tm.text("muted", "g:g1", "x")}, openim.ErrMutedInGroup.Code)
	tm.fail("mem", "msg.send", &SendMsg{MsgData: tm.text("mem", "g:nope", "x")}, openim.ErrRecordNotFound.Code)
	tm.exec(`UPDATE groups SET status = 3 WHERE group_id = 'g1'`)
	tm.fail("mem", "msg.send", &SendMsg{MsgData: tm.text("mem", "g:g1", "x")}, openim.ErrMutedGroup.Code)
	tm.send(tm.text("adm", "g:g1", "admins talk"))
	tm.send(tm.text("owner", "g:g1", "owner talks"))
	tm.must(openim.AdminUserID, "msg.send", &SendMsg{MsgData: tm.text(openim.AdminUserID, "g:g1", "app admin talks")})
	tm.exec(`UPDATE groups SET status = 2 WHERE group_id = 'g1'`)
	tm.fail("owner", "msg.send", &SendMsg{MsgData: tm.text("owner", "g:g1", "x")}, openim.ErrDismissedAlready.Code)
	if got := tm.visible("mem", "sg_g1"); !slices.Equal(got, []string{"hi all", "admins talk", "owner talks", "app admin talks"}) {
		t.Fatalf("group history %q", got)
	}
}

func TestSendWithoutHistoryIsNotStored(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob")
	m := tm.text("alice", "bob", "online only")
	m.Options = map[string]bool{"history": false, "senderSync": false}
	res := tm.send(m)
	if res.Seq != 0 {
		t.Fatalf("seq %d", res.Seq)
	}
	p := tm.lastPushes()
	if len(p) != 1 || !slices.Equal(p[0].UserIDs, []string{"bob"}) || p[0].Msg.Seq != 0 {
		t.Fatalf("pushes %+v", p)
	}
	seqs, err := NewestSeqs(context.Background(), tm.q(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs.MaxSeqs) != 0 {
		t.Fatalf("maxSeqs %v", seqs.MaxSeqs)
	}
	// Not stored, so a resend is a new message, not a retry.
	if again := tm.send(m); again.ServerMsgID == res.ServerMsgID {
		t.Fatal("unstored message answered as a retry")
	}
}

func TestNotificationChatRowForReceiver(t *testing.T) {
	tm := officeMachine(t)
	tm.register("bob")
	m := &pb.MsgData{SendID: openim.AdminUserID, RecvID: "bob", ClientMsgID: "oa1", SessionType: openim.NotificationChat,
		ContentType: openim.OANotification, Content: []byte(`{"text":"office closed friday"}`)}
	tm.must(openim.AdminUserID, "msg.send", &SendMsg{MsgData: m})
	cid := openim.NotificationChatConversationID(openim.AdminUserID, "bob")
	if tm.conv("bob", cid) == nil {
		t.Fatal("no sn_ row for the receiver")
	}
	if got := tm.pull("bob", cid, 1, 5); len(got) != 1 || got[0].MsgFrom != openim.MsgFromUser {
		t.Fatalf("bob reads %+v", got)
	}
}

func mustJSON(t *testing.T, raw []byte, out any) {
	t.Helper()
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatal(err)
	}
}

// storeMsgAt reads a stored message, for tests that look under the rendering.
func storeMsgAt(t *testing.T, tm *testM, cid string, seq int64) (store.StoredMessage, bool) {
	t.Helper()
	m, ok, err := store.MessageAt(context.Background(), tm.q(), cid, seq)
	if err != nil {
		t.Fatal(err)
	}
	return m, ok
}

// A user who stores the clientMsgID the next command would derive for its notification does not
// make that command fail.
func TestServerIDsSkipTakenClientMsgIDs(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob")
	tm.send(tm.text("alice", "bob", "x"))
	trap := tm.text("alice", "bob", "trap")
	sum := md5.Sum([]byte(fmt.Sprintf("%d/1", tm.index+2)))
	trap.ClientMsgID = hex.EncodeToString(sum[:])
	tm.send(trap)
	tm.must("bob", "msg.mark_read", &MarkMsgsAsRead{ConversationID: openim.SingleConversationID("alice", "bob"), Seqs: []int64{2}, UserID: "bob"})
	if p := tm.lastPushes(); len(p) != 1 || p[0].Msg.ClientMsgID == trap.ClientMsgID {
		t.Fatalf("receipt %+v", p)
	}
}
