package im

import (
	"slices"
	"strings"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Read marks. hasReadSeq only rises on the mark_* calls (set_conversation_has_read_seq may lower
// it) and never passes the readable maxSeq. Receipts (2200 MarkAsReadTips): reader -> peer in a
// single chat, reader -> group for mark_msgs_as_read in a group, reader -> self otherwise.

// maxReceiptSeqs bounds the seqs a receipt lists (the newest are kept): the peer's SDK loads them
// with one 1005 pull, which takes at most MaxPullSeqs.
const maxReceiptSeqs = MaxPullSeqs

// MarkMsgsAsRead is /msg/mark_msgs_as_read.
type MarkMsgsAsRead struct {
	ConversationID string  `json:"conversationID"`
	Seqs           []int64 `json:"seqs"`
	UserID         string  `json:"userID"`
}

// Check: self or admin; a conversation; 1..MaxBatch seqs, each 1 or more.
func (a *MarkMsgsAsRead) Check(c Caller) error {
	if err := checkReader(c, a.UserID, a.ConversationID); err != nil {
		return err
	}
	if len(a.Seqs) == 0 {
		return openim.ErrArgs.With("seqs is empty")
	}
	return checkSeqs(a.Seqs)
}

// MarkConversationAsRead is /msg/mark_conversation_as_read: read up to hasReadSeq, plus seqs.
type MarkConversationAsRead struct {
	ConversationID string  `json:"conversationID"`
	UserID         string  `json:"userID"`
	HasReadSeq     int64   `json:"hasReadSeq"`
	Seqs           []int64 `json:"seqs"`
}

// Check: self or admin; a conversation; hasReadSeq not negative; seqs each 1 or more.
func (a *MarkConversationAsRead) Check(c Caller) error {
	if err := checkReader(c, a.UserID, a.ConversationID); err != nil {
		return err
	}
	if a.HasReadSeq < 0 {
		return openim.ErrArgs.With("hasReadSeq must not be negative")
	}
	return checkSeqs(a.Seqs)
}

// SetConversationHasReadSeq is /msg/set_conversation_has_read_seq: sets (or lowers) hasReadSeq.
type SetConversationHasReadSeq struct {
	ConversationID string `json:"conversationID"`
	UserID         string `json:"userID"`
	HasReadSeq     int64  `json:"hasReadSeq"`
	NoNotification bool   `json:"noNotification"`
}

// Check: self or admin; a conversation; hasReadSeq not negative.
func (a *SetConversationHasReadSeq) Check(c Caller) error {
	if err := checkReader(c, a.UserID, a.ConversationID); err != nil {
		return err
	}
	if a.HasReadSeq < 0 {
		return openim.ErrArgs.With("hasReadSeq must not be negative")
	}
	return nil
}

func checkReader(c Caller, userID, conversationID string) error {
	return checkFields(checkID("userID", userID), c.Access(userID), checkMsgConversationID("conversationID", conversationID))
}

// checkSeqs: at most MaxBatch, each 1 or more.
func checkSeqs(seqs []int64) error {
	if len(seqs) > openim.MaxBatch {
		return openim.ErrArgs.With("seqs has %d entries, at most %d", len(seqs), openim.MaxBatch)
	}
	for _, s := range seqs {
		if s < 1 {
			return openim.ErrArgs.With("seq %d: seqs start at 1", s)
		}
	}
	return nil
}

// readTarget loads the reader's row and readable window; the row must exist (1004), and top, the
// highest seq the reader marks (named field in the error), must not be past the maxSeq (1001).
func (o *op) readTarget(userID, conversationID, field string, top int64) (*msgAccess, error) {
	acc, err := loadMsgAccess(o.ctx, o.tx, userID, conversationID)
	if err != nil {
		return nil, err
	}
	if acc == nil || acc.row == nil {
		return nil, openim.ErrRecordNotFound.With("conversation %s of %s", conversationID, userID)
	}
	if top > acc.hi {
		return nil, openim.ErrArgs.With("%s %d is over the conversation's maxSeq %d", field, top, acc.hi)
	}
	return acc, nil
}

// markMsgsAsRead: hasReadSeq becomes the last seq listed (upstream), if that is higher.
func markMsgsAsRead(o *op, a *MarkMsgsAsRead) (any, error) {
	acc, err := o.readTarget(a.UserID, a.ConversationID, "seq", slices.Max(a.Seqs))
	if err != nil {
		return nil, err
	}
	last := a.Seqs[len(a.Seqs)-1]
	if _, err := store.RaiseHasReadSeq(o.ctx, o.tx, a.UserID, a.ConversationID, last); err != nil {
		return nil, err
	}
	tips := &pb.MarkAsReadTips{MarkAsReadUserID: a.UserID, ConversationID: a.ConversationID, Seqs: a.Seqs,
		HasReadSeq: max(last, acc.row.HasReadSeq)}
	return nil, o.readReceipt(acc, tips, true)
}

// markConversationAsRead: in a single chat the receipt lists every seq newly read, (old, new]
// plus the seqs given, so the peer's client can mark each of its messages.
func markConversationAsRead(o *op, a *MarkConversationAsRead) (any, error) {
	acc, err := o.readTarget(a.UserID, a.ConversationID, "hasReadSeq", a.HasReadSeq)
	if err != nil {
		return nil, err
	}
	old := acc.row.HasReadSeq
	if a.HasReadSeq <= old && len(a.Seqs) == 0 {
		return nil, nil // nothing newly read: no receipt
	}
	seqs := []int64{}
	for s := max(old+1, a.HasReadSeq-maxReceiptSeqs+1); s <= a.HasReadSeq; s++ {
		seqs = append(seqs, s)
	}
	for _, s := range a.Seqs {
		if !slices.Contains(seqs, s) {
			seqs = append(seqs, s)
		}
	}
	if len(seqs) > maxReceiptSeqs {
		seqs = seqs[len(seqs)-maxReceiptSeqs:]
	}
	if _, err := store.RaiseHasReadSeq(o.ctx, o.tx, a.UserID, a.ConversationID, a.HasReadSeq); err != nil {
		return nil, err
	}
	tips := &pb.MarkAsReadTips{MarkAsReadUserID: a.UserID, ConversationID: a.ConversationID, Seqs: seqs,
		HasReadSeq: max(old, a.HasReadSeq)}
	return nil, o.readReceipt(acc, tips, false)
}

func setConversationHasReadSeq(o *op, a *SetConversationHasReadSeq) (any, error) {
	if _, err := o.readTarget(a.UserID, a.ConversationID, "hasReadSeq", a.HasReadSeq); err != nil {
		return nil, err
	}
	if err := store.SetHasReadSeq(o.ctx, o.tx, a.UserID, a.ConversationID, a.HasReadSeq); err != nil {
		return nil, err
	}
	if a.NoNotification {
		return nil, nil
	}
	return nil, o.notify(note{contentType: openim.HasReadReceipt, sendID: a.UserID, recvID: a.UserID, to: []string{a.UserID},
		tips: &pb.MarkAsReadTips{MarkAsReadUserID: a.UserID, ConversationID: a.ConversationID, Seqs: []int64{},
			HasReadSeq: a.HasReadSeq}})
}

// readReceipt sends a 2200: to the peer (and the reader's devices) in a single chat; to the whole
// group when toGroup and the conversation is a group's; to the reader's own devices otherwise.
func (o *op) readReceipt(acc *msgAccess, tips *pb.MarkAsReadTips, toGroup bool) error {
	reader := tips.MarkAsReadUserID
	n := note{contentType: openim.HasReadReceipt, sendID: reader, recvID: reader, to: []string{reader}, tips: tips}
	switch {
	case strings.HasPrefix(acc.conversationID, openim.PrefixSingle):
		n.recvID, n.to = acc.peer, pair(reader, acc.peer)
	case strings.HasPrefix(acc.conversationID, openim.PrefixGroup) && toGroup:
		members, err := store.MemberIDs(o.ctx, o.tx, acc.groupID)
		if err != nil {
			return err
		}
		n.recvID, n.groupID, n.to = acc.groupID, acc.groupID, append(members, reader)
	}
	return o.notify(n)
}
