package im

import (
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/proto"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// marshal is deterministic (sorted map keys), so stored messages are byte-identical on every node.
var marshal = proto.MarshalOptions{Deterministic: true}

// storeMessage gives msg the next seq of its conversation and appends it to the message log.
// text, when not empty, is indexed for search.
func (o *op) storeMessage(conversationID string, msg *pb.MsgData, text string) error {
	seq, err := store.NextSeq(o.ctx, o.tx, conversationID, msg.SendTime)
	if err != nil {
		return err
	}
	msg.Seq = seq
	b, err := marshal.Marshal(msg)
	if err != nil {
		return fmt.Errorf("marshal message: %w", err)
	}
	return store.InsertMessage(o.ctx, o.tx, &store.StoredMessage{
		ConversationID: conversationID,
		Seq:            seq,
		ClientMsgID:    msg.ClientMsgID,
		ServerMsgID:    msg.ServerMsgID,
		SendID:         msg.SendID,
		SessionType:    msg.SessionType,
		ContentType:    msg.ContentType,
		SendTime:       msg.SendTime,
		Msg:            b,
	}, text)
}

// ensureChatConversations creates the chat conversation rows a stored message needs before it is
// pushed: both sides of a single chat, the receiver of a notification-account chat (upstream makes
// none for the account), every recipient of a group chat. The JS SDK asks for an unknown
// conversation as soon as its first message arrives.
func (o *op) ensureChatConversations(conversationID string, msg *pb.MsgData, recipients []string) error {
	switch msg.SessionType {
	case openim.SingleChat, openim.NotificationChat:
		if msg.SessionType == openim.SingleChat {
			if err := o.ensureConversation(store.ConversationKey{OwnerID: msg.SendID, ConversationID: conversationID,
				Type: msg.SessionType, UserID: msg.RecvID}); err != nil {
				return err
			}
		}
		if msg.SessionType == openim.SingleChat && msg.RecvID == msg.SendID {
			return nil
		}
		return o.ensureConversation(store.ConversationKey{OwnerID: msg.RecvID, ConversationID: conversationID,
			Type: msg.SessionType, UserID: msg.SendID})
	default:
		for _, uid := range recipients {
			if err := o.ensureConversation(store.ConversationKey{OwnerID: uid, ConversationID: conversationID,
				Type: openim.ReadGroupChat, GroupID: msg.GroupID}); err != nil {
				return err
			}
		}
		return nil
	}
}

// ensureConversation creates one conversation row, logging it in the owner's conversation version log.
func (o *op) ensureConversation(k store.ConversationKey) error {
	created, err := store.EnsureConversation(o.ctx, o.tx, k)
	if err != nil || !created {
		return err
	}
	_, err = o.bumpVersion(conversationLog(k.OwnerID), k.ConversationID, store.VersionInsert)
	return err
}

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
	if err := o.ensureChatConversations(chatID, chat, n.to); err != nil {
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

// maxIDDraws bounds serverClientMsgID's search for a free ID.
const maxIDDraws = 1000

// serverClientMsgID draws the clientMsgID of a message the server makes. clientMsgIDs are unique
// across the log and clients choose theirs, while newID is predictable from the log index: a user
// could store the next derived IDs first and make later commands fail. A taken ID is skipped.
func (o *op) serverClientMsgID() (string, error) {
	for range maxIDDraws {
		id := o.newID()
		_, taken, err := store.MessageByClientID(o.ctx, o.tx, id)
		if err != nil || !taken {
			return id, err
		}
	}
	return "", fmt.Errorf("no free clientMsgID in %d draws", maxIDDraws)
}

// deliver stores msg in conversationID and queues its push to the recipients.
func (o *op) deliver(conversationID string, msg *pb.MsgData, to []string) error {
	if err := o.storeMessage(conversationID, msg, ""); err != nil {
		return err
	}
	o.emit(Event{Push: &Push{UserIDs: dedupe(to), ConversationID: conversationID, Msg: msg, OperationID: o.cmd.OpID}})
	return nil
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

// pair lists the two ends of a user-targeted notification, once each.
func pair(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}

// dedupe drops repeated IDs, keeping the first occurrence's order.
func dedupe(ids []string) []string {
	seen := make(map[string]struct{}, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if _, ok := seen[id]; ok || id == "" {
			continue
		}
		seen[id] = struct{}{}
		out = append(out, id)
	}
	return out
}
