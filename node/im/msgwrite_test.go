package im

import (
	"context"
	"slices"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
)

func TestRevokeSingle(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob")
	tm.send(tm.text("alice", "bob", "oops typo"))
	tm.send(tm.text("bob", "alice", "reply"))
	cid := openim.SingleConversationID("alice", "bob")
	tm.fail("bob", "msg.revoke", &RevokeMsg{ConversationID: cid, Seq: 1, UserID: "bob"}, openim.ErrNoPermission.Code)
	tm.fail("bob", "msg.revoke", &RevokeMsg{ConversationID: cid, Seq: 1, UserID: "alice"}, openim.ErrNoPermission.Code)
	tm.fail("alice", "msg.revoke", &RevokeMsg{ConversationID: cid, Seq: 9, UserID: "alice"}, openim.ErrRecordNotFound.Code)
	tm.fail("alice", "msg.revoke", &RevokeMsg{ConversationID: cid, Seq: 0, UserID: "alice"}, openim.ErrArgs.Code)
	tm.fail("alice", "msg.revoke", &RevokeMsg{ConversationID: "n_" + "alice_bob", Seq: 1, UserID: "alice"}, openim.ErrArgs.Code)
	tm.must("alice", "msg.revoke", &RevokeMsg{ConversationID: cid, Seq: 1, UserID: "alice"})
	p := tm.lastPushes()
	ncid := "n_" + "alice_bob"
	if len(p) != 1 || p[0].ConversationID != ncid || !slices.Equal(p[0].UserIDs, []string{"alice", "bob"}) ||
		p[0].Msg.ContentType != openim.MsgRevokeNotification || p[0].Msg.Seq == 0 {
		t.Fatalf("revoke push %+v", p)
	}
	var rt pb.RevokeMsgTips
	tipsOf(t, p[0].Msg, &rt)
	if rt.RevokerUserID != "alice" || rt.Seq != 1 || rt.ConversationID != cid || rt.SesstionType != openim.SingleChat ||
		rt.ClientMsgID == "" || rt.IsAdminRevoke {
		t.Fatalf("tips %+v", &rt)
	}
	tm.fail("alice", "msg.revoke", &RevokeMsg{ConversationID: cid, Seq: 1, UserID: "alice"}, openim.ErrMsgAlreadyRevoke.Code)
	got := tm.pull("bob", cid, 1, 2)
	if got[0].ContentType != openim.MsgRevokeNotification || got[0].Seq != 1 || msgText(got[1]) != "reply" {
		t.Fatalf("pulled %+v", got)
	}
	var rc pb.MessageRevokedContent
	tipsOf(t, got[0], &rc)
	if rc.RevokerID != "alice" || rc.SourceMessageSendID != "alice" || rc.Seq != 1 || rc.SessionType != openim.SingleChat ||
		rc.RevokerNickname != "Nick alice" || rc.SourceMessageSenderNickname != "Nick alice" || rc.RevokeTime == 0 {
		t.Fatalf("revoked content %+v", &rc)
	}
	hits, _, err := SearchMessages(context.Background(), tm.q(), Caller{UserID: "bob"}, &SearchQuery{Keyword: "typo", Limit: 5})
	if err != nil || len(hits) != 0 {
		t.Fatalf("revoked text still found: %d %v", len(hits), err)
	}
	// The admin revokes anyone's.
	tm.must(openim.AdminUserID, "msg.revoke", &RevokeMsg{ConversationID: cid, Seq: 2, UserID: "alice"})
	tipsOf(t, tm.lastPushes()[0].Msg, &rt)
	if !rt.IsAdminRevoke || rt.RevokerUserID != openim.AdminUserID {
		t.Fatalf("admin tips %+v", &rt)
	}
}

func TestRevokeGroupRoles(t *testing.T) {
	tm := officeMachine(t)
	tm.register("owner", "adm", "adm2", "mem", "mem2")
	tm.makeGroup("g1", "owner", "adm", "adm2", "mem", "mem2")
	tm.exec(`UPDATE group_members SET role_level = 60 WHERE user_id IN ('adm', 'adm2')`)
	for _, u := range []string{"owner", "adm", "adm2", "mem", "mem2"} {
		tm.send(tm.text(u, "g:g1", "by "+u))
	}
	seqOf := map[string]int64{"owner": 1, "adm": 2, "adm2": 3, "mem": 4, "mem2": 5}
	cases := []struct {
		revoker, author string
		code            int
	}{
		{"mem2", "mem", openim.ErrNoPermission.Code},
		{"adm", "owner", openim.ErrNoPermission.Code},
		{"adm", "adm2", openim.ErrNoPermission.Code},
		{"adm", "mem", 0},
		{"owner", "adm2", 0},
		{"mem2", "mem2", 0},
	}
	for _, c := range cases {
		args := &RevokeMsg{ConversationID: "sg_g1", Seq: seqOf[c.author], UserID: c.revoker}
		if c.code != 0 {
			tm.fail(c.revoker, "msg.revoke", args, c.code)
			continue
		}
		tm.must(c.revoker, "msg.revoke", args)
		p := tm.lastPushes()
		if len(p) != 1 || p[0].ConversationID != "n_g1" || len(p[0].UserIDs) != 5 {
			t.Fatalf("%s revoking %s: pushes %+v", c.revoker, c.author, p)
		}
	}
	got := tm.visible("mem", "sg_g1")
	if !slices.Equal(got[:5], []string{"by owner", "by adm", "revoked", "revoked", "revoked"}) {
		t.Fatalf("history %q", got)
	}
}

func TestMarkAsRead(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob", "carol")
	for i := 0; i < 4; i++ {
		tm.send(tm.text("alice", "bob", "m"))
	}
	cid := openim.SingleConversationID("alice", "bob")
	tm.fail("bob", "msg.mark_read", &MarkMsgsAsRead{ConversationID: cid, Seqs: []int64{5}, UserID: "bob"}, openim.ErrArgs.Code)
	tm.fail("bob", "msg.mark_read", &MarkMsgsAsRead{ConversationID: cid, Seqs: nil, UserID: "bob"}, openim.ErrArgs.Code)
	tm.fail("bob", "msg.mark_read", &MarkMsgsAsRead{ConversationID: cid, Seqs: []int64{0}, UserID: "bob"}, openim.ErrArgs.Code)
	tm.fail("carol", "msg.mark_read", &MarkMsgsAsRead{ConversationID: openim.SingleConversationID("alice", "carol"), Seqs: []int64{1}, UserID: "carol"}, openim.ErrRecordNotFound.Code)
	tm.fail("carol", "msg.mark_read", &MarkMsgsAsRead{ConversationID: cid, Seqs: []int64{1}, UserID: "bob"}, openim.ErrNoPermission.Code)
	tm.must("bob", "msg.mark_read", &MarkMsgsAsRead{ConversationID: cid, Seqs: []int64{1, 3}, UserID: "bob"})
	if got := tm.conv("bob", cid).HasReadSeq; got != 3 {
		t.Fatalf("hasReadSeq %d", got)
	}
	p := tm.lastPushes()
	if len(p) != 1 || p[0].Msg.SendID != "bob" || p[0].Msg.RecvID != "alice" || !slices.Equal(p[0].UserIDs, []string{"bob", "alice"}) {
		t.Fatalf("receipt %+v", p)
	}
	var rt pb.MarkAsReadTips
	tipsOf(t, p[0].Msg, &rt)
	if rt.MarkAsReadUserID != "bob" || !slices.Equal(rt.Seqs, []int64{1, 3}) || rt.HasReadSeq != 3 {
		t.Fatalf("tips %+v", &rt)
	}
	// Never lowered.
	tm.must("bob", "msg.mark_read", &MarkMsgsAsRead{ConversationID: cid, Seqs: []int64{2}, UserID: "bob"})
	if got := tm.conv("bob", cid).HasReadSeq; got != 3 {
		t.Fatalf("hasReadSeq lowered to %d", got)
	}
	// The sender sees which of their messages were read.
	read := tm.pull("alice", cid, 1, 4)
	if !read[2].IsRead || read[3].IsRead {
		t.Fatalf("isRead %v %v", read[2].IsRead, read[3].IsRead)
	}

	// mark_conversation_as_read lists (old, new] plus the seqs given.
	tm.fail("bob", "msg.mark_conversation_read", &MarkConversationAsRead{ConversationID: cid, HasReadSeq: 5, UserID: "bob"}, openim.ErrArgs.Code)
	tm.must("bob", "msg.mark_conversation_read", &MarkConversationAsRead{ConversationID: cid, HasReadSeq: 4, Seqs: []int64{2}, UserID: "bob"})
	tipsOf(t, tm.lastPushes()[0].Msg, &rt)
	if !slices.Equal(rt.Seqs, []int64{4, 2}) || rt.HasReadSeq != 4 {
		t.Fatalf("conversation receipt %+v", &rt)
	}
	tm.must("bob", "msg.mark_conversation_read", &MarkConversationAsRead{ConversationID: cid, HasReadSeq: 4, UserID: "bob"})
	if len(tm.lastPushes()) != 0 {
		t.Fatal("receipt with nothing newly read")
	}
	// set_conversation_has_read_seq may lower it.
	tm.must("bob", "msg.set_read_seq", &SetConversationHasReadSeq{ConversationID: cid, HasReadSeq: 1, UserID: "bob"})
	if got := tm.conv("bob", cid).HasReadSeq; got != 1 {
		t.Fatalf("set read seq: %d", got)
	}
	if p := tm.lastPushes(); len(p) != 1 || !slices.Equal(p[0].UserIDs, []string{"bob"}) {
		t.Fatalf("set read seq push %+v", p)
	}
}

func TestMarkAsReadGroup(t *testing.T) {
	tm := officeMachine(t)
	tm.register("owner", "mem")
	tm.makeGroup("g1", "owner", "mem")
	tm.send(tm.text("owner", "g:g1", "x"))
	tm.must("mem", "msg.mark_read", &MarkMsgsAsRead{ConversationID: "sg_g1", Seqs: []int64{1}, UserID: "mem"})
	if p := tm.lastPushes(); len(p) != 1 || p[0].ConversationID != "n_g1" || len(p[0].UserIDs) != 2 {
		t.Fatalf("group receipt %+v", p)
	}
	tm.send(tm.text("owner", "g:g1", "y"))
	tm.must("mem", "msg.mark_conversation_read", &MarkConversationAsRead{ConversationID: "sg_g1", HasReadSeq: 2, UserID: "mem"})
	if p := tm.lastPushes(); len(p) != 1 || p[0].ConversationID != "n_mem_mem" || !slices.Equal(p[0].UserIDs, []string{"mem"}) {
		t.Fatalf("self receipt %+v", p)
	}
}

func TestDeleteForSelf(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob")
	tm.send(tm.text("alice", "bob", "keep"))
	tm.send(tm.text("alice", "bob", "hide"))
	cid := openim.SingleConversationID("alice", "bob")
	tm.fail("bob", "msg.delete", &DeleteMsgs{ConversationID: cid, Seqs: []int64{2}, UserID: "bob",
		DeleteSyncOpt: &DeleteSyncOpt{IsSyncOther: true}}, openim.ErrNoPermission.Code)
	tm.must("bob", "msg.delete", &DeleteMsgs{ConversationID: cid, Seqs: []int64{2, 99}, UserID: "bob"})
	p := tm.lastPushes()
	if len(p) != 1 || p[0].Msg.ContentType != openim.DeleteMsgsNotification || !slices.Equal(p[0].UserIDs, []string{"bob"}) {
		t.Fatalf("2102 %+v", p)
	}
	var dt pb.DeleteMsgsTips
	tipsOf(t, p[0].Msg, &dt)
	if !slices.Equal(dt.Seqs, []int64{2}) {
		t.Fatalf("tips %+v", &dt)
	}
	got := tm.pull("bob", cid, 2, 2)[0]
	if got.Status != openim.MsgStatusDeleted || len(got.Content) != 0 || got.ClientMsgID == "" {
		t.Fatalf("bob's deleted message %+v", got)
	}
	if got := tm.visible("alice", cid); !slices.Equal(got, []string{"keep", "hide"}) {
		t.Fatalf("alice reads %q", got)
	}
	last, err := LastMessages(context.Background(), tm.q(), "bob", &pb.GetLastMessageReq{ConversationIDs: []string{cid}})
	if err != nil || msgText(last.Msgs[cid]) != "keep" {
		t.Fatalf("bob's last %+v %v", last.Msgs, err)
	}
	// The admin deletes for everyone: a hole for both.
	tm.must(openim.AdminUserID, "msg.delete", &DeleteMsgs{ConversationID: cid, Seqs: []int64{1}, UserID: "alice",
		DeleteSyncOpt: &DeleteSyncOpt{IsSyncOther: true}})
	if got := tm.visible("alice", cid); !slices.Equal(got, []string{"-", "hide"}) {
		t.Fatalf("after delete for everyone alice reads %q", got)
	}
	if _, ok := storeMsgAt(t, tm, cid, 1); ok {
		t.Fatal("message still stored")
	}
}

func TestClearConversation(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob")
	tm.send(tm.text("alice", "bob", "old1"))
	tm.send(tm.text("bob", "alice", "old2"))
	cid := openim.SingleConversationID("alice", "bob")
	tm.must("bob", "msg.clear", &ClearConversationsMsg{ConversationIDs: []string{cid, "si_bob_nobody"}, UserID: "bob"})
	row := tm.conv("bob", cid)
	if row.MinSeq != 3 || row.HasReadSeq != 2 {
		t.Fatalf("row %+v", row)
	}
	var ct pb.ClearConversationTips
	tipsOf(t, tm.lastPushes()[0].Msg, &ct)
	if !slices.Equal(ct.ConversationIDs, []string{cid}) {
		t.Fatalf("1703 %+v", &ct)
	}
	if got := tm.visible("bob", cid); len(got) != 0 {
		t.Fatalf("bob reads %q after clearing", got)
	}
	tm.send(tm.text("alice", "bob", "new"))
	if got := tm.visible("bob", cid); !slices.Equal(got, []string{"new"}) {
		t.Fatalf("bob reads %q", got)
	}
	if got := tm.visible("alice", cid); len(got) != 3 {
		t.Fatalf("alice reads %q", got)
	}
	hits, _, err := SearchMessages(context.Background(), tm.q(), Caller{UserID: "bob"}, &SearchQuery{Keyword: "old", Limit: 5})
	if err != nil || len(hits) != 0 {
		t.Fatalf("cleared messages found: %d %v", len(hits), err)
	}
	seqs, err := NewestSeqs(context.Background(), tm.q(), "bob")
	if err != nil || seqs.MaxSeqs[cid] != 3 || seqs.MinSeqs[cid] != 3 {
		t.Fatalf("newest %+v %v", seqs, err)
	}
	tm.must("alice", "msg.clear_all", &UserClearAllMsg{UserID: "alice"})
	if got := tm.visible("alice", cid); len(got) != 0 {
		t.Fatalf("alice reads %q after clearing all", got)
	}
}

func TestSearch(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob", "carol")
	tm.makeGroup("g1", "alice", "bob")
	tm.send(tm.text("alice", "bob", "Meeting at ten"))
	tm.send(tm.text("bob", "alice", "明天开会议"))
	file := tm.text("alice", "bob", "")
	file.ContentType, file.Content = openim.File, []byte(`{"sourceUrl":"http://files/b","fileName":"budget-2025.xlsx","fileSize":10}`)
	tm.send(file)
	tm.send(tm.text("bob", "g:g1", "meeting notes in the group"))
	tm.send(tm.text("alice", "carol", "private meeting with carol"))
	ctx := context.Background()
	search := func(who string, sq SearchQuery) []string {
		t.Helper()
		if sq.Limit == 0 {
			sq.Limit = 10
		}
		hits, total, err := SearchMessages(ctx, tm.q(), Caller{UserID: who}, &sq)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hits {
			out = append(out, h.ConversationID+":"+searchText(h.Msg.ContentType, h.Msg.Content))
		}
		if int(total) < len(out) {
			t.Fatalf("total %d < %d hits", total, len(out))
		}
		return out
	}
	si := openim.SingleConversationID("alice", "bob")
	cases := []struct {
		name string
		who  string
		sq   SearchQuery
		want []string
	}{
		{"keyword, any case, newest first", "bob", SearchQuery{Keyword: "MEETING"},
			[]string{"sg_g1:meeting notes in the group", si + ":Meeting at ten"}},
		{"two characters", "alice", SearchQuery{Keyword: "会议"}, []string{si + ":明天开会议"}},
		{"file name", "bob", SearchQuery{Keyword: "budget"}, []string{si + ":budget-2025.xlsx"}},
		{"by sender", "alice", SearchQuery{Keyword: "meeting", SendID: "alice"},
			[]string{openim.SingleConversationID("alice", "carol") + ":private meeting with carol", si + ":Meeting at ten"}},
		{"in one conversation", "bob", SearchQuery{Keyword: "meeting", ConversationID: "sg_g1"},
			[]string{"sg_g1:meeting notes in the group"}},
		{"by peer", "alice", SearchQuery{Keyword: "meeting", RecvID: "carol"},
			[]string{openim.SingleConversationID("alice", "carol") + ":private meeting with carol"}},
		{"content type", "bob", SearchQuery{ContentType: openim.File}, []string{si + ":budget-2025.xlsx"}},
		{"not carol's", "carol", SearchQuery{Keyword: "meeting"},
			[]string{openim.SingleConversationID("alice", "carol") + ":private meeting with carol"}},
		{"another's conversation named", "carol", SearchQuery{Keyword: "meeting", ConversationID: si}, nil},
		{"nothing", "bob", SearchQuery{Keyword: "zzz"}, nil},
		{"query syntax is literal", "bob", SearchQuery{Keyword: `budget-2025 "x" OR *`}, nil},
		{"dash in the keyword", "bob", SearchQuery{Keyword: "budget-2025"}, []string{si + ":budget-2025.xlsx"}},
	}
	for _, c := range cases {
		if got := search(c.who, c.sq); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	// Time range and pagination.
	hits, total, err := SearchMessages(ctx, tm.q(), Caller{UserID: "alice"}, &SearchQuery{Keyword: "e", Offset: 1, Limit: 1})
	if err != nil || total < 3 || len(hits) != 1 {
		t.Fatalf("page: %d hits of %d, %v", len(hits), total, err)
	}
	_, total, err = SearchMessages(ctx, tm.q(), Caller{UserID: "bob"}, &SearchQuery{Keyword: "meeting", StartTime: tm.now, Limit: 5})
	if err != nil || total != 0 {
		t.Fatalf("time range: %d %v", total, err)
	}
	// The admin searches everything.
	if got := search(openim.AdminUserID, SearchQuery{Keyword: "meeting"}); len(got) != 3 {
		t.Fatalf("admin finds %q", got)
	}
}
