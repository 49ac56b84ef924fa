package im

import (
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Joining a group: a direct join, an application (and an ordinary member's invitation in a group
// where every join needs approval), and the manager's answer to it.

// Receivers of 1505/1506 (GroupApplicationAcceptedTips.receiverAs).
const (
	receiverApplicant int32 = 0
	receiverManager   int32 = 1
)

// JoinGroup is /group/join_group. As upstream, inviterUserID names the applicant (the JS SDK sends
// the signed-in user); empty means the caller.
type JoinGroup struct {
	GroupID       string `json:"groupID"`
	ReqMessage    string `json:"reqMessage"`
	JoinSource    int32  `json:"joinSource"`
	InviterUserID string `json:"inviterUserID"`
	Ex            string `json:"ex"`
}

// applicant is who joins.
func (a *JoinGroup) applicant(c Caller) string { return idOrDefault(a.InviterUserID, c.UserID) }

// Check: a group ID, joinSource 1..4, limits; the applicant is the caller or the caller is an
// admin. Upstream does not check the applicant at all, which lets anyone join anyone to an open
// group; LanIM closes that.
func (a *JoinGroup) Check(c Caller) error {
	if err := checkFields(needGroupCaller(c), checkID("groupID", a.GroupID),
		checkRange("joinSource", a.JoinSource, openim.JoinByAdmin, openim.JoinByQRCode),
		checkText("reqMessage", a.ReqMessage, openim.MaxTextLen), checkEx("ex", a.Ex, openim.MaxExLen)); err != nil {
		return err
	}
	if a.InviterUserID != "" {
		if err := checkID("inviterUserID", a.InviterUserID); err != nil {
			return err
		}
	}
	return c.Access(a.applicant(c))
}

// joinGroup: not dismissed (1204); the applicant exists (1004) and is not a member (1001). In an
// open group (needVerification 2) the applicant joins at once → 1510; otherwise the request
// replaces any earlier one → 1503.
func joinGroup(o *op, a *JoinGroup) (any, error) {
	userID := a.applicant(o.caller)
	u, err := store.GetUser(o.ctx, o.tx, userID)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, openim.ErrRecordNotFound.With("user %s not found", userID)
	}
	g, err := o.liveGroup(a.GroupID)
	if err != nil {
		return nil, err
	}
	m, err := o.member(a.GroupID, userID)
	if err != nil {
		return nil, err
	}
	if m != nil {
		return nil, openim.ErrArgs.With("%s is already in group %s", userID, a.GroupID)
	}
	if g.NeedVerification == openim.VerifyNone {
		if err := o.addMember(&pb.GroupMemberFullInfo{GroupID: a.GroupID, UserID: userID, RoleLevel: openim.RoleMember,
			JoinTime: o.now, JoinSource: a.JoinSource, OperatorUserID: o.caller.UserID, InviterUserID: userID}); err != nil {
			return nil, err
		}
		return nil, o.memberEntered(a.GroupID, userID)
	}
	return nil, o.applyToGroup(g, &store.GroupRequest{GroupID: a.GroupID, UserID: userID, ReqMsg: a.ReqMessage,
		ReqTime: o.now, Ex: a.Ex, JoinSource: a.JoinSource})
}

// applyToGroup stores a pending request and sends 1503 to each manager, the inviter (or the
// applicant) and the caller. The tips' applicant is who asked: the inviter of an invitation.
func (o *op) applyToGroup(g *pb.GroupInfo, r *store.GroupRequest) error {
	if err := store.PutGroupRequest(o.ctx, o.tx, r); err != nil {
		return err
	}
	request, err := o.groupRequest(r, nil)
	if err != nil {
		return err
	}
	asker := idOrDefault(r.InviterUserID, r.UserID)
	applicant, err := o.publicUser(asker)
	if err != nil {
		return err
	}
	managers, err := store.ManagerIDs(o.ctx, o.tx, g.GroupID)
	if err != nil {
		return err
	}
	tips := &pb.JoinGroupApplicationTips{Group: g, Applicant: applicant, ReqMsg: r.ReqMsg, Uuid: o.newID(), Request: request}
	return o.userNotes(openim.JoinGroupApplication, append(managers, asker, o.caller.UserID), func(string) any { return tips })
}

// publicUser is a user's public profile (empty but for the ID when the user is gone).
func (o *op) publicUser(userID string) (*pb.PublicUserInfo, error) {
	u, err := store.GetUser(o.ctx, o.tx, userID)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return &pb.PublicUserInfo{UserID: userID}, nil
	}
	return &pb.PublicUserInfo{UserID: u.UserID, Nickname: u.Nickname, FaceURL: u.FaceURL, Ex: u.Ex}, nil
}

// groupRequest is a stored request as the wire shows it; g is nil inside tips.
func (o *op) groupRequest(r *store.GroupRequest, g *pb.GroupInfo) (*pb.GroupRequest, error) {
	u, err := o.publicUser(r.UserID)
	if err != nil {
		return nil, err
	}
	return GroupRequestInfo(r, u, g), nil
}

// GroupRequestInfo builds the wire GroupRequest.
func GroupRequestInfo(r *store.GroupRequest, u *pb.PublicUserInfo, g *pb.GroupInfo) *pb.GroupRequest {
	return &pb.GroupRequest{UserInfo: u, GroupInfo: g, HandleResult: r.HandleResult, ReqMsg: r.ReqMsg,
		HandleMsg: r.HandleMsg, ReqTime: r.ReqTime, HandleUserID: r.HandleUserID, HandleTime: r.HandleTime, Ex: r.Ex,
		JoinSource: r.JoinSource, InviterUserID: r.InviterUserID}
}

// ApplicationResponse is /group/group_application_response.
type ApplicationResponse struct {
	GroupID      string `json:"groupID"`
	FromUserID   string `json:"fromUserID"`
	HandledMsg   string `json:"handledMsg"`
	HandleResult int32  `json:"handleResult"`
}

// Check: IDs, handleResult 1 or -1.
func (a *ApplicationResponse) Check(c Caller) error {
	if err := checkFields(needGroupCaller(c), checkID("groupID", a.GroupID), checkID("fromUserID", a.FromUserID),
		checkText("handledMsg", a.HandledMsg, openim.MaxTextLen)); err != nil {
		return err
	}
	if a.HandleResult != openim.GroupRequestAgreed && a.HandleResult != openim.GroupRequestRefused {
		return openim.ErrArgs.With("handleResult must be %d or %d", openim.GroupRequestAgreed, openim.GroupRequestRefused)
	}
	return nil
}

// respondToApplication: managers only; the request must exist (1004) and be pending (1206); the
// applicant must exist (1004). Agree adds the applicant unless already in (joinSource and inviter
// from the request) → 1505 to each manager and the applicant, then 1510 (no inviter) or 1509.
// Refuse → 1506 to the same people.
func respondToApplication(o *op, a *ApplicationResponse) (any, error) {
	if _, err := o.requireManager(a.GroupID); err != nil {
		return nil, err
	}
	if _, err := o.liveGroup(a.GroupID); err != nil {
		return nil, err
	}
	r, err := store.GetGroupRequest(o.ctx, o.tx, a.GroupID, a.FromUserID)
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, openim.ErrRecordNotFound.With("no request from %s to group %s", a.FromUserID, a.GroupID)
	}
	if r.HandleResult != openim.GroupRequestPending {
		return nil, openim.ErrGroupRequestDone.With("the request from %s was already handled", a.FromUserID)
	}
	u, err := store.GetUser(o.ctx, o.tx, a.FromUserID)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, openim.ErrRecordNotFound.With("user %s not found", a.FromUserID)
	}
	in, err := o.member(a.GroupID, a.FromUserID)
	if err != nil {
		return nil, err
	}
	r.HandleResult, r.HandleMsg, r.HandleUserID, r.HandleTime = a.HandleResult, a.HandledMsg, o.caller.UserID, o.now
	if err := store.PutGroupRequest(o.ctx, o.tx, r); err != nil {
		return nil, err
	}
	joins := a.HandleResult == openim.GroupRequestAgreed && in == nil
	if joins {
		if err := o.addMember(&pb.GroupMemberFullInfo{GroupID: a.GroupID, UserID: a.FromUserID, RoleLevel: openim.RoleMember,
			JoinTime: o.now, JoinSource: r.JoinSource, OperatorUserID: o.caller.UserID,
			InviterUserID: r.InviterUserID}); err != nil {
			return nil, err
		}
	}
	if err := o.answerApplication(r); err != nil {
		return nil, err
	}
	if !joins {
		return nil, nil
	}
	if r.InviterUserID == "" {
		return nil, o.memberEntered(a.GroupID, a.FromUserID)
	}
	return nil, o.membersInvited(a.GroupID, r.InviterUserID, []string{a.FromUserID}, true)
}

// answerApplication sends 1505 or 1506 to each manager (receiverAs 1) and the applicant (0).
func (o *op) answerApplication(r *store.GroupRequest) error {
	g, err := o.group(r.GroupID)
	if err != nil {
		return err
	}
	request, err := o.groupRequest(r, nil)
	if err != nil {
		return err
	}
	opUser, err := o.asMember(r.GroupID, o.caller.UserID)
	if err != nil {
		return err
	}
	managers, err := store.ManagerIDs(o.ctx, o.tx, r.GroupID)
	if err != nil {
		return err
	}
	uuid := o.newID()
	receiverAs := func(uid string) int32 {
		if uid == r.UserID {
			return receiverApplicant
		}
		return receiverManager
	}
	if r.HandleResult == openim.GroupRequestAgreed {
		return o.userNotes(openim.GroupApplicationAccepted, append(managers, r.UserID), func(uid string) any {
			return &pb.GroupApplicationAcceptedTips{Group: g, OpUser: opUser, HandleMsg: r.HandleMsg,
				ReceiverAs: receiverAs(uid), Uuid: uuid, Request: request}
		})
	}
	return o.userNotes(openim.GroupApplicationRejected, append(managers, r.UserID), func(uid string) any {
		return &pb.GroupApplicationRejectedTips{Group: g, OpUser: opUser, HandleMsg: r.HandleMsg,
			ReceiverAs: receiverAs(uid), Uuid: uuid, Request: request}
	})
}
