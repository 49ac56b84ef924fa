package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SearchScope is one conversation a searcher may read: a seq window and which of its messages.
// Pair scopes (si_, sn_) hold only messages sent by one of the pair's two users, group scopes
// (sg_) only group-session messages; conversation IDs are not unique across user IDs with "_", so
// the scope names the messages as well as the ID.
type SearchScope struct {
	ConversationID string `json:"c"`
	Lo             int64  `json:"lo"`
	Hi             int64  `json:"hi"`
	Kind           int    `json:"g"` // which messages: ScopePair, ScopeGroup or ScopeAll
	A              string `json:"a"`
	B              string `json:"b"`
}

// Search scope kinds.
const (
	ScopePair  = 0 // messages sent by A or B (si_, sn_)
	ScopeGroup = 1 // group-session messages (sg_)
	ScopeAll   = 2 // every message (the admin)
)

// SearchFilter is a message search. Zero fields do not filter.
type SearchFilter struct {
	// Scopes are the conversations searched; nil searches every conversation (the admin).
	Scopes []SearchScope
	// Owner hides the messages this user deleted for themselves.
	Owner       string
	Keyword     string
	SendID      string
	ContentType int32
	SessionType int32
	StartTime   int64 // ms, inclusive
	EndTime     int64 // ms, inclusive
	Offset      int
	Limit       int
	// TextOf is the indexed text of a stored message (its content type and whole msg), for
	// keywords the full-text index cannot answer: the index keeps no copy of the text.
	TextOf func(contentType int32, msg []byte) string
}

// trigramMin is the shortest keyword the trigram index answers; shorter ones scan the candidates.
const trigramMin = 3

// ftsQuery is the full-text query for keyword: every distinct trigram of it, each quoted, joined
// by AND. The index keeps no positions (detail=none: about a third of its size), so it answers which
// messages hold all of a keyword's trigrams, not whether they hold them in a row: exact is true
// when the keyword is one trigram, and otherwise the search checks each candidate's text. ok is
// false when the index cannot answer at all, and the search scans the candidates' text instead:
// a keyword under three characters has no trigram, FTS5 reads its query as a C string, so a NUL
// would end a term early ("unterminated string"), and the trigram tokenizer does not split bytes
// that are not UTF-8 as it split the text. Everything else is literal inside the double quotes,
// with a quote doubled.
func ftsQuery(keyword string) (query string, exact, ok bool) {
	if utf8.RuneCountInString(keyword) < trigramMin || strings.IndexByte(keyword, 0) >= 0 || !utf8.ValidString(keyword) {
		return "", false, false
	}
	runes := []rune(keyword)
	var terms []string
	seen := map[string]bool{}
	for i := 0; i+trigramMin <= len(runes); i++ {
		t := string(runes[i : i+trigramMin])
		if !seen[t] {
			seen[t] = true
			terms = append(terms, `"`+strings.ReplaceAll(t, `"`, `""`)+`"`)
		}
	}
	return strings.Join(terms, " AND "), len(runes) == trigramMin, true
}

// SearchMessages returns a page of the matching messages, newest first, and the number of matches.
// Revoked messages and notifications (other than OA notifications, 1400) are never matched.
func SearchMessages(ctx context.Context, q Q, f *SearchFilter) ([]StoredMessage, int64, error) {
	var from strings.Builder
	var args []any
	if f.Scopes != nil {
		scopes, err := json.Marshal(f.Scopes)
		if err != nil {
			return nil, 0, fmt.Errorf("encode search scopes: %w", err)
		}
		from.WriteString(`WITH w AS (SELECT value->>'c' AS c, value->>'lo' AS lo, value->>'hi' AS hi,
			value->>'g' AS g, value->>'a' AS a, value->>'b' AS b FROM json_each(?))
			SELECT %s FROM w JOIN messages m ON m.conversation_id = w.c AND m.seq BETWEEN w.lo AND w.hi
			AND (w.g = 2 OR w.g = 1 AND m.session_type IN (2, 3) OR w.g = 0 AND m.session_type IN (1, 4) AND m.send_id IN (w.a, w.b))`)
		args = append(args, string(scopes))
	} else {
		from.WriteString(`SELECT %s FROM messages m WHERE 1`)
	}
	from.WriteString(` AND m.revoke IS NULL AND NOT (m.content_type > 1000 AND m.content_type < 5000 AND m.content_type != 1400)`)
	if f.Owner != "" {
		from.WriteString(` AND NOT EXISTS (SELECT 1 FROM msg_deletes d WHERE d.owner_id = ? AND d.conversation_id = m.conversation_id AND d.seq = m.seq)`)
		args = append(args, f.Owner)
	}
	var contains func(text string) bool // nil: the query's matches are the answer
	if f.Keyword != "" {
		if query, exact, ok := ftsQuery(f.Keyword); ok {
			from.WriteString(` AND m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)`)
			args = append(args, query)
			if !exact {
				// The trigram tokenizer folds case rune by rune: so does the check.
				keyword := foldCase(f.Keyword)
				contains = func(text string) bool { return strings.Contains(foldCase(text), keyword) }
			}
		} else {
			// Every indexed message is a candidate; scanSearch matches the keyword in Go.
			from.WriteString(` AND m.id IN (SELECT rowid FROM messages_fts)`)
			keyword := asciiLower(f.Keyword)
			contains = func(text string) bool { return bytes.Contains(asciiLower(text), keyword) }
		}
	}
	if f.SendID != "" {
		from.WriteString(` AND m.send_id = ?`)
		args = append(args, f.SendID)
	}
	if f.ContentType != 0 {
		from.WriteString(` AND m.content_type = ?`)
		args = append(args, f.ContentType)
	}
	if f.SessionType != 0 {
		from.WriteString(` AND m.session_type = ?`)
		args = append(args, f.SessionType)
	}
	if f.StartTime > 0 {
		from.WriteString(` AND m.send_time >= ?`)
		args = append(args, f.StartTime)
	}
	if f.EndTime > 0 {
		from.WriteString(` AND m.send_time <= ?`)
		args = append(args, f.EndTime)
	}
	query := from.String()
	order := ` ORDER BY m.send_time DESC, m.id DESC`
	if contains != nil {
		return scanSearch(ctx, q, f, fmt.Sprintf(query, messageColumns)+order, args, contains)
	}
	var total int64
	if err := q.QueryRowContext(ctx, fmt.Sprintf(query, `count(*)`), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count search: %w", err)
	}
	if total == 0 || f.Offset >= int(total) {
		return nil, total, nil
	}
	msgs, err := queryMessages(ctx, q, fmt.Sprintf(query, messageColumns)+order+` LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	return msgs, total, nil
}

// scanSearch runs a search the index cannot answer alone: it reads the candidates newest first and
// keeps those whose text (f.TextOf) contains the keyword, counting every match and keeping the page.
func scanSearch(ctx context.Context, q Q, f *SearchFilter, query string, args []any,
	contains func(text string) bool) ([]StoredMessage, int64, error) {
	if f.TextOf == nil {
		return nil, 0, fmt.Errorf("search %q: no text reader for a keyword the index cannot answer", f.Keyword)
	}
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var out []StoredMessage
	var total int64
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("scan message: %w", err)
		}
		if !contains(f.TextOf(m.ContentType, m.Msg)) {
			continue
		}
		total++
		if total > int64(f.Offset) && len(out) < f.Limit {
			out = append(out, m)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("search: %w", err)
	}
	return out, total, nil
}

// foldCase is s with every letter in lower case, rune by rune, as the trigram tokenizer folds it.
func foldCase(s string) string { return strings.Map(unicode.ToLower, s) }

// asciiLower is s with ASCII letters folded, byte by byte, as SQLite's lower() without ICU does: a
// keyword the index cannot answer is matched as bytes, so any keyword is literal, even one that is
// not UTF-8.
func asciiLower(s string) []byte {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return b
}
