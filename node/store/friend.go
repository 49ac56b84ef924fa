package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"lanim/node/pb"
)

// IsFriend reports whether friendID is in ownerID's friend list (one direction).
func IsFriend(ctx context.Context, q Q, ownerID, friendID string) (bool, error) {
	return exists(ctx, q, `SELECT 1 FROM friends WHERE owner_id = ? AND friend_id = ?`, ownerID, friendID)
}

// IsBlocked reports whether ownerID has blackID in their black list.
func IsBlocked(ctx context.Context, q Q, ownerID, blackID string) (bool, error) {
	return exists(ctx, q, `SELECT 1 FROM blacks WHERE owner_id = ? AND block_id = ?`, ownerID, blackID)
}

func exists(ctx context.Context, q Q, query string, args ...any) (bool, error) {
	rows, err := q.QueryContext(ctx, query+` LIMIT 1`, args...)
	if err != nil {
		return false, fmt.Errorf("exists: %w", err)
	}
	defer rows.Close()
	return rows.Next(), rows.Err()
}

// Friend is one direction of a friendship, as written. CreateTime is in seconds.
type Friend struct {
	OwnerID    string
	FriendID   string
	Remark     string
	CreateTime int64
	AddSource  int32
	OperatorID string
	Ex         string
	IsPinned   bool
}

// InsertFriend adds friendID to ownerID's list unless it is there, and reports whether it added.
func InsertFriend(ctx context.Context, q Q, f *Friend) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO friends (owner_id, friend_id, remark, create_time, add_source,
		operator_id, ex, is_pinned) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (owner_id, friend_id) DO NOTHING`,
		f.OwnerID, f.FriendID, f.Remark, f.CreateTime, f.AddSource, f.OperatorID, f.Ex, f.IsPinned)
	if err != nil {
		return false, fmt.Errorf("insert friend %s/%s: %w", f.OwnerID, f.FriendID, err)
	}
	return affected(res)
}

// DeleteFriend removes friendID from ownerID's list and reports whether it was there.
func DeleteFriend(ctx context.Context, q Q, ownerID, friendID string) (bool, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM friends WHERE owner_id = ? AND friend_id = ?`, ownerID, friendID)
	if err != nil {
		return false, fmt.Errorf("delete friend %s/%s: %w", ownerID, friendID, err)
	}
	return affected(res)
}

// FriendUpdate is a change to friend entries: nil fields are left as they are.
type FriendUpdate struct {
	Remark   *string
	IsPinned *bool
	Ex       *string
}

// UpdateFriends applies u to each of friendIDs in ownerID's list.
func UpdateFriends(ctx context.Context, q Q, ownerID string, friendIDs []string, u FriendUpdate) error {
	var sets []string
	var args []any
	if u.Remark != nil {
		sets, args = append(sets, "remark = ?"), append(args, *u.Remark)
	}
	if u.IsPinned != nil {
		sets, args = append(sets, "is_pinned = ?"), append(args, *u.IsPinned)
	}
	if u.Ex != nil {
		sets, args = append(sets, "ex = ?"), append(args, *u.Ex)
	}
	if len(sets) == 0 || len(friendIDs) == 0 {
		return nil
	}
	args = append(append(args, ownerID), anys(friendIDs)...)
	_, err := q.ExecContext(ctx, `UPDATE friends SET `+strings.Join(sets, ", ")+
		` WHERE owner_id = ? AND friend_id IN (`+placeholders(len(friendIDs))+`)`, args...)
	if err != nil {
		return fmt.Errorf("update friends of %s: %w", ownerID, err)
	}
	return nil
}

// friendQuery selects friend rows with the friend's profile (FriendInfo.friendUser).
const friendQuery = `SELECT f.owner_id, f.remark, f.create_time, f.add_source, f.operator_id, f.ex, f.is_pinned,
	f.friend_id, u.nickname, u.face_url, u.ex, u.create_time, u.app_manger_level, u.global_recv_msg_opt
	FROM friends f LEFT JOIN users u ON u.user_id = f.friend_id `

// friendOrder is upstream's friend list order: pinned first, then in the order they were added.
const friendOrder = ` ORDER BY f.is_pinned DESC, f.create_time, f.rowid`

func scanFriend(row interface{ Scan(...any) error }) (*pb.FriendInfo, error) {
	f := &pb.FriendInfo{FriendUser: &pb.UserInfo{}}
	u := f.FriendUser
	var nick, face, ex sql.NullString
	var created sql.NullInt64
	var level, opt sql.NullInt32
	err := row.Scan(&f.OwnerUserID, &f.Remark, &f.CreateTime, &f.AddSource, &f.OperatorUserID, &f.Ex, &f.IsPinned,
		&u.UserID, &nick, &face, &ex, &created, &level, &opt)
	u.Nickname, u.FaceURL, u.Ex = nick.String, face.String, ex.String
	u.CreateTime, u.AppMangerLevel, u.GlobalRecvMsgOpt = created.Int64, level.Int32, opt.Int32
	return f, err
}

// ListFriends pages through ownerID's friend list in upstream's order, with the total count.
func ListFriends(ctx context.Context, q Q, ownerID string, offset, limit int) ([]*pb.FriendInfo, int64, error) {
	return countedPage(ctx, q, "friends of "+ownerID, scanFriend, `SELECT count(*) FROM friends WHERE owner_id = ?`,
		friendQuery+`WHERE f.owner_id = ?`+friendOrder, offset, limit, ownerID)
}

// GetFriends returns the entries of ownerID's list among friendIDs, in the order of friendIDs;
// IDs that are not friends are left out.
func GetFriends(ctx context.Context, q Q, ownerID string, friendIDs []string) ([]*pb.FriendInfo, error) {
	return queryIn(ctx, q, "get friends of "+ownerID, scanFriend, friendQuery+`WHERE f.owner_id = ? AND f.friend_id IN`,
		friendIDs, func(f *pb.FriendInfo) string { return f.FriendUser.UserID }, ownerID)
}

// FriendIDs lists ownerID's friends in friend-list order.
func FriendIDs(ctx context.Context, q Q, ownerID string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT f.friend_id FROM friends f WHERE f.owner_id = ?`+friendOrder, ownerID)
}

// UpsertFriendRequest makes the request from fromID to toID pending with a new message, ex and
// time, whatever state an earlier request between them was in.
func UpsertFriendRequest(ctx context.Context, q Q, fromID, toID, reqMsg, ex string, createTime int64) error {
	_, err := q.ExecContext(ctx, `INSERT INTO friend_requests (from_id, to_id, handle_result, req_msg, create_time, ex)
		VALUES (?, ?, 0, ?, ?, ?) ON CONFLICT (from_id, to_id) DO UPDATE SET handle_result = 0,
		req_msg = excluded.req_msg, create_time = excluded.create_time, ex = excluded.ex,
		handler_id = '', handle_msg = '', handle_time = 0`, fromID, toID, reqMsg, createTime, ex)
	if err != nil {
		return fmt.Errorf("upsert friend request %s/%s: %w", fromID, toID, err)
	}
	return nil
}

// HandleFriendRequest records the answer to the request from fromID to toID.
func HandleFriendRequest(ctx context.Context, q Q, fromID, toID string, result int32, handlerID, handleMsg string,
	handleTime int64) error {
	_, err := q.ExecContext(ctx, `UPDATE friend_requests SET handle_result = ?, handler_id = ?, handle_msg = ?,
		handle_time = ? WHERE from_id = ? AND to_id = ?`, result, handlerID, handleMsg, handleTime, fromID, toID)
	if err != nil {
		return fmt.Errorf("handle friend request %s/%s: %w", fromID, toID, err)
	}
	return nil
}

// friendRequestQuery selects requests with the names and faces of both ends.
const friendRequestQuery = `SELECT r.from_id, fu.nickname, fu.face_url, r.to_id, tu.nickname, tu.face_url,
	r.handle_result, r.req_msg, r.create_time, r.handler_id, r.handle_msg, r.handle_time, r.ex
	FROM friend_requests r LEFT JOIN users fu ON fu.user_id = r.from_id LEFT JOIN users tu ON tu.user_id = r.to_id `

// friendRequestOrder is newest first, as upstream lists applications.
const friendRequestOrder = ` ORDER BY r.create_time DESC, r.from_id, r.to_id`

func scanFriendRequest(row interface{ Scan(...any) error }) (*pb.FriendRequest, error) {
	r := &pb.FriendRequest{}
	var fromNick, fromFace, toNick, toFace sql.NullString
	err := row.Scan(&r.FromUserID, &fromNick, &fromFace, &r.ToUserID, &toNick, &toFace, &r.HandleResult, &r.ReqMsg,
		&r.CreateTime, &r.HandlerUserID, &r.HandleMsg, &r.HandleTime, &r.Ex)
	r.FromNickname, r.FromFaceURL, r.ToNickname, r.ToFaceURL = fromNick.String, fromFace.String, toNick.String, toFace.String
	return r, err
}

func queryFriendRequests(ctx context.Context, q Q, query string, args ...any) ([]*pb.FriendRequest, error) {
	return queryAll(ctx, q, "query friend requests", scanFriendRequest, query, args...)
}

// GetFriendRequest returns the request from fromID to toID, or nil when there is none.
func GetFriendRequest(ctx context.Context, q Q, fromID, toID string) (*pb.FriendRequest, error) {
	rs, err := queryFriendRequests(ctx, q, friendRequestQuery+`WHERE r.from_id = ? AND r.to_id = ?`, fromID, toID)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	return rs[0], nil
}

// FriendRequestsBetween returns the requests between a and b in both directions, newest first.
func FriendRequestsBetween(ctx context.Context, q Q, a, b string) ([]*pb.FriendRequest, error) {
	return queryFriendRequests(ctx, q, friendRequestQuery+`WHERE (r.from_id = ? AND r.to_id = ?)
		OR (r.from_id = ? AND r.to_id = ?)`+friendRequestOrder, a, b, b, a)
}

// FriendRequestFilter selects a page of one user's requests.
type FriendRequestFilter struct {
	UserID string
	// HandleResults keeps only requests in these states; empty keeps all.
	HandleResults []int32
	Offset, Limit int
}

// FriendRequestsTo pages through the requests sent to f.UserID, newest first, with the total.
func FriendRequestsTo(ctx context.Context, q Q, f FriendRequestFilter) ([]*pb.FriendRequest, int64, error) {
	return friendRequestPage(ctx, q, "to_id", f)
}

// FriendRequestsFrom pages through the requests f.UserID sent, newest first, with the total.
func FriendRequestsFrom(ctx context.Context, q Q, f FriendRequestFilter) ([]*pb.FriendRequest, int64, error) {
	return friendRequestPage(ctx, q, "from_id", f)
}

func friendRequestPage(ctx context.Context, q Q, column string, f FriendRequestFilter) ([]*pb.FriendRequest, int64, error) {
	where := `WHERE r.` + column + ` = ?`
	args := []any{f.UserID}
	if len(f.HandleResults) > 0 {
		where += ` AND r.handle_result IN (` + placeholders(len(f.HandleResults)) + `)`
		args = append(args, anys(f.HandleResults)...)
	}
	return countedPage(ctx, q, "friend requests", scanFriendRequest, `SELECT count(*) FROM friend_requests r `+where,
		friendRequestQuery+where+friendRequestOrder, f.Offset, f.Limit, args...)
}

// Black is one entry of a black list, as written. CreateTime is in seconds.
type Black struct {
	OwnerID    string
	BlackID    string
	CreateTime int64
	AddSource  int32
	OperatorID string
	Ex         string
}

// InsertBlack adds an entry unless it is there, and reports whether it added.
func InsertBlack(ctx context.Context, q Q, b *Black) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO blacks (owner_id, block_id, create_time, add_source, operator_id, ex)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (owner_id, block_id) DO NOTHING`,
		b.OwnerID, b.BlackID, b.CreateTime, b.AddSource, b.OperatorID, b.Ex)
	if err != nil {
		return false, fmt.Errorf("insert black %s/%s: %w", b.OwnerID, b.BlackID, err)
	}
	return affected(res)
}

// DeleteBlack removes an entry and reports whether it was there.
func DeleteBlack(ctx context.Context, q Q, ownerID, blackID string) (bool, error) {
	res, err := q.ExecContext(ctx, `DELETE FROM blacks WHERE owner_id = ? AND block_id = ?`, ownerID, blackID)
	if err != nil {
		return false, fmt.Errorf("delete black %s/%s: %w", ownerID, blackID, err)
	}
	return affected(res)
}

// blackQuery selects black list rows with the blocked user's public profile.
const blackQuery = `SELECT b.owner_id, b.create_time, b.add_source, b.operator_id, b.ex,
	b.block_id, u.nickname, u.face_url, u.ex FROM blacks b LEFT JOIN users u ON u.user_id = b.block_id `

const blackOrder = ` ORDER BY b.create_time, b.rowid`

func scanBlack(row interface{ Scan(...any) error }) (*pb.BlackInfo, error) {
	b := &pb.BlackInfo{BlackUserInfo: &pb.PublicUserInfo{}}
	u := b.BlackUserInfo
	var nick, face, ex sql.NullString
	if err := row.Scan(&b.OwnerUserID, &b.CreateTime, &b.AddSource, &b.OperatorUserID, &b.Ex,
		&u.UserID, &nick, &face, &ex); err != nil {
		return nil, err
	}
	u.Nickname, u.FaceURL, u.Ex = nick.String, face.String, ex.String
	return b, nil
}

// ListBlacks pages through ownerID's black list in the order entries were added, with the total.
func ListBlacks(ctx context.Context, q Q, ownerID string, offset, limit int) ([]*pb.BlackInfo, int64, error) {
	return countedPage(ctx, q, "blacks of "+ownerID, scanBlack, `SELECT count(*) FROM blacks WHERE owner_id = ?`,
		blackQuery+`WHERE b.owner_id = ?`+blackOrder, offset, limit, ownerID)
}

// GetBlacks returns the entries of ownerID's black list among ids, in the order of ids.
func GetBlacks(ctx context.Context, q Q, ownerID string, ids []string) ([]*pb.BlackInfo, error) {
	return queryIn(ctx, q, "get blacks of "+ownerID, scanBlack, blackQuery+`WHERE b.owner_id = ? AND b.block_id IN`,
		ids, func(b *pb.BlackInfo) string { return b.BlackUserInfo.UserID }, ownerID)
}

// inOrder arranges items in the order of ids (each ID once), dropping IDs with no item.
func inOrder[T any](items []T, ids []string, key func(T) string) []T {
	byID := make(map[string]T, len(items))
	for _, it := range items {
		byID[key(it)] = it
	}
	out := make([]T, 0, len(items))
	for _, id := range ids {
		if it, ok := byID[id]; ok {
			out = append(out, it)
			delete(byID, id)
		}
	}
	return out
}

func affected(res sql.Result) (bool, error) {
	n, err := res.RowsAffected()
	return n > 0, err
}
