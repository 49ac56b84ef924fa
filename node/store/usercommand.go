package store

import (
	"context"
	"fmt"
)

// UserCommand is one of a user's command items (process_user_command_*).
type UserCommand struct {
	Type       int32  `json:"type"`
	UUID       string `json:"uuid"`
	Value      string `json:"value"`
	Ex         string `json:"ex"`
	CreateTime int64  `json:"createTime"` // seconds
}

// InsertUserCommand adds an item unless the user has one of that type and uuid; it reports whether
// it added.
func InsertUserCommand(ctx context.Context, q Q, userID string, c *UserCommand) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO user_commands (user_id, type, uuid, value, ex, create_time)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, type, uuid) DO NOTHING`,
		userID, c.Type, c.UUID, c.Value, c.Ex, c.CreateTime)
	if err != nil {
		return false, fmt.Errorf("insert user command %s/%d/%s: %w", userID, c.Type, c.UUID, err)
	}
	return affected(res)
}

// UpdateUserCommand sets value and/or ex (nil: unchanged) and reports whether the item exists.
func UpdateUserCommand(ctx context.Context, q Q, userID string, typ int32, uuid string, value, ex *string) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE user_commands SET value = coalesce(?, value), ex = coalesce(?, ex)
		WHERE user_id = ? AND type = ? AND uuid = ?`, value, ex, userID, typ, uuid)
	if err != nil {
		return false, fmt.Errorf("update user command %s/%d/%s: %w", userID, typ, uuid, err)
	}
	return affected(res)
}

// DeleteUserCommand removes an item and reports whether it was there.
func DeleteUserCommand(ctx context.Context, q Q, userID string, typ int32, uuid string) (bool, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM user_commands WHERE user_id = ? AND type = ? AND uuid = ?`,
		userID, typ, uuid)
	if err != nil {
		return false, fmt.Errorf("delete user command %s/%d/%s: %w", userID, typ, uuid, err)
	}
	return affected(res)
}

// CountUserCommands is how many items the user has.
func CountUserCommands(ctx context.Context, q Q, userID string) (int, error) {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM user_commands WHERE user_id = ?`, userID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count user commands of %s: %w", userID, err)
	}
	return n, nil
}

// UserCommands lists the user's items, oldest first.
func UserCommands(ctx context.Context, q Q, userID string) ([]*UserCommand, error) {
	rows, err := q.QueryContext(ctx, `SELECT type, uuid, value, ex, create_time FROM user_commands
		WHERE user_id = ? ORDER BY create_time, type, uuid`, userID)
	if err != nil {
		return nil, fmt.Errorf("user commands of %s: %w", userID, err)
	}
	defer rows.Close()
	out := []*UserCommand{}
	for rows.Next() {
		c := &UserCommand{}
		if err := rows.Scan(&c.Type, &c.UUID, &c.Value, &c.Ex, &c.CreateTime); err != nil {
			return nil, fmt.Errorf("scan user command: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
