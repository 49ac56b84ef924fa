package im

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"lanim/node/pb"
	"lanim/node/store"
)

// testM applies commands to a real SQLite store in a temporary directory, one transaction per
// command, as the FSM does: a rule failure rolls the command back and drops its events.
type testM struct {
	t     testing.TB
	db    *store.DB
	m     *Machine
	index uint64 // log index of the last command
	now   int64  // ms, the last command's time
}

// testStart is the clock of a test machine's first command (ms).
const testStart int64 = 1_700_000_000_000

func testMachine(t testing.TB) *testM {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return &testM{t: t, db: db, m: NewMachine(), now: testStart}
}

// apply applies one command of caller ("" for the node itself) and returns its result and
// events. Every command is one second after the previous one.
func (tm *testM) apply(caller, kind string, args any) (*Result, []Event) {
	tm.t.Helper()
	tm.index++
	tm.now += 1000
	platform := PlatformWeb
	if IsAdmin(caller) {
		platform = PlatformAdmin
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
	res, events := tm.m.Apply(ctx, tx, tm.index, cmd)
	if res.Err != nil {
		if err := tx.Rollback(); err != nil {
			tm.t.Fatalf("rollback: %v", err)
		}
		return res, nil
	}
	if err := tx.Commit(); err != nil {
		tm.t.Fatalf("commit: %v", err)
	}
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

// fail applies a command that must fail with code and returns the error.
func (tm *testM) fail(caller, kind string, args any, code int) *Error {
	tm.t.Helper()
	res, _ := tm.apply(caller, kind, args)
	if res.Err == nil {
		tm.t.Fatalf("%s by %q succeeded, want error %d", kind, caller, code)
	}
	if res.Err.Code != code {
		tm.t.Fatalf("%s by %q: got %v, want code %d", kind, caller, res.Err, code)
	}
	return res.Err
}

// register adds users with the nickname "Name <id>" and the face "face://<id>".
func (tm *testM) register(ids ...string) {
	tm.t.Helper()
	users := make([]NewUser, len(ids))
	for i, id := range ids {
		users[i] = NewUser{UserID: id, Nickname: "Name " + id, FaceURL: "face://" + id}
	}
	tm.ok(AdminUserID, "user.register", &RegisterUsers{Users: users})
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
	if err != nil || u == nil || u.Nickname != "Name alice" || u.CreateTime != tm.now {
		t.Fatalf("alice = %v, %v", u, err)
	}
	tm.fail("alice", "user.register", &RegisterUsers{Users: []NewUser{{UserID: "bob", Nickname: "Bob"}}},
		ErrNoPermission.Code)
	if res, _ := tm.apply("", "no.such.kind", nil); res.Err == nil || res.Err.Code != ErrArgs.Code {
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
	res, events := tm.apply(AdminUserID, "test.panic", &RegisterUsers{Users: []NewUser{{UserID: "ann", Nickname: "Ann"}}})
	if res.Err == nil || res.Err.Code != ErrInternal.Code || events != nil {
		t.Fatalf("a panicking command gave %v with %d events, want ErrInternal and none", res.Err, len(events))
	}
	users, err := store.GetUsers(context.Background(), tm.db.Reader(), []string{"ann"})
	if err != nil || len(users) != 0 {
		t.Fatalf("the panicking command's write stayed: %v %v", users, err)
	}
	tm.ok(AdminUserID, "user.register", &RegisterUsers{Users: []NewUser{{UserID: "ann", Nickname: "Ann"}}})
}
