package api

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"lanim/node/auth"
	"lanim/node/client"
	"lanim/node/store"
)

// fakeCluster answers /cluster/discover with a fixed list, as replication does with what mDNS
// heard.
type fakeCluster struct{ Cluster }

func (fakeCluster) Discover(context.Context) (*client.Discovery, error) {
	return &client.Discovery{Enabled: true, Offices: []client.DiscoveredOffice{{OfficeID: "o1", OfficeName: "Acme",
		Addresses: []string{"10.0.0.7:10003"}}}}, nil
}

// TestDiscoverNeedsNoTokenFromThisMachine: /cluster/discover answers a caller on loopback without
// a token (a newcomer has no account yet), but wants a valid token from anywhere else, and a
// token that is sent must hold. Other /cluster calls always want one.
func TestDiscoverNeedsNoTokenFromThisMachine(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := New(Config{DB: db, Verifier: auth.NewVerifier(db.Reader()), Cluster: fakeCluster{}})
	post := func(path, remote, token string) envelope {
		t.Helper()
		r := httptest.NewRequest("POST", path, strings.NewReader("{}"))
		r.RemoteAddr = remote
		r.Header.Set("operationID", "op")
		if token != "" {
			r.Header.Set("token", token)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		var env envelope
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
			t.Fatalf("%s: %v: %s", path, err, w.Body)
		}
		return env
	}
	cases := []struct {
		name, path, remote, token string
		ok                        bool
	}{
		{"loopback v4", "/cluster/discover", "127.0.0.1:5000", "", true},
		{"loopback v6", "/cluster/discover", "[::1]:5000", "", true},
		{"from the LAN", "/cluster/discover", "192.168.1.9:5000", "", false},
		{"a bad token on loopback", "/cluster/discover", "127.0.0.1:5000", "not-a-token", false},
		{"status wants a token", "/cluster/status", "127.0.0.1:5000", "", false},
		{"invite wants a token", "/cluster/invite", "127.0.0.1:5000", "", false},
	}
	for _, tc := range cases {
		env := post(tc.path, tc.remote, tc.token)
		if (env.ErrCode == 0) != tc.ok {
			t.Errorf("%s: errCode %d %s, want ok=%v", tc.name, env.ErrCode, env.ErrDlt, tc.ok)
		}
		if tc.ok {
			b, _ := json.Marshal(env.Data)
			if want := `{"enabled":true,"offices":[{"addresses":["10.0.0.7:10003"],"officeID":"o1","officeName":"Acme"}]}`; string(b) != want {
				t.Errorf("%s: data %s, want %s", tc.name, b, want)
			}
		}
	}
}
