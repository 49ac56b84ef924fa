package ui

import (
	"strings"
	"testing"
	"time"

	"lanim/node/client"
)

// The node's outbox figures in /cluster/status are read into the status, not listed as extras.
func TestOfficeStatusOutbox(t *testing.T) {
	st := officeStatus(&client.ClusterStatus{NodeID: "n1", OutboxDepth: 12, OutboxOldestAgeMs: 95000})
	if st.Outbox != 12 || st.OutboxOldest != 95*time.Second {
		t.Fatalf("outbox %d, oldest %v", st.Outbox, st.OutboxOldest)
	}
	for _, kv := range st.Extra {
		if kv.Key == "Outbox depth" || kv.Key == "outboxDepth" {
			t.Fatalf("the outbox listed as an extra: %+v", st.Extra)
		}
	}
}

// TestOfficePanelShowsOutbox: a message sent without a quorum waits in this computer's outbox, and
// the office panel says so until the office is back.
func TestOfficePanelShowsOutbox(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob")
	ann := hs["ann"]
	befriend(t, ann, hs["bob"])
	ann.OpenChatWith("bob")
	probeOf(ann).cut()
	ann.Compose("sent while the office sleeps")
	ann.WaitChat("ann: sent while the office sleeps [Waiting for the office]")
	ann.Section("office")
	ann.WaitText("1 message waiting here for the office")
	probeOf(ann).reconnect(t)
	ann.Tap("Refresh")
	ann.WaitFor("the outbox line to go", func() bool { return !ann.Shows("waiting here for the office") })
}

// TestPeerPendingShownThenReplaced: without a quorum, ann's message waits in her computer's
// outbox; bob's app, reached by the relay, shows it at once marked "Waiting for the office", and
// when the office commits it the stored message takes its place: one bubble, no marker.
func TestPeerPendingShownThenReplaced(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob")
	ann, bob := hs["ann"], hs["bob"]
	befriend(t, ann, bob)
	ann.OpenChatWith("bob")
	bob.OpenChatWith("ann")
	probeOf(ann).cut()
	ann.Compose("still there?")
	ann.WaitChat("ann: still there? [Waiting for the office]")
	held := probeOf(ann).held()
	if len(held) != 1 {
		t.Fatalf("%d sends held", len(held))
	}
	probeOf(bob).relayed(held[0])
	bob.WaitChat("ann: still there? [Waiting for the office]")
	probeOf(bob).relayed(held[0]) // relayed twice (a retry queued it again): still one bubble
	bob.Settle()
	if n := chatCount(bob, "still there?"); n != 1 {
		t.Fatalf("the waiting message shown %d times: %q", n, bob.ChatLines())
	}
	probeOf(ann).reconnect(t)
	bob.WaitFor("the committed message in place of the waiting one", func() bool {
		return !bob.ChatShows("Waiting for the office") && bob.ChatShows("ann: still there?")
	})
	probeOf(bob).relayed(held[0]) // a copy that arrives after the commit changes nothing
	bob.Settle()
	if chatCount(bob, "still there?") != 1 || bob.ChatShows("Waiting for the office") {
		t.Fatalf("bob's chat: %q", bob.ChatLines())
	}
}

// chatCount counts the chat rows that contain s.
func chatCount(h *Harness, s string) int {
	n := 0
	for _, l := range h.ChatLines() {
		if strings.Contains(l, s) {
			n++
		}
	}
	return n
}
