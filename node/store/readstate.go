package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// UserConv is what the message reads and writes need of one user's conversation row: the user's
// seq window (MaxSeq 0 = unlimited), read position and receive option.
type UserConv struct {
	OwnerID        string
	ConversationID string
	Type           int32
	UserID         string
	GroupID        string
	RecvMsgOpt     int32
	IsPinned       bool
	MinSeq         int64
	MaxSeq         int64
	HasReadSeq     int64
}

const userConvColumns = `owner_id, conversation_id, conversation_type, user_id, group_id, recv_msg_opt, is_pinned,
	min_seq, max_seq, has_read_seq`

func scanUserConv(row interface{ Scan(...any) error }) (*UserConv, error) {
	c := &UserConv{}
	err := row.Scan(&c.OwnerID, &c.ConversationID, &c.Type, &c.UserID, &c.GroupID, &c.RecvMsgOpt, &c.IsPinned,
		&c.MinSeq, &c.MaxSeq, &c.HasReadSeq)
	return c, err
}

// GetUserConv returns the owner's row of a conversation, or nil when there is none.
func GetUserConv(ctx context.Context, q Q, ownerID, conversationID string) (*UserConv, error) {
	c, err := scanUserConv(q.QueryRowContext(ctx, `SELECT `+userConvColumns+` FROM conversations
		WHERE owner_id = ? AND conversation_id = ?`, ownerID, conversationID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("conversation %s/%s: %w", ownerID, conversationID, err)
	}
	return c, nil
}

// UserConvs returns every row of the owner, by conversation ID.
func UserConvs(ctx context.Context, q Q, ownerID string) ([]*UserConv, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+userConvColumns+` FROM conversations WHERE owner_id = ?
		ORDER BY conversation_id`, ownerID)
	if err != nil {
		return nil, fmt.Errorf("conversations of %s: %w", ownerID, err)
	}
	defer rows.Close()
	var out []*UserConv
	for rows.Next() {
		c, err := scanUserConv(rows)
		if err != nil {
			return nil, fmt.Errorf("scan conversation: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetUserMinSeq sets the first seq the owner may read (clear_conversation_msg).
func SetUserMinSeq(ctx context.Context, q Q, ownerID, conversationID string, minSeq int64) error {
	_, err := q.ExecContext(ctx, `UPDATE conversations SET min_seq = ? WHERE owner_id = ? AND conversation_id = ?`,
		minSeq, ownerID, conversationID)
	if err != nil {
		return fmt.Errorf("set min seq %s/%s: %w", ownerID, conversationID, err)
	}
	return nil
}

// SetHasReadSeq sets the owner's read position, lower or higher (set_conversation_has_read_seq).
func SetHasReadSeq(ctx context.Context, q Q, ownerID, conversationID string, seq int64) error {
	_, err := q.ExecContext(ctx, `UPDATE conversations SET has_read_seq = ? WHERE owner_id = ? AND conversation_id = ?`,
		seq, ownerID, conversationID)
	if err != nil {
		return fmt.Errorf("set read seq %s/%s: %w", ownerID, conversationID, err)
	}
	return nil
}

// HasReadSeqs returns the read position of every owner of a conversation row, by owner.
func HasReadSeqs(ctx context.Context, q Q, conversationID string) (map[string]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT owner_id, has_read_seq FROM conversations WHERE conversation_id = ?`,
		conversationID)
	if err != nil {
		return nil, fmt.Errorf("read seqs of %s: %w", conversationID, err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var owner string
		var seq int64
		if err := rows.Scan(&owner, &seq); err != nil {
			return nil, err
		}
		out[owner] = seq
	}
	return out, rows.Err()
}

// MembersWithoutConversation lists the members of a group that have no row for conversationID yet,
// in join order, so a group send creates only the rows it must.
func MembersWithoutConversation(ctx context.Context, q Q, groupID, conversationID string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT m.user_id FROM group_members m WHERE m.group_id = ?
		AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.owner_id = m.user_id AND c.conversation_id = ?)
		ORDER BY m.join_seq, m.user_id`, groupID, conversationID)
}
