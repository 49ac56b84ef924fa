package openim

import (
	"errors"
	"fmt"
)

// Error is an OpenIM error: a numeric code, its short name (errMsg) and a detail (errDlt). The
// node's rules fail with Errors, so every node reaches the same one for the same command, and the
// Go client returns the node's answer as one.
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

// Code returns err's OpenIM code, or 0 when err is not an *Error.
func Code(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
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

// IsTokenError reports whether err is one of the token errors (1501-1507): the caller's token no
// longer holds and it must sign in again.
func IsTokenError(err error) bool {
	c := Code(err)
	return c >= ErrTokenExpired.Code && c <= ErrTokenNotExist.Code
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
