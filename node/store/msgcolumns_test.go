package store

import (
	"context"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"lanim/node/pb"
)

func fullMessage(seq int64) (*StoredMessage, *pb.MsgData) {
	msg := &pb.MsgData{SendID: "alice", RecvID: "bob", ClientMsgID: "client-0123456789abcdef0123456789",
		ServerMsgID: "server-0123456789abcdef012345678", SenderPlatformID: 5, SenderNickname: "Alice", SessionType: 1,
		MsgFrom: 100, ContentType: 101, Content: []byte(`{"content":"hello"}`), Seq: seq, SendTime: 1_796_000_000_000 + seq,
		CreateTime: 1_796_000_000_000, Status: 2, Options: map[string]bool{"history": false}}
	msg.ClientMsgID += string(rune('a' + seq))
	b, err := proto.Marshal(msg)
	if err != nil {
		panic(err)
	}
	return &StoredMessage{ConversationID: "si_alice_bob", Seq: seq, ClientMsgID: msg.ClientMsgID, ServerMsgID: msg.ServerMsgID,
		SendID: msg.SendID, SessionType: msg.SessionType, ContentType: msg.ContentType, SendTime: msg.SendTime, Msg: b}, msg
}

// rawMsg is the msg column as stored.
func rawMsg(t *testing.T, db *DB, seq int64) []byte {
	t.Helper()
	var b []byte
	if err := db.Reader().QueryRow(`SELECT msg FROM messages WHERE seq = ?`, seq).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

// checkReads fails unless every read of the message at seq gives back want.
func checkReads(t *testing.T, db *DB, seq int64, want *pb.MsgData) {
	t.Helper()
	ctx, q := context.Background(), db.Reader()
	var reads [][]byte
	m, ok, err := MessageAt(ctx, q, "si_alice_bob", seq)
	if err != nil || !ok {
		t.Fatalf("message %d: %v %v", seq, ok, err)
	}
	reads = append(reads, m.Msg)
	if m, ok, err = MessageByClientID(ctx, q, want.ClientMsgID); err != nil || !ok {
		t.Fatalf("message %s: %v %v", want.ClientMsgID, ok, err)
	}
	reads = append(reads, m.Msg)
	ms, err := MessagesInRange(ctx, q, "si_alice_bob", seq, seq)
	if err != nil || len(ms) != 1 {
		t.Fatalf("range %d: %d %v", seq, len(ms), err)
	}
	reads = append(reads, ms[0].Msg)
	refs, err := MessagesAtRefs(ctx, q, "bob", []MessageRef{{"si_alice_bob", seq}})
	if err != nil || len(refs) != 1 {
		t.Fatalf("refs %d: %d %v", seq, len(refs), err)
	}
	reads = append(reads, refs[MessageRef{"si_alice_bob", seq}].Msg)
	for i, b := range reads {
		got := &pb.MsgData{}
		if err := proto.Unmarshal(b, got); err != nil || !proto.Equal(got, want) {
			t.Fatalf("read %d of message %d: %v (%v), want %v", i, seq, got, err, want)
		}
	}
}

// TestStoredMessageLeavesOutColumns: the stored msg leaves out the fields the row keeps as
// columns, and every read gives the whole message back.
func TestStoredMessageLeavesOutColumns(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, want := fullMessage(1)
	if err := InsertMessage(context.Background(), db.w, m, "hello"); err != nil {
		t.Fatal(err)
	}
	if raw := rawMsg(t, db, 1); len(raw) > len(m.Msg)-80 {
		t.Fatalf("stored msg of %d bytes for a message of %d: the column fields (over 80 bytes) are still in it", len(raw), len(m.Msg))
	}
	checkReads(t, db, 1, want)
}

// TestMigrationStripsWholeMessages: rows an older build stored whole are stripped when the
// database opens, and read the same before and after.
func TestMigrationStripsWholeMessages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	var wants []*pb.MsgData
	for seq := int64(1); seq <= 3; seq++ {
		m, want := fullMessage(seq)
		wants = append(wants, want)
		// As an older build stored it: the whole msg.
		if _, err := db.w.Exec(`INSERT INTO messages (conversation_id, seq, client_msg_id, server_msg_id, send_id,
			session_type, content_type, send_time, msg) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ConversationID, m.Seq,
			m.ClientMsgID, m.ServerMsgID, m.SendID, m.SessionType, m.ContentType, m.SendTime, m.Msg); err != nil {
			t.Fatal(err)
		}
		checkReads(t, db, seq, want)
	}
	if _, err := db.w.Exec(`PRAGMA user_version = 0`); err != nil {
		t.Fatal(err)
	}
	whole := len(rawMsg(t, db, 2))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if raw := rawMsg(t, db, 2); len(raw) > whole-80 {
		t.Fatalf("after the migration a msg of %d bytes is stored in %d", whole, len(raw))
	}
	for i, want := range wants {
		checkReads(t, db, int64(i+1), want)
	}
}
