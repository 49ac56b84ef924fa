package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// The batched reads split long ID lists into statements of batchSize; every item must come back
// once, whichever statement it fell in.
func TestBatchedReadsAcrossStatements(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 2*batchSize + 7
	var ids []string
	var refs []MessageRef
	for i := range n {
		id := fmt.Sprintf("si_u%04d_v", i)
		ids = append(ids, id)
		refs = append(refs, MessageRef{ConversationID: id, Seq: 2})
		for _, stmt := range []struct {
			q    string
			args []any
		}{
			{`INSERT INTO seqs (conversation_id, max_seq, min_seq, max_seq_time) VALUES (?, 2, ?, ?)`, []any{id, i % 3, i}},
			{`INSERT INTO conversations (owner_id, conversation_id, conversation_type, has_read_seq) VALUES ('v', ?, 1, ?)`, []any{id, i % 2}},
		} {
			if _, err := tx.ExecContext(ctx, stmt.q, stmt.args...); err != nil {
				t.Fatal(err)
			}
		}
		if i%5 != 0 { // every fifth has no message at seq 2
			if err := InsertMessage(ctx, tx, &StoredMessage{ConversationID: id, Seq: 2, ClientMsgID: "c" + id,
				ServerMsgID: "s" + id, SendID: "u", SessionType: 1, ContentType: 101, SendTime: int64(i), Msg: []byte{}}, ""); err != nil {
				t.Fatal(err)
			}
		}
		if i%7 == 0 {
			if err := MarkDeleted(ctx, tx, "v", id, []int64{1, 2}); err != nil {
				t.Fatal(err)
			}
		}
		if i%11 == 0 { // another user's delete marks are not v's
			if err := MarkDeleted(ctx, tx, "u", id, []int64{2}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	q := db.Reader()
	seqs, err := GetSeqs(ctx, q, append(ids, "si_none"))
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := MessagesAtRefs(ctx, q, "v", append(refs, MessageRef{"si_none", 1}, MessageRef{ids[1], 1}))
	if err != nil {
		t.Fatal(err)
	}
	reads, err := HasReadSeqsOf(ctx, q, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != n || len(reads) != n {
		t.Fatalf("%d seqs, %d read states for %d conversations", len(seqs), len(reads), n)
	}
	found := 0
	for i, id := range ids {
		if s := seqs[id]; s != (Seq{MaxSeq: 2, MinSeq: int64(i % 3), MaxSeqTime: int64(i)}) {
			t.Fatalf("%s: seq %+v", id, s)
		}
		if r := reads[id]; len(r) != 1 || r["v"] != int64(i%2) {
			t.Fatalf("%s: read states %v", id, r)
		}
		m, ok := msgs[MessageRef{id, 2}]
		if ok != (i%5 != 0) {
			t.Fatalf("%s: message found %v", id, ok)
		}
		if ok {
			found++
			if m.ServerMsgID != "s"+id || m.SendTime != int64(i) || m.DeletedByOwner != (i%7 == 0) {
				t.Fatalf("%s: %+v", id, m)
			}
		}
	}
	if len(msgs) != found {
		t.Fatalf("%d messages, %d expected", len(msgs), found)
	}
}
