package store

import (
	"context"
	"testing"
)

// Hex IDs as the SDKs and the server make them, and IDs of other forms.
const (
	hexClientID = "0123456789abcdef0123456789abcdef"
	hexServerID = "fedcba9876543210fedcba9876543210"
)

// storedIDForms are the SQLite types of a message's two ID columns.
func storedIDForms(t *testing.T, db *DB, seq int64) (client, server string) {
	t.Helper()
	if err := db.Reader().QueryRow(`SELECT typeof(client_msg_id), typeof(server_msg_id) FROM messages
		WHERE conversation_id = 'si_alice_bob' AND seq = ?`, seq).Scan(&client, &server); err != nil {
		t.Fatal(err)
	}
	return client, server
}

// TestMessageIDsPacked: hex IDs are stored as their 16 bytes and read back as the same text; IDs
// of any other form (upper case, other lengths, other letters) are stored as text; a lookup by
// clientMsgID finds both, and the unique index still refuses a second message with a packed ID.
func TestMessageIDsPacked(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	cases := []struct {
		client, server string
		packed         bool
	}{
		{hexClientID, hexServerID, true},
		{"0123456789ABCDEF0123456789ABCDEF", "server-1", false},
		{"0123456789abcdef0123456789abcdeg", "0123456789abcdef0123456789abcde", false},
		{"bench_0_1_2_3", "v", false},
	}
	for i, c := range cases {
		m, _ := fullMessage(int64(i + 1))
		m.ClientMsgID, m.ServerMsgID = c.client, c.server
		if err := InsertMessage(ctx, db.w, m, ""); err != nil {
			t.Fatal(err)
		}
		clientForm, serverForm := storedIDForms(t, db, int64(i+1))
		if want := map[bool]string{true: "blob", false: "text"}[c.packed]; clientForm != want || serverForm != want {
			t.Errorf("%s/%s stored as %s/%s, want %s", c.client, c.server, clientForm, serverForm, want)
		}
		got, ok, err := MessageByClientID(ctx, db.Reader(), c.client)
		if err != nil || !ok || got.ClientMsgID != c.client || got.ServerMsgID != c.server || got.Seq != int64(i+1) {
			t.Errorf("by client id %s: %+v %v %v", c.client, got, ok, err)
		}
		at, ok, err := MessageAt(ctx, db.Reader(), "si_alice_bob", int64(i+1))
		if err != nil || !ok || at.ClientMsgID != c.client || at.ServerMsgID != c.server {
			t.Errorf("at seq %d: %+v %v %v", i+1, at, ok, err)
		}
	}
	m, _ := fullMessage(9)
	m.ClientMsgID = hexClientID
	if err := InsertMessage(ctx, db.w, m, ""); err == nil {
		t.Fatal("a second message with the same packed clientMsgID was stored")
	}
}

// TestPackIDsMigration: the hex IDs of messages an older build stored as text are packed when the
// database opens, and found by their clientMsgID as before.
func TestPackIDsMigration(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	m, _ := fullMessage(1)
	if err := InsertMessage(ctx, db.w, m, ""); err != nil {
		t.Fatal(err)
	}
	// As the older build stored it.
	for _, stmt := range []string{
		`UPDATE messages SET client_msg_id = '` + hexClientID + `', server_msg_id = '` + hexServerID + `'`,
		`PRAGMA user_version = 2`,
	} {
		if _, err := db.w.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	if c, s := storedIDForms(t, db, 1); c != "text" || s != "text" {
		t.Fatalf("the old form is %s/%s", c, s)
	}
	db = reopenTestDB(t, db)
	if c, s := storedIDForms(t, db, 1); c != "blob" || s != "blob" {
		t.Fatalf("after migration the IDs are %s/%s", c, s)
	}
	got, ok, err := MessageByClientID(ctx, db.Reader(), hexClientID)
	if err != nil || !ok || got.ServerMsgID != hexServerID {
		t.Fatalf("by client id: %+v %v %v", got, ok, err)
	}
}
