package gateway

import (
	"context"
	"maps"
	"slices"

	"google.golang.org/protobuf/proto"

	"lanim/node/gateway/wire"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// typingOptions are the 8 SDK option keys, all false: a typing message is never stored, counted
// or pushed offline.
func typingOptions() map[string]bool {
	return map[string]bool{
		"history": false, "persistent": false, "unreadCount": false, "conversationUpdate": false,
		"offlinePush": false, "senderSync": false, "notPrivate": false, "senderConversationUpdate": false,
	}
}

// sendTyping delivers a typing message (113) without Raft: never stored, no seq. It goes to the
// peer's connections and the sender's other ones (single chat), or to every member's connections
// but the sending one (group). The answer carries a server message ID made here.
func (c *conn) sendTyping(req *wire.Req, msg *pb.MsgData) ([]byte, error) {
	ctx, cancel := context.WithTimeout(c.ctx, readTimeout)
	defer cancel()
	to, err := c.typingRecipients(ctx, msg)
	if err != nil {
		return nil, err
	}
	out := proto.Clone(msg).(*pb.MsgData)
	out.ServerMsgID = randomHex(16)
	out.SendTime = c.g.cfg.Now().UnixMilli()
	out.Seq = 0
	out.Status = openim.MsgStatusSuccess
	out.MsgFrom = openim.MsgFromUser
	out.Options = typingOptions()
	if out.SenderPlatformID == 0 {
		out.SenderPlatformID = c.platformID
	}
	if out.SessionType == openim.WriteGroupChat {
		out.SessionType = openim.ReadGroupChat
	}
	opID := req.OperationID
	if opID == "" {
		opID = c.opID
	}
	convID := openim.ChatConversationID(out.SessionType, out.SendID, out.RecvID, out.GroupID)
	c.g.publishTransient(TransientEvent{ExceptConn: c.key,
		Push: &im.Push{UserIDs: to, ConversationID: convID, Msg: out, OperationID: opID}})
	return proto.Marshal(&pb.UserSendMsgResp{ServerMsgID: out.ServerMsgID, ClientMsgID: out.ClientMsgID,
		SendTime: out.SendTime})
}

// typingRecipients applies the send rules that matter for a message nobody stores: the peer has
// not blocked the sender; the sender is in the (live) group.
func (c *conn) typingRecipients(ctx context.Context, msg *pb.MsgData) ([]string, error) {
	q := c.g.q
	if q == nil {
		return nil, openim.ErrInternal.With("no database")
	}
	switch msg.SessionType {
	case openim.SingleChat:
		if msg.RecvID == "" || len(msg.RecvID) > openim.MaxIDLen {
			return nil, openim.ErrArgs.With("typing: recvID is required")
		}
		blocked, err := store.IsBlocked(ctx, q, msg.RecvID, msg.SendID)
		if err != nil {
			return nil, err
		}
		if blocked {
			return nil, openim.ErrBlockedByPeer.With("%s blocked %s", msg.RecvID, msg.SendID)
		}
		return dedupe([]string{msg.RecvID, msg.SendID}), nil
	case openim.ReadGroupChat, openim.WriteGroupChat:
		if msg.GroupID == "" || len(msg.GroupID) > openim.MaxIDLen {
			return nil, openim.ErrArgs.With("typing: groupID is required")
		}
		g, err := store.GetGroup(ctx, q, msg.GroupID)
		if err != nil {
			return nil, err
		}
		if g == nil {
			return nil, openim.ErrGroupIDNotFound.With("group %s", msg.GroupID)
		}
		if g.Status == openim.GroupStatusDismissed {
			return nil, openim.ErrDismissedAlready.With("group %s is dismissed", msg.GroupID)
		}
		m, err := store.GetMember(ctx, q, msg.GroupID, msg.SendID)
		if err != nil {
			return nil, err
		}
		if m == nil {
			return nil, openim.ErrNotInGroupYet.With("%s is not in group %s", msg.SendID, msg.GroupID)
		}
		return store.MemberIDs(ctx, q, msg.GroupID)
	default:
		return nil, openim.ErrArgs.With("typing: sessionType %d: use 1 (single) or 3 (group)", msg.SessionType)
	}
}

func dedupe(ids []string) []string {
	set := map[string]bool{}
	for _, id := range ids {
		set[id] = true
	}
	return slices.Sorted(maps.Keys(set))
}
