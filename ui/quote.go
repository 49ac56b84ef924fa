package ui

import (
	"encoding/json"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/node/pb"

	"lanim/ui/style"
	"lanim/ui/widgets"
)

// Replies and forwards, as OpenIM clients send them. A reply is a quote message (114) whose
// element carries the reply's text and the quoted message in the SDK's message form (its element
// under textElem, pictureElem…), so the SDKs render the quote without fetching anything. A
// forward is OpenIM's single forward: the same content type and element, sent as a new message.

// quoteElem is OpenIM's QuoteElem.
type quoteElem struct {
	Text         string          `json:"text"`
	QuoteMessage json.RawMessage `json:"quoteMessage"`
}

// NewQuoteMessage builds a reply to quoted in a conversation.
func NewQuoteMessage(self *pb.UserInfo, conv *Conversation, text string, quoted *pb.MsgData, now int64) *pb.MsgData {
	m := newMessage(self, conv, openim.Quote, now)
	m.Content, _ = json.Marshal(quoteElem{Text: text, QuoteMessage: sdkMessage(quoted)})
	return m
}

// quoteOf reads a quote message: its quoted message (with its element as Content) and true, or
// false for any other message.
func quoteOf(m *pb.MsgData) (*pb.MsgData, bool) {
	if m.ContentType != openim.Quote {
		return nil, false
	}
	var e quoteElem
	if json.Unmarshal(m.Content, &e) != nil {
		return nil, false
	}
	return fromSDKMessage(e.QuoteMessage)
}

// quoteText is what a quote shows of a message: its text, or what kind of message it is.
func quoteText(m *pb.MsgData) string {
	if t := MessageText(m); t != "" {
		return t
	}
	return "Message"
}

// quoteView is the quoted message above a reply's text: who wrote it and the start of it.
type quoteView struct {
	widget.BaseWidget
	bar  *widgets.Surface
	bg   *widgets.Surface
	text *widget.RichText
}

func newQuoteView(own bool) *quoteView {
	q := &quoteView{bar: widgets.NewSurface(theme.ColorNamePrimary), bg: widgets.NewSurface(style.ColorNoticePill)}
	c := theme.ColorNameForeground
	if own {
		q.bar.SetFill(style.ColorBubbleText)
		c = style.ColorBubbleText
	}
	q.bg.SetRadius(6)
	q.text = widgets.Truncated(widgets.StyledText("", c, theme.SizeNameCaptionText, fyne.TextStyle{}))
	q.ExtendBaseWidget(q)
	q.Hide()
	return q
}

// show shows what m quotes, or hides when m is no reply.
func (q *quoteView) show(c *Controller, m *pb.MsgData) {
	quoted, ok := quoteOf(m)
	if !ok {
		q.Hide()
		return
	}
	widgets.SetText(q.text, c.senderName(quoted)+": "+firstLine(quoteText(quoted)))
	q.Show()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// naturalWidth is the width the quote takes untruncated.
func (q *quoteView) naturalWidth() float32 {
	return fyne.MeasureText(q.text.String(), theme.CaptionTextSize(), fyne.TextStyle{}).Width + 2*theme.InnerPadding() + 8
}

func (q *quoteView) MinSize() fyne.Size { return fyne.NewSize(0, q.text.MinSize().Height) }

func (q *quoteView) CreateRenderer() fyne.WidgetRenderer {
	return &quoteRenderer{q: q}
}

type quoteRenderer struct{ q *quoteView }

func (r *quoteRenderer) Layout(size fyne.Size) {
	r.q.bg.Resize(size)
	r.q.bar.Resize(fyne.NewSize(3, size.Height))
	r.q.text.Move(fyne.NewPos(4, 0))
	r.q.text.Resize(fyne.NewSize(size.Width-4, size.Height))
}
func (r *quoteRenderer) MinSize() fyne.Size { return r.q.MinSize() }
func (r *quoteRenderer) Refresh() {
	r.q.bg.Refresh()
	r.q.bar.Refresh()
	r.q.text.Refresh()
}
func (r *quoteRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.q.bg, r.q.bar, r.q.text}
}
func (r *quoteRenderer) Destroy() {}

// replyTo starts a reply to m: the composer shows what is quoted until the reply is sent or
// cancelled.
func (v *chatView) replyTo(m *pb.MsgData) {
	v.composer.setReply(m, "Replying to "+v.c.senderName(m)+": "+firstLine(quoteText(m)))
	v.c.win.Canvas().Focus(v.composer.entry)
}
