package im

import (
	"slices"
	"testing"

	"lanim/node/openim"
)

// TestGroupReadSeqs: members see every current member's read position in the group's chat;
// someone outside the group, or who left it, is refused (1002) and a member who left is not listed.
func TestGroupReadSeqs(t *testing.T) {
	tm := officeMachine(t)
	tm.register("alice", "bob", "carol", "dave")
	tm.makeGroup("g1", "alice", "bob", "carol")
	for _, w := range []string{"a", "b", "c"} {
		tm.send(tm.text("alice", "g:g1", w))
	}
	cid := openim.GroupConversationID("g1")
	tm.must("bob", "msg.mark_conversation_read", &MarkConversationAsRead{ConversationID: cid, UserID: "bob", HasReadSeq: 2})

	reads, err := tm.reader("carol").ReadSeqs("g1")
	if err != nil {
		t.Fatal(err)
	}
	want := []MemberReadSeq{{"alice", 3}, {"bob", 2}, {"carol", 0}}
	if !slices.Equal(reads, want) {
		t.Fatalf("read seqs %v, want %v", reads, want)
	}
	if _, err := tm.reader("dave").ReadSeqs("g1"); openim.Code(err) != openim.ErrNoPermission.Code {
		t.Fatalf("a non-member reads the group's read state: %v", err)
	}
	tm.leave("g1", "carol")
	if _, err := tm.reader("carol").ReadSeqs("g1"); openim.Code(err) != openim.ErrNoPermission.Code {
		t.Fatalf("a former member reads the group's read state: %v", err)
	}
	reads, _ = tm.reader("bob").ReadSeqs("g1")
	if len(reads) != 2 {
		t.Fatalf("after carol left: %v", reads)
	}
	if _, err := tm.reader("bob").ReadSeqs("nope"); openim.Code(err) != openim.ErrRecordNotFound.Code {
		t.Fatalf("unknown group: %v", err)
	}
}
