package app

import (
	"io"
	"slices"
	"strings"
	"testing"
)

func TestClusterFlags(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, cfg *NodeConfig)
	}{
		{name: "standalone", args: nil, check: func(t *testing.T, cfg *NodeConfig) {
			if cc, err := clusterConfig(cfg); err != nil || cc != nil {
				t.Fatalf("cluster config %+v %v, want none", cc, err)
			}
		}},
		{name: "founder", args: []string{"--cluster-addr", "127.0.0.1:7000"}, check: func(t *testing.T, cfg *NodeConfig) {
			cc, err := clusterConfig(cfg)
			if err != nil || cc == nil || cc.Addr != "127.0.0.1:7000" || cc.Discovery == nil {
				t.Fatalf("cluster config %+v %v", cc, err)
			}
		}},
		{name: "joiner", args: []string{"--cluster-addr", ":7001", "--join", "10.0.0.1:7000, 10.0.0.2:7000",
			"--join-code", "lanim1-x", "--discovery", "off", "--raft-snapshot-threshold", "8"},
			check: func(t *testing.T, cfg *NodeConfig) {
				cc, err := clusterConfig(cfg)
				if err != nil || !slices.Equal(cc.JoinAddrs, []string{"10.0.0.1:7000", "10.0.0.2:7000"}) ||
					cc.JoinCode != "lanim1-x" || cc.Discovery != nil || raftTuning(cfg).SnapshotThreshold != 8 {
					t.Fatalf("cluster config %+v %v", cc, err)
				}
			}},
		{name: "join without a code", args: []string{"--cluster-addr", ":7001", "--join", "10.0.0.1:7000"},
			wantErr: "--join-code"},
		{name: "bad discovery", args: []string{"--discovery", "bonjour"}, wantErr: "mdns or off"},
		{name: "join code without a cluster address", args: []string{"--join-code", "lanim1-x"},
			check: func(t *testing.T, cfg *NodeConfig) {
				if _, err := clusterConfig(cfg); err == nil || !strings.Contains(err.Error(), "--cluster-addr") {
					t.Fatalf("want an error naming --cluster-addr, got %v", err)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := parseNodeFlags("node", append([]string{"--data", t.TempDir()}, tc.args...), io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want an error mentioning %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, cfg)
		})
	}
}
