package im

import (
	"context"
	"slices"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// What the gateway relays without Raft, never stored, so no FSM sees it: typing (113), presence
// (1304) and a message waiting in its sender's outbox for a quorum. Who may receive each is
// decided here.

// Typing's rules are the send's (message.go) that matter for a message nobody keeps, with the send's
// codes: the IDs a send needs, the peer has not blocked the sender (1302), the group exists (1004),
// is not dismissed (1204) and has the sender as a member (1203).

// TypingRecipients checks a typing message from its sender against the state in q and returns who
// gets it: the peer and the sender (single chat), or every member (group, sessionType 2 or 3).
func TypingRecipients(ctx context.Context, q store.Q, m *pb.MsgData) ([]string, error) {
	if err := checkClientMsgID(m.ClientMsgID); err != nil {
		return nil, err
	}
	if len(m.Content) > openim.MaxContentBytes {
		return nil, openim.ErrArgs.With("content is %d bytes, at most %d", len(m.Content), openim.MaxContentBytes)
	}
	switch m.SessionType {
	case openim.SingleChat:
		if err := checkID("recvID", m.RecvID); err != nil {
			return nil, err
		}
		if err := checkNotBlocked(ctx, q, m.RecvID, m.SendID); err != nil {
			return nil, err
		}
		to := pair(m.RecvID, m.SendID)
		slices.Sort(to)
		return to, nil
	case openim.ReadGroupChat, openim.WriteGroupChat:
		if err := checkID("groupID", m.GroupID); err != nil {
			return nil, err
		}
		if _, err := groupToSendTo(ctx, q, m.GroupID); err != nil {
			return nil, err
		}
		if _, err := sendingMember(ctx, q, m.GroupID, m.SendID); err != nil {
			return nil, err
		}
		return store.MemberIDs(ctx, q, m.GroupID)
	default:
		return nil, openim.ErrArgs.With("typing: sessionType %d: use 1 (single) or 3 (group)", m.SessionType)
	}
}

// PresenceRecipients lists who is told of userID's presence changes (1304): the users who have
// userID in their friend list.
func PresenceRecipients(ctx context.Context, q store.Q, userID string) ([]string, error) {
	return store.FriendOwners(ctx, q, userID)
}

// PendingRecipients checks a message that waits in its sender's node's outbox (no quorum: not
// committed yet) against the state in q by the send's rules (message.go), and returns who may see
// it before it commits: the peer of a single chat, or the group's members, never the sender (their
// app shows its own copy). Nobody when the message is already stored (the committed copy is on
// its way) or is not a user's chat message; an error when the send would be refused. now is the
// clock mute times are compared with.
func PendingRecipients(ctx context.Context, q store.Q, m *pb.MsgData, now int64) ([]string, error) {
	if err := checkClientMsgID(m.ClientMsgID); err != nil {
		return nil, err
	}
	if !userContentTypes[m.ContentType] {
		return nil, openim.ErrArgs.With("contentType %d is not a user's chat message", m.ContentType)
	}
	if len(m.Content) > openim.MaxContentBytes {
		return nil, openim.ErrArgs.With("content is %d bytes, at most %d", len(m.Content), openim.MaxContentBytes)
	}
	if _, stored, err := store.MessageByClientID(ctx, q, m.ClientMsgID); err != nil || stored {
		return nil, err
	}
	if sender, err := store.GetUser(ctx, q, m.SendID); err != nil {
		return nil, err
	} else if sender == nil {
		return nil, openim.ErrRecordNotFound.With("sender %s is not a user", m.SendID)
	}
	var to []string
	switch m.SessionType {
	case openim.SingleChat:
		recv, err := store.GetUser(ctx, q, m.RecvID)
		if err != nil {
			return nil, err
		}
		if recv == nil {
			return nil, openim.ErrRecordNotFound.With("receiver %s is not a user", m.RecvID)
		}
		if err := checkNotBlocked(ctx, q, m.RecvID, m.SendID); err != nil {
			return nil, err
		}
		opts, err := store.RecvMsgOpts(ctx, q, openim.ChatConversationID(m.SessionType, m.SendID, m.RecvID, ""), m.RecvID)
		if err != nil {
			return nil, err
		}
		if _, err := recvMsgOpt(recv, m, opts[m.RecvID]); err != nil {
			return nil, err
		}
		to = []string{m.RecvID}
	case openim.ReadGroupChat:
		g, err := groupToSendTo(ctx, q, m.GroupID)
		if err != nil {
			return nil, err
		}
		if err := checkMemberSend(ctx, q, g, m.SendID, now); err != nil {
			return nil, err
		}
		if to, err = store.MemberIDs(ctx, q, m.GroupID); err != nil {
			return nil, err
		}
	default:
		return nil, openim.ErrArgs.With("pending: sessionType %d: use 1 (single) or 3 (group)", m.SessionType)
	}
	return slices.DeleteFunc(to, func(id string) bool { return id == m.SendID }), nil
}
