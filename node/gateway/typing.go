package gateway

import (
	"context"

	"google.golang.org/protobuf/proto"

	"lanim/node/gateway/wire"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
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
// recipients im.TypingRecipients allows, on every connection but the sending one. The answer carries a server message ID made here.
func (c *conn) sendTyping(req *wire.Req, msg *pb.MsgData) ([]byte, error) {
	if c.g.q == nil {
		return nil, openim.ErrInternal.With("no database")
	}
	ctx, cancel := context.WithTimeout(c.ctx, readTimeout)
	defer cancel()
	to, err := im.TypingRecipients(ctx, c.g.q, msg)
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
