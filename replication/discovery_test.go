package replication

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
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
	stop, err := d.Announce(Announcement{OfficeID: "office-1", NodeID: "node-1", Addr: "127.0.0.1:7000"})
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
}
