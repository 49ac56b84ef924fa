package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
)

// Tx is the FSM's write transaction. Its statements come prepared from the writer's cache: the FSM
// runs the same few dozen statements for every command, and parsing them anew each time was a fifth
// of a busy node's CPU.
type Tx struct {
	*sql.Tx
	cache *stmtCache
	bound map[string]*sql.Stmt // cached statements bound to this transaction
}

var _ Q = (*Tx)(nil)

// Begin starts the FSM's write transaction, first preparing the statements the previous ones
// used unprepared (the writer's single connection is free only between transactions).
func (db *DB) Begin(ctx context.Context) (*Tx, error) {
	db.stmts.prepareWanted(ctx, db.w)
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	return &Tx{Tx: tx, cache: db.stmts}, nil
}

// ExecContext runs query with the cached statement when there is one.
func (t *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs query with the cached statement when there is one.
func (t *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs query with the cached statement when there is one.
func (t *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, query, args...)
}

// stmt is query's prepared statement bound to this transaction, or nil when it is not prepared
// yet (it is then prepared before the next transaction).
func (t *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.bound[query]; ok {
		return st
	}
	st := t.cache.get(query)
	if st == nil {
		return nil
	}
	if t.bound == nil {
		t.bound = make(map[string]*sql.Stmt)
	}
	// The statement is already prepared on the connection: binding it to the transaction reuses it.
	bound := t.Tx.StmtContext(ctx, st)
	t.bound[query] = bound
	return bound
}

// maxCachedStmts bounds the cache: statements built with a variable number of placeholders
// would otherwise grow it without end. Beyond it, statements run unprepared as before.
const maxCachedStmts = 512

// stmtCache holds statements prepared on the writer connection, keyed by their SQL text.
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
func (c *stmtCache) prepareWanted(ctx context.Context, w *sql.DB) {
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
