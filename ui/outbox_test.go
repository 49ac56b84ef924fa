package ui

import (
	"encoding/json"
	"testing"
	"time"
)

// The node's outbox figures in /cluster/status are read into the status, not listed as extras.
func TestParseClusterStatusOutbox(t *testing.T) {
	var raw map[string]any
	json.Unmarshal([]byte(`{"nodeID":"n1","leaderID":"","outboxDepth":12,"outboxOldestAgeMs":95000}`), &raw)
	st := parseClusterStatus(raw)
	if st.Outbox != 12 || st.OutboxOldest != 95*time.Second || len(st.Extra) != 0 {
		t.Fatalf("outbox %d, oldest %v, extra %+v", st.Outbox, st.OutboxOldest, st.Extra)
	}
}

// TestOfficePanelShowsOutbox: a message sent without a quorum waits in this computer's outbox, and
// the office panel says so until the office is back.
func TestOfficePanelShowsOutbox(t *testing.T) {
	o, _, hs := memApp(t, "ann", "bob")
	befriend(t, o, "ann", "bob")
	ann := hs["ann"]
	ann.WaitFor("bob as a friend", func() bool { return len(ann.C.friends) == 1 })
	ann.OpenChatWith("bob")
	o.SetQuorum(false)
	ann.Compose("sent while the office sleeps")
	ann.WaitChat("ann: sent while the office sleeps [Waiting for the office]")
	ann.Section("office")
	ann.WaitText("1 message waiting here for the office")
	o.SetQuorum(true)
	ann.Tap("Refresh")
	ann.WaitFor("the outbox line to go", func() bool { return !ann.Shows("waiting here for the office") })
}
