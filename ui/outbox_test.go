package ui

import (
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
