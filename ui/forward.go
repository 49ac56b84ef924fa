package ui

import (
	"encoding/json"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/ui/widgets"
)

// Forwards, as OpenIM clients send them: a single forward is the same content type and element
// sent as the user's new message; a merged forward (merged.go) carries several messages in one.
// Both a quote (quote.go) and a merged forward hold messages in the SDK's message form, written
// and read here.

// sdkMsg is the part of the SDK's message struct (MsgStruct) that LanIM writes into a quote or a
// merged forward and reads back; the element sits beside it under its key (textElem, ...).
type sdkMsg struct {
	ClientMsgID    string `json:"clientMsgID"`
	ServerMsgID    string `json:"serverMsgID,omitempty"`
	Seq            int64  `json:"seq,omitempty"`
	SendID         string `json:"sendID"`
	RecvID         string `json:"recvID,omitempty"`
	GroupID        string `json:"groupID,omitempty"`
	SessionType    int32  `json:"sessionType"`
	SenderNickname string `json:"senderNickname,omitempty"`
	SenderFaceURL  string `json:"senderFaceUrl,omitempty"`
	ContentType    int32  `json:"contentType"`
	SendTime       int64  `json:"sendTime,omitempty"`
	CreateTime     int64  `json:"createTime,omitempty"`
}

// sdkElemKey is the field of the SDK's message struct that holds each content type's element.
var sdkElemKey = map[int32]string{openim.Text: "textElem", openim.Picture: "pictureElem", openim.Voice: "soundElem",
	openim.Video: "videoElem", openim.File: "fileElem", openim.AtText: "atTextElem", openim.Merger: "mergeElem",
	openim.Card: "cardElem", openim.Location: "locationElem", openim.Custom: "customElem", openim.Quote: "quoteElem",
	openim.Face: "faceElem", openim.AdvancedText: "advancedTextElem", openim.MarkdownText: "markdownTextElem"}

// sdkMessage is m in the SDK's message form: {"clientMsgID":…, "textElem":{…}}.
func sdkMessage(m *pb.MsgData) json.RawMessage {
	q, _ := json.Marshal(sdkMsg{ClientMsgID: m.ClientMsgID, ServerMsgID: m.ServerMsgID, Seq: m.Seq,
		SendID: m.SendID, RecvID: m.RecvID, GroupID: m.GroupID, SessionType: m.SessionType,
		SenderNickname: m.SenderNickname, SenderFaceURL: m.SenderFaceURL, ContentType: m.ContentType,
		SendTime: m.SendTime, CreateTime: m.CreateTime})
	if key, ok := sdkElemKey[m.ContentType]; ok && json.Valid(m.Content) {
		q = append(append(append(q[:len(q)-1], `,"`+key+`":`...), m.Content...), '}')
	}
	return q
}

// fromSDKMessage reads a message in the SDK's form back, its element as Content.
func fromSDKMessage(raw json.RawMessage) (*pb.MsgData, bool) {
	var q sdkMsg
	if json.Unmarshal(raw, &q) != nil {
		return nil, false
	}
	out := &pb.MsgData{ClientMsgID: q.ClientMsgID, ServerMsgID: q.ServerMsgID, Seq: q.Seq, SendID: q.SendID,
		RecvID: q.RecvID, GroupID: q.GroupID, SessionType: q.SessionType, SenderNickname: q.SenderNickname,
		SenderFaceURL: q.SenderFaceURL, ContentType: q.ContentType, SendTime: q.SendTime, CreateTime: q.CreateTime}
	var elems map[string]json.RawMessage
	if json.Unmarshal(raw, &elems) == nil {
		out.Content = elems[sdkElemKey[q.ContentType]]
	}
	return out, true
}

// NewForward is a copy of m's content sent as the user's new message to conv.
func NewForward(self *pb.UserInfo, conv *Conversation, m *pb.MsgData, now int64) *pb.MsgData {
	f := newMessage(self, conv, m.ContentType, now)
	f.Content = m.Content
	if m.ContentType == openim.AtText {
		// Mentions name the people of the first chat: the copy goes out as plain text.
		var e atTextElem
		if json.Unmarshal(m.Content, &e) == nil {
			f.ContentType = openim.Text
			f.Content, _ = json.Marshal(textElem{Content: e.Text})
		}
	}
	return f
}

// pickForward asks which chat m goes to, then sends it there.
func (c *Controller) pickForward(m *pb.MsgData) {
	c.pickChat(func(conv *Conversation) { c.Forward(conv, m) })
}

// pickChat asks which chat a forward goes to and hands it to send.
func (c *Controller) pickChat(send func(*Conversation)) {
	convs := c.sortedConversations()
	var d dialog.Dialog
	list := container.NewVBox()
	for _, conv := range convs {
		conv := conv
		list.Add(widgets.NewTapArea(container.NewPadded(widgets.StyledText(c.conversationName(conv), theme.ColorNameForeground, theme.SizeNameText, fyne.TextStyle{})), func() {
			d.Hide()
			send(conv)
		}))
	}
	scroll := container.NewVScroll(list)
	scroll.SetMinSize(fyne.NewSize(320, min(float32(len(convs))*44+8, 360)))
	d = dialog.NewCustom("Forward to…", "Cancel", scroll, c.win)
	d.Show()
}

// Forward sends a copy of m to conv (OpenIM's single forward).
func (c *Controller) Forward(conv *Conversation, m *pb.MsgData) {
	c.sendNew(conv, NewForward(c.self, conv, m, c.clock.now().UnixMilli()))
	c.toast("Forwarded to " + c.conversationName(conv))
}

// ForwardEach sends a copy of each message to conv, in order (single forwards one by one).
func (c *Controller) ForwardEach(conv *Conversation, msgs []*pb.MsgData) {
	now := c.clock.now().UnixMilli()
	copies := make([]*pb.MsgData, len(msgs))
	for i, m := range msgs {
		copies[i] = NewForward(c.self, conv, m, now+int64(i))
	}
	c.sendNew(conv, copies...)
	c.toast("Forwarded " + plural(len(msgs), "message") + " to " + c.conversationName(conv))
}
