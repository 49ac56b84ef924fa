package store

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// openTestDB opens a fresh database in the test's temp dir; it is closed when the test ends.
func openTestDB(t *testing.T) *DB {
	t.Helper()
	return openTestDBAt(t, filepath.Join(t.TempDir(), "state.db"))
}

// openTestDBAt opens the database at path; it is closed when the test ends.
func openTestDBAt(t *testing.T, path string, opts ...Option) *DB {
	t.Helper()
	db, err := Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// reopenTestDB closes db and opens its file again, as a node of a newer build does.
func reopenTestDB(t *testing.T, db *DB, opts ...Option) *DB {
	t.Helper()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return openTestDBAt(t, db.Path(), opts...)
}

// TestCheckpointsStaySmall: with no reader holding it back, the FSM's commits checkpoint the WAL
// before it passes walSizeLimit, so no single checkpoint copies more than about checkpointPages.
func TestCheckpointsStaySmall(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	if _, err := db.w.Exec(`CREATE TABLE filler (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	var largest int64
	for i := range 1500 { // ≈1,500 pages: past SQLite's default threshold of 1,000
		tx, err := db.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO filler (b) VALUES (?)`, bytes.Repeat([]byte{byte(i)}, 3000)); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(db.Path() + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		largest = max(largest, fi.Size())
	}
	if largest > walSizeLimit {
		t.Fatalf("the WAL reached %d bytes, want at most %d", largest, walSizeLimit)
	}
}

// TestWALCutBack: a read transaction held while the writer goes on (a snapshot's copy) grows the
// WAL past its usual size; once it ends, the next checkpoint lets the WAL start over and its file
// is cut back to walSizeLimit instead of keeping the size it reached.
func TestWALCutBack(t *testing.T) {
	db := openTestDB(t)
	path := db.Path()
	ctx := context.Background()
	if _, err := db.w.Exec(`CREATE TABLE filler (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	write := func(n int) { // through the FSM's transactions, whose commits run the checkpoints
		t.Helper()
		for range n {
			tx, err := db.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO filler (b) VALUES (?)`, bytes.Repeat([]byte{'x'}, 3000)); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
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
