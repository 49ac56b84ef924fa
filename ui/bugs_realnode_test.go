package ui_test

import (
	"testing"

	"lanim/node/openim"
	"lanim/ui"
)

// TestRealAcceptedFriendRequestIsNoPhantomUnread: the node stores the answer to a friend request
// in the new chat as a system line that counts as unread (upstream's chat copy). Neither side may
// show it as an unread message or as a blank preview; the first real message is the first unread
// one, and a fresh list from the node agrees.
func TestRealAcceptedFriendRequestIsNoPhantomUnread(t *testing.T) {
	n := startNode(t)
	a, ann, bob := annAndBob(t, n)
	conv := openim.SingleConversationID("ann", "bob")

	// Bob asks, Ann accepts.
	bob.AddFriend("ann", "hi, it's Bob")
	ann.Section("contacts")
	ann.WaitFor("bob's request", func() bool { return ann.Shows("Friend requests") && ann.PendingFriendRequests() == 1 })
	ann.TapText("Friend requests")
	ann.WaitText("hi, it's Bob")
	ann.Tap("Accept")

	want := map[*ui.Harness]string{bob: "Your friend request was accepted. Say hello!", ann: "You are now friends. Say hello!"}
	for _, h := range []*ui.Harness{ann, bob} {
		h.Section("chats")
		h.WaitFor(h.SelfID()+"'s new chat row", func() bool { return h.ConversationPreview(conv) != "" })
		h.Settle()
		if got := h.Unread(conv); got != 0 {
			t.Fatalf("%s: the accepted request shows as %d unread", h.SelfID(), got)
		}
		if got := h.ConversationPreview(conv); got != want[h] {
			t.Fatalf("%s: preview %q, want %q", h.SelfID(), got, want[h])
		}
	}

	// Bob's next sign-in (a fresh list from the node; it signs the first window out) shows no
	// unread either.
	again := ui.NewHarness(t, a, backendOf(t, n), ui.HarnessOptions{RealClock: true})
	again.WaitText("Sign in to LanIM")
	again.Fill("bob", "password1")
	again.Tap("Sign in")
	again.SignedIn()
	again.WaitFor("the chat in the fresh list", func() bool { return again.Unread(conv) >= 0 })
	again.Settle()
	if got := again.Unread(conv); got != 0 {
		t.Fatalf("bob's fresh list: %d unread", got)
	}

	// Ann's first message is Bob's first unread.
	ann.OpenChatWith("bob")
	ann.Compose("Welcome Bob")
	ann.WaitChat("ann: Welcome Bob")
	again.WaitFor("ann's message in bob's row", func() bool { return again.ConversationPreview(conv) == "Welcome Bob" })
	again.Settle()
	if got := again.Unread(conv); got != 1 {
		t.Fatalf("bob after ann's first message: %d unread, want 1", got)
	}
	again.OpenChatWith("ann")
	again.WaitChat("— Your friend request was accepted. Say hello!")
}
