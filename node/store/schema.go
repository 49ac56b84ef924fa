package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
)

// schema is the whole state, one statement per object. Every table is replicated state: the FSM is
// its only writer, and a table's rows are a pure function of the applied log. Times are milliseconds
// unless a column says otherwise (friends and blacks keep seconds, as upstream's API returns them).
var schema = []string{
	// meta: office-wide settings written by the office's first command (jwt key, admin secret hash,
	// office ID) and the applied Raft index.
	`CREATE TABLE IF NOT EXISTS meta (
		key   TEXT PRIMARY KEY,
		value BLOB NOT NULL
	) WITHOUT ROWID`,

	`CREATE TABLE IF NOT EXISTS users (
		user_id             TEXT PRIMARY KEY,
		nickname            TEXT NOT NULL DEFAULT '',
		face_url            TEXT NOT NULL DEFAULT '',
		ex                  TEXT NOT NULL DEFAULT '',
		create_time         INTEGER NOT NULL DEFAULT 0,
		app_manger_level    INTEGER NOT NULL DEFAULT 0,
		global_recv_msg_opt INTEGER NOT NULL DEFAULT 0,
		password_hash       TEXT NOT NULL DEFAULT ''
	)`,

	// office_admins: the users who run the office (invite computers, rename it, grant the role);
	// the account that created the office is the first. imAdmin is not listed: it may anyway.
	`CREATE TABLE IF NOT EXISTS office_admins (
		user_id    TEXT PRIMARY KEY,
		granted_by TEXT NOT NULL,
		grant_time INTEGER NOT NULL
	) WITHOUT ROWID`,

	// user_commands: a user's own items (the apps' favourites and the like), one per (type, uuid);
	// create_time in seconds, as upstream.
	`CREATE TABLE IF NOT EXISTS user_commands (
		user_id     TEXT NOT NULL,
		type        INTEGER NOT NULL,
		uuid        TEXT NOT NULL,
		value       TEXT NOT NULL DEFAULT '',
		ex          TEXT NOT NULL DEFAULT '',
		create_time INTEGER NOT NULL,
		PRIMARY KEY (user_id, type, uuid)
	) WITHOUT ROWID`,

	// tokens: every issued token with its status (0 normal, 1 invalid, 2 kicked, 3 expired), so a
	// kick or force_logout holds on every node.
	`CREATE TABLE IF NOT EXISTS tokens (
		token       TEXT PRIMARY KEY,
		user_id     TEXT NOT NULL,
		platform_id INTEGER NOT NULL,
		status      INTEGER NOT NULL DEFAULT 0,
		issued      INTEGER NOT NULL,
		expire      INTEGER NOT NULL
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS tokens_user ON tokens (user_id, platform_id)`,

	// friends: one row per direction (friendship is one-sided upstream). create_time in seconds.
	`CREATE TABLE IF NOT EXISTS friends (
		owner_id     TEXT NOT NULL,
		friend_id    TEXT NOT NULL,
		remark       TEXT NOT NULL DEFAULT '',
		create_time  INTEGER NOT NULL,
		add_source   INTEGER NOT NULL DEFAULT 0,
		operator_id  TEXT NOT NULL DEFAULT '',
		ex           TEXT NOT NULL DEFAULT '',
		is_pinned    INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (owner_id, friend_id)
	)`,
	`CREATE INDEX IF NOT EXISTS friends_friend ON friends (friend_id)`,

	`CREATE TABLE IF NOT EXISTS friend_requests (
		from_id       TEXT NOT NULL,
		to_id         TEXT NOT NULL,
		handle_result INTEGER NOT NULL DEFAULT 0,
		req_msg       TEXT NOT NULL DEFAULT '',
		create_time   INTEGER NOT NULL,
		handler_id    TEXT NOT NULL DEFAULT '',
		handle_msg    TEXT NOT NULL DEFAULT '',
		handle_time   INTEGER NOT NULL DEFAULT 0,
		ex            TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (from_id, to_id)
	)`,
	`CREATE INDEX IF NOT EXISTS friend_requests_to ON friend_requests (to_id)`,

	// blacks: create_time in seconds.
	`CREATE TABLE IF NOT EXISTS blacks (
		owner_id    TEXT NOT NULL,
		block_id    TEXT NOT NULL,
		create_time INTEGER NOT NULL,
		add_source  INTEGER NOT NULL DEFAULT 0,
		operator_id TEXT NOT NULL DEFAULT '',
		ex          TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (owner_id, block_id)
	)`,

	`CREATE TABLE IF NOT EXISTS groups (
		group_id                 TEXT PRIMARY KEY,
		group_name               TEXT NOT NULL DEFAULT '',
		notification             TEXT NOT NULL DEFAULT '',
		introduction             TEXT NOT NULL DEFAULT '',
		face_url                 TEXT NOT NULL DEFAULT '',
		owner_id                 TEXT NOT NULL DEFAULT '',
		create_time              INTEGER NOT NULL DEFAULT 0,
		ex                       TEXT NOT NULL DEFAULT '',
		status                   INTEGER NOT NULL DEFAULT 0,
		creator_id               TEXT NOT NULL DEFAULT '',
		group_type               INTEGER NOT NULL DEFAULT 2,
		need_verification        INTEGER NOT NULL DEFAULT 0,
		look_member_info         INTEGER NOT NULL DEFAULT 0,
		apply_member_friend      INTEGER NOT NULL DEFAULT 0,
		notification_update_time INTEGER NOT NULL DEFAULT 0,
		notification_user_id     TEXT NOT NULL DEFAULT ''
	)`,

	// group_members: role_level 100 owner, 60 admin, 20 member. join_seq orders members by join.
	`CREATE TABLE IF NOT EXISTS group_members (
		group_id      TEXT NOT NULL,
		user_id       TEXT NOT NULL,
		role_level    INTEGER NOT NULL DEFAULT 20,
		join_time     INTEGER NOT NULL DEFAULT 0,
		nickname      TEXT NOT NULL DEFAULT '',
		face_url      TEXT NOT NULL DEFAULT '',
		join_source   INTEGER NOT NULL DEFAULT 0,
		operator_id   TEXT NOT NULL DEFAULT '',
		ex            TEXT NOT NULL DEFAULT '',
		mute_end_time INTEGER NOT NULL DEFAULT 0,
		inviter_id    TEXT NOT NULL DEFAULT '',
		join_seq      INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (group_id, user_id)
	)`,
	`CREATE INDEX IF NOT EXISTS group_members_user ON group_members (user_id)`,

	`CREATE TABLE IF NOT EXISTS group_requests (
		group_id       TEXT NOT NULL,
		user_id        TEXT NOT NULL,
		handle_result  INTEGER NOT NULL DEFAULT 0,
		req_msg        TEXT NOT NULL DEFAULT '',
		handle_msg     TEXT NOT NULL DEFAULT '',
		req_time       INTEGER NOT NULL DEFAULT 0,
		handle_user_id TEXT NOT NULL DEFAULT '',
		handle_time    INTEGER NOT NULL DEFAULT 0,
		ex             TEXT NOT NULL DEFAULT '',
		join_source    INTEGER NOT NULL DEFAULT 0,
		inviter_id     TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (group_id, user_id)
	)`,
	`CREATE INDEX IF NOT EXISTS group_requests_user ON group_requests (user_id)`,

	// conversations: one row per owner and conversation. min_seq/max_seq are the owner's pull window
	// (max_seq 0 = unlimited; frozen when the owner leaves a group); has_read_seq only rises.
	`CREATE TABLE IF NOT EXISTS conversations (
		owner_id                 TEXT NOT NULL,
		conversation_id          TEXT NOT NULL,
		conversation_type        INTEGER NOT NULL,
		user_id                  TEXT NOT NULL DEFAULT '',
		group_id                 TEXT NOT NULL DEFAULT '',
		recv_msg_opt             INTEGER NOT NULL DEFAULT 0,
		is_pinned                INTEGER NOT NULL DEFAULT 0,
		attached_info            TEXT NOT NULL DEFAULT '',
		is_private_chat          INTEGER NOT NULL DEFAULT 0,
		group_at_type            INTEGER NOT NULL DEFAULT 0,
		ex                       TEXT NOT NULL DEFAULT '',
		burn_duration            INTEGER NOT NULL DEFAULT 0,
		min_seq                  INTEGER NOT NULL DEFAULT 0,
		max_seq                  INTEGER NOT NULL DEFAULT 0,
		msg_destruct_time        INTEGER NOT NULL DEFAULT 0,
		latest_msg_destruct_time INTEGER NOT NULL DEFAULT 0,
		is_msg_destruct          INTEGER NOT NULL DEFAULT 0,
		has_read_seq             INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (owner_id, conversation_id)
	)`,
	`CREATE INDEX IF NOT EXISTS conversations_id ON conversations (conversation_id)`,

	// seqs: the last seq given in each conversation (chat and n_ notification streams alike).
	`CREATE TABLE IF NOT EXISTS seqs (
		conversation_id TEXT PRIMARY KEY,
		max_seq         INTEGER NOT NULL DEFAULT 0,
		min_seq         INTEGER NOT NULL DEFAULT 0,
		max_seq_time    INTEGER NOT NULL DEFAULT 0
	) WITHOUT ROWID`,

	// messages: every stored message, as its protobuf MsgData, keyed by conversation and seq.
	// revoke holds the MessageRevokedContent JSON once revoked; pulls rewrite the message with it.
	// A hex client or server msg ID is stored as its 16 bytes (msgid.go).
	`CREATE TABLE IF NOT EXISTS messages (
		id              INTEGER PRIMARY KEY,
		conversation_id TEXT NOT NULL,
		seq             INTEGER NOT NULL,
		client_msg_id   TEXT NOT NULL,
		server_msg_id   TEXT NOT NULL,
		send_id         TEXT NOT NULL,
		session_type    INTEGER NOT NULL,
		content_type    INTEGER NOT NULL,
		send_time       INTEGER NOT NULL,
		msg             BLOB NOT NULL,
		revoke          TEXT,
		UNIQUE (conversation_id, seq)
	)`,
	`CREATE UNIQUE INDEX IF NOT EXISTS messages_client_msg_id ON messages (client_msg_id)`,

	// msg_deletes: messages a user deleted for themselves; they pull them as status 4.
	`CREATE TABLE IF NOT EXISTS msg_deletes (
		owner_id        TEXT NOT NULL,
		conversation_id TEXT NOT NULL,
		seq             INTEGER NOT NULL,
		PRIMARY KEY (owner_id, conversation_id, seq)
	) WITHOUT ROWID`,

	// messages_fts: full-text index of the searchable text of user messages (rowid = messages.id).
	// trigram matches substrings, which also serves languages written without spaces. Contentless:
	// the text is in the message already, and a copy here cost a tenth of the database. Without
	// positions (detail=none): they were two thirds of the index (≈90 bytes of a chat line's 140);
	// the index finds the messages holding all of a keyword's trigrams, and a keyword of more than
	// one trigram, or one the index cannot answer (under three characters), is matched against each
	// candidate's text in Go (SearchFilter.TextOf). Indexes of older builds keep positions and are
	// searched the same way. contentless_delete lets a revoke or delete drop a row by its rowid.
	messagesFTS,

	// version logs for incremental sync: one log per key ("friend:<uid>", "join:<uid>",
	// "member:<gid>", "conv:<uid>"), one entry per element holding its latest change.
	`CREATE TABLE IF NOT EXISTS version_heads (
		log_key    TEXT PRIMARY KEY,
		version_id TEXT NOT NULL,
		version    INTEGER NOT NULL
	) WITHOUT ROWID`,
	// inserted is the version of the element's latest insert, so an element inserted and then
	// updated after a client's position still reaches that client as an insert.
	`CREATE TABLE IF NOT EXISTS version_log (
		log_key    TEXT NOT NULL,
		element_id TEXT NOT NULL,
		state      INTEGER NOT NULL,
		version    INTEGER NOT NULL,
		inserted   INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (log_key, element_id)
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS version_log_version ON version_log (log_key, version)`,

	// objects: the object API's files (node/store/object.go). One row per (name, key): a name
	// uploaded again with other bytes gets a second row, so an old URL (which carries its key)
	// keeps working. The bytes are in each node's blob store, never here.
	`CREATE TABLE IF NOT EXISTS objects (
		name         TEXT NOT NULL,
		key          TEXT NOT NULL,
		hash         TEXT NOT NULL,
		size         INTEGER NOT NULL,
		content_type TEXT NOT NULL DEFAULT '',
		user_id      TEXT NOT NULL,
		cause        TEXT NOT NULL DEFAULT '',
		create_time  INTEGER NOT NULL,
		PRIMARY KEY (name, key)
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS objects_key ON objects (key)`,
	`CREATE INDEX IF NOT EXISTS objects_hash ON objects (hash, size)`,
	`CREATE INDEX IF NOT EXISTS objects_cause ON objects (cause, create_time)`,

	// blob_holders: which node has which blob (lowercase hex SHA-256) on its disk, so a node that
	// lacks one asks a holder directly. Rows are only added (object.hold); a node that left the
	// office stops counting because readers filter by the current members. held_at in ms.
	`CREATE TABLE IF NOT EXISTS blob_holders (
		blob_key TEXT NOT NULL,
		node_id  TEXT NOT NULL,
		held_at  INTEGER NOT NULL,
		PRIMARY KEY (blob_key, node_id)
	) WITHOUT ROWID`,
	`CREATE INDEX IF NOT EXISTS blob_holders_node ON blob_holders (node_id, blob_key)`,
}

const messagesFTS = `CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5 (text, tokenize='trigram',
	content='', contentless_delete=1, detail=none)`

// migrate creates what is missing, then brings the rows of a database written by an older build
// (or restored from its snapshot) to this build's form. PRAGMA user_version counts the steps done.
// textOf (may be nil) reads a message's indexed text, to rebuild a full-text index that keeps
// positions; without it such an index stays, and search works on it as well.
func migrate(db *sql.DB, textOf TextOf) error {
	for _, stmt := range schema {
		if _, err := db.Exec(stmt); err != nil {
			return fmt.Errorf("%.60s: %w", stmt, err)
		}
	}
	ctx := context.Background()
	var version int
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	for i, step := range []func(context.Context, *sql.DB) error{stripStoredMessages, contentlessFTS, packStoredIDs} {
		if version > i {
			continue
		}
		if err := step(ctx, db); err != nil {
			return err
		}
		if _, err := db.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, i+1)); err != nil {
			return fmt.Errorf("schema version: %w", err)
		}
	}
	if textOf != nil {
		return leanFTS(ctx, db, textOf)
	}
	return nil
}

// ftsDDL is the statement that made the full-text index.
func ftsDDL(ctx context.Context, db *sql.DB) (string, error) {
	var ddl string
	if err := db.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE name = 'messages_fts'`).Scan(&ddl); err != nil {
		return "", fmt.Errorf("full-text index: %w", err)
	}
	return ddl, nil
}

// replaceFTS builds a new full-text index in this build's form with fill (given the insert into
// it) and puts it in place of the old one, in one transaction.
func replaceFTS(ctx context.Context, db *sql.DB, what string, fill func(tx *sql.Tx, insert string) error) error {
	return inTx(ctx, db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, strings.Replace(messagesFTS, "messages_fts", "messages_fts_new", 1)); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if err := fill(tx, `INSERT INTO messages_fts_new (rowid, text) VALUES (?, ?)`); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		for _, stmt := range []string{`DROP TABLE messages_fts`, `ALTER TABLE messages_fts_new RENAME TO messages_fts`} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %.50s: %w", what, stmt, err)
			}
		}
		return nil
	})
}

// leanFTS rebuilds a full-text index that keeps positions (older builds) without them, from the
// text (as textOf reads it) of the messages it holds.
func leanFTS(ctx context.Context, db *sql.DB, textOf TextOf) error {
	ddl, err := ftsDDL(ctx, db)
	if err != nil || strings.Contains(ddl, "detail=none") {
		return err
	}
	return replaceFTS(ctx, db, "index without positions", func(tx *sql.Tx, insert string) error {
		// In pages by id: the rows are read and the new index written on one connection.
		const page = 1000
		for after := int64(-1); ; {
			var ids []int64
			var texts []string
			rows, err := tx.QueryContext(ctx, `SELECT m.id, `+messageColumns+` FROM messages m
				WHERE id > ? AND id IN (SELECT rowid FROM messages_fts) ORDER BY id LIMIT ?`, after, page)
			if err != nil {
				return err
			}
			for rows.Next() {
				var id int64
				var m StoredMessage
				if err := rows.Scan(append([]any{&id}, messageFields(&m)...)...); err != nil {
					rows.Close()
					return err
				}
				withColumns(&m)
				ids, texts = append(ids, id), append(texts, textOf(m.ContentType, m.Msg))
			}
			if err := errors.Join(rows.Err(), rows.Close()); err != nil {
				return err
			}
			for i, id := range ids {
				if texts[i] == "" {
					continue
				}
				if _, err := tx.ExecContext(ctx, insert, id, texts[i]); err != nil {
					return err
				}
			}
			if len(ids) < page {
				return nil
			}
			after = ids[len(ids)-1]
		}
	})
}

// contentlessFTS rebuilds a full-text index that keeps its own copy of the text (older builds)
// as a contentless one, from that copy.
func contentlessFTS(ctx context.Context, db *sql.DB) error {
	ddl, err := ftsDDL(ctx, db)
	if err != nil || strings.Contains(ddl, "contentless_delete") {
		return err
	}
	return replaceFTS(ctx, db, "contentless index", func(tx *sql.Tx, _ string) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO messages_fts_new (rowid, text) SELECT rowid, text FROM messages_fts`)
		return err
	})
}
