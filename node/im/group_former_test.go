package im

import (
	"errors"
	"slices"
	"testing"

	"lanim/node/openim"
	"lanim/node/pb"
)

func memberIDs(ms []*pb.GroupMemberFullInfo) []string {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.UserID)
	}
	slices.Sort(ids)
	return ids
}

// TestFormerMemberReads: someone who left or was kicked sees the members who were there with them
// (they still read that history), nobody who joined later; someone who never was in gets 1002; the
// member batch answers every group asked about, a left one with the caller's own position.
func TestFormerMemberReads(t *testing.T) {
	tm := officeMachine(t, "a", "b", "c", "d", "x")
	tm.create("g1", "a", nil, []string{"b", "c"}, 2) // anyone joins directly
	tm.now += 1000
	tm.ok("b", "group.quit", &QuitGroup{GroupID: "g1"})
	tm.now += 1000
	tm.ok("d", "group.join", &JoinGroup{GroupID: "g1", JoinSource: openim.JoinBySearch})
	tm.now += 1000
	tm.ok("a", "group.kick", &KickGroup{GroupID: "g1", KickedUserIDs: []string{"c"}})

	all := []string{"a", "b", "c", "d", "x"}
	for _, c := range []struct {
		reader string
		want   []string
	}{
		{"a", []string{"a", "d"}}, // a member: every listed member
		{"b", []string{"a"}},      // left before d joined; c is gone now
		{"c", []string{"a", "d"}}, // kicked after d joined
		{openim.AdminUserID, []string{"a", "d"}},
	} {
		got, err := tm.reader(c.reader).MembersInfo("g1", all)
		if err != nil || !slices.Equal(memberIDs(got), c.want) {
			t.Errorf("%s reads %v, %v; want %v", c.reader, memberIDs(got), err, c.want)
		}
	}
	if _, err := tm.reader("x").MembersInfo("g1", all); !errors.Is(err, openim.ErrNoPermission) {
		t.Errorf("never a member: %v, want 1002", err)
	}
	if _, err := tm.reader("b").MembersInfo("nope", all); !errors.Is(err, openim.ErrRecordNotFound) {
		t.Errorf("unknown group: %v, want 1004", err)
	}
	if _, err := tm.reader("b").MembersInfo("g1", nil); !errors.Is(err, openim.ErrArgs) {
		t.Errorf("no userIDs: %v, want 1001", err)
	}

	head := tm.memberHead("g1")
	batch, err := tm.reader("b").IncrementalMembersBatch("b", []MemberVersionReq{{GroupID: "g1", VersionID: head.ID, Version: 1}})
	if err != nil || batch["g1"] == nil {
		t.Fatalf("batch for a left group: %+v %v", batch, err)
	}
	if e := batch["g1"]; e.Full || e.Version != 1 || e.VersionID != head.ID || e.Group != nil || e.Insert != nil || e.Update != nil || len(e.Delete) != 0 {
		t.Fatalf("a left group's entry tells something: %+v", e)
	}
	tm.ok("a", "group.dismiss", &DismissGroup{GroupID: "g1"})
	batch, err = tm.reader("a").IncrementalMembersBatch("a", []MemberVersionReq{{GroupID: "g1"}})
	if err != nil || batch["g1"] == nil || batch["g1"].Group != nil {
		t.Fatalf("batch for a dismissed group: %+v %v", batch, err)
	}
}
