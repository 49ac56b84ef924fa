package store

import (
	"context"
	"fmt"
	"strings"
)

// Reads of many conversations at once, for the list views of login sync: a few statements for a
// page of conversations instead of several per conversation.

// batchSize bounds the bound parameters of one statement (SQLite's limit is far above it).
const batchSize = 400

// inBatches calls fn on consecutive slices of at most n items of vs.
func inBatches[T any](vs []T, n int, fn func([]T) error) error {
	for len(vs) > 0 {
		k := min(n, len(vs))
		if err := fn(vs[:k]); err != nil {
			return err
		}
		vs = vs[k:]
	}
	return nil
}

// GetSeqs reads the seq state of each of ids that has one; the others are absent (zero in GetSeq).
func GetSeqs(ctx context.Context, q Q, ids []string) (map[string]Seq, error) {
	out := make(map[string]Seq, len(ids))
	err := inBatches(ids, batchSize, func(ids []string) error {
		rows, err := q.QueryContext(ctx, `SELECT conversation_id, max_seq, min_seq, max_seq_time FROM seqs
			WHERE conversation_id IN (`+placeholders(len(ids))+`)`, anys(ids)...)
		if err != nil {
			return fmt.Errorf("get seqs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var s Seq
			if err := rows.Scan(&id, &s.MaxSeq, &s.MinSeq, &s.MaxSeqTime); err != nil {
				return err
			}
			out[id] = s
		}
		return rows.Err()
	})
	return out, err
}

// MessageRef names one seq of a conversation.
type MessageRef struct {
	ConversationID string
	Seq            int64
}

// MessageAtRef is a stored message found by MessagesAtRefs, with whether the owner deleted it for
// themselves.
type MessageAtRef struct {
	StoredMessage
	DeletedByOwner bool
}

// MessagesAtRefs reads the stored messages at refs, each with ownerID's own delete mark, keyed by
// ref; refs holding no message are absent.
func MessagesAtRefs(ctx context.Context, q Q, ownerID string, refs []MessageRef) (map[MessageRef]MessageAtRef, error) {
	out := make(map[MessageRef]MessageAtRef, len(refs))
	err := inBatches(refs, batchSize/2, func(refs []MessageRef) error {
		args := make([]any, 0, 2*len(refs)+1)
		for _, r := range refs {
			args = append(args, r.ConversationID, r.Seq)
		}
		args = append(args, ownerID)
		values := strings.Repeat("(?, ?),", len(refs)-1) + "(?, ?)"
		rows, err := q.QueryContext(ctx, `WITH refs (conversation_id, seq) AS (VALUES `+values+`)
			SELECT `+messageColumns+`, d.seq IS NOT NULL
			FROM refs r CROSS JOIN messages m ON m.conversation_id = r.conversation_id AND m.seq = r.seq
			LEFT JOIN msg_deletes d ON d.owner_id = ? AND d.conversation_id = m.conversation_id AND d.seq = m.seq`,
			args...)
		if err != nil {
			return fmt.Errorf("messages at refs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var m MessageAtRef
			if err := rows.Scan(append(messageFields(&m.StoredMessage), &m.DeletedByOwner)...); err != nil {
				return fmt.Errorf("scan message at ref: %w", err)
			}
			withColumns(&m.StoredMessage)
			out[MessageRef{m.ConversationID, m.Seq}] = m
		}
		return rows.Err()
	})
	return out, err
}

// HasReadSeqsOf is HasReadSeqs for many conversations: by conversation, then owner.
func HasReadSeqsOf(ctx context.Context, q Q, ids []string) (map[string]map[string]int64, error) {
	out := make(map[string]map[string]int64, len(ids))
	err := inBatches(ids, batchSize, func(ids []string) error {
		rows, err := q.QueryContext(ctx, `SELECT conversation_id, owner_id, has_read_seq FROM conversations
			WHERE conversation_id IN (`+placeholders(len(ids))+`)`, anys(ids)...)
		if err != nil {
			return fmt.Errorf("read seqs: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id, owner string
			var seq int64
			if err := rows.Scan(&id, &owner, &seq); err != nil {
				return err
			}
			if out[id] == nil {
				out[id] = map[string]int64{}
			}
			out[id][owner] = seq
		}
		return rows.Err()
	})
	return out, err
}
