package replication

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// fakeDiscovery stands in for mDNS (which must not run in the host's network namespace in tests):
// an in-process LAN where every announcement is seen at once.
type fakeDiscovery struct {
	mu  sync.Mutex
	ads map[string]Announcement // node ID → what it announces now
}

func newFakeDiscovery() *fakeDiscovery { return &fakeDiscovery{ads: map[string]Announcement{}} }

func (d *fakeDiscovery) Announce(a Announcement) (func(), error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ads[a.NodeID] = a
	return func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		if d.ads[a.NodeID] == a {
			delete(d.ads, a.NodeID)
		}
	}, nil
}

// answers is what a query on the LAN would hear, in node ID order.
func (d *fakeDiscovery) answers() []seen {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := make([]string, 0, len(d.ads))
	for id := range d.ads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make([]seen, 0, len(ids))
	for _, id := range ids {
		a := d.ads[id]
		out = append(out, seen{officeID: a.OfficeID, name: a.OfficeName, addr: a.Addr})
	}
	return out
}

func (d *fakeDiscovery) Lookup(ctx context.Context, officeID string) ([]string, error) {
	var out []string
	for _, a := range d.answers() {
		if a.officeID == officeID {
			out = append(out, a.addr)
		}
	}
	return out, nil
}

func (d *fakeDiscovery) Browse(ctx context.Context) ([]FoundOffice, error) {
	return groupOffices(d.answers()), nil
}

type clusterNode struct {
	*Node
	db *store.DB
}

// openClusterNode opens a member on a new data dir; opts adjust its configuration.
func openClusterNode(t testing.TB, id string, cc *ClusterConfig, opts ...func(*Config)) *clusterNode {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{DataDir: dir, NodeID: id, DB: db, Machine: im.NewMachine(), Log: discardLog(), Cluster: cc}
	for _, o := range opts {
		o(&cfg)
	}
	n, err := Open(cfg)
	if err != nil {
		db.Close()
		t.Fatal(err)
	}
	cn := &clusterNode{Node: n, db: db}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Error(err)
		}
		db.Close()
	})
	return cn
}

// TestInProcessCluster runs two members in one process (under the race detector in make test):
// founding, a join whose code lists a dead address (found again by discovery), a write forwarded
// from the follower with read-your-writes, the relay, and the status of both.
func TestInProcessCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	disco := newFakeDiscovery()
	a := openClusterNode(t, "node-a", &ClusterConfig{Addr: "127.0.0.1:0", Discovery: disco,
		Autopilot: AutopilotTuning{Stabilization: 100 * time.Millisecond}})
	if !a.Founder() {
		t.Fatal("the first node is not the founder")
	}
	if err := a.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	createOffice(t, ctx, a.Node)
	if err := a.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	inv, err := a.Invite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Point the code at a dead address: the joiner finds the office by discovery.
	jc, err := parseJoinCode(inv.Code)
	if err != nil {
		t.Fatal(err)
	}
	jc.Addrs = []string{"127.0.0.1:1"}
	pollUntil(t, func() bool {
		addrs, _ := disco.Lookup(ctx, jc.OfficeID)
		return len(addrs) == 1
	})
	b := openClusterNode(t, "node-b", &ClusterConfig{Addr: "127.0.0.1:0", JoinCode: jc.String(), Discovery: disco})
	if b.Founder() {
		t.Fatal("a joiner is a founder")
	}
	if err := b.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}

	// A write on the follower is forwarded; the follower reads it at once.
	cmd, err := im.NewCommand("user.register", im.Caller{UserID: openim.AdminUserID, Platform: openim.PlatformAdmin},
		time.Now().UnixMilli(), "op", &im.RegisterUsers{Users: []im.NewUser{{UserID: "u1", Nickname: "U"}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.Propose(ctx, cmd)
	if err != nil || res.Err != nil {
		t.Fatalf("propose on the follower: %v %v", err, res)
	}
	var nick string
	if err := b.db.Reader().QueryRowContext(ctx, `SELECT nickname FROM users WHERE user_id = 'u1'`).Scan(&nick); err != nil {
		t.Fatalf("read-your-writes on the follower: %v", err)
	}

	// Relay, both ways; each node greets the other with its state first.
	var mu sync.Mutex
	var heard []string
	hear := func(from string, p []byte) { mu.Lock(); heard = append(heard, from+":"+string(p)); mu.Unlock() }
	hasHeard := func(s string) bool { mu.Lock(); defer mu.Unlock(); return slices.Contains(heard, s) }
	a.OnGreet(func() [][]byte { return [][]byte{[]byte("state of a")} })
	b.OnGreet(func() [][]byte { return [][]byte{[]byte("state of b")} })
	a.OnRelay(hear)
	b.OnRelay(hear)
	pollUntil(t, func() bool { a.Relay([]byte("typing")); return hasHeard("node-a:typing") })
	pollUntil(t, func() bool { b.Relay([]byte("online")); return hasHeard("node-b:online") })
	pollUntil(t, func() bool { return hasHeard("node-a:state of a") && hasHeard("node-b:state of b") })
	// A peer that regained contact asks for the greeting again (a Hello batch): b answers it.
	mu.Lock()
	heard = nil
	mu.Unlock()
	if _, err := b.handleRelay(ctx, "node-a", json.RawMessage(`{"payloads":[],"hello":true}`)); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, func() bool { return hasHeard("node-b:state of b") })
	if hasHeard("node-a:state of a") {
		t.Fatal("b's answer to a Hello asked a for its greeting again (they would ping-pong)")
	}

	// Both report the same state; b is a healthy member. An office of two keeps one voter (the
	// leader), so it survives b closing its lid.
	pollUntil(t, func() bool {
		sa, err1 := a.Status(ctx)
		sb, err2 := b.Status(ctx)
		if err1 != nil || err2 != nil || sa.StateDigest != sb.StateDigest || sa.AppliedIndex != sb.AppliedIndex {
			return false
		}
		voters, healthy := 0, 0
		for _, m := range sb.Members {
			if m.Healthy {
				healthy++
				if m.Suffrage == "voter" {
					voters++
				}
			}
		}
		return healthy == 2 && voters == 1 && sb.LeaderID == "node-a" && sb.OfficeID == jc.OfficeID
	})
}

func createOffice(t testing.TB, ctx context.Context, n *Node) { createOfficeID(t, ctx, n, "office-x") }

func createOfficeID(t testing.TB, ctx context.Context, n *Node, officeID string) {
	t.Helper()
	cmd, err := im.NewCommand("office.create", im.Caller{}, time.Now().UnixMilli(), "", &im.CreateOffice{
		Office: im.Office{OfficeID: officeID, Name: officeID, JWTKey: make([]byte, 32), AdminSecretHash: "h"}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := n.Propose(ctx, cmd); err != nil || res.Err != nil {
		t.Fatalf("create office: %v %v", err, res)
	}
}

// pollUntil retries cond every 50 ms for up to 30 s.
func pollUntil(t testing.TB, cond func() bool) {
	t.Helper()
	for range 600 {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("condition not met within 30s")
}

func TestAdvertiseAddr(t *testing.T) {
	tcp := func(s string) net.Addr { a, _ := net.ResolveTCPAddr("tcp", s); return a }
	cases := []struct {
		given string
		ln    net.Addr
		want  string
	}{
		{"", tcp("127.0.0.1:7000"), "127.0.0.1:7000"},
		{"", tcp("192.168.1.5:7000"), "192.168.1.5:7000"},
		{"10.0.0.9:7000", tcp("0.0.0.0:7000"), "10.0.0.9:7000"},
	}
	for _, tc := range cases {
		if got, err := advertiseAddr(tc.given, tc.ln); err != nil || got != tc.want {
			t.Errorf("advertiseAddr(%q, %v) = %q, %v; want %q", tc.given, tc.ln, got, err, tc.want)
		}
	}
	// An unspecified host is replaced by a LAN address (when the machine has one).
	if got, err := advertiseAddr("", tcp("0.0.0.0:7000")); err == nil && (strings.HasPrefix(got, "0.0.0.0") || isLoopback(got)) {
		t.Errorf("unspecified host advertised as %q", got)
	}
	if _, err := advertiseAddr("no-port", tcp("127.0.0.1:1")); err == nil {
		t.Error("an advertise address without a port was accepted")
	}
	for addr, want := range map[string]bool{"127.0.0.1:1": true, "[::1]:1": true, "localhost:1": true,
		"192.168.1.2:1": false, "host:1": false, "junk": false} {
		if isLoopback(addr) != want {
			t.Errorf("isLoopback(%q) = %v", addr, !want)
		}
	}
}
