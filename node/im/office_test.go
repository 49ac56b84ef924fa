package im

import (
	"context"
	"slices"
	"strings"
	"testing"

	"lanim/node/openim"
	"lanim/node/store"
)

// TestOfficeNameAndAdmins: only imAdmin and office admins rename the office and grant the role;
// names are checked; the last office admin stays.
func TestOfficeNameAndAdmins(t *testing.T) {
	tm := testMachine(t)
	tm.fail(openim.AdminUserID, "office.rename", &RenameOffice{OfficeName: "Acme"}, openim.ErrRecordNotFound.Code)
	tm.ok("", "office.create", &CreateOffice{Office: Office{OfficeID: "office1", Name: "LanIM office",
		JWTKey: make([]byte, 32), AdminSecretHash: "hash"}})
	tm.register("alice", "bob", "carol")

	steps := []struct {
		name   string
		caller string
		kind   string
		args   any
		code   int // 0: succeeds
	}{
		{"a user may not rename", "alice", "office.rename", &RenameOffice{OfficeName: "Mine"}, 1002},
		{"a user may not grant", "alice", "office.setAdmin", &SetOfficeAdmin{UserID: "alice", OfficeAdmin: true}, 1002},
		{"the node is not a user", "", "office.setAdmin", &SetOfficeAdmin{UserID: "alice", OfficeAdmin: true}, 1002},
		{"imAdmin grants", openim.AdminUserID, "office.setAdmin", &SetOfficeAdmin{UserID: "alice", OfficeAdmin: true}, 0},
		{"granting twice is fine", openim.AdminUserID, "office.setAdmin", &SetOfficeAdmin{UserID: "alice", OfficeAdmin: true}, 0},
		{"an office admin renames", "alice", "office.rename", &RenameOffice{OfficeName: "  Acme Design  "}, 0},
		{"blank name", "alice", "office.rename", &RenameOffice{OfficeName: "   "}, 1001},
		{"name too long", "alice", "office.rename", &RenameOffice{OfficeName: strings.Repeat("é", openim.MaxOfficeNameLen+1)}, 1001},
		{"two lines", "alice", "office.rename", &RenameOffice{OfficeName: "Acme\nDesign"}, 1001},
		{"unknown user", "alice", "office.setAdmin", &SetOfficeAdmin{UserID: "nobody", OfficeAdmin: true}, 1004},
		{"imAdmin needs no role", "alice", "office.setAdmin", &SetOfficeAdmin{UserID: openim.AdminUserID, OfficeAdmin: true}, 1001},
		{"bad user ID", "alice", "office.setAdmin", &SetOfficeAdmin{UserID: "a b", OfficeAdmin: true}, 1001},
		{"the last admin stays", "alice", "office.setAdmin", &SetOfficeAdmin{UserID: "alice"}, 1001},
		{"an office admin grants", "alice", "office.setAdmin", &SetOfficeAdmin{UserID: "bob", OfficeAdmin: true}, 0},
		{"another admin revokes the first", "bob", "office.setAdmin", &SetOfficeAdmin{UserID: "alice"}, 0},
		{"a revoked admin may not rename", "alice", "office.rename", &RenameOffice{OfficeName: "Alice's"}, 1002},
		{"revoking a non-admin changes nothing", "bob", "office.setAdmin", &SetOfficeAdmin{UserID: "carol"}, 0},
		{"the last admin cannot step down", "bob", "office.setAdmin", &SetOfficeAdmin{UserID: "bob"}, 1001},
	}
	for _, s := range steps {
		if s.code == 0 {
			tm.ok(s.caller, s.kind, s.args)
		} else {
			tm.fail(s.caller, s.kind, s.args, s.code)
		}
		if t.Failed() {
			t.Fatalf("step %q", s.name)
		}
	}

	ctx := context.Background()
	off, err := LoadOffice(ctx, tm.q())
	if err != nil || off.Name != "Acme Design" || off.OfficeID != "office1" || len(off.JWTKey) != 32 {
		t.Fatalf("office after renames: %+v %v", off, err)
	}
	admins, err := store.OfficeAdmins(ctx, tm.q())
	if err != nil || !slices.Equal(admins, []string{"bob"}) {
		t.Fatalf("office admins %v %v, want [bob]", admins, err)
	}
	for id, want := range map[string]bool{openim.AdminUserID: true, "bob": true, "alice": false, "carol": false, "": false} {
		if got, err := MayRunOffice(ctx, tm.q(), id); err != nil || got != want {
			t.Errorf("MayRunOffice(%q) = %v %v, want %v", id, got, err, want)
		}
	}
}

// TestChatRuleNeedsFriendship: off by default (non-friends chat); only office admins turn it on;
// then a non-friend's single message is refused with 1303 and changes nothing, while friends,
// imAdmin and group chats go through; turning it off lets colleagues chat again.
func TestChatRuleNeedsFriendship(t *testing.T) {
	tm := testMachine(t)
	tm.ok("", "office.create", &CreateOffice{Office: Office{OfficeID: "office1", Name: "Acme",
		JWTKey: make([]byte, 32), AdminSecretHash: "hash"}})
	tm.register("alice", "bob", "carol")
	tm.ok(openim.AdminUserID, "office.setAdmin", &SetOfficeAdmin{UserID: "alice", OfficeAdmin: true})
	ctx := context.Background()

	tm.send(tm.text("bob", "carol", "colleagues chat by default"))
	tm.fail("bob", "office.chatRule", &SetChatRule{RequireFriendship: true}, openim.ErrNoPermission.Code)
	tm.fail("", "office.chatRule", &SetChatRule{RequireFriendship: true}, openim.ErrNoPermission.Code)
	if need, err := needsFriendship(ctx, tm.q()); err != nil || need {
		t.Fatalf("the rule is on after refused changes: %v %v", need, err)
	}

	tm.ok("alice", "office.chatRule", &SetChatRule{RequireFriendship: true})
	off, err := LoadOffice(ctx, tm.q())
	if err != nil || !off.RequireFriendship || off.Name != "Acme" {
		t.Fatalf("office after the rule: %+v %v", off, err)
	}
	e := tm.fail("bob", "msg.send", &SendMsg{MsgData: tm.text("bob", "carol", "not friends")}, openim.ErrNotPeersFriend.Code)
	if !strings.Contains(e.Detail, "friendship") {
		t.Errorf("refusal detail %q does not say why", e.Detail)
	}
	tm.befriend("bob", "carol")
	tm.send(tm.text("bob", "carol", "friends now"))
	tm.send(tm.text("carol", "bob", "both ways"))
	tm.send(tm.text("bob", "bob", "a note to self"))
	admin := tm.text(openim.AdminUserID, "alice", "from the office")
	tm.ok(openim.AdminUserID, "msg.send", &SendMsg{MsgData: admin})
	tm.makeGroup("g1", "alice", "carol")
	tm.send(tm.text("alice", "g:g1", "groups are not single chats"))
	tm.fail("alice", "msg.send", &SendMsg{MsgData: tm.text("alice", "carol", "an office admin is a colleague")},
		openim.ErrNotPeersFriend.Code)

	tm.ok("alice", "office.chatRule", &SetChatRule{})
	tm.send(tm.text("alice", "carol", "off again"))
	cid := openim.SingleConversationID("alice", "carol")
	if ms := tm.messages(cid); len(ms) != 1 {
		t.Fatalf("alice-carol holds %d messages, want only the one sent with the rule off", len(ms))
	}
}
