package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Seq is the seq state of one conversation.
type Seq struct {
	MaxSeq     int64
	MinSeq     int64
	MaxSeqTime int64
}

// GetSeq reads a conversation's seq state (zero when it has no message yet).
func GetSeq(ctx context.Context, q Q, conversationID string) (Seq, error) {
	var s Seq
	err := q.QueryRowContext(ctx, `SELECT max_seq, min_seq, max_seq_time FROM seqs WHERE conversation_id = ?`,
		conversationID).Scan(&s.MaxSeq, &s.MinSeq, &s.MaxSeqTime)
	if errors.Is(err, sql.ErrNoRows) {
		return Seq{}, nil
	}
	if err != nil {
		return s, fmt.Errorf("get seq %s: %w", conversationID, err)
	}
	return s, nil
}

// NextSeq allocates the next seq of a conversation: +1 per stored message, from 1, no gaps.
func NextSeq(ctx context.Context, q Q, conversationID string, sendTime int64) (int64, error) {
	var seq int64
	err := q.QueryRowContext(ctx, `INSERT INTO seqs (conversation_id, max_seq, max_seq_time) VALUES (?, 1, ?)
		ON CONFLICT (conversation_id) DO UPDATE SET max_seq = max_seq + 1, max_seq_time = excluded.max_seq_time
		RETURNING max_seq`, conversationID, sendTime).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("next seq %s: %w", conversationID, err)
	}
	return seq, nil
}

// StoredMessage is one row of the message log.
type StoredMessage struct {
	ConversationID string
	Seq            int64
	ClientMsgID    string
	ServerMsgID    string
	SendID         string
	SessionType    int32
	ContentType    int32
	SendTime       int64
	Msg            []byte // protobuf MsgData
	Revoke         []byte // MessageRevokedContent JSON, nil unless revoked
}

// InsertMessage appends a message at its seq. text, when not empty, is indexed for search.
func InsertMessage(ctx context.Context, q Q, m *StoredMessage, text string) error {
	res, err := q.ExecContext(ctx, `INSERT INTO messages
		(conversation_id, seq, client_msg_id, server_msg_id, send_id, session_type, content_type, send_time, msg)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ConversationID, m.Seq, m.ClientMsgID, m.ServerMsgID, m.SendID, m.SessionType, m.ContentType, m.SendTime, m.Msg)
	if err != nil {
		return fmt.Errorf("insert message %s/%d: %w", m.ConversationID, m.Seq, err)
	}
	if text == "" {
		return nil
	}
	id, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO messages_fts (rowid, text) VALUES (?, ?)`, id, text); err != nil {
		return fmt.Errorf("index message %s/%d: %w", m.ConversationID, m.Seq, err)
	}
	return nil
}

// MessageByClientID finds a stored message by its clientMsgID; ok is false when there is none.
func MessageByClientID(ctx context.Context, q Q, clientMsgID string) (m StoredMessage, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT conversation_id, seq, client_msg_id, server_msg_id, send_id, session_type,
		content_type, send_time, msg, revoke FROM messages WHERE client_msg_id = ?`, clientMsgID).Scan(
		&m.ConversationID, &m.Seq, &m.ClientMsgID, &m.ServerMsgID, &m.SendID, &m.SessionType, &m.ContentType,
		&m.SendTime, &m.Msg, &m.Revoke)
	if errors.Is(err, sql.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, fmt.Errorf("message by client id: %w", err)
	}
	return m, true, nil
}
