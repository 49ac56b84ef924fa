package im

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/proto"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// note is a notification a command derives.
type note struct {
	contentType int32
	sendID      string // usually the operator
	recvID      string // the target user, or the group ID for group-wide notifications
	groupID     string // set for group-wide notifications
	tips        any    // encoded as the JSON detail
	to          []string
	// chatCopy is upstream's isSendMsg: a copy is also stored in the chat conversation (si_/sg_),
	// so it shows in the chat as a notification line.
	chatCopy bool
}

// notify stores a notification in its n_ stream, with a seq so a client that was away can pull
// it, and pushes it to its recipients; with chatCopy it also stores and pushes the chat copy.
func (o *op) notify(n note) error {
	detail, err := pb.MarshalJSON(n.tips)
	if err != nil {
		return fmt.Errorf("encode tips %d: %w", n.contentType, err)
	}
	content, err := json.Marshal(map[string]string{"detail": string(detail)})
	if err != nil {
		return err
	}
	sessionType := openim.SingleChat
	if n.groupID != "" {
		sessionType = openim.ReadGroupChat
	}
	clientMsgID, err := o.serverClientMsgID()
	if err != nil {
		return err
	}
	msg := &pb.MsgData{
		SendID:      n.sendID,
		RecvID:      n.recvID,
		GroupID:     n.groupID,
		ClientMsgID: clientMsgID,
		ServerMsgID: o.newID(),
		SessionType: sessionType,
		MsgFrom:     openim.MsgFromSystem,
		ContentType: n.contentType,
		Content:     content,
		SendTime:    o.now,
		CreateTime:  o.now,
		Status:      openim.MsgStatusSuccess,
		Options:     notificationOptions(n.chatCopy),
	}
	if err := o.deliver(openim.NotificationConversationID(sessionType, n.sendID, n.recvID, n.groupID), msg, n.to); err != nil {
		return err
	}
	if !n.chatCopy {
		return nil
	}
	chat := proto.Clone(msg).(*pb.MsgData)
	if chat.ClientMsgID, err = o.serverClientMsgID(); err != nil {
		return err
	}
	chat.ServerMsgID = o.newID()
	// Upstream resets the copy's options to these two; every other key is missing, which means true.
	chat.Options = map[string]bool{"offlinePush": false, "unreadCount": true}
	chatID := openim.ChatConversationID(sessionType, n.sendID, n.recvID, n.groupID)
	if err := o.ensureChatConversations(chatID, chat, n.to, nil); err != nil {
		return err
	}
	if err := o.deliver(chatID, chat, n.to); err != nil {
		return err
	}
	if n.groupID != "" || n.sendID != n.recvID {
		_, err = store.RaiseHasReadSeq(o.ctx, o.tx, n.sendID, chatID, chat.Seq)
	}
	return err
}

// notificationOptions are the options of a notification in its n_ stream (upstream's defaults,
// except history and persistent: LanIM stores every notification).
func notificationOptions(chatCopy bool) map[string]bool {
	return map[string]bool{
		"isNotNotification":        false,
		"history":                  true,
		"persistent":               true,
		"unreadCount":              false,
		"conversationUpdate":       false,
		"senderSync":               true,
		"notPrivate":               false,
		"senderConversationUpdate": false,
		"reactionFromCache":        false,
		"offlinePush":              false,
		"isSendMsg":                chatCopy,
	}
}
