package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
)

// Message IDs of 32 lowercase hex digits (every serverMsgID, and the clientMsgIDs of the OpenIM
// SDKs: MD5s written in hex) are stored as their 16 bytes, a BLOB: 16 bytes less in each row and,
// for the clientMsgID, in its unique index. Any other ID is stored as its text. The two forms never
// meet: SQLite compares a BLOB and a TEXT as different values, and an ID has one form only.
const packedIDLen = 32

// packID is the stored form of a message ID.
func packID(id string) any {
	if len(id) != packedIDLen {
		return id
	}
	for i := range len(id) {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return id
		}
	}
	b, _ := hex.DecodeString(id)
	return b
}

// idColumn scans a stored message ID (a BLOB of a packed ID, or TEXT) into *s.
type idColumn struct{ s *string }

func (c idColumn) Scan(src any) error {
	switch v := src.(type) {
	case []byte:
		*c.s = hex.EncodeToString(v)
	case string:
		*c.s = v
	default:
		return fmt.Errorf("message id: unexpected %T", src)
	}
	return nil
}

// packStoredIDs stores the IDs of the messages written by an older build in the packed form, as
// this build writes them (the same test as packID, in SQL).
func packStoredIDs(ctx context.Context, db *sql.DB) error {
	return inTx(ctx, db, func(tx *sql.Tx) error {
		for _, col := range []string{"client_msg_id", "server_msg_id"} {
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE messages SET %[1]s = unhex(%[1]s)
				WHERE typeof(%[1]s) = 'text' AND length(%[1]s) = %[2]d AND %[1]s NOT GLOB '*[^0-9a-f]*'`, col, packedIDLen)); err != nil {
				return fmt.Errorf("pack %s: %w", col, err)
			}
		}
		return nil
	})
}
