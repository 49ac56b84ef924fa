package app

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"lanim/node/pb"
	"lanim/ui"
)

// TestSeedDemo: the demo's sample office, seeded through the API of a real node, is the one the
// screenshots show: six accounts with the demo password, the office and its admins, Ann's chats
// with their unread counts, pin, mute and mention, and the requests waiting for her.
func TestSeedDemo(t *testing.T) {
	clock := &demoClock{}
	cfg := &NodeConfig{DataDir: t.TempDir(), APIAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0",
		Cluster: ClusterFlags{Discovery: "off"}, Now: clock.now}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n, err := StartNode(context.Background(), cfg, io.Discard, log)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	newBackend := func() *ui.ClientBackend {
		b := ui.NewClientBackend(ui.ClientConfig{APIAddr: n.APIAddr(), WSAddr: n.WSAddr(), AdminSecret: n.AdminSecret, Log: log})
		t.Cleanup(b.Close)
		return b
	}
	now := time.Now()
	session, err := seedDemo(context.Background(), newBackend, clock, now)
	if err != nil {
		t.Fatal(err)
	}
	if session.UserID != "ann" {
		t.Fatalf("the demo's session is %q's", session.UserID)
	}
	if got := clock.now(); time.Since(got).Abs() > time.Minute {
		t.Fatalf("the clock stays at %v after seeding", got)
	}
	ctx := context.Background()
	for _, p := range demoPeople[1:] {
		if _, err := newBackend().SignIn(ctx, p.id, demoPassword); err != nil {
			t.Fatalf("%s signs in: %v", p.id, err)
		}
	}
	ann := newBackend()
	if err := ann.Resume(ctx, session); err != nil {
		t.Fatal(err)
	}
	st, err := ann.ClusterStatus(ctx)
	if err != nil || st.OfficeName != "Acme Design Studio" || !slices.Equal(st.OfficeAdmins, []string{"ann", "cyrus"}) {
		t.Fatalf("office %+v %v", st, err)
	}

	convs, err := ann.Conversations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		unread        int64
		pinned, muted bool
		atMe          bool
	}
	got := map[string]row{}
	for _, c := range convs {
		got[c.Name] = row{c.Unread(), c.Pinned, c.Muted(), c.AtMe}
	}
	want := map[string]row{
		"Design team": {unread: 2, pinned: true, atMe: true}, "Eve Adams": {unread: 2}, "Bob Martin": {unread: 2},
		"Dana Kovac": {}, "Cy (IT)": {}, "Lunch club": {muted: true},
	}
	if len(got) != len(want) {
		t.Fatalf("ann's conversations %+v, want %+v", got, want)
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %+v, want %+v", name, got[name], w)
		}
	}
	// Sent days ago, by the node's clock.
	for _, c := range convs {
		if c.Name == "Lunch club" && !time.UnixMilli(c.LastMsg.GetSendTime()).Before(now.AddDate(0, 0, -1)) {
			t.Errorf("the lunch club's last message is from %v", c.LastMsg.SendTime)
		}
	}

	friends, err := ann.Friends(ctx)
	if err != nil || len(friends) != 4 {
		t.Fatalf("ann's friends: %d %v", len(friends), err)
	}
	in, _, err := ann.FriendRequests(ctx)
	if err != nil || !slices.ContainsFunc(in, func(r *pb.FriendRequest) bool { return r.FromUserID == "farid" && r.HandleResult == 0 }) {
		t.Fatalf("farid's friend request: %v %v", in, err)
	}
	reqs, err := ann.GroupRequests(ctx)
	if err != nil || len(reqs) != 1 || reqs[0].UserInfo.GetUserID() != "farid" {
		t.Fatalf("join requests: %v %v", reqs, err)
	}
}
