package im

import (
	"encoding/json"
	"fmt"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// RevokeMsg is /msg/revoke_msg: withdraw a stored message. It stays at its seq; every later read
// returns it rewritten as a 2101 (msgread.go), and a RevokeMsgTips goes to the conversation.
type RevokeMsg struct {
	ConversationID string `json:"conversationID"`
	Seq            int64  `json:"seq"`
	UserID         string `json:"userID"`
}

// Check: self or admin; a chat conversation and a seq.
func (a *RevokeMsg) Check(c Caller) error {
	if err := checkFields(checkID("userID", a.UserID), c.Access(a.UserID), checkMsgConversationID("conversationID", a.ConversationID)); err != nil {
		return err
	}
	if openim.IsNotificationConversation(a.ConversationID) {
		return openim.ErrArgs.With("notifications cannot be revoked")
	}
	if a.Seq < 1 {
		return openim.ErrArgs.With("seq must be 1 or more")
	}
	return nil
}

// revokeMsg: no time limit (upstream). Single chat: only the sender. Group: the sender, the owner,
// or an admin revoking an ordinary member's message. The app admin revokes anything.
func revokeMsg(o *op, a *RevokeMsg) (any, error) {
	t, err := a.decide(o)
	if err != nil {
		return nil, err
	}
	msg, revoker, role, to := t.msg, t.revoker, t.role, t.to
	content, err := json.Marshal(&pb.MessageRevokedContent{RevokerID: a.UserID, RevokerRole: role,
		ClientMsgID: msg.ClientMsgID, RevokerNickname: revoker.Nickname, RevokeTime: o.now,
		SourceMessageSendTime: msg.SendTime, SourceMessageSendID: msg.SendID,
		SourceMessageSenderNickname: msg.SenderNickname, SessionType: msg.SessionType, Seq: msg.Seq})
	if err != nil {
		return nil, fmt.Errorf("encode revoke: %w", err)
	}
	if _, err := store.SetRevoke(o.ctx, o.tx, a.ConversationID, a.Seq, content); err != nil {
		return nil, err
	}
	n := note{contentType: openim.MsgRevokeNotification, sendID: a.UserID, to: append(to, o.caller.UserID),
		tips: &pb.RevokeMsgTips{RevokerUserID: o.caller.UserID, ClientMsgID: msg.ClientMsgID, RevokeTime: o.now,
			SesstionType: msg.SessionType, Seq: msg.Seq, ConversationID: a.ConversationID, IsAdminRevoke: o.caller.Admin()}}
	if msg.SessionType == openim.ReadGroupChat {
		n.recvID, n.groupID = msg.GroupID, msg.GroupID
	} else {
		// The tips land in the pair's n_ stream, whoever revokes.
		n.sendID, n.recvID = msg.SendID, msg.RecvID
		if a.UserID == msg.RecvID {
			n.sendID, n.recvID = msg.RecvID, msg.SendID
		}
	}
	return nil, o.notify(n)
}

func (a *RevokeMsg) refuse(o *op) error {
	_, err := a.decide(o)
	return err
}

// revokeTarget is what a revoke acts on: the message, the revoker, their role and who hears of it.
type revokeTarget struct {
	msg     *pb.MsgData
	revoker *pb.UserInfo
	role    int32
	to      []string
}

// decide applies revoke's rules: a message the user may read, not yet revoked, theirs to revoke.
func (a *RevokeMsg) decide(o *op) (*revokeTarget, error) {
	acc, err := loadMsgAccess(o.ctx, o.tx, a.UserID, a.ConversationID)
	if err != nil {
		return nil, err
	}
	if acc == nil {
		return nil, openim.ErrRecordNotFound.With("conversation %s", a.ConversationID)
	}
	stored, ok, err := store.MessageAt(o.ctx, o.tx, a.ConversationID, a.Seq)
	if err != nil {
		return nil, err
	}
	if !ok || !acc.readable(&stored) {
		return nil, openim.ErrRecordNotFound.With("message %d of %s", a.Seq, a.ConversationID)
	}
	if stored.Revoke != nil {
		return nil, openim.ErrMsgAlreadyRevoke.With("message %d of %s is already revoked", a.Seq, a.ConversationID)
	}
	t := &revokeTarget{}
	if t.msg, err = decodeStoredMsg(&stored); err != nil {
		return nil, err
	}
	if t.revoker, err = o.user(a.UserID); err != nil {
		return nil, err
	}
	if t.role, t.to, err = o.revokeRights(a.UserID, t.revoker, t.msg); err != nil {
		return nil, err
	}
	return t, nil
}

// revokeRights checks that userID may revoke msg and returns the revoker's role (stored in the
// revoke) and who hears of it: the pair, or the group's members.
func (o *op) revokeRights(userID string, revoker *pb.UserInfo, msg *pb.MsgData) (role int32, to []string, err error) {
	admin := o.caller.Admin()
	switch msg.SessionType {
	case openim.SingleChat:
		if !admin && msg.SendID != userID {
			return 0, nil, openim.ErrNoPermission.With("only the sender revokes a single-chat message")
		}
		return revoker.AppMangerLevel, pair(msg.SendID, msg.RecvID), nil
	case openim.ReadGroupChat:
		me, err := store.GetMember(o.ctx, o.tx, msg.GroupID, userID)
		if err != nil {
			return 0, nil, err
		}
		if !admin && msg.SendID != userID {
			if err := o.mayRevokeOthers(me, msg); err != nil {
				return 0, nil, err
			}
		}
		if me != nil {
			role = me.RoleLevel
		}
		members, err := store.MemberIDs(o.ctx, o.tx, msg.GroupID)
		return role, append(members, userID), err
	default:
		if !admin {
			return 0, nil, openim.ErrNoPermission.With("messages of sessionType %d are revoked by the admin", msg.SessionType)
		}
		return revoker.AppMangerLevel, pair(msg.SendID, msg.RecvID), nil
	}
}

// mayRevokeOthers: the group owner revokes anyone's message, a group admin an ordinary member's.
func (o *op) mayRevokeOthers(me *pb.GroupMemberFullInfo, msg *pb.MsgData) error {
	if me == nil {
		return openim.ErrNoPermission.With("only the sender, the group owner or an admin revokes this message")
	}
	switch me.RoleLevel {
	case openim.RoleOwner:
		return nil
	case openim.RoleAdmin:
		sender, err := store.GetMember(o.ctx, o.tx, msg.GroupID, msg.SendID)
		if err != nil {
			return err
		}
		if sender != nil && sender.RoleLevel != openim.RoleMember {
			return openim.ErrNoPermission.With("a group admin revokes only ordinary members' messages")
		}
		return nil
	default:
		return openim.ErrNoPermission.With("only the sender, the group owner or an admin revokes this message")
	}
}

// checkMsgConversationID: a conversation ID of a known kind (si_, sg_, sn_, n_) within length.
func checkMsgConversationID(field, id string) error {
	if id == "" {
		return openim.ErrArgs.With("%s is required", field)
	}
	if len(id) > openim.MaxConversationIDLen {
		return openim.ErrArgs.With("%s is %d bytes, at most %d", field, len(id), openim.MaxConversationIDLen)
	}
	for _, p := range []string{openim.PrefixSingle, openim.PrefixGroup, openim.PrefixNotifyChat, openim.PrefixNotification} {
		if len(id) > len(p) && id[:len(p)] == p {
			return nil
		}
	}
	return openim.ErrArgs.With("%s %q is not a conversation ID (si_, sg_, sn_ or n_)", field, id)
}
