package ui

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"runtime"
	"strings"
	"unicode"

	"lanim/node/pb"
)

// OpenIM wire numbers the screens use. They are protocol facts (like node/pb), kept here so the
// GUI depends on the wire, not on the node's domain packages.
const (
	SessionSingle int32 = 1
	SessionGroup  int32 = 3

	MsgFromUser   int32 = 100
	MsgFromSystem int32 = 200

	StatusSending int32 = 1
	StatusSent    int32 = 2
	StatusFailed  int32 = 3
	StatusDeleted int32 = 4

	ContentText    int32 = 101
	ContentAtText  int32 = 106
	ContentPicture int32 = 102
	ContentFile    int32 = 105
	ContentTyping  int32 = 113
	ContentRevoke  int32 = 2101
	// Notification content types are 1000 and up (friend 12xx, user 13xx, group 15xx, 2101...).
	firstNotification int32 = 1000

	RoleMember int32 = 20
	RoleAdmin  int32 = 60
	RoleOwner  int32 = 100

	GroupStatusOK        int32 = 0
	GroupStatusDismissed int32 = 2
	GroupStatusMuted     int32 = 3

	// Conversation receive options.
	RecvNormal    int32 = 0
	RecvNotNotify int32 = 2

	// LanIM's own codes: the node queued a send in its outbox, refused a write for lack of quorum,
	// or refused a caller over its request or sign-in budget.
	CodeQueued      = 1690
	CodeNoQuorum    = 1691
	CodeRateLimited = 1692
	// CodeNoPermission is OpenIM's NoPermissionError; the node also answers it for a wrong
	// password.
	CodeNoPermission = 1002
	// Sign-in codes.
	CodeWrongPassword  = CodeNoPermission
	CodeNotFound       = 1004
	CodeUserExists     = 1102
	firstTokenCode     = 1501
	lastTokenCode      = 1507
	CodeTokenKicked    = 1506
	CodeAlreadyFriends = 1304
)

// IsTokenError reports whether err says the session's token no longer holds.
func IsTokenError(err error) bool {
	c := ErrorCode(err)
	return c >= firstTokenCode && c <= lastTokenCode
}

// Platform is this desktop's OpenIM platform ID.
func Platform() int32 {
	switch runtime.GOOS {
	case "windows":
		return 3
	case "darwin":
		return 4
	default:
		return 7
	}
}

// SingleConversationID is si_ + the two user IDs sorted and joined by "_".
func SingleConversationID(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return "si_" + a + "_" + b
}

// GroupConversationID is sg_ + the group ID.
func GroupConversationID(groupID string) string { return "sg_" + groupID }

// ConversationIDOf is the chat conversation a message belongs to.
func ConversationIDOf(m *pb.MsgData) string {
	switch m.SessionType {
	case SessionGroup, 2:
		return GroupConversationID(m.GroupID)
	case 4: // notification-account chat
		return "sn_" + SingleConversationID(m.SendID, m.RecvID)[len("si_"):]
	}
	return SingleConversationID(m.SendID, m.RecvID)
}

// NewClientMsgID makes the 32-hex ID a client gives each message; a retry reuses it, so the
// node never stores a message twice.
func NewClientMsgID() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return hex.EncodeToString(b)
}

type textElem struct {
	Content string `json:"content"`
}

type atTextElem struct {
	Text       string   `json:"text"`
	AtUserList []string `json:"atUserList"`
	IsAtSelf   bool     `json:"isAtSelf"`
}

type notificationElem struct {
	Detail string `json:"detail"`
}

// NewTextMessage builds a text message from self to a conversation; with mentions in a group it
// is an @-text message.
func NewTextMessage(self *pb.UserInfo, conv *Conversation, text string, atUserIDs []string, now int64) *pb.MsgData {
	m := newMessage(self, conv, ContentText, now)
	var content any = textElem{Content: text}
	if len(atUserIDs) > 0 && conv.Type == SessionGroup {
		m.ContentType = ContentAtText
		m.AtUserIDList = atUserIDs
		content = atTextElem{Text: text, AtUserList: atUserIDs}
	}
	m.Content, _ = json.Marshal(content) // plain structs never fail to encode
	return m
}

// newMessage is a message from self to a conversation without its content.
func newMessage(self *pb.UserInfo, conv *Conversation, contentType int32, now int64) *pb.MsgData {
	m := &pb.MsgData{
		SendID:           self.UserID,
		ClientMsgID:      NewClientMsgID(),
		SenderPlatformID: Platform(),
		SenderNickname:   self.Nickname,
		SenderFaceURL:    self.FaceURL,
		MsgFrom:          MsgFromUser,
		ContentType:      contentType,
		CreateTime:       now,
		Status:           StatusSending,
		Options:          map[string]bool{},
	}
	if conv.Type == SessionGroup {
		m.SessionType, m.GroupID = SessionGroup, conv.GroupID
	} else {
		m.SessionType, m.RecvID = SessionSingle, conv.PeerID
	}
	return m
}

// MessageText is the text a chat message shows; empty for kinds the app does not render.
func MessageText(m *pb.MsgData) string {
	switch m.ContentType {
	case ContentText:
		var e textElem
		if json.Unmarshal(m.Content, &e) == nil {
			return e.Content
		}
	case ContentAtText:
		var e atTextElem
		if json.Unmarshal(m.Content, &e) == nil {
			return e.Text
		}
	case ContentPicture:
		return "📷 Picture"
	case ContentFile:
		if f, ok := fileOf(m); ok {
			return "📎 " + f.FileName
		}
	}
	return ""
}

// IsNotification reports whether m is a system line (group events, revokes) rather than a chat
// message.
func IsNotification(m *pb.MsgData) bool { return m.ContentType >= firstNotification }

// NotificationDetail returns the tips JSON a notification carries.
func NotificationDetail(m *pb.MsgData) []byte {
	var e notificationElem
	if json.Unmarshal(m.Content, &e) != nil {
		return nil
	}
	return []byte(e.Detail)
}

// NewNotification builds a notification message carrying tips as its detail (the chat's own line
// for a withdrawn message; the node builds the others).
func NewNotification(contentType int32, sendID string, tips any) *pb.MsgData {
	detail, _ := json.Marshal(tips)
	content, _ := json.Marshal(notificationElem{Detail: string(detail)})
	return &pb.MsgData{SendID: sendID, ClientMsgID: NewClientMsgID(), MsgFrom: MsgFromSystem,
		ContentType: contentType, Content: content, Status: StatusSent}
}

// MentionsUser reports whether m @-mentions userID.
func MentionsUser(m *pb.MsgData, userID string) bool {
	for _, id := range m.AtUserIDList {
		if id == userID || id == "AtAllTag" {
			return true
		}
	}
	return false
}

// initials is up to two letters for an avatar without a picture: the first letter of the first
// two words that start with a letter or digit ("Bobby (design)" is "B", "Ann Lee" is "AL").
func initials(name string) string {
	var out []rune
	for _, f := range strings.Fields(name) {
		r := []rune(f)[0]
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, r)
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return strings.ToUpper(string(out))
}
