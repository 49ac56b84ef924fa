package im

import (
	"errors"
	"fmt"

	"lanim/node/store"
)

// Error is an OpenIM error: a numeric code, its short name (errMsg) and a detail (errDlt). Rule
// failures in the FSM are Errors, so every node reaches the same one for the same command.
type Error struct {
	Code   int    `json:"code"`
	Msg    string `json:"msg"`
	Detail string `json:"detail,omitempty"`
}

func (e *Error) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("%d %s", e.Code, e.Msg)
	}
	return fmt.Sprintf("%d %s: %s", e.Code, e.Msg, e.Detail)
}

// With returns a copy of e carrying a detail.
func (e *Error) With(format string, args ...any) *Error {
	return &Error{Code: e.Code, Msg: e.Msg, Detail: fmt.Sprintf(format, args...)}
}

// Is matches errors by code, so errors.Is(err, ErrArgs) holds for every detail.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

// OpenIM error codes (upstream's numbers and names).
var (
	ErrInternal          = &Error{Code: 500, Msg: "ServerInternalError"}
	ErrArgs              = &Error{Code: 1001, Msg: "ArgsError"}
	ErrNoPermission      = &Error{Code: 1002, Msg: "NoPermissionError"}
	ErrDuplicateKey      = &Error{Code: 1003, Msg: "DuplicateKeyError"}
	ErrRecordNotFound    = &Error{Code: 1004, Msg: "RecordNotFoundError"}
	ErrUserIDNotFound    = &Error{Code: 1101, Msg: "UserIDNotFoundError"}
	ErrRegisteredAlready = &Error{Code: 1102, Msg: "RegisteredAlreadyError"}
	ErrGroupIDNotFound   = &Error{Code: 1201, Msg: "GroupIDNotFoundError"}
	ErrGroupIDExisted    = &Error{Code: 1202, Msg: "GroupIDExisted"}
	ErrNotInGroupYet     = &Error{Code: 1203, Msg: "NotInGroupYetError"}
	ErrDismissedAlready  = &Error{Code: 1204, Msg: "DismissedAlreadyError"}
	ErrGroupTypeNotSupp  = &Error{Code: 1205, Msg: "GroupTypeNotSupport"}
	ErrGroupRequestDone  = &Error{Code: 1206, Msg: "GroupRequestHandled"}
	ErrCannotAddYourself = &Error{Code: 1301, Msg: "CanNotAddYourselfError"}
	ErrBlockedByPeer     = &Error{Code: 1302, Msg: "BlockedByPeer"}
	ErrNotPeersFriend    = &Error{Code: 1303, Msg: "NotPeersFriend"}
	ErrRelationshipAlrdy = &Error{Code: 1304, Msg: "RelationshipAlreadyError"}
	ErrFriendRequestDone = &Error{Code: 1305, Msg: "FriendRequestHandled"}
	ErrMutedInGroup      = &Error{Code: 1402, Msg: "MutedInGroup"}
	ErrMutedGroup        = &Error{Code: 1403, Msg: "MutedGroup"}
	ErrMsgAlreadyRevoke  = &Error{Code: 1404, Msg: "MsgAlreadyRevoke"}
	ErrTokenExpired      = &Error{Code: 1501, Msg: "TokenExpiredError"}
	ErrTokenInvalid      = &Error{Code: 1502, Msg: "TokenInvalidError"}
	ErrTokenMalformed    = &Error{Code: 1503, Msg: "TokenMalformedError"}
	ErrTokenNotValidYet  = &Error{Code: 1504, Msg: "TokenNotValidYetError"}
	ErrTokenUnknown      = &Error{Code: 1505, Msg: "TokenUnknownError"}
	ErrTokenKicked       = &Error{Code: 1506, Msg: "TokenKickedError"}
	ErrTokenNotExist     = &Error{Code: 1507, Msg: "TokenNotExistError"}
	ErrConnOverMaxNum    = &Error{Code: 1601, Msg: "ConnOverMaxNumLimit"}
	ErrConnArgs          = &Error{Code: 1602, Msg: "ConnArgsErr"}
	// ErrQueued is LanIM's own: the node has no quorum, the message is stored in the node's durable
	// outbox and will be committed, in order, as soon as a quorum is back.
	ErrQueued = &Error{Code: 1690, Msg: "MessageQueued"}
	// ErrNoQuorum is LanIM's own: a write other than a message send while no quorum is reachable.
	ErrNoQuorum = &Error{Code: 1691, Msg: "NoQuorum"}
	// ErrRateLimited is LanIM's own: the caller sends faster than the node accepts.
	ErrRateLimited = &Error{Code: 1692, Msg: "RateLimited"}
	// ErrDiskFull is LanIM's own: the disk that holds this node's data is (nearly) full, so the node
	// takes no writes until space is freed; reads keep working.
	ErrDiskFull = &Error{Code: 1693, Msg: "DiskFull"}
	// ErrFilesFull is LanIM's own: this node's budget for files (--files-budget-mb) is used up.
	// Another computer of the office may have room.
	ErrFilesFull = &Error{Code: 1694, Msg: "FilesBudgetFull"}
)

// errDiskFullDetail is the one text of a full disk: no path, as clients see it.
const errDiskFullDetail = "the disk that holds this computer's LanIM data is full: free some space; writes work again by themselves"

// InternalDetail is the errDlt of every ServerInternalError a client sees.
const InternalDetail = "internal error: the node's log has the details"

// DiskFull is the error a write gets while the data's disk is full.
func DiskFull() *Error { return ErrDiskFull.With(errDiskFullDetail) }

// Public is err as a client may see it: an OpenIM error as it is, a full disk as ErrDiskFull, and
// anything else (a ServerInternalError, whose text may hold file paths and internals) as
// ServerInternalError with a generic detail. internal reports the last case: the caller logs err.
func Public(err error) (e *Error, internal bool) {
	if store.IsDiskFull(err) {
		return DiskFull(), false
	}
	e = AsError(err)
	if e.Code != ErrInternal.Code {
		return e, false
	}
	return ErrInternal.With(InternalDetail), true
}

// ApplyError is a command's failure as the FSM records it. A full disk is ErrDiskFull, never a
// rule's verdict: the FSM applies the command again once there is space, since on a node with
// space it succeeds.
func ApplyError(err error) *Error {
	if store.IsDiskFull(err) {
		return DiskFull()
	}
	return AsError(err)
}

// AsError returns err as an *Error, mapping anything else to ServerInternalError with its text as detail.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return ErrInternal.With("%v", err)
}
