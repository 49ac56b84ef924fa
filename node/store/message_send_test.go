package store

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"lanim/node/pb"
)

// ReadChatSend reads each value a one-to-one send needs from its own table, and nothing of other
// users, conversations or messages.
func TestReadChatSend(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	r := db.Reader()
	const cid = "si_alice_bob"
	clientID := strings.Repeat("ab", 16) // packed when stored
	for _, stmt := range []string{
		`INSERT INTO users (user_id, nickname, face_url, app_manger_level) VALUES ('alice', 'Alice', 'http://a/face', 2)`,
		`INSERT INTO users (user_id, nickname, global_recv_msg_opt) VALUES ('bob', 'Bob', 2)`,
		`INSERT INTO users (user_id) VALUES ('carol')`,
		// carol's rows, lists and messages are not alice's or bob's.
		`INSERT INTO conversations (owner_id, conversation_id, conversation_type, recv_msg_opt) VALUES ('carol', 'si_alice_bob', 1, 1)`,
		`INSERT INTO blacks (owner_id, block_id, create_time) VALUES ('carol', 'alice', 0), ('alice', 'bob', 0)`,
		`INSERT INTO friends (owner_id, friend_id, create_time) VALUES ('alice', 'bob', 0)`,
		`INSERT INTO seqs (conversation_id, max_seq) VALUES ('si_alice_carol', 9)`,
	} {
		if _, err := db.w.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	read := func() *ChatSend {
		t.Helper()
		c, err := ReadChatSend(ctx, r, clientID, "alice", "bob", cid)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	got := read()
	want := &ChatSend{
		Sender: &pb.UserInfo{UserID: "alice", Nickname: "Alice", FaceURL: "http://a/face", AppMangerLevel: 2},
		Recv:   &pb.UserInfo{UserID: "bob", GlobalRecvMsgOpt: 2},
		Rows:   map[string]int32{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("before: %+v, want %+v", got, want)
	}
	if c, err := ReadChatSend(ctx, r, clientID, "ghost", "nobody", cid); err != nil || c.Sender != nil || c.Recv != nil {
		t.Fatalf("unknown users read as %+v, %v", c, err)
	}

	for _, stmt := range []string{
		`INSERT INTO conversations (owner_id, conversation_id, conversation_type, recv_msg_opt) VALUES ('alice', 'si_alice_bob', 1, 0), ('bob', 'si_alice_bob', 1, 1)`,
		`INSERT INTO blacks (owner_id, block_id, create_time) VALUES ('bob', 'alice', 0)`,
		`INSERT INTO friends (owner_id, friend_id, create_time) VALUES ('bob', 'alice', 0)`,
		`INSERT INTO seqs (conversation_id, max_seq) VALUES ('si_alice_bob', 41)`,
	} {
		if _, err := db.w.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	if err := InsertMessage(ctx, db.w, &StoredMessage{ConversationID: cid, Seq: 41, ClientMsgID: clientID,
		ServerMsgID: "s1", SendID: "alice", SessionType: 1, ContentType: 101, Msg: []byte{}}, ""); err != nil {
		t.Fatal(err)
	}
	got = read()
	want.Retry, want.Blocked, want.Friend, want.LastSeq = true, true, true, 41
	want.Rows = map[string]int32{"alice": 0, "bob": 1}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after: %+v, want %+v", got, want)
	}
	// A note to self reads one row, as both ends.
	if c, err := ReadChatSend(ctx, r, "other", "carol", "carol", "si_carol_carol"); err != nil || c.Retry ||
		c.Sender == nil || c.Recv == nil || len(c.Rows) != 0 || c.LastSeq != 0 {
		t.Fatalf("note to self read as %+v, %v", c, err)
	}
}

// AppendSeq gives last+1, from 1, and never the same seq twice: a last seq that is no longer last
// is an error, not a second message at a taken seq.
func TestAppendSeq(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for want := int64(1); want <= 3; want++ {
		seq, err := AppendSeq(ctx, tx, "c1", want-1, 100+want)
		if err != nil || seq != want {
			t.Fatalf("seq %d, %v; want %d", seq, err, want)
		}
	}
	if _, err := AppendSeq(ctx, tx, "c1", 1, 200); err == nil {
		t.Fatal("a stale last seq gave a seq")
	}
	if _, err := AppendSeq(ctx, tx, "c2", 5, 200); err == nil {
		t.Fatal("a last seq of a conversation without one gave a seq")
	}
	if s, err := GetSeq(ctx, tx, "c1"); err != nil || s.MaxSeq != 3 || s.MaxSeqTime != 103 {
		t.Fatalf("seq state %+v, %v", s, err)
	}
	// NextSeq, which other writers use, goes on from there.
	if seq, err := NextSeq(ctx, tx, "c1", 300); err != nil || seq != 4 {
		t.Fatalf("next seq %d, %v", seq, err)
	}
}
