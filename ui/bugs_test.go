package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// Tests for the bugs issue 13 lists, each named for what the user saw.

// convRowOf is the visible chats-list row of a conversation, or nil.
func (h *Harness) convRowOf(convID string) *convRow {
	var found *convRow
	walk(h.Canvas().Content(), func(o fyne.CanvasObject) {
		if r, ok := o.(*convRow); ok && r.conv != nil && r.conv.ID == convID {
			found = r
		}
	})
	return found
}

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
