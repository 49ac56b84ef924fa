package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestWALCutBack: a read transaction held while the writer goes on (a snapshot's copy) grows the
// WAL past its usual size; once it ends, the next checkpoint lets the WAL start over and its file
// is cut back to walSizeLimit instead of keeping the size it reached.
func TestWALCutBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.w.Exec(`CREATE TABLE filler (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	write := func(n int) {
		t.Helper()
		for range n {
			if _, err := db.w.Exec(`INSERT INTO filler (b) VALUES (?)`, bytes.Repeat([]byte{'x'}, 3000)); err != nil {
				t.Fatal(err)
			}
		}
	}
	walSize := func() int64 {
		t.Helper()
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	reader, err := db.Reader().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := reader.QueryRow(`SELECT count(*) FROM filler`).Scan(&n); err != nil { // the read snapshot starts here
		t.Fatal(err)
	}
	write(3000) // ≈9 MB while the reader holds the WAL
	if grown := walSize(); grown <= 2*walSizeLimit {
		t.Fatalf("the WAL grew to %d bytes only: the test holds back no checkpoint", grown)
	}
	reader.Rollback()
	write(1100) // past the automatic checkpoint, which now completes, and on into a new WAL
	if size := walSize(); size > walSizeLimit {
		t.Fatalf("WAL %d bytes after a complete checkpoint, want at most %d", size, walSizeLimit)
	}
}
