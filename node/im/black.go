package im

import (
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// AddBlack is /friend/add_black. Blocking leaves the friendship as it is, as upstream does.
type AddBlack struct {
	OwnerUserID string `json:"ownerUserID"`
	BlackUserID string `json:"blackUserID"`
	Ex          string `json:"ex"`
}

// Check: self(owner); not oneself; ex within limits.
func (a *AddBlack) Check(c Caller) error {
	if err := checkFields(checkID("ownerUserID", a.OwnerUserID), checkID("blackUserID", a.BlackUserID), c.Access(a.OwnerUserID)); err != nil {
		return err
	}
	if a.OwnerUserID == a.BlackUserID {
		return openim.ErrArgs.With("%s cannot block themselves", a.OwnerUserID)
	}
	return checkEx("ex", a.Ex, openim.MaxExLen)
}

// RemoveBlack is /friend/remove_black.
type RemoveBlack struct {
	OwnerUserID string `json:"ownerUserID"`
	BlackUserID string `json:"blackUserID"`
}

// Check: self(owner).
func (a *RemoveBlack) Check(c Caller) error {
	return checkFields(checkID("ownerUserID", a.OwnerUserID), checkID("blackUserID", a.BlackUserID), c.Access(a.OwnerUserID))
}

// addBlack adds the entry; blocking someone already blocked is 1003 DuplicateKeyError (upstream
// lets its unique index surface as a 500, which says nothing to the client).
//
// 1207 goes to the owner's devices only, in the owner's own stream: the seed describes it as the
// owner's multi-device sync, and telling the blocked user (upstream's senderSync) would reveal the
// block to them. The JS SDK acts on tips.fromToUserID alone, so nothing else changes for it.
func addBlack(o *op, a *AddBlack) (any, error) {
	if err := o.requireUsers(a.OwnerUserID, a.BlackUserID); err != nil {
		return nil, err
	}
	added, err := store.InsertBlack(o.ctx, o.tx, &store.Black{OwnerID: a.OwnerUserID, BlackID: a.BlackUserID,
		CreateTime: o.nowSeconds(), OperatorID: o.caller.UserID, Ex: a.Ex})
	if err != nil {
		return nil, err
	}
	if !added {
		return nil, openim.ErrDuplicateKey.With("%s is already in %s's black list", a.BlackUserID, a.OwnerUserID)
	}
	return nil, o.notify(note{contentType: openim.BlackAdded, sendID: a.OwnerUserID, recvID: a.OwnerUserID,
		tips: &pb.BlackAddedTips{FromToUserID: fromTo(a.OwnerUserID, a.BlackUserID)}, to: []string{a.OwnerUserID}})
}

// removeBlack drops the entry; removing someone not blocked succeeds and changes nothing. 1208
// goes to the owner's devices only, for the reason given at addBlack.
func removeBlack(o *op, a *RemoveBlack) (any, error) {
	removed, err := store.DeleteBlack(o.ctx, o.tx, a.OwnerUserID, a.BlackUserID)
	if err != nil || !removed {
		return nil, err
	}
	return nil, o.notify(note{contentType: openim.BlackDeleted, sendID: a.OwnerUserID, recvID: a.OwnerUserID,
		tips: &pb.BlackDeletedTips{FromToUserID: fromTo(a.OwnerUserID, a.BlackUserID)}, to: []string{a.OwnerUserID}})
}
