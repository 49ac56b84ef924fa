package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"strings"
)

// Digest is a SHA-256 over every row of every replicated table, in primary-key order, so two nodes
// that applied the same log report the same value. The full-text index is derived data and skipped.
func (db *DB) Digest(ctx context.Context) (string, error) {
	_, d, err := db.DigestAt(ctx)
	return d, err
}

// DigestAt is Digest together with the applied index of the state it covers, both read in one
// read transaction: the pair always belongs together, however many applies run meanwhile.
func (db *DB) DigestAt(ctx context.Context) (index uint64, digest string, err error) {
	conn, err := db.r.Conn(ctx)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	// One read transaction: every table is read at the same state.
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return 0, "", err
	}
	defer tx.Rollback()

	if index, err = AppliedIndex(ctx, tx); err != nil {
		return 0, "", fmt.Errorf("digest: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_master
		WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'messages_fts%' ORDER BY name`)
	if err != nil {
		return 0, "", fmt.Errorf("digest: list tables: %w", err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return 0, "", err
		}
		tables = append(tables, name)
	}
	rows.Close()

	h := sha256.New()
	for _, t := range tables {
		if err := digestTable(ctx, tx, t, h); err != nil {
			return 0, "", fmt.Errorf("digest %s: %w", t, err)
		}
	}
	return index, hex.EncodeToString(h.Sum(nil)), nil
}

type hashWriter interface{ Write([]byte) (int, error) }

func digestTable(ctx context.Context, q Q, table string, h hashWriter) error {
	cols, err := columns(ctx, q, table)
	if err != nil {
		return err
	}
	order := make([]string, len(cols))
	for i := range cols {
		order[i] = fmt.Sprint(i + 1)
	}
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %q ORDER BY %s`, table, strings.Join(order, ",")))
	if err != nil {
		return err
	}
	defer rows.Close()
	h.Write([]byte(table))
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var buf [8]byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for _, v := range vals {
			switch v := v.(type) {
			case nil:
				h.Write([]byte{0})
			case int64:
				h.Write([]byte{1})
				binary.BigEndian.PutUint64(buf[:], uint64(v))
				h.Write(buf[:])
			case float64:
				h.Write([]byte{2})
				binary.BigEndian.PutUint64(buf[:], math.Float64bits(v))
				h.Write(buf[:])
			case string:
				writeBytes(h, 3, []byte(v))
			case []byte:
				writeBytes(h, 4, v)
			default:
				return fmt.Errorf("unexpected column type %T", v)
			}
		}
	}
	return rows.Err()
}

func writeBytes(h hashWriter, tag byte, b []byte) {
	var n [9]byte
	n[0] = tag
	binary.BigEndian.PutUint64(n[1:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

func columns(ctx context.Context, q Q, table string) ([]string, error) {
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT name FROM pragma_table_info(%s)`, quote(table)))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
