package store

import (
	"context"
	"fmt"

	"lanim/node/pb"
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

// RecvMsgOpts returns the recv_msg_opt of the rows the owners have in conversationID, by owner; an
// owner without a row is not in the map. A send reads both ends of a single chat with it in one
// statement: the receiver's option, and which rows it need not create.
func RecvMsgOpts(ctx context.Context, q Q, conversationID string, owners ...string) (map[string]int32, error) {
	opts := make(map[string]int32, len(owners))
	if len(owners) == 0 {
		return opts, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT owner_id, recv_msg_opt FROM conversations
		WHERE conversation_id = ? AND owner_id IN (`+placeholders(len(owners))+`)`,
		append([]any{conversationID}, anys(owners)...)...)
	if err != nil {
		return nil, fmt.Errorf("recv opts of %s: %w", conversationID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var owner string
		var opt int32
		if err := rows.Scan(&owner, &opt); err != nil {
			return nil, fmt.Errorf("recv opts of %s: %w", conversationID, err)
		}
		opts[owner] = opt
	}
	return opts, rows.Err()
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

const conversationColumns = `owner_id, conversation_id, conversation_type, user_id, group_id, recv_msg_opt, is_pinned,
	attached_info, is_private_chat, group_at_type, ex, burn_duration, min_seq, max_seq, msg_destruct_time,
	latest_msg_destruct_time, is_msg_destruct, has_read_seq`

// ConversationRow is one conversation row: the wire fields and the owner's read position, which the
// wire Conversation does not carry.
type ConversationRow struct {
	*pb.Conversation
	HasReadSeq int64
}

func scanConversation(row interface{ Scan(...any) error }) (ConversationRow, error) {
	c := ConversationRow{Conversation: &pb.Conversation{}}
	err := row.Scan(&c.OwnerUserID, &c.ConversationID, &c.ConversationType, &c.UserID, &c.GroupID, &c.RecvMsgOpt,
		&c.IsPinned, &c.AttachedInfo, &c.IsPrivateChat, &c.GroupAtType, &c.Ex, &c.BurnDuration, &c.MinSeq, &c.MaxSeq,
		&c.MsgDestructTime, &c.LatestMsgDestructTime, &c.IsMsgDestruct, &c.HasReadSeq)
	return c, err
}

// queryConversations runs a SELECT of conversationColumns; where is the rest of the statement.
func queryConversations(ctx context.Context, q Q, where string, args ...any) ([]ConversationRow, error) {
	return queryAll(ctx, q, "query conversations", scanConversation, `SELECT `+conversationColumns+` FROM conversations `+where, args...)
}

// GetConversation returns the owner's row of a conversation; ok is false when there is none.
func GetConversation(ctx context.Context, q Q, ownerID, conversationID string) (c ConversationRow, ok bool, err error) {
	c, err = scanConversation(q.QueryRowContext(ctx, `SELECT `+conversationColumns+` FROM conversations
		WHERE owner_id = ? AND conversation_id = ?`, ownerID, conversationID))
	ok, err = found(err, "get conversation %s/%s", ownerID, conversationID)
	return c, ok, err
}

// GetConversations returns the owner's rows among ids, in the order of ids, each once; IDs without a
// row are left out.
func GetConversations(ctx context.Context, q Q, ownerID string, ids []string) ([]ConversationRow, error) {
	return queryIn(ctx, q, "get conversations of "+ownerID, scanConversation,
		`SELECT `+conversationColumns+` FROM conversations WHERE owner_id = ? AND conversation_id IN`, ids,
		func(c ConversationRow) string { return c.ConversationID }, ownerID)
}

// AllConversations returns every row of the owner, by conversation ID.
func AllConversations(ctx context.Context, q Q, ownerID string) ([]ConversationRow, error) {
	return queryConversations(ctx, q, `WHERE owner_id = ? ORDER BY conversation_id`, ownerID)
}

// PageConversations pages through the owner's rows by conversation ID, with the total count.
func PageConversations(ctx context.Context, q Q, ownerID string, offset, limit int) ([]ConversationRow, int64, error) {
	return countedPage(ctx, q, "conversations of "+ownerID, scanConversation,
		`SELECT count(*) FROM conversations WHERE owner_id = ?`,
		`SELECT `+conversationColumns+` FROM conversations WHERE owner_id = ? ORDER BY conversation_id`, offset, limit, ownerID)
}

// ConversationIDs lists the owner's conversation IDs in ID order.
func ConversationIDs(ctx context.Context, q Q, ownerID string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT conversation_id FROM conversations WHERE owner_id = ? ORDER BY conversation_id`, ownerID)
}

// NotNotifyConversationIDs lists the owner's conversations with a recvMsgOpt other than 0 (receive).
func NotNotifyConversationIDs(ctx context.Context, q Q, ownerID string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT conversation_id FROM conversations WHERE owner_id = ? AND recv_msg_opt != 0
		ORDER BY conversation_id`, ownerID)
}

// PinnedConversationIDs lists the owner's pinned conversations.
func PinnedConversationIDs(ctx context.Context, q Q, ownerID string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT conversation_id FROM conversations WHERE owner_id = ? AND is_pinned != 0
		ORDER BY conversation_id`, ownerID)
}

// UpdateConversationSettings writes the fields a user sets on their own row (set_conversations);
// the seq window, the read position and the identity columns are left alone.
func UpdateConversationSettings(ctx context.Context, q Q, c *pb.Conversation) error {
	_, err := q.ExecContext(ctx, `UPDATE conversations SET recv_msg_opt = ?, is_pinned = ?, attached_info = ?,
		is_private_chat = ?, group_at_type = ?, ex = ?, burn_duration = ?, msg_destruct_time = ?, is_msg_destruct = ?
		WHERE owner_id = ? AND conversation_id = ?`,
		c.RecvMsgOpt, c.IsPinned, c.AttachedInfo, c.IsPrivateChat, c.GroupAtType, c.Ex, c.BurnDuration,
		c.MsgDestructTime, c.IsMsgDestruct, c.OwnerUserID, c.ConversationID)
	if err != nil {
		return fmt.Errorf("update conversation %s/%s: %w", c.OwnerUserID, c.ConversationID, err)
	}
	return nil
}

// FriendsOnly returns the owner's friend entries for the IDs among ids that are in their friend list,
// keyed by friend ID.
func FriendsOnly(ctx context.Context, q Q, ownerID string, ids []string) (map[string]*pb.FriendInfoOnly, error) {
	out := map[string]*pb.FriendInfoOnly{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT owner_id, friend_id, remark, create_time, add_source, operator_id, ex,
		is_pinned FROM friends WHERE owner_id = ? AND friend_id IN (`+placeholders(len(ids))+`)`,
		append([]any{ownerID}, anys(ids)...)...)
	if err != nil {
		return nil, fmt.Errorf("friends of %s: %w", ownerID, err)
	}
	defer rows.Close()
	for rows.Next() {
		f := &pb.FriendInfoOnly{}
		if err := rows.Scan(&f.OwnerUserID, &f.FriendUserID, &f.Remark, &f.CreateTime, &f.AddSource,
			&f.OperatorUserID, &f.Ex, &f.IsPinned); err != nil {
			return nil, err
		}
		out[f.FriendUserID] = f
	}
	return out, rows.Err()
}
