package ui

import (
	"lanim/node/openim"
	"lanim/node/pb"
)

// Old ui names of OpenIM facts, kept only so the in-memory backend (memory.go, demo.go) still
// compiles: removed when memory.go goes. Everything else uses node/openim.

type APIError = openim.Error

const (
	SessionSingle        = openim.SingleChat
	SessionGroup         = openim.ReadGroupChat
	MsgFromUser          = openim.MsgFromUser
	StatusSent           = openim.MsgStatusSuccess
	ContentPicture       = openim.Picture
	ContentFile          = openim.File
	ContentRevoke        = openim.MsgRevokeNotification
	RoleMember           = openim.RoleMember
	RoleAdmin            = openim.RoleAdmin
	RoleOwner            = openim.RoleOwner
	GroupStatusOK        = openim.GroupStatusOK
	GroupStatusDismissed = openim.GroupStatusDismissed
	GroupStatusMuted     = openim.GroupStatusMuted
	RecvNotNotify        = openim.RecvNotNotify
	MaxOfficeName        = openim.MaxOfficeNameLen
)

var (
	CodeAlreadyFriends = openim.ErrRelationshipAlrdy.Code
	CodeNoQuorum       = openim.ErrNoQuorum.Code
	CodeNotFound       = openim.ErrRecordNotFound.Code
	CodeQueued         = openim.ErrQueued.Code
	CodeUserExists     = openim.ErrRegisteredAlready.Code
	CodeWrongPassword  = openim.ErrNoPermission.Code
)

// SingleConversationID, GroupConversationID and ConversationIDOf: see SingleConversationID in
// node/openim. Removed when memory.go goes.
func SingleConversationID(a, b string) string   { return openim.SingleConversationID(a, b) }
func GroupConversationID(groupID string) string { return openim.GroupConversationID(groupID) }
func ConversationIDOf(m *pb.MsgData) string {
	return openim.ChatConversationID(m.SessionType, m.SendID, m.RecvID, m.GroupID)
}
