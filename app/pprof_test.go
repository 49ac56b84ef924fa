package app

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestPprofFlag(t *testing.T) {
	cases := []struct {
		addr    string
		wantErr string
	}{
		{addr: "127.0.0.1:6060"},
		{addr: "localhost:6060"},
		{addr: "[::1]:6060"},
		{addr: "0.0.0.0:6060", wantErr: "loopback"},
		{addr: ":6060", wantErr: "loopback"},
		{addr: "192.168.1.5:6060", wantErr: "loopback"},
		{addr: "6060", wantErr: "--pprof"},
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			cfg, err := parseNodeFlags("node", []string{"--data", t.TempDir(), "--pprof", tc.addr}, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want an error mentioning %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil || cfg.Pprof != tc.addr {
				t.Fatalf("cfg.Pprof %q, err %v", cfg.Pprof, err)
			}
		})
	}
}

// TestServePprof: the profiler answers on its own mux, and stops.
func TestServePprof(t *testing.T) {
	addr, stop, err := servePprof("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("cmdline: HTTP %d", resp.StatusCode)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := servePprof("0.0.0.0:0"); err == nil {
		t.Fatal("servePprof accepted a non-loopback address")
	}
}
