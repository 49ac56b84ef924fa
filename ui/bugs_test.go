package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// Tests for the bugs issue 13 lists, each named for what the user saw.

// TestClickingAChatRowOpensIt: the desktop driver gives a click to the front-most object under the
// mouse that takes taps, which is the row, so the row itself must take the primary tap.
func TestClickingAChatRowOpensIt(t *testing.T) {
	o, _, hs := memApp(t, "ann", "bob", "cy")
	befriend(t, o, "ann", "bob")
	befriend(t, o, "ann", "cy")
	ann, bob, cy := hs["ann"], hs["bob"], hs["cy"]
	bob.OpenChatWith("ann")
	bob.Compose("from bob")
	cy.OpenChatWith("ann")
	cy.Compose("from cy")
	ann.WaitFor("two conversations", func() bool { return len(ann.ConversationNames()) == 2 })
	ann.Section("chats")

	for _, peer := range []string{"bob", "cy"} {
		id := SingleConversationID("ann", peer)
		row := ann.convRowOf(id)
		if row == nil {
			t.Fatalf("no row for the chat with %s", peer)
		}
		tappable, ok := fyne.CanvasObject(row).(fyne.Tappable)
		if !ok {
			t.Fatalf("the chat row (%T) takes no primary tap: a click never opens the chat", row)
		}
		test.Tap(tappable)
		ann.Drain()
		if got := ann.OpenConversationID(); got != id {
			t.Fatalf("clicking the chat with %s opened %q", peer, got)
		}
	}
	ann.WaitChat("cy: from cy")
}

// TestChatSearchRanksNameMatchesFirst: Ctrl+K "bob" + Enter opens the chat with Bob even when a
// group where Bob spoke last is newer in the list.
func TestChatSearchRanksNameMatchesFirst(t *testing.T) {
	o, _, hs := memApp(t, "ann", "bob")
	befriend(t, o, "ann", "bob")
	ann, bob := hs["ann"], hs["bob"]
	bob.OpenChatWith("ann")
	bob.Compose("hi ann")
	ann.WaitFor("bob's chat", func() bool { return len(ann.ConversationNames()) == 1 })
	gid := ann.CreateGroup("Design team", "bob")
	bob.WaitFor("the group on bob's side", func() bool { return bob.C.convs[GroupConversationID(gid)] != nil })
	bob.OpenConversation(GroupConversationID(gid))
	bob.Compose("news for the team")
	ann.WaitFor("bob's group message", func() bool {
		c := ann.C.convs[GroupConversationID(gid)]
		return c != nil && c.LastMsg != nil && c.LastMsg.SendID == "bob"
	})
	ann.Section("chats")
	ann.Settle()
	if names := ann.ConversationNames(); len(names) != 2 || names[0] != "Design team" {
		t.Fatalf("setup: the group must be newest, list is %v", names)
	}

	ann.C.shell.chats.focusSearch()
	test.Type(ann.C.shell.chats.search, "bob")
	ann.Drain()
	ann.C.shell.chats.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	ann.Drain()
	if got, want := ann.OpenConversationID(), SingleConversationID("ann", "bob"); got != want {
		t.Fatalf("Ctrl+K bob + Enter opened %q, want the chat with Bob %q", got, want)
	}
}
