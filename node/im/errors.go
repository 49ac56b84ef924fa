package im

import (
	"lanim/node/openim"
	"lanim/node/store"
)

// errDiskFullDetail is the one text of a full disk: no path, as clients see it.
const errDiskFullDetail = "the disk that holds this computer's LanIM data is full: free some space; writes work again by themselves"

// InternalDetail is the errDlt of every ServerInternalError a client sees.
const InternalDetail = "internal error: the node's log has the details"

// DiskFull is the error a write gets while the data's disk is full.
func DiskFull() *openim.Error { return openim.ErrDiskFull.With(errDiskFullDetail) }

// Public is err as a client may see it: an OpenIM error as it is, a full disk as ErrDiskFull, and
// anything else (a ServerInternalError, whose text may hold file paths and internals) as
// ServerInternalError with a generic detail. internal reports the last case: the caller logs err.
func Public(err error) (e *openim.Error, internal bool) {
	if store.IsDiskFull(err) {
		return DiskFull(), false
	}
	e = openim.AsError(err)
	if e.Code != openim.ErrInternal.Code {
		return e, false
	}
	return openim.ErrInternal.With(InternalDetail), true
}

// ApplyError is a command's failure as the FSM records it. A full disk is ErrDiskFull, never a
// rule's verdict: the FSM applies the command again once there is space, since on a node with
// space it succeeds.
func ApplyError(err error) *openim.Error {
	if store.IsDiskFull(err) {
		return DiskFull()
	}
	return openim.AsError(err)
}
