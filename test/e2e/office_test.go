package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"lanim/node/client"
	"lanim/test/nodeproc"
)

// Office-level settings and people across two real nodes: the office's name, the office admin
// role (invite and leave without the admin secret), office-wide presence and LAN discovery.

// TestClusterOfficeAdmins: the name and the office admin role are replicated state; an office
// admin invites, renames and grants from any node with their own token and makes their own
// computer leave; everyone else is refused; imAdmin keeps its contract.
func TestClusterOfficeAdmins(t *testing.T) {
	o := startOffice(t, 2)
	n1, n2 := o.members[0], o.members[1]
	n1.RegisterUsers(t, "alice", "bob", "carol")
	waitUsers(t, n2.Node, "alice", "bob", "carol")
	alice := n2.UserToken(t, "alice", 5) // alice works on the second computer
	bob := n1.UserToken(t, "bob", 5)
	bob2 := n2.UserToken(t, "bob", 3)

	if st := n2.status(t); st.OfficeName != "LanIM office" || len(st.OfficeAdmins) != 0 || st.OfficeAdmins == nil {
		t.Fatalf("a new office: name %q, admins %v", st.OfficeName, st.OfficeAdmins)
	}
	// Without the role a user is refused everything office-level.
	n2.PostErr(t, "/cluster/invite", alice, nil, 1002)
	n2.PostErr(t, "/cluster/set_office_name", alice, map[string]any{"officeName": "Mine"}, 1002)
	n2.PostErr(t, "/cluster/set_office_admin", alice, map[string]any{"userID": "alice", "officeAdmin": true}, 1002)
	n1.PostErr(t, "/cluster/leave", bob, nil, 1002)

	// imAdmin (on the founding computer) makes alice an office admin; on the second computer
	// she then invites and renames with her own token.
	n1.PostOK(t, "/cluster/set_office_admin", n1.AdminToken, map[string]any{"userID": "alice", "officeAdmin": true}, nil)
	pollUntil(t, settleTimeout, func() bool { return n2.Post(t, "/cluster/invite", alice, nil).ErrCode == 0 })
	var inv client.Invite
	n2.PostOK(t, "/cluster/invite", alice, nil, &inv)
	if !strings.HasPrefix(inv.JoinCode, "lanim1-") {
		t.Fatalf("alice's join code %q", inv.JoinCode)
	}
	n2.PostOK(t, "/cluster/set_office_name", alice, map[string]any{"officeName": "  Acme Design  "}, nil)
	for _, bad := range []string{"", "   ", strings.Repeat("x", 61), "two\nlines"} {
		n2.PostErr(t, "/cluster/set_office_name", alice, map[string]any{"officeName": bad}, 1001)
	}
	o.statuses(t, "the new name and admin on both nodes", func(sts []client.ClusterStatus) bool {
		for _, st := range sts {
			if st.OfficeName != "Acme Design" || !slices.Equal(st.OfficeAdmins, []string{"alice"}) {
				return false
			}
		}
		return true
	})

	// Grant and revoke: alice makes bob an admin, bob takes the role from alice, and the last
	// admin cannot step down.
	n2.PostOK(t, "/cluster/set_office_admin", alice, map[string]any{"userID": "bob", "officeAdmin": true}, nil)
	n2.PostErr(t, "/cluster/set_office_admin", alice, map[string]any{"userID": "nobody", "officeAdmin": true}, 1004)
	pollUntil(t, settleTimeout, func() bool {
		return n1.Post(t, "/cluster/set_office_admin", bob, map[string]any{"userID": "alice"}).ErrCode == 0
	})
	pollUntil(t, settleTimeout, func() bool { return n2.Post(t, "/cluster/invite", alice, nil).ErrCode == 1002 })
	n1.PostErr(t, "/cluster/set_office_admin", bob, map[string]any{"userID": "bob"}, 1001)
	// The admin token's contract is unchanged.
	n1.PostOK(t, "/cluster/invite", n1.AdminToken, nil, &inv)

	// bob, an office admin, makes his own (second) computer leave with his token there.
	n2.PostOK(t, "/cluster/leave", bob2, nil, nil)
	if !n2.WaitExit(stopTimeout) {
		t.Fatalf("node %s still runs after its office admin made it leave", n2.APIAddr)
	}
	sts := o.waitVoters(t, 1)
	if len(sts[0].Members) != 1 || sts[0].OfficeName != "Acme Design" {
		t.Fatalf("after the leave: %s", describe(sts))
	}
}

// TestClusterPresenceAcrossNodes: alice connects to the first node before the second one exists;
// bob on the second node still sees her online, by REST and by a 2005 subscription (the relay's
// greeting carries who is online), and sees her go offline. The office panel's list agrees.
func TestClusterPresenceAcrossNodes(t *testing.T) {
	o := startOffice(t, 1)
	n1 := o.members[0]
	n1.RegisterUsers(t, "alice", "bob")
	alice := wsDial(t, n1.Node, "alice", 5, n1.UserToken(t, "alice", 5), client.DialOptions{})

	n2 := o.join(t)
	o.waitVoters(t, officeVoters(2))
	waitUsers(t, n2.Node, "alice", "bob")
	bobTok := n2.UserToken(t, "bob", 3)
	type online struct {
		UserID               string `json:"userID"`
		Status               int32  `json:"status"`
		DetailPlatformStatus []struct {
			PlatformID int32  `json:"platformID"`
			Platform   string `json:"platform"`
		} `json:"detailPlatformStatus"`
	}
	restStatus := func(n *member, token string) string {
		var out []online
		n.PostOK(t, "/user/get_users_online_status", token, map[string]any{"userIDs": []string{"alice", "bob"}}, &out)
		var b strings.Builder
		for _, u := range out {
			fmt.Fprintf(&b, "%s:%d", u.UserID, u.Status)
			for _, p := range u.DetailPlatformStatus {
				fmt.Fprintf(&b, "/%d-%s", p.PlatformID, p.Platform)
			}
			b.WriteString(" ")
		}
		return strings.TrimSpace(b.String())
	}
	pollUntil(t, settleTimeout, func() bool { return restStatus(n2, bobTok) == "alice:1/5-Web bob:0" })
	n2.PostErr(t, "/user/get_users_online_status", bobTok, map[string]any{"userIDs": []string{}}, 1001)

	bob := wsDial(t, n2.Node, "bob", 3, bobTok, client.DialOptions{})
	tips, err := bob.SubscribeStatus(wsCtx(t, ""), []string{"alice"}, nil)
	if err != nil || len(tips.Subscribers) != 1 || fmt.Sprint(tips.Subscribers[0].OnlinePlatformIDs) != "[5]" {
		t.Fatalf("bob's 2005 subscription to alice on node 2: %+v %v", tips, err)
	}
	// The other way round: node 1 learns bob through the relay's ordinary events.
	aliceTok := n1.UserToken(t, "alice", 3)
	pollUntil(t, settleTimeout, func() bool { return restStatus(n1, aliceTok) == "alice:1/5-Web bob:1/3-Windows" })
	for _, m := range []*member{n1, n2} {
		if st := m.status(t); !slices.Equal(st.OnlineUserIDs, []string{"alice", "bob"}) {
			t.Fatalf("node %s lists online %v", st.NodeID, st.OnlineUserIDs)
		}
	}

	alice.Close()
	deadline := time.After(wsTimeout)
	for offline := false; !offline; {
		select {
		case p := <-bob.Pushes():
			offline = p.Status != nil && len(p.Status.Subscribers) == 1 &&
				p.Status.Subscribers[0].UserID == "alice" && len(p.Status.Subscribers[0].OnlinePlatformIDs) == 0
		case <-deadline:
			t.Fatal("bob on node 2 never saw alice go offline")
		}
	}
	if got := restStatus(n2, bobTok); got != "alice:0 bob:1/3-Windows" {
		t.Fatalf("after alice left, node 2 says %s", got)
	}
}

// TestDiscoverWithoutToken: a caller on this machine lists the offices on the LAN before having
// an account; a node whose discovery is off says so and sends nothing.
func TestDiscoverWithoutToken(t *testing.T) {
	t.Parallel()
	n := startNode(t, "--cluster-addr", nodeproc.MustFreeAddr(t), "--discovery", "off")
	var out client.Discovery
	n.PostOK(t, "/cluster/discover", "", nil, &out)
	if out.Enabled || out.Offices == nil || len(out.Offices) != 0 {
		t.Fatalf("discover with discovery off: %+v", out)
	}
	n.PostErr(t, "/cluster/discover", "not-a-token", nil, 1503)
}

// TestClusterChatNeedsFriendship: colleagues who are not friends chat by default; an office admin
// (not anyone else) makes single chats need a friendship, every node's status says so, and a
// non-friend's message is then refused with 1303 until the admin turns the rule off again.
func TestClusterChatNeedsFriendship(t *testing.T) {
	o := startOffice(t, 2)
	n1, n2 := o.members[0], o.members[1]
	n1.RegisterUsers(t, "alice", "bob", "carol")
	waitUsers(t, n2.Node, "alice", "bob", "carol")
	c := &chat{n: n2.Node, tokens: map[string]string{"alice": n2.UserToken(t, "alice", 5), "bob": n2.UserToken(t, "bob", 3)}}
	rule := func(on bool) map[string]any { return map[string]any{"requireFriendship": on} }

	if st := n2.status(t); st.RequireFriendship {
		t.Fatal("a new office requires a friendship")
	}
	c.send(t, c.textMsg("bob", "carol", "colleagues chat without a friendship"))
	n2.PostErr(t, "/cluster/set_require_friendship", c.tokens["bob"], rule(true), 1002)
	n1.PostOK(t, "/cluster/set_office_admin", n1.AdminToken, map[string]any{"userID": "alice", "officeAdmin": true}, nil)
	pollUntil(t, settleTimeout, func() bool {
		return n2.Post(t, "/cluster/set_require_friendship", c.tokens["alice"], rule(true)).ErrCode == 0
	})
	o.statuses(t, "the rule on both nodes", func(sts []client.ClusterStatus) bool {
		for _, st := range sts {
			if !st.RequireFriendship {
				return false
			}
		}
		return true
	})
	env := n2.PostErr(t, "/msg/send_msg", c.tokens["bob"], map[string]any{"msgData": c.textMsg("bob", "carol", "refused")}, 1303)
	if !strings.Contains(env.ErrDlt, "friendship") {
		t.Errorf("the refusal does not say why: %+v", env)
	}
	n2.PostOK(t, "/cluster/set_require_friendship", c.tokens["alice"], rule(false), nil)
	c.send(t, c.textMsg("bob", "carol", "the rule is off again"))
	carol := &chat{n: n1.Node, tokens: map[string]string{"carol": n1.UserToken(t, "carol", 5)}}
	want := []string{"colleagues chat without a friendship", "the rule is off again"}
	pollUntil(t, settleTimeout, func() bool { return slices.Equal(carol.texts(t, "carol", siID("bob", "carol")), want) })
}
