package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"syscall"

	sqlite3 "github.com/mattn/go-sqlite3"
)

// queryAll runs a query and reads every row with scan (nil when there is none); what names the
// rows in errors. The scanX functions of the areas fit scan.
func queryAll[T any](ctx context.Context, q Q, what string, scan func(interface{ Scan(...any) error }) (T, error),
	query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// countedPage is one page of a list with the list's total: count is the list's SELECT count(*),
// list its ordered SELECT, both taking args; what names the list in errors.
func countedPage[T any](ctx context.Context, q Q, what string, scan func(interface{ Scan(...any) error }) (T, error),
	count, list string, offset, limit int, args ...any) ([]T, int64, error) {
	var total int64
	if err := q.QueryRowContext(ctx, count, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count %s: %w", what, err)
	}
	rows, err := queryAll(ctx, q, "list "+what, scan, list+` LIMIT ? OFFSET ?`, append(args[:len(args):len(args)], limit, offset)...)
	return rows, total, err
}

// queryIn reads the rows whose ID is among ids, in the order of ids, each once (IDs without a row
// are left out): query ends in "IN", args come before the ids, key is a row's ID, and what names
// the rows in errors.
func queryIn[T any](ctx context.Context, q Q, what string, scan func(interface{ Scan(...any) error }) (T, error),
	query string, ids []string, key func(T) string, args ...any) ([]T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := queryAll(ctx, q, what, scan, query+` (`+placeholders(len(ids))+`)`, append(args[:len(args):len(args)], anys(ids)...)...)
	if err != nil {
		return nil, err
	}
	return inOrder(rows, ids, key), nil
}

// Q is what the area queries run on: a transaction inside the FSM, or the read pool in handlers.
type Q interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// DB is the state database: one writer connection for the FSM and a pool of readers.
type DB struct {
	path string
	w    *sql.DB
	// fsm is the writer connection the FSM's transactions run on, held for the DB's life; w's
	// other connection serves a restore and its migration, which the FSM never runs alongside.
	fsm    *sql.Conn
	fsmMu  sync.Mutex // held from Begin to Commit or Rollback
	r      *sql.DB
	stmts  *stmtCache // prepared on fsm
	textOf TextOf     // nil: indexes of older builds stay as they are
}

// TextOf reads the indexed text of a stored message from its content type and msg: the im
// package's rule for what search finds.
type TextOf func(contentType int32, msg []byte) string

// Option adjusts how Open opens the database.
type Option func(*DB)

// WithSearchText gives the database the rule for a message's indexed text, so that opening (or
// restoring) a database of an older build rebuilds its full-text index in this build's form.
func WithSearchText(textOf TextOf) Option { return func(db *DB) { db.textOf = textOf } }

// Open opens (creating if needed) the state database at path and brings its schema up to date.
func Open(path string, opts ...Option) (*DB, error) {
	db := &DB{path: path, stmts: newStmtCache()}
	for _, o := range opts {
		o(db)
	}
	// The office's messages live here: private to the user (SQLite gives -wal and -shm the same mode).
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	f.Close()
	w, err := sql.Open("sqlite3", dsn(path, url.Values{
		"_journal_mode": {"WAL"},
		"_synchronous":  {"NORMAL"},
		"_busy_timeout": {"10000"},
		"_txlock":       {"immediate"},
		"_foreign_keys": {"0"},
	}))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// The FSM's connection and one for a restore: the FSM applies serially, and SQLite allows one
	// writer anyway.
	w.SetMaxOpenConns(2)
	w.SetMaxIdleConns(2)
	w.SetConnMaxLifetime(0)
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := migrate(w, db.textOf); err != nil {
		w.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	fsm, err := w.Conn(context.Background())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// The FSM's commits run the checkpoints, so both WAL settings are made on its connection.
	//
	// A checkpoint stalls the commit that runs it, and every message applied behind it, for as
	// long as it copies pages and syncs: SQLite's default of 1,000 pages was most of an office's
	// p99 at 500 msg/s. Checkpoints of checkpointPages keep each stall short.
	//
	// The WAL file keeps the largest size it ever reached: while a snapshot's read transaction
	// holds back checkpoints it grows past its usual size, and stayed so. With a limit SQLite cuts
	// it back once a checkpoint has let it start over.
	for _, pragma := range []string{
		fmt.Sprintf(`PRAGMA wal_autocheckpoint = %d`, checkpointPages),
		fmt.Sprintf(`PRAGMA journal_size_limit = %d`, walSizeLimit),
	} {
		if _, err := fsm.ExecContext(context.Background(), pragma); err != nil {
			fsm.Close()
			w.Close()
			return nil, fmt.Errorf("open %s: %s: %w", path, pragma, err)
		}
	}
	r, err := sql.Open("sqlite3", dsn(path, url.Values{
		"_busy_timeout": {"10000"},
		"_query_only":   {"1"},
	}))
	if err != nil {
		fsm.Close()
		w.Close()
		return nil, fmt.Errorf("open readers %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db.w, db.fsm, db.r = w, fsm, r
	return db, nil
}

// checkpointPages is the WAL's length in pages that makes a commit checkpoint it. On the 2-core
// bench VM, an office's p99 at 500 msg/s was 10.5-11.5 ms at SQLite's default of 1,000, 7.6-8.7
// at 300 and 45 at 10,000; a saturated node lost 3-4% of its rate at 300 and about 9% at 100
// (docs/benchmarks.md, "Issue 17, round eight").
const checkpointPages = 300

// walSizeLimit is the size SQLite cuts the WAL file back to: a little more than it holds between
// two automatic checkpoints (checkpointPages of 4 KB with their frame headers, and one commit).
const walSizeLimit = 2 << 20

func dsn(path string, v url.Values) string {
	return "file:" + path + "?" + v.Encode()
}

// Path is the file the database lives in.
func (db *DB) Path() string { return db.path }

// Reader is the pool handlers read from. It never sees uncommitted FSM work.
func (db *DB) Reader() *sql.DB { return db.r }

// Close closes readers and the writer.
func (db *DB) Close() error {
	db.stmts.close()
	return errors.Join(db.r.Close(), db.fsm.Close(), db.w.Close())
}

// Backup writes a consistent copy of the database to the new file dst. It reads one WAL snapshot, so
// the FSM may keep applying meanwhile; the copy carries its own applied index.
//
// dst is a scratch copy, read once and deleted (a snapshot compresses it into the file Raft syncs):
// it is written with no journal and no sync. Synced, the whole second copy of the database went to
// the disk at once, and every Raft log append of the node (an fsync each) waited behind it: a
// snapshot stalled the office's commits for half a second (docs/benchmarks.md, branch i17p50).
// Unsynced and deleted within the second, its pages need never reach the disk.
func (db *DB) Backup(ctx context.Context, dst string) error {
	out, err := sql.Open("sqlite3", dsn(dst, url.Values{"_journal_mode": {"OFF"}, "_synchronous": {"OFF"}}))
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", dst, err)
	}
	defer out.Close()
	return copyDB(ctx, db.r, out)
}

// Restore replaces the whole content of the database with the database file src, in place, so
// readers keep their pool and see the new state as soon as it is committed.
func (db *DB) Restore(ctx context.Context, src string) error {
	in, err := sql.Open("sqlite3", dsn(src, url.Values{"mode": {"ro"}}))
	if err != nil {
		return fmt.Errorf("restore: open %s: %w", src, err)
	}
	defer in.Close()
	if err := copyDB(ctx, in, db.w); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	// A snapshot taken by an older build may lack newer tables.
	return migrate(db.w, db.textOf)
}

// copyDB copies every page of from's main database into to's with SQLite's online backup API.
func copyDB(ctx context.Context, from, to *sql.DB) error {
	src, err := from.Conn(ctx)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := to.Conn(ctx)
	if err != nil {
		return err
	}
	defer dst.Close()
	return dst.Raw(func(d any) error {
		return src.Raw(func(s any) error {
			dc, ok1 := d.(*sqlite3.SQLiteConn)
			sc, ok2 := s.(*sqlite3.SQLiteConn)
			if !ok1 || !ok2 {
				return errors.New("backup: not a sqlite3 connection")
			}
			b, err := dc.Backup("main", sc, "main")
			if err != nil {
				return fmt.Errorf("backup init: %w", err)
			}
			// One step holds the source's read snapshot for the whole copy, so it is consistent.
			if _, err := b.Step(-1); err != nil {
				b.Close()
				return fmt.Errorf("backup step: %w", err)
			}
			return b.Finish()
		})
	})
}

// IsDiskFull reports whether err comes from a full disk: SQLite's SQLITE_FULL, or ENOSPC from a
// file write.
func IsDiskFull(err error) bool {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrFull {
		return true
	}
	return errors.Is(err, syscall.ENOSPC)
}

// found reads the error of a single-row query: ok is false when there was no row (not an error) or
// the query failed (err, wrapped with format and args, which name the row).
func found(err error, format string, args ...any) (ok bool, _ error) {
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf(format+": %w", append(args, err)...)
	}
	return true, nil
}
