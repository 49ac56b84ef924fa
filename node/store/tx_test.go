package store

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"strings"
	"testing"
)

func metaValue(t *testing.T, q Q, key string) string {
	t.Helper()
	v, _, err := GetMeta(context.Background(), q, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(v)
}

// beginWith begins the FSM's transaction and sets the meta key to value in it.
func beginWith(t *testing.T, db *DB, key, value string) *Tx {
	t.Helper()
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := SetMeta(context.Background(), tx, key, []byte(value)); err != nil {
		tx.Rollback()
		t.Fatal(err)
	}
	return tx
}

// The FSM's transaction commits, rolls back and ends once; readers see only what it committed.
func TestTxCommitsAndRollsBack(t *testing.T) {
	db := openTestDB(t)
	for _, c := range []struct {
		value      string
		end, again func(*Tx) error // again must find the transaction over
		seen       string          // what a reader sees after end
	}{
		{"one", (*Tx).Commit, (*Tx).Rollback, "one"},
		{"two", (*Tx).Rollback, (*Tx).Commit, "one"},
	} {
		tx := beginWith(t, db, "k", c.value)
		if got := metaValue(t, tx, "k"); got != c.value {
			t.Fatalf("the transaction reads %q of its own write %q", got, c.value)
		}
		if got := metaValue(t, db.Reader(), "k"); got == c.value {
			t.Fatalf("a reader sees %q before the transaction ends", got)
		}
		if err := c.end(tx); err != nil {
			t.Fatal(err)
		}
		if err := c.again(tx); !errors.Is(err, sql.ErrTxDone) {
			t.Fatalf("a second end: %v, want ErrTxDone", err)
		}
		if got := metaValue(t, db.Reader(), "k"); got != c.seen {
			t.Fatalf("a reader sees %q after writing %q, want %q", got, c.value, c.seen)
		}
	}
	// The next transaction starts clean on the same connection.
	tx, err := db.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if got := metaValue(t, tx, "k"); got != "one" {
		t.Fatalf("the next transaction reads %q", got)
	}
}

// watchingRows reports whether a goroutine of database/sql watches open rows: Rows.awaitDone, or
// the wrapper that starts it (a goroutine not yet run shows only that).
func watchingRows() bool {
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	return strings.Contains(stacks, "(*Rows).awaitDone") || strings.Contains(stacks, "(*Rows).initContextClose")
}

// A query in the FSM's transaction starts no goroutine (a *sql.Tx starts one per query to watch its
// context), and a statement may run while another's rows are still open.
func TestTxQueriesStartNoGoroutine(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	const query = `SELECT key FROM meta`
	for range 2 { // the first transaction notes the statement, the second runs it prepared
		tx := beginWith(t, db, "k", "v")
		rows, err := tx.QueryContext(ctx, query)
		if err != nil {
			t.Fatal(err)
		}
		watching := watchingRows()
		next := rows.Next()
		werr := SetMeta(ctx, tx, "k2", []byte("w"))
		rows.Close()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if watching {
			t.Fatal("a goroutine watches the open rows")
		}
		if !next {
			t.Fatal("no row")
		}
		if werr != nil {
			t.Fatalf("a write while rows are open: %v", werr)
		}
	}
	if db.stmts.get(query) == nil {
		t.Fatal("the query was not prepared")
	}
}

// countTx counts the statements run through the transaction it embeds.
type countTx struct {
	*Tx
	n int
}

func (q *countTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	q.n++
	return q.Tx.QueryRowContext(ctx, query, args...)
}

// A meta row is read once per transaction; the transaction's own writes and a rollback to a
// savepoint keep what it reads exact.
func TestTxReadsAMetaRowOnce(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	if err := beginWith(t, db, "office", "a").Commit(); err != nil {
		t.Fatal(err)
	}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	q := &countTx{Tx: tx}
	for range 3 {
		if got := metaValue(t, q, "office"); got != "a" {
			t.Fatalf("read %q, want a", got)
		}
	}
	if _, _, err := GetMeta(ctx, q, "absent"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := GetMeta(ctx, q, "absent"); ok {
		t.Fatal("an absent row reads as present")
	}
	if q.n != 2 {
		t.Fatalf("%d statements for three reads of one row and two of another, want 2", q.n)
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT cmd`); err != nil {
		t.Fatal(err)
	}
	if err := SetMeta(ctx, q, "office", []byte("b")); err != nil {
		t.Fatal(err)
	}
	if got := metaValue(t, q, "office"); got != "b" {
		t.Fatalf("read %q after writing b", got)
	}
	if _, err := tx.ExecContext(ctx, `ROLLBACK TO cmd`); err != nil {
		t.Fatal(err)
	}
	if got := metaValue(t, q, "office"); got != "a" {
		t.Fatalf("read %q after the write was rolled back, want a", got)
	}
}

// A transaction begun while another is open waits for it to end, and then runs alone.
func TestTxBeginWaitsForTheOpenOne(t *testing.T) {
	db := openTestDB(t)
	ctx := context.Background()
	first := beginWith(t, db, "k", "first")
	begun := make(chan *Tx)
	go func() {
		tx, err := db.Begin(ctx)
		if err != nil {
			t.Error(err)
		}
		begun <- tx
	}()
	if err := first.Rollback(); err != nil {
		t.Fatalf("rollback while another transaction waits: %v", err)
	}
	second := <-begun
	if second == nil {
		t.FailNow()
	}
	defer second.Rollback()
	if got := metaValue(t, second, "k"); got != "" {
		t.Fatalf("the second transaction reads %q of the rolled-back first", got)
	}
}
