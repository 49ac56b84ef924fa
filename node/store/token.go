package store

import (
	"context"
	"fmt"
)

// Token is one issued token and its status.
type Token struct {
	Token      string
	UserID     string
	PlatformID int32
	Status     int
	Issued     int64 // ms
	Expire     int64 // unix seconds
}

// InsertToken records an issued token.
func InsertToken(ctx context.Context, q Q, t *Token) error {
	_, err := q.ExecContext(ctx, `INSERT INTO tokens (token, user_id, platform_id, status, issued, expire)
		VALUES (?, ?, ?, ?, ?, ?)`, t.Token, t.UserID, t.PlatformID, t.Status, t.Issued, t.Expire)
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

// TokenStatus returns a token's status; ok is false when the token was never issued (or pruned).
func TokenStatus(ctx context.Context, q Q, token string) (status int, ok bool, err error) {
	err = q.QueryRowContext(ctx, `SELECT status FROM tokens WHERE token = ?`, token).Scan(&status)
	ok, err = found(err, "token status")
	return status, ok, err
}

// SetTokensStatus moves every token of the user and platform that has status from to status to,
// and returns them.
func SetTokensStatus(ctx context.Context, q Q, userID string, platformID int32, from, to int) ([]string, error) {
	return queryAll(ctx, q, "set tokens status", scanString, `UPDATE tokens SET status = ? WHERE user_id = ? AND platform_id = ? AND status = ?
		RETURNING token`, to, userID, platformID, from)
}

// PruneTokens deletes the user's tokens on a platform that expired before now (unix seconds), and
// all but the newest keep of the rest, so the table stays small however often a user logs in.
func PruneTokens(ctx context.Context, q Q, userID string, platformID int32, now int64, keep int) error {
	_, err := q.ExecContext(ctx, `DELETE FROM tokens WHERE user_id = ? AND platform_id = ? AND (expire < ? OR token IN (
		SELECT token FROM tokens WHERE user_id = ? AND platform_id = ? ORDER BY issued DESC, token LIMIT -1 OFFSET ?))`,
		userID, platformID, now, userID, platformID, keep)
	if err != nil {
		return fmt.Errorf("prune tokens: %w", err)
	}
	return nil
}
