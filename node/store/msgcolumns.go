package store

import (
	"context"
	"database/sql"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// A message row keeps some fields of its MsgData twice: as columns, which queries filter and sort
// by, and inside msg, the protobuf served to clients. The stored msg leaves out every field equal
// to its column (a third of a text message's row) and reads append them back: a protobuf field
// that appears twice takes its last value, so msg reads as the whole message either way, also for
// rows stored whole by older builds. Field numbers are MsgData's (node/pb).
const (
	fieldSendID      = 1
	fieldClientMsgID = 4
	fieldServerMsgID = 5
	fieldSessionType = 9
	fieldContentType = 11
	fieldSeq         = 14
	fieldSendTime    = 15
)

// columnString and columnInt are the value of m's column kept as field num, ok false for a field
// that is no column.
func columnString(m *StoredMessage, num protowire.Number) (string, bool) {
	switch num {
	case fieldSendID:
		return m.SendID, true
	case fieldClientMsgID:
		return m.ClientMsgID, true
	case fieldServerMsgID:
		return m.ServerMsgID, true
	}
	return "", false
}

func columnInt(m *StoredMessage, num protowire.Number) (int64, bool) {
	switch num {
	case fieldSessionType:
		return int64(m.SessionType), true
	case fieldContentType:
		return int64(m.ContentType), true
	case fieldSeq:
		return m.Seq, true
	case fieldSendTime:
		return m.SendTime, true
	}
	return 0, false
}

// stripColumns is m.Msg without the fields that equal m's columns. A msg that does not parse is
// kept whole.
func stripColumns(m *StoredMessage) []byte {
	out := make([]byte, 0, len(m.Msg))
	b := m.Msg
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return m.Msg
		}
		size := protowire.ConsumeFieldValue(num, typ, b[n:])
		if size < 0 {
			return m.Msg
		}
		field, value := b[:n+size], b[n:n+size]
		b = b[n+size:]
		if s, ok := columnString(m, num); ok && typ == protowire.BytesType {
			if v, k := protowire.ConsumeBytes(value); k > 0 && string(v) == s {
				continue
			}
		}
		if i, ok := columnInt(m, num); ok && typ == protowire.VarintType {
			if v, k := protowire.ConsumeVarint(value); k > 0 && int64(v) == i {
				continue
			}
		}
		out = append(out, field...)
	}
	return out
}

// withColumns appends m's column fields to m.Msg (those with a value: a zero is what a missing
// field reads as).
func withColumns(m *StoredMessage) {
	b := m.Msg
	for _, num := range []protowire.Number{fieldSendID, fieldClientMsgID, fieldServerMsgID} {
		if s, _ := columnString(m, num); s != "" {
			b = protowire.AppendTag(b, num, protowire.BytesType)
			b = protowire.AppendString(b, s)
		}
	}
	for _, num := range []protowire.Number{fieldSessionType, fieldContentType, fieldSeq, fieldSendTime} {
		if v, _ := columnInt(m, num); v != 0 {
			b = protowire.AppendTag(b, num, protowire.VarintType)
			b = protowire.AppendVarint(b, uint64(v))
		}
	}
	m.Msg = b
}

// stripStoredMessages strips every stored msg of a database written by an older build, in
// batches. Every node does the same to the same rows, so their state digests agree again once all
// run this build.
func stripStoredMessages(ctx context.Context, db *sql.DB) error {
	const batch = 2000
	for after := int64(-1); ; {
		rows, err := db.QueryContext(ctx, `SELECT id, conversation_id, seq, client_msg_id, server_msg_id, send_id,
			session_type, content_type, send_time, msg FROM messages WHERE id > ? ORDER BY id LIMIT ?`, after, batch)
		if err != nil {
			return fmt.Errorf("strip messages: %w", err)
		}
		type update struct {
			id  int64
			msg []byte
		}
		var updates []update
		n := 0
		for rows.Next() {
			var m StoredMessage
			var id int64
			if err := rows.Scan(&id, &m.ConversationID, &m.Seq, &m.ClientMsgID, &m.ServerMsgID, &m.SendID,
				&m.SessionType, &m.ContentType, &m.SendTime, &m.Msg); err != nil {
				rows.Close()
				return fmt.Errorf("strip messages: %w", err)
			}
			n, after = n+1, id
			if s := stripColumns(&m); len(s) != len(m.Msg) {
				updates = append(updates, update{id, s})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("strip messages: %w", err)
		}
		if err := inTx(ctx, db, func(tx *sql.Tx) error {
			for _, u := range updates {
				if _, err := tx.ExecContext(ctx, `UPDATE messages SET msg = ? WHERE id = ?`, u.msg, u.id); err != nil {
					return fmt.Errorf("strip message %d: %w", u.id, err)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if n < batch {
			return nil
		}
	}
}

// inTx runs fn in one transaction of db, committed when fn succeeds.
func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}
