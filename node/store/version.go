package store

import (
	"context"
	"fmt"
)

// Version log element states.
const (
	VersionInsert = 1
	VersionDelete = 2
	VersionUpdate = 3
)

// VersionHead is the position of one version log.
type VersionHead struct {
	ID      string
	Version uint64
}

// GetVersionHead returns the head of a log; ok is false when the log has no entry yet.
func GetVersionHead(ctx context.Context, q Q, key string) (h VersionHead, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT version_id, version FROM version_heads WHERE log_key = ?`, key).Scan(&h.ID, &h.Version)
	ok, err = found(err, "version head %s", key)
	return h, ok, err
}

// BumpVersion advances a log by one and records element's latest state at the new version. newID
// names a log created by this call.
func BumpVersion(ctx context.Context, q Q, key, element string, state int, newID string) (VersionHead, error) {
	h, ok, err := GetVersionHead(ctx, q, key)
	if err != nil {
		return h, err
	}
	if !ok {
		h.ID = newID
	}
	h.Version++
	if _, err := q.ExecContext(ctx, `INSERT INTO version_heads (log_key, version_id, version) VALUES (?, ?, ?)
		ON CONFLICT (log_key) DO UPDATE SET version = excluded.version`, key, h.ID, h.Version); err != nil {
		return h, fmt.Errorf("bump version %s: %w", key, err)
	}
	inserted := uint64(0)
	if state == VersionInsert {
		inserted = h.Version
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO version_log (log_key, element_id, state, version, inserted)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (log_key, element_id) DO UPDATE SET state = excluded.state, version = excluded.version,
			inserted = CASE WHEN excluded.state = 1 THEN excluded.version ELSE inserted END`,
		key, element, state, h.Version, inserted); err != nil {
		return h, fmt.Errorf("log version %s/%s: %w", key, element, err)
	}
	return h, nil
}

// VersionChange is an element's latest change after some version.
type VersionChange struct {
	Element  string
	State    int
	Version  uint64
	Inserted uint64 // version of the element's latest insert
}

const versionChangeColumns = `element_id, state, version, inserted`

func scanVersionChange(row interface{ Scan(...any) error }) (VersionChange, error) {
	var c VersionChange
	err := row.Scan(&c.Element, &c.State, &c.Version, &c.Inserted)
	return c, err
}

// VersionChanges lists the elements of a log changed after version, oldest change first.
func VersionChanges(ctx context.Context, q Q, key string, after uint64) ([]VersionChange, error) {
	return queryAll(ctx, q, "version changes "+key, scanVersionChange, `SELECT `+versionChangeColumns+` FROM version_log
		WHERE log_key = ? AND version > ? ORDER BY version`, key, after)
}

// VersionEntries is the latest change of each of elements in a log; an element never logged is
// absent.
func VersionEntries(ctx context.Context, q Q, key string, elements []string) (map[string]VersionChange, error) {
	out := make(map[string]VersionChange, len(elements))
	if len(elements) == 0 {
		return out, nil
	}
	changes, err := queryAll(ctx, q, "version entries "+key, scanVersionChange, `SELECT `+versionChangeColumns+` FROM version_log
		WHERE log_key = ? AND element_id IN (`+placeholders(len(elements))+`)`, append([]any{key}, anys(elements)...)...)
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		out[c.Element] = c
	}
	return out, nil
}
