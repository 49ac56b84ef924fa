package im

import (
	"context"
	"encoding/json"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
)

// pushedNote is a notification an event pushed: its type, recipients and tips JSON.
type pushedNote struct {
	contentType int32
	to          []string
	detail      []byte
}

// pushedNotes lists the notifications among events.
func pushedNotes(t *testing.T, events []Event) []pushedNote {
	t.Helper()
	var out []pushedNote
	for _, e := range events {
		if e.Push == nil || e.Push.Msg == nil || e.Push.Msg.ContentType < 1000 {
			continue
		}
		var content struct {
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal(e.Push.Msg.Content, &content); err != nil {
			t.Fatalf("content %s: %v", e.Push.Msg.Content, err)
		}
		out = append(out, pushedNote{e.Push.Msg.ContentType, e.Push.UserIDs, []byte(content.Detail)})
	}
	return out
}

// noNullTips fails when the tips of any pushed notification hold a null a client could map over.
func noNullTips(t *testing.T, what string, events []Event) {
	t.Helper()
	for _, n := range pushedNotes(t, events) {
		nulls, err := pb.NullLists(n.detail)
		if err != nil {
			t.Fatalf("%s: detail %s: %v", what, n.detail, err)
		}
		if len(nulls) > 0 {
			t.Errorf("%s: tips %d have null at %v: %s", what, n.contentType, nulls, n.detail)
		}
	}
}

// TestTipsHaveNoNullLists: the group and friend notifications that can carry empty lists (no
// invited users, no admins, a kick of one) write them as [].
func TestTipsHaveNoNullLists(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c")
	noNullTips(t, "create", tm.create("g1", "a", nil, nil, 2))
	noNullTips(t, "join", tm.ok("b", "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinBySearch}))
	noNullTips(t, "invite", tm.ok("a", "group.invite", &InviteToGroup{GroupID: "g1", InvitedUserIDs: []string{"c"}}))
	noNullTips(t, "kick", tm.ok("a", "group.kick", &KickGroup{GroupID: "g1", KickedUserIDs: []string{"c"}}))
	noNullTips(t, "quit", tm.ok("b", "group.quit", &QuitGroup{GroupID: "g1"}))
	noNullTips(t, "dismiss", tm.ok("a", "group.dismiss", &DismissGroup{GroupID: "g1"}))
	noNullTips(t, "friend", tm.ok(openim.AdminUserID, "friend.import", &ImportFriend{OwnerUserID: "a", FriendUserIDs: []string{"b"}}))
}

// TestNotifyWritesEmptyListsAsArrays: whatever tips a rule hands to notify, a nil list in them is
// pushed and stored as [] (the official core maps over tips lists in its local database code).
func TestNotifyWritesEmptyListsAsArrays(t *testing.T) {
	tm := officeMachine(t, "a", "b")
	ctx := context.Background()
	tx, err := tm.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	o := &op{ctx: ctx, tx: tx, index: 1000, cmd: &Command{Kind: "test"}, now: testStart}
	if err := o.notify(note{contentType: openim.MemberKicked, sendID: "a", recvID: "b", to: []string{"b"},
		tips: &pb.MemberKickedTips{}}); err != nil {
		t.Fatal(err)
	}
	if len(o.events) == 0 {
		t.Fatal("notify pushed nothing")
	}
	noNullTips(t, "nil kickedUserList", o.events)
}
