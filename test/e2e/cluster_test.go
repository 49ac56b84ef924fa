package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lanim/node/client"
	"lanim/node/pb"
	"lanim/test/nodeproc"
)

// Office clusters: 3 and 5 real `lanim node` processes on 127.0.0.1, joined with join codes over
// their cluster ports. Discovery is off: mDNS would join the host's multicast group, so these
// tests find each other only through --join and the join codes.

// settleTimeout bounds what a cluster needs to settle: an election, a join, a promotion, catch-up.
const settleTimeout = 60 * time.Second

// clusterFlags are given to every test member: no mDNS, promotion after one stable second.
var clusterFlags = []string{"--discovery", "off", "--autopilot-stabilization", "1s"}

// member is one node of an office.
type member struct {
	*Node
	ClusterAddr string
}

// office is a cluster of members sharing one admin secret (the founder's).
type office struct {
	secret  string
	args    []string
	members []*member
}

// startOffice founds an office and joins members until it has size, then waits until
// officeVoters(size) of them are healthy voters and every member applied the same log.
func startOffice(t *testing.T, size int, extraArgs ...string) *office {
	t.Helper()
	o := foundOffice(t, extraArgs...)
	for len(o.members) < size {
		o.join(t)
	}
	o.waitVoters(t, officeVoters(size))
	o.converged(t)
	return o
}

// foundOffice starts an office's founder; every member of it gets extraArgs after clusterFlags.
func foundOffice(t *testing.T, extraArgs ...string) *office {
	t.Helper()
	o := &office{secret: rand.Text(), args: append(slices.Clone(clusterFlags), extraArgs...)}
	addr := nodeproc.MustFreeAddr(t)
	founder := newNode(t, o.secret, append([]string{"--cluster-addr", addr}, o.args...)...)
	founder.start(t)
	o.members = append(o.members, &member{Node: founder, ClusterAddr: addr})
	return o
}

// invite asks a member for a join code.
func (o *office) invite(t *testing.T, via *member) string {
	t.Helper()
	code, _ := o.inviteBoth(t, via)
	return code
}

// inviteBoth asks a member for an invite, as its long and its short join code.
func (o *office) inviteBoth(t *testing.T, via *member) (code, short string) {
	t.Helper()
	var out client.Invite
	via.PostOK(t, "/cluster/invite", via.AdminToken, nil, &out)
	if !strings.HasPrefix(out.JoinCode, "lanim1-") { // an older release answers no short code
		t.Fatalf("join code %q", out.JoinCode)
	}
	return out.JoinCode, out.ShortCode
}

// join adds a member with a fresh join code from a live member.
func (o *office) join(t *testing.T) *member {
	t.Helper()
	return o.joinWith(t, o.invite(t, o.live()[0]))
}

// joinWith adds a member with code, dialling the newest live member (join invites come from the
// oldest, so a join often goes through a follower that must check the code with the leader).
func (o *office) joinWith(t *testing.T, code string) *member {
	t.Helper()
	live := o.live()
	via := live[len(live)-1]
	addr := nodeproc.MustFreeAddr(t)
	n := newNode(t, o.secret, append([]string{"--cluster-addr", addr, "--join", via.ClusterAddr, "--join-code", code},
		o.args...)...)
	n.start(t)
	m := &member{Node: n, ClusterAddr: addr}
	o.members = append(o.members, m)
	return m
}

// live is the members whose process runs.
func (o *office) live() []*member {
	var out []*member
	for _, m := range o.members {
		if m.Running() {
			out = append(out, m)
		}
	}
	return out
}

// status is a member's /cluster/status.
func (m *member) status(t *testing.T) client.ClusterStatus {
	t.Helper()
	var st client.ClusterStatus
	m.PostOK(t, "/cluster/status", m.AdminToken, nil, &st)
	return st
}

// tryStatus is status for polling: an error instead of a failed test.
func (m *member) tryStatus() (client.ClusterStatus, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	env, err := m.post(ctx, "/cluster/status", m.AdminToken, nil)
	if err != nil {
		return client.ClusterStatus{}, err
	}
	if env.ErrCode != 0 {
		return client.ClusterStatus{}, fmt.Errorf("errCode %d %s", env.ErrCode, env.ErrDlt)
	}
	var st client.ClusterStatus
	return st, json.Unmarshal(env.Data, &st)
}

// statuses polls every live member until cond holds for all their statuses together.
func (o *office) statuses(t *testing.T, what string, cond func([]client.ClusterStatus) bool) []client.ClusterStatus {
	t.Helper()
	var last []client.ClusterStatus
	var lastErr error
	deadline := time.Now().Add(settleTimeout)
	for attempt := 0; attempt <= int(settleTimeout/(100*time.Millisecond)) && time.Now().Before(deadline); attempt++ {
		last, lastErr = nil, nil
		for _, m := range o.live() {
			st, err := m.tryStatus()
			if err != nil {
				lastErr = fmt.Errorf("%s: %w", m.APIAddr, err)
				break
			}
			last = append(last, st)
		}
		if lastErr == nil && cond(last) {
			return last
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("office did not reach %s within %v; last error %v; statuses:\n%s", what, settleTimeout, lastErr,
		describe(last))
	return nil
}

func describe(sts []client.ClusterStatus) string {
	var b strings.Builder
	for _, st := range sts {
		fmt.Fprintf(&b, "  node %s leader %s applied %d digest %.12s members", st.NodeID, st.LeaderID, st.AppliedIndex,
			st.StateDigest)
		for _, m := range st.Members {
			fmt.Fprintf(&b, " %s/%s/%v", m.NodeID, m.Suffrage, m.Healthy)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// waitVoters waits until every live member reports the same leader and voters healthy voters.
func (o *office) waitVoters(t *testing.T, voters int) []client.ClusterStatus {
	t.Helper()
	return o.statuses(t, fmt.Sprintf("%d healthy voters", voters), func(sts []client.ClusterStatus) bool {
		for _, st := range sts {
			n := 0
			for _, m := range st.Members {
				if m.Suffrage == "voter" && m.Healthy {
					n++
				}
			}
			if n != voters || st.LeaderID == "" || st.LeaderID != sts[0].LeaderID {
				return false
			}
		}
		return true
	})
}

// converged waits until every live member applied the same log: equal applied index and state
// digest, the same leader, and the same office.
func (o *office) converged(t *testing.T) []client.ClusterStatus {
	t.Helper()
	return o.statuses(t, "one applied index and state digest", func(sts []client.ClusterStatus) bool {
		for _, st := range sts {
			if st.StateDigest != sts[0].StateDigest {
				return false
			}
		}
		return sameIndex(sts)
	})
}

// caughtUp waits until every live member has applied the same index under one leader of one office,
// without comparing state digests (members running different releases digest different schemas).
func (o *office) caughtUp(t *testing.T) []client.ClusterStatus {
	t.Helper()
	return o.statuses(t, "one applied index", sameIndex)
}

// sameIndex reports whether the members have applied one index under one leader of one office.
func sameIndex(sts []client.ClusterStatus) bool {
	for _, st := range sts {
		if st.AppliedIndex == 0 || st.AppliedIndex != sts[0].AppliedIndex ||
			st.LeaderID == "" || st.LeaderID != sts[0].LeaderID || st.OfficeID != sts[0].OfficeID {
			return false
		}
	}
	return true
}

// leader is the live member every live member names as the leader.
func (o *office) leader(t *testing.T) *member {
	t.Helper()
	var id string
	o.statuses(t, "an agreed leader among the live members", func(sts []client.ClusterStatus) bool {
		id = sts[0].LeaderID
		for _, st := range sts {
			if st.LeaderID != id {
				return false
			}
		}
		for _, st := range sts {
			if st.NodeID == id {
				return true
			}
		}
		return false
	})
	for _, m := range o.live() {
		if m.status(t).NodeID == id {
			return m
		}
	}
	t.Fatalf("leader %s is not a live member", id)
	return nil
}

// follower is a live member that does not lead.
func (o *office) follower(t *testing.T) *member {
	t.Helper()
	l := o.leader(t)
	for _, m := range o.live() {
		if m != l {
			return m
		}
	}
	t.Fatal("no follower")
	return nil
}

// waitUsers polls a member until get_users_info returns every one of ids (writes made elsewhere
// reach it asynchronously).
func waitUsers(t *testing.T, n *Node, ids ...string) {
	t.Helper()
	pollUntil(t, settleTimeout, func() bool {
		var out struct {
			UsersInfo []struct {
				UserID string `json:"userID"`
			} `json:"usersInfo"`
		}
		n.PostOK(t, "/user/get_users_info", n.AdminToken, map[string]any{"userIDs": ids}, &out)
		return len(out.UsersInfo) == len(ids)
	})
}

// TestClusterThreeNodes: an office of three; status on every node; writes on any node reach all;
// tokens of one node work on the others; read-your-writes on the node that forwarded.
func TestClusterThreeNodes(t *testing.T) {
	o := startOffice(t, 3)
	sts := o.converged(t)
	ids := map[string]bool{}
	for _, st := range sts {
		ids[st.NodeID] = true
		if st.OfficeID == "" || len(st.Members) != 3 || len(st.StateDigest) != 64 {
			t.Fatalf("status %+v", st)
		}
		for _, m := range st.Members {
			if m.Suffrage != "voter" || !m.Healthy || m.Address == "" {
				t.Fatalf("member %+v", m)
			}
		}
	}
	if len(ids) != 3 {
		t.Fatalf("node IDs %v", ids)
	}

	var all []string
	for i, m := range o.members {
		id := fmt.Sprintf("user%d", i)
		m.RegisterUsers(t, id)
		requireUser(t, m.Node, id) // read-your-writes, also on a follower
		all = append(all, id)
	}
	for _, m := range o.members {
		waitUsers(t, m.Node, all...)
	}
	// A token from one node is valid on another once that node applied its issue: the office key
	// and the token table are replicated state.
	tok := o.members[1].UserToken(t, "user0", 5)
	pollUntil(t, settleTimeout, func() bool {
		return o.members[2].Post(t, "/user/get_users_info", tok, map[string]any{"userIDs": []string{"user0"}}).ErrCode == 0
	})
	o.converged(t)
}

// TestClusterLeaderKill: kill -9 the leader; a new leader is elected, no acknowledged write is
// lost, writes go on, and the killed node restarts from its data dir and catches up.
func TestClusterLeaderKill(t *testing.T) {
	o := startOffice(t, 3)
	var acked []string
	register := func(m *member, n int) {
		for i := 0; i < n; i++ {
			id := fmt.Sprintf("k%02d", len(acked))
			m.RegisterUsers(t, id)
			acked = append(acked, id)
		}
	}
	register(o.follower(t), 10)
	old := o.leader(t)
	register(old, 5)
	old.Kill9(t)

	newLeader := o.leader(t)
	if newLeader == old {
		t.Fatal("the killed node still leads")
	}
	for _, m := range o.live() {
		waitUsers(t, m.Node, acked...)
	}
	register(o.follower(t), 5)
	register(newLeader, 5)

	old.Restart(t) // no flags beyond the first start's: it rejoins from its data dir
	for _, m := range o.members {
		waitUsers(t, m.Node, acked...)
	}
	o.waitVoters(t, 3)
	o.converged(t)
}

// TestClusterMinorityQueuesSends: a node cut off from the majority (the others killed) keeps
// serving reads, answers sends with 1690 (queued, clientMsgID in errDlt) and other writes with
// 1691; once a quorum is back the queued messages are committed in order, once each.
func TestClusterMinorityQueuesSends(t *testing.T) {
	o := startOffice(t, 3)
	lone := o.members[0]
	lone.RegisterUsers(t, "alice", "bob")
	c := &chat{n: lone.Node, tokens: map[string]string{adminUserID: lone.AdminToken}}
	for _, u := range []string{"alice", "bob"} {
		c.tokens[u] = lone.UserToken(t, u, 5)
	}
	c.send(t, c.textMsg("alice", "bob", "before"))
	o.converged(t)
	for _, m := range o.members[1:] {
		m.Kill9(t)
	}

	var queued []string
	for _, words := range []string{"one", "two", "three"} {
		m := c.textMsg("alice", "bob", words)
		env := lone.PostErr(t, "/msg/send_msg", c.tokens["alice"], map[string]any{"msgData": m}, 1690)
		if env.ErrDlt != m.ClientMsgID {
			t.Fatalf("queued send: errDlt %q, want the clientMsgID %q", env.ErrDlt, m.ClientMsgID)
		}
		queued = append(queued, words)
	}
	// A client's retry of a queued message is queued once.
	retry := c.textMsg("alice", "bob", "four")
	for range 2 {
		lone.PostErr(t, "/msg/send_msg", c.tokens["alice"], map[string]any{"msgData": retry}, 1690)
	}
	queued = append(queued, "four")
	lone.PostErr(t, "/user/user_register", lone.AdminToken,
		map[string]any{"users": []map[string]string{{"userID": "carol", "nickname": "C"}}}, 1691)
	// Reads go on from the local replica.
	requireUser(t, lone.Node, "bob")
	if got := c.texts(t, "bob", siID("alice", "bob")); !slices.Equal(got, []string{"before"}) {
		t.Fatalf("before the heal bob reads %v", got)
	}

	o.members[1].Restart(t)
	want := append([]string{"before"}, queued...)
	for _, m := range o.live() {
		mc := &chat{n: m.Node, tokens: c.tokens}
		pollUntil(t, settleTimeout, func() bool {
			return slices.Equal(mc.texts(t, "bob", siID("alice", "bob")), want)
		})
	}
	o.members[2].Restart(t)
	o.converged(t)
	if got := (&chat{n: o.members[2].Node, tokens: c.tokens}).texts(t, "bob", siID("alice", "bob")); !slices.Equal(got, want) {
		t.Fatalf("after the heal node 2 reads %v, want %v", got, want)
	}
}

// TestClusterJoinRefused: a wrong, reused, malformed or foreign join code, long or short, is
// refused; the refused node gets no certificate. The fresh code's short form then admits a node
// through a follower, which asks the leader to match its proof.
func TestClusterJoinRefused(t *testing.T) {
	o := startOffice(t, 1)
	used, usedShort := o.inviteBoth(t, o.members[0])
	fresh, freshShort := o.inviteBoth(t, o.members[0])
	for _, short := range []string{usedShort, freshShort} {
		if len(strings.ReplaceAll(short, "-", "")) != 16 {
			t.Fatalf("short join code %q", short)
		}
	}
	o.joinWith(t, used)

	cases := []struct {
		name, code, want string
	}{
		{"wrong secret", flipChar(fresh, 54), "not valid"},
		{"reused", used, "not valid"},
		{"reused, short", usedShort, "not valid"},
		{"wrong short code", flipShort(freshShort), "not valid"},
		{"malformed", "lanim1-nonsense", "malformed"},
		{"forged office certificate", flipChar(fresh, 10), "does not match"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out, code := runLanim(t, 60*time.Second, append([]string{"node", "--data", dir, "--api-addr", nodeproc.MustFreeAddr(t),
				"--ws-addr", nodeproc.MustFreeAddr(t), "--cluster-addr", nodeproc.MustFreeAddr(t), "--join", o.members[0].ClusterAddr,
				"--join-code", tc.code}, clusterFlags...)...)
			if code == 0 || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, want a failure mentioning %q; output:\n%s", code, tc.want, out)
			}
			if _, err := os.Stat(filepath.Join(dir, "cluster", "node.pem")); err == nil {
				t.Fatal("a refused node got a certificate")
			}
		})
	}
	// The failed attempts did not burn the fresh code: its short form still admits one node.
	o.joinWith(t, freshShort)
	o.waitVoters(t, 3)
	o.converged(t)
}

// flipShort changes the first character of a short join code to another of its alphabet.
func flipShort(code string) string {
	r := byte('2')
	if code[0] == '2' {
		r = '3'
	}
	return string(r) + code[1:]
}

// flipChar changes the base64 character at i of a join code's payload. The payload is version (byte
// 0), CA pin (1-32), secret (33-42): character 10 holds bits of pin bytes 7-8, character 54 bits
// of secret bytes 40-41.
func flipChar(code string, i int) string {
	i += len("lanim1-")
	r := byte('A')
	if code[i] == 'A' {
		r = 'B'
	}
	return code[:i] + string(r) + code[i+1:]
}

// TestClusterFiveNodesGracefulLeave: an office of five voters; two voters (one of them the
// leader) leave gracefully; the three left keep the office writable and agree on its state. A
// node that left does not start as a member again.
func TestClusterFiveNodesGracefulLeave(t *testing.T) {
	o := startOffice(t, 5)
	for i, m := range o.members {
		m.RegisterUsers(t, fmt.Sprintf("five%d", i))
	}
	o.converged(t)

	leaving := []*member{o.leader(t), o.follower(t)}
	for _, m := range leaving {
		m.PostOK(t, "/cluster/leave", m.AdminToken, nil, nil)
		if !m.WaitExit(stopTimeout) {
			t.Fatalf("node %s still runs after leaving", m.APIAddr)
		}
		if code := m.Cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("node %s exited %d after leaving", m.APIAddr, code)
		}
	}
	sts := o.waitVoters(t, 3)
	for _, st := range sts {
		if len(st.Members) != 3 {
			t.Fatalf("members after two left: %s", describe(sts))
		}
	}
	for i, m := range o.live() {
		m.RegisterUsers(t, fmt.Sprintf("after%d", i))
	}
	o.converged(t)

	out, code := runLanim(t, 60*time.Second, leaving[0].Args...)
	if code == 0 || !strings.Contains(out, "left its office") {
		t.Fatalf("a node that left started again: exit %d\n%s", code, out)
	}
}

// TestClusterSnapshotInstall: with a tiny snapshot threshold the log is compacted; a follower
// that was down meanwhile, and a node that joins afterwards, catch up from a snapshot.
func TestClusterSnapshotInstall(t *testing.T) {
	o := startOffice(t, 3, "--raft-snapshot-threshold", "8", "--raft-trailing-logs", "2",
		"--raft-snapshot-interval", "100ms")
	victim := o.follower(t)
	behind := victim.status(t).AppliedIndex
	victim.Kill9(t)
	leader := o.leader(t)
	var ids []string
	for i := range 40 {
		id := fmt.Sprintf("snap%02d", i)
		leader.RegisterUsers(t, id)
		ids = append(ids, id)
	}
	// The leader compacts its log past the victim's last entry: its newest snapshot is well beyond
	// it (a snapshot keeps 2 trailing entries).
	pollUntil(t, settleTimeout, func() bool { return newestSnapshot(t, leader.Node) > behind+4 })

	mark := logSize(t, victim.Node)
	victim.Restart(t)
	newcomer := o.join(t)
	for _, m := range []*Node{victim.Node, newcomer.Node} {
		waitUsers(t, m, ids...)
	}
	if !strings.Contains(readFrom(t, victim.Node, mark), "installed a snapshot") {
		t.Fatalf("the restarted follower caught up without a snapshot install; log:\n%s", victim.logTail())
	}
	if !strings.Contains(readFrom(t, newcomer.Node, 0), "installed a snapshot") {
		t.Fatalf("the newcomer caught up without a snapshot install; log:\n%s", newcomer.logTail())
	}
	o.converged(t)
}

func logSize(t *testing.T, n *Node) int64 {
	t.Helper()
	fi, err := os.Stat(n.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func readFrom(t *testing.T, n *Node, offset int64) string {
	t.Helper()
	b, err := os.ReadFile(n.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[offset:])
}

// newestSnapshot is the index of the newest snapshot in a node's snapshot store (directories named
// term-index-milliseconds by hashicorp/raft), 0 when there is none.
func newestSnapshot(t *testing.T, n *Node) uint64 {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(n.DataDir, "raft", "snapshots"))
	var newest uint64
	for _, e := range entries {
		var term, index, ms uint64
		if _, err := fmt.Sscanf(e.Name(), "%d-%d-%d", &term, &index, &ms); err == nil && index > newest {
			newest = index
		}
	}
	return newest
}

// TestClusterPushAcrossNodes: users connected to different nodes of one office chat: a message
// sent on any node is pushed to its recipients on every other node (each node's FSM derives the
// events for its own connections); typing and presence travel over the cluster relay.
func TestClusterPushAcrossNodes(t *testing.T) {
	o := startOffice(t, 3)
	o.members[0].RegisterUsers(t, "alice", "bob", "carol")
	for _, m := range o.members {
		waitUsers(t, m.Node, "alice", "bob", "carol")
	}
	// Each user is served by another node; the token is issued there, so that node knows it.
	alice := wsDial(t, o.members[0].Node, "alice", 5, o.members[0].UserToken(t, "alice", 5), client.DialOptions{})
	bob := wsDial(t, o.members[1].Node, "bob", 5, o.members[1].UserToken(t, "bob", 5), client.DialOptions{})
	carolTok := o.members[2].UserToken(t, "carol", 5)
	carol := wsDial(t, o.members[2].Node, "carol", 5, carolTok, client.DialOptions{})

	// A WebSocket send on node 0 reaches bob on node 1; the sender's echo comes from node 0.
	sent, err := alice.SendMsg(wsCtx(t, "op-x"), wsText("alice", "bob", "x-1", "hello from node 0"))
	if err != nil {
		t.Fatal(err)
	}
	if m := nextChat(t, bob, siID("alice", "bob")); m.ClientMsgID != "x-1" || m.ServerMsgID != sent.ServerMsgID {
		t.Fatalf("bob's push on node 1: %+v", m)
	}
	if m := nextChat(t, alice, siID("alice", "bob")); m.ClientMsgID != "x-1" {
		t.Fatalf("alice's echo on node 0: %+v", m)
	}
	// A REST send on node 2 reaches alice on node 0.
	c := &chat{n: o.members[2].Node, tokens: map[string]string{"carol": carolTok}}
	m := c.textMsg("carol", "alice", "hello from node 2")
	c.send(t, m)
	if got := nextChat(t, alice, siID("alice", "carol")); got.ClientMsgID != m.ClientMsgID {
		t.Fatalf("alice's push on node 0: %+v", got)
	}

	// Typing is relayed: bob on node 1 sees alice typing on node 0; it is never stored.
	typing := wsText("alice", "bob", "x-typing", "")
	typing.ContentType, typing.Content = 113, []byte(`{"msgTips":"yes"}`)
	if _, err := alice.SendMsg(wsCtx(t, ""), typing); err != nil {
		t.Fatal(err)
	}
	if got := nextChat(t, bob, siID("alice", "bob")); got.ContentType != 113 || got.Seq != 0 {
		t.Fatalf("typing on node 1: %+v", got)
	}

	// Presence is relayed: carol on node 2 sees alice (node 0) online, then offline.
	pollUntil(t, settleTimeout, func() bool {
		tips, err := carol.SubscribeStatus(wsCtx(t, ""), []string{"alice"}, nil)
		return err == nil && len(tips.Subscribers) == 1 && fmt.Sprint(tips.Subscribers[0].OnlinePlatformIDs) == "[5]"
	})
	// Node 2 names node 0's computer by the host name its greeting told, with alice signed in there.
	host, _ := os.Hostname()
	node0 := o.members[0].status(t).NodeID
	pollUntil(t, settleTimeout, func() bool {
		for _, mb := range o.members[2].status(t).Members {
			if mb.NodeID == node0 {
				return mb.Name == host && slices.Contains(mb.UserIDs, "alice")
			}
		}
		return false
	})
	alice.Close()
	deadline := time.After(wsTimeout)
	for offline := false; !offline; {
		select {
		case p := <-carol.Pushes():
			offline = p.Status != nil && len(p.Status.Subscribers) == 1 &&
				p.Status.Subscribers[0].UserID == "alice" && len(p.Status.Subscribers[0].OnlinePlatformIDs) == 0
		case <-deadline:
			t.Fatal("carol on node 2 never saw alice go offline")
		}
	}
	o.converged(t)
}

// nextChat waits for the next chat message pushed to c in conversationID, skipping other pushes
// (notifications, presence).
func nextChat(t *testing.T, c *client.Conn, conversationID string) *pb.MsgData {
	t.Helper()
	return nextChatPush(t, c, conversationID, "").msg
}

// TestClusterOutboxSurvivesCrash: sends queued by a node without a quorum survive that node's
// crash: after a restart of the whole office they are committed, in order, once each.
func TestClusterOutboxSurvivesCrash(t *testing.T) {
	o := startOffice(t, 3)
	lone := o.members[0]
	lone.RegisterUsers(t, "ann", "ben")
	c := &chat{n: lone.Node, tokens: map[string]string{}}
	for _, u := range []string{"ann", "ben"} {
		c.tokens[u] = lone.UserToken(t, u, 5)
	}
	o.converged(t)
	for _, m := range o.members[1:] {
		m.Kill9(t)
	}
	want := []string{"typed", "offline"}
	for _, words := range want {
		lone.PostErr(t, "/msg/send_msg", c.tokens["ann"], map[string]any{"msgData": c.textMsg("ann", "ben", words)}, 1690)
	}
	lone.Kill9(t)

	// Neither node can get ready alone (readiness needs a quorum): launch two, then wait for both.
	starting := o.members[:2]
	for _, m := range starting {
		m.launch(t)
	}
	errs := make(chan error, len(starting))
	for _, m := range starting {
		go func() { errs <- m.waitReady() }()
	}
	for range starting {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range o.live() {
		mc := &chat{n: m.Node, tokens: c.tokens}
		pollUntil(t, settleTimeout, func() bool {
			return slices.Equal(mc.texts(t, "ben", siID("ann", "ben")), want)
		})
	}
	o.members[2].Restart(t)
	o.converged(t)
}

// TestClusterMembershipChanges: a member that comes back at another address is the same member
// (its node ID is per install); a member dead for longer than --autopilot-dead-server is removed,
// and registers again when it returns, the office again keeping three of its four as voters.
func TestClusterMembershipChanges(t *testing.T) {
	o := startOffice(t, 4, "--autopilot-dead-server", "2s")

	moved := o.follower(t)
	movedID := moved.status(t).NodeID
	moved.Stop(t) // a graceful quit: it gives up its vote
	newAddr := nodeproc.MustFreeAddr(t)
	i := slices.Index(moved.Args, "--cluster-addr")
	moved.Args[i+1], moved.ClusterAddr = newAddr, newAddr
	moved.start(t)
	sts := o.waitVoters(t, officeVoters(4))
	for _, st := range sts {
		if len(st.Members) != 4 {
			t.Fatalf("after the move: %s", describe(sts))
		}
		for _, m := range st.Members {
			if m.NodeID == movedID && m.Address != newAddr {
				t.Fatalf("moved member %s listed at %s, want %s", movedID, m.Address, newAddr)
			}
		}
	}

	leader := o.leader(t)
	var victim *member
	for _, m := range o.live() {
		if m != leader && m != moved {
			victim = m
		}
	}
	victimID := victim.status(t).NodeID
	victim.Kill9(t)
	o.statuses(t, "the dead member removed", func(sts []client.ClusterStatus) bool {
		for _, st := range sts {
			if len(st.Members) != 3 || slices.ContainsFunc(st.Members, func(m client.ClusterMember) bool { return m.NodeID == victimID }) {
				return false
			}
		}
		return true
	})
	o.live()[0].RegisterUsers(t, "while_away")
	victim.Restart(t)
	o.waitVoters(t, officeVoters(4))
	waitUsers(t, victim.Node, "while_away")
	o.converged(t)
}
