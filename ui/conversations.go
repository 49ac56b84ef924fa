package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/ui/style"
	"lanim/ui/widgets"
)

// conversationList is the chats pane: a search box over the conversations, pinned first.
type conversationList struct {
	c       *Controller
	content fyne.CanvasObject
	search  *keyEntry
	list    *widget.List
	rows    []*Conversation // what the list shows (after the search filter)
	current string          // the open conversation
	empty   *widget.RichText
}

func newConversationList(c *Controller) *conversationList {
	l := &conversationList{c: c}
	l.search = newKeyEntry(c)
	l.search.SetPlaceHolder("Search chats")
	l.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	l.search.OnChanged = func(string) { l.refresh() }
	l.search.OnSubmitted = func(string) {
		if len(l.rows) > 0 {
			id := l.rows[0].ID
			l.search.SetText("") // the whole list again, with the picked chat open
			c.OpenConversation(id)
		}
	}
	l.list = widget.NewList(func() int { return len(l.rows) },
		func() fyne.CanvasObject { return newConvRow(c) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(l.rows) {
				o.(*convRow).set(l.rows[i])
			}
		})
	l.list.OnSelected = func(i widget.ListItemID) {
		if i < len(l.rows) && l.rows[i].ID != l.current {
			c.OpenConversation(l.rows[i].ID)
		}
	}
	l.empty = widgets.EmptyNote("No conversations yet.\nStart one from Contacts or Groups.")
	l.empty.Segments[0].(*widget.TextSegment).Style.Alignment = fyne.TextAlignCenter
	l.empty.Wrapping = fyne.TextWrapOff // centred: it has its own line break
	newChat := widget.NewButtonWithIcon("", theme.ContentAddIcon(), func() { c.shell.show(sectionContacts) })
	newChat.Importance = widget.LowImportance
	header := container.NewBorder(nil, nil, nil, newChat, widgets.Heading("Chats"))
	top := container.NewVBox(container.NewPadded(header), container.NewPadded(l.search))
	l.content = widgets.TopThen(top, container.NewStack(l.list, container.NewCenter(l.empty)))
	return l
}

// focusSearch puts the keyboard in the search box (Ctrl+K).
func (l *conversationList) focusSearch() {
	if cv := l.c.win.Canvas(); cv != nil {
		cv.Focus(l.search)
	}
}

// refresh rebuilds the rows from the controller's conversations.
func (l *conversationList) refresh() {
	q := strings.ToLower(strings.TrimSpace(l.search.Text))
	l.rows = l.rows[:0]
	// Chats whose name matches come first, then those whose last message does: Enter opens the
	// first row, and "bob" means the chat with Bob, not a group where Bob spoke last.
	var byPreview []*Conversation
	for _, conv := range l.c.sortedConversations() {
		switch {
		case q == "" || strings.Contains(strings.ToLower(l.c.conversationName(conv)), q):
			l.rows = append(l.rows, conv)
		case strings.Contains(strings.ToLower(Preview(conv.LastMsg, l.c.self.UserID, conv.Type == openim.ReadGroupChat)), q):
			byPreview = append(byPreview, conv)
		}
	}
	l.rows = append(l.rows, byPreview...)
	l.empty.Hidden = len(l.rows) > 0
	if q != "" && len(l.rows) == 0 {
		widgets.SetText(l.empty, "No chat matches “"+l.search.Text+"”.")
	} else {
		widgets.SetText(l.empty, "No conversations yet.\nStart one from Contacts or Groups.")
	}
	l.list.Refresh()
	l.syncSelection()
}

// selectConversation highlights the open conversation.
func (l *conversationList) selectConversation(id string) {
	l.current = id
	l.syncSelection()
}

func (l *conversationList) syncSelection() {
	for i, r := range l.rows {
		if r.ID == l.current {
			l.list.Select(i)
			return
		}
	}
	l.list.UnselectAll()
}

// step moves the selection up or down (Alt+Up, Alt+Down).
func (l *conversationList) step(delta int) {
	if len(l.rows) == 0 {
		return
	}
	cur := -1
	for i, r := range l.rows {
		if r.ID == l.current {
			cur = i
		}
	}
	next := min(max(cur+delta, 0), len(l.rows)-1)
	l.c.OpenConversation(l.rows[next].ID)
}

// convRow is one conversation: avatar, name and time, preview and badges. A click opens it;
// right-click opens its menu (pin, mute, mark read). The row takes the primary tap itself: the
// desktop driver hands a click to the front-most tap handler, which is this row, not the list.
type convRow struct {
	widget.BaseWidget
	c       *Controller
	conv    *Conversation
	avatar  *widgets.Avatar
	name    *widget.RichText
	time    *widget.RichText
	preview *widget.RichText
	pin     *widget.Icon
	mute    *widget.Icon
	badge   *widgets.Badge
	bg      *widgets.Surface
}

func newConvRow(c *Controller) *convRow {
	r := &convRow{c: c, avatar: widgets.NewAvatar(c.pics, "", "", "", 44), name: widgets.Truncated(widgets.Bold("")), time: widgets.Subtle(""),
		preview: widgets.Truncated(widgets.StyledText("", style.ColorSubtle, theme.SizeNameText, fyne.TextStyle{})),
		pin:     widget.NewIcon(style.Colored(style.IconPin, style.ColorSubtle)), mute: widget.NewIcon(style.Colored(style.IconBellOff, style.ColorSubtle)),
		badge: widgets.NewBadge(), bg: widgets.NewSurface(style.ColorPinned)}
	r.ExtendBaseWidget(r)
	return r
}

func (r *convRow) set(conv *Conversation) {
	r.conv = conv
	r.avatar.Set(conv.PeerID+conv.GroupID, r.c.conversationName(conv), conv.FaceURL)
	widgets.SetText(r.name, r.c.conversationName(conv))
	widgets.SetText(r.time, r.c.clock.listTime(conv.LastTime))
	preview := Preview(conv.LastMsg, r.c.self.UserID, conv.Type == openim.ReadGroupChat)
	if conv.AtMe {
		preview = "[@you] " + preview
	}
	widgets.SetText(r.preview, preview)
	r.pin.Hidden = !conv.Pinned
	r.mute.Hidden = !conv.Muted()
	r.badge.Set(conv.Unread(), conv.Muted())
	r.bg.Hidden = !conv.Pinned
	r.Refresh()
}

// Tapped opens the conversation.
func (r *convRow) Tapped(*fyne.PointEvent) {
	if r.conv != nil {
		r.c.OpenConversation(r.conv.ID)
	}
}

func (r *convRow) TappedSecondary(e *fyne.PointEvent) {
	conv := r.conv
	if conv == nil {
		return
	}
	pin := fyne.NewMenuItem("Pin to top", func() { r.c.PinConversation(conv.ID, true) })
	if conv.Pinned {
		pin = fyne.NewMenuItem("Unpin", func() { r.c.PinConversation(conv.ID, false) })
	}
	mute := fyne.NewMenuItem("Mute notifications", func() { r.c.MuteConversation(conv.ID, true) })
	if conv.Muted() {
		mute = fyne.NewMenuItem("Unmute notifications", func() { r.c.MuteConversation(conv.ID, false) })
	}
	read := fyne.NewMenuItem("Mark as read", func() { r.c.markRead(conv) })
	read.Disabled = conv.Unread() == 0
	widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", pin, mute, read), r.c.win.Canvas(), e.AbsolutePosition)
}

func (r *convRow) CreateRenderer() fyne.WidgetRenderer {
	icons := container.NewHBox(r.pin, r.mute, r.badge)
	top := container.NewBorder(nil, nil, nil, r.time, r.name)
	bottom := container.NewBorder(nil, nil, nil, icons, r.preview)
	text := widgets.Tight(top, bottom)
	row := container.NewBorder(nil, nil, container.NewCenter(r.avatar), nil, text)
	return widget.NewSimpleRenderer(container.NewStack(r.bg, container.NewPadded(row)))
}
