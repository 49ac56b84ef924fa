package replication

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// TestClusterState applies the cluster.* commands to a state database: a join code is redeemed
// once, before its expiry, never by a node that left; the CA is recorded once.
func TestClusterState(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	hash := strings.Repeat("ab", 32)
	other := strings.Repeat("cd", 32)
	steps := []struct {
		name    string
		kind    string
		time    int64
		caller  string
		args    any
		wantErr int // 0: success
	}{
		{"init", kindInit, 1, "", &initArgs{CA: caRecord{Cert: []byte("cert"), Key: []byte("key")}}, 0},
		{"init again, same CA", kindInit, 2, "", &initArgs{CA: caRecord{Cert: []byte("cert"), Key: []byte("key")}}, 0},
		{"init with another CA", kindInit, 3, "", &initArgs{CA: caRecord{Cert: []byte("other"), Key: []byte("k")}}, openim.ErrArgs.Code},
		{"a user may not invite", kindInvite, 4, "imAdmin", &inviteArgs{Hash: hash, Expires: 100}, openim.ErrNoPermission.Code},
		{"invite", kindInvite, 5, "", &inviteArgs{Hash: hash, Expires: 100}, 0},
		{"invite expiring in the past", kindInvite, 6, "", &inviteArgs{Hash: other, Expires: 5}, openim.ErrArgs.Code},
		{"invite 2", kindInvite, 7, "", &inviteArgs{Hash: other, Expires: 50}, 0},
		{"unknown code", kindRedeem, 8, "", &redeemArgs{Hash: strings.Repeat("00", 32), NodeID: "n2"}, openim.ErrNoPermission.Code},
		{"redeem", kindRedeem, 9, "", &redeemArgs{Hash: hash, NodeID: "n2"}, 0},
		{"redeem again", kindRedeem, 10, "", &redeemArgs{Hash: hash, NodeID: "n3"}, openim.ErrNoPermission.Code},
		{"redeem expired", kindRedeem, 51, "", &redeemArgs{Hash: other, NodeID: "n3"}, openim.ErrNoPermission.Code},
		{"revoke", kindRevoke, 52, "", &revokeArgs{NodeID: "n2"}, 0},
		{"invite 3", kindInvite, 53, "", &inviteArgs{Hash: strings.Repeat("ef", 32), Expires: 100}, 0},
		{"a node that left cannot join again", kindRedeem, 54, "", &redeemArgs{Hash: strings.Repeat("ef", 32), NodeID: "n2"}, openim.ErrNoPermission.Code},
		{"unknown kind", "cluster.nope", 55, "", struct{}{}, openim.ErrArgs.Code},
	}
	for i, s := range steps {
		cmd, err := im.NewCommand(s.kind, im.Caller{UserID: s.caller}, s.time, "", s.args)
		if err != nil {
			t.Fatal(err)
		}
		tx, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		res := applyCluster(ctx, tx, cmd)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		code := 0
		if res.Err != nil {
			code = res.Err.Code
		}
		if code != s.wantErr {
			t.Fatalf("step %d %s: error %v, want code %d", i, s.name, res.Err, s.wantErr)
		}
	}
	ca, ok, err := loadCA(ctx, db.Reader())
	if err != nil || !ok || string(ca.Cert) != "cert" {
		t.Fatalf("CA %+v %v %v", ca, ok, err)
	}
	if revoked, err := isRevoked(ctx, db.Reader(), "n2"); err != nil || !revoked {
		t.Fatalf("n2 revoked: %v %v", revoked, err)
	}
	if revoked, _ := isRevoked(ctx, db.Reader(), "n3"); revoked {
		t.Fatal("n3 revoked")
	}
}
