package replication

import (
	"context"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"lanim/node/im"
	"lanim/node/openim"
)

// TestMDNSInNetns runs the real mDNS discoverer inside a fresh network namespace (root and
// unshare(1) needed; skipped otherwise): hashicorp/mdns joins the multicast group on the default
// interface, which must never be the host's in tests. The test re-runs itself in the namespace,
// with multicast routed over loopback.
func TestMDNSInNetns(t *testing.T) {
	if os.Getenv("LANIM_MDNS_NETNS") == "1" {
		mdnsRoundTrip(t)
		return
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root for a network namespace")
	}
	for _, tool := range []string{"unshare", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := exec.CommandContext(ctx, "unshare", "-n", "true").Run(); err != nil {
		t.Skipf("cannot create a network namespace here: %v", err)
	}
	script := `ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && ` +
		`exec "$0" -test.run '^TestMDNSInNetns$' -test.v -test.count=1`
	cmd := exec.CommandContext(ctx, "unshare", "-n", "sh", "-c", script, os.Args[0])
	cmd.Env = append(os.Environ(), "LANIM_MDNS_NETNS=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestMDNSInNetns") {
		t.Fatalf("mDNS test in a network namespace: %v\n%s", err, out)
	}
}

// mdnsRoundTrip announces a member and looks its office up, inside the namespace.
func mdnsRoundTrip(t *testing.T) {
	d := &MDNS{Wait: time.Second}
	stop, err := d.Announce(Announcement{OfficeID: "office-1", OfficeName: "Acme = Design", NodeID: "node-1",
		Addr: "127.0.0.1:7000"})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var found []string
	for attempt := 0; attempt < 10 && !slices.Contains(found, "127.0.0.1:7000"); attempt++ {
		if found, err = d.Lookup(ctx, "office-1"); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(found, []string{"127.0.0.1:7000"}) {
		t.Fatalf("lookup of office-1: %v", found)
	}
	other, err := d.Lookup(ctx, "office-2")
	if err != nil || len(other) != 0 {
		t.Fatalf("lookup of another office: %v %v", other, err)
	}
	offices, err := d.Browse(ctx)
	want := []FoundOffice{{OfficeID: "office-1", OfficeName: "Acme = Design", Addrs: []string{"127.0.0.1:7000"}}}
	if err != nil || !reflect.DeepEqual(offices, want) {
		t.Fatalf("browse: %+v %v, want %+v", offices, err, want)
	}
}

func TestGroupOffices(t *testing.T) {
	answers := []seen{
		{officeID: "b", name: "Beta", addr: "10.0.0.2:1"},
		{officeID: "a", name: "Zeta", addr: "10.0.0.9:1"},
		{officeID: "a", name: "Alpha", addr: "10.0.0.1:1"},
		{officeID: "a", name: "Alpha", addr: "10.0.0.1:1"}, // the same member twice
		{officeID: "c", name: "Beta", addr: "10.0.0.3:1"},
		{officeID: "c", name: "Gamma", addr: "10.0.0.4:1"}, // a tie: the smaller name
		{officeID: "d", addr: "10.0.0.5:1"},                // no name (an older member)
	}
	want := []FoundOffice{
		{OfficeID: "d", Addrs: []string{"10.0.0.5:1"}},
		{OfficeID: "a", OfficeName: "Alpha", Addrs: []string{"10.0.0.1:1", "10.0.0.9:1"}},
		{OfficeID: "b", OfficeName: "Beta", Addrs: []string{"10.0.0.2:1"}},
		{OfficeID: "c", OfficeName: "Beta", Addrs: []string{"10.0.0.3:1", "10.0.0.4:1"}},
	}
	if got := groupOffices(answers); !reflect.DeepEqual(got, want) {
		t.Fatalf("groupOffices:\n got %+v\nwant %+v", got, want)
	}
	if got := groupOffices(nil); len(got) != 0 {
		t.Fatalf("no answers: %+v", got)
	}
}

// TestTXTRecord: the name fits one TXT string, cut on a character boundary, and reads back.
func TestTXTRecord(t *testing.T) {
	for _, name := range []string{"Acme", "a=b", strings.Repeat("é", 200), strings.Repeat("日本", 100), ""} {
		txt := txtRecord(Announcement{OfficeID: "o1", OfficeName: name, NodeID: "n1"})
		got, ok := txtValue(txt, "name")
		if !ok || !strings.HasPrefix(name, got) || !utf8.ValidString(got) {
			t.Errorf("name %q read back as %q", name, got)
		}
		for _, f := range txt {
			if len(f) > maxTXT {
				t.Errorf("TXT string of %d bytes", len(f))
			}
		}
		if off, _ := txtValue(txt, "office"); off != "o1" {
			t.Errorf("office %q", off)
		}
	}
}

// TestDiscoverOffices: a member lists the other offices on its (in-process) LAN, not its own, and
// re-announces its office under a new name; a node without discovery says so and sends nothing.
func TestDiscoverOffices(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	lan := newFakeDiscovery()
	other, err := lan.Announce(Announcement{OfficeID: "office-y", OfficeName: "Other office", NodeID: "y1",
		Addr: "10.0.0.7:10003"})
	if err != nil {
		t.Fatal(err)
	}
	a := openClusterNode(t, "node-a", &ClusterConfig{Addr: "127.0.0.1:0", Discovery: lan})
	if err := a.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	createOffice(t, ctx, a.Node)
	pollUntil(t, func() bool { addrs, _ := lan.Lookup(ctx, "office-x"); return len(addrs) == 1 })

	found, enabled, err := a.Discover(ctx)
	want := []FoundOffice{{OfficeID: "office-y", OfficeName: "Other office", Addrs: []string{"10.0.0.7:10003"}}}
	if err != nil || !enabled || !reflect.DeepEqual(found, want) {
		t.Fatalf("discover: %+v %v %v, want %+v", found, enabled, err, want)
	}

	// A rename reaches the LAN.
	cmd, err := im.NewCommand("office.rename", im.Caller{UserID: openim.AdminUserID, Platform: openim.PlatformAdmin},
		time.Now().UnixMilli(), "op", &im.RenameOffice{OfficeName: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := a.Propose(ctx, cmd); err != nil || res.Err != nil {
		t.Fatalf("rename: %v %v", err, res)
	}
	pollUntil(t, func() bool {
		offices, _ := lan.Browse(ctx)
		return len(offices) == 2 && offices[0].OfficeName == "Acme" && offices[0].OfficeID == "office-x"
	})
	if st, err := a.Status(ctx); err != nil || st.OfficeName != "Acme" {
		t.Fatalf("status after the rename: %+v %v", st, err)
	}

	// An office that stops announcing is gone once the cached answer expires.
	other()
	pollUntil(t, func() bool {
		found, _, err := a.Discover(ctx)
		return err == nil && len(found) == 0 && found != nil
	})

	solo := openTestNode(t, t.TempDir())
	defer solo.close(t)
	if found, enabled, err := solo.node.Discover(ctx); err != nil || enabled || len(found) != 0 {
		t.Fatalf("standalone discover: %+v %v %v", found, enabled, err)
	}
}
