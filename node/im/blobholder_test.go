package im

import (
	"context"
	"slices"
	"strings"
	"testing"

	"lanim/node/openim"
	"lanim/node/store"
)

func blobKey(c byte) string { return strings.Repeat(string(c), 64) }

// object.hold records holders through the log (nodes only, keys checked), keeps the first time a
// node was recorded, and the holder queries count only the members they are given.
func TestHoldBlobs(t *testing.T) {
	tm := testMachine(t)
	ctx := context.Background()
	ka, kb, kc := blobKey('a'), blobKey('b'), blobKey('c')

	for _, tc := range []struct {
		caller string
		args   HoldBlobs
		code   int
	}{
		{openim.AdminUserID, HoldBlobs{NodeID: "n1", Keys: []string{ka}}, openim.ErrNoPermission.Code},
		{"", HoldBlobs{NodeID: "", Keys: []string{ka}}, openim.ErrArgs.Code},
		{"", HoldBlobs{NodeID: "n 1", Keys: []string{ka}}, openim.ErrArgs.Code},
		{"", HoldBlobs{NodeID: "n1"}, openim.ErrArgs.Code},
		{"", HoldBlobs{NodeID: "n1", Keys: []string{strings.ToUpper(ka)}}, openim.ErrArgs.Code},
		{"", HoldBlobs{NodeID: "n1", Keys: []string{ka[:63]}}, openim.ErrArgs.Code},
		{"", HoldBlobs{NodeID: "n1", Keys: []string{ka, ka}}, openim.ErrArgs.Code},
		{"", HoldBlobs{NodeID: "n1", Keys: make([]string, MaxHoldKeys+1)}, openim.ErrArgs.Code},
	} {
		res, _ := tm.apply(tc.caller, KindHoldBlobs, &tc.args)
		if res.Err == nil || res.Err.Code != tc.code {
			t.Errorf("hold %+v by %q: %v, want code %d", tc.args, tc.caller, res.Err, tc.code)
		}
	}
	if h, _ := store.BlobHolders(ctx, tm.db.Reader(), ka); len(h) != 0 {
		t.Fatalf("refused commands recorded holders %v", h)
	}

	tm.ok("", KindHoldBlobs, &HoldBlobs{NodeID: "n1", Keys: []string{ka, kb, kc}})
	first := tm.now
	tm.ok("", KindHoldBlobs, &HoldBlobs{NodeID: "n2", Keys: []string{ka, kb}})
	tm.ok("", KindHoldBlobs, &HoldBlobs{NodeID: "n3", Keys: []string{ka}})
	tm.ok("", KindHoldBlobs, &HoldBlobs{NodeID: "n1", Keys: []string{ka}}) // again: kept as it was
	var at int64
	if err := tm.db.Reader().QueryRowContext(ctx, `SELECT held_at FROM blob_holders WHERE blob_key = ? AND node_id = 'n1'`,
		ka).Scan(&at); err != nil || at != first {
		t.Fatalf("n1 holds a since %d (%v), want the first record's %d", at, err, first)
	}
	if h, err := store.BlobHolders(ctx, tm.db.Reader(), ka); err != nil || !slices.Equal(h, []string{"n1", "n2", "n3"}) {
		t.Fatalf("holders of a: %v %v", h, err)
	}

	r := tm.db.Reader()
	members := []string{"n1", "n2", "n3"}
	// Three members want three copies: b (2) and c (1) are short.
	if under, lost, err := store.CountUnderHeldBlobs(ctx, r, members, 3); err != nil || under != 2 || lost != 0 {
		t.Fatalf("under-held of 3 members: %d, %d lost, %v; want 2, 0", under, lost, err)
	}
	if keys, err := store.UnderHeldBlobs(ctx, r, "n1", members, 3, "", 10); err != nil || !slices.Equal(keys, []string{kb, kc}) {
		t.Fatalf("n1's under-held blobs: %v %v", keys, err)
	}
	if keys, _ := store.UnderHeldBlobs(ctx, r, "n1", members, 3, kb, 10); !slices.Equal(keys, []string{kc}) {
		t.Fatalf("n1's under-held blobs after b: %v", keys)
	}
	if keys, _ := store.UnderHeldBlobs(ctx, r, "n3", members, 3, "", 10); len(keys) != 0 {
		t.Fatalf("n3 holds only a, which has its copies; listed %v", keys)
	}
	// n1 left the office: it no longer counts, c is held by no member.
	members = []string{"n2", "n3", "n4"}
	if under, lost, _ := store.CountUnderHeldBlobs(ctx, r, members, 3); under != 3 || lost != 1 {
		t.Fatalf("after n1 left: %d under-held, %d lost; want 3, 1", under, lost)
	}
	if under, lost, _ := store.CountUnderHeldBlobs(ctx, r, members, 1); under != 1 || lost != 1 {
		t.Fatalf("one copy wanted, after n1 left: %d under-held, %d lost; want 1, 1", under, lost)
	}
}
