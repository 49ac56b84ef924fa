package im

import (
	"context"
	"strings"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Groups (openim-semantics.md 3.3). Roles are owner 100, admin 60, member 20; "manager" means the
// owner or an admin of the group, or an app admin. Every change to a group's members or profile
// advances its member version log (element "" = the group itself) and every change to a user's
// groups their joined-group log, so the tips carry groupMemberVersion(ID) after the change and the
// incremental sync returns real diffs. This file holds the group-wide commands and the helpers the
// member (member.go) and application (group_request.go) commands share.

// groupOpAdminLevel is UserInfo.appMangerLevel of an app admin, shown in a synthetic opUser.
const groupOpAdminLevel int32 = 2

// groupAtAnnouncement is Conversation.groupAtType after a new announcement.
const groupAtAnnouncement int32 = 4

func groupHandlers() map[string]handler {
	return map[string]handler{
		"group.create":               args(createGroup),
		"group.set_info":             args(setGroupInfo),
		"group.mute":                 args(muteGroup),
		"group.cancel_mute":          args(cancelMuteGroup),
		"group.transfer":             args(transferGroup),
		"group.dismiss":              args(dismissGroup),
		"group.join":                 args(joinGroup),
		"group.quit":                 args(quitGroup),
		"group.kick":                 args(kickGroup),
		"group.invite":               args(inviteToGroup),
		"group.application_response": args(respondToApplication),
		"group.mute_member":          args(muteMember),
		"group.cancel_mute_member":   args(cancelMuteMember),
		"group.set_member_info":      args(setMemberInfo),
	}
}

// needGroupCaller rejects commands without an authenticated user (the node itself proposes none here).
func needGroupCaller(c Caller) error {
	if c.UserID == "" {
		return openim.ErrNoPermission.With("a user must make this change")
	}
	return nil
}

// checkGroupProfile limits the free-text fields of a group.
func checkGroupProfile(name, notification, introduction, faceURL, ex string) error {
	return checkFields(
		checkLine("groupName", name, openim.MaxNameLen),
		checkText("notification", notification, openim.MaxTextLen),
		checkText("introduction", introduction, openim.MaxTextLen),
		checkURL("faceURL", faceURL, openim.MaxURLLen),
		checkEx("ex", ex, openim.MaxExLen),
	)
}

// checkGroupPolicy limits the enumerated fields of a group.
func checkGroupPolicy(needVerification, lookMemberInfo, applyMemberFriend int32) error {
	return checkFields(
		checkRange("needVerification", needVerification, openim.VerifyApplyInviteDirect, openim.VerifyNone),
		checkRange("lookMemberInfo", lookMemberInfo, 0, 1),
		checkRange("applyMemberFriend", applyMemberFriend, 0, 1),
	)
}

// ---------------------------------------------------------------------------------------------
// Shared lookups and rules

// group loads a group (with owner and member count) or fails with 1004.
func (o *op) group(groupID string) (*pb.GroupInfo, error) {
	return loadGroup(o.ctx, o.tx, groupID)
}

// loadGroup is the group, or 1004 when there is none: the same answer in the FSM and in reads.
func loadGroup(ctx context.Context, q store.Q, groupID string) (*pb.GroupInfo, error) {
	g, err := store.GetGroup(ctx, q, groupID)
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, openim.ErrRecordNotFound.With("group %s not found", groupID)
	}
	return g, nil
}

// liveGroup is group that also fails with 1204 when the group is dismissed.
func (o *op) liveGroup(groupID string) (*pb.GroupInfo, error) {
	g, err := o.group(groupID)
	if err != nil {
		return nil, err
	}
	if g.Status == openim.GroupStatusDismissed {
		return nil, openim.ErrDismissedAlready.With("group %s is dismissed", groupID)
	}
	return g, nil
}

// member loads a member, nil when the user is not in the group.
func (o *op) member(groupID, userID string) (*pb.GroupMemberFullInfo, error) {
	return store.GetMember(o.ctx, o.tx, groupID, userID)
}

// callerMember is the caller's membership. A non-member gets 1002, except an app admin, who gets
// nil: app admins act on any group as a manager.
func (o *op) callerMember(groupID string) (*pb.GroupMemberFullInfo, error) {
	m, err := o.member(groupID, o.caller.UserID)
	if err != nil || m != nil || o.caller.Admin() {
		return m, err
	}
	return nil, openim.ErrNoPermission.With("%s is not in group %s", o.caller.UserID, groupID)
}

// requireManager passes the group's owner and admins and app admins (upstream's CheckGroupAdmin).
func (o *op) requireManager(groupID string) (*pb.GroupMemberFullInfo, error) {
	m, err := o.callerMember(groupID)
	if err != nil {
		return nil, err
	}
	if m != nil && m.RoleLevel < openim.RoleAdmin && !o.caller.Admin() {
		return nil, openim.ErrNoPermission.With("%s is not the owner or an admin of group %s", o.caller.UserID, groupID)
	}
	return m, nil
}

// manageLiveGroup loads a group the caller may change: a manager's (requireManager), not dismissed.
func (o *op) manageLiveGroup(groupID string) (*pb.GroupInfo, error) {
	if _, err := o.requireManager(groupID); err != nil {
		return nil, err
	}
	return o.liveGroup(groupID)
}

// asMember is userID as a GroupMemberFullInfo for tips: the member, else for an app admin the
// synthetic admin member upstream shows, else the bare user.
func (o *op) asMember(groupID, userID string) (*pb.GroupMemberFullInfo, error) {
	m, err := o.member(groupID, userID)
	if err != nil || m != nil {
		return m, err
	}
	u, err := store.GetUser(o.ctx, o.tx, userID)
	if err != nil {
		return nil, err
	}
	out := &pb.GroupMemberFullInfo{GroupID: groupID, UserID: userID}
	if u != nil {
		out.Nickname, out.FaceURL = u.Nickname, u.FaceURL
	}
	if openim.IsAdmin(userID) {
		out.RoleLevel, out.AppMangerLevel = openim.RoleAdmin, groupOpAdminLevel
	} else {
		out.OperatorUserID = userID
	}
	return out, nil
}

// groupTip is what every group tip (15xx) shares: the group, the caller as a member (opUser), the
// member log's head (the tips' groupMemberVersion and groupMemberVersionID) and the recipients,
// the members plus extra (leavers). Read it after the change the tip reports.
type groupTip struct {
	o      *op
	group  *pb.GroupInfo
	opUser *pb.GroupMemberFullInfo
	head   store.VersionHead
	to     []string
}

// groupTip reads the shared parts of a tip about groupID; extra (leavers) get it too.
func (o *op) groupTip(groupID string, extra ...string) (*groupTip, error) {
	g, err := o.group(groupID)
	if err != nil {
		return nil, err
	}
	opUser, err := o.asMember(groupID, o.caller.UserID)
	if err != nil {
		return nil, err
	}
	head, _, err := store.GetVersionHead(o.ctx, o.tx, memberLog(groupID))
	if err != nil {
		return nil, err
	}
	ids, err := store.MemberIDs(o.ctx, o.tx, groupID)
	if err != nil {
		return nil, err
	}
	return &groupTip{o: o, group: g, opUser: opUser, head: head, to: dedupe(append(ids, extra...))}, nil
}

// memberTip is groupTip for a tip about one member (entered, unmuted, info set): it loads the
// member too.
func (o *op) memberTip(groupID, userID string) (*groupTip, *pb.GroupMemberFullInfo, error) {
	t, err := o.groupTip(groupID)
	if err != nil {
		return nil, nil, err
	}
	m, err := o.member(groupID, userID)
	return t, m, err
}

// send is the group-wide notification of tips from the caller to the recipients; chatCopy also
// stores it in the group chat.
func (t *groupTip) send(contentType int32, tips any, chatCopy bool) error {
	groupID := t.group.GroupID
	return t.o.notify(note{contentType: contentType, sendID: t.o.caller.UserID, recvID: groupID, groupID: groupID,
		tips: tips, to: t.to, chatCopy: chatCopy})
}

// groupChanged logs a change of the group itself (profile, status, owner) in its member log.
func (o *op) groupChanged(groupID string) error {
	_, err := o.bumpVersion(memberLog(groupID), "", store.VersionUpdate)
	return err
}

// memberChanged logs a change of one member's row.
func (o *op) memberChanged(groupID, userID string) error {
	_, err := o.bumpVersion(memberLog(groupID), userID, store.VersionUpdate)
	return err
}

// addMember inserts a member and logs it in the group's member log and the user's joined-group
// log. A rejoining user's chat conversation is opened again (max_seq back to unlimited).
func (o *op) addMember(m *pb.GroupMemberFullInfo) error {
	if err := store.InsertMember(o.ctx, o.tx, m); err != nil {
		return err
	}
	if _, err := o.bumpVersion(memberLog(m.GroupID), m.UserID, store.VersionInsert); err != nil {
		return err
	}
	if _, err := o.bumpVersion(joinedGroupLog(m.UserID), m.GroupID, store.VersionInsert); err != nil {
		return err
	}
	return o.setGroupConversationMaxSeq(m.UserID, m.GroupID, 0)
}

// openGroupConversations creates the entrants' sg_ conversation rows, as upstream does on enter,
// invite and approval, so their clients know the conversation before its first message.
func (o *op) openGroupConversations(groupID string, userIDs []string) error {
	for _, uid := range userIDs {
		if err := o.ensureConversation(store.ConversationKey{OwnerID: uid, ConversationID: openim.GroupConversationID(groupID),
			Type: openim.ReadGroupChat, GroupID: groupID}); err != nil {
			return err
		}
	}
	return nil
}

// removeMember deletes a member and logs it in both version logs.
func (o *op) removeMember(groupID, userID string) error {
	if err := store.DeleteMember(o.ctx, o.tx, groupID, userID); err != nil {
		return err
	}
	if _, err := o.bumpVersion(memberLog(groupID), userID, store.VersionDelete); err != nil {
		return err
	}
	_, err := o.bumpVersion(joinedGroupLog(userID), groupID, store.VersionDelete)
	return err
}

// freezeGroupConversations ends the leavers' pull window at the group chat's current max seq, so
// they keep the history up to their leaving (the notification of it included) and see nothing after.
func (o *op) freezeGroupConversations(groupID string, userIDs []string) error {
	seq, err := store.GetSeq(o.ctx, o.tx, openim.GroupConversationID(groupID))
	if err != nil {
		return err
	}
	if seq.MaxSeq == 0 {
		return nil // no message yet: nothing to hide, and 0 would mean unlimited
	}
	for _, uid := range userIDs {
		if err := o.setGroupConversationMaxSeq(uid, groupID, seq.MaxSeq); err != nil {
			return err
		}
	}
	return nil
}

// setGroupConversationMaxSeq writes a member's max_seq, logging a change in their conversation log.
func (o *op) setGroupConversationMaxSeq(userID, groupID string, maxSeq int64) error {
	changed, err := store.SetGroupConversationMaxSeq(o.ctx, o.tx, userID, openim.GroupConversationID(groupID), maxSeq)
	if err != nil || !changed {
		return err
	}
	_, err = o.bumpVersion(conversationLog(userID), openim.GroupConversationID(groupID), store.VersionUpdate)
	return err
}

// userNotes sends one user-targeted notification (sessionType 1, as upstream sends 1503, 1505 and
// 1506) from the caller to each recipient; tipsFor builds each recipient's tips.
func (o *op) userNotes(contentType int32, recipients []string, tipsFor func(uid string) any) error {
	for _, uid := range dedupe(recipients) {
		if err := o.notify(note{contentType: contentType, sendID: o.caller.UserID, recvID: uid,
			tips: tipsFor(uid), to: pair(o.caller.UserID, uid)}); err != nil {
			return err
		}
	}
	return nil
}

// chatCopyOverride is upstream's per-call isSendMsg override.
func chatCopyOverride(override *bool, def bool) bool {
	if override != nil {
		return *override
	}
	return def
}

// ---------------------------------------------------------------------------------------------
// create_group

// CreateGroup is /group/create_group. The API fills GroupInfo.GroupID with a random one when the
// request has none, so applying it draws nothing.
type CreateGroup struct {
	MemberUserIDs []string      `json:"memberUserIDs"`
	AdminUserIDs  []string      `json:"adminUserIDs"`
	OwnerUserID   string        `json:"ownerUserID"`
	GroupInfo     *pb.GroupInfo `json:"groupInfo"`
	SendMessage   *bool         `json:"sendMessage"`
}

// everyone is members ∪ admins ∪ owner ∪ caller, the set upstream checks and counts.
func (a *CreateGroup) everyone(c Caller) []string {
	ids := append(append(append([]string{}, a.MemberUserIDs...), a.AdminUserIDs...), a.OwnerUserID)
	for _, id := range ids {
		if id == c.UserID {
			return ids
		}
	}
	return append(ids, c.UserID)
}

// Check: groupInfo with type 2 and a valid ID; owner is the caller (or the caller is an admin);
// no user listed twice; at most MaxBatch users.
func (a *CreateGroup) Check(c Caller) error {
	if err := needGroupCaller(c); err != nil {
		return err
	}
	g := a.GroupInfo
	if g == nil {
		return openim.ErrArgs.With("groupInfo is required")
	}
	if g.GroupType != openim.WorkingGroup {
		return openim.ErrArgs.With("groupType must be %d", openim.WorkingGroup)
	}
	if a.OwnerUserID == "" {
		return openim.ErrArgs.With("ownerUserID is required")
	}
	if err := c.Access(a.OwnerUserID); err != nil {
		return err
	}
	if err := checkFields(
		checkID("groupID", g.GroupID),
		checkGroupProfile(g.GroupName, g.Notification, g.Introduction, g.FaceURL, g.Ex),
		checkGroupPolicy(g.NeedVerification, g.LookMemberInfo, g.ApplyMemberFriend),
		checkID("creatorUserID", idOrDefault(g.CreatorUserID, a.OwnerUserID)),
	); err != nil {
		return err
	}
	return checkIDs("members", a.everyone(c))
}

func idOrDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func createGroup(o *op, a *CreateGroup) (any, error) {
	in := a.GroupInfo
	existing, err := store.GetGroup(o.ctx, o.tx, in.GroupID)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return nil, openim.ErrGroupIDExisted.With("group %s already exists", in.GroupID)
	}
	everyone := a.everyone(o.caller)
	missing, err := store.MissingUsers(o.ctx, o.tx, everyone)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, openim.ErrUserIDNotFound.With("user %s not found", missing[0])
	}
	g := &pb.GroupInfo{
		GroupID: in.GroupID, GroupName: in.GroupName, Notification: in.Notification, Introduction: in.Introduction,
		FaceURL: in.FaceURL, OwnerUserID: a.OwnerUserID, CreateTime: o.now, Ex: in.Ex, Status: openim.GroupStatusOK,
		CreatorUserID: in.CreatorUserID, GroupType: openim.WorkingGroup, NeedVerification: in.NeedVerification,
		LookMemberInfo: in.LookMemberInfo, ApplyMemberFriend: in.ApplyMemberFriend,
	}
	if g.Notification != "" {
		g.NotificationUpdateTime, g.NotificationUserID = o.now, o.caller.UserID
	}
	if err := store.InsertGroup(o.ctx, o.tx, g); err != nil {
		return nil, err
	}
	join := func(userID string, role int32) error {
		return o.addMember(&pb.GroupMemberFullInfo{GroupID: g.GroupID, UserID: userID, RoleLevel: role, JoinTime: o.now,
			JoinSource: openim.JoinByInvitation, OperatorUserID: o.caller.UserID, InviterUserID: o.caller.UserID})
	}
	if err := join(a.OwnerUserID, openim.RoleOwner); err != nil {
		return nil, err
	}
	for _, uid := range a.AdminUserIDs {
		if err := join(uid, openim.RoleAdmin); err != nil {
			return nil, err
		}
	}
	for _, uid := range a.MemberUserIDs {
		if err := join(uid, openim.RoleMember); err != nil {
			return nil, err
		}
	}
	// Upstream counts the caller even when it is not made a member.
	g.MemberCount = uint32(len(everyone))

	t, err := o.groupTip(g.GroupID)
	if err != nil {
		return nil, err
	}
	all, err := store.GetMembers(o.ctx, o.tx, g.GroupID, t.to)
	if err != nil {
		return nil, err
	}
	// memberList is cut after the caller, as in v3.8.
	var list []*pb.GroupMemberFullInfo
	for _, m := range all {
		list = append(list, m)
		if m.UserID == o.caller.UserID {
			break
		}
	}
	tips := &pb.GroupCreatedTips{Group: g, OpUser: t.opUser, MemberList: list, OperationTime: o.now,
		GroupOwnerUser: all[0], GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}
	if err := t.send(openim.GroupCreated, tips, chatCopyOverride(a.SendMessage, true)); err != nil {
		return nil, err
	}
	if g.Notification != "" {
		if err := t.send(openim.GroupInfoSetAnnouncement, &pb.GroupInfoSetAnnouncementTips{OpUser: t.opUser,
			Group: g, GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}, true); err != nil {
			return nil, err
		}
	}
	return &CreateGroupResult{GroupInfo: g}, nil
}

// CreateGroupResult is create_group's response.
type CreateGroupResult struct {
	GroupInfo *pb.GroupInfo `json:"groupInfo"`
}

// ---------------------------------------------------------------------------------------------
// set_group_info, set_group_info_ex

// SetGroupInfo is /group/set_group_info_ex: absent fields stay as they are. The API builds it from
// set_group_info's groupInfoForSet too, where empty strings mean "unchanged".
type SetGroupInfo struct {
	GroupID           string  `json:"groupID"`
	GroupName         *string `json:"groupName"`
	Notification      *string `json:"notification"`
	Introduction      *string `json:"introduction"`
	FaceURL           *string `json:"faceURL"`
	Ex                *string `json:"ex"`
	NeedVerification  *int32  `json:"needVerification"`
	LookMemberInfo    *int32  `json:"lookMemberInfo"`
	ApplyMemberFriend *int32  `json:"applyMemberFriend"`
}

// Check: a group ID; a present group name is not blank; values within limits.
func (a *SetGroupInfo) Check(c Caller) error {
	if err := checkFields(needGroupCaller(c), checkID("groupID", a.GroupID)); err != nil {
		return err
	}
	if a.GroupName != nil && strings.TrimSpace(*a.GroupName) == "" {
		return openim.ErrArgs.With("groupName is empty")
	}
	g := &pb.GroupInfo{}
	a.apply(g, 0, "")
	return checkFields(
		checkGroupProfile(g.GroupName, g.Notification, g.Introduction, g.FaceURL, g.Ex),
		checkGroupPolicy(g.NeedVerification, g.LookMemberInfo, g.ApplyMemberFriend),
	)
}

// apply writes the present fields into g. A notification is stored trimmed, with who set it when.
func (a *SetGroupInfo) apply(g *pb.GroupInfo, now int64, by string) {
	set(&g.GroupName, a.GroupName)
	if a.Notification != nil {
		g.Notification = strings.TrimSpace(*a.Notification)
		g.NotificationUpdateTime, g.NotificationUserID = now, by
	}
	set(&g.Introduction, a.Introduction)
	set(&g.FaceURL, a.FaceURL)
	set(&g.Ex, a.Ex)
	set(&g.NeedVerification, a.NeedVerification)
	set(&g.LookMemberInfo, a.LookMemberInfo)
	set(&g.ApplyMemberFriend, a.ApplyMemberFriend)
}

// otherFields reports whether any field besides name and notification is present (→ 1502).
func (a *SetGroupInfo) otherFields() bool {
	return a.Introduction != nil || a.FaceURL != nil || a.Ex != nil || a.NeedVerification != nil ||
		a.LookMemberInfo != nil || a.ApplyMemberFriend != nil
}

func (a *SetGroupInfo) refuse(o *op) error {
	_, err := o.manageLiveGroup(a.GroupID)
	return err
}

// setGroupInfo: managers only, not on a dismissed group. A new announcement marks every member's
// conversation (groupAtType 4) → 1519 (chat copy unless it was cleared); a name → 1520; any other
// field → 1502.
func setGroupInfo(o *op, a *SetGroupInfo) (any, error) {
	g, err := o.manageLiveGroup(a.GroupID)
	if err != nil {
		return nil, err
	}
	if a.GroupName == nil && a.Notification == nil && !a.otherFields() {
		return nil, nil
	}
	a.apply(g, o.now, o.caller.UserID)
	if err := store.UpdateGroup(o.ctx, o.tx, g); err != nil {
		return nil, err
	}
	if err := o.groupChanged(g.GroupID); err != nil {
		return nil, err
	}
	t, err := o.groupTip(g.GroupID)
	if err != nil {
		return nil, err
	}
	if a.Notification != nil {
		if g.Notification != "" {
			if err := o.markAnnouncement(g.GroupID, t.to); err != nil {
				return nil, err
			}
		}
		if err := t.send(openim.GroupInfoSetAnnouncement, &pb.GroupInfoSetAnnouncementTips{OpUser: t.opUser,
			Group: g, GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}, g.Notification != ""); err != nil {
			return nil, err
		}
	}
	if a.GroupName != nil {
		if err := t.send(openim.GroupInfoSetName, &pb.GroupInfoSetNameTips{OpUser: t.opUser, Group: g,
			GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}, true); err != nil {
			return nil, err
		}
	}
	if a.otherFields() {
		if err := t.send(openim.GroupInfoSet, &pb.GroupInfoSetTips{OpUser: t.opUser, Group: g,
			GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}, false); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// markAnnouncement sets groupAtType 4 on each member's group conversation (creating it if
// missing, as upstream's SetConversations does) and tells each changed member's devices (1300).
func (o *op) markAnnouncement(groupID string, members []string) error {
	convID := openim.GroupConversationID(groupID)
	if err := o.openGroupConversations(groupID, members); err != nil {
		return err
	}
	for _, uid := range members {
		changed, err := store.SetGroupConversationAtType(o.ctx, o.tx, uid, convID, groupAtAnnouncement)
		if err != nil {
			return err
		}
		if !changed {
			continue
		}
		if _, err := o.bumpVersion(conversationLog(uid), convID, store.VersionUpdate); err != nil {
			return err
		}
		if err := o.notify(note{contentType: openim.ConversationChange, sendID: uid, recvID: uid,
			tips: &pb.ConversationUpdateTips{UserID: uid, ConversationIDList: []string{convID}}, to: []string{uid}}); err != nil {
			return err
		}
	}
	return nil
}

// ---------------------------------------------------------------------------------------------
// mute_group, cancel_mute_group

// GroupRef is a request naming only a group (mute_group, cancel_mute_group).
type GroupRef struct {
	GroupID string `json:"groupID"`
}

// Check: a group ID.
func (a *GroupRef) Check(c Caller) error {
	return checkFields(needGroupCaller(c), checkID("groupID", a.GroupID))
}

func (a *GroupRef) refuse(o *op) error {
	_, err := o.manageLiveGroup(a.GroupID)
	return err
}

func muteGroup(o *op, a *GroupRef) (any, error) {
	return nil, o.setGroupStatus(a.GroupID, openim.GroupStatusMuted, openim.GroupMuted)
}

func cancelMuteGroup(o *op, a *GroupRef) (any, error) {
	return nil, o.setGroupStatus(a.GroupID, openim.GroupStatusOK, openim.GroupCancelMuted)
}

// setGroupStatus mutes or unmutes a whole group: managers only, never a dismissed group (upstream
// would overwrite status 2 and revive it).
func (o *op) setGroupStatus(groupID string, status, contentType int32) error {
	g, err := o.manageLiveGroup(groupID)
	if err != nil {
		return err
	}
	g.Status = status
	if err := store.UpdateGroup(o.ctx, o.tx, g); err != nil {
		return err
	}
	if err := o.groupChanged(groupID); err != nil {
		return err
	}
	t, err := o.groupTip(groupID)
	if err != nil {
		return err
	}
	var tips any = &pb.GroupMutedTips{Group: g, OpUser: t.opUser, OperationTime: o.now,
		GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}
	if contentType == openim.GroupCancelMuted {
		tips = &pb.GroupCancelMutedTips{Group: g, OpUser: t.opUser, OperationTime: o.now,
			GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}
	}
	return t.send(contentType, tips, true)
}

// ---------------------------------------------------------------------------------------------
// transfer_group

// TransferGroup is /group/transfer_group.
type TransferGroup struct {
	GroupID        string `json:"groupID"`
	OldOwnerUserID string `json:"oldOwnerUserID"`
	NewOwnerUserID string `json:"newOwnerUserID"`
}

// Check: IDs present and different.
func (a *TransferGroup) Check(c Caller) error {
	if err := checkFields(needGroupCaller(c), checkID("groupID", a.GroupID), checkID("oldOwnerUserID", a.OldOwnerUserID),
		checkID("newOwnerUserID", a.NewOwnerUserID)); err != nil {
		return err
	}
	if a.OldOwnerUserID == a.NewOwnerUserID {
		return openim.ErrArgs.With("oldOwnerUserID and newOwnerUserID are the same")
	}
	return nil
}

func (a *TransferGroup) refuse(o *op) error {
	_, _, _, err := a.decide(o)
	return err
}

// decide applies transfer's rules and returns the group and both owners.
func (a *TransferGroup) decide(o *op) (g *pb.GroupInfo, oldOwner, newOwner *pb.GroupMemberFullInfo, err error) {
	if g, err = o.liveGroup(a.GroupID); err != nil {
		return nil, nil, nil, err
	}
	if oldOwner, err = o.member(a.GroupID, a.OldOwnerUserID); err != nil {
		return nil, nil, nil, err
	}
	if newOwner, err = o.member(a.GroupID, a.NewOwnerUserID); err != nil {
		return nil, nil, nil, err
	}
	if oldOwner == nil || newOwner == nil {
		return nil, nil, nil, openim.ErrArgs.With("%s and %s must both be in group %s", a.OldOwnerUserID, a.NewOwnerUserID, a.GroupID)
	}
	if !o.caller.Admin() && !(o.caller.UserID == oldOwner.UserID && oldOwner.RoleLevel == openim.RoleOwner) {
		return nil, nil, nil, openim.ErrNoPermission.With("only the owner of group %s may transfer it", a.GroupID)
	}
	return g, oldOwner, newOwner, nil
}

// transferGroup: both users must be members (1001); the caller must be the old owner, or an app
// admin. A muted new owner is unmuted first (1513). The roles swap: the old owner takes the new
// owner's former level. → 1507.
func transferGroup(o *op, a *TransferGroup) (any, error) {
	g, oldOwner, newOwner, err := a.decide(o)
	if err != nil {
		return nil, err
	}
	if newOwner.MuteEndTime >= o.now {
		if err := o.unmute(g.GroupID, newOwner.UserID); err != nil {
			return nil, err
		}
	}
	if err := store.SetMemberRole(o.ctx, o.tx, a.GroupID, newOwner.UserID, openim.RoleOwner); err != nil {
		return nil, err
	}
	if err := store.SetMemberRole(o.ctx, o.tx, a.GroupID, oldOwner.UserID, newOwner.RoleLevel); err != nil {
		return nil, err
	}
	g.OwnerUserID = newOwner.UserID
	if err := store.UpdateGroup(o.ctx, o.tx, g); err != nil {
		return nil, err
	}
	for _, uid := range []string{oldOwner.UserID, newOwner.UserID} {
		if err := o.memberChanged(g.GroupID, uid); err != nil {
			return nil, err
		}
	}
	if err := o.groupChanged(g.GroupID); err != nil {
		return nil, err
	}
	if g, err = o.group(g.GroupID); err != nil {
		return nil, err
	}
	if oldOwner, err = o.member(g.GroupID, oldOwner.UserID); err != nil {
		return nil, err
	}
	if newOwner, err = o.member(g.GroupID, newOwner.UserID); err != nil {
		return nil, err
	}
	t, err := o.groupTip(g.GroupID)
	if err != nil {
		return nil, err
	}
	return nil, t.send(openim.GroupOwnerTransferred, &pb.GroupOwnerTransferredTips{Group: g, OpUser: t.opUser,
		NewGroupOwner: newOwner, OldGroupOwner: oldOwner.UserID, OperationTime: o.now, OldGroupOwnerInfo: oldOwner,
		GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}, true)
}

// ---------------------------------------------------------------------------------------------
// dismiss_group

// DismissGroup is /group/dismiss_group.
type DismissGroup struct {
	GroupID      string `json:"groupID"`
	DeleteMember bool   `json:"deleteMember"`
	SendMessage  *bool  `json:"sendMessage"`
}

// Check: a group ID.
func (a *DismissGroup) Check(c Caller) error {
	return checkFields(needGroupCaller(c), checkID("groupID", a.GroupID))
}

func (a *DismissGroup) refuse(o *op) error {
	_, err := a.decide(o)
	return err
}

// decide applies dismiss's rules and returns the group.
func (a *DismissGroup) decide(o *op) (*pb.GroupInfo, error) {
	g, err := o.group(a.GroupID)
	if err != nil {
		return nil, err
	}
	if !o.caller.Admin() && o.caller.UserID != g.OwnerUserID {
		return nil, openim.ErrNoPermission.With("only the owner of group %s may dismiss it", a.GroupID)
	}
	if g.Status == openim.GroupStatusDismissed && !a.DeleteMember {
		return nil, openim.ErrDismissedAlready.With("group %s is dismissed", a.GroupID)
	}
	return g, nil
}

// dismissGroup: the owner or an app admin (a group admin gets 1002). Status becomes 2; unless
// deleteMember, the members (as they were) get 1511 first. Then every member is removed, as
// upstream's push service does after delivering 1511.
func dismissGroup(o *op, a *DismissGroup) (any, error) {
	g, err := a.decide(o)
	if err != nil {
		return nil, err
	}
	t, err := o.groupTip(g.GroupID)
	if err != nil {
		return nil, err
	}
	members := t.to
	g.Status = openim.GroupStatusDismissed
	if err := store.UpdateGroup(o.ctx, o.tx, g); err != nil {
		return nil, err
	}
	if err := o.groupChanged(g.GroupID); err != nil {
		return nil, err
	}
	if !a.DeleteMember {
		tips := &pb.GroupDismissedTips{Group: g, OpUser: t.opUser, OperationTime: o.now}
		if err := t.send(openim.GroupDismissed, tips, chatCopyOverride(a.SendMessage, true)); err != nil {
			return nil, err
		}
	}
	// The members keep the history up to the dismissal, as after a quit: their windows end here
	// (the messages area reads a former member's group chat only up to a frozen maxSeq).
	if err := o.freezeGroupConversations(g.GroupID, members); err != nil {
		return nil, err
	}
	for _, uid := range members {
		if err := o.removeMember(g.GroupID, uid); err != nil {
			return nil, err
		}
	}
	return nil, nil
}
