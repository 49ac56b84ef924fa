package gateway

import (
	"context"

	"google.golang.org/protobuf/proto"

	"lanim/node/gateway/wire"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
)

// Without a quorum a send waits in its node's outbox, and OpenIM clients see it only once it
// commits. LanIM's desktop app asks at login (lanimPending) to see such messages at once: the
// sender's node publishes the queued message as a transient event, which the relay carries to
// every member it can reach, and each node pushes it (wire.PendingMsg, never 2001) to the
// connections that asked, of the users node/im's PendingRecipients allows by that node's own
// replica. Nothing is stored: the committed message follows with the same clientMsgID.

// PublishPending delivers a message just queued in this node's outbox to the connections here that
// may see it and relays it to the other nodes.
func (g *Gateway) PublishPending(m *pb.MsgData) {
	if m == nil {
		return
	}
	out := proto.Clone(m).(*pb.MsgData)
	out.ServerMsgID, out.Seq, out.IsRead = "", 0, false
	out.Status = openim.MsgStatusSending
	out.MsgFrom = openim.MsgFromUser
	if out.CreateTime == 0 {
		out.CreateTime = g.cfg.Now().UnixMilli()
	}
	out.SendTime = out.CreateTime
	g.publishTransient(TransientEvent{Pending: out})
}

// deliverPending pushes a pending message to the connections here that asked for pending
// messages, of the recipients the message may reach; a message refused by the send's rules, or
// already committed, reaches nobody.
func (g *Gateway) deliverPending(ctx context.Context, m *pb.MsgData) {
	if g.q == nil {
		return
	}
	rctx, cancel := context.WithTimeout(ctx, readTimeout)
	to, err := im.PendingRecipients(rctx, g.q, m, g.cfg.Now().UnixMilli())
	cancel()
	if err != nil {
		g.cfg.Log.Debug("pending message not shown", "clientMsgID", m.ClientMsgID, "err", err)
		return
	}
	var conns []*conn
	for _, c := range g.conns(to...) {
		if c.pending {
			conns = append(conns, c)
		}
	}
	if len(conns) == 0 {
		return
	}
	convID := openim.ChatConversationID(m.SessionType, m.SendID, m.RecvID, m.GroupID)
	data, err := proto.Marshal(pushMessages(convID, m))
	if err != nil {
		g.cfg.Log.Error("encode pending push", "conversation", convID, "err", err)
		return
	}
	enc := newFrameCache(&wire.Resp{ReqIdentifier: wire.PendingMsg, Data: data})
	for _, c := range conns {
		if f, ok := enc.frame(g, c.codec); ok {
			c.push(f, "")
		}
	}
}
