package ui

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"runtime"

	"lanim/node/openim"
	"lanim/node/pb"
)

// Platform is this desktop's OpenIM platform ID.
func Platform() int32 {
	switch runtime.GOOS {
	case "windows":
		return openim.PlatformWindows
	case "darwin":
		return openim.PlatformOSX
	default:
		return openim.PlatformLinux
	}
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
	m := newMessage(self, conv, openim.Text, now)
	var content any = textElem{Content: text}
	if len(atUserIDs) > 0 && conv.Type == openim.ReadGroupChat {
		m.ContentType = openim.AtText
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
		MsgFrom:          openim.MsgFromUser,
		ContentType:      contentType,
		CreateTime:       now,
		Status:           openim.MsgStatusSending,
		Options:          map[string]bool{},
	}
	if conv.Type == openim.ReadGroupChat {
		m.SessionType, m.GroupID = openim.ReadGroupChat, conv.GroupID
	} else {
		m.SessionType, m.RecvID = openim.SingleChat, conv.PeerID
	}
	return m
}

// MessageText is the text a chat message shows; empty for kinds the app does not render.
func MessageText(m *pb.MsgData) string {
	switch m.ContentType {
	case openim.Text:
		var e textElem
		if json.Unmarshal(m.Content, &e) == nil {
			return e.Content
		}
	case openim.AtText:
		var e atTextElem
		if json.Unmarshal(m.Content, &e) == nil {
			return e.Text
		}
	case openim.Quote:
		var e quoteElem
		if json.Unmarshal(m.Content, &e) == nil {
			return e.Text
		}
	case openim.Merger:
		return mergedText(m)
	case openim.Picture:
		return "📷 Picture"
	case openim.File:
		if f, ok := fileOf(m); ok {
			return "📎 " + f.FileName
		}
	}
	return ""
}

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
	return &pb.MsgData{SendID: sendID, ClientMsgID: NewClientMsgID(), MsgFrom: openim.MsgFromSystem,
		ContentType: contentType, Content: content, Status: openim.MsgStatusSuccess}
}

// MentionsUser reports whether m @-mentions userID.
func MentionsUser(m *pb.MsgData, userID string) bool {
	for _, id := range m.AtUserIDList {
		if id == userID || id == openim.AtAllTag {
			return true
		}
	}
	return false
}
