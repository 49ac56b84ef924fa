package im

import (
	"strings"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Deleting messages. The default is for the caller alone: deleted seqs read back to them as
// status 4 with no content, and a clear hides everything up to now by raising their minSeq.
// Deleting for everyone (deleteSyncOpt.IsSyncOther) is the app admin's: upstream lets any member
// wipe a group's history, which in an office is a moderation power, not a user's (users revoke).

// DeleteSyncOpt is upstream's deleteSyncOpt (field names capitalised as in its .proto).
type DeleteSyncOpt struct {
	IsSyncSelf  bool `json:"IsSyncSelf"`
	IsSyncOther bool `json:"IsSyncOther"`
}

func (d *DeleteSyncOpt) forEveryone() bool { return d != nil && d.IsSyncOther }

func checkDeleteOpt(c Caller, d *DeleteSyncOpt) error {
	if d.forEveryone() && !c.Admin() {
		return openim.ErrNoPermission.With("deleting for everyone (IsSyncOther) is for the admin; revoke your own messages instead")
	}
	return nil
}

// DeleteMsgs is /msg/delete_msgs.
type DeleteMsgs struct {
	ConversationID string         `json:"conversationID"`
	Seqs           []int64        `json:"seqs"`
	UserID         string         `json:"userID"`
	DeleteSyncOpt  *DeleteSyncOpt `json:"deleteSyncOpt"`
}

// Check: self or admin; a conversation; 1..MaxBatch seqs.
func (a *DeleteMsgs) Check(c Caller) error {
	if err := checkReader(c, a.UserID, a.ConversationID); err != nil {
		return err
	}
	if len(a.Seqs) == 0 {
		return openim.ErrArgs.With("seqs is empty")
	}
	if err := checkSeqs(a.Seqs); err != nil {
		return err
	}
	return checkDeleteOpt(c, a.DeleteSyncOpt)
}

// ClearConversationsMsg is /msg/clear_conversation_msg.
type ClearConversationsMsg struct {
	ConversationIDs []string       `json:"conversationIDs"`
	UserID          string         `json:"userID"`
	DeleteSyncOpt   *DeleteSyncOpt `json:"deleteSyncOpt"`
}

// Check: self or admin; 1..MaxBatch distinct conversations.
func (a *ClearConversationsMsg) Check(c Caller) error {
	if err := checkFields(checkID("userID", a.UserID), c.Access(a.UserID)); err != nil {
		return err
	}
	if len(a.ConversationIDs) == 0 {
		return openim.ErrArgs.With("conversationIDs is empty")
	}
	if len(a.ConversationIDs) > openim.MaxBatch {
		return openim.ErrArgs.With("conversationIDs has %d IDs, at most %d", len(a.ConversationIDs), openim.MaxBatch)
	}
	for _, id := range a.ConversationIDs {
		if err := checkMsgConversationID("conversationIDs", id); err != nil {
			return err
		}
	}
	return checkDeleteOpt(c, a.DeleteSyncOpt)
}

// UserClearAllMsg is /msg/user_clear_all_msg: clear every conversation of the user.
type UserClearAllMsg struct {
	UserID        string         `json:"userID"`
	DeleteSyncOpt *DeleteSyncOpt `json:"deleteSyncOpt"`
}

// Check: self or admin.
func (a *UserClearAllMsg) Check(c Caller) error {
	return checkFields(checkID("userID", a.UserID), c.Access(a.UserID), checkDeleteOpt(c, a.DeleteSyncOpt))
}

// deleteMsgs deletes the readable seqs listed (others are ignored) and tells the user's devices
// (2102); deleted for everyone, the conversation hears it too.
func deleteMsgs(o *op, a *DeleteMsgs) (any, error) {
	acc, err := loadMsgAccess(o.ctx, o.tx, a.UserID, a.ConversationID)
	if err != nil {
		return nil, err
	}
	if acc == nil {
		return nil, openim.ErrRecordNotFound.With("conversation %s", a.ConversationID)
	}
	seqs := acc.windowed(a.Seqs)
	if len(seqs) == 0 {
		return nil, nil
	}
	tips := &pb.DeleteMsgsTips{UserID: a.UserID, ConversationID: a.ConversationID, Seqs: seqs}
	if !a.DeleteSyncOpt.forEveryone() {
		if err := store.MarkDeleted(o.ctx, o.tx, a.UserID, a.ConversationID, seqs); err != nil {
			return nil, err
		}
		return nil, o.notify(note{contentType: openim.DeleteMsgsNotification, sendID: a.UserID, recvID: a.UserID,
			to: []string{a.UserID}, tips: tips})
	}
	if err := store.DeleteMessages(o.ctx, o.tx, a.ConversationID, seqs); err != nil {
		return nil, err
	}
	n, err := o.conversationNote(acc, openim.DeleteMsgsNotification, tips)
	if err != nil {
		return nil, err
	}
	return nil, o.notify(n)
}

// conversationNote addresses a notification from the user to everyone in the conversation: the
// pair, or the group; for an n_ stream the user's own devices.
func (o *op) conversationNote(acc *msgAccess, contentType int32, tips any) (note, error) {
	n := note{contentType: contentType, sendID: acc.userID, recvID: acc.userID, to: []string{acc.userID}, tips: tips}
	switch {
	case openim.IsNotificationConversation(acc.conversationID):
	case strings.HasPrefix(acc.conversationID, openim.PrefixGroup):
		members, err := store.MemberIDs(o.ctx, o.tx, acc.groupID)
		if err != nil {
			return n, err
		}
		n.recvID, n.groupID, n.to = acc.groupID, acc.groupID, append(members, acc.userID)
	default:
		n.recvID, n.to = acc.peer, pair(acc.userID, acc.peer)
	}
	return n, nil
}

func clearConversationsMsg(o *op, a *ClearConversationsMsg) (any, error) {
	return nil, o.clearConversations(a.UserID, dedupe(a.ConversationIDs), a.DeleteSyncOpt)
}

func userClearAllMsg(o *op, a *UserClearAllMsg) (any, error) {
	rows, err := store.AllConversations(o.ctx, o.tx, a.UserID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ConversationID
	}
	return nil, o.clearConversations(a.UserID, ids, a.DeleteSyncOpt)
}

// clearConversations hides everything up to now in each of the user's conversations (minSeq =
// readable maxSeq + 1, everything read); conversations the user has no row for are skipped. The
// user's devices hear it (1703); cleared for everyone, each conversation hears it and its first
// seq rises for all.
func (o *op) clearConversations(userID string, ids []string, opt *DeleteSyncOpt) error {
	var cleared []string
	for _, id := range ids {
		acc, err := loadMsgAccess(o.ctx, o.tx, userID, id)
		if err != nil {
			return err
		}
		if acc == nil || acc.row == nil {
			continue
		}
		if acc.hi+1 > acc.row.MinSeq {
			if err := store.SetUserMinSeq(o.ctx, o.tx, userID, id, acc.hi+1); err != nil {
				return err
			}
			if _, err := o.bumpVersion(conversationLog(userID), id, store.VersionUpdate); err != nil {
				return err
			}
		}
		if _, err := store.RaiseHasReadSeq(o.ctx, o.tx, userID, id, acc.hi); err != nil {
			return err
		}
		cleared = append(cleared, id)
		if !opt.forEveryone() {
			continue
		}
		if err := store.RaiseMinSeq(o.ctx, o.tx, id, acc.seq.MaxSeq+1); err != nil {
			return err
		}
		n, err := o.conversationNote(acc, openim.ClearConversation, &pb.ClearConversationTips{UserID: userID,
			ConversationIDs: []string{id}})
		if err != nil {
			return err
		}
		if err := o.notify(n); err != nil {
			return err
		}
	}
	if len(cleared) == 0 {
		return nil
	}
	return o.notify(note{contentType: openim.ClearConversation, sendID: userID, recvID: userID, to: []string{userID},
		tips: &pb.ClearConversationTips{UserID: userID, ConversationIDs: cleared}})
}
