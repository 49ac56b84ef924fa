package app

import (
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lanim/node/im"
	"lanim/replication"
	"lanim/ui"
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

// TestJoinChecksTheCode: a join code that is not one, or that names another office than the one
// picked on the LAN, is refused before the running node is touched.
func TestJoinChecksTheCode(t *testing.T) {
	raw := append([]byte{1}, make([]byte, 32+16)...) // version, CA pin, secret
	raw = append(append(raw, byte(len("office-a"))), "office-a"...)
	raw = append(raw, 0) // no addresses
	code := "lanim1-" + base64.RawURLEncoding.EncodeToString(raw)
	if id, err := replication.JoinCodeOffice(code); err != nil || id != "office-a" {
		t.Fatalf("the test's code reads as %q, %v", id, err)
	}
	e := &embeddedNode{} // no node: a check that got past the code would fail differently
	cases := []struct {
		code string
		via  *ui.OfficeAd
		want string
	}{
		{"", nil, "empty"},
		{"hello", nil, "not a join code"},
		{code, &ui.OfficeAd{ID: "office-b", Name: "Other"}, "another office than Other"},
	}
	for _, tc := range cases {
		if err := e.Join(context.Background(), tc.code, tc.via); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Join(%.20q, %+v) = %v, want an error saying %q", tc.code, tc.via, err, tc.want)
		}
	}
}

// TestStartOver: after its node left the office, the app puts the data dir aside and runs a new
// node on the same ports, founding a new office.
func TestStartOver(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	cfg := &NodeConfig{DataDir: dir, APIAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0",
		Cluster: ClusterFlags{Addr: "127.0.0.1:0", Discovery: "off"}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := startEmbedded(context.Background(), cfg, io.Discard, log)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	officeOf := func() string {
		off, err := im.LoadOffice(context.Background(), e.node().db.Reader())
		if err != nil || off == nil {
			t.Fatalf("office: %+v %v", off, err)
		}
		return off.OfficeID
	}
	before, api := officeOf(), e.node().APIAddr()
	if err := e.StartOver(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := officeOf(); after == before {
		t.Fatalf("the new node kept office %s", before)
	}
	if e.node().APIAddr() != api {
		t.Fatalf("the new node moved from %s to %s", api, e.node().APIAddr())
	}
	aside, _ := filepath.Glob(dir + ".left-*")
	if len(aside) != 1 {
		t.Fatalf("data dirs put aside: %v", aside)
	}
}
