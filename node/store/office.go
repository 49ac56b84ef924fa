package store

import (
	"context"
	"fmt"
)

// IsOfficeAdmin reports whether userID holds the office admin role.
func IsOfficeAdmin(ctx context.Context, q Q, userID string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM office_admins WHERE user_id = ?`, userID).Scan(&one)
	return found(err, "office admin %s", userID)
}

// OfficeAdmins lists the office admins by user ID.
func OfficeAdmins(ctx context.Context, q Q) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT user_id FROM office_admins ORDER BY user_id`)
	if err != nil {
		return nil, fmt.Errorf("office admins: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("office admins: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// AddOfficeAdmin grants the role; granting it again keeps the first grant.
func AddOfficeAdmin(ctx context.Context, q Q, userID, grantedBy string, now int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO office_admins (user_id, granted_by, grant_time) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO NOTHING`, userID, grantedBy, now)
	if err != nil {
		return fmt.Errorf("add office admin %s: %w", userID, err)
	}
	return nil
}

// RemoveOfficeAdmin revokes the role.
func RemoveOfficeAdmin(ctx context.Context, q Q, userID string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM office_admins WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("remove office admin %s: %w", userID, err)
	}
	return nil
}
