package im

import (
	"bytes"
	"context"
	"encoding/json"

	"lanim/node/openim"
	"lanim/node/store"
)

// User commands (process_user_command_*): a user's own small items, such as the apps' favourites,
// each named by (type, uuid), kept in the replicated state and announced to the user's own devices
// (1305 add, 1306 delete, 1307 update) so each of them syncs.

// Limits of the user-command area.
const (
	MaxUserCommands = 1000 // items per user
	MaxUUIDLen      = 128  // uuid, bytes
)

// OptString is an optional string that the official core sends as a protobuf wrapper,
// {"value": "x"}; a plain "x" is taken too. Absent or null: not given. It is written back plain.
type OptString struct{ s *string }

// Str is an OptString holding s.
func Str(s string) OptString { return OptString{s: &s} }

// Get returns the string and whether it was given.
func (o OptString) Get() (string, bool) {
	if o.s == nil {
		return "", false
	}
	return *o.s, true
}

func (o *OptString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		o.s = nil
		return nil
	case len(b) > 0 && b[0] == '{':
		var w struct {
			Value *string `json:"value"`
		}
		if err := json.Unmarshal(b, &w); err != nil {
			return err
		}
		if w.Value == nil {
			w.Value = new(string) // {} is the wrapper of ""
		}
		o.s = w.Value
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	o.s = &s
	return nil
}

func (o OptString) MarshalJSON() ([]byte, error) { return json.Marshal(o.s) }

// UserCommandRef names one item: /user/process_user_command_delete.
type UserCommandRef struct {
	UserID string `json:"userID"`
	Type   int32  `json:"type"`
	UUID   string `json:"uuid"`
}

// Check: self or admin; a one-line uuid of at most MaxUUIDLen bytes.
func (a *UserCommandRef) Check(c Caller) error {
	return checkFields(checkID("userID", a.UserID), c.Access(a.UserID), nonEmpty("uuid", a.UUID),
		checkURL("uuid", a.UUID, MaxUUIDLen))
}

// UserCommandSet is /user/process_user_command_add and _update: on update, a value or ex that is
// not given stays as it is.
type UserCommandSet struct {
	UserCommandRef
	Value OptString `json:"value"`
	Ex    OptString `json:"ex"`
}

// Check: the reference's rules; value and ex within MaxExLen bytes, under the text rule.
func (a *UserCommandSet) Check(c Caller) error {
	value, _ := a.Value.Get()
	ex, _ := a.Ex.Get()
	return checkFields(a.UserCommandRef.Check(c), checkEx("value", value, openim.MaxExLen), checkEx("ex", ex, openim.MaxExLen))
}

func userCommandHandlers() map[string]handler {
	return map[string]handler{
		"user.command_add":    args(addUserCommand),
		"user.command_update": args(updateUserCommand),
		"user.command_delete": args(deleteUserCommand),
	}
}

// addUserCommand: the user exists (1004), has fewer than MaxUserCommands items (1001) and no item
// of that type and uuid (1003). → 1305 to the user.
func addUserCommand(o *op, a *UserCommandSet) (any, error) {
	if err := o.requireUsers(a.UserID); err != nil {
		return nil, err
	}
	n, err := store.CountUserCommands(o.ctx, o.tx, a.UserID)
	if err != nil {
		return nil, err
	}
	if n >= MaxUserCommands {
		return nil, openim.ErrArgs.With("%s has %d command items, at most %d", a.UserID, n, MaxUserCommands)
	}
	value, _ := a.Value.Get()
	ex, _ := a.Ex.Get()
	added, err := store.InsertUserCommand(o.ctx, o.tx, a.UserID, &store.UserCommand{Type: a.Type, UUID: a.UUID,
		Value: value, Ex: ex, CreateTime: o.nowSeconds()})
	if err != nil {
		return nil, err
	}
	if !added {
		return nil, openim.ErrDuplicateKey.With("%s already has item %s of type %d", a.UserID, a.UUID, a.Type)
	}
	return nil, o.userCommandNote(openim.UserCommandAdd, a.UserID)
}

// updateUserCommand: value or ex must be given (1001); the item must exist (1004). → 1307.
func updateUserCommand(o *op, a *UserCommandSet) (any, error) {
	if a.Value.s == nil && a.Ex.s == nil {
		return nil, openim.ErrArgs.With("nothing to update: give value or ex")
	}
	found, err := store.UpdateUserCommand(o.ctx, o.tx, a.UserID, a.Type, a.UUID, a.Value.s, a.Ex.s)
	return nil, o.userCommandChanged(openim.UserCommandUpdate, &a.UserCommandRef, found, err)
}

// deleteUserCommand: the item must exist (1004). → 1306.
func deleteUserCommand(o *op, a *UserCommandRef) (any, error) {
	found, err := store.DeleteUserCommand(o.ctx, o.tx, a.UserID, a.Type, a.UUID)
	return nil, o.userCommandChanged(openim.UserCommandDelete, a, found, err)
}

// userCommandChanged ends an update or delete: 1004 when the item was not there, else the
// notification.
func (o *op) userCommandChanged(contentType int32, a *UserCommandRef, found bool, err error) error {
	if err != nil {
		return err
	}
	if !found {
		return openim.ErrRecordNotFound.With("%s has no item %s of type %d", a.UserID, a.UUID, a.Type)
	}
	return o.userCommandNote(contentType, a.UserID)
}

// userCommandTips is upstream's UserCommandAddTips, DeleteTips and UpdateTips alike: whose items
// changed; the devices then fetch them with get_all.
type userCommandTips struct {
	FromUserID string `json:"fromUserID"`
	ToUserID   string `json:"toUserID"`
}

func (o *op) userCommandNote(contentType int32, userID string) error {
	return o.notify(note{contentType: contentType, sendID: userID, recvID: userID, to: []string{userID},
		tips: &userCommandTips{FromUserID: userID, ToUserID: userID}})
}

// UserCommands is process_user_command_get_all: the user's items, oldest first (self or admin).
func UserCommands(ctx context.Context, q store.Q, caller Caller, userID string) ([]*store.UserCommand, error) {
	if err := checkFields(checkID("userID", userID), caller.Access(userID)); err != nil {
		return nil, err
	}
	return store.UserCommands(ctx, q, userID)
}
