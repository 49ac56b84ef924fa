package im

import (
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
	return o.insertMessage(conversationID, msg, seq, text)
}

// insertMessage appends msg to the message log at seq, which its conversation has just given it.
// text, when not empty, is indexed for search.
func (o *op) insertMessage(conversationID string, msg *pb.MsgData, seq int64, text string) error {
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
// conversation as soon as its first message arrives. The owners in have are known to have their row
// (a send reads both ends of a single chat first): the statement that would find it is skipped.
func (o *op) ensureChatConversations(conversationID string, msg *pb.MsgData, recipients []string, have map[string]int32) error {
	switch msg.SessionType {
	case openim.SingleChat, openim.NotificationChat:
		if _, ok := have[msg.SendID]; !ok && msg.SessionType == openim.SingleChat {
			if err := o.ensureConversation(store.ConversationKey{OwnerID: msg.SendID, ConversationID: conversationID,
				Type: msg.SessionType, UserID: msg.RecvID}); err != nil {
				return err
			}
		}
		if _, ok := have[msg.RecvID]; ok || msg.SessionType == openim.SingleChat && msg.RecvID == msg.SendID {
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
