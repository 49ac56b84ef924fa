package im

import (
	"lanim/node/openim"
	"lanim/node/store"
)

// Group read state. Upstream keeps no list of who read a group message: its SDKs count the read
// receipts (2200) that mark_msgs_as_read sends the group. A client that starts later, or missed
// receipts, cannot count them, so LanIM answers from what it keeps anyway: each member's read
// position (hasReadSeq) in the group's conversation.

// MemberReadSeq is how far one member has read a group's chat.
type MemberReadSeq struct {
	UserID     string `json:"userID"`
	HasReadSeq int64  `json:"hasReadSeq"`
}

// ReadSeqs is /msg/get_group_read_seqs: every current member's read position, in member order.
// Only the group's members (and the app admin) see it, as they see the members; a member who
// left is no longer listed.
func (r GroupReader) ReadSeqs(groupID string) ([]MemberReadSeq, error) {
	if _, err := r.requireSeeMembers(groupID); err != nil {
		return nil, err
	}
	ids, err := store.MemberIDs(r.Ctx, r.Q, groupID)
	if err != nil {
		return nil, err
	}
	seqs, err := store.HasReadSeqs(r.Ctx, r.Q, openim.GroupConversationID(groupID))
	if err != nil {
		return nil, err
	}
	out := make([]MemberReadSeq, 0, len(ids))
	for _, id := range ids {
		out = append(out, MemberReadSeq{UserID: id, HasReadSeq: seqs[id]})
	}
	return out, nil
}
