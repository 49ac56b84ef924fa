package ui

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"google.golang.org/protobuf/proto"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/ui/style"
	"lanim/ui/widgets"
)

// A merged forward is OpenIM's merger message (107): one message whose element carries a title,
// a few "Name: text" lines (the abstracts every client shows in the bubble) and the forwarded
// messages themselves in the SDK's message form, so any OpenIM client can list them without
// fetching anything.

// mergeElem is OpenIM's MergeElem.
type mergeElem struct {
	Title             string            `json:"title"`
	AbstractList      []string          `json:"abstractList"`
	MultiMessage      []json.RawMessage `json:"multiMessage"`
	MessageEntityList []json.RawMessage `json:"messageEntityList,omitempty"`
}

// Merged forward limits: the bubble's abstracts, their length, and how many messages one forward
// may carry (the node's content limit bounds the bytes).
const (
	mergedAbstracts   = 4
	mergedAbstractLen = 80
	maxMergedMessages = 100
)

// mergedTitle is the title of a merged forward from a chat.
func (c *Controller) mergedTitle(from *Conversation) string {
	if from.Type == openim.ReadGroupChat {
		return "Group chat history"
	}
	return "Chat history of " + c.conversationName(from)
}

// senderName is the name a message shows for its sender.
func (c *Controller) senderName(m *pb.MsgData) string {
	if m.SenderNickname != "" {
		return m.SenderNickname
	}
	return c.userName(m.SendID)
}

// NewMergedMessage builds a merged forward of msgs (in order) to conv. names gives each sender's
// name, which the copies carry, so a reader who does not know the sender still sees it.
func NewMergedMessage(self *pb.UserInfo, conv *Conversation, title string, msgs []*pb.MsgData, names func(*pb.MsgData) string, now int64) *pb.MsgData {
	m := newMessage(self, conv, openim.Merger, now)
	e := mergeElem{Title: title}
	for i, src := range msgs {
		cp := proto.Clone(src).(*pb.MsgData)
		cp.SenderNickname = names(src)
		if i < mergedAbstracts {
			e.AbstractList = append(e.AbstractList, cp.SenderNickname+": "+clip(oneLine(quoteText(src)), mergedAbstractLen))
		}
		e.MultiMessage = append(e.MultiMessage, sdkMessage(cp))
	}
	m.Content, _ = json.Marshal(e)
	return m
}

// mergedOf reads a merged forward: its element and its messages (element as Content), or false.
func mergedOf(m *pb.MsgData) (mergeElem, []*pb.MsgData, bool) {
	var e mergeElem
	if m.ContentType != openim.Merger || json.Unmarshal(m.Content, &e) != nil {
		return e, nil, false
	}
	var msgs []*pb.MsgData
	for _, raw := range e.MultiMessage {
		if inner, ok := fromSDKMessage(raw); ok {
			msgs = append(msgs, inner)
		}
	}
	return e, msgs, true
}

// mergedText is what a merged forward reads as in a preview: its title.
func mergedText(m *pb.MsgData) string {
	var e mergeElem
	if json.Unmarshal(m.Content, &e) != nil || e.Title == "" {
		return "Chat history"
	}
	return e.Title
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// clip cuts s to n characters with an ellipsis.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// ForwardMerged sends msgs from the chat from to conv as one merged forward; false when they do
// not fit in one message.
func (c *Controller) ForwardMerged(conv, from *Conversation, msgs []*pb.MsgData) bool {
	m := NewMergedMessage(c.self, conv, c.mergedTitle(from), msgs, c.senderName, c.clock.now().UnixMilli())
	if len(m.Content) > openim.MaxContentBytes {
		c.toast("These messages are too long to forward as one. Select fewer, or forward them one by one.")
		return false
	}
	c.sendNew(conv, m)
	c.toast("Forwarded to " + c.conversationName(conv))
	return true
}

// mergedCardWidth is the width of a merged forward's card in a bubble and in the viewer.
const mergedCardWidth = 260

// mergedView is a merged forward in a bubble: the title, the abstracts and "Chat history"; a tap
// opens the messages.
type mergedView struct {
	widget.BaseWidget
	c         *Controller
	msg       *pb.MsgData
	title     *widget.RichText
	abstracts *widget.RichText
	foot      *widget.RichText
	secondary func(*fyne.PointEvent) // the bubble's menu
	content   fyne.CanvasObject
}

func newMergedView(c *Controller, own bool, secondary func(*fyne.PointEvent)) *mergedView {
	text, sub := theme.ColorNameForeground, style.ColorSubtle
	if own {
		text, sub = style.ColorBubbleText, style.ColorBubbleText
	}
	v := &mergedView{c: c, secondary: secondary}
	v.title = widgets.Truncated(widgets.StyledText("", text, theme.SizeNameText, fyne.TextStyle{Bold: true}))
	v.abstracts = widgets.StyledText("", sub, theme.SizeNameCaptionText, fyne.TextStyle{})
	v.foot = widgets.StyledText("", sub, theme.SizeNameCaptionText, fyne.TextStyle{})
	v.content = container.NewVBox(widgets.Tight(v.title, v.abstracts), widget.NewSeparator(), v.foot)
	v.ExtendBaseWidget(v)
	return v
}

func (v *mergedView) show(m *pb.MsgData) {
	v.msg = m
	e, msgs, _ := mergedOf(m)
	widgets.SetText(v.title, mergedText(m))
	lines := make([]string, len(e.AbstractList))
	for i, a := range e.AbstractList {
		lines[i] = clip(oneLine(a), 40)
	}
	widgets.SetText(v.abstracts, strings.Join(lines, "\n"))
	v.abstracts.Hidden = len(lines) == 0
	widgets.SetText(v.foot, "Chat history · "+plural(len(msgs), "message"))
	v.Refresh()
}

func (v *mergedView) MinSize() fyne.Size {
	return fyne.NewSize(mergedCardWidth, v.content.MinSize().Height)
}

func (v *mergedView) Tapped(*fyne.PointEvent) { v.c.ShowMerged(v.msg) }

func (v *mergedView) TappedSecondary(e *fyne.PointEvent) {
	if v.secondary != nil {
		v.secondary(e)
	}
}

func (v *mergedView) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (v *mergedView) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(v.content) }

// ShowMerged opens a merged forward: its messages with sender, time and content, read only.
// Pictures show as thumbnails, files with Open and Save as, and a merged forward inside opens
// the same way.
func (c *Controller) ShowMerged(m *pb.MsgData) {
	_, msgs, ok := mergedOf(m)
	if !ok {
		return
	}
	list := container.NewVBox()
	for i, inner := range msgs {
		if i > 0 {
			list.Add(widget.NewSeparator())
		}
		list.Add(c.mergedEntry(inner))
	}
	scroll := container.NewVScroll(list)
	ws := c.win.Canvas().Size()
	scroll.SetMinSize(fyne.NewSize(min(460, ws.Width*0.85), min(list.MinSize().Height, ws.Height*0.65)))
	dialog.NewCustom(mergedText(m), "Close", scroll, c.win).Show()
}

// mergedEntry is one message of the viewer.
func (c *Controller) mergedEntry(m *pb.MsgData) fyne.CanvasObject {
	head := container.NewHBox(widgets.Bold(c.senderName(m)), widgets.Subtle(c.clock.at(msgTime(m)).Format("2 Jan 2006, 15:04")))
	var body fyne.CanvasObject
	switch m.ContentType {
	case openim.Picture:
		p := newPictureView(c, "")
		p.show(m)
		body = p
	case openim.File:
		f := newFileView(c, "", false)
		f.show(m)
		body = f
	case openim.Merger:
		v := newMergedView(c, false, nil)
		v.show(m)
		body = container.NewStack(widgets.NewCard(10), container.NewPadded(v))
	default:
		t := widget.NewRichText(richTextWithLinks(quoteText(m), theme.ColorNameForeground, c.openLink)...)
		t.Wrapping = fyne.TextWrapWord
		return widgets.Tight(head, t)
	}
	// A card keeps its own width, indented as far as the text beside it.
	ip := theme.InnerPadding()
	body = container.New(layout.NewCustomPaddedLayout(ip/2, ip/2, ip, 0), container.NewHBox(body))
	return widgets.Tight(head, body)
}
