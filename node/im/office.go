package im

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// Office is the office-wide settings, made once by the first command of a new office and
// replicated to every node that joins it.
type Office struct {
	OfficeID        string `json:"officeID"`
	Name            string `json:"name"`
	JWTKey          []byte `json:"jwtKey"`          // HS256 key of every token in the office
	AdminSecretHash string `json:"adminSecretHash"` // bcrypt of the admin secret (get_admin_token)
	CreateTime      int64  `json:"createTime"`
	// RequireFriendship makes single chats need a friendship (OpenIM's NotPeersFriend otherwise).
	// Off by default: colleagues message each other. omitempty keeps older offices' state as it was.
	RequireFriendship bool `json:"requireFriendship,omitempty"`
}

// CreateOffice is the first command of an office's log.
type CreateOffice struct {
	Office
}

// Check requires the node itself to propose it, with a key and a secret hash.
func (a *CreateOffice) Check(c Caller) error {
	if c.UserID != "" {
		return openim.ErrNoPermission.With("only a node creates an office")
	}
	if a.OfficeID == "" || len(a.JWTKey) < 32 || a.AdminSecretHash == "" {
		return openim.ErrArgs.With("office needs an ID, a 32-byte key and an admin secret")
	}
	return checkLine("name", a.Name, openim.MaxNameLen)
}

func officeHandlers() map[string]handler {
	return map[string]handler{
		"office.create":   args(createOffice),
		"office.rename":   args(renameOffice),
		"office.setAdmin": args(setOfficeAdmin),
		"office.chatRule": args(setChatRule),
	}
}

func createOffice(o *op, a *CreateOffice) (any, error) {
	if _, ok, err := store.GetMeta(o.ctx, o.tx, store.MetaOffice); err != nil || ok {
		if ok {
			return nil, openim.ErrArgs.With("the office already exists")
		}
		return nil, err
	}
	a.CreateTime = o.now
	b, err := json.Marshal(a.Office)
	if err != nil {
		return nil, err
	}
	if err := store.SetMeta(o.ctx, o.tx, store.MetaOffice, b); err != nil {
		return nil, err
	}
	admin := &pb.UserInfo{UserID: openim.AdminUserID, Nickname: "superAdmin", CreateTime: o.now, AppMangerLevel: 2}
	return nil, store.InsertUser(o.ctx, o.tx, admin)
}

// LoadOffice reads the office settings; nil when the office's first command has not been applied.
func LoadOffice(ctx context.Context, q store.Q) (*Office, error) {
	b, ok, err := store.GetMeta(ctx, q, store.MetaOffice)
	if err != nil || !ok {
		return nil, err
	}
	var off Office
	if err := json.Unmarshal(b, &off); err != nil {
		return nil, fmt.Errorf("decode office: %w", err)
	}
	return &off, nil
}

// checkOfficeName: not blank, at most MaxOfficeNameLen characters once trimmed, one line.
func checkOfficeName(name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return openim.ErrArgs.With("officeName is required")
	}
	return checkLine("officeName", name, openim.MaxOfficeNameLen)
}

// MayRunOffice reports whether userID may make office-level changes (invite a computer, make this
// node leave, rename the office, grant the office admin role): imAdmin, or an office admin.
func MayRunOffice(ctx context.Context, q store.Q, userID string) (bool, error) {
	if openim.IsAdmin(userID) {
		return true, nil
	}
	if userID == "" {
		return false, nil
	}
	return store.IsOfficeAdmin(ctx, q, userID)
}

// requireOfficeAdmin refuses a caller who may not run the office.
func (o *op) requireOfficeAdmin(what string) error {
	return RequireOfficeAdmin(o.ctx, o.tx, o.caller.UserID, what)
}

// RequireOfficeAdmin refuses (1002) a user who may not run the office; what says what they ask to
// do. The API checks it before the calls that change the office outside the log (invite, leave).
func RequireOfficeAdmin(ctx context.Context, q store.Q, userID, what string) error {
	ok, err := MayRunOffice(ctx, q, userID)
	if err != nil {
		return err
	}
	if !ok {
		return openim.ErrNoPermission.With("only an office admin may %s", what)
	}
	return nil
}

// RenameOffice is /cluster/set_office_name.
type RenameOffice struct {
	OfficeName string `json:"officeName"`
}

// Check: a user asks (the role is checked against the state), with a valid name.
func (a *RenameOffice) Check(c Caller) error {
	if c.UserID == "" {
		return openim.ErrNoPermission.With("an office admin renames the office")
	}
	return checkOfficeName(a.OfficeName)
}

func (a *RenameOffice) refuse(o *op) error {
	_, err := a.decide(o)
	return err
}

// decide applies rename's rules (an office admin asks, the office exists) and returns the office.
func (a *RenameOffice) decide(o *op) (*Office, error) {
	return decideOffice(o, "rename the office")
}

// decideOffice applies the rules of an office setting's change: an office admin asks, the office
// exists. It returns the office to change.
func decideOffice(o *op, what string) (*Office, error) {
	if err := o.requireOfficeAdmin(what); err != nil {
		return nil, err
	}
	off, err := LoadOffice(o.ctx, o.tx)
	if err != nil {
		return nil, err
	}
	if off == nil {
		return nil, openim.ErrRecordNotFound.With("the office is not created yet")
	}
	return off, nil
}

func renameOffice(o *op, a *RenameOffice) (any, error) {
	off, err := a.decide(o)
	if err != nil {
		return nil, err
	}
	off.Name = strings.TrimSpace(a.OfficeName)
	return nil, saveOffice(o, off)
}

// saveOffice writes the office's settings back.
func saveOffice(o *op, off *Office) error {
	b, err := json.Marshal(off)
	if err != nil {
		return fmt.Errorf("encode office: %w", err)
	}
	return store.SetMeta(o.ctx, o.tx, store.MetaOffice, b)
}

// SetOfficeAdmin is /cluster/set_office_admin: grant (officeAdmin true) or revoke the role.
type SetOfficeAdmin struct {
	UserID      string `json:"userID"`
	OfficeAdmin bool   `json:"officeAdmin"`
}

// Check: a user asks, about a valid user ID other than imAdmin (who needs no role).
func (a *SetOfficeAdmin) Check(c Caller) error {
	if c.UserID == "" {
		return openim.ErrNoPermission.With("an office admin grants the role")
	}
	if err := checkID("userID", a.UserID); err != nil {
		return err
	}
	if openim.IsAdmin(a.UserID) {
		return openim.ErrArgs.With("%s runs the office without the role", openim.AdminUserID)
	}
	return nil
}

// setOfficeAdmin grants or revokes the role. The office keeps at least one office admin once it
// has had one, so someone can always invite a computer without the admin secret.
func setOfficeAdmin(o *op, a *SetOfficeAdmin) (any, error) {
	if err := a.refuse(o); err != nil {
		return nil, err
	}
	if a.OfficeAdmin {
		return nil, store.AddOfficeAdmin(o.ctx, o.tx, a.UserID, o.caller.UserID, o.now)
	}
	return nil, store.RemoveOfficeAdmin(o.ctx, o.tx, a.UserID)
}

func (a *SetOfficeAdmin) refuse(o *op) error {
	if err := o.requireOfficeAdmin("grant or revoke the office admin role"); err != nil {
		return err
	}
	if _, err := o.user(a.UserID); err != nil {
		return err
	}
	if a.OfficeAdmin {
		return nil
	}
	admins, err := store.OfficeAdmins(o.ctx, o.tx)
	if err != nil {
		return err
	}
	if len(admins) == 1 && admins[0] == a.UserID {
		return openim.ErrArgs.With("%s is the last office admin: grant the role to someone else first", a.UserID)
	}
	return nil
}

// SetChatRule is /cluster/set_require_friendship: whether a single chat needs a friendship.
type SetChatRule struct {
	RequireFriendship bool `json:"requireFriendship"`
}

// Check: a user asks (the role is checked against the state).
func (a *SetChatRule) Check(c Caller) error {
	if c.UserID == "" {
		return openim.ErrNoPermission.With("an office admin sets whether chats need a friendship")
	}
	return nil
}

func (a *SetChatRule) refuse(o *op) error {
	_, err := a.decide(o)
	return err
}

func (a *SetChatRule) decide(o *op) (*Office, error) {
	return decideOffice(o, "set whether chats need a friendship")
}

func setChatRule(o *op, a *SetChatRule) (any, error) {
	off, err := a.decide(o)
	if err != nil {
		return nil, err
	}
	off.RequireFriendship = a.RequireFriendship
	return nil, saveOffice(o, off)
}

// needsFriendship reports whether the office refuses single messages between non-friends. Every
// send asks: it decodes that one field, not the office's key and secret.
func needsFriendship(ctx context.Context, q store.Q) (bool, error) {
	b, ok, err := store.GetMeta(ctx, q, store.MetaOffice)
	if err != nil || !ok {
		return false, err
	}
	var off struct {
		RequireFriendship bool `json:"requireFriendship"`
	}
	if err := json.Unmarshal(b, &off); err != nil {
		return false, fmt.Errorf("decode office: %w", err)
	}
	return off.RequireFriendship, nil
}
