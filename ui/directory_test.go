package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lanim/node/client"
	"lanim/node/openim"
	"lanim/node/pb"
)

// register makes an account through the admin's REST calls, without connecting it.
func (o *testOffice) register(userID, nickname string) {
	o.t.Helper()
	ctx := context.Background()
	secret, err := o.node.AdminSecret()
	if err != nil {
		o.t.Fatal(err)
	}
	api := client.New(o.node.APIAddr(), nil)
	token, err := api.AdminToken(ctx, secret)
	if err != nil {
		o.t.Fatal(err)
	}
	if err := api.WithToken(token).RegisterUsers(ctx, &pb.UserInfo{UserID: userID, Nickname: nickname}); err != nil {
		o.t.Fatal(err)
	}
}

// TestOfficeDirectory: the People page lists everyone with an account in the office (not only
// friends), with presence, filters by name, and a click starts a chat with a non-friend, which
// the node delivers. When the office requires a friendship the page says so and a click on a
// non-friend offers the friend request instead.
func TestOfficeDirectory(t *testing.T) {
	o, _, hs := realApp(t, "ann", "bob")
	o.register("carol", "Carol") // an account that never connects: offline
	ann, bob := hs["ann"], hs["bob"]

	ann.Section("people")
	ann.WaitFor("the office's people", func() bool { return ann.Shows("Carol") && ann.Shows("Bob") })
	if !ann.Shows("3 people") || ann.Shows("imAdmin") {
		t.Fatalf("the directory: %v", ann.Texts())
	}
	ann.WaitFor("bob online, carol offline", func() bool { return ann.C.online("bob") == 1 && ann.C.online("carol") == -1 })
	ann.Snapshot(t, "people")

	search := ann.C.shell.people.search
	test.Type(search, "car")
	ann.Drain()
	if ann.Shows("Bob") || !ann.Shows("Carol") {
		t.Fatalf("searching “car”: %v", ann.Texts())
	}
	search.SetText("nobody here")
	ann.Drain()
	if !ann.Shows("Nobody in the office matches") {
		t.Fatalf("searching for nobody: %v", ann.Texts())
	}
	search.SetText("")
	ann.Drain()

	// Bob is no friend of Ann's; a click opens their chat and the message arrives.
	ann.TapText("Bob")
	if got := ann.OpenConversationID(); got != openim.SingleConversationID("ann", "bob") {
		t.Fatalf("a click on Bob opened %q", got)
	}
	ann.Compose("Hello from the directory")
	ann.WaitChat("ann: Hello from the directory [Sent]")
	bob.OpenChatWith("ann")
	bob.WaitChat("ann: Hello from the directory")

	// The office now requires a friendship: the page says so, and a click offers a friend request.
	if err := ann.C.be.SetRequireFriendship(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	ann.Section("people")
	ann.WaitText("In this office a chat needs a friendship")
	if !ann.Shows("carol · add as a friend to chat") {
		t.Fatalf("the rows do not say a chat needs a friendship: %v", ann.Texts())
	}
	ann.TapText("Carol")
	if ann.C.shell.section != sectionContacts || ann.findButton("Add friend") == nil {
		t.Fatalf("a click on a non-friend: section %d, screen %v", ann.C.shell.section, ann.Texts())
	}
}

// adminAndColleague opens two windows on an office: ann, an office admin, on the computer that
// created it, and bob, without the role, on another computer (no admin secret).
func adminAndColleague(t *testing.T) (ann, bob *Harness) {
	t.Helper()
	o, a, hs := realAppWith(t, officeOptions{name: "Test office", clusterAddr: "127.0.0.1:0"}, "ann")
	o.signUp("bob")
	if err := o.backend().SetOfficeAdmin(context.Background(), "ann", true); err != nil {
		t.Fatal(err)
	}
	return hs["ann"], signIn(t, a, o.newProbe(true), "bob")
}

// TestOfficeChatRuleToggle: on the Office page an office admin turns "Chats need a friendship"
// on, the node then refuses a non-friend's message and the People page says so; a user without
// the role sees the box greyed out with whom to ask; turning it off lets colleagues chat again.
func TestOfficeChatRuleToggle(t *testing.T) {
	ann, bob := adminAndColleague(t)
	bobToAnn := func(text string) *pb.MsgData {
		return NewTextMessage(bob.C.self, &Conversation{Type: openim.SingleChat, PeerID: "ann"}, text, nil, testNow.UnixMilli())
	}

	ann.Section("office")
	ann.WaitText("Off: anyone in the office can message anyone")
	box := ann.check("Chats need a friendship")
	if box.Checked || box.Disabled() {
		t.Fatalf("a new office: checked %v, disabled %v", box.Checked, box.Disabled())
	}
	test.Tap(box)
	ann.WaitFor("the rule on", func() bool {
		st, err := bob.C.be.ClusterStatus(context.Background())
		return err == nil && st.RequireFriendship
	})
	ann.WaitFor("the box shows the rule", func() bool {
		b := ann.check("Chats need a friendship")
		return b.Checked && !b.Disabled()
	})

	bob.Section("office")
	bob.WaitText("Only an office admin changes this: ask Ann.")
	if b := bob.check("Chats need a friendship"); !b.Checked || !b.Disabled() {
		t.Fatalf("bob's box: checked %v, disabled %v", b.Checked, b.Disabled())
	}
	bob.Snapshot(t, "office-chat-rule-not-admin")
	_, err := bob.C.be.Send(context.Background(), bobToAnn("refused"))
	if openim.Code(err) != openim.ErrNotPeersFriend.Code {
		t.Fatalf("a non-friend's message with the rule on: %v", err)
	}
	bob.Section("people")
	bob.WaitText("In this office a chat needs a friendship")

	test.Tap(ann.check("Chats need a friendship"))
	ann.WaitFor("the rule off", func() bool {
		st, err := bob.C.be.ClusterStatus(context.Background())
		return err == nil && !st.RequireFriendship
	})
	if _, err := bob.C.be.Send(context.Background(), bobToAnn("colleagues again")); err != nil {
		t.Fatalf("with the rule off: %v", err)
	}
}

// check finds a check box by its label.
func (h *Harness) check(label string) *widget.Check {
	h.T.Helper()
	var found *widget.Check
	for _, r := range h.roots() {
		walk(r, func(o fyne.CanvasObject) {
			if c, ok := o.(*widget.Check); ok && c.Text == label {
				found = c
			}
		})
	}
	if found == nil {
		h.T.Fatalf("no check box %q; screen shows:\n%s", label, strings.Join(h.Texts(), " | "))
	}
	return found
}
