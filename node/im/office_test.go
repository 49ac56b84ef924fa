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
