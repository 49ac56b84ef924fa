package openim

// AdminUserID is the office's app manager, created with the office (upstream's default imAdmin).
const AdminUserID = "imAdmin"

// IsAdmin reports whether userID is an app manager (upstream: listed in imAdminUser).
func IsAdmin(userID string) bool { return userID == AdminUserID }

// Session types (MsgData.sessionType, Conversation.conversationType).
const (
	SingleChat       int32 = 1
	WriteGroupChat   int32 = 2
	ReadGroupChat    int32 = 3
	NotificationChat int32 = 4
)

// Message origins (MsgData.msgFrom).
const (
	MsgFromUser   int32 = 100
	MsgFromSystem int32 = 200
)

// Message statuses (MsgData.status).
const (
	MsgStatusSending  int32 = 1
	MsgStatusSuccess  int32 = 2
	MsgStatusFailed   int32 = 3
	MsgStatusDeleted  int32 = 4
	MsgStatusFiltered int32 = 5
)

// Content types of user messages.
const (
	Text                         int32 = 101
	Picture                      int32 = 102
	Voice                        int32 = 103
	Video                        int32 = 104
	File                         int32 = 105
	AtText                       int32 = 106
	Merger                       int32 = 107
	Card                         int32 = 108
	Location                     int32 = 109
	Custom                       int32 = 110
	Revoke                       int32 = 111
	Typing                       int32 = 113
	Quote                        int32 = 114
	Face                         int32 = 115
	AdvancedText                 int32 = 117
	MarkdownText                 int32 = 118
	CustomNotTriggerConversation int32 = 119
	CustomOnlineOnly             int32 = 120
)

// AtAllTag in MsgData.atUserIDList mentions every member of a group.
const AtAllTag = "AtAllTag"

// Notification content types.
const (
	FriendApplicationApproved int32 = 1201
	FriendApplicationRejected int32 = 1202
	FriendApplication         int32 = 1203
	FriendAdded               int32 = 1204
	FriendDeleted             int32 = 1205
	FriendRemarkSet           int32 = 1206
	BlackAdded                int32 = 1207
	BlackDeleted              int32 = 1208
	FriendInfoUpdated         int32 = 1209
	FriendsInfoUpdate         int32 = 1210

	ConversationChange int32 = 1300
	UserInfoUpdated    int32 = 1303
	UserStatusChange   int32 = 1304
	UserCommandAdd     int32 = 1305
	UserCommandDelete  int32 = 1306
	UserCommandUpdate  int32 = 1307

	GroupCreated                 int32 = 1501
	GroupInfoSet                 int32 = 1502
	JoinGroupApplication         int32 = 1503
	MemberQuit                   int32 = 1504
	GroupApplicationAccepted     int32 = 1505
	GroupApplicationRejected     int32 = 1506
	GroupOwnerTransferred        int32 = 1507
	MemberKicked                 int32 = 1508
	MemberInvited                int32 = 1509
	MemberEnter                  int32 = 1510
	GroupDismissed               int32 = 1511
	GroupMemberMuted             int32 = 1512
	GroupMemberCancelMuted       int32 = 1513
	GroupMuted                   int32 = 1514
	GroupCancelMuted             int32 = 1515
	GroupMemberInfoSet           int32 = 1516
	GroupMemberSetToAdmin        int32 = 1517
	GroupMemberSetToOrdinaryUser int32 = 1518
	GroupInfoSetAnnouncement     int32 = 1519
	GroupInfoSetName             int32 = 1520

	ConversationPrivateChat int32 = 1701
	ClearConversation       int32 = 1703

	BusinessNotification   int32 = 2001
	MsgRevokeNotification  int32 = 2101
	DeleteMsgsNotification int32 = 2102
	HasReadReceipt         int32 = 2200
)

// IsNotification reports whether a content type is a server notification (upstream: 1000 < ct < 5000).
func IsNotification(contentType int32) bool { return contentType > 1000 && contentType < 5000 }

// Conversation receive options (Conversation.recvMsgOpt, User.globalRecvMsgOpt).
const (
	RecvNormal     int32 = 0 // receive and notify
	RecvNotReceive int32 = 1 // do not receive
	RecvNotNotify  int32 = 2 // receive without a notification (muted)
)

// Presence statuses (UserStatusChangeTips.status, the 2005 push's status).
const (
	StatusOffline int32 = 0
	StatusOnline  int32 = 1
)

// Group roles (GroupMemberFullInfo.roleLevel).
const (
	RoleOwner  int32 = 100
	RoleAdmin  int32 = 60
	RoleMember int32 = 20
)

// Group statuses (GroupInfo.status).
const (
	GroupStatusOK        int32 = 0
	GroupStatusBanned    int32 = 1
	GroupStatusDismissed int32 = 2
	GroupStatusMuted     int32 = 3
)

// Platform IDs (upstream's table).
const (
	PlatformIOS       int32 = 1
	PlatformAndroid   int32 = 2
	PlatformWindows   int32 = 3
	PlatformOSX       int32 = 4
	PlatformWeb       int32 = 5
	PlatformMiniWeb   int32 = 6
	PlatformLinux     int32 = 7
	PlatformAPad      int32 = 8
	PlatformIPad      int32 = 9
	PlatformAdmin     int32 = 10
	PlatformHarmonyOS int32 = 11
)

// platformNames are upstream's platform names (constant.PlatformID2Name).
var platformNames = [...]string{PlatformIOS: "IOS", PlatformAndroid: "Android", PlatformWindows: "Windows",
	PlatformOSX: "OSX", PlatformWeb: "Web", PlatformMiniWeb: "MiniWeb", PlatformLinux: "Linux",
	PlatformAPad: "APad", PlatformIPad: "IPad", PlatformAdmin: "Admin", PlatformHarmonyOS: "HarmonyOS"}

// PlatformName is a platform's name, "" for an unknown ID.
func PlatformName(id int32) string {
	if !ValidPlatform(id) {
		return ""
	}
	return platformNames[id]
}

// ValidPlatform reports whether id is a known platform.
func ValidPlatform(id int32) bool { return id >= PlatformIOS && id <= PlatformHarmonyOS }

// Token statuses (tokens.status).
const (
	TokenNormal  = 0
	TokenInvalid = 1
	TokenKicked  = 2
	TokenExpired = 3
)

// Friend request states (FriendRequest.handleResult).
const (
	FriendRequestPending int32 = 0
	FriendRequestAgreed  int32 = 1
	FriendRequestRefused int32 = -1
)

// Group request results (GroupRequest.handleResult).
const (
	GroupRequestPending int32 = 0
	GroupRequestAgreed  int32 = 1
	GroupRequestRefused int32 = -1
)

// Group policy values (GroupInfo.needVerification).
const (
	// VerifyApplyInviteDirect: applications need approval, invitations join directly.
	VerifyApplyInviteDirect int32 = 0
	// VerifyAll: applications and invitations by ordinary members both need approval.
	VerifyAll int32 = 1
	// VerifyNone: anyone who applies joins directly.
	VerifyNone int32 = 2
)

// WorkingGroup is the only group type upstream creates (GroupInfo.groupType).
const WorkingGroup int32 = 2

// Join sources (GroupMemberFullInfo.joinSource).
const (
	JoinByAdmin      int32 = 1
	JoinByInvitation int32 = 2
	JoinBySearch     int32 = 3
	JoinByQRCode     int32 = 4
)

// OANotification is the content type of an admin's notification-account message (sessionType 4).
const OANotification int32 = 1400
