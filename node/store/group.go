package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"lanim/node/pb"
)

const groupColumns = `group_id, group_name, notification, introduction, face_url, owner_id, create_time, ex, status,
	creator_id, group_type, need_verification, look_member_info, apply_member_friend, notification_update_time,
	notification_user_id`

// ScanGroup reads a row of groupColumns; MemberCount is filled by the caller.
func ScanGroup(row interface{ Scan(...any) error }) (*pb.GroupInfo, error) {
	g := &pb.GroupInfo{}
	err := row.Scan(&g.GroupID, &g.GroupName, &g.Notification, &g.Introduction, &g.FaceURL, &g.OwnerUserID,
		&g.CreateTime, &g.Ex, &g.Status, &g.CreatorUserID, &g.GroupType, &g.NeedVerification, &g.LookMemberInfo,
		&g.ApplyMemberFriend, &g.NotificationUpdateTime, &g.NotificationUserID)
	return g, err
}

// GetGroup returns a group with its member count, or nil when there is none.
func GetGroup(ctx context.Context, q Q, groupID string) (*pb.GroupInfo, error) {
	g, err := ScanGroup(q.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups WHERE group_id = ?`, groupID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get group %s: %w", groupID, err)
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM group_members WHERE group_id = ?`, groupID).Scan(&g.MemberCount); err != nil {
		return nil, fmt.Errorf("count members of %s: %w", groupID, err)
	}
	return g, nil
}

const memberColumns = `m.group_id, m.user_id, m.role_level, m.join_time, m.nickname, m.face_url, m.join_source,
	m.operator_id, m.ex, m.mute_end_time, m.inviter_id, u.nickname, u.face_url, u.app_manger_level`

// ScanMember reads a row of memberColumns (group_members m joined with users u). An empty group
// nickname or face is filled from the user's profile, as upstream does on read.
func ScanMember(row interface{ Scan(...any) error }) (*pb.GroupMemberFullInfo, error) {
	m := &pb.GroupMemberFullInfo{}
	var userNick, userFace sql.NullString
	var level sql.NullInt32
	err := row.Scan(&m.GroupID, &m.UserID, &m.RoleLevel, &m.JoinTime, &m.Nickname, &m.FaceURL, &m.JoinSource,
		&m.OperatorUserID, &m.Ex, &m.MuteEndTime, &m.InviterUserID, &userNick, &userFace, &level)
	if err != nil {
		return nil, err
	}
	if m.Nickname == "" {
		m.Nickname = userNick.String
	}
	if m.FaceURL == "" {
		m.FaceURL = userFace.String
	}
	m.AppMangerLevel = level.Int32
	return m, nil
}

// MemberQuery is the SELECT of members with their profiles; append a WHERE on m.* columns.
const MemberQuery = `SELECT ` + memberColumns + ` FROM group_members m LEFT JOIN users u ON u.user_id = m.user_id `

// GetMember returns a member of a group, or nil when the user is not in it.
func GetMember(ctx context.Context, q Q, groupID, userID string) (*pb.GroupMemberFullInfo, error) {
	m, err := ScanMember(q.QueryRowContext(ctx, MemberQuery+`WHERE m.group_id = ? AND m.user_id = ?`, groupID, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get member %s/%s: %w", groupID, userID, err)
	}
	return m, nil
}

// MemberIDs lists a group's members in join order.
func MemberIDs(ctx context.Context, q Q, groupID string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT user_id FROM group_members WHERE group_id = ? ORDER BY join_seq, user_id`, groupID)
}

// JoinedGroupIDs lists the groups a user is a member of.
func JoinedGroupIDs(ctx context.Context, q Q, userID string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT group_id FROM group_members WHERE user_id = ? ORDER BY join_seq, group_id`, userID)
}

// queryStrings runs a query of one text column.
func queryStrings(ctx context.Context, q Q, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
