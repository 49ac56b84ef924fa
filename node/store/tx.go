package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// Tx is the FSM's write transaction: BEGIN IMMEDIATE ... COMMIT on the writer connection the FSM
// holds (DB.fsm). Its statements come prepared on that connection from the writer's cache: the FSM
// runs the same few dozen statements for every command, and parsing them anew each time was a fifth
// of a busy node's CPU.
//
// It is not a *sql.Tx: database/sql starts a goroutine for every query run in a *sql.Tx (to close
// the rows should the transaction's context end) and binds every cached statement to every
// transaction anew. On a connection, with a context that never ends, it does neither.
type Tx struct {
	conn  *sql.Conn
	cache *stmtCache
	end   func() // lets the next transaction begin
	done  bool   // committed or rolled back
	meta  metaMemo
}

// metaMemo holds the meta rows a transaction has read or written, so that a row read by every
// command of a batch (the office's settings, by every send) is read once per batch. It stays
// exact: SetMeta is the only writer of meta rows and keeps it current, and a rollback to a
// savepoint forgets it.
type metaMemo map[string]metaRow

type metaRow struct {
	value []byte
	ok    bool // the row exists
}

// metaMemo lets GetMeta and SetMeta reach the memo of the transaction they run in, also through a
// type that embeds *Tx.
func (t *Tx) metaMemo() metaMemo {
	if t.meta == nil {
		t.meta = metaMemo{}
	}
	return t.meta
}

var _ Q = (*Tx)(nil)

// Begin starts the FSM's write transaction, first preparing the statements the previous ones
// used unprepared (the connection is free only between transactions). A transaction begun
// meanwhile waits for this one's Commit or Rollback, as it waited for the writer's one connection.
func (db *DB) Begin(ctx context.Context) (*Tx, error) {
	db.fsmMu.Lock()
	db.stmts.prepareWanted(ctx, db.fsm)
	if _, err := db.fsm.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		db.fsmMu.Unlock()
		return nil, err
	}
	return &Tx{conn: db.fsm, cache: db.stmts, end: db.fsmMu.Unlock}, nil
}

// Commit commits the transaction. When COMMIT fails (a full disk) the transaction is rolled back,
// as database/sql's would be: it is over either way.
func (t *Tx) Commit() error {
	if t.done {
		return sql.ErrTxDone
	}
	t.done = true
	defer t.end()
	ctx := context.Background()
	if _, err := t.conn.ExecContext(ctx, `COMMIT`); err != nil {
		t.conn.ExecContext(ctx, `ROLLBACK`) // SQLite may have rolled back already: nothing to report then
		return err
	}
	return nil
}

// Rollback undoes the transaction; sql.ErrTxDone when it is already over.
func (t *Tx) Rollback() error {
	if t.done {
		return sql.ErrTxDone
	}
	t.done = true
	defer t.end()
	_, err := t.conn.ExecContext(context.Background(), `ROLLBACK`)
	return err
}

// ExecContext runs query with the cached statement when there is one.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if strings.HasPrefix(query, "ROLLBACK") {
		clear(t.meta)
	}
	if st := t.cache.get(query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.conn.ExecContext(ctx, query, args...)
}

// QueryContext runs query with the cached statement when there is one.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.cache.get(query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.conn.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query with the cached statement when there is one.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.cache.get(query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.conn.QueryRowContext(ctx, query, args...)
}

// maxCachedStmts bounds the cache: statements built with a variable number of placeholders
// would otherwise grow it without end. Beyond it, statements run unprepared as before.
const maxCachedStmts = 512

// stmtCache holds statements prepared on the FSM's connection, keyed by their SQL text.
type stmtCache struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	wanted map[string]struct{}
}

func newStmtCache() *stmtCache {
	return &stmtCache{stmts: map[string]*sql.Stmt{}, wanted: map[string]struct{}{}}
}

// get returns query's statement, or nil after noting it for prepareWanted.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if len(c.stmts)+len(c.wanted) < maxCachedStmts && singleStatement(query) {
		c.wanted[query] = struct{}{}
	}
	return nil
}

// prepareWanted prepares the noted statements on w. A statement that fails to prepare is kept as
// nil: it runs unprepared from then on, and its callers see the error.
func (c *stmtCache) prepareWanted(ctx context.Context, w *sql.Conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for query := range c.wanted {
		st, err := w.PrepareContext(ctx, query)
		if err != nil {
			st = nil
		}
		c.stmts[query] = st
		delete(c.wanted, query)
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for query, st := range c.stmts {
		if st != nil {
			st.Close()
		}
		delete(c.stmts, query)
	}
}

// singleStatement reports whether query holds one SQL statement: a prepared statement runs only
// the first of several, while an unprepared exec runs them all.
func singleStatement(query string) bool {
	return !strings.Contains(strings.TrimRight(strings.TrimSpace(query), ";"), ";")
}
