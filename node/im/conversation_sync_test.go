package im

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"

	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// The login sync endpoints (/jssdk/get_conversations, /jssdk/get_active_conversations) read many
// conversations at once. This test pins their answers to the per-conversation path: the reference
// below reads each row on its own (GetSeq, lastReadableMessage, GetUser, GetGroup, FriendsOnly),
// as the endpoints did before they read in sets, over an account that exercises every access rule.

// refState is one row as the per-conversation reference sees it.
type refState struct {
	row    store.ConversationRow
	maxSeq int64
	last   *pb.MsgData
}

func refStates(t *testing.T, q store.Q, owner string, rows []store.ConversationRow) []refState {
	t.Helper()
	ctx := context.Background()
	var out []refState
	for _, r := range rows {
		s, err := store.GetSeq(ctx, q, r.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := max(1, s.MinSeq, r.MinSeq), s.MaxSeq
		if r.MaxSeq != 0 && r.MaxSeq < hi {
			hi = r.MaxSeq
		}
		st := refState{row: r, maxSeq: hi}
		if lo <= hi {
			if a, err := loadMsgAccess(ctx, q, owner, r.ConversationID); err != nil || a == nil {
				st.maxSeq = 0
			}
			if st.last, err = lastReadableMessage(ctx, q, owner, r.ConversationID); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, st)
	}
	return out
}

func refMsgs(t *testing.T, q store.Q, owner string, states []refState) ([]*pb.ConversationMsg, int64) {
	t.Helper()
	ctx := context.Background()
	out := []*pb.ConversationMsg{}
	var unread int64
	for _, s := range states {
		unread += max(0, s.maxSeq-s.row.HasReadSeq)
		m := &pb.ConversationMsg{Conversation: s.row.Conversation, LastMsg: s.last, MaxSeq: s.maxSeq, ReadSeq: s.row.HasReadSeq}
		if s.row.GroupID != "" {
			g, err := store.GetGroup(ctx, q, s.row.GroupID)
			if err != nil {
				t.Fatal(err)
			}
			m.Group = g
		} else {
			u, err := store.GetUser(ctx, q, s.row.UserID)
			if err != nil {
				t.Fatal(err)
			}
			f, err := store.FriendsOnly(ctx, q, owner, []string{s.row.UserID})
			if err != nil {
				t.Fatal(err)
			}
			m.User, m.Friend = u, f[s.row.UserID]
		}
		out = append(out, m)
	}
	return out, unread
}

func refGetConversations(t *testing.T, q store.Q, owner string, ids []string) *pb.GetConversationsResp {
	t.Helper()
	rows, err := store.GetConversations(context.Background(), q, owner, ids)
	if err != nil {
		t.Fatal(err)
	}
	msgs, unread := refMsgs(t, q, owner, refStates(t, q, owner, rows))
	return &pb.GetConversationsResp{Conversations: msgs, UnreadCount: unread}
}

func refActiveConversations(t *testing.T, q store.Q, owner string, count int64) *pb.GetActiveConversationsResp {
	t.Helper()
	if count <= 0 || count > MaxActiveConversations {
		count = DefaultActiveConversations
	}
	rows, err := store.AllConversations(context.Background(), q, owner)
	if err != nil {
		t.Fatal(err)
	}
	var active []refState
	for _, s := range refStates(t, q, owner, rows) {
		if s.maxSeq > 0 {
			active = append(active, s)
		}
	}
	lastTime := func(s refState) int64 {
		if s.last == nil {
			return 0
		}
		return s.last.SendTime
	}
	slices.SortStableFunc(active, func(a, b refState) int {
		if a.row.IsPinned != b.row.IsPinned {
			if a.row.IsPinned {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(lastTime(b), lastTime(a)); c != 0 {
			return c
		}
		return cmp.Compare(a.row.ConversationID, b.row.ConversationID)
	})
	_, unread := refMsgs(t, q, owner, active)
	msgs, _ := refMsgs(t, q, owner, active[:min(len(active), int(count))])
	return &pb.GetActiveConversationsResp{Conversations: msgs, UnreadCount: unread}
}

// refHasReadAndMaxSeqs is WS 1006 read row by row, each row's access loaded on its own.
func refHasReadAndMaxSeqs(t *testing.T, q store.Q, owner string, rows []store.ConversationRow, pinned bool) *pb.GetConversationsHasReadAndMaxSeqResp {
	t.Helper()
	ctx := context.Background()
	resp := &pb.GetConversationsHasReadAndMaxSeqResp{Seqs: map[string]*pb.Seqs{}}
	for _, r := range rows {
		a, err := loadMsgAccess(ctx, q, owner, r.ConversationID)
		if err != nil {
			t.Fatal(err)
		}
		if a == nil {
			continue
		}
		s := &pb.Seqs{MaxSeq: a.hi, HasReadSeq: r.HasReadSeq, MaxSeqTime: a.seq.MaxSeqTime}
		if last, ok, err := store.MessageAt(ctx, q, r.ConversationID, a.hi); err != nil {
			t.Fatal(err)
		} else if ok && a.hi < a.seq.MaxSeq {
			s.MaxSeqTime = last.SendTime
		}
		resp.Seqs[r.ConversationID] = s
		if pinned && r.IsPinned {
			resp.PinnedConversationIDs = append(resp.PinnedConversationIDs, r.ConversationID)
		}
	}
	return resp
}

// syncTestAccount builds an account for alice with every kind of conversation the access rules
// treat differently, and returns the machine.
func syncTestAccount(t *testing.T) *testM {
	tm := officeMachine(t)
	tm.register("alice", "bob", "carol", "dave", "erin", "frank", "x_y", "alice_x", "y", "p_q", "alice_p", "q")
	tm.exec(`INSERT INTO friends (owner_id, friend_id, remark, create_time) VALUES ('alice', 'bob', 'Bobby', 1), ('alice', 'carol', '', 2)`)
	pin := func(owner, cid string) {
		tm.must(owner, "conversation.set", &SetConversations{UserIDs: []string{owner},
			Conversation: &ConversationReq{ConversationID: cid, IsPinned: ptrTo(true)}})
	}
	read := func(owner, cid string, seqs ...int64) {
		tm.must(owner, "msg.mark_read", &MarkMsgsAsRead{ConversationID: cid, Seqs: seqs, UserID: owner})
	}

	// si_alice_bob: both ways, bob's newest revoked, alice read up to 1, bob read alice's message.
	ab := openim.SingleConversationID("alice", "bob")
	tm.send(tm.text("bob", "alice", "b1"))
	tm.send(tm.text("alice", "bob", "a2"))
	read("bob", ab, 2)
	read("alice", ab, 1)
	tm.send(tm.text("bob", "alice", "b3"))
	tm.must("bob", "msg.revoke", &RevokeMsg{ConversationID: ab, Seq: 3, UserID: "bob"})

	// si_bob_carol: carol's newest was read by bob (isRead in carol's list).
	tm.send(tm.text("carol", "bob", "cb1"))
	read("bob", openim.SingleConversationID("bob", "carol"), 1)

	// si_alice_carol: the newest deleted for alice alone.
	ac := openim.SingleConversationID("alice", "carol")
	tm.send(tm.text("carol", "alice", "c1"))
	tm.send(tm.text("carol", "alice", "c2"))
	tm.must("alice", "msg.delete", &DeleteMsgs{ConversationID: ac, Seqs: []int64{2}, UserID: "alice"})

	// si_alice_dave: every message deleted for alice; alice's own message was read by dave.
	ad := openim.SingleConversationID("alice", "dave")
	tm.send(tm.text("alice", "dave", "d1"))
	tm.send(tm.text("dave", "alice", "d2"))
	tm.must("alice", "msg.delete", &DeleteMsgs{ConversationID: ad, Seqs: []int64{1, 2}, UserID: "alice"})

	// si_alice_erin: cleared by alice (hidden), erin still sees it; pinned by erin.
	ae := openim.SingleConversationID("alice", "erin")
	tm.send(tm.text("erin", "alice", "e1"))
	tm.must("alice", "msg.clear", &ClearConversationsMsg{ConversationIDs: []string{ae}, UserID: "alice"})
	pin("erin", ae)

	// si_alice_frank: a pinned row with no message yet.
	pin("alice", openim.SingleConversationID("alice", "frank"))

	// si_alice_x_y is shared by alice+x_y and alice_x+y: alice's newest readable is her own.
	tm.send(tm.text("x_y", "alice", "mine"))
	tm.send(tm.text("alice_x", "y", "theirs"))
	// si_alice_p_q: more foreign messages than the last-message scan looks back over.
	tm.send(tm.text("alice", "p_q", "old"))
	for i := range lastMessageScan + 1 {
		tm.send(tm.text("alice_p", "q", fmt.Sprintf("foreign %d", i)))
	}

	// A message deleted for everyone at the top of a chat: its seq stays taken.
	tm.send(tm.text("frank", "bob", "f1"))
	tm.send(tm.text("frank", "bob", "f2"))
	tm.exec(`DELETE FROM messages_fts WHERE rowid IN (SELECT id FROM messages WHERE conversation_id = ? AND seq = 2)`,
		openim.SingleConversationID("bob", "frank"))
	tm.exec(`DELETE FROM messages WHERE conversation_id = ? AND seq = 2`, openim.SingleConversationID("bob", "frank"))

	// Groups: g1 alice is in (pinned), g2 alice left (frozen maxSeq), g3 a stray row alice never
	// had access to, g4 joined with no message.
	tm.makeGroup("g1", "alice", "bob", "carol")
	tm.send(tm.text("bob", "g:g1", "g1-1"))
	tm.send(tm.text("alice", "g:g1", "g1-2"))
	tm.send(tm.text("carol", "g:g1", "g1-3"))
	tm.must("carol", "msg.revoke", &RevokeMsg{ConversationID: "sg_g1", Seq: 3, UserID: "carol"})
	read("alice", "sg_g1", 2)
	pin("alice", "sg_g1")
	tm.makeGroup("g2", "bob", "alice", "carol")
	tm.send(tm.text("bob", "g:g2", "g2-1"))
	tm.send(tm.text("alice", "g:g2", "alice left"))
	tm.leave("g2", "alice")
	tm.send(tm.text("bob", "g:g2", "g2-after"))
	tm.makeGroup("g3", "bob", "carol")
	tm.send(tm.text("bob", "g:g3", "g3-1"))
	tm.exec(`INSERT INTO conversations (owner_id, conversation_id, conversation_type, group_id) VALUES ('alice', 'sg_g3', 3, 'g3')`)
	tm.makeGroup("g4", "carol", "alice")
	tm.must("alice", "conversation.set", &SetConversations{UserIDs: []string{"alice"},
		Conversation: &ConversationReq{ConversationID: "sg_g4", RecvMsgOpt: ptrTo[int32](2)}})
	// An n_ stream row (no area makes one; the rules still apply to it).
	tm.exec(`INSERT INTO conversations (owner_id, conversation_id, conversation_type, group_id) VALUES ('alice', 'n_g2', 3, 'g2')`)

	// sn_: a notification-account chat from the admin.
	tm.must(openim.AdminUserID, "msg.send", &SendMsg{MsgData: &pb.MsgData{SendID: openim.AdminUserID, RecvID: "alice", ClientMsgID: "oa1",
		SessionType: openim.NotificationChat, ContentType: openim.OANotification, Content: []byte(`{"text":"office closed friday"}`)}})

	// Equal send times for two conversations: the ID breaks the tie.
	tm.now -= 1000
	tm.send(tm.text("carol", "dave", "same time"))
	return tm
}

func ptrTo[T any](v T) *T { return &v }

func TestLoginSyncMatchesPerConversationReads(t *testing.T) {
	tm := syncTestAccount(t)
	ctx := context.Background()
	q := tm.q()
	owners, _, err := store.AllUserIDs(ctx, q, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(owners) < 12 {
		t.Fatalf("owners %v", owners)
	}
	check := func(what string, got, want proto.Message) {
		t.Helper()
		if !proto.Equal(got, want) {
			t.Fatalf("%s:\n got %s\nwant %s", what, prototext.Format(got), prototext.Format(want))
		}
	}
	for _, owner := range append(owners, "nobody") {
		ids, err := store.ConversationIDs(ctx, q, owner)
		if err != nil {
			t.Fatal(err)
		}
		reversed := slices.Clone(ids)
		slices.Reverse(reversed)
		asks := [][]string{ids, append(reversed, "si_nope", "sg_g1", "n_g1"), append(slices.Clone(ids), ids...)}
		for i := 0; i < len(ids); i += 3 {
			asks = append(asks, ids[i:min(len(ids), i+3)])
		}
		for _, ask := range asks {
			got, err := JSSDKConversations(ctx, q, owner, ask)
			if err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("%s get_conversations %v", owner, ask), got, refGetConversations(t, q, owner, ask))
		}
		for _, ask := range [][]string{nil, reversed, {"sg_g2", "n_g2", "si_nope"}} {
			for _, pinned := range []bool{false, true} {
				got, err := HasReadAndMaxSeqs(ctx, q, owner, &pb.GetConversationsHasReadAndMaxSeqReq{UserID: owner,
					ConversationIDs: ask, ReturnPinned: pinned})
				if err != nil {
					t.Fatal(err)
				}
				rows, err := store.GetConversations(ctx, q, owner, ask)
				if ask == nil {
					rows, err = store.AllConversations(ctx, q, owner)
				}
				if err != nil {
					t.Fatal(err)
				}
				check(fmt.Sprintf("%s has_read_and_max_seq %v", owner, ask), got, refHasReadAndMaxSeqs(t, q, owner, rows, pinned))
			}
		}
		for _, count := range []int64{-1, 0, 1, 2, 5, MaxActiveConversations, MaxActiveConversations + 1} {
			got, err := JSSDKActiveConversations(ctx, q, owner, count)
			if err != nil {
				t.Fatal(err)
			}
			check(fmt.Sprintf("%s get_active_conversations %d", owner, count), got, refActiveConversations(t, q, owner, count))
		}
	}

	// The account holds what it should: spot checks that the reference is not vacuous.
	resp, err := JSSDKConversations(ctx, q, "alice", []string{"si_alice_bob", "si_alice_carol", "si_alice_dave",
		"si_alice_erin", "si_alice_x_y", "si_alice_p_q", "sg_g2", "sg_g3", openim.NotificationChatConversationID(openim.AdminUserID, "alice")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range resp.Conversations {
		got = append(got, fmt.Sprintf("%s %d %s", c.Conversation.ConversationID, c.MaxSeq, lastText(c.LastMsg)))
	}
	want := []string{"si_alice_bob 3 revoked", "si_alice_carol 2 c1", "si_alice_dave 2 none", "si_alice_erin 1 none",
		"si_alice_x_y 2 mine", "si_alice_p_q 52 none", "sg_g2 2 alice left", "sg_g3 0 none",
		openim.NotificationChatConversationID(openim.AdminUserID, "alice") + " 1 office"}
	if !slices.Equal(got, want) {
		t.Fatalf("alice's conversations\n got %q\nwant %q", got, want)
	}
}

func lastText(m *pb.MsgData) string {
	switch {
	case m == nil:
		return "none"
	case m.ContentType == openim.OANotification:
		return "office"
	}
	return msgText(m)
}
