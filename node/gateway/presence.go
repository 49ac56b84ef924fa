package gateway

import (
	"context"
	"encoding/json"
	"time"

	"google.golang.org/protobuf/proto"

	"lanim/node/gateway/wire"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
)

// notifyPresence tells this node's connections that a user's platforms changed: a 2005 push to
// the connections subscribed to the user (what the JS SDK listens to), and the seed's 1304
// UserStatusChange, one per changed platform, to each connected user who has the user as a friend.
func (g *Gateway) notifyPresence(ctx context.Context, p *Presence, changes []platformChange, platforms []int32) {
	if subs := g.subscribers(p.UserID); len(subs) > 0 {
		data, err := proto.Marshal(&pb.SubUserOnlineStatusTips{Subscribers: []*pb.SubUserOnlineStatusElem{
			{UserID: p.UserID, OnlinePlatformIDs: platforms}}})
		if err == nil {
			enc := newFrameCache(&wire.Resp{ReqIdentifier: wire.SubUserOnlineStatus, OperationID: p.OperationID, Data: data})
			for _, c := range subs {
				if f, ok := enc.frame(g, c.codec); ok {
					c.push(f, "")
				}
			}
		}
	}
	if g.q == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	owners, err := im.PresenceRecipients(ctx, g.q, p.UserID)
	if err != nil {
		g.cfg.Log.Warn("presence: friends look-up failed", "user", p.UserID, "err", err)
		return
	}
	now := g.cfg.Now().UnixMilli()
	for _, owner := range owners {
		if !g.connected(owner) {
			continue
		}
		for _, ch := range changes {
			msg, err := statusChangeMsg(p.UserID, owner, ch, now)
			if err != nil {
				g.cfg.Log.Error("presence: encode 1304", "err", err)
				return
			}
			g.deliverStatusChange(owner, p.UserID, msg, p.OperationID)
		}
	}
}

// statusChangeMsg is the 1304 notification to one friend: online-only (seq 0, never stored), in
// the pair's n_ stream, as upstream v3.4-3.7 sent it.
func statusChangeMsg(userID, to string, ch platformChange, now int64) (*pb.MsgData, error) {
	status := openim.StatusOffline
	if ch.online {
		status = openim.StatusOnline
	}
	detail, err := pb.MarshalJSON(&pb.UserStatusChangeTips{FromUserID: userID, ToUserID: to, Status: status,
		PlatformID: ch.platformID})
	if err != nil {
		return nil, err
	}
	content, err := json.Marshal(map[string]string{"detail": string(detail)})
	if err != nil {
		return nil, err
	}
	return &pb.MsgData{
		SendID:           userID,
		RecvID:           to,
		ClientMsgID:      randomHex(16),
		ServerMsgID:      randomHex(16),
		SenderPlatformID: ch.platformID,
		SessionType:      openim.SingleChat,
		MsgFrom:          openim.MsgFromSystem,
		ContentType:      openim.UserStatusChange,
		Content:          content,
		SendTime:         now,
		CreateTime:       now,
		Status:           openim.MsgStatusSuccess,
		Options:          onlineOnlyOptions(),
	}, nil
}

// onlineOnlyOptions are the options of a message that is never stored: every key false (a missing
// key means true).
func onlineOnlyOptions() map[string]bool {
	return map[string]bool{
		"history": false, "persistent": false, "unreadCount": false, "conversationUpdate": false,
		"offlinePush": false, "senderSync": false, "notPrivate": false, "senderConversationUpdate": false,
		"isNotNotification": false, "isSendMsg": false, "reactionFromCache": false,
	}
}

// deliverStatusChange pushes a 1304 to the owner's connections that speak gob (Go clients, the
// desktop app). JSON connections (the JS SDK) get the 2005 push instead: the official JS SDK
// 0.0.14 has no case for 1304 in its user-notification switch, and its transpiled switch then
// calls .then on a number and leaves an unhandled rejection behind.
func (g *Gateway) deliverStatusChange(owner, userID string, msg *pb.MsgData, opID string) {
	convID := openim.NotificationConversationID(openim.SingleChat, userID, owner, "")
	data, err := proto.Marshal(pushMessages(convID, msg))
	if err != nil {
		g.cfg.Log.Error("presence: encode 1304 push", "err", err)
		return
	}
	enc := newFrameCache(&wire.Resp{ReqIdentifier: wire.PushMsg, OperationID: opID, Data: data})
	for _, c := range g.conns(owner) {
		if !c.codec.Gob {
			continue
		}
		if f, ok := enc.frame(g, c.codec); ok {
			c.push(f, "")
		}
	}
}
