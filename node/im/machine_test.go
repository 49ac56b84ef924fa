package im

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// testM is the one FSM test harness of node/im: it applies commands to a real SQLite store in a
// temporary directory, one transaction per command, as the FSM does: a rule failure rolls the
// command back and drops its events. Every helper takes (caller, kind, args) in that order; the
// area test files add their own builders and views as methods.
type testM struct {
	t      testing.TB
	db     *store.DB
	m      *Machine
	index  uint64  // log index of the last command
	now    int64   // ms, the last command's time
	step   int64   // ms the clock moves before each command; 0 keeps it still
	events []Event // of the last successful command
	ids    int     // clientMsgIDs drawn by text
	stmts  int     // SQL statements the last command ran
}

// countQ counts the statements run through the transaction it embeds.
type countQ struct {
	*store.Tx
	n int
}

func (q *countQ) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q.n++
	return q.Tx.ExecContext(ctx, query, args...)
}

func (q *countQ) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q.n++
	return q.Tx.QueryContext(ctx, query, args...)
}

func (q *countQ) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	q.n++
	return q.Tx.QueryRowContext(ctx, query, args...)
}

// testStart is the clock of a test machine's first command (ms).
const testStart int64 = 1_700_000_000_000

// testMachine is a machine with no office and no users; each command is one second after the last.
func testMachine(t testing.TB) *testM {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return &testM{t: t, db: db, m: NewMachine(), now: testStart, step: 1000}
}

// officeMachine is a machine with an office and the users registered (see register).
func officeMachine(t testing.TB, users ...string) *testM {
	t.Helper()
	tm := testMachine(t)
	tm.ok("", "office.create", &CreateOffice{Office: Office{OfficeID: "o1", JWTKey: make([]byte, 32), AdminSecretHash: "x"}})
	if len(users) > 0 {
		tm.register(users...)
	}
	return tm
}

// apply applies one command of caller ("" for the node itself; the admin's platform is 10, any
// other caller's 5) and returns its result and events.
func (tm *testM) apply(caller, kind string, args any) (*Result, []Event) {
	tm.t.Helper()
	tm.index++
	tm.now += tm.step
	platform := openim.PlatformWeb
	if openim.IsAdmin(caller) {
		platform = openim.PlatformAdmin
	}
	cmd, err := NewCommand(kind, Caller{UserID: caller, Platform: platform}, tm.now, fmt.Sprintf("op-%d", tm.index), args)
	if err != nil {
		tm.t.Fatalf("%s: %v", kind, err)
	}
	ctx := context.Background()
	tx, err := tm.db.Begin(ctx)
	if err != nil {
		tm.t.Fatalf("begin: %v", err)
	}
	counted := &countQ{Tx: tx}
	res, events := tm.m.Apply(ctx, counted, tm.index, cmd)
	tm.stmts = counted.n
	if res.Err != nil {
		if err := tx.Rollback(); err != nil {
			tm.t.Fatalf("rollback: %v", err)
		}
		return res, nil
	}
	if err := tx.Commit(); err != nil {
		tm.t.Fatalf("commit: %v", err)
	}
	tm.events = events
	return res, events
}

// ok applies a command that must succeed and returns its events.
func (tm *testM) ok(caller, kind string, args any) []Event {
	tm.t.Helper()
	res, events := tm.apply(caller, kind, args)
	if res.Err != nil {
		tm.t.Fatalf("%s by %q: %v", kind, caller, res.Err)
	}
	return events
}

// must applies a command that must succeed and returns its result data.
func (tm *testM) must(caller, kind string, args any) json.RawMessage {
	tm.t.Helper()
	res, _ := tm.apply(caller, kind, args)
	if res.Err != nil {
		tm.t.Fatalf("%s by %q: %v", kind, caller, res.Err)
	}
	return res.Data
}

// fail applies a command that must fail with code and change nothing; it returns the error.
func (tm *testM) fail(caller, kind string, args any, code int) *openim.Error {
	tm.t.Helper()
	before, err := tm.db.Digest(context.Background())
	if err != nil {
		tm.t.Fatal(err)
	}
	res, _ := tm.apply(caller, kind, args)
	if res.Err == nil || res.Err.Code != code {
		tm.t.Fatalf("%s by %q: got %v, want code %d", kind, caller, res.Err, code)
	}
	after, err := tm.db.Digest(context.Background())
	if err != nil {
		tm.t.Fatal(err)
	}
	// The applied index is not stored by these tests, so a failed command leaves the digest as is.
	if before != after {
		tm.t.Fatalf("%s by %q failed but changed the state", kind, caller)
	}
	return res.Err
}

// register adds users with the nickname "Nick <id>" and the face "face-<id>".
func (tm *testM) register(ids ...string) {
	tm.t.Helper()
	users := make([]NewUser, len(ids))
	for i, id := range ids {
		users[i] = NewUser{UserID: id, Nickname: "Nick " + id, FaceURL: "face-" + id}
	}
	tm.ok(openim.AdminUserID, "user.register", &RegisterUsers{Users: users})
}

// exec runs SQL on the state directly, for what another area owns (groups, blacks).
func (tm *testM) exec(query string, args ...any) {
	tm.t.Helper()
	ctx := context.Background()
	tx, err := tm.db.Begin(ctx)
	if err != nil {
		tm.t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		tx.Rollback()
		tm.t.Fatalf("%s: %v", query, err)
	}
	if err := tx.Commit(); err != nil {
		tm.t.Fatal(err)
	}
}

// q reads committed state, as the API does.
func (tm *testM) q() store.Q { return tm.db.Reader() }

// messages returns the messages stored in a conversation, in seq order.
func (tm *testM) messages(conversationID string) []*pb.MsgData {
	tm.t.Helper()
	stored, err := store.MessagesInRange(context.Background(), tm.db.Reader(), conversationID, 1, math.MaxInt64)
	if err != nil {
		tm.t.Fatalf("messages of %s: %v", conversationID, err)
	}
	var out []*pb.MsgData
	for _, sm := range stored {
		m := &pb.MsgData{}
		if err := proto.Unmarshal(sm.Msg, m); err != nil {
			tm.t.Fatalf("decode message of %s: %v", conversationID, err)
		}
		out = append(out, m)
	}
	return out
}

// pushes returns the pushes among events, in order.
func pushes(events []Event) []*Push {
	var out []*Push
	for _, e := range events {
		if e.Push != nil {
			out = append(out, e.Push)
		}
	}
	return out
}

// tipsOf decodes a notification's {"detail": tips JSON} content into tips.
func tipsOf(t testing.TB, msg *pb.MsgData, tips any) {
	t.Helper()
	var content struct {
		Detail string `json:"detail"`
	}
	if err := json.Unmarshal(msg.Content, &content); err != nil {
		t.Fatalf("content of %d: %v", msg.ContentType, err)
	}
	if err := json.Unmarshal([]byte(content.Detail), tips); err != nil {
		t.Fatalf("tips of %d: %v", msg.ContentType, err)
	}
}

func TestTestMachine(t *testing.T) {
	tm := testMachine(t)
	tm.register("alice")
	u, err := store.GetUser(context.Background(), tm.q(), "alice")
	if err != nil || u == nil || u.Nickname != "Nick alice" || u.CreateTime != tm.now {
		t.Fatalf("alice = %v, %v", u, err)
	}
	tm.fail("alice", "user.register", &RegisterUsers{Users: []NewUser{{UserID: "bob", Nickname: "Bob"}}},
		openim.ErrNoPermission.Code)
	if res, _ := tm.apply("", "no.such.kind", nil); res.Err == nil || res.Err.Code != openim.ErrArgs.Code {
		t.Fatalf("unknown kind: %v", res.Err)
	}
}

// TestPanicFailsTheCommand: a handler that panics after writing fails its command with
// ErrInternal, its writes are rolled back, and the machine goes on applying.
func TestPanicFailsTheCommand(t *testing.T) {
	tm := testMachine(t)
	register := tm.m.handlers["user.register"]
	tm.m.handlers["test.panic"] = func(o *op, raw json.RawMessage) (any, error) {
		if _, err := register(o, raw); err != nil {
			return nil, err
		}
		var byID map[string]int
		byID["written, then this"]++ // a nil map: the bug this test stands for
		return nil, nil
	}
	res, events := tm.apply(openim.AdminUserID, "test.panic", &RegisterUsers{Users: []NewUser{{UserID: "ann", Nickname: "Ann"}}})
	if res.Err == nil || res.Err.Code != openim.ErrInternal.Code || events != nil {
		t.Fatalf("a panicking command gave %v with %d events, want ErrInternal and none", res.Err, len(events))
	}
	users, err := store.GetUsers(context.Background(), tm.db.Reader(), []string{"ann"})
	if err != nil || len(users) != 0 {
		t.Fatalf("the panicking command's write stayed: %v %v", users, err)
	}
	tm.ok(openim.AdminUserID, "user.register", &RegisterUsers{Users: []NewUser{{UserID: "ann", Nickname: "Ann"}}})
}
