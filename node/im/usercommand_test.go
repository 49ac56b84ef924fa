package im

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"lanim/node/openim"
	"lanim/node/store"
)

// userCommandNotes lists the contentTypes, tips and recipients of the notifications in events.
func userCommandNotes(t *testing.T, events []Event) []string {
	t.Helper()
	var out []string
	for _, n := range pushedNotes(t, events) {
		var tips userCommandTips
		if err := json.Unmarshal(n.detail, &tips); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.Join(append([]string{jsonNum(n.contentType), tips.FromUserID, tips.ToUserID}, n.to...), " "))
	}
	return out
}

func jsonNum(v int32) string { b, _ := json.Marshal(v); return string(b) }

func (tm *testM) commands(userID string) []*store.UserCommand {
	tm.t.Helper()
	cmds, err := UserCommands(context.Background(), tm.db.Reader(), Caller{UserID: userID}, userID)
	if err != nil {
		tm.t.Fatal(err)
	}
	return cmds
}

// TestUserCommands: a user adds, updates and deletes their own items, each change announced to
// their own devices only; bad input and other users' items change nothing.
func TestUserCommands(t *testing.T) {
	tm := officeMachine(t, "a", "b")
	ref := UserCommandRef{UserID: "a", Type: 1, UUID: "fav-1"}

	notes := userCommandNotes(t, tm.ok("a", "user.command_add", &UserCommandSet{UserCommandRef: ref, Value: Str("hello")}))
	if !slices.Equal(notes, []string{"1305 a a a"}) {
		t.Fatalf("add notified %v", notes)
	}
	if got := tm.commands("a"); len(got) != 1 || got[0].Value != "hello" || got[0].Ex != "" || got[0].Type != 1 ||
		got[0].CreateTime != tm.now/1000 {
		t.Fatalf("after add: %+v", got)
	}
	tm.fail("a", "user.command_add", &UserCommandSet{UserCommandRef: ref, Value: Str("again")}, openim.ErrDuplicateKey.Code)
	other := ref
	other.Type = 2 // the same uuid under another type is another item
	tm.ok("a", "user.command_add", &UserCommandSet{UserCommandRef: other})

	for _, bad := range []struct {
		name   string
		caller string
		args   *UserCommandSet
		code   int
	}{
		{"another user's", "b", &UserCommandSet{UserCommandRef: UserCommandRef{UserID: "a", Type: 1, UUID: "x"}}, openim.ErrNoPermission.Code},
		{"no uuid", "a", &UserCommandSet{UserCommandRef: UserCommandRef{UserID: "a", Type: 1}}, openim.ErrArgs.Code},
		{"long uuid", "a", &UserCommandSet{UserCommandRef: UserCommandRef{UserID: "a", UUID: strings.Repeat("u", MaxUUIDLen+1)}}, openim.ErrArgs.Code},
		{"big value", "a", &UserCommandSet{UserCommandRef: UserCommandRef{UserID: "a", UUID: "v"}, Value: Str(strings.Repeat("v", openim.MaxExLen+1))}, openim.ErrArgs.Code},
		{"big ex", "a", &UserCommandSet{UserCommandRef: UserCommandRef{UserID: "a", UUID: "v"}, Ex: Str(strings.Repeat("v", openim.MaxExLen+1))}, openim.ErrArgs.Code},
		{"unknown user (admin)", openim.AdminUserID, &UserCommandSet{UserCommandRef: UserCommandRef{UserID: "ghost", UUID: "v"}}, openim.ErrRecordNotFound.Code},
	} {
		t.Run(bad.name, func(t *testing.T) { tm.fail(bad.caller, "user.command_add", bad.args, bad.code) })
	}

	tm.fail("a", "user.command_update", &UserCommandSet{UserCommandRef: ref}, openim.ErrArgs.Code)
	tm.fail("a", "user.command_update", &UserCommandSet{UserCommandRef: UserCommandRef{UserID: "a", Type: 1, UUID: "nope"},
		Ex: Str("e")}, openim.ErrRecordNotFound.Code)
	tm.fail("b", "user.command_update", &UserCommandSet{UserCommandRef: ref, Ex: Str("e")}, openim.ErrNoPermission.Code)
	notes = userCommandNotes(t, tm.ok("a", "user.command_update", &UserCommandSet{UserCommandRef: ref, Ex: Str("e1")}))
	if !slices.Equal(notes, []string{"1307 a a a"}) {
		t.Fatalf("update notified %v", notes)
	}
	if got := tm.commands("a"); got[0].Value != "hello" || got[0].Ex != "e1" {
		t.Fatalf("an update of ex changed value: %+v", got[0])
	}

	tm.fail("a", "user.command_delete", &UserCommandRef{UserID: "a", Type: 3, UUID: "fav-1"}, openim.ErrRecordNotFound.Code)
	tm.fail("b", "user.command_delete", &ref, openim.ErrNoPermission.Code)
	notes = userCommandNotes(t, tm.ok("a", "user.command_delete", &ref))
	if !slices.Equal(notes, []string{"1306 a a a"}) {
		t.Fatalf("delete notified %v", notes)
	}
	if got := tm.commands("a"); len(got) != 1 || got[0].Type != 2 {
		t.Fatalf("after delete: %+v", got)
	}
	if got := tm.commands("b"); got == nil || len(got) != 0 {
		t.Fatalf("b's items: %#v, want an empty list", got)
	}
	if _, err := UserCommands(context.Background(), tm.db.Reader(), Caller{UserID: "b"}, "a"); err == nil {
		t.Fatal("b read a's items")
	}
}

// TestUserCommandLimit: the MaxUserCommands-th item is the last one a user may add.
func TestUserCommandLimit(t *testing.T) {
	tm := officeMachine(t, "a")
	ctx := context.Background()
	tx, err := tm.db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range MaxUserCommands - 1 {
		if _, err := store.InsertUserCommand(ctx, tx, "a", &store.UserCommand{Type: 1, UUID: jsonNum(int32(i))}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	tm.ok("a", "user.command_add", &UserCommandSet{UserCommandRef: UserCommandRef{UserID: "a", Type: 1, UUID: "last"}})
	tm.fail("a", "user.command_add", &UserCommandSet{UserCommandRef: UserCommandRef{UserID: "a", Type: 1, UUID: "over"}}, openim.ErrArgs.Code)
}

// TestOptStringForms: value and ex come as a protobuf wrapper (the official core) or a plain string.
func TestOptStringForms(t *testing.T) {
	for _, c := range []struct {
		in    string
		want  string
		given bool
	}{
		{`{}`, "", false},
		{`{"value":null}`, "", false},
		{`{"value":"x"}`, "x", true},
		{`{"value":{"value":"x"}}`, "x", true},
		{`{"value":{}}`, "", true},
	} {
		var a UserCommandSet
		if err := json.Unmarshal([]byte(c.in), &a); err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if got, given := a.Value.Get(); got != c.want || given != c.given {
			t.Errorf("%s: got %q %v, want %q %v", c.in, got, given, c.want, c.given)
		}
		b, _ := json.Marshal(&a)
		var back UserCommandSet
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if got, given := back.Value.Get(); got != c.want || given != c.given {
			t.Errorf("%s: the log form %s reads back as %q %v", c.in, b, got, given)
		}
	}
	var a UserCommandSet
	if err := json.Unmarshal([]byte(`{"value":12}`), &a); err == nil {
		t.Error("a number accepted as value")
	}
}

// TestUnhandledCounts: pending requests to the user, or to the groups they manage, since a time.
func TestUnhandledCounts(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c", "d")
	ctx, q := context.Background(), tm.db.Reader()
	count := func(fn func(context.Context, store.Q, Caller, string, int64) (int64, error), caller, user string, since int64) int64 {
		t.Helper()
		n, err := fn(ctx, q, Caller{UserID: caller}, user, since)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tm.ok("b", "friend.add", &AddFriend{FromUserID: "b", ToUserID: "a"})
	tm.now += 1000
	tm.ok("c", "friend.add", &AddFriend{FromUserID: "c", ToUserID: "a"})
	tm.ok("a", "friend.respond", &RespondFriendApply{FromUserID: "b", ToUserID: "a", HandleResult: 1})
	if n := count(UnhandledFriendApplyCount, "a", "a", 0); n != 1 {
		t.Fatalf("a has %d pending friend requests, want 1 (c's)", n)
	}
	if n := count(UnhandledFriendApplyCount, "a", "", 0); n != 1 {
		t.Fatalf("no userID: the caller's count is %d, want 1", n)
	}
	if n := count(UnhandledFriendApplyCount, "a", "a", tm.now+1); n != 0 {
		t.Fatalf("since after the last request: %d", n)
	}

	tm.create("g1", "a", []string{"b"}, nil, 0) // needVerification 0: joining asks
	tm.ok("c", "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinBySearch})
	tm.ok("d", "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinBySearch})
	for _, who := range []string{"a", "b"} {
		if n := count(UnhandledGroupApplicationCount, who, who, 0); n != 2 {
			t.Fatalf("%s manages g1 and sees %d pending requests, want 2", who, n)
		}
	}
	if n := count(UnhandledGroupApplicationCount, "c", "c", 0); n != 0 {
		t.Fatalf("an applicant counts %d", n)
	}
	if _, err := UnhandledGroupApplicationCount(ctx, q, Caller{UserID: "c"}, "a", 0); err == nil {
		t.Fatal("c read a's count")
	}
	if _, err := UnhandledFriendApplyCount(ctx, q, Caller{UserID: "a"}, "a", -1); err == nil {
		t.Fatal("a negative time accepted")
	}
}
