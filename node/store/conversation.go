package store

import (
	"context"
	"fmt"
)

// ConversationKey names a conversation row.
type ConversationKey struct {
	OwnerID        string
	ConversationID string
	Type           int32
	UserID         string // peer, for single chats
	GroupID        string
}

// EnsureConversation creates the owner's conversation row if missing and reports whether it did.
func EnsureConversation(ctx context.Context, q Q, k ConversationKey) (created bool, err error) {
	res, err := q.ExecContext(ctx, `INSERT INTO conversations (owner_id, conversation_id, conversation_type, user_id, group_id)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT (owner_id, conversation_id) DO NOTHING`,
		k.OwnerID, k.ConversationID, k.Type, k.UserID, k.GroupID)
	if err != nil {
		return false, fmt.Errorf("ensure conversation %s/%s: %w", k.OwnerID, k.ConversationID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// RaiseHasReadSeq moves the owner's read position forward, never back, and reports whether it moved.
func RaiseHasReadSeq(ctx context.Context, q Q, ownerID, conversationID string, seq int64) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE conversations SET has_read_seq = ?
		WHERE owner_id = ? AND conversation_id = ? AND has_read_seq < ?`, seq, ownerID, conversationID, seq)
	if err != nil {
		return false, fmt.Errorf("raise read seq %s/%s: %w", ownerID, conversationID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
