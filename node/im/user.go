package im

import (
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// NewUser is one user of a user_register request.
type NewUser struct {
	UserID           string `json:"userID"`
	Nickname         string `json:"nickname"`
	FaceURL          string `json:"faceURL"`
	Ex               string `json:"ex"`
	AppMangerLevel   int32  `json:"appMangerLevel"`
	GlobalRecvMsgOpt int32  `json:"globalRecvMsgOpt"`
}

func (u *NewUser) check() error {
	return checkFields(
		checkID("userID", u.UserID),
		nonEmpty("nickname", u.Nickname),
		checkLine("nickname", u.Nickname, openim.MaxNameLen),
		checkURL("faceURL", u.FaceURL, openim.MaxURLLen),
		checkEx("ex", u.Ex, openim.MaxExLen),
		checkRange("appMangerLevel", u.AppMangerLevel, 0, 4),
		checkRange("globalRecvMsgOpt", u.GlobalRecvMsgOpt, 0, 2),
	)
}

// RegisterUsers is /user/user_register.
type RegisterUsers struct {
	Users []NewUser `json:"users"`
}

// Check: admin only; users non-empty, valid, no duplicates.
func (a *RegisterUsers) Check(c Caller) error {
	if err := c.adminOnly("user_register"); err != nil {
		return err
	}
	ids := make([]string, len(a.Users))
	for i := range a.Users {
		if err := a.Users[i].check(); err != nil {
			return err
		}
		ids[i] = a.Users[i].UserID
	}
	return checkIDs("users", ids)
}

// UserPatch is the profile part of update_user_info(_ex): nil fields are left unchanged.
type UserPatch struct {
	UserID           string  `json:"userID"`
	Nickname         *string `json:"nickname"`
	FaceURL          *string `json:"faceURL"`
	Ex               *string `json:"ex"`
	AppMangerLevel   *int32  `json:"appMangerLevel"`
	GlobalRecvMsgOpt *int32  `json:"globalRecvMsgOpt"`
}

// UpdateUser is /user/update_user_info, /user/update_user_info_ex and
// /user/set_global_msg_recv_opt: the handler builds the patch from each request's shape.
type UpdateUser struct {
	UserInfo UserPatch `json:"userInfo"`
}

// Check: self or admin; only an admin changes appMangerLevel; values within limits.
func (a *UpdateUser) Check(c Caller) error {
	p := &a.UserInfo
	if err := checkFields(checkID("userID", p.UserID), c.Access(p.UserID)); err != nil {
		return err
	}
	if p.AppMangerLevel != nil && !c.Admin() {
		return openim.ErrNoPermission.With("only the admin sets appMangerLevel")
	}
	var errs []error
	if p.Nickname != nil {
		errs = append(errs, nonEmpty("nickname", *p.Nickname), checkLine("nickname", *p.Nickname, openim.MaxNameLen))
	}
	if p.FaceURL != nil {
		errs = append(errs, checkURL("faceURL", *p.FaceURL, openim.MaxURLLen))
	}
	if p.Ex != nil {
		errs = append(errs, checkEx("ex", *p.Ex, openim.MaxExLen))
	}
	if p.AppMangerLevel != nil {
		errs = append(errs, checkRange("appMangerLevel", *p.AppMangerLevel, 0, 4))
	}
	if p.GlobalRecvMsgOpt != nil {
		errs = append(errs, checkRange("globalRecvMsgOpt", *p.GlobalRecvMsgOpt, 0, 2))
	}
	return checkFields(errs...)
}

func userHandlers() map[string]handler {
	return map[string]handler{
		"user.register": args(registerUsers),
		"user.update":   args(updateUser),
	}
}

func registerUsers(o *op, a *RegisterUsers) (any, error) {
	ids := make([]string, len(a.Users))
	for i, u := range a.Users {
		ids[i] = u.UserID
	}
	existing, err := store.GetUsers(o.ctx, o.tx, ids)
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return nil, openim.ErrRegisteredAlready.With("user %s is already registered", existing[0].UserID)
	}
	for _, u := range a.Users {
		err := store.InsertUser(o.ctx, o.tx, &pb.UserInfo{UserID: u.UserID, Nickname: u.Nickname, FaceURL: u.FaceURL,
			Ex: u.Ex, CreateTime: o.now, AppMangerLevel: u.AppMangerLevel, GlobalRecvMsgOpt: u.GlobalRecvMsgOpt})
		if err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// user loads a user or fails with 1004.
func (o *op) user(userID string) (*pb.UserInfo, error) {
	u, err := store.GetUser(o.ctx, o.tx, userID)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, openim.ErrRecordNotFound.With("user %s", userID)
	}
	return u, nil
}

// updateUser writes the patch, then tells the user's devices (1303) and, when the name or face
// changed, every user who has them as a friend (1209, with a friend-list version bump).
func updateUser(o *op, a *UpdateUser) (any, error) {
	p := &a.UserInfo
	u, err := o.user(p.UserID)
	if err != nil {
		return nil, err
	}
	oldName, oldFace := u.Nickname, u.FaceURL
	set(&u.Nickname, p.Nickname)
	set(&u.FaceURL, p.FaceURL)
	set(&u.Ex, p.Ex)
	set(&u.AppMangerLevel, p.AppMangerLevel)
	set(&u.GlobalRecvMsgOpt, p.GlobalRecvMsgOpt)
	if err := store.UpdateUser(o.ctx, o.tx, u); err != nil {
		return nil, err
	}
	if err := o.notify(note{contentType: openim.UserInfoUpdated, sendID: o.caller.UserID, recvID: u.UserID,
		tips: &pb.UserInfoUpdatedTips{UserID: u.UserID}, to: pair(o.caller.UserID, u.UserID)}); err != nil {
		return nil, err
	}
	if oldName == u.Nickname && oldFace == u.FaceURL {
		return nil, nil
	}
	if err := o.groupProfileChanged(u.UserID); err != nil {
		return nil, err
	}
	return nil, o.profileChanged(u.UserID)
}

// profileChanged tells everyone who lists userID as a friend that its name or face changed.
func (o *op) profileChanged(userID string) error {
	owners, err := store.FriendOwners(o.ctx, o.tx, userID)
	if err != nil {
		return err
	}
	for _, owner := range owners {
		if _, err := o.bumpVersion(friendLog(owner), userID, store.VersionUpdate); err != nil {
			return err
		}
		if err := o.notify(note{contentType: openim.FriendInfoUpdated, sendID: userID, recvID: owner,
			tips: &pb.UserInfoUpdatedTips{UserID: userID}, to: []string{owner}}); err != nil {
			return err
		}
	}
	return nil
}

// set overwrites *dst with *v when v is present.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

func nonEmpty(field, s string) error {
	if s == "" {
		return openim.ErrArgs.With("%s is required", field)
	}
	return nil
}
