package store

import (
	"os"
	"strings"
	"testing"
	"time"
)

// fileSize is the size of the file at path (0 when there is none).
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestCheckpointerRunsAheadOfTheFSM: checkpointEvery FSM commits, far fewer pages than SQLite's
// own checkpoint mark (1,000), wake the checkpointer, which copies them into the database file;
// without it they would wait in the WAL for the FSM commit that crosses the mark, and its whole
// checkpoint.
func TestCheckpointerRunsAheadOfTheFSM(t *testing.T) {
	db := openTestDB(t)
	before := fileSize(t, db.Path())
	big := strings.Repeat("x", 1<<20) // about 250 pages
	if err := beginWith(t, db, "big", big).Commit(); err != nil {
		t.Fatal(err)
	}
	if got := fileSize(t, db.Path()); got > before+int64(len(big))/2 {
		t.Fatalf("the database file grew from %d to %d bytes at a commit of 250 pages", before, got)
	}
	for i := 1; i < checkpointEvery; i++ {
		if err := beginWith(t, db, "small", "v").Commit(); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); fileSize(t, db.Path()) < before+int64(len(big)); {
		if time.Now().After(deadline) {
			t.Fatalf("the database file is %d bytes %d commits later, want the committed pages in it", fileSize(t, db.Path()), checkpointEvery)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := metaValue(t, db.Reader(), "big"); got != big {
		t.Fatalf("a reader sees %d bytes of the %d committed", len(got), len(big))
	}
}

// TestCheckpointerEndsWithTheDatabase: Close stops the checkpointer (no goroutine is left) and
// the database opens again with everything committed.
func TestCheckpointerEndsWithTheDatabase(t *testing.T) {
	path := t.TempDir() + "/state.db"
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for range checkpointEvery + 1 {
		if err := beginWith(t, db, "k", "v").Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-db.ckpt.done:
	default:
		t.Fatal("the checkpointer still runs after Close")
	}
	if db, err = Open(path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := metaValue(t, db.Reader(), "k"); got != "v" {
		t.Fatalf("reopened: %q", got)
	}
}
