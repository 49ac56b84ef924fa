package ui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"lanim/node/openim"
	"lanim/ui/style"
)

// Screen tests: every screen's behaviour, on a real node (office_test.go) whose clock starts at
// testNow, so the masters' times hold. realnode_test.go walks the same flows end to end.

func TestOnboardingCreatesOfficeAndAccount(t *testing.T) {
	o := newOffice(t, officeOptions{})
	a := NewTestApp(t)
	dir := t.TempDir()
	h := NewHarness(t, a, o.backend(), HarnessOptions{SessionDir: dir})
	h.WaitText("Welcome to LanIM")
	h.Snapshot(t, "welcome")

	h.TapText("Create a new office")
	h.WaitText("Create your office")
	h.Fill("Acme", "Ann Lee", "bad id!", "password1", "password1")
	h.Tap("Create office")
	if !h.Shows("User ID: use letters") {
		t.Fatalf("a bad user ID was not caught: %v", h.Texts())
	}
	h.Fill("Acme", "Ann Lee", "ann", "password1", "mismatch")
	h.Tap("Create office")
	if !h.Shows("do not match") {
		t.Fatalf("mismatched passwords were not caught: %v", h.Texts())
	}
	h.Fill("Acme", "Ann Lee", "ann", "password1", "password1")
	h.Tap("Create office")
	h.SignedIn()
	if info, err := o.backend().OfficeInfo(context.Background()); err != nil || info.Name != "Acme" || info.Users != 1 {
		t.Fatalf("office after onboarding: %+v %v", info, err)
	}
	// The account that created the office runs it.
	if st, err := o.backend().ClusterStatus(context.Background()); err != nil || !slices.Equal(st.OfficeAdmins, []string{"ann"}) {
		t.Fatalf("office admins after onboarding: %+v %v", st, err)
	}

	// The next start signs in straight away with the saved session.
	h2 := NewHarness(t, a, o.backend(), HarnessOptions{SessionDir: dir})
	h2.SignedIn()
	if h2.SelfID() != "ann" {
		t.Fatalf("resumed as %q", h2.SelfID())
	}
}

func TestSignInErrorsAndSignOut(t *testing.T) {
	o := newOffice(t, officeOptions{name: "Test office"})
	o.signUp("bob")
	a := NewTestApp(t)
	h := NewHarness(t, a, o.backend(), HarnessOptions{})
	h.WaitText("Sign in to LanIM")
	h.Snapshot(t, "signin")

	h.Fill("bob", "wrong-password")
	h.Tap("Sign in")
	h.WaitText("Wrong password.")
	h.Fill("nobody", "password1")
	h.Tap("Sign in")
	h.WaitText("no account with this user ID")
	h.Fill("bob", "password1")
	h.Tap("Sign in")
	h.SignedIn()

	h.Section("profile")
	h.C.SignOut()
	h.WaitText("Sign in to LanIM")
	if es := h.Entries(); es[0].Text != "bob" {
		t.Fatalf("the sign-in form should offer the last user, has %q", es[0].Text)
	}

	// Creating an account from the sign-in screen.
	h.Tap("Create an account")
	h.WaitText("Create your account")
	h.Fill("Cy", "cy", "password1", "password1")
	h.Tap("Create account")
	h.SignedIn()
	if h.SelfID() != "cy" {
		t.Fatalf("signed up as %q", h.SelfID())
	}
}

func TestChatSendReceiveReadRevoke(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob")
	befriend(t, hs["ann"], hs["bob"])
	ann, bob := hs["ann"], hs["bob"]
	conv := openim.SingleConversationID("ann", "bob")

	ann.OpenChatWith("bob")
	ann.Compose("Hello Bob")
	ann.WaitChat("ann: Hello Bob [Sent]")
	if ann.C.shell.chat.composer.entry.Text != "" {
		t.Fatal("the composer was not cleared after sending")
	}

	// Bob's list shows the new conversation with one unread message, then reading clears it and
	// Ann sees the receipt.
	bob.WaitFor("bob's unread count", func() bool { return bob.Unread(conv) == 1 })
	if got := bob.ConversationNames(); !slices.Equal(got, []string{"Ann"}) {
		t.Fatalf("bob's conversations: %v", got)
	}
	bob.OpenChatWith("ann")
	bob.WaitChat("ann: Hello Bob")
	bob.WaitFor("bob's chat marked read", func() bool { return bob.Unread(conv) == 0 })
	ann.WaitChat("ann: Hello Bob [Read]")

	// Shift+Enter is a new line, Enter sends.
	e := bob.C.shell.chat.composer.entry
	test.Type(e, "two")
	e.shift = true
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	e.shift = false
	test.Type(e, "lines")
	if e.Text != "two\nlines" {
		t.Fatalf("Shift+Enter: entry has %q", e.Text)
	}
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	bob.Drain()
	ann.WaitChat("bob: two\nlines")

	// Typing shows in the peer's header.
	bob.C.Typing(bob.C.shell.chat.conv)
	ann.WaitText("typing…")

	// Ann withdraws her message: both sides show the line instead.
	var seq int64
	for _, m := range ann.C.shell.chat.msgs {
		if MessageText(m) == "Hello Bob" {
			seq = m.Seq
		}
	}
	ann.C.Revoke(conv, seq)
	ann.WaitChat("— You withdrew a message")
	bob.WaitChat("— Ann withdrew a message")
	if bob.ChatShows("Hello Bob") {
		t.Fatal("the withdrawn message still shows")
	}
}

func TestChatMarkup(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob")
	befriend(t, hs["ann"], hs["bob"])
	ann, bob := hs["ann"], hs["bob"]
	ann.OpenChatWith("bob")
	ann.Compose("Hi Bob! Lunch at noon? 🍕")
	bob.WaitFor("the message", func() bool { return bob.Unread(openim.SingleConversationID("ann", "bob")) == 1 })
	bob.OpenChatWith("ann")
	bob.Compose("Sure, see you there")
	ann.WaitChat("bob: Sure, see you there")
	ann.WaitChat("[Read]")
	ann.Settle()
	ann.C.shell.chat.typingUntil = time.Time{} // Bob's typing signal may or may not still show
	ann.C.shell.chat.updateHeader()
	ann.Snapshot(t, "chat")
}

func TestOfflineQueueAndRetry(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob")
	befriend(t, hs["ann"], hs["bob"])
	ann, bob := hs["ann"], hs["bob"]
	ann.WaitFor("bob as a friend", func() bool { return len(ann.C.friends) == 1 })
	ann.OpenChatWith("bob")

	p := probeOf(ann)
	p.cut()
	ann.WaitFor("the offline banner", func() bool { return ann.C.shell.banner.Visible() })
	ann.WaitText("Offline: the office is out of reach")
	ann.Compose("sent while offline")
	ann.WaitChat("ann: sent while offline [Waiting for the office]")
	ann.Settle()
	ann.Snapshot(t, "offline")

	p.reconnect(t)
	ann.WaitChat("ann: sent while offline [Sent]")
	ann.WaitFor("the banner to go", func() bool { return !ann.C.shell.banner.Visible() })
	bob.WaitFor("bob to get it", func() bool { return bob.Unread(openim.SingleConversationID("ann", "bob")) == 1 })

	// A send that fails offers a retry with the same clientMsgID.
	if err := bob.C.be.Block(context.Background(), "ann"); err != nil {
		t.Fatal(err)
	}
	ann.Compose("blocked")
	ann.WaitChat("ann: blocked [Not sent]")
	ann.WaitText("Retry")
	if err := bob.C.be.Unblock(context.Background(), "ann"); err != nil {
		t.Fatal(err)
	}
	ann.Tap("Retry")
	ann.WaitChat("ann: blocked [Sent]")
}

// annWithTwoChats is Ann's window with two chats, from Bob ("from bob") then Cy ("from cy").
func annWithTwoChats(t *testing.T) *Harness {
	t.Helper()
	_, _, hs := realApp(t, "ann", "bob", "cy")
	befriend(t, hs["ann"], hs["bob"])
	befriend(t, hs["ann"], hs["cy"])
	ann, bob, cy := hs["ann"], hs["bob"], hs["cy"]
	bob.OpenChatWith("ann")
	bob.Compose("from bob")
	cy.OpenChatWith("ann")
	cy.Compose("from cy")
	ann.WaitFor("two conversations", func() bool { return len(ann.ConversationNames()) == 2 })
	return ann
}

func TestConversationListPinMuteSearch(t *testing.T) {
	ann := annWithTwoChats(t)

	bobConv := openim.SingleConversationID("ann", "bob")
	ann.C.PinConversation(bobConv, true)
	ann.WaitFor("bob pinned first", func() bool { return ann.ConversationNames()[0] == "Bob" })
	ann.C.MuteConversation(bobConv, true)
	ann.WaitFor("bob muted", func() bool { return ann.C.convs[bobConv].Muted() })
	ann.Settle()
	if n := ann.C.totalUnread(); n != 1 {
		t.Fatalf("unread total with bob muted: %d, want 1", n)
	}
	if !strings.Contains(ann.C.win.Title(), "(1)") {
		t.Fatalf("window title %q lacks the unread count", ann.C.win.Title())
	}
	ann.Snapshot(t, "conversations")

	ann.C.shell.chats.search.SetText("cy")
	ann.Drain()
	if got := ann.ConversationNames(); !slices.Equal(got, []string{"Cy"}) {
		t.Fatalf("search cy: %v", got)
	}
	ann.C.shell.chats.search.SetText("")
	ann.Drain()

	// Alt+Down opens the next conversation.
	ann.C.runShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyDown, Modifier: fyne.KeyModifierAlt})
	ann.WaitFor("a chat to open", func() bool { return ann.C.shell.chat.conv != nil })
}

func TestContacts(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob")
	ann, bob := hs["ann"], hs["bob"]
	ann.Section("contacts")
	ann.C.shell.contacts.addFriend()
	ann.Drain()
	ann.Fill("bob", "Hi Bob, it's Ann")
	ann.Tap("Send request")
	ann.WaitText("Friend request sent to bob")

	bob.WaitFor("the request", func() bool { return len(bob.C.reqIn) == 1 })
	bob.Section("contacts")
	bob.TapText("Friend requests")
	bob.WaitText("Hi Bob, it's Ann")
	bob.Tap("Accept")
	bob.WaitFor("ann as friend", func() bool { return len(bob.C.friends) == 1 })
	ann.WaitFor("bob as friend", func() bool { return len(ann.C.friends) == 1 })

	ann.TapText("Bob")
	ann.WaitText("User ID: bob")
	ann.Tap("Remark")
	ann.Fill("Bobby (design)")
	ann.Tap("Save")
	ann.WaitFor("the remark", func() bool { return ann.C.userName("bob") == "Bobby (design)" })
	ann.Snapshot(t, "contact")

	ann.Tap("Block")
	ann.Tap("Yes")
	ann.WaitFor("bob blocked", func() bool { return len(ann.C.blacks) == 1 })
	ann.TapText("Blocked users")
	ann.WaitText("Bob")
	ann.Tap("Unblock")
	ann.WaitFor("bob unblocked", func() bool { return len(ann.C.blacks) == 0 })
}

func TestGroups(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob", "cy")
	befriend(t, hs["ann"], hs["bob"])
	ann, bob, cy := hs["ann"], hs["bob"], hs["cy"]
	ann.WaitFor("ann's friends", func() bool { return len(ann.C.friends) == 1 })

	ann.Section("groups")
	ann.C.shell.groups.createGroup()
	ann.Drain()
	ann.Fill("Design team")
	ann.C.shell.groups.lastChecks.SetSelected([]string{"Bob (bob)"})
	ann.Tap("Create")
	ann.WaitFor("the group chat", func() bool {
		return ann.C.shell.chat.conv != nil && ann.C.shell.chat.conv.Type == openim.ReadGroupChat
	})
	ann.WaitChat("— You created the group")
	gid := ann.C.shell.chat.conv.GroupID
	bob.WaitFor("bob in the group", func() bool { return len(bob.C.groups) == 1 })

	// @mention: Bob's message to the group marks the group for Ann.
	bob.C.OpenGroupChat(bob.C.groups[0])
	bob.Drain()
	bob.WaitFor("members", func() bool { return len(bob.C.shell.chat.members) == 2 })
	bob.C.shell.chat.composer.mentions = []mention{{userID: "ann", name: "Ann"}}
	bob.Compose("@Ann welcome")
	ann.Section("chats")
	ann.WaitChat("bob: @Ann welcome")

	// Cy asks to join; Ann approves.
	if err := cy.C.be.ApplyToJoin(context.Background(), gid, "let me in"); err != nil {
		t.Fatal(err)
	}
	ann.WaitFor("the join request", func() bool { return len(ann.C.groupReq) == 1 })
	ann.Section("groups")
	ann.TapText("Join requests")
	ann.WaitText("let me in")
	ann.Tap("Accept")
	ann.WaitFor("cy joined", func() bool { return memberCount(t, ann, gid) == 3 })
	cy.WaitFor("cy's group", func() bool { return len(cy.C.groups) == 1 })

	// Admin actions on the group page.
	ann.ShowGroup(gid)
	ann.WaitText("Members")
	ann.WaitText("Cy")
	ann.WaitText("3 members")
	ann.Settle()
	ann.Snapshot(t, "group")
	act := func(what string, fn func(ctx context.Context) error) {
		t.Helper()
		if err := fn(context.Background()); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	annBe := ann.C.be
	act("mute cy", func(ctx context.Context) error { return annBe.MuteMember(ctx, gid, "cy", 600) })
	act("mute all", func(ctx context.Context) error { return annBe.MuteGroup(ctx, gid, true) })
	act("kick cy", func(ctx context.Context) error { return annBe.Kick(ctx, gid, []string{"cy"}) })
	cy.WaitFor("cy out", func() bool { return len(cy.C.groups) == 0 })
	act("rename", func(ctx context.Context) error {
		n := "Design"
		return annBe.SetGroupInfo(ctx, gid, GroupPatch{Name: &n})
	})
	act("transfer", func(ctx context.Context) error { return annBe.TransferOwner(ctx, gid, "bob") })
	ann.Section("chats")
	ann.C.OpenConversation(openim.GroupConversationID(gid))
	ann.WaitChat("— You muted Cy for 10 minutes")
	ann.WaitChat("— You muted the group: only admins can post")
	ann.WaitChat("— You removed Cy")
	ann.WaitChat("— You renamed the group to “Design”")
	ann.WaitChat("— You made Bob the owner")

	act("bob dismisses", func(ctx context.Context) error { return bob.C.be.Dismiss(ctx, gid) })
	ann.WaitFor("the group gone", func() bool { return len(ann.C.groups) == 0 })
}

// memberCount is how many members the node lists for a group.
func memberCount(t *testing.T, h *Harness, gid string) int {
	t.Helper()
	ms, err := h.C.be.Members(context.Background(), gid)
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

func TestProfileAndTheme(t *testing.T) {
	_, a, hs := realApp(t, "ann")
	ann := hs["ann"]
	ann.Section("profile")
	ann.Fill("Ann Lee")
	ann.Tap("Save")
	// The node's own push of the change can reload the profile before the save's answer shows
	// its toast, so wait for both.
	ann.WaitFor("the new name", func() bool { return ann.C.self.Nickname == "Ann Lee" && ann.C.lastToast == "Saved." })
	ann.Settle()
	ann.Snapshot(t, "profile")

	setThemeMode(ann.C, style.ModeDark)
	if th, ok := a.Settings().Theme().(*style.Theme); !ok || th.Mode != style.ModeDark {
		t.Fatalf("theme after choosing dark: %#v", a.Settings().Theme())
	}
	if got := a.Preferences().String(prefTheme); got != string(style.ModeDark) {
		t.Fatalf("theme preference %q", got)
	}
}

// TestOfficePanel: on the computer that created the office the user runs it: makes a join code,
// renames the office, and makes someone an office admin.
func TestOfficePanel(t *testing.T) {
	o, _, hs := realAppWith(t, officeOptions{name: "Test office", clusterAddr: "127.0.0.1:0"}, "ann", "bob")
	ann := hs["ann"]
	ann.Section("office")
	ann.WaitText("Working: 1 computer in contact")
	ann.WaitText("front-desk (this computer)")
	ann.WaitText("Nobody yet")
	if err := o.backend().SetOfficeAdmin(context.Background(), "ann", true); err != nil {
		t.Fatal(err)
	}
	ann.Tap("Refresh")
	ann.WaitText("Ann (you)")
	ann.Tap("Add a computer")
	ann.WaitFor("the short code", func() bool { return shownShortCode(ann) != "" })
	if ann.Shows("lanim1-") {
		t.Fatal("the long code shows before Other network / paste code")
	}
	ann.Tap("Other network / paste code")
	ann.WaitText("lanim1-")
	ann.Tap("Close")
	ann.Tap("Rename…")
	ann.Fill("  Acme Design Studio ")
	ann.Tap("Rename")
	ann.WaitText("Acme Design Studio")
	ann.Settle()
	ann.Snapshot(t, "office")
	ann.Tap("Add an office admin…")
	ann.Fill("nobody")
	ann.Tap("Make admin")
	ann.WaitText("Could not make nobody an office admin: not found")
	if info, err := o.backend().OfficeInfo(context.Background()); err != nil || info.Name != "Acme Design Studio" {
		t.Fatalf("office %+v %v", info, err)
	}
}

// TestOfficeAdminsFromAnotherComputer: on a computer that joined the office, a user without the
// role cannot invite or leave and is told whom to ask; once an admin grants the role, they can,
// and they can hand it on. The last admin cannot be removed.
func TestOfficeAdminsFromAnotherComputer(t *testing.T) {
	ann, bob := adminAndColleague(t)
	bob.Section("office")
	bob.WaitText("Office admins add computers: ask Ann.")
	for _, b := range []string{"Add a computer", "Leave the office…"} {
		if btn := bob.findButton(b); btn == nil || !btn.Disabled() {
			t.Fatalf("%q should show, disabled, to a user without the role", b)
		}
	}
	if bob.Shows("Rename…") || bob.Shows("Add an office admin…") {
		t.Fatalf("a user without the role is offered office changes: %v", bob.Texts())
	}
	bob.Snapshot(t, "office-not-admin")

	ann.Section("office")
	ann.WaitText("Ann")
	ann.Tap("Add an office admin…")
	ann.Fill("bob")
	ann.Tap("Make admin")
	ann.WaitText("Bob is an office admin.")

	bob.Tap("Refresh")
	bob.WaitText("Bob (you)")
	bob.Tap("Add a computer")
	bob.WaitFor("the short code", func() bool { return shownShortCode(bob) != "" })
	bob.Tap("Close")
	// Bob removes Ann, then cannot remove himself: the office keeps an admin.
	bob.removeAdmin("Ann")
	bob.WaitFor("Ann no longer an admin", func() bool { return bob.countButtons("Remove") == 1 })
	if b := bob.findButton("Remove"); b == nil || !b.Disabled() {
		t.Fatal("Remove on the last office admin is enabled: the node always refuses it")
	}
	bob.WaitText("The office needs an admin: add another before removing this one.")
}

// TestJoinScreenPicksAnOffice: the join screen lists the offices found on the LAN; the user picks
// one and pastes its code, and the join goes through that office's addresses.
func TestJoinScreenPicksAnOffice(t *testing.T) {
	o := newOffice(t, officeOptions{name: "LanIM office"})
	lan := []OfficeAd{
		{ID: "a1", Name: "Acme Design Studio", Addrs: []string{"192.168.1.20:10003", "192.168.1.21:10003"}},
		{ID: "b2", Name: "Bakery front office", Addrs: []string{"192.168.1.40:10003"}},
	}
	p := o.newProbe(false)
	p.setLAN(lan)
	h := NewHarness(t, NewTestApp(t), p, HarnessOptions{})
	h.WaitText("Welcome to LanIM")
	h.TapText("Join an office")
	h.WaitText("Pick your office (2 offices found on this network):")
	h.WaitText("2 computers · 192.168.1.20:10003, 192.168.1.21:10003")
	h.TapText("Bakery front office")
	h.WaitText("Type or paste the join code of Bakery front office")
	h.Settle()
	h.Snapshot(t, "join-office")
	h.Tap("Join office")
	h.WaitText("Paste a join code first.")
	h.Fill("lanim1-BAKERY")
	h.Tap("Join office")
	h.WaitText("This computer joined LanIM office")
	joins := p.Joins()
	if len(joins) != 1 || joins[0].Code != "lanim1-BAKERY" || joins[0].Via == nil || joins[0].Via.ID != "b2" ||
		!slices.Equal(joins[0].Via.Addrs, []string{"192.168.1.40:10003"}) {
		t.Fatalf("joins %+v", joins)
	}

	// Nothing picked: the code alone (it carries addresses). Picking twice unpicks.
	p2 := o.newProbe(false)
	p2.setLAN(lan)
	h2 := NewHarness(t, NewTestApp(t), p2, HarnessOptions{})
	h2.WaitText("Welcome to LanIM")
	h2.TapText("Join an office")
	h2.WaitText("Pick your office")
	h2.TapText("Acme Design Studio")
	h2.WaitText("Type or paste the join code of Acme Design Studio")
	h2.TapText("Acme Design Studio")
	h2.WaitFor("no office picked", func() bool { return !h2.Shows("Type or paste the join code of") })
	h2.Fill("lanim1-ANY")
	h2.Tap("Join office")
	h2.WaitText("This computer joined")
	if joins := p2.Joins(); len(joins) != 1 || joins[0].Code != "lanim1-ANY" || joins[0].Via != nil {
		t.Fatalf("joins %+v", joins)
	}

	// No office on the network.
	h3 := NewHarness(t, NewTestApp(t), o.newProbe(false), HarnessOptions{})
	h3.WaitText("Welcome to LanIM")
	h3.TapText("Join an office")
	h3.WaitText("No other office answered on this network")
}

// TestExpiredSessionAsksToSignIn: a saved session the node refuses leads to sign-in, not a hang.
func TestExpiredSessionAsksToSignIn(t *testing.T) {
	o := newOffice(t, officeOptions{})
	o.signUp("bob")
	dir := t.TempDir()
	if err := SaveSession(dir+"/session.json", &Session{UserID: "bob", Token: "stale"}); err != nil {
		t.Fatal(err)
	}
	h := NewHarness(t, NewTestApp(t), o.backend(), HarnessOptions{SessionDir: dir})
	h.WaitText("Please sign in again.")
	if es := h.Entries(); es[0].Text != "bob" {
		t.Fatalf("sign-in should offer bob, has %q", es[0].Text)
	}
}
