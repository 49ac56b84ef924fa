package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

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
	if ok, err := found(err, "get group %s", groupID); !ok {
		return nil, err
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
	if ok, err := found(err, "get member %s/%s", groupID, userID); !ok {
		return nil, err
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
	return queryAll(ctx, q, "query", scanString, query, args...)
}

// scanString reads a row of one text column.
func scanString(row interface{ Scan(...any) error }) (string, error) {
	var s string
	err := row.Scan(&s)
	return s, err
}

// InsertGroup adds a group row; MemberCount is ignored (it is counted from group_members).
func InsertGroup(ctx context.Context, q Q, g *pb.GroupInfo) error {
	_, err := q.ExecContext(ctx, `INSERT INTO groups (`+groupColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		g.GroupID, g.GroupName, g.Notification, g.Introduction, g.FaceURL, g.OwnerUserID, g.CreateTime, g.Ex, g.Status,
		g.CreatorUserID, g.GroupType, g.NeedVerification, g.LookMemberInfo, g.ApplyMemberFriend,
		g.NotificationUpdateTime, g.NotificationUserID)
	if err != nil {
		return fmt.Errorf("insert group %s: %w", g.GroupID, err)
	}
	return nil
}

// UpdateGroup writes every mutable column of g (all but the ID, creator, type and create time).
func UpdateGroup(ctx context.Context, q Q, g *pb.GroupInfo) error {
	_, err := q.ExecContext(ctx, `UPDATE groups SET group_name = ?, notification = ?, introduction = ?, face_url = ?,
		owner_id = ?, ex = ?, status = ?, need_verification = ?, look_member_info = ?, apply_member_friend = ?,
		notification_update_time = ?, notification_user_id = ? WHERE group_id = ?`,
		g.GroupName, g.Notification, g.Introduction, g.FaceURL, g.OwnerUserID, g.Ex, g.Status, g.NeedVerification,
		g.LookMemberInfo, g.ApplyMemberFriend, g.NotificationUpdateTime, g.NotificationUserID, g.GroupID)
	if err != nil {
		return fmt.Errorf("update group %s: %w", g.GroupID, err)
	}
	return nil
}

// GetGroups returns the groups that exist among ids, in the order of ids, with member counts.
func GetGroups(ctx context.Context, q Q, ids []string) ([]*pb.GroupInfo, error) {
	return queryIn(ctx, q, "get groups", scanGroupCounted, `SELECT `+groupColumns+`,
		(SELECT count(*) FROM group_members m WHERE m.group_id = groups.group_id)
		FROM groups WHERE group_id IN`, ids, func(g *pb.GroupInfo) string { return g.GroupID })
}

// scanGroupCounted reads a row of groupColumns followed by the member count.
func scanGroupCounted(row interface{ Scan(...any) error }) (*pb.GroupInfo, error) {
	g := &pb.GroupInfo{}
	err := row.Scan(&g.GroupID, &g.GroupName, &g.Notification, &g.Introduction, &g.FaceURL, &g.OwnerUserID,
		&g.CreateTime, &g.Ex, &g.Status, &g.CreatorUserID, &g.GroupType, &g.NeedVerification, &g.LookMemberInfo,
		&g.ApplyMemberFriend, &g.NotificationUpdateTime, &g.NotificationUserID, &g.MemberCount)
	return g, err
}

// JoinedGroups pages through the groups a user is a member of, oldest membership first, with the total.
func JoinedGroups(ctx context.Context, q Q, userID string, offset, limit int) ([]*pb.GroupInfo, int64, error) {
	ids, total, err := countedPage(ctx, q, "joined groups of "+userID, scanString,
		`SELECT count(*) FROM group_members WHERE user_id = ?`,
		`SELECT group_id FROM group_members WHERE user_id = ? ORDER BY join_time, group_id`, offset, limit, userID)
	if err != nil {
		return nil, 0, err
	}
	groups, err := GetGroups(ctx, q, ids)
	return groups, total, err
}

// InsertMember adds a member after the group's last one in join order.
func InsertMember(ctx context.Context, q Q, m *pb.GroupMemberFullInfo) error {
	_, err := q.ExecContext(ctx, `INSERT INTO group_members (group_id, user_id, role_level, join_time, nickname,
		face_url, join_source, operator_id, ex, mute_end_time, inviter_id, join_seq)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
		(SELECT coalesce(max(join_seq), 0) + 1 FROM group_members WHERE group_id = ?))`,
		m.GroupID, m.UserID, m.RoleLevel, m.JoinTime, m.Nickname, m.FaceURL, m.JoinSource, m.OperatorUserID, m.Ex,
		m.MuteEndTime, m.InviterUserID, m.GroupID)
	if err != nil {
		return fmt.Errorf("insert member %s/%s: %w", m.GroupID, m.UserID, err)
	}
	return nil
}

// UpdateMember writes a member's role, group profile and mute deadline. The nickname and face are
// the member's own (empty = use the user's profile), so pass the stored values, not filled ones.
func UpdateMember(ctx context.Context, q Q, groupID, userID string, role int32, nickname, faceURL, ex string, muteEnd int64) error {
	_, err := q.ExecContext(ctx, `UPDATE group_members SET role_level = ?, nickname = ?, face_url = ?, ex = ?,
		mute_end_time = ? WHERE group_id = ? AND user_id = ?`, role, nickname, faceURL, ex, muteEnd, groupID, userID)
	if err != nil {
		return fmt.Errorf("update member %s/%s: %w", groupID, userID, err)
	}
	return nil
}

// MemberOwnProfile is the group nickname and face a member set, empty when the user profile shows.
func MemberOwnProfile(ctx context.Context, q Q, groupID, userID string) (nickname, faceURL, ex string, err error) {
	err = q.QueryRowContext(ctx, `SELECT nickname, face_url, ex FROM group_members WHERE group_id = ? AND user_id = ?`,
		groupID, userID).Scan(&nickname, &faceURL, &ex)
	if err != nil {
		return "", "", "", fmt.Errorf("member profile %s/%s: %w", groupID, userID, err)
	}
	return nickname, faceURL, ex, nil
}

// SetMemberRole changes one member's role.
func SetMemberRole(ctx context.Context, q Q, groupID, userID string, role int32) error {
	_, err := q.ExecContext(ctx, `UPDATE group_members SET role_level = ? WHERE group_id = ? AND user_id = ?`, role, groupID, userID)
	if err != nil {
		return fmt.Errorf("set role %s/%s: %w", groupID, userID, err)
	}
	return nil
}

// SetMemberMute sets a member's mute deadline (ms; 0 = not muted).
func SetMemberMute(ctx context.Context, q Q, groupID, userID string, muteEnd int64) error {
	_, err := q.ExecContext(ctx, `UPDATE group_members SET mute_end_time = ? WHERE group_id = ? AND user_id = ?`, muteEnd, groupID, userID)
	if err != nil {
		return fmt.Errorf("set mute %s/%s: %w", groupID, userID, err)
	}
	return nil
}

// DeleteMember removes a user from a group.
func DeleteMember(ctx context.Context, q Q, groupID, userID string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM group_members WHERE group_id = ? AND user_id = ?`, groupID, userID); err != nil {
		return fmt.Errorf("delete member %s/%s: %w", groupID, userID, err)
	}
	return nil
}

// GetMembers returns the members among userIDs, in the order of userIDs.
func GetMembers(ctx context.Context, q Q, groupID string, userIDs []string) ([]*pb.GroupMemberFullInfo, error) {
	return queryIn(ctx, q, "get members of "+groupID, ScanMember, MemberQuery+`WHERE m.group_id = ? AND m.user_id IN`,
		userIDs, func(m *pb.GroupMemberFullInfo) string { return m.UserID }, groupID)
}

// MembersPage pages through a group's members, owner first, then admins, then by join order. A
// keyword matches the shown nickname (group nickname, else profile nickname) or the user ID.
func MembersPage(ctx context.Context, q Q, groupID, keyword string, offset, limit int) ([]*pb.GroupMemberFullInfo, int64, error) {
	where := `WHERE m.group_id = ?`
	args := []any{groupID}
	if keyword != "" {
		where += ` AND (instr(CASE WHEN m.nickname != '' THEN m.nickname ELSE coalesce(u.nickname, '') END, ?) > 0
			OR m.user_id = ?)`
		args = append(args, keyword, keyword)
	}
	return countedPage(ctx, q, "members of "+groupID, ScanMember,
		`SELECT count(*) FROM group_members m LEFT JOIN users u ON u.user_id = m.user_id `+where,
		MemberQuery+where+` ORDER BY m.role_level DESC, m.join_seq, m.user_id`, offset, limit, args...)
}

// ManagerIDs lists a group's owner and admins, owner first, then admins in join order.
func ManagerIDs(ctx context.Context, q Q, groupID string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT user_id FROM group_members WHERE group_id = ? AND role_level >= 60
		ORDER BY role_level DESC, join_seq, user_id`, groupID)
}

// ManagedGroupIDs lists the groups where userID is the owner or an admin.
func ManagedGroupIDs(ctx context.Context, q Q, userID string) ([]string, error) {
	return queryStrings(ctx, q, `SELECT group_id FROM group_members WHERE user_id = ? AND role_level >= 60
		ORDER BY group_id`, userID)
}

// Memberships lists every group membership of a user, by group ID.
func Memberships(ctx context.Context, q Q, userID string) ([]*pb.GroupMemberFullInfo, error) {
	return queryAll(ctx, q, "memberships of "+userID, ScanMember, MemberQuery+`WHERE m.user_id = ? ORDER BY m.group_id`, userID)
}

// GroupRequest is one row of group_requests: a user's application (or an invitation waiting for
// approval) to one group.
type GroupRequest struct {
	GroupID       string
	UserID        string
	HandleResult  int32
	ReqMsg        string
	HandleMsg     string
	ReqTime       int64
	HandleUserID  string
	HandleTime    int64
	Ex            string
	JoinSource    int32
	InviterUserID string
}

const groupRequestColumns = `group_id, user_id, handle_result, req_msg, handle_msg, req_time, handle_user_id,
	handle_time, ex, join_source, inviter_id`

func scanGroupRequest(row interface{ Scan(...any) error }) (*GroupRequest, error) {
	r := &GroupRequest{}
	err := row.Scan(&r.GroupID, &r.UserID, &r.HandleResult, &r.ReqMsg, &r.HandleMsg, &r.ReqTime, &r.HandleUserID,
		&r.HandleTime, &r.Ex, &r.JoinSource, &r.InviterUserID)
	return r, err
}

// PutGroupRequest writes a request, replacing the user's earlier one to the same group.
func PutGroupRequest(ctx context.Context, q Q, r *GroupRequest) error {
	_, err := q.ExecContext(ctx, `INSERT OR REPLACE INTO group_requests (`+groupRequestColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.GroupID, r.UserID, r.HandleResult, r.ReqMsg, r.HandleMsg, r.ReqTime, r.HandleUserID, r.HandleTime, r.Ex,
		r.JoinSource, r.InviterUserID)
	if err != nil {
		return fmt.Errorf("put group request %s/%s: %w", r.GroupID, r.UserID, err)
	}
	return nil
}

// GetGroupRequest returns a user's request to a group, or nil when there is none.
func GetGroupRequest(ctx context.Context, q Q, groupID, userID string) (*GroupRequest, error) {
	r, err := scanGroupRequest(q.QueryRowContext(ctx, `SELECT `+groupRequestColumns+` FROM group_requests
		WHERE group_id = ? AND user_id = ?`, groupID, userID))
	if ok, err := found(err, "get group request %s/%s", groupID, userID); !ok {
		return nil, err
	}
	return r, nil
}

// GroupRequestFilter selects requests: by groups, or by applicant (with optional groups), and by
// handle results (none = any).
type GroupRequestFilter struct {
	GroupIDs      []string
	UserID        string
	HandleResults []int32
}

// GroupRequests pages through the requests matching f, newest first, with the total.
func GroupRequests(ctx context.Context, q Q, f GroupRequestFilter, offset, limit int) ([]*GroupRequest, int64, error) {
	var conds []string
	var args []any
	if f.UserID != "" {
		conds = append(conds, `user_id = ?`)
		args = append(args, f.UserID)
	}
	if len(f.GroupIDs) > 0 {
		conds = append(conds, `group_id IN (`+placeholders(len(f.GroupIDs))+`)`)
		args = append(args, anys(f.GroupIDs)...)
	}
	if len(f.HandleResults) > 0 {
		conds = append(conds, `handle_result IN (`+placeholders(len(f.HandleResults))+`)`)
		args = append(args, anys(f.HandleResults)...)
	}
	where := ""
	if len(conds) > 0 {
		where = ` WHERE ` + strings.Join(conds, ` AND `)
	}
	return countedPage(ctx, q, "group requests", scanGroupRequest, `SELECT count(*) FROM group_requests`+where,
		`SELECT `+groupRequestColumns+` FROM group_requests`+where+` ORDER BY req_time DESC, group_id, user_id`, offset, limit, args...)
}

// SetGroupConversationMaxSeq sets the end of a member's pull window in a group conversation (0 =
// unlimited) and reports whether it changed. Leaving a group freezes it; rejoining lifts it.
func SetGroupConversationMaxSeq(ctx context.Context, q Q, ownerID, conversationID string, maxSeq int64) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE conversations SET max_seq = ? WHERE owner_id = ? AND conversation_id = ? AND max_seq != ?`,
		maxSeq, ownerID, conversationID, maxSeq)
	if err != nil {
		return false, fmt.Errorf("set max seq %s/%s: %w", ownerID, conversationID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// SetGroupConversationAtType sets a member's group @ marker (4 = new announcement) and reports
// whether it changed.
func SetGroupConversationAtType(ctx context.Context, q Q, ownerID, conversationID string, atType int32) (bool, error) {
	res, err := q.ExecContext(ctx, `UPDATE conversations SET group_at_type = ? WHERE owner_id = ? AND conversation_id = ?
		AND group_at_type != ?`, atType, ownerID, conversationID, atType)
	if err != nil {
		return false, fmt.Errorf("set group at type %s/%s: %w", ownerID, conversationID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
