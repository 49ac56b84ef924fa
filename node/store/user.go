package store

import (
	"context"
	"fmt"
	"strings"

	"lanim/node/pb"
)

const userColumns = `user_id, nickname, face_url, ex, create_time, app_manger_level, global_recv_msg_opt`

func scanUser(row interface{ Scan(...any) error }) (*pb.UserInfo, error) {
	u := &pb.UserInfo{}
	err := row.Scan(&u.UserID, &u.Nickname, &u.FaceURL, &u.Ex, &u.CreateTime, &u.AppMangerLevel, &u.GlobalRecvMsgOpt)
	return u, err
}

// InsertUser adds a user.
func InsertUser(ctx context.Context, q Q, u *pb.UserInfo) error {
	_, err := q.ExecContext(ctx, `INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.UserID, u.Nickname, u.FaceURL, u.Ex, u.CreateTime, u.AppMangerLevel, u.GlobalRecvMsgOpt)
	if err != nil {
		return fmt.Errorf("insert user %s: %w", u.UserID, err)
	}
	return nil
}

// UpdateUser writes every profile field of u.
func UpdateUser(ctx context.Context, q Q, u *pb.UserInfo) error {
	_, err := q.ExecContext(ctx, `UPDATE users SET nickname = ?, face_url = ?, ex = ?, app_manger_level = ?,
		global_recv_msg_opt = ? WHERE user_id = ?`,
		u.Nickname, u.FaceURL, u.Ex, u.AppMangerLevel, u.GlobalRecvMsgOpt, u.UserID)
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.UserID, err)
	}
	return nil
}

// GetUser returns a user, or nil when there is none.
func GetUser(ctx context.Context, q Q, userID string) (*pb.UserInfo, error) {
	users, err := GetUsers(ctx, q, []string{userID})
	if err != nil || len(users) == 0 {
		return nil, err
	}
	return users[0], nil
}

// GetUsers returns the users that exist among ids, in the order of ids.
func GetUsers(ctx context.Context, q Q, ids []string) ([]*pb.UserInfo, error) {
	return queryIn(ctx, q, "get users", scanUser, `SELECT `+userColumns+` FROM users WHERE user_id IN`, ids,
		func(u *pb.UserInfo) string { return u.UserID })
}

// MissingUsers returns the IDs among ids that name no user.
func MissingUsers(ctx context.Context, q Q, ids []string) ([]string, error) {
	users, err := GetUsers(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(users))
	for _, u := range users {
		have[u.UserID] = true
	}
	var missing []string
	for _, id := range ids {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// AllUserIDs pages through every user ID in ID order, with the total count.
func AllUserIDs(ctx context.Context, q Q, offset, limit int) (ids []string, total int64, err error) {
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM users`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count users: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT user_id FROM users ORDER BY user_id LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	return ids, total, rows.Err()
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

func anys[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// FriendOwners lists the users who have userID in their friend list.
func FriendOwners(ctx context.Context, q Q, userID string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT owner_id FROM friends WHERE friend_id = ? ORDER BY owner_id`, userID)
}

// SetPasswordHash stores a user's password hash.
func SetPasswordHash(ctx context.Context, q Q, userID, hash string) error {
	if _, err := q.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE user_id = ?`, hash, userID); err != nil {
		return fmt.Errorf("set password of %s: %w", userID, err)
	}
	return nil
}

// PasswordHash returns a user's password hash ("" when none is set) and whether the user exists.
func PasswordHash(ctx context.Context, q Q, userID string) (hash string, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT password_hash FROM users WHERE user_id = ?`, userID).Scan(&hash)
	ok, err = found(err, "password of %s", userID)
	return hash, ok, err
}
