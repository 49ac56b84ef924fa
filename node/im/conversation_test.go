package im

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// convMachine is a test machine that also applies test.send, which stores a chat message the way
// message delivery does (rows first, then the message).
func convMachine(t *testing.T) *testM {
	tm := testMachine(t)
	tm.m.handlers["test.send"] = args(convTestSend)
	return tm
}

// groupRows makes a group with the members directly in the tables.
func (tm *testM) groupRows(groupID string, members ...string) {
	tm.t.Helper()
	tm.exec(`INSERT INTO groups (group_id, group_name, face_url, owner_id, create_time) VALUES (?, ?, ?, ?, 1)`,
		groupID, "Group "+groupID, "face-"+groupID, members[0])
	for i, m := range members {
		tm.exec(`INSERT INTO group_members (group_id, user_id, join_seq) VALUES (?, ?, ?)`, groupID, m, i+1)
	}
}

func (tm *testM) friendRow(owner, friend, remark string) {
	tm.t.Helper()
	tm.exec(`INSERT INTO friends (owner_id, friend_id, remark, create_time) VALUES (?, ?, ?, 1)`, owner, friend, remark)
}

type convTestSendArgs struct {
	Msg        *pb.MsgData `json:"msg"`
	Recipients []string    `json:"recipients"`
}

func (a *convTestSendArgs) Check(Caller) error { return nil }

func convTestSend(o *op, a *convTestSendArgs) (any, error) {
	m := a.Msg
	m.SendTime, m.CreateTime, m.Status, m.MsgFrom = o.now, o.now, openim.MsgStatusSuccess, openim.MsgFromUser
	m.ClientMsgID, m.ServerMsgID = o.newID(), o.newID()
	id := openim.ChatConversationID(m.SessionType, m.SendID, m.RecvID, m.GroupID)
	if err := o.ensureChatConversations(id, m, a.Recipients, nil); err != nil {
		return nil, err
	}
	if err := o.storeMessage(id, m, ""); err != nil {
		return nil, err
	}
	_, err := store.RaiseHasReadSeq(o.ctx, o.tx, m.SendID, id, m.Seq)
	return m.Seq, err
}

// testSend stores a text message from one user to another (or to a group, with its members).
func (tm *testM) testSend(from, to, groupID, text string, members ...string) {
	tm.t.Helper()
	m := &pb.MsgData{SendID: from, RecvID: to, GroupID: groupID, SessionType: openim.SingleChat, ContentType: openim.Text,
		Content: []byte(fmt.Sprintf(`{"content":%q}`, text))}
	if groupID != "" {
		m.SessionType = openim.ReadGroupChat
	}
	tm.ok(from, "test.send", &convTestSendArgs{Msg: m, Recipients: members})
}

func (tm *testM) row(owner, conversationID string) store.ConversationRow {
	tm.t.Helper()
	r, ok, err := store.GetConversation(context.Background(), tm.q(), owner, conversationID)
	if err != nil || !ok {
		tm.t.Fatalf("conversation %s/%s: ok %v, err %v", owner, conversationID, ok, err)
	}
	return r
}

func convPtr[T any](v T) *T { return &v }

func convWantCode(t *testing.T, err error, code int) {
	t.Helper()
	var e *openim.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Fatalf("err %v, want code %d", err, code)
	}
}

// convPushes lists the notification pushes of one content type.
func convPushes(events []Event, contentType int32) []*Push {
	var out []*Push
	for _, e := range events {
		if e.Push != nil && e.Push.Msg.ContentType == contentType {
			out = append(out, e.Push)
		}
	}
	return out
}

func TestSetConversationsCheck(t *testing.T) {
	si := openim.SingleConversationID("alice", "bob")
	many := make([]string, openim.MaxBatch+1)
	for i := range many {
		many[i] = fmt.Sprintf("u%d", i)
	}
	long := strings.Repeat("x", openim.MaxExLen+1)
	cases := []struct {
		name   string
		caller string
		a      SetConversations
		code   int // 0 = passes
	}{
		{"self", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: si, IsPinned: convPtr(true)}}, 0},
		{"admin for many", openim.AdminUserID, SetConversations{UserIDs: []string{"alice", "bob"}, Conversation: &ConversationReq{ConversationID: si}}, 0},
		{"group id", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: "sg_g1", ConversationType: 3, GroupID: "g1"}}, 0},
		{"no conversation", "alice", SetConversations{UserIDs: []string{"alice"}}, 1001},
		{"no conversationID", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{}}, 1001},
		{"notification stream", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: "n_alice_bob"}}, 1001},
		{"bad characters", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: "si_a-b"}}, 1001},
		{"too long", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: "si_" + strings.Repeat("a", openim.MaxConversationIDLen)}}, 1001},
		{"type mismatch", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: si, ConversationType: 3}}, 1001},
		{"group mismatch", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: "sg_g1", GroupID: "g2"}}, 1001},
		{"no users", "alice", SetConversations{Conversation: &ConversationReq{ConversationID: si}}, 1001},
		{"too many users", openim.AdminUserID, SetConversations{UserIDs: many, Conversation: &ConversationReq{ConversationID: si}}, 1001},
		{"duplicate user", "alice", SetConversations{UserIDs: []string{"alice", "alice"}, Conversation: &ConversationReq{ConversationID: si}}, 1001},
		{"other user", "alice", SetConversations{UserIDs: []string{"alice", "bob"}, Conversation: &ConversationReq{ConversationID: si}}, 1002},
		{"recvMsgOpt", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: si, RecvMsgOpt: convPtr[int32](3)}}, 1001},
		{"groupAtType", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: si, GroupAtType: convPtr[int32](5)}}, 1001},
		{"burnDuration", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: si, BurnDuration: convPtr[int32](-1)}}, 1001},
		{"msgDestructTime", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: si, MsgDestructTime: convPtr[int64](-1)}}, 1001},
		{"ex", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: si, Ex: &long}}, 1001},
		{"attachedInfo", "alice", SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: si, AttachedInfo: &long}}, 1001},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.a.Check(Caller{UserID: tc.caller})
			if tc.code == 0 {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			convWantCode(t, err, tc.code)
		})
	}
}

func TestSetConversationsCreatesUpdatesAndNotifies(t *testing.T) {
	tm := convMachine(t)
	tm.register("alice", "bob")
	si := openim.SingleConversationID("alice", "bob")
	if h := tm.head(conversationLog("alice")); h.Version != 0 || h.ID != logVersionID(conversationLog("alice")) || len(h.ID) != 24 {
		t.Fatalf("head before any change: %+v", h)
	}

	// No row yet: it is created from the ID (peer bob), with the settings, and logged as an insert.
	events := tm.ok("alice", "conversation.set", &SetConversations{UserIDs: []string{"alice"},
		Conversation: &ConversationReq{ConversationID: si, IsPinned: convPtr(true), RecvMsgOpt: convPtr[int32](2), Ex: convPtr("x")}})
	r := tm.row("alice", si)
	if r.ConversationType != openim.SingleChat || r.UserID != "bob" || !r.IsPinned || r.RecvMsgOpt != 2 || r.Ex != "x" || r.OwnerUserID != "alice" {
		t.Fatalf("created row %+v", r.Conversation)
	}
	if h := tm.head(conversationLog("alice")); h.Version != 1 || h.ID != logVersionID(conversationLog("alice")) {
		t.Fatalf("head after create: %+v", h)
	}
	tips := convPushes(events, openim.ConversationChange)
	if len(tips) != 1 || !slices.Equal(tips[0].UserIDs, []string{"alice"}) || !openim.IsNotificationConversation(tips[0].ConversationID) {
		t.Fatalf("1300 pushes %+v", tips)
	}
	var detail struct{ Detail string }
	if err := json.Unmarshal(tips[0].Msg.Content, &detail); err != nil {
		t.Fatal(err)
	}
	var ct pb.ConversationUpdateTips
	if err := json.Unmarshal([]byte(detail.Detail), &ct); err != nil || ct.UserID != "alice" || !slices.Equal(ct.ConversationIDList, []string{si}) {
		t.Fatalf("1300 tips %s: %v", detail.Detail, err)
	}

	// The same values again change nothing: no notification, no version.
	events = tm.ok("alice", "conversation.set", &SetConversations{UserIDs: []string{"alice"},
		Conversation: &ConversationReq{ConversationID: si, IsPinned: convPtr(true)}})
	if len(events) != 0 || tm.head(conversationLog("alice")).Version != 1 {
		t.Fatalf("unchanged set: events %d, head %+v", len(events), tm.head(conversationLog("alice")))
	}

	// Null and absent fields are left alone; present ones (even empty) are written.
	tm.ok("alice", "conversation.set", &SetConversations{UserIDs: []string{"alice"},
		Conversation: &ConversationReq{ConversationID: si, Ex: convPtr(""), GroupAtType: convPtr[int32](1)}})
	r = tm.row("alice", si)
	if !r.IsPinned || r.RecvMsgOpt != 2 || r.Ex != "" || r.GroupAtType != 1 {
		t.Fatalf("after partial set %+v", r.Conversation)
	}
	ch, err := IncrementalConversations(context.Background(), tm.q(), "alice", tm.head(conversationLog("alice")).ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ch.Full || len(ch.Update) != 1 || ch.Update[0].ConversationID != si || ch.Update[0].Ex != "" || len(ch.Insert) != 0 {
		t.Fatalf("diff after update: %+v", ch)
	}
	// bob was not listed: no row for him.
	if _, ok, _ := store.GetConversation(context.Background(), tm.q(), "bob", si); ok {
		t.Fatal("bob got a row")
	}
}

func TestSetConversationsApplyRules(t *testing.T) {
	tm := convMachine(t)
	tm.register("alice", "bob", "carol")
	tm.groupRows("g1", "bob")
	cases := []struct {
		name   string
		caller string
		a      *SetConversations
		code   int
	}{
		{"unknown user", openim.AdminUserID, &SetConversations{UserIDs: []string{"alice", "nobody"}, Conversation: &ConversationReq{ConversationID: "si_alice_bob", IsPinned: convPtr(true)}}, openim.ErrUserIDNotFound.Code},
		{"chat of others", "alice", &SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: "si_bob_carol", IsPinned: convPtr(true)}}, openim.ErrArgs.Code},
		{"unknown peer", "alice", &SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: "si_alice_zed", IsPinned: convPtr(true)}}, openim.ErrUserIDNotFound.Code},
		{"not a member", "alice", &SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: "sg_g1", IsPinned: convPtr(true)}}, openim.ErrNotInGroupYet.Code},
		{"unknown group", "alice", &SetConversations{UserIDs: []string{"alice"}, Conversation: &ConversationReq{ConversationID: "sg_g9", IsPinned: convPtr(true)}}, openim.ErrGroupIDNotFound.Code},
		{"other user in the FSM", "alice", &SetConversations{UserIDs: []string{"bob"}, Conversation: &ConversationReq{ConversationID: "si_alice_bob", IsPinned: convPtr(true)}}, openim.ErrNoPermission.Code},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, events := tm.apply(tc.caller, "conversation.set", tc.a)
			if res.Err == nil || res.Err.Code != tc.code || len(events) != 0 {
				t.Fatalf("result %+v, events %d; want code %d", res.Err, len(events), tc.code)
			}
		})
	}
	// Nothing was written by any failed command (the first user of "unknown user" was rolled back).
	ids, err := store.ConversationIDs(context.Background(), tm.q(), "alice")
	if err != nil || len(ids) != 0 || tm.head(conversationLog("alice")).Version != 0 {
		t.Fatalf("rows %v (%v), head %+v after failures", ids, err, tm.head(conversationLog("alice")))
	}
	// A member gets the group row; an admin sets for two users at once, each with their own peer.
	tm.ok("bob", "conversation.set", &SetConversations{UserIDs: []string{"bob"}, Conversation: &ConversationReq{ConversationID: "sg_g1", RecvMsgOpt: convPtr[int32](1)}})
	if r := tm.row("bob", "sg_g1"); r.GroupID != "g1" || r.ConversationType != openim.ReadGroupChat || r.RecvMsgOpt != 1 {
		t.Fatalf("group row %+v", r.Conversation)
	}
	tm.ok(openim.AdminUserID, "conversation.set", &SetConversations{UserIDs: []string{"alice", "bob"}, Conversation: &ConversationReq{ConversationID: "si_alice_bob", UserID: "bob", Ex: convPtr("e")}})
	if a, b := tm.row("alice", "si_alice_bob"), tm.row("bob", "si_alice_bob"); a.UserID != "bob" || b.UserID != "alice" || a.Ex != "e" || b.Ex != "e" {
		t.Fatalf("rows %+v / %+v", a.Conversation, b.Conversation)
	}
}

func TestChatPeer(t *testing.T) {
	cases := []struct {
		id, owner, hint, want string
		ok                    bool
	}{
		{"si_a_b", "a", "", "b", true},
		{"si_a_b", "b", "", "a", true},
		{"si_a_b", "b", "a", "a", true},
		{"si_a_x_b_y", "a_x", "", "b_y", true},
		{"si_a_x_b_y", "b_y", "", "a_x", true},
		{"si_a_a", "a", "", "a", true},
		{"si_a_b", "c", "", "", false},
		{"si_a_b", "a", "c", "b", true}, // a wrong hint is only a first guess
	}
	for _, tc := range cases {
		got, ok := chatPeer(tc.id, tc.owner, tc.hint, openim.SingleConversationID)
		if got != tc.want || ok != tc.ok {
			t.Errorf("chatPeer(%s, %s, %s) = %s, %v; want %s, %v", tc.id, tc.owner, tc.hint, got, ok, tc.want, tc.ok)
		}
	}
}

func TestSetPrivateChat(t *testing.T) {
	tm := convMachine(t)
	tm.register("alice", "bob")
	tm.groupRows("g1", "alice", "bob")
	si := openim.SingleConversationID("alice", "bob")
	events := tm.ok("alice", "conversation.set", &SetConversations{UserIDs: []string{"alice"},
		Conversation: &ConversationReq{ConversationID: si, IsPrivateChat: convPtr(true)}})
	a, b := tm.row("alice", si), tm.row("bob", si)
	if !a.IsPrivateChat || !b.IsPrivateChat || a.UserID != "bob" || b.UserID != "alice" {
		t.Fatalf("rows %+v / %+v", a.Conversation, b.Conversation)
	}
	pushes := convPushes(events, openim.ConversationPrivateChat)
	if len(pushes) != 2 {
		t.Fatalf("1701 pushes %+v", pushes)
	}
	// One in the n_ stream, one stored copy in the chat with a seq, both to both users.
	stream, chat := pushes[0], pushes[1]
	if !openim.IsNotificationConversation(stream.ConversationID) || chat.ConversationID != si || chat.Msg.Seq != 1 ||
		stream.Msg.SendID != "alice" || stream.Msg.RecvID != "bob" || len(chat.UserIDs) != 2 {
		t.Fatalf("1701 pushes %+v / %+v", stream, chat)
	}
	if len(convPushes(events, openim.ConversationChange)) != 0 {
		t.Fatal("isPrivateChat alone sends no 1300")
	}
	if tm.head(conversationLog("alice")).Version == 0 || tm.head(conversationLog("bob")).Version == 0 {
		t.Fatal("private chat not logged for both")
	}
	// Setting it again changes no row but is still announced (as upstream does).
	before := tm.head(conversationLog("bob"))
	events = tm.ok("alice", "conversation.set", &SetConversations{UserIDs: []string{"alice"},
		Conversation: &ConversationReq{ConversationID: si, IsPrivateChat: convPtr(true)}})
	if tm.head(conversationLog("bob")) != before || len(convPushes(events, openim.ConversationPrivateChat)) != 2 {
		t.Fatalf("repeat: head %+v -> %+v", before, tm.head(conversationLog("bob")))
	}
	// Groups have no private chat: the field is ignored.
	tm.ok("alice", "conversation.set", &SetConversations{UserIDs: []string{"alice"},
		Conversation: &ConversationReq{ConversationID: "sg_g1", IsPinned: convPtr(true), IsPrivateChat: convPtr(true)}})
	if r := tm.row("alice", "sg_g1"); r.IsPrivateChat || !r.IsPinned {
		t.Fatalf("group row %+v", r.Conversation)
	}
}

func TestIncrementalConversations(t *testing.T) {
	tm := convMachine(t)
	tm.register("alice", "bob", "carol")
	ctx := context.Background()
	id := logVersionID(conversationLog("alice"))
	tm.testSend("bob", "alice", "", "hi") // creates both rows: alice's log version 1
	tm.testSend("carol", "alice", "", "yo")
	if h := tm.head(conversationLog("alice")); h.Version != 2 || h.ID != id {
		t.Fatalf("head %+v", h)
	}
	tm.ok("alice", "conversation.set", &SetConversations{UserIDs: []string{"alice"},
		Conversation: &ConversationReq{ConversationID: "si_alice_bob", IsPinned: convPtr(true)}})

	cases := []struct {
		name      string
		versionID string
		version   uint64
		full      bool
		insert    []string
		update    []string
	}{
		{"first sync", "", 0, true, nil, nil},
		{"version 0 of this log", id, 0, false, []string{"si_alice_carol", "si_alice_bob"}, nil},
		{"unknown ID", "0123456789abcdef01234567", 1, true, nil, nil},
		{"ahead of the log", id, 9, true, nil, nil},
		{"up to date", id, 3, false, nil, nil},
		{"after the set", id, 2, false, nil, []string{"si_alice_bob"}},
		{"after the first row", id, 1, false, []string{"si_alice_carol"}, []string{"si_alice_bob"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := IncrementalConversations(ctx, tm.q(), "alice", tc.versionID, tc.version)
			if err != nil {
				t.Fatal(err)
			}
			if ch.Head.ID != id || ch.Head.Version != 3 || ch.Full != tc.full || len(ch.Delete) != 0 {
				t.Fatalf("%+v", ch)
			}
			ids := func(cs []*pb.Conversation) []string {
				var out []string
				for _, c := range cs {
					out = append(out, c.ConversationID)
				}
				return out
			}
			if !slices.Equal(ids(ch.Insert), tc.insert) || !slices.Equal(ids(ch.Update), tc.update) {
				t.Fatalf("insert %v update %v; want %v %v", ids(ch.Insert), ids(ch.Update), tc.insert, tc.update)
			}
		})
	}
	// A user with no conversation still has a stable, non-empty versionID.
	ch, err := IncrementalConversations(ctx, tm.q(), "nobody", "", 0)
	if err != nil || ch.Head.ID != logVersionID(conversationLog("nobody")) || ch.Head.Version != 0 || !ch.Full {
		t.Fatalf("empty log: %+v, %v", ch, err)
	}
	h, ids, equal, err := FullConversationIDs(ctx, tm.q(), "alice", 0)
	if err != nil || h.Version != 3 || equal || !slices.Equal(ids, []string{"si_alice_bob", "si_alice_carol"}) {
		t.Fatalf("full IDs %+v %v %v %v", h, ids, equal, err)
	}
	if _, ids, equal, err := FullConversationIDs(ctx, tm.q(), "alice", IDHash(ids)); err != nil || !equal || len(ids) != 0 {
		t.Fatalf("full IDs with the client's hash: %v %v %v, want equal and no IDs", ids, equal, err)
	}
}

func TestIDHash(t *testing.T) {
	if IDHash(nil) != 0 {
		t.Fatal("empty list must hash to 0")
	}
	a, b := IDHash([]string{"x", "y"}), IDHash([]string{"y", "x"})
	if a == 0 || a == b || a != IDHash([]string{"x", "y"}) {
		t.Fatalf("hashes %d %d", a, b)
	}
}

func TestLatestVisibleMessage(t *testing.T) {
	tm := convMachine(t)
	tm.register("alice", "bob", "carol")
	tm.groupRows("g1", "alice", "bob", "carol")
	ctx := context.Background()
	si := openim.SingleConversationID("alice", "bob")
	for i := 1; i <= 3; i++ {
		tm.testSend("bob", "alice", "", fmt.Sprintf("m%d", i))
	}
	last := func(owner, conversationID string) *pb.MsgData {
		t.Helper()
		resp, err := JSSDKConversations(ctx, tm.q(), owner, []string{conversationID})
		if err != nil || len(resp.Conversations) != 1 {
			t.Fatalf("get_conversations %s: %+v, %v", conversationID, resp, err)
		}
		return resp.Conversations[0].LastMsg
	}
	if m := last("alice", si); m == nil || m.Seq != 3 || string(m.Content) != `{"content":"m3"}` {
		t.Fatalf("last %+v", m)
	}
	// Deleted for alice only: she sees seq 2, bob still sees 3.
	tm.exec(`INSERT INTO msg_deletes (owner_id, conversation_id, seq) VALUES ('alice', ?, 3)`, si)
	if m := last("alice", si); m.Seq != 2 {
		t.Fatalf("after delete: seq %d", m.Seq)
	}
	if m := last("bob", si); m.Seq != 3 {
		t.Fatalf("bob: seq %d", m.Seq)
	}
	// Revoked: rewritten as 2101 with the stored detail.
	tm.exec(`UPDATE messages SET revoke = ? WHERE conversation_id = ? AND seq = 2`, `{"revokerID":"bob","seq":2}`, si)
	m := last("alice", si)
	var detail struct{ Detail string }
	if err := json.Unmarshal(m.Content, &detail); err != nil || m.ContentType != openim.MsgRevokeNotification || detail.Detail != `{"revokerID":"bob","seq":2}` {
		t.Fatalf("revoked: ct %d content %s (%v)", m.ContentType, m.Content, err)
	}
	// Cleared (user min seq past the end): no last message.
	tm.exec(`UPDATE conversations SET min_seq = 4 WHERE owner_id = 'alice' AND conversation_id = ?`, si)
	if m := last("alice", si); m != nil {
		t.Fatalf("cleared: %+v", m)
	}

	// Left the group at seq 2: later messages are not shown, maxSeq is frozen.
	tm.testSend("bob", "g1", "g1", "g-1", "alice", "bob", "carol")
	tm.testSend("bob", "g1", "g1", "g-2", "alice", "bob", "carol")
	tm.exec(`UPDATE conversations SET max_seq = 2 WHERE owner_id = 'carol' AND conversation_id = 'sg_g1'`)
	tm.testSend("bob", "g1", "g1", "g-3", "alice", "bob")
	resp, err := JSSDKConversations(ctx, tm.q(), "carol", []string{"sg_g1"})
	if err != nil {
		t.Fatal(err)
	}
	c := resp.Conversations[0]
	if c.LastMsg.Seq != 2 || c.MaxSeq != 2 || c.ReadSeq != 0 || resp.UnreadCount != 2 || c.Group.GetGroupName() != "Group g1" || c.Group.MemberCount != 3 {
		t.Fatalf("carol's group entry %+v unread %d", c, resp.UnreadCount)
	}
	if m := last("alice", "sg_g1"); m.Seq != 3 {
		t.Fatalf("alice group last %d", m.Seq)
	}
}

func TestJSSDKConversations(t *testing.T) {
	tm := convMachine(t)
	tm.register("alice", "bob", "carol", "dave")
	tm.groupRows("g1", "alice", "carol")
	tm.friendRow("alice", "bob", "Bobby")
	ctx := context.Background()
	tm.testSend("bob", "alice", "", "1")   // si_alice_bob seq 1
	tm.testSend("carol", "alice", "", "2") // si_alice_carol seq 1
	tm.testSend("carol", "g1", "g1", "3", "alice", "carol")
	tm.testSend("alice", "dave", "", "4") // alice's own message: read
	tm.testSend("bob", "alice", "", "5")  // si_alice_bob seq 2, newest of alice's incoming

	// get_conversations: the order asked, unknown IDs left out, peers and friends filled in.
	resp, err := JSSDKConversations(ctx, tm.q(), "alice", []string{"si_alice_carol", "si_nope", "si_alice_bob", "sg_g1"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range resp.Conversations {
		got = append(got, c.Conversation.ConversationID)
	}
	if !slices.Equal(got, []string{"si_alice_carol", "si_alice_bob", "sg_g1"}) || resp.UnreadCount != 4 {
		t.Fatalf("conversations %v unread %d", got, resp.UnreadCount)
	}
	bob := resp.Conversations[1]
	if bob.User.GetNickname() != "Nick bob" || bob.Friend.GetRemark() != "Bobby" || bob.Group != nil || bob.MaxSeq != 2 || bob.ReadSeq != 0 {
		t.Fatalf("bob entry %+v", bob)
	}
	if carol := resp.Conversations[0]; carol.Friend != nil || carol.User.GetUserID() != "carol" {
		t.Fatalf("carol entry %+v", carol)
	}
	if g := resp.Conversations[2]; g.Group.GetGroupID() != "g1" || g.User != nil {
		t.Fatalf("group entry %+v", g)
	}
	if empty, err := JSSDKConversations(ctx, tm.q(), "alice", []string{"si_nope"}); err != nil || len(empty.Conversations) != 0 {
		t.Fatalf("unknown only: %+v %v", empty, err)
	}

	// Active: pinned first, then newest first; count limits the list but not the unread total.
	tm.ok("alice", "conversation.set", &SetConversations{UserIDs: []string{"alice"},
		Conversation: &ConversationReq{ConversationID: "si_alice_carol", IsPinned: convPtr(true)}})
	if res, _ := tm.apply("alice", "conversation.set", &SetConversations{UserIDs: []string{"alice"},
		Conversation: &ConversationReq{ConversationID: "si_alice_zed_x", RecvMsgOpt: convPtr[int32](0)}}); res.Err == nil {
		t.Fatal("a chat with an unknown user was created")
	}
	active, err := JSSDKActiveConversations(ctx, tm.q(), "alice", 0)
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, c := range active.Conversations {
		got = append(got, c.Conversation.ConversationID)
	}
	want := []string{"si_alice_carol", "si_alice_bob", "si_alice_dave", "sg_g1"}
	if !slices.Equal(got, want) || active.UnreadCount != 4 {
		t.Fatalf("active %v unread %d; want %v 4", got, active.UnreadCount, want)
	}
	top, err := JSSDKActiveConversations(ctx, tm.q(), "alice", 2)
	if err != nil || len(top.Conversations) != 2 || top.UnreadCount != 4 {
		t.Fatalf("top 2: %d entries, unread %d, %v", len(top.Conversations), top.UnreadCount, err)
	}
	// A user without conversations gets an empty answer.
	none, err := JSSDKActiveConversations(ctx, tm.q(), "nobody", 20)
	if err != nil || len(none.Conversations) != 0 || none.UnreadCount != 0 {
		t.Fatalf("none: %+v %v", none, err)
	}
}

func TestSortedConversationList(t *testing.T) {
	tm := convMachine(t)
	tm.register("alice", "bob", "carol")
	tm.groupRows("g1", "alice", "bob")
	ctx := context.Background()
	if _, err := SortedConversationList(ctx, tm.q(), "alice", nil); !errors.Is(err, openim.ErrRecordNotFound) {
		t.Fatalf("no conversations: %v", err)
	}
	tm.testSend("bob", "alice", "", "a")
	tm.testSend("bob", "g1", "g1", "b", "alice", "bob")
	tm.testSend("alice", "carol", "", "c")
	tm.ok("alice", "conversation.set", &SetConversations{UserIDs: []string{"alice"},
		Conversation: &ConversationReq{ConversationID: "si_alice_bob", IsPinned: convPtr(true), RecvMsgOpt: convPtr[int32](2)}})
	list, err := SortedConversationList(ctx, tm.q(), "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range list.Elems {
		got = append(got, e.ConversationID)
	}
	if !slices.Equal(got, []string{"si_alice_bob", "si_alice_carol", "sg_g1"}) || list.ConversationTotal != 3 || list.UnreadTotal != 2 {
		t.Fatalf("list %v total %d unread %d", got, list.ConversationTotal, list.UnreadTotal)
	}
	pinned, mine, group := list.Elems[0], list.Elems[1], list.Elems[2]
	if !pinned.IsPinned || pinned.RecvMsgOpt != 2 || pinned.UnreadCount != 1 || pinned.MsgInfo.SenderName != "Nick bob" {
		t.Fatalf("pinned %+v %+v", pinned, pinned.MsgInfo)
	}
	// Her own message: the name shown is the peer's.
	if mine.UnreadCount != 0 || mine.MsgInfo.SenderName != "Nick carol" || mine.MsgInfo.SendID != "alice" || mine.MsgInfo.Content != `{"content":"c"}` {
		t.Fatalf("own %+v", mine.MsgInfo)
	}
	if group.MsgInfo.GroupName != "Group g1" || group.MsgInfo.GroupMemberCount != 2 || group.MsgInfo.SenderName != "Nick bob" || group.MsgInfo.LatestMsgRecvTime == 0 {
		t.Fatalf("group %+v", group.MsgInfo)
	}
	b, err := json.Marshal(pinned)
	if err != nil || !strings.Contains(string(b), `"IsPinned":true`) || !strings.Contains(string(b), `"LatestMsgRecvTime":`) {
		t.Fatalf("JSON %s", b)
	}
	only, err := SortedConversationList(ctx, tm.q(), "alice", []string{"sg_g1", "si_x"})
	if err != nil || len(only.Elems) != 1 || only.ConversationTotal != 1 {
		t.Fatalf("filtered %+v %v", only, err)
	}
}

// The same commands give the same state on two machines (apply is deterministic).
func TestConversationApplyDeterministic(t *testing.T) {
	run := func() string {
		tm := convMachine(t)
		tm.register("alice", "bob")
		tm.testSend("bob", "alice", "", "hi")
		tm.ok(openim.AdminUserID, "conversation.set", &SetConversations{UserIDs: []string{"alice", "bob"},
			Conversation: &ConversationReq{ConversationID: "si_alice_bob", IsPinned: convPtr(true), IsPrivateChat: convPtr(true)}})
		d, err := tm.db.Digest(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if a, b := run(), run(); a != b {
		t.Fatalf("digests differ: %s / %s", a, b)
	}
}
