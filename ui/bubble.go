package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/ui/style"
	"lanim/ui/widgets"
)

// msgState is the delivery state of one of the user's messages.
type msgState int

const (
	stateSent msgState = iota
	stateSending
	stateQueued // in the node's outbox until the office is reachable
	stateFailed
	stateRead
)

func (s msgState) text() string {
	switch s {
	case stateSending:
		return "Sending…"
	case stateQueued:
		return "Waiting for the office"
	case stateFailed:
		return "Not sent"
	case stateRead:
		return "Read"
	}
	return "Sent"
}

func (s msgState) icon() fyne.Resource {
	switch s {
	case stateSending, stateQueued:
		return style.IconSchedule
	case stateFailed:
		return theme.ErrorIcon()
	case stateRead:
		return style.IconDoneAll
	}
	return style.IconDone
}

// sizedRow is a row of the message column whose height depends on the width it gets.
type sizedRow interface {
	fyne.CanvasObject
	heightFor(width float32) float32
}

// Bubble geometry.
const (
	bubblePadX   = 12
	bubblePadY   = 7
	bubbleAvatar = 34
	bubbleGap    = 8
	bubbleRadius = 14
	rowGap       = 3
)

// maxBubbleWidth is how wide a bubble may grow in a column of the given width.
func maxBubbleWidth(width float32) float32 { return min(max(width*0.68, 160), 620) }

// msgRow is one chat message: the sender's avatar (groups), a bubble with the sender's name,
// the text and the time, and for the user's own messages the delivery state.
type msgRow struct {
	widget.BaseWidget
	c          *Controller
	convID     string
	msg        *pb.MsgData
	own        bool
	showSender bool    // first of a run by one sender in a group: name and avatar
	width      float32 // the width the column last gave

	bg     *widgets.Surface
	avatar *widgets.Avatar
	name   *widget.RichText
	text   *widget.RichText
	body   fyne.CanvasObject // text, themed so links read on the user's own bubbles
	quote  *quoteView        // the message a reply quotes, above its text
	meta   *widget.RichText
	state  *canvas.Image
	retry  *widget.Button
	att    attachmentView // a picture or file, shown instead of the text
}

func newMsgRow(c *Controller, convID string, m *pb.MsgData, showSender bool) *msgRow {
	own := m.SendID == c.self.UserID
	r := &msgRow{c: c, convID: convID, own: own, showSender: showSender && !own}
	r.bg = widgets.NewSurface(style.ColorBubblePeer)
	r.bg.SetRadius(bubbleRadius)
	r.avatar = widgets.NewAvatar(c.pics, "", "", "", bubbleAvatar)
	r.name = widgets.StyledText("", theme.ColorNamePrimary, theme.SizeNameCaptionText, fyne.TextStyle{Bold: true})
	r.text = widget.NewRichText(&widget.TextSegment{Style: widget.RichTextStyle{ColorName: theme.ColorNameForeground}})
	r.text.Wrapping = fyne.TextWrapWord
	r.body = r.text
	if own {
		r.body = container.NewThemeOverride(r.text, ownBubbleTheme{})
	}
	r.quote = newQuoteView(own)
	r.meta = widgets.StyledText("", style.ColorSubtle, theme.SizeNameCaptionText, fyne.TextStyle{})
	r.state = canvas.NewImageFromResource(nil)
	r.state.FillMode = canvas.ImageFillContain
	r.retry = widget.NewButtonWithIcon("Retry", theme.ViewRefreshIcon(), func() { c.Retry(convID, r.msg.ClientMsgID) })
	r.retry.Importance = widget.DangerImportance
	r.ExtendBaseWidget(r)
	r.set(m)
	return r
}

// set shows a (new version of the) message.
func (r *msgRow) set(m *pb.MsgData) {
	r.msg = m
	textColor := theme.ColorNameForeground
	if r.own {
		textColor = style.ColorBubbleText
	}
	r.text.Segments = r.c.markMentions(m, richTextWithLinks(MessageText(m), textColor, r.c.openLink))
	r.text.Refresh()
	r.body.Refresh() // after the text made its links: the own bubble's theme reaches them
	r.quote.show(r.c, m)
	if r.own {
		r.bg.SetFill(style.ColorBubbleOwn)
	} else {
		name := m.SenderNickname
		if name == "" {
			name = r.c.userName(m.SendID)
		}
		widgets.SetText(r.name, name)
		r.avatar.Set(m.SendID, name, m.SenderFaceURL)
	}
	if r.att == nil {
		switch m.ContentType {
		case openim.Picture:
			r.att = newPictureView(r.c, r.convID)
		case openim.File:
			r.att = newFileView(r.c, r.convID, r.own)
		case openim.Merger:
			r.att = newMergedView(r.c, r.own, r.TappedSecondary)
		}
	}
	if r.att != nil {
		r.att.show(m)
		r.text.Hide()
	}
	r.updateMeta()
}

// updateAttachment redraws the picture or file after its transfer moved.
func (r *msgRow) updateAttachment() {
	if r.att != nil {
		r.att.show(r.msg)
		r.Refresh()
	}
}

// updateMeta refreshes the time and delivery line.
func (r *msgRow) updateMeta() {
	ts := r.msg.SendTime
	if ts == 0 {
		ts = r.msg.CreateTime
	}
	meta := r.c.clock.msgTime(ts)
	state := stateSent
	if !r.own && r.msg.Seq == 0 && r.c.statusOf(r.convID, r.msg) == stateQueued {
		meta += "  " + stateQueued.text() // someone's message waiting in their computer's outbox
	}
	if r.own {
		state = r.c.statusOf(r.convID, r.msg)
		r.state.Resource = style.Colored(state.icon(), style.ColorBubbleText)
		if state == stateFailed {
			r.state.Resource = theme.ErrorIcon()
		}
		if state != stateSent {
			meta += "  " + state.text()
		} else if r.c.shell != nil {
			if rb := r.c.shell.chat.readByText(r.msg.Seq); rb != "" {
				meta += "  " + rb
			}
		}
	}
	r.retry.Hidden = state != stateFailed
	r.state.Hidden = !r.own
	widgets.SetText(r.meta, meta)
	c := style.ColorSubtle
	if r.own {
		c = style.ColorBubbleText
	}
	widgets.SetTextColor(r.meta, c)
	r.Refresh()
}

func (r *msgRow) TappedSecondary(e *fyne.PointEvent) {
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", r.menuItems()...), r.c.win.Canvas(), e.AbsolutePosition)
}

// menuItems are what the right-click menu offers for this message.
func (r *msgRow) menuItems() []*fyne.MenuItem {
	var items []*fyne.MenuItem
	text := MessageText(r.msg)
	if r.att == nil {
		items = append(items, fyne.NewMenuItem("Copy text", func() {
			r.c.app.Clipboard().SetContent(text)
		}))
	} else if u, name := attachmentURL(r.msg); u != "" {
		id := r.msg.ClientMsgID
		items = append(items, fyne.NewMenuItem("Save as…", func() { r.c.SaveFileAs(id, u, name) }))
	}
	if r.msg.Seq > 0 && r.msg.Status != openim.MsgStatusDeleted {
		m := r.msg
		items = append(items, fyne.NewMenuItem("Reply", func() { r.c.shell.chat.replyTo(m) }),
			fyne.NewMenuItem("Forward…", func() { r.c.pickForward(m) }),
			fyne.NewMenuItem("Select…", func() { r.c.shell.chat.startSelect(m) }))
	}
	if r.own && r.c.shell != nil && len(r.c.shell.chat.readers(r.msg.Seq)) > 0 {
		seq := r.msg.Seq
		items = append(items, fyne.NewMenuItem("Read by…", func() { r.c.shell.chat.showReaders(seq) }))
	}
	if r.own && r.msg.Seq > 0 {
		m := r.msg
		items = append(items, fyne.NewMenuItem("Withdraw", func() { r.c.Revoke(r.convID, m.Seq) }))
	}
	if r.retry.Visible() {
		items = append(items, fyne.NewMenuItem("Send again", func() { r.c.Retry(r.convID, r.msg.ClientMsgID) }))
	}
	return items
}

// geometry computes where the parts go in a row of the given width.
type msgGeometry struct {
	bubble, quote, text, name, meta, avatar, retry rect
	height                                         float32
}

// rect is a position and size in a row.
type rect struct {
	Position fyne.Position
	Size     fyne.Size
}

func (r *msgRow) geometry(width float32) msgGeometry {
	var g msgGeometry
	left := float32(0)
	group := r.c.shell != nil && r.c.shell.chat.conv != nil && r.c.shell.chat.conv.Type == openim.ReadGroupChat
	if !r.own && group {
		left = bubbleAvatar + bubbleGap
	}
	maxW := maxBubbleWidth(width - left)
	ip := theme.InnerPadding()
	var textW, textH float32
	if r.att != nil {
		// A picture or file takes the text's place, at its own size (inside the text's padding).
		s := r.att.MinSize()
		textW, textH = min(s.Width, maxW-2*bubblePadX)+2*ip, s.Height+2*ip
	} else {
		// The text's natural width (longest line), plus the RichText's own padding.
		natural := float32(0)
		for _, line := range splitLines(MessageText(r.msg)) {
			natural = max(natural, fyne.MeasureText(line, theme.TextSize(), fyne.TextStyle{}).Width)
		}
		// The slack keeps RichText from wrapping a line the measure said fits.
		textW = min(natural*1.02+2*ip+6, maxW-2*bubblePadX+2*ip)
		r.text.Resize(fyne.NewSize(textW, r.text.MinSize().Height))
		textH = r.text.MinSize().Height
	}
	metaS := r.meta.MinSize()
	metaW := metaS.Width
	if r.own {
		metaW += 20
	}
	nameS := fyne.Size{}
	if r.showSender && group {
		nameS = r.name.MinSize()
	}
	quoteW := float32(0)
	if r.quote.Visible() {
		quoteW = min(r.quote.naturalWidth(), maxW-2*bubblePadX)
	}
	inner := max(textW-2*ip, metaW-2*ip, nameS.Width-2*ip, quoteW)
	bw := inner + 2*bubblePadX
	y := float32(bubblePadY)
	x := left
	if r.own {
		x = width - bw
	}
	if nameS.Height > 0 {
		g.name = rect{Position: fyne.NewPos(x+bubblePadX-ip, y-ip), Size: nameS}
		y += nameS.Height - 2*ip + 2
	}
	if quoteW > 0 {
		qh := r.quote.MinSize().Height
		g.quote = rect{Position: fyne.NewPos(x+bubblePadX, y+2), Size: fyne.NewSize(inner, qh)}
		y += qh + 6
	}
	g.text = rect{Position: fyne.NewPos(x+bubblePadX-ip, y-ip), Size: fyne.NewSize(textW, textH)}
	y += textH - 2*ip
	y += 2
	g.meta = rect{Position: fyne.NewPos(x+bw-bubblePadX-metaW+ip, y-ip), Size: metaS}
	y += metaS.Height - 2*ip + bubblePadY
	g.bubble = rect{Position: fyne.NewPos(x, 0), Size: fyne.NewSize(bw, y)}
	if !r.own && group {
		g.avatar = rect{Position: fyne.NewPos(0, y-bubbleAvatar), Size: fyne.NewSquareSize(bubbleAvatar)}
	}
	if r.own {
		rs := r.retry.MinSize()
		g.retry = rect{Position: fyne.NewPos(x-rs.Width-bubbleGap, (y-rs.Height)/2), Size: rs}
	}
	g.height = y + rowGap
	return g
}

func (r *msgRow) heightFor(width float32) float32 {
	r.width = width
	return r.geometry(width).height
}

// MinSize is the height at the last width the column gave: measuring at another width would
// re-wrap the text.
func (r *msgRow) MinSize() fyne.Size { return fyne.NewSize(0, r.heightFor(r.lastWidth())) }

func (r *msgRow) lastWidth() float32 {
	if r.width > 0 {
		return r.width
	}
	return 600
}

func (r *msgRow) CreateRenderer() fyne.WidgetRenderer { return &msgRowRenderer{r: r} }

type msgRowRenderer struct{ r *msgRow }

func place(o fyne.CanvasObject, rc rect) {
	o.Move(rc.Position)
	o.Resize(rc.Size)
}

func (rr *msgRowRenderer) Layout(size fyne.Size) {
	r := rr.r
	g := r.geometry(size.Width)
	place(r.bg, g.bubble)
	place(r.body, g.text)
	place(r.quote, g.quote)
	place(r.meta, g.meta)
	place(r.name, g.name)
	r.name.Hidden = g.name.Size.IsZero()
	place(r.avatar, g.avatar)
	r.avatar.Hidden = g.avatar.Size.IsZero() || !r.showSender
	place(r.retry, g.retry)
	if r.att != nil {
		ip := theme.InnerPadding()
		t := g.text
		place(r.att, rect{Position: t.Position.AddXY(ip, ip), Size: t.Size.SubtractWidthHeight(2*ip, 2*ip)})
	}
	if r.own {
		m := g.meta
		r.state.Move(fyne.NewPos(m.Position.X+m.Size.Width-theme.InnerPadding()+4, m.Position.Y+(m.Size.Height-14)/2))
		r.state.Resize(fyne.NewSquareSize(14))
	}
}

func (rr *msgRowRenderer) MinSize() fyne.Size { return rr.r.MinSize() }

func (rr *msgRowRenderer) Refresh() {
	r := rr.r
	r.bg.Refresh()
	r.body.Refresh()
	r.quote.Refresh()
	r.meta.Refresh()
	r.name.Refresh()
	r.avatar.Refresh()
	r.state.Refresh()
	if r.att != nil {
		r.att.Refresh()
	}
	rr.Layout(r.Size())
}

func (rr *msgRowRenderer) Objects() []fyne.CanvasObject {
	r := rr.r
	if r.att != nil {
		return []fyne.CanvasObject{r.bg, r.avatar, r.name, r.att, r.meta, r.state, r.retry}
	}
	return []fyne.CanvasObject{r.bg, r.avatar, r.name, r.quote, r.body, r.meta, r.state, r.retry}
}

func (rr *msgRowRenderer) Destroy() {}

// noticeRow is a centred line in a pill: a day separator or a group event.
type noticeRow struct {
	widget.BaseWidget
	text  *widget.RichText
	bg    *widgets.Surface
	width float32
}

func newNoticeRow(text string) *noticeRow {
	n := &noticeRow{text: widgets.StyledText(text, style.ColorSubtle, theme.SizeNameCaptionText, fyne.TextStyle{}),
		bg: widgets.NewSurface(style.ColorNoticePill)}
	n.text.Wrapping = fyne.TextWrapWord
	n.text.Segments[0].(*widget.TextSegment).Style.Alignment = fyne.TextAlignCenter
	n.text.Segments[0].(*widget.TextSegment).Style.Inline = false
	n.bg.SetRadius(10)
	n.ExtendBaseWidget(n)
	return n
}

func (n *noticeRow) geometry(width float32) (pill, text rect, height float32) {
	ip := theme.InnerPadding()
	natural := fyne.MeasureText(n.text.String(), theme.CaptionTextSize(), fyne.TextStyle{}).Width + 2*ip + 2
	w := min(natural, width*0.8)
	n.text.Resize(fyne.NewSize(w, n.text.MinSize().Height))
	h := n.text.MinSize().Height
	x := (width - w) / 2
	text = rect{Position: fyne.NewPos(x, 6), Size: fyne.NewSize(w, h)}
	pill = rect{Position: fyne.NewPos(x+ip/2, 6+ip/2), Size: fyne.NewSize(w-ip, h-ip)}
	return pill, text, h + 12
}

func (n *noticeRow) heightFor(width float32) float32 {
	n.width = width
	_, _, h := n.geometry(width)
	return h
}

func (n *noticeRow) MinSize() fyne.Size {
	w := n.width
	if w == 0 {
		w = 600
	}
	return fyne.NewSize(0, n.heightFor(w))
}

func (n *noticeRow) CreateRenderer() fyne.WidgetRenderer {
	return &noticeRenderer{n: n}
}

type noticeRenderer struct{ n *noticeRow }

func (r *noticeRenderer) Layout(size fyne.Size) {
	pill, text, _ := r.n.geometry(size.Width)
	place(r.n.bg, pill)
	place(r.n.text, text)
}
func (r *noticeRenderer) MinSize() fyne.Size { return r.n.MinSize() }
func (r *noticeRenderer) Refresh() {
	r.n.bg.Refresh()
	r.n.text.Refresh()
	r.Layout(r.n.Size())
}
func (r *noticeRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.n.bg, r.n.text} }
func (r *noticeRenderer) Destroy()                     {}

// column stacks rows at the full width, asking each for its height at that width, so wrapped
// text gets its true height. It is the content of the chat's scroll.
type column struct {
	widget.BaseWidget
	rows    []fyne.CanvasObject
	width   float32
	height  float32
	onGrown func() // the total height changed at a new width: the scroll must re-measure
}

func newColumn() *column {
	c := &column{width: 600}
	c.ExtendBaseWidget(c)
	return c
}

func (c *column) setRows(rows []fyne.CanvasObject) {
	c.rows = rows
	c.measure()
	c.Refresh()
}

func rowHeight(o fyne.CanvasObject, width float32) float32 {
	if s, ok := o.(sizedRow); ok {
		return s.heightFor(width)
	}
	return o.MinSize().Height
}

// columnPad is the margin around the rows.
const columnPad = 14

func (c *column) measure() float32 {
	h := float32(8)
	for _, o := range c.rows {
		h += rowHeight(o, c.width-2*columnPad)
	}
	c.height = h + 8
	return c.height
}

func (c *column) MinSize() fyne.Size { return fyne.NewSize(0, c.height) }

func (c *column) Resize(size fyne.Size) {
	if size.Width != c.width && size.Width > 0 {
		c.width = size.Width
		old := c.height
		if c.measure() != old && c.onGrown != nil {
			defer c.onGrown()
		}
	}
	c.BaseWidget.Resize(size)
}

func (c *column) CreateRenderer() fyne.WidgetRenderer { return &columnRenderer{c: c} }

type columnRenderer struct{ c *column }

func (r *columnRenderer) Layout(size fyne.Size) {
	y := float32(8)
	w := size.Width - 2*columnPad
	for _, o := range r.c.rows {
		h := rowHeight(o, w)
		o.Move(fyne.NewPos(columnPad, y))
		o.Resize(fyne.NewSize(w, h))
		y += h
	}
}
func (r *columnRenderer) MinSize() fyne.Size { return r.c.MinSize() }
func (r *columnRenderer) Refresh() {
	r.Layout(r.c.Size())
	for _, o := range r.c.rows {
		o.Refresh()
	}
}
func (r *columnRenderer) Objects() []fyne.CanvasObject { return r.c.rows }
func (r *columnRenderer) Destroy()                     {}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
