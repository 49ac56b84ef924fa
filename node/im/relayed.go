package im

import (
	"context"
	"slices"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// What the gateway relays without Raft, never stored, so no FSM sees it: typing (113) and
// presence (1304). Who may receive each is decided here.

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
