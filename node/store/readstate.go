package store

import (
	"context"
	"fmt"
)

// A user's read state in a conversation: the seq window a clear moves and the read position. The
// rows themselves are read with GetConversation.

// SetUserMinSeq sets the first seq the owner may read (clear_conversation_msg).
func SetUserMinSeq(ctx context.Context, q Q, ownerID, conversationID string, minSeq int64) error {
	return setSeq(ctx, q, "min_seq", ownerID, conversationID, minSeq)
}

// SetHasReadSeq sets the owner's read position, lower or higher (set_conversation_has_read_seq).
func SetHasReadSeq(ctx context.Context, q Q, ownerID, conversationID string, seq int64) error {
	return setSeq(ctx, q, "has_read_seq", ownerID, conversationID, seq)
}

// setSeq writes one seq column (a constant of this file) of the owner's conversation row.
func setSeq(ctx context.Context, q Q, column, ownerID, conversationID string, seq int64) error {
	_, err := q.ExecContext(ctx, `UPDATE conversations SET `+column+` = ? WHERE owner_id = ? AND conversation_id = ?`,
		seq, ownerID, conversationID)
	if err != nil {
		return fmt.Errorf("set %s %s/%s: %w", column, ownerID, conversationID, err)
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
