package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"lanim/node/client"
	"lanim/node/openim"
	"lanim/node/pb"
)

func TestListTimeAndDayLabel(t *testing.T) {
	now := time.Date(2025, 3, 14, 15, 30, 0, 0, time.UTC) // a Friday
	c := clock{now: func() time.Time { return now }, loc: time.UTC}
	tests := []struct {
		at        time.Time
		list, day string
	}{
		{now.Add(-time.Hour), "14:30", "Today"},
		{now.AddDate(0, 0, -1), "Yesterday", "Yesterday"},
		{now.AddDate(0, 0, -3), "Tue", "Tuesday, 11 March"},
		{now.AddDate(0, -2, 0), "14 Jan", "Tuesday, 14 January"},
		{now.AddDate(-1, 0, 0), "14 Mar 2024", "Thursday, 14 March 2024"},
	}
	for _, tc := range tests {
		if got := c.listTime(tc.at.UnixMilli()); got != tc.list {
			t.Errorf("listTime(%v) = %q, want %q", tc.at, got, tc.list)
		}
		if got := c.dayLabel(tc.at.UnixMilli()); got != tc.day {
			t.Errorf("dayLabel(%v) = %q, want %q", tc.at, got, tc.day)
		}
	}
}

func member(id, nick string) *pb.GroupMemberFullInfo {
	return &pb.GroupMemberFullInfo{UserID: id, Nickname: nick}
}

func TestNotificationText(t *testing.T) {
	ann, bob, cy := member("ann", "Ann"), member("bob", "Bob"), member("cy", "Cy")
	g := &pb.GroupInfo{GroupID: "g1", GroupName: "Team"}
	tests := []struct {
		kind int32
		tips any
		want string
	}{
		{1501, &pb.GroupCreatedTips{Group: g, OpUser: ann}, "You created the group"},
		{1509, &pb.MemberInvitedTips{Group: g, OpUser: bob, InvitedUserList: []*pb.GroupMemberFullInfo{ann, cy}},
			"Bob invited You and Cy"},
		{1508, &pb.MemberKickedTips{Group: g, OpUser: ann, KickedUserList: []*pb.GroupMemberFullInfo{cy}}, "You removed Cy"},
		{1504, &pb.MemberQuitTips{Group: g, QuitUser: bob}, "Bob left the group"},
		{1510, &pb.MemberEnterTips{Group: g, EntrantUser: cy}, "Cy joined the group"},
		{1507, &pb.GroupOwnerTransferredTips{Group: g, OpUser: ann, NewGroupOwner: bob}, "You made Bob the owner"},
		{1511, &pb.GroupDismissedTips{Group: g, OpUser: bob}, "Bob dismissed the group"},
		{1512, &pb.GroupMemberMutedTips{Group: g, OpUser: ann, MutedUser: cy, MutedSeconds: 3600}, "You muted Cy for 1 hour"},
		{1513, &pb.GroupMemberCancelMutedTips{Group: g, OpUser: ann, MutedUser: cy}, "You unmuted Cy"},
		{1514, &pb.GroupMutedTips{Group: g, OpUser: bob}, "Bob muted the group: only admins can post"},
		{1515, &pb.GroupCancelMutedTips{Group: g, OpUser: bob}, "Bob unmuted the group"},
		{1517, &pb.GroupMemberInfoSetTips{Group: g, OpUser: ann, ChangedUser: bob}, "You made Bob an admin"},
		{1518, &pb.GroupMemberInfoSetTips{Group: g, OpUser: ann, ChangedUser: bob}, "Bob is no longer an admin"},
		{1519, &pb.GroupInfoSetAnnouncementTips{Group: g, OpUser: bob}, "Bob changed the notice"},
		{1520, &pb.GroupInfoSetNameTips{Group: g, OpUser: bob}, "Bob renamed the group to “Team”"},
		{openim.MsgRevokeNotification, &pb.RevokeMsgTips{RevokerUserID: "bob"}, "bob withdrew a message"},
		{openim.MsgRevokeNotification, &pb.MessageRevokedContent{RevokerID: "bob", RevokerNickname: "Bob"}, "Bob withdrew a message"},
		{1201, &pb.FriendApplicationApprovedTips{FromToUserID: &pb.FromToUserID{FromUserID: "ann", ToUserID: "bob"}},
			"Your friend request was accepted. Say hello!"},
		{1201, &pb.FriendApplicationApprovedTips{FromToUserID: &pb.FromToUserID{FromUserID: "bob", ToUserID: "ann"}},
			"You are now friends. Say hello!"},
	}
	for _, tc := range tests {
		m := NewNotification(tc.kind, "x", tc.tips)
		if got := NotificationText(m, "ann"); got != tc.want {
			t.Errorf("%d: %q, want %q", tc.kind, got, tc.want)
		}
	}
}

// TestOfficeStatus reads the node's /cluster/status answer into the office panel's view.
func TestOfficeStatus(t *testing.T) {
	var wire client.ClusterStatus
	if err := json.Unmarshal([]byte(`{"officeID":"o1","officeName":"Acme","officeAdmins":["ann"],"onlineUserIDs":["ann","bob"],
		"nodeID":"n1","leaderID":"n2","appliedIndex":42,"stateDigest":"ab","blobCopies":2,"blobsUnderReplicated":1,
		"members":[{"nodeID":"n1","address":"10.0.0.1:7000","suffrage":"voter","healthy":true},
		{"nodeID":"n2","address":"10.0.0.2:7000","suffrage":"voter","healthy":true},
		{"nodeID":"n3","address":"10.0.0.3:7000","suffrage":"nonvoter","healthy":false}]}`), &wire); err != nil {
		t.Fatal(err)
	}
	st := officeStatus(&wire)
	if st.NodeID != "n1" || st.LeaderID != "n2" || !st.HasQuorum || len(st.Nodes) != 3 || st.OfficeName != "Acme" ||
		fmt.Sprint(st.OfficeAdmins, st.Online) != "[ann] [ann bob]" {
		t.Fatalf("status: %+v", st)
	}
	if n := st.Nodes[1]; !n.Leader || !n.Voter || !n.Reachable || n.Addr != "10.0.0.2:7000" {
		t.Fatalf("leader node: %+v", n)
	}
	if n := st.Nodes[2]; n.Voter || n.Reachable || n.Leader {
		t.Fatalf("unhealthy non-voter: %+v", n)
	}
	if want := []KV{{"Blob copies", "2"}, {"Blobs lost", "0"}, {"Blobs under replicated", "1"}, {"Office ID", "o1"}}; !slices.Equal(st.Extra, want) {
		t.Fatalf("extra: %+v", st.Extra)
	}
	if want := []KV{{"Applied index", "42"}, {"State digest", "ab"}}; !slices.Equal(st.Health, want) {
		t.Fatalf("health: %+v", st.Health)
	}
	if st := officeStatus(&client.ClusterStatus{NodeID: "n1"}); st.HasQuorum {
		t.Fatalf("no leader, yet a quorum: %+v", st)
	}
}

// TestHistoryOnScroll: a long chat opens on its newest page and loads the older one at the top.
func TestHistoryOnScroll(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob")
	ann := hs["ann"]
	befriend(t, ann, hs["bob"])
	conv := &Conversation{Type: openim.SingleChat, PeerID: "ann"}
	bob := &pb.UserInfo{UserID: "bob", Nickname: "Bob"}
	for i := 0; i < 45; i++ {
		m := NewTextMessage(bob, conv, "message "+string(rune('A'+i%26)), nil, testNow.UnixMilli())
		if _, err := hs["bob"].C.be.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	// The chat holds the 45 messages after the line saying they are friends.
	const total = 46
	ann.Settle() // the pushes of the 45 sends arrive before the chat opens
	ann.OpenChatWith("bob")
	ann.WaitFor("the newest page", func() bool { return len(ann.C.shell.chat.msgs) == historyPage })
	if !ann.C.shell.chat.hasMore {
		t.Fatal("a 46-message chat should say there is more")
	}
	ann.C.shell.chat.scrolled(fyne.NewPos(0, 0))
	ann.WaitFor("the older page", func() bool { return len(ann.C.shell.chat.msgs) == total })
	if ann.C.shell.chat.msgs[0].Seq != 1 {
		t.Fatalf("oldest seq %d", ann.C.shell.chat.msgs[0].Seq)
	}
}

// TestNotifyWhenUnfocused: a message while the window is not focused makes a desktop notification.
func TestNotifyWhenUnfocused(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob")
	befriend(t, hs["ann"], hs["bob"])
	ann, bob := hs["ann"], hs["bob"]
	ann.C.SetFocused(false)
	bob.OpenChatWith("ann")
	test.AssertNotificationSent(t, fyne.NewNotification("Bob", "are you there?"), func() {
		bob.Compose("are you there?")
		ann.WaitFor("the message", func() bool { return ann.Unread(openim.SingleConversationID("ann", "bob")) == 1 })
	})
}
