package store

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
)

// FuzzSearchKeyword searches for every keyword literally: a message whose text holds the keyword is
// found, and no keyword, whatever bytes it holds, makes the search fail. The seeds (run by go test)
// are the bytes that once broke the full-text MATCH string: NUL, quotes, FTS5 syntax, invalid UTF-8.
func FuzzSearchKeyword(f *testing.F) {
	for _, seed := range []string{"a\x00b", "\x00", "\x00\x00\x00", `"`, `"""`, `a"b"c`, "NEAR(a b)", "a OR b",
		"x* AND -y", "col:abc", "^abc", "{a b}:c", "\xff\xfe\xfd", "ab\xc3", "日本語", "Ünïcödé", "  spaced  ", "'", "\\",
		"a\nb\tc", "\u2028\u2029"} {
		f.Add(seed)
	}
	db, err := Open(filepath.Join(f.TempDir(), "state.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	ctx := context.Background()
	n := 0
	f.Fuzz(func(t *testing.T, keyword string) {
		n++
		sender := "s" + strconv.Itoa(n)
		tx, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := &StoredMessage{ConversationID: "si_" + sender + "_r", Seq: 1, ClientMsgID: "c" + sender,
			ServerMsgID: "v" + sender, SendID: sender, SessionType: 1, ContentType: 101, SendTime: 1, Msg: []byte{}}
		if err := InsertMessage(ctx, tx, m, "<"+keyword+">"); err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		_, total, err := SearchMessages(ctx, db.Reader(), &SearchFilter{Keyword: keyword, SendID: sender, Limit: 10})
		if err != nil {
			t.Fatalf("keyword %q: %v", keyword, err)
		}
		if total != 1 {
			t.Fatalf("keyword %q: found %d messages holding it, want 1", keyword, total)
		}
	})
}
