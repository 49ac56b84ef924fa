package app

import (
	"net"
	"slices"
	"testing"
)

func TestTakeDesktopFlags(t *testing.T) {
	tests := []struct {
		args     []string
		want     desktopFlags
		wantRest []string
		wantErr  bool
	}{
		{args: nil, wantRest: nil},
		{args: []string{"--demo"}, want: desktopFlags{demo: true}},
		{args: []string{"--data", "demo", "-demo"}, want: desktopFlags{demo: true}, wantRest: []string{"--data", "demo"}},
		{args: []string{"--connect-api", "h:1", "--connect-ws=h:2", "--data", "d"},
			want: desktopFlags{connectAPI: "h:1", connectWS: "h:2"}, wantRest: []string{"--data", "d"}},
		{args: []string{"--connect-api", "h:1"}, wantErr: true},
		{args: []string{"--connect-ws"}, wantErr: true},
	}
	for _, tc := range tests {
		got, rest, err := takeDesktopFlags(tc.args)
		if (err != nil) != tc.wantErr {
			t.Errorf("%v: err %v, want error %v", tc.args, err, tc.wantErr)
			continue
		}
		if tc.wantErr {
			continue
		}
		if got != tc.want || !slices.Equal(rest, tc.wantRest) {
			t.Errorf("%v: got %+v %q, want %+v %q", tc.args, got, rest, tc.want, tc.wantRest)
		}
	}
}

func TestFlagGiven(t *testing.T) {
	args := []string{"--data", "x", "-api-addr=127.0.0.1:1"}
	if !flagGiven(args, "api-addr") || flagGiven(args, "ws-addr") || !flagGiven(args, "data") {
		t.Fatalf("flagGiven on %v", args)
	}
}

// TestFreeAddr: a free default stays; a taken one moves to another port on the same host.
func TestFreeAddr(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	taken := ln.Addr().String()
	got, err := freeAddr(taken)
	if err != nil {
		t.Fatal(err)
	}
	if got == taken {
		t.Fatalf("freeAddr kept the taken address %s", taken)
	}
	if host, _, _ := net.SplitHostPort(got); host != "127.0.0.1" {
		t.Fatalf("freeAddr moved to host %s", host)
	}
	ln.Close()
	if again, err := freeAddr(taken); err != nil || again != taken {
		t.Fatalf("a free address should stay: got %s, %v", again, err)
	}
}
