package im

import (
	"context"
	"strings"
	"testing"

	"lanim/node/openim"
	"lanim/node/store"
)

const (
	testKey1 = "abababababababababababababababababababababababababababababababab"
	testKey2 = "2222222222222222222222222222222222222222222222222222222222222222"
	testHash = "0123456789abcdef0123456789abcdef"
)

// TestCompleteObjectRules: the FSM applies upstream's name rule and the size ceiling itself, so a
// proposer that skipped them cannot write a bad row.
func TestCompleteObjectRules(t *testing.T) {
	tm := testMachine(t)
	good := func() *CompleteObject {
		return &CompleteObject{Name: "alice/a.png", Key: testKey1, Hash: testHash, Size: 10, ContentType: "image/png"}
	}
	cases := []struct {
		name   string
		caller string
		mod    func(a *CompleteObject)
		code   int
	}{
		{"another user's name", "alice", func(a *CompleteObject) { a.Name = "bob/a.png" }, 1002},
		{"a name without the user", "alice", func(a *CompleteObject) { a.Name = "alice.png" }, 1002},
		{"a prefix that is not a folder", "alice", func(a *CompleteObject) { a.Name = "alicex/a.png" }, 1002},
		{"a name over 1024 characters", "alice", func(a *CompleteObject) { a.Name = "alice/" + strings.Repeat("名", 1019) }, 1001},
		{"no name", "alice", func(a *CompleteObject) { a.Name = "" }, 1001},
		{"an uppercase key", "alice", func(a *CompleteObject) { a.Key = strings.ToUpper(testKey1[:10]) + testKey1[10:] }, 1001},
		{"a short key", "alice", func(a *CompleteObject) { a.Key = testKey1[:60] }, 1001},
		{"a bad hash", "alice", func(a *CompleteObject) { a.Hash = "zz" }, 1001},
		{"over the size ceiling", "alice", func(a *CompleteObject) { a.Size = MaxObjectSize + 1 }, 1001},
		{"a negative size", "alice", func(a *CompleteObject) { a.Size = -1 }, 1001},
		{"a long content type", "alice", func(a *CompleteObject) { a.ContentType = strings.Repeat("x", 256) }, 1001},
		{"the node itself", "", func(a *CompleteObject) {}, 1002},
	}
	for _, c := range cases {
		a := good()
		c.mod(a)
		t.Log(c.name)
		tm.fail(c.caller, "object.complete", a, c.code)
	}
	// JSON carries no invalid UTF-8 to the FSM (it becomes U+FFFD); the API's check refuses it.
	if err := CheckObjectName(Caller{UserID: "alice"}, "alice/\xff.png"); err == nil || openim.AsError(err).Code != 1001 {
		t.Fatalf("invalid UTF-8 name: %v", err)
	}
	if o, _ := store.LatestObject(context.Background(), tm.q(), "alice/a.png"); o != nil {
		t.Fatalf("a refused command wrote %+v", o)
	}
	// The admin names objects freely (logs, office files).
	tm.ok(openim.AdminUserID, "object.complete", &CompleteObject{Name: "office/logo.png", Key: testKey1, Hash: testHash, Size: 10})
}

// TestCompleteObjectRows: a name completed again with the same bytes replaces its row; with other
// bytes it gets a second row, so the first URL (name and key) still resolves.
func TestCompleteObjectRows(t *testing.T) {
	tm := testMachine(t)
	ctx := context.Background()
	tm.ok("alice", "object.complete", &CompleteObject{Name: "alice/a.bin", Key: testKey1, Hash: testHash, Size: 10,
		ContentType: "text/plain", Cause: "msg"})
	first := tm.now
	tm.ok("alice", "object.complete", &CompleteObject{Name: "alice/a.bin", Key: testKey1, Hash: strings.ToUpper(testHash),
		Size: 10, ContentType: "application/pdf"})
	o, err := store.GetObject(ctx, tm.q(), "alice/a.bin", testKey1)
	if err != nil || o == nil || o.ContentType != "application/pdf" || o.Hash != testHash || o.UserID != "alice" || o.CreateTime == first {
		t.Fatalf("replaced row %+v %v", o, err)
	}
	tm.ok("alice", "object.complete", &CompleteObject{Name: "alice/a.bin", Key: testKey2, Hash: testHash, Size: 10})
	if o, _ := store.GetObject(ctx, tm.q(), "alice/a.bin", testKey1); o == nil {
		t.Fatal("the first key's row is gone: its URL no longer resolves")
	}
	if o, _ := store.LatestObject(ctx, tm.q(), "alice/a.bin"); o == nil || o.Key != testKey2 {
		t.Fatalf("latest %+v, want key 2", o)
	}
	if o, _ := store.ObjectByHash(ctx, tm.q(), testHash, 10); o == nil || o.Name != "alice/a.bin" {
		t.Fatalf("by hash %+v", o)
	}
	if o, _ := store.ObjectByHash(ctx, tm.q(), testHash, 11); o != nil {
		t.Fatalf("by hash with another size: %+v", o)
	}
}
