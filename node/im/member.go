package im

import (
	"math"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Member commands: quit, kick, invite, mute, member profile and role, and the 1516 a user's new
// name or face causes in every group that shows them.

// ---------------------------------------------------------------------------------------------
// quit_group

// QuitGroup is /group/quit_group; an empty userID means the caller.
type QuitGroup struct {
	GroupID string `json:"groupID"`
	UserID  string `json:"userID"`
}

// Check: a group ID; the user is the caller, or the caller is an admin.
func (a *QuitGroup) Check(c Caller) error {
	if err := checkFields(needGroupCaller(c), checkID("groupID", a.GroupID)); err != nil {
		return err
	}
	if a.UserID == "" {
		return nil
	}
	return checkFields(checkID("userID", a.UserID), c.Access(a.UserID))
}

// quitGroup: a member who is not the owner leaves → 1504 to the group and the quitter; then the
// quitter's group conversation is frozen at the current max seq.
func quitGroup(o *op, a *QuitGroup) (any, error) {
	userID := idOrDefault(a.UserID, o.caller.UserID)
	m, err := o.member(a.GroupID, userID)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, openim.ErrRecordNotFound.With("%s is not in group %s", userID, a.GroupID)
	}
	if m.RoleLevel == openim.RoleOwner {
		return nil, openim.ErrNoPermission.With("the owner cannot quit group %s: transfer or dismiss it", a.GroupID)
	}
	if err := o.removeMember(a.GroupID, userID); err != nil {
		return nil, err
	}
	t, err := o.groupTip(a.GroupID, userID)
	if err != nil {
		return nil, err
	}
	if err := t.send(openim.MemberQuit, &pb.MemberQuitTips{Group: t.group, QuitUser: m, OperationTime: o.now,
		GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}, true); err != nil {
		return nil, err
	}
	return nil, o.freezeGroupConversations(a.GroupID, []string{userID})
}

// ---------------------------------------------------------------------------------------------
// kick_group

// KickGroup is /group/kick_group.
type KickGroup struct {
	GroupID       string   `json:"groupID"`
	KickedUserIDs []string `json:"kickedUserIDs"`
	Reason        string   `json:"reason"`
	SendMessage   *bool    `json:"sendMessage"`
}

// Check: IDs valid and distinct; the caller does not kick themselves.
func (a *KickGroup) Check(c Caller) error {
	if err := checkFields(needGroupCaller(c), checkID("groupID", a.GroupID), checkIDs("kickedUserIDs", a.KickedUserIDs),
		checkText("reason", a.Reason, openim.MaxTextLen)); err != nil {
		return err
	}
	for _, id := range a.KickedUserIDs {
		if id == c.UserID {
			return openim.ErrArgs.With("you cannot kick yourself")
		}
	}
	return nil
}

// kickGroup: the owner kicks anyone but themselves, an admin only ordinary members, an app admin
// anyone but the owner; the owner is never kicked (1001); each kicked user must be a member
// (1101). → 1508 to the group and the kicked users, whose conversations are then frozen.
func kickGroup(o *op, a *KickGroup) (any, error) {
	kicked, err := a.decide(o)
	if err != nil {
		return nil, err
	}
	for _, id := range a.KickedUserIDs {
		if err := o.removeMember(a.GroupID, id); err != nil {
			return nil, err
		}
	}
	t, err := o.groupTip(a.GroupID, a.KickedUserIDs...)
	if err != nil {
		return nil, err
	}
	if err := t.send(openim.MemberKicked, &pb.MemberKickedTips{Group: t.group, OpUser: t.opUser, KickedUserList: kicked,
		OperationTime: o.now, GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID},
		chatCopyOverride(a.SendMessage, true)); err != nil {
		return nil, err
	}
	return nil, o.freezeGroupConversations(a.GroupID, a.KickedUserIDs)
}

func (a *KickGroup) refuse(o *op) error {
	_, err := a.decide(o)
	return err
}

// decide applies kick's rules and returns the members to kick.
func (a *KickGroup) decide(o *op) ([]*pb.GroupMemberFullInfo, error) {
	g, err := o.liveGroup(a.GroupID)
	if err != nil {
		return nil, err
	}
	for _, id := range a.KickedUserIDs {
		if id == g.OwnerUserID {
			return nil, openim.ErrArgs.With("the owner cannot be kicked")
		}
	}
	opMember, err := o.callerMember(a.GroupID)
	if err != nil {
		return nil, err
	}
	kicked, err := store.GetMembers(o.ctx, o.tx, a.GroupID, a.KickedUserIDs)
	if err != nil {
		return nil, err
	}
	if len(kicked) != len(a.KickedUserIDs) {
		return nil, openim.ErrUserIDNotFound.With("%s is not in group %s", firstNonMember(a.KickedUserIDs, kicked), a.GroupID)
	}
	if o.caller.Admin() {
		return kicked, nil
	}
	for _, m := range kicked {
		switch {
		case opMember.RoleLevel == openim.RoleOwner:
		case opMember.RoleLevel == openim.RoleAdmin && m.RoleLevel < openim.RoleAdmin:
		case opMember.RoleLevel == openim.RoleAdmin:
			return nil, openim.ErrNoPermission.With("an admin cannot kick the owner or another admin")
		default:
			return nil, openim.ErrNoPermission.With("only the owner or an admin may kick members")
		}
	}
	return kicked, nil
}

// firstNonMember is the first ID of ids without a member in found.
func firstNonMember(ids []string, found []*pb.GroupMemberFullInfo) string {
	have := make(map[string]bool, len(found))
	for _, m := range found {
		have[m.UserID] = true
	}
	for _, id := range ids {
		if !have[id] {
			return id
		}
	}
	return ""
}

// ---------------------------------------------------------------------------------------------
// invite_user_to_group

// InviteToGroup is /group/invite_user_to_group.
type InviteToGroup struct {
	GroupID        string   `json:"groupID"`
	Reason         string   `json:"reason"`
	InvitedUserIDs []string `json:"invitedUserIDs"`
	SendMessage    *bool    `json:"sendMessage"`
}

// Check: IDs valid and distinct.
func (a *InviteToGroup) Check(c Caller) error {
	return checkFields(needGroupCaller(c), checkID("groupID", a.GroupID), checkIDs("invitedUserIDs", a.InvitedUserIDs),
		checkText("reason", a.Reason, openim.MaxTextLen))
}

// inviteToGroup: any member (or an app admin) invites existing users who are not members yet. In
// a group where every join needs approval (needVerification 1) an ordinary member's invitation
// becomes one request per invitee (→ 1503 to the managers and the inviter); otherwise the
// invitees join at once → 1509 to the group.
func inviteToGroup(o *op, a *InviteToGroup) (any, error) {
	g, err := o.liveGroup(a.GroupID)
	if err != nil {
		return nil, err
	}
	opMember, err := o.callerMember(a.GroupID)
	if err != nil {
		return nil, err
	}
	missing, err := store.MissingUsers(o.ctx, o.tx, a.InvitedUserIDs)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, openim.ErrRecordNotFound.With("user %s not found", missing[0])
	}
	already, err := store.GetMembers(o.ctx, o.tx, a.GroupID, a.InvitedUserIDs)
	if err != nil {
		return nil, err
	}
	if len(already) > 0 {
		// Upstream answers a duplicate-key 500 here; the cause is the caller's input.
		return nil, openim.ErrArgs.With("%s is already in group %s", already[0].UserID, a.GroupID)
	}
	if g.NeedVerification == openim.VerifyAll && opMember != nil && opMember.RoleLevel < openim.RoleAdmin && !o.caller.Admin() {
		for _, uid := range a.InvitedUserIDs {
			r := &store.GroupRequest{GroupID: a.GroupID, UserID: uid, ReqMsg: a.Reason, ReqTime: o.now,
				JoinSource: openim.JoinByInvitation, InviterUserID: o.caller.UserID}
			if err := o.applyToGroup(g, r); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	for _, uid := range a.InvitedUserIDs {
		if err := o.addMember(&pb.GroupMemberFullInfo{GroupID: a.GroupID, UserID: uid, RoleLevel: openim.RoleMember,
			JoinTime: o.now, JoinSource: openim.JoinByInvitation, OperatorUserID: o.caller.UserID,
			InviterUserID: o.caller.UserID}); err != nil {
			return nil, err
		}
	}
	return nil, o.membersInvited(a.GroupID, o.caller.UserID, a.InvitedUserIDs, chatCopyOverride(a.SendMessage, true))
}

// membersInvited opens the entrants' conversations and sends 1509 for members just added by
// inviterID (the caller, or the inviter of an approved request).
func (o *op) membersInvited(groupID, inviterID string, userIDs []string, chatCopy bool) error {
	if err := o.openGroupConversations(groupID, userIDs); err != nil {
		return err
	}
	t, err := o.groupTip(groupID)
	if err != nil {
		return err
	}
	invited, err := store.GetMembers(o.ctx, o.tx, groupID, userIDs)
	if err != nil {
		return err
	}
	inviter := t.opUser
	if inviterID != o.caller.UserID {
		if inviter, err = o.asMember(groupID, inviterID); err != nil {
			return err
		}
	}
	return t.send(openim.MemberInvited, &pb.MemberInvitedTips{Group: t.group, OpUser: t.opUser, InvitedUserList: invited,
		OperationTime: o.now, GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID, InviterUser: inviter},
		chatCopy)
}

// memberEntered opens the entrant's conversation and sends 1510 (a direct join, or an approved
// application without an inviter).
func (o *op) memberEntered(groupID, userID string) error {
	if err := o.openGroupConversations(groupID, []string{userID}); err != nil {
		return err
	}
	t, entrant, err := o.memberTip(groupID, userID)
	if err != nil {
		return err
	}
	return t.send(openim.MemberEnter, &pb.MemberEnterTips{Group: t.group, EntrantUser: entrant, OperationTime: o.now,
		GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}, true)
}

// ---------------------------------------------------------------------------------------------
// mute_group_member, cancel_mute_group_member

// MuteMember is /group/mute_group_member.
type MuteMember struct {
	GroupID      string `json:"groupID"`
	UserID       string `json:"userID"`
	MutedSeconds int64  `json:"mutedSeconds"`
}

// Check: IDs; 0 < mutedSeconds ≤ 2^32-1 (the tips carry it as uint32).
func (a *MuteMember) Check(c Caller) error {
	if err := checkFields(needGroupCaller(c), checkID("groupID", a.GroupID), checkID("userID", a.UserID)); err != nil {
		return err
	}
	if a.MutedSeconds <= 0 || a.MutedSeconds > math.MaxUint32 {
		return openim.ErrArgs.With("mutedSeconds must be 1..%d", uint32(math.MaxUint32))
	}
	return nil
}

// MemberRef names one member of one group (cancel_mute_group_member).
type MemberRef struct {
	GroupID string `json:"groupID"`
	UserID  string `json:"userID"`
}

// Check: IDs.
func (a *MemberRef) Check(c Caller) error {
	return checkFields(needGroupCaller(c), checkID("groupID", a.GroupID), checkID("userID", a.UserID))
}

func (a *MuteMember) refuse(o *op) error {
	_, err := o.mayMute(a.GroupID, a.UserID)
	return err
}

func (a *MemberRef) refuse(o *op) error {
	_, err := o.mayMute(a.GroupID, a.UserID)
	return err
}

// muteMember sets muteEndTime = now + seconds → 1512.
func muteMember(o *op, a *MuteMember) (any, error) {
	target, err := o.mayMute(a.GroupID, a.UserID)
	if err != nil {
		return nil, err
	}
	end := o.now + a.MutedSeconds*1000
	if err := store.SetMemberMute(o.ctx, o.tx, a.GroupID, a.UserID, end); err != nil {
		return nil, err
	}
	if err := o.memberChanged(a.GroupID, a.UserID); err != nil {
		return nil, err
	}
	target.MuteEndTime = end
	t, err := o.groupTip(a.GroupID)
	if err != nil {
		return nil, err
	}
	return nil, t.send(openim.GroupMemberMuted, &pb.GroupMemberMutedTips{Group: t.group, OpUser: t.opUser,
		OperationTime: o.now, MutedUser: target, MutedSeconds: uint32(a.MutedSeconds),
		GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}, true)
}

func cancelMuteMember(o *op, a *MemberRef) (any, error) {
	if _, err := o.mayMute(a.GroupID, a.UserID); err != nil {
		return nil, err
	}
	return nil, o.unmute(a.GroupID, a.UserID)
}

// mayMute applies upstream's mute rules: the owner is never muted; an admin only by the owner; an
// ordinary member by the owner or an admin; app admins mute anyone but the owner.
func (o *op) mayMute(groupID, userID string) (*pb.GroupMemberFullInfo, error) {
	if _, err := o.liveGroup(groupID); err != nil {
		return nil, err
	}
	target, err := o.member(groupID, userID)
	if err != nil {
		return nil, err
	}
	if target == nil {
		return nil, openim.ErrRecordNotFound.With("%s is not in group %s", userID, groupID)
	}
	if target.RoleLevel == openim.RoleOwner {
		return nil, openim.ErrNoPermission.With("the owner of group %s cannot be muted", groupID)
	}
	opMember, err := o.callerMember(groupID)
	if err != nil || o.caller.Admin() {
		return target, err
	}
	if target.RoleLevel == openim.RoleAdmin && opMember.RoleLevel != openim.RoleOwner {
		return nil, openim.ErrNoPermission.With("only the owner mutes an admin")
	}
	if opMember.RoleLevel < openim.RoleAdmin {
		return nil, openim.ErrNoPermission.With("only the owner or an admin mutes members")
	}
	return target, nil
}

// unmute clears a member's mute → 1513.
func (o *op) unmute(groupID, userID string) error {
	if err := store.SetMemberMute(o.ctx, o.tx, groupID, userID, 0); err != nil {
		return err
	}
	if err := o.memberChanged(groupID, userID); err != nil {
		return err
	}
	t, target, err := o.memberTip(groupID, userID)
	if err != nil {
		return err
	}
	return t.send(openim.GroupMemberCancelMuted, &pb.GroupMemberCancelMutedTips{Group: t.group, OpUser: t.opUser,
		OperationTime: o.now, MutedUser: target, GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}, true)
}

// ---------------------------------------------------------------------------------------------
// set_group_member_info

// MemberPatch is one entry of set_group_member_info: absent fields stay as they are.
type MemberPatch struct {
	GroupID   string  `json:"groupID"`
	UserID    string  `json:"userID"`
	Nickname  *string `json:"nickname"`
	FaceURL   *string `json:"faceURL"`
	RoleLevel *int32  `json:"roleLevel"`
	Ex        *string `json:"ex"`
}

// SetMemberInfo is /group/set_group_member_info.
type SetMemberInfo struct {
	Members []MemberPatch `json:"members"`
}

// Check: 1..MaxBatch entries, no member twice; roleLevel 100 → 1002, other than 60/20 → 1001.
func (a *SetMemberInfo) Check(c Caller) error {
	if err := needGroupCaller(c); err != nil {
		return err
	}
	if len(a.Members) == 0 || len(a.Members) > openim.MaxBatch {
		return openim.ErrArgs.With("members must list 1..%d entries", openim.MaxBatch)
	}
	seen := make(map[[2]string]bool, len(a.Members))
	for _, m := range a.Members {
		if err := checkFields(checkID("groupID", m.GroupID), checkID("userID", m.UserID)); err != nil {
			return err
		}
		key := [2]string{m.GroupID, m.UserID}
		if seen[key] {
			return openim.ErrArgs.With("member %s of group %s is listed twice", m.UserID, m.GroupID)
		}
		seen[key] = true
		if m.RoleLevel != nil {
			switch *m.RoleLevel {
			case openim.RoleOwner:
				return openim.ErrNoPermission.With("roleLevel %d is set by transfer_group only", openim.RoleOwner)
			case openim.RoleAdmin, openim.RoleMember:
			default:
				return openim.ErrArgs.With("roleLevel %d: use %d or %d", *m.RoleLevel, openim.RoleAdmin, openim.RoleMember)
			}
		}
		var errs []error
		if m.Nickname != nil {
			errs = append(errs, checkLine("nickname", *m.Nickname, openim.MaxNameLen))
		}
		if m.FaceURL != nil {
			errs = append(errs, checkURL("faceURL", *m.FaceURL, openim.MaxURLLen))
		}
		if m.Ex != nil {
			errs = append(errs, checkEx("ex", *m.Ex, openim.MaxExLen))
		}
		if err := checkFields(errs...); err != nil {
			return err
		}
	}
	return nil
}

// setMemberInfo checks every entry first, group by group (upstream's rules: the owner edits
// anyone but not their own role; an admin neither the owner nor other admins; an ordinary member
// only themselves and never raises their role; app admins anyone; every target must be a member,
// 1001), then writes each and notifies per entry: role 60 → 1517, role 20 → 1518, nickname, face
// or ex → 1516.
func setMemberInfo(o *op, a *SetMemberInfo) (any, error) {
	if err := a.refuse(o); err != nil {
		return nil, err
	}
	for _, p := range a.Members {
		nick, face, ex, err := store.MemberOwnProfile(o.ctx, o.tx, p.GroupID, p.UserID)
		if err != nil {
			return nil, err
		}
		m, err := o.member(p.GroupID, p.UserID)
		if err != nil {
			return nil, err
		}
		set(&nick, p.Nickname)
		set(&face, p.FaceURL)
		set(&ex, p.Ex)
		set(&m.RoleLevel, p.RoleLevel)
		if err := store.UpdateMember(o.ctx, o.tx, p.GroupID, p.UserID, m.RoleLevel, nick, face, ex, m.MuteEndTime); err != nil {
			return nil, err
		}
		if err := o.memberChanged(p.GroupID, p.UserID); err != nil {
			return nil, err
		}
		if p.RoleLevel != nil {
			ct := openim.GroupMemberSetToAdmin
			if *p.RoleLevel == openim.RoleMember {
				ct = openim.GroupMemberSetToOrdinaryUser
			}
			if err := o.memberInfoSet(ct, p.GroupID, p.UserID); err != nil {
				return nil, err
			}
		}
		if p.Nickname != nil || p.FaceURL != nil || p.Ex != nil {
			if err := o.memberInfoSet(openim.GroupMemberInfoSet, p.GroupID, p.UserID); err != nil {
				return nil, err
			}
		}
	}
	return nil, nil
}

func (a *SetMemberInfo) refuse(o *op) error {
	for _, gid := range patchGroups(a.Members) {
		if err := o.maySetMembers(gid, a.Members); err != nil {
			return err
		}
	}
	return nil
}

// patchGroups lists the groups of the entries in first-appearance order.
func patchGroups(patches []MemberPatch) []string {
	ids := make([]string, 0, 1)
	for _, p := range patches {
		ids = append(ids, p.GroupID)
	}
	return dedupe(ids)
}

// maySetMembers checks the entries of one group.
func (o *op) maySetMembers(groupID string, patches []MemberPatch) error {
	if _, err := o.liveGroup(groupID); err != nil {
		return err
	}
	var targets []string
	var self *MemberPatch
	for i, p := range patches {
		if p.GroupID != groupID {
			continue
		}
		targets = append(targets, p.UserID)
		if p.UserID == o.caller.UserID {
			self = &patches[i]
		}
	}
	members, err := store.GetMembers(o.ctx, o.tx, groupID, targets)
	if err != nil {
		return err
	}
	if len(members) != len(targets) {
		return openim.ErrArgs.With("%s is not in group %s", firstNonMember(targets, members), groupID)
	}
	opMember, err := o.callerMember(groupID)
	if err != nil || o.caller.Admin() {
		return err
	}
	for _, m := range members {
		switch opMember.RoleLevel {
		case openim.RoleOwner:
		case openim.RoleAdmin:
			if m.RoleLevel == openim.RoleOwner {
				return openim.ErrNoPermission.With("an admin cannot change the owner")
			}
			if m.RoleLevel == openim.RoleAdmin && m.UserID != o.caller.UserID {
				return openim.ErrNoPermission.With("an admin cannot change another admin")
			}
		default:
			if m.UserID != o.caller.UserID {
				return openim.ErrNoPermission.With("a member changes only their own group profile")
			}
		}
	}
	if self != nil && self.RoleLevel != nil {
		if *self.RoleLevel > opMember.RoleLevel {
			return openim.ErrNoPermission.With("you cannot raise your own role")
		}
		if opMember.RoleLevel == openim.RoleOwner {
			return openim.ErrArgs.With("the owner cannot change their own role: transfer the group")
		}
	}
	return nil
}

// memberInfoSet sends a GroupMemberInfoSetTips (1516, 1517 or 1518) about userID to the group.
func (o *op) memberInfoSet(contentType int32, groupID, userID string) error {
	t, changed, err := o.memberTip(groupID, userID)
	if err != nil {
		return err
	}
	return t.send(contentType, &pb.GroupMemberInfoSetTips{Group: t.group, OpUser: t.opUser, OperationTime: o.now,
		ChangedUser: changed, GroupMemberVersion: t.head.Version, GroupMemberVersionID: t.head.ID}, false)
}

// groupProfileChanged follows a user's new nickname or face into every group where the member
// shows the profile (no group nickname or no group face of their own): the member's version is
// bumped and the group gets 1516, as upstream's NotificationUserInfoUpdate does.
func (o *op) groupProfileChanged(userID string) error {
	memberships, err := store.Memberships(o.ctx, o.tx, userID)
	if err != nil {
		return err
	}
	for _, m := range memberships {
		nick, face, _, err := store.MemberOwnProfile(o.ctx, o.tx, m.GroupID, userID)
		if err != nil {
			return err
		}
		if nick != "" && face != "" {
			continue
		}
		if err := o.memberChanged(m.GroupID, userID); err != nil {
			return err
		}
		if err := o.memberInfoSet(openim.GroupMemberInfoSet, m.GroupID, userID); err != nil {
			return err
		}
	}
	return nil
}
