package store

import (
	"context"
	"database/sql"
	"fmt"

	"lanim/node/pb"
)

// ChatSend is everything a one-to-one send (a single chat, or an admin's notification-account
// message) reads before its rules run, read in one statement: its ten point lookups, run as five
// statements before, cost more in database/sql and cgo per statement than in SQLite (docs/benchmarks.md,
// branch i17fsm).
type ChatSend struct {
	// Retry: a message with the send's clientMsgID is stored already (MessageByClientID reads it).
	Retry bool
	// Sender and Recv are the two users, nil when not a user. They hold what a send reads of them:
	// UserID, and the sender's Nickname, FaceURL and AppMangerLevel, the receiver's GlobalRecvMsgOpt.
	Sender, Recv *pb.UserInfo
	// Rows holds the recv_msg_opt of the chat's rows that exist, by owner (sender and receiver).
	Rows map[string]int32
	// Blocked: the receiver has the sender in their black list. Friend: the receiver has the sender
	// as a friend.
	Blocked, Friend bool
	// LastSeq is the conversation's last seq (0 before its first message); AppendSeq takes it.
	LastSeq int64
}

// chatSendQuery reads ChatSend: ?1 clientMsgID (packed), ?2 sender, ?3 receiver, ?4 conversation.
// Each value is a scalar subquery on a unique key (NULL when there is no row): the same lookups as
// LEFT JOINs from a one-row subquery took SQLite 9-13 µs each.
const chatSendQuery = `SELECT EXISTS (SELECT 1 FROM messages WHERE client_msg_id = ?1),
	(SELECT nickname FROM users WHERE user_id = ?2), (SELECT face_url FROM users WHERE user_id = ?2),
	(SELECT app_manger_level FROM users WHERE user_id = ?2),
	(SELECT global_recv_msg_opt FROM users WHERE user_id = ?3),
	(SELECT recv_msg_opt FROM conversations WHERE owner_id = ?2 AND conversation_id = ?4),
	(SELECT recv_msg_opt FROM conversations WHERE owner_id = ?3 AND conversation_id = ?4),
	EXISTS (SELECT 1 FROM blacks WHERE owner_id = ?3 AND block_id = ?2),
	EXISTS (SELECT 1 FROM friends WHERE owner_id = ?3 AND friend_id = ?2),
	coalesce((SELECT max_seq FROM seqs WHERE conversation_id = ?4), 0)`

// ReadChatSend reads what a one-to-one send from sendID to recvID in conversationID needs.
func ReadChatSend(ctx context.Context, q Q, clientMsgID, sendID, recvID, conversationID string) (*ChatSend, error) {
	var c ChatSend
	var nickname, faceURL sql.NullString
	var level, recvOpt, senderRow, recvRow sql.NullInt64
	err := q.QueryRowContext(ctx, chatSendQuery, packID(clientMsgID), sendID, recvID, conversationID).Scan(&c.Retry,
		&nickname, &faceURL, &level, &recvOpt, &senderRow, &recvRow, &c.Blocked, &c.Friend, &c.LastSeq)
	if err != nil {
		return nil, fmt.Errorf("read send %s → %s: %w", sendID, recvID, err)
	}
	if nickname.Valid {
		c.Sender = &pb.UserInfo{UserID: sendID, Nickname: nickname.String, FaceURL: faceURL.String, AppMangerLevel: int32(level.Int64)}
	}
	if recvOpt.Valid {
		c.Recv = &pb.UserInfo{UserID: recvID, GlobalRecvMsgOpt: int32(recvOpt.Int64)}
	}
	c.Rows = make(map[string]int32, 2)
	if senderRow.Valid {
		c.Rows[sendID] = int32(senderRow.Int64)
	}
	if recvRow.Valid {
		c.Rows[recvID] = int32(recvRow.Int64)
	}
	return &c, nil
}

// AppendSeq gives a conversation whose last seq is last (read in this transaction: ReadChatSend)
// its next seq, last+1, in one statement where NextSeq needs two. It fails when last is no longer
// the last seq, rather than give a seq twice.
func AppendSeq(ctx context.Context, q Q, conversationID string, last, sendTime int64) (int64, error) {
	query := `UPDATE seqs SET max_seq = ?1, max_seq_time = ?2 WHERE conversation_id = ?3 AND max_seq = ?1 - 1`
	if last == 0 {
		query = `INSERT INTO seqs (conversation_id, max_seq, max_seq_time) VALUES (?3, ?1, ?2)
			ON CONFLICT (conversation_id) DO UPDATE SET max_seq = excluded.max_seq, max_seq_time = excluded.max_seq_time
			WHERE max_seq = 0`
	}
	res, err := q.ExecContext(ctx, query, last+1, sendTime, conversationID)
	if err != nil {
		return 0, fmt.Errorf("next seq %s: %w", conversationID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return 0, fmt.Errorf("next seq %s: the last seq is not %d (%d rows, %v)", conversationID, last, n, err)
	}
	return last + 1, nil
}
