package im

import (
	"context"
	"slices"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
)

func TestPullRangesNumPlaceholdersAndNotifications(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob")
	for i := 0; i < 6; i++ {
		tm.send(tm.text("alice", "bob", string(rune('a'+i))))
	}
	cid := openim.SingleConversationID("alice", "bob")
	tm.exec(`DELETE FROM messages WHERE conversation_id = ? AND seq = 4`, cid) // a hole in the log
	ctx := context.Background()
	resp, err := PullBySeqRanges(ctx, tm.q(), "bob", &pb.PullMessageBySeqsReq{SeqRanges: []*pb.SeqRange{
		{ConversationID: cid, Begin: 0, End: 100, Num: 3},
		{ConversationID: openim.SingleConversationID("carol", "dave"), Begin: 1, End: 10, Num: 10},
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := resp.Msgs[cid]
	if got == nil || len(got.Msgs) != 3 || !got.IsEnd {
		t.Fatalf("range %+v", got)
	}
	if got.Msgs[0].Seq != 4 || got.Msgs[0].Status != openim.MsgStatusDeleted || got.Msgs[0].ClientMsgID != "" ||
		got.Msgs[1].Seq != 5 || msgText(got.Msgs[2]) != "f" {
		t.Fatalf("last 3 with the placeholder: %+v", got.Msgs)
	}
	// A conversation bob may not read is answered as an empty one, so a client paging until
	// isEnd stops: nothing of it, the same as for an unknown conversation.
	other := resp.Msgs[openim.SingleConversationID("carol", "dave")]
	if len(resp.Msgs) != 2 || len(resp.NotificationMsgs) != 0 || other == nil || len(other.Msgs) != 0 || !other.IsEnd {
		t.Fatalf("other conversations answered: %v %v", resp.Msgs, resp.NotificationMsgs)
	}

	// n_ ranges return every seq, num ignored.
	tm.must("bob", "msg.mark_read", &MarkMsgsAsRead{ConversationID: cid, Seqs: []int64{1}, UserID: "bob"})
	tm.must("bob", "msg.mark_read", &MarkMsgsAsRead{ConversationID: cid, Seqs: []int64{2}, UserID: "bob"})
	ncid := "n_" + "alice_bob"
	resp, err = PullBySeqRanges(ctx, tm.q(), "alice", &pb.PullMessageBySeqsReq{SeqRanges: []*pb.SeqRange{
		{ConversationID: ncid, Begin: 1, End: 10, Num: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := resp.NotificationMsgs[ncid]; n == nil || len(n.Msgs) != 2 || n.Msgs[0].ContentType != openim.HasReadReceipt {
		t.Fatalf("notification range %+v", n)
	}

	// Bounds.
	if _, err := PullBySeqRanges(ctx, tm.q(), "bob", &pb.PullMessageBySeqsReq{SeqRanges: []*pb.SeqRange{
		{ConversationID: cid, Begin: 1, End: 2, Num: MaxPullSeqs + 1}}}); err == nil {
		t.Fatal("num over the bound accepted")
	}
	many := make([]*pb.SeqRange, MaxPullConversations+1)
	for i := range many {
		many[i] = &pb.SeqRange{ConversationID: cid, Begin: 1, End: 1}
	}
	if _, err := PullBySeqRanges(ctx, tm.q(), "bob", &pb.PullMessageBySeqsReq{SeqRanges: many}); err == nil {
		t.Fatal("too many ranges accepted")
	}
}

func TestPullBySeqsEntryForEveryConversation(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob", "mallory")
	tm.send(tm.text("alice", "bob", "one"))
	tm.send(tm.text("bob", "alice", "two"))
	cid := openim.SingleConversationID("alice", "bob")
	ctx := context.Background()
	req := &pb.GetSeqMessageReq{Conversations: []*pb.ConversationSeqs{
		{ConversationID: cid, Seqs: []int64{0, 2, 1, 2, 9}},
		{ConversationID: "si_x_y", Seqs: []int64{1}},
		{ConversationID: "n_alice_bob", Seqs: nil},
	}}
	resp, err := PullBySeqs(ctx, tm.q(), "alice", req)
	if err != nil {
		t.Fatal(err)
	}
	if pm := resp.Msgs[cid]; pm == nil || len(pm.Msgs) != 2 || pm.Msgs[0].Seq != 1 || pm.Msgs[1].Seq != 2 || !pm.IsEnd {
		t.Fatalf("alice's pull %+v", pm)
	}
	if pm := resp.Msgs["si_x_y"]; pm == nil || len(pm.Msgs) != 0 {
		t.Fatalf("unknown conversation entry %+v", pm)
	}
	if pm := resp.NotificationMsgs["n_alice_bob"]; pm == nil {
		t.Fatal("no entry for the n_ conversation")
	}
	// Mallory gets entries, but nothing in them.
	resp, err = PullBySeqs(ctx, tm.q(), "mallory", req)
	if err != nil {
		t.Fatal(err)
	}
	if pm := resp.Msgs[cid]; pm == nil || len(pm.Msgs) != 0 {
		t.Fatalf("mallory reads %+v", pm)
	}
	seqs := make([]int64, MaxPullSeqs+1)
	if _, err := PullBySeqs(ctx, tm.q(), "alice", &pb.GetSeqMessageReq{Conversations: []*pb.ConversationSeqs{
		{ConversationID: cid, Seqs: seqs}}}); err == nil {
		t.Fatal("too many seqs accepted")
	}
}

// A user reads only their own conversations: not another pair's, even with a row made for it, and
// not the other pair of an ID two pairs share.
func TestReadersSeeOnlyTheirConversations(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob", "mallory", "a", "b_c", "a_b", "c")
	tm.send(tm.text("alice", "bob", "secret"))
	cid := openim.SingleConversationID("alice", "bob")
	tm.exec(`INSERT INTO conversations (owner_id, conversation_id, conversation_type, user_id) VALUES ('mallory', ?, 1, 'bob')`, cid)
	if got := tm.visible("mallory", cid); len(got) != 0 {
		t.Fatalf("mallory reads %q", got)
	}
	if got := tm.visible("mallory", "n_"+"alice_bob"); len(got) != 0 {
		t.Fatalf("mallory reads alice's notifications %q", got)
	}
	ctx := context.Background()
	last, err := LastMessages(ctx, tm.q(), "mallory", &pb.GetLastMessageReq{ConversationIDs: []string{cid}})
	if err != nil || len(last.Msgs) != 0 {
		t.Fatalf("mallory's last messages %v %v", last, err)
	}
	seqs, err := HasReadAndMaxSeqs(ctx, tm.q(), "mallory", &pb.GetConversationsHasReadAndMaxSeqReq{})
	if err != nil || len(seqs.Seqs) != 0 {
		t.Fatalf("mallory's seqs %v %v", seqs, err)
	}
	tm.fail("mallory", "msg.revoke", &RevokeMsg{ConversationID: cid, Seq: 1, UserID: "mallory"}, openim.ErrRecordNotFound.Code)

	// si_a_b_c is the ID of a+b_c and of a_b+c.
	shared := openim.SingleConversationID("a", "b_c")
	if shared != openim.SingleConversationID("a_b", "c") {
		t.Fatalf("IDs differ: %s", shared)
	}
	tm.send(tm.text("a", "b_c", "for b_c"))
	tm.send(tm.text("c", "a_b", "for a_b"))
	tm.send(tm.text("b_c", "a", "for a"))
	for user, want := range map[string][]string{
		"a": {"for b_c", "-", "for a"}, "b_c": {"for b_c", "-", "for a"},
		"a_b": {"-", "for a_b", "-"}, "c": {"-", "for a_b", "-"},
	} {
		if got := tm.visible(user, shared); !slices.Equal(got, want) {
			t.Errorf("%s reads %q, want %q", user, got, want)
		}
	}
	hits, _, err := SearchMessages(ctx, tm.q(), Caller{UserID: "c"}, &SearchQuery{Keyword: "for", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 1 || msgText(hits[0].Msg) != "for a_b" {
		t.Fatalf("c finds %d hits", len(hits))
	}
}

func TestGroupReadsAfterLeaving(t *testing.T) {
	tm := officeMachine(t)
	tm.register("owner", "leaver", "stranger")
	tm.makeGroup("g1", "owner", "leaver")
	tm.send(tm.text("owner", "g:g1", "before"))
	tm.send(tm.text("leaver", "g:g1", "mine"))
	tm.leave("g1", "leaver")
	tm.send(tm.text("owner", "g:g1", "after"))
	if got := tm.visible("leaver", "sg_g1"); !slices.Equal(got, []string{"before", "mine"}) {
		t.Fatalf("leaver reads %q", got)
	}
	if got := tm.visible("owner", "sg_g1"); len(got) != 3 {
		t.Fatalf("owner reads %q", got)
	}
	ctx := context.Background()
	seqs, err := HasReadAndMaxSeqs(ctx, tm.q(), "leaver", &pb.GetConversationsHasReadAndMaxSeqReq{})
	if err != nil {
		t.Fatal(err)
	}
	if s := seqs.Seqs["sg_g1"]; s == nil || s.MaxSeq != 2 || s.HasReadSeq != 2 {
		t.Fatalf("leaver's seqs %+v", s)
	}
	for _, kw := range []string{"after", "before"} {
		hits, total, err := SearchMessages(ctx, tm.q(), Caller{UserID: "leaver"}, &SearchQuery{Keyword: kw, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int64{"after": 0, "before": 1}[kw]; total != want || int64(len(hits)) != want {
			t.Fatalf("leaver searching %q: %d hits, total %d", kw, len(hits), total)
		}
	}
	// A row without membership and without a frozen maxSeq proves nothing.
	tm.exec(`INSERT INTO conversations (owner_id, conversation_id, conversation_type, group_id) VALUES ('stranger', 'sg_g1', 3, 'g1')`)
	if got := tm.visible("stranger", "sg_g1"); len(got) != 0 {
		t.Fatalf("stranger reads %q", got)
	}
	// Rejoining opens the window again, history included.
	tm.join("g1", "leaver", openim.RoleMember)
	if got := tm.visible("leaver", "sg_g1"); len(got) != 3 {
		t.Fatalf("rejoined leaver reads %q", got)
	}
}

func TestGroupNotificationStreamAfterLeaving(t *testing.T) {
	tm := officeMachine(t)
	tm.register("owner", "leaver")
	tm.makeGroup("g1", "owner", "leaver")
	tm.send(tm.text("owner", "g:g1", "one"))
	tm.must("leaver", "msg.mark_read", &MarkMsgsAsRead{ConversationID: "sg_g1", Seqs: []int64{1}, UserID: "leaver"})
	// quit and kick store their tips' chat copy in sg_ before freezing the leaver's row: it marks
	// when they left.
	tm.send(tm.text("owner", "g:g1", "leaver left"))
	tm.leave("g1", "leaver")
	tm.send(tm.text("owner", "g:g1", "two"))
	tm.must("owner", "msg.mark_read", &MarkMsgsAsRead{ConversationID: "sg_g1", Seqs: []int64{2}, UserID: "owner"})
	if got := tm.pull("owner", "n_g1", 1, 10); len(got) != 2 {
		t.Fatalf("owner's n_g1: %d", len(got))
	}
	got := tm.pull("leaver", "n_g1", 1, 10)
	if len(got) != 1 || got[0].ContentType != openim.HasReadReceipt {
		t.Fatalf("leaver's n_g1: %+v", got)
	}
}

func TestNewestSeqsAndHasRead(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob")
	tm.makeGroup("g1", "alice", "bob")
	tm.send(tm.text("alice", "bob", "1"))
	tm.send(tm.text("bob", "alice", "2"))
	tm.send(tm.text("bob", "g:g1", "g"))
	tm.must("alice", "msg.mark_read", &MarkMsgsAsRead{ConversationID: openim.SingleConversationID("alice", "bob"), Seqs: []int64{2}, UserID: "alice"})
	tm.exec(`UPDATE conversations SET is_pinned = 1 WHERE owner_id = 'alice' AND conversation_id = 'sg_g1'`)
	ctx := context.Background()
	seqs, err := NewestSeqs(ctx, tm.q(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	pair := "alice_bob"
	want := map[string]int64{"si_" + pair: 2, "n_" + pair: 1, "sg_g1": 1}
	if len(seqs.MaxSeqs) != len(want) {
		t.Fatalf("maxSeqs %v, want %v", seqs.MaxSeqs, want)
	}
	for k, v := range want {
		if seqs.MaxSeqs[k] != v {
			t.Fatalf("maxSeqs %v, want %v", seqs.MaxSeqs, want)
		}
	}
	hr, err := HasReadAndMaxSeqs(ctx, tm.q(), "alice", &pb.GetConversationsHasReadAndMaxSeqReq{ReturnPinned: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := hr.Seqs["si_"+pair]; s == nil || s.MaxSeq != 2 || s.HasReadSeq != 2 || s.MaxSeqTime == 0 {
		t.Fatalf("si_ %+v", s)
	}
	if s := hr.Seqs["sg_g1"]; s == nil || s.MaxSeq != 1 || s.HasReadSeq != 0 {
		t.Fatalf("sg_ %+v", s)
	}
	if len(hr.Seqs) != 2 || !slices.Equal(hr.PinnedConversationIDs, []string{"sg_g1"}) {
		t.Fatalf("resp %+v", hr)
	}
	hr, err = HasReadAndMaxSeqs(ctx, tm.q(), "alice", &pb.GetConversationsHasReadAndMaxSeqReq{ConversationIDs: []string{"sg_g1", "si_x_y"}})
	if err != nil || len(hr.Seqs) != 1 {
		t.Fatalf("listed %+v %v", hr, err)
	}
	last, err := LastMessages(ctx, tm.q(), "alice", &pb.GetLastMessageReq{ConversationIDs: []string{"si_" + pair, "sg_g1", "si_x_y"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(last.Msgs) != 2 || msgText(last.Msgs["si_"+pair]) != "2" || msgText(last.Msgs["sg_g1"]) != "g" {
		t.Fatalf("last %+v", last.Msgs)
	}
}

// Through the groups area's own commands: quit freezes the leaver's window after its 1504 chat
// copy, and a dismissal leaves every former member their history.
func TestGroupHistoryThroughGroupCommands(t *testing.T) {
	tm := officeMachine(t)
	tm.register("owner", "bob", "carol")
	tm.must("owner", "group.create", &CreateGroup{OwnerUserID: "owner", MemberUserIDs: []string{"bob", "carol"},
		GroupInfo: &pb.GroupInfo{GroupID: "g7", GroupName: "seven", GroupType: 2}})
	tm.send(tm.text("bob", "g:g7", "hello"))
	tm.must("carol", "group.quit", &QuitGroup{GroupID: "g7", UserID: "carol"})
	tm.send(tm.text("owner", "g:g7", "after carol left"))
	carol := tm.visible("carol", "sg_g7")
	if slices.Contains(carol, "after carol left") || !slices.Contains(carol, "hello") {
		t.Fatalf("carol reads %q", carol)
	}
	if got := tm.pull("carol", "n_g7", 1, 100); len(got) == 0 || got[len(got)-1].ContentType != openim.MemberQuit {
		t.Fatalf("carol's notifications end with %+v", got)
	}
	tm.must("owner", "group.dismiss", &DismissGroup{GroupID: "g7"})
	tm.fail("bob", "msg.send", &SendMsg{MsgData: tm.text("bob", "g:g7", "x")}, openim.ErrDismissedAlready.Code)
	bob := tm.visible("bob", "sg_g7")
	if !slices.Contains(bob, "hello") || !slices.Contains(bob, "after carol left") {
		t.Fatalf("bob reads %q after the dismissal", bob)
	}
	if got := tm.visible("carol", "sg_g7"); !slices.Equal(got, carol) {
		t.Fatalf("carol reads %q after the dismissal, %q before", got, carol)
	}
}
