package replication

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"lanim/node/im"
	"lanim/node/openim"
)

// The outbox keeps users working without a quorum. A message send ("msg.send") that cannot be
// committed now is stored, with its clientMsgID, in DIR/outbox.db: a node-local SQLite file (not
// state.db, which a snapshot install replaces wholesale) written with synchronous=FULL, so a
// message the caller was told is queued survives a crash. The caller gets openim.ErrQueued with the
// clientMsgID as the detail. A drainer proposes the queued commands oldest first, in batches that
// are in flight together (one forward, handed to Raft in order, so they commit in the order they
// were queued: per sender and per conversation too), as soon as there is a leader; while anything
// is queued, new sends queue behind it, so a user's messages commit in the order they were typed.
// An entry leaves the outbox only once the office answered it. Retrying is safe because the FSM de-duplicates msg.send by clientMsgID: a send
// whose first attempt did commit (leadership lost mid-write) is not doubled.

// sendKind is the command that may be queued.
const sendKind = "msg.send"

// queuedWait is how long a send that went to a non-empty outbox waits for the drainer to commit
// it (when a leader is known) before answering "queued".
const queuedWait = 3 * time.Second

type outbox struct {
	db *sql.DB
	// rowsMu holds each change of the table together with rows, the seqs it holds: every
	// message send asks whether the outbox is empty, and a query per send was a tenth of a
	// millisecond of a lone message's path.
	rowsMu  sync.Mutex
	rows    map[int64]struct{}
	wake    chan struct{}
	mu      sync.Mutex
	waiters map[int64]chan *im.Result
	queued  func(cmd *im.Command) // told of each send queued (OnQueued)
}

// OnQueued sets the function told of each message send this node queues in its outbox, once it
// is stored there (a client's retry of a queued send tells it again). The app relays the message
// to the members this node can still reach, so their people see it before it commits. It is
// called on the sender's goroutine and must not block.
func (n *Node) OnQueued(fn func(cmd *im.Command)) {
	if n.outbox == nil {
		return
	}
	n.outbox.mu.Lock()
	n.outbox.queued = fn
	n.outbox.mu.Unlock()
}

type outboxEntry struct {
	seq         int64
	clientMsgID string
	cmd         []byte
}

func openOutbox(path string) (*outbox, error) {
	db, err := sql.Open("sqlite3", "file:"+path+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=10000")
	if err != nil {
		return nil, fmt.Errorf("outbox: %w", err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS outbox (
		seq           INTEGER PRIMARY KEY AUTOINCREMENT,
		client_msg_id TEXT NOT NULL UNIQUE,
		command       BLOB NOT NULL,
		queued        INTEGER NOT NULL
	)`); err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox %s: %w", path, err)
	}
	rows, err := queuedSeqs(db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("outbox %s: %w", path, err)
	}
	return &outbox{db: db, rows: rows, wake: make(chan struct{}, 1), waiters: map[int64]chan *im.Result{}}, nil
}

// queuedSeqs is the seqs of the entries stored (left from the last run).
func queuedSeqs(db *sql.DB) (map[int64]struct{}, error) {
	rows, err := db.Query(`SELECT seq FROM outbox`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	seqs := map[int64]struct{}{}
	for rows.Next() {
		var seq int64
		if err := rows.Scan(&seq); err != nil {
			return nil, err
		}
		seqs[seq] = struct{}{}
	}
	return seqs, rows.Err()
}

// add queues a command; a clientMsgID already queued is not queued twice (a client's retry).
func (o *outbox) add(clientMsgID string, cmd []byte) (seq int64, err error) {
	o.rowsMu.Lock()
	defer o.rowsMu.Unlock()
	err = o.db.QueryRow(`INSERT INTO outbox (client_msg_id, command, queued) VALUES (?, ?, ?)
		ON CONFLICT (client_msg_id) DO UPDATE SET client_msg_id = excluded.client_msg_id
		RETURNING seq`, clientMsgID, cmd, time.Now().UnixMilli()).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("outbox: add: %w", err)
	}
	o.rows[seq] = struct{}{}
	o.kick()
	return seq, nil
}

// Drain batches: at most outboxBatch entries and outboxBatchBytes of commands (at least one entry).
const (
	outboxBatch      = 128
	outboxBatchBytes = 4 << 20
)

// oldest is the head of the queue: the oldest entries, in order, within the batch limits.
func (o *outbox) oldest() ([]outboxEntry, error) {
	rows, err := o.db.Query(`SELECT seq, client_msg_id, command FROM outbox ORDER BY seq LIMIT ?`, outboxBatch)
	if err != nil {
		return nil, fmt.Errorf("outbox: head: %w", err)
	}
	defer rows.Close()
	var out []outboxEntry
	size := 0
	for rows.Next() {
		var e outboxEntry
		if err := rows.Scan(&e.seq, &e.clientMsgID, &e.cmd); err != nil {
			return nil, fmt.Errorf("outbox: head: %w", err)
		}
		if size += len(e.cmd); len(out) > 0 && size > outboxBatchBytes {
			break
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox: head: %w", err)
	}
	return out, nil
}

// empty tells whether nothing is queued, without a query.
func (o *outbox) empty() bool {
	o.rowsMu.Lock()
	defer o.rowsMu.Unlock()
	return len(o.rows) == 0
}

// depth is how many sends are queued and when the oldest of them was (zero when none is).
func (o *outbox) depth() (int, time.Time, error) {
	var n int
	var oldest sql.NullInt64
	if err := o.db.QueryRow(`SELECT COUNT(*), MIN(queued) FROM outbox`).Scan(&n, &oldest); err != nil {
		return 0, time.Time{}, fmt.Errorf("outbox: depth: %w", err)
	}
	if !oldest.Valid {
		return n, time.Time{}, nil
	}
	return n, time.UnixMilli(oldest.Int64), nil
}

// done removes answered entries (one transaction, one fsync) and hands each result to a caller
// still waiting for it.
func (o *outbox) done(entries []outboxEntry, results []*im.Result) error {
	o.rowsMu.Lock()
	defer o.rowsMu.Unlock()
	tx, err := o.db.Begin()
	if err != nil {
		return fmt.Errorf("outbox: remove: %w", err)
	}
	defer tx.Rollback()
	for _, e := range entries {
		if _, err := tx.Exec(`DELETE FROM outbox WHERE seq = ?`, e.seq); err != nil {
			return fmt.Errorf("outbox: remove: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("outbox: remove: %w", err)
	}
	for _, e := range entries {
		delete(o.rows, e.seq)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, e := range entries {
		if ch := o.waiters[e.seq]; ch != nil {
			delete(o.waiters, e.seq)
			ch <- results[i]
		}
	}
	return nil
}

// wait returns a channel that gets seq's result when the drainer commits it.
func (o *outbox) wait(seq int64) (<-chan *im.Result, func()) {
	ch := make(chan *im.Result, 1)
	o.mu.Lock()
	o.waiters[seq] = ch
	o.mu.Unlock()
	return ch, func() {
		o.mu.Lock()
		if o.waiters[seq] == ch {
			delete(o.waiters, seq)
		}
		o.mu.Unlock()
	}
}

func (o *outbox) kick() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

func (o *outbox) close() error { return o.db.Close() }

// proposeSend commits a message send now when it can, and queues it otherwise.
func (n *Node) proposeSend(ctx context.Context, cmd *im.Command, entry []byte) (*im.Result, error) {
	id := im.SendClientMsgID(cmd)
	if id == "" {
		// Nothing to de-duplicate by: never queued (the handler rejects such a send anyway).
		res, _, err := n.commit(ctx, entry)
		if errors.Is(err, errNoQuorum) {
			return nil, n.noQuorum(cmd.Kind, err)
		}
		return res, err
	}
	_, leader := n.raft.LeaderWithID()
	if leader != "" && n.outbox.empty() {
		cctx, cancel := context.WithTimeout(ctx, commitTimeout)
		res, _, err := n.commitWaiting(cctx, entry, sendLeaderWait)
		cancel()
		if err == nil {
			return res, nil
		}
		if !errors.Is(err, errNoQuorum) && !errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		n.log.Info("no quorum: queueing a message", "clientMsgID", id, "err", err)
	}
	seq, err := n.outbox.add(id, entry)
	if err != nil {
		return nil, openim.ErrInternal.With("%v", err)
	}
	n.outbox.mu.Lock()
	queued := n.outbox.queued
	n.outbox.mu.Unlock()
	if queued != nil {
		queued(cmd)
	}
	if _, leader := n.raft.LeaderWithID(); leader != "" {
		ch, cancel := n.outbox.wait(seq)
		defer cancel()
		t := time.NewTimer(queuedWait)
		defer t.Stop()
		select {
		case res := <-ch:
			return res, nil
		case <-t.C:
		case <-ctx.Done():
		}
	}
	return nil, openim.ErrQueued.With("%s", id)
}

// drainOutbox proposes queued sends in order whenever there is a leader: at once when a send is
// queued or Raft names a leader (both kick it), and every second while sends stay queued. With
// the outbox empty it waits for a kick only: an idle node has no timer here.
func (n *Node) drainOutbox() {
	retry := time.NewTimer(time.Second) // a queue left from the last run
	defer retry.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.outbox.wake:
		case <-retry.C:
		}
		for n.drainBatch() {
		}
		if !n.outbox.empty() {
			retry.Reset(time.Second)
		}
	}
}

// drainBatch commits the oldest queued sends, all in flight together, and removes those the
// office answered; false when none is queued or none could be committed now.
func (n *Node) drainBatch() bool {
	if _, leader := n.raft.LeaderWithID(); leader == "" {
		return false
	}
	batch, err := n.outbox.oldest()
	if err != nil {
		n.log.Error("outbox", "err", err)
		return false
	}
	if len(batch) == 0 {
		return false
	}
	ctx, cancel := context.WithTimeout(n.ctx, commitTimeout)
	defer cancel()
	cmds := make([][]byte, len(batch))
	for i, e := range batch {
		cmds[i] = e.cmd
	}
	replies, err := n.commitEntries(ctx, cmds, leaderWait)
	if isCode(err, codeBadReq) && len(batch) > 1 {
		// A leader of an older release knows no apply.batch: one at a time.
		batch, cmds = batch[:1], cmds[:1]
		replies, err = n.commitEntries(ctx, cmds, leaderWait)
	}
	if err != nil {
		n.log.Debug("outbox: not committed yet", "queued", len(batch), "committed", len(replies), "err", err)
	}
	if len(replies) == 0 {
		return false
	}
	results := make([]*im.Result, len(replies))
	for i, r := range replies {
		results[i] = r.Result
		if r.Result.Err != nil {
			n.log.Warn("outbox: the office refused a queued message", "clientMsgID", batch[i].clientMsgID, "err", r.Result.Err)
		}
	}
	if err := n.outbox.done(batch[:len(replies)], results); err != nil {
		n.log.Error("outbox", "err", err)
		return false
	}
	return err == nil
}
