package app

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestNodeFlagDefaults pins the `lanim node` contract outside tests rely on: with no flags the
// data dir is the OS user config dir + /lanim, the API on 127.0.0.1:10002, the WebSocket on
// 127.0.0.1:10001, and no admin secret (the node then generates one).
func TestNodeFlagDefaults(t *testing.T) {
	cfg, err := parseNodeFlags("node", nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	conf, err := os.UserConfigDir()
	if err != nil {
		t.Skipf("no user config dir here: %v", err)
	}
	want := NodeConfig{DataDir: filepath.Join(conf, "lanim"), APIAddr: "127.0.0.1:10002", WSAddr: "127.0.0.1:10001",
		Cluster: ClusterFlags{Discovery: "mdns"}}
	if cfg.DataDir != want.DataDir || cfg.APIAddr != want.APIAddr || cfg.WSAddr != want.WSAddr ||
		cfg.AdminSecret != "" || cfg.Cluster.Addr != "" || cfg.Cluster.Discovery != want.Cluster.Discovery {
		t.Fatalf("defaults = %+v, want %+v", cfg, want)
	}

	cfg, err = parseNodeFlags("node", []string{"--data", "/d", "--api-addr", "127.0.0.1:1", "--ws-addr", "127.0.0.1:2",
		"--admin-secret", "S"}, io.Discard)
	if err != nil || cfg.DataDir != "/d" || cfg.APIAddr != "127.0.0.1:1" || cfg.WSAddr != "127.0.0.1:2" || cfg.AdminSecret != "S" {
		t.Fatalf("flags = %+v, %v", cfg, err)
	}
	for _, bad := range [][]string{{"--no-such-flag"}, {"extra"}, {"--data", ""}} {
		if _, err := parseNodeFlags("node", bad, io.Discard); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestObjectFlags: files up to 2 GiB and no disk budget unless told; sizes out of range refused.
func TestObjectFlags(t *testing.T) {
	cfg, err := parseNodeFlags("node", []string{"--data", "/d"}, io.Discard)
	if err != nil || cfg.MaxObjectMB != 2048 || cfg.FilesBudgetMB != 0 {
		t.Fatalf("defaults: %+v %v", cfg, err)
	}
	cfg, err = parseNodeFlags("node", []string{"--data", "/d", "--max-object-mb", "100", "--files-budget-mb", "5000"}, io.Discard)
	if err != nil || cfg.MaxObjectMB != 100 || cfg.FilesBudgetMB != 5000 {
		t.Fatalf("set: %+v %v", cfg, err)
	}
	for _, bad := range [][]string{{"--max-object-mb", "-1"}, {"--max-object-mb", "70000"}, {"--files-budget-mb", "-5"}} {
		if _, err := parseNodeFlags("node", append([]string{"--data", "/d"}, bad...), io.Discard); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
