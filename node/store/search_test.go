package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"lanim/node/pb"
)

// contentText is a test message's indexed text: its content as it is.
func contentText(_ int32, msg []byte) string {
	var m pb.MsgData
	if proto.Unmarshal(msg, &m) != nil {
		return ""
	}
	return string(m.Content)
}

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
		text := "<" + keyword + ">"
		msg, err := proto.Marshal(&pb.MsgData{Content: []byte(text)})
		if err != nil {
			t.Fatal(err)
		}
		m := &StoredMessage{ConversationID: "si_" + sender + "_r", Seq: 1, ClientMsgID: "c" + sender,
			ServerMsgID: "v" + sender, SendID: sender, SessionType: 1, ContentType: 101, SendTime: 1, Msg: msg}
		if err := InsertMessage(ctx, tx, m, text); err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		_, total, err := SearchMessages(ctx, db.Reader(), &SearchFilter{Keyword: keyword, SendID: sender, Limit: 10, TextOf: contentText})
		if err != nil {
			t.Fatalf("keyword %q: %v", keyword, err)
		}
		if total != 1 {
			t.Fatalf("keyword %q: found %d messages holding it, want 1", keyword, total)
		}
	})
}

// TestContentlessIndexMigration: an index that kept its own copy of the text (older builds) is
// rebuilt contentless from that copy when the database opens; long and short keywords still find
// the old messages, and a revoke still drops one from the index.
func TestContentlessIndexMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// The older build's index, holding two messages.
	for _, stmt := range []string{`DROP TABLE messages_fts`, `CREATE VIRTUAL TABLE messages_fts USING fts5 (text, tokenize='trigram')`,
		`PRAGMA user_version = 1`} {
		if _, err := db.w.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	for seq, text := range map[int64]string{1: "lunch at noon?", 2: "ok"} {
		m, _ := fullMessage(seq)
		m.Msg, _ = proto.Marshal(&pb.MsgData{Content: []byte(text)})
		if err := InsertMessage(ctx, db.w, m, text); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ddl string
	if err := db.Reader().QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'messages_fts'`).Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	var copies int
	db.Reader().QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'messages_fts_content'`).Scan(&copies)
	if copies != 0 {
		t.Fatalf("the index still keeps a copy of the text: %s", ddl)
	}
	find := func(keyword string) int64 {
		t.Helper()
		_, total, err := SearchMessages(ctx, db.Reader(), &SearchFilter{Keyword: keyword, Limit: 10, TextOf: contentText})
		if err != nil {
			t.Fatal(err)
		}
		return total
	}
	for keyword, want := range map[string]int64{"NOON": 1, "lunch at": 1, "ok": 1, "o": 2, "absent": 0, "zz": 0} {
		if got := find(keyword); got != want {
			t.Fatalf("%q finds %d messages, want %d", keyword, got, want)
		}
	}
	if ok, err := SetRevoke(ctx, db.w, "si_alice_bob", 1, []byte(`{}`)); err != nil || !ok {
		t.Fatalf("revoke: %v %v", ok, err)
	}
	var indexed int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '"noo"'`).Scan(&indexed); err != nil || indexed != 0 {
		t.Fatalf("a revoked message is still in the index (%d, %v)", indexed, err)
	}
}

// indexTexts stores one message per text in a fresh database whose full-text index is made by ddl
// (the current one when empty), and returns it with a search by keyword that answers the number of
// matches.
func indexTexts(t *testing.T, ddl string, texts ...string) (db *DB, find func(keyword string) int64) {
	t.Helper()
	db = openTestDB(t)
	ctx := context.Background()
	if ddl != "" {
		for _, stmt := range []string{`DROP TABLE messages_fts`, ddl} {
			if _, err := db.w.Exec(stmt); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, text := range texts {
		m, _ := fullMessage(int64(i + 1))
		m.Msg, _ = proto.Marshal(&pb.MsgData{Content: []byte(text)})
		if err := InsertMessage(ctx, db.w, m, text); err != nil {
			t.Fatal(err)
		}
	}
	return db, func(keyword string) int64 {
		t.Helper()
		_, total, err := SearchMessages(ctx, db.Reader(), &SearchFilter{Keyword: keyword, Limit: 10, TextOf: contentText})
		if err != nil {
			t.Fatalf("%q: %v", keyword, err)
		}
		return total
	}
}

// searchCases are keywords and how many of searchTexts hold each.
var (
	searchTexts = []string{"noo oon", "Lunch at NOON", "ünïcödé", "abcabcabc"}
	searchCases = map[string]int64{
		"noon":    1, // "noo oon" holds both of its trigrams, not the word
		"noo":     2,
		"at noon": 1,
		"ÜNÏCÖ":   1, // case folds beyond ASCII, as the index folds it
		"cabca":   1, // a trigram twice
		"oon oo":  0,
		"no":      2,
	}
)

// TestSearchIndexKeepsNoPositions: the index stores which messages hold a trigram, not where (its
// largest part before), so a keyword of several trigrams is checked in each candidate's text: a
// message that holds every trigram of the keyword apart is not found.
func TestSearchIndexKeepsNoPositions(t *testing.T) {
	_, find := indexTexts(t, "", searchTexts...)
	for keyword, want := range searchCases {
		if got := find(keyword); got != want {
			t.Errorf("%q finds %d messages, want %d", keyword, got, want)
		}
	}
}

// positionalFTS is the contentless index of older builds, which kept each trigram's positions.
const positionalFTS = `CREATE VIRTUAL TABLE messages_fts USING fts5 (text, tokenize='trigram', content='', contentless_delete=1)`

// TestSearchPositionalIndex: a database written by an older build, whose contentless index keeps
// positions, is searched the same way and finds the same messages.
func TestSearchPositionalIndex(t *testing.T) {
	_, find := indexTexts(t, positionalFTS, searchTexts...)
	for keyword, want := range searchCases {
		if got := find(keyword); got != want {
			t.Errorf("%q finds %d messages, want %d", keyword, got, want)
		}
	}
}

// TestSearchIndexSize: without positions the index takes under 60% of what the positional index
// took for the same chat lines (that was about 140 bytes of a text message's 440 in state.db).
func TestSearchIndexSize(t *testing.T) {
	texts := make([]string, 2000)
	for i := range texts {
		texts[i] = fmt.Sprintf("message %d, about as long as a chat line, to %d", i, i%37)
	}
	size := func(ddl string) int64 {
		db, _ := indexTexts(t, ddl, texts...)
		var n int64
		if err := db.Reader().QueryRow(`SELECT sum(length(block)) FROM messages_fts_data`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	lean, positional := size(""), size(positionalFTS)
	if lean*10 >= positional*6 {
		t.Fatalf("index of %d lines: %d bytes, the positional index %d", len(texts), lean, positional)
	}
	t.Logf("index of %d lines: %d bytes, the positional index %d", len(texts), lean, positional)
}

// TestLeanIndexMigration: a database whose index keeps positions (older builds) is rebuilt without
// them when it opens with the rule for a message's text, from the messages the index held: a
// revoked message stays out, and the old messages are found as before.
func TestLeanIndexMigration(t *testing.T) {
	db, _ := indexTexts(t, positionalFTS, searchTexts...)
	ctx := context.Background()
	if ok, err := SetRevoke(ctx, db.w, "si_alice_bob", 4, []byte(`{}`)); err != nil || !ok { // "abcabcabc"
		t.Fatalf("revoke: %v %v", ok, err)
	}
	db = reopenTestDB(t, db, WithSearchText(contentText))
	ddl, err := ftsDDL(ctx, db.w)
	if err != nil || !strings.Contains(ddl, "detail=none") {
		t.Fatalf("index after migration: %q %v", ddl, err)
	}
	var indexed int
	if err := db.Reader().QueryRow(`SELECT count(*) FROM messages_fts`).Scan(&indexed); err != nil || indexed != len(searchTexts)-1 {
		t.Fatalf("%d messages indexed (%v), want %d", indexed, err, len(searchTexts)-1)
	}
	for keyword, want := range searchCases {
		if keyword == "cabca" {
			want = 0 // revoked
		}
		_, got, err := SearchMessages(ctx, db.Reader(), &SearchFilter{Keyword: keyword, Limit: 10, TextOf: contentText})
		if err != nil || got != want {
			t.Errorf("%q finds %d messages (%v), want %d", keyword, got, err, want)
		}
	}
}
