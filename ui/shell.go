package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/ui/style"
	"lanim/ui/widgets"
)

// section is a page of the main window, picked in the rail.
type section int

const (
	sectionChats section = iota
	sectionContacts
	sectionGroups
	sectionOffice
	sectionProfile
	sectionPeople // the office directory; last, so the other sections keep their numbers
)

// The list pane beside the rail is listWidth wide, narrower in a narrow window (listShare of
// the page, at least minListWidth) so the page beside it keeps room.
const (
	listWidth    = 300
	minListWidth = 220
	listShare    = 0.4
)

// shell is the signed-in window: the rail on the left, the offline banner on top, and the page of
// the selected section. It routes the controller's state changes to the pages.
type shell struct {
	c       *Controller
	content fyne.CanvasObject
	section section
	pages   *fyne.Container
	banner  *banner
	rail    *rail

	chats    *conversationList
	chat     *chatView
	contacts *contactsPage
	groups   *groupsPage
	office   *officePage
	profile  *profilePage
	people   *peoplePage
}

func newShell(c *Controller) *shell {
	s := &shell{c: c}
	s.chats = newConversationList(c)
	s.chat = newChatView(c)
	s.contacts = newContactsPage(c)
	s.groups = newGroupsPage(c)
	s.office = newOfficePage(c)
	s.profile = newProfilePage(c)
	s.people = newPeoplePage(c)
	s.banner = newBanner()
	s.rail = newRail(s)

	chatsPage := listThen(s.chats.content, s.chat.content)
	s.pages = container.NewStack(chatsPage, s.contacts.content, s.groups.content, s.office.content, s.profile.content,
		s.people.content)
	// The banner floats over the top of the pages: showing it moves nothing.
	s.content = widgets.LeftThen(s.rail.content, container.NewStack(s.pages, container.NewVBox(s.banner)))
	s.show(sectionChats)
	s.connChanged()
	return s
}

// listThen is a page of a list pane (on the panel colour, with a separator on its right) and
// the picked item's pane beside it.
func listThen(list, detail fyne.CanvasObject) *fyne.Container {
	line := widget.NewSeparator()
	pane := container.NewStack(widgets.NewSurface(style.ColorPanel), container.NewBorder(nil, nil, nil, line, list))
	return container.New(listLayout{}, pane, detail)
}

// listLayout gives the list pane its width for the page's width and the rest to the detail.
type listLayout struct{}

func (listLayout) listWidth(page float32) float32 {
	return max(min(page*listShare, listWidth), minListWidth)
}

func (l listLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := l.listWidth(size.Width)
	objs[0].Move(fyne.Position{})
	objs[0].Resize(fyne.NewSize(w, size.Height))
	objs[1].Move(fyne.NewPos(w, 0))
	objs[1].Resize(fyne.NewSize(size.Width-w, size.Height))
}

func (listLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	list, detail := objs[0].MinSize(), objs[1].MinSize()
	return fyne.NewSize(max(list.Width, minListWidth)+detail.Width, max(list.Height, detail.Height))
}

// show switches the page.
func (s *shell) show(sec section) {
	s.section = sec
	s.c.noteInput()
	for i, p := range s.pages.Objects {
		if i == int(sec) {
			p.Show()
		} else {
			p.Hide()
		}
	}
	s.pages.Refresh()
	s.rail.selected(sec)
	// The keyboard lands where the page is used from: its search, or the message box.
	cv := s.c.win.Canvas()
	switch sec {
	case sectionOffice:
		s.office.reload()
	case sectionContacts:
		cv.Focus(s.contacts.search)
	case sectionPeople:
		s.c.reloadDirectory()
		cv.Focus(s.people.search)
	case sectionGroups:
		cv.Focus(s.groups.search)
	case sectionChats:
		if s.chat.conv != nil {
			cv.Focus(s.chat.composer.entry)
			if s.c.focused {
				s.c.markRead(s.chat.conv)
			}
		}
	}
}

// openChat shows a conversation in the chat page.
func (s *shell) openChat(conv *Conversation) {
	s.show(sectionChats)
	s.chats.selectConversation(conv.ID)
	s.chat.open(conv)
	if s.c.focused {
		s.c.markRead(conv)
	}
}

func (s *shell) conversationsChanged() {
	s.chats.refresh()
	if s.chat.conv != nil {
		if conv := s.c.convs[s.chat.conv.ID]; conv != nil {
			s.chat.conversationChanged(conv)
		}
	}
}

func (s *shell) contactsChanged() {
	s.contacts.refresh()
	s.people.refreshList() // a new friend may chat where the office needs a friendship
	s.rail.setBadge(sectionContacts, countPending(s.c.reqIn, openim.FriendRequestPending))
}

func (s *shell) groupsChanged() {
	s.groups.refresh()
	s.rail.setBadge(sectionGroups, countPending(s.c.groupReq, openim.GroupRequestPending))
	s.chat.groupsChanged()
}

func (s *shell) selfChanged() {
	s.rail.selfChanged()
	s.profile.refresh()
	s.c.refreshTray()
}

func (s *shell) presenceChanged() {
	s.contacts.refresh()
	s.people.refreshList()
	s.chat.presenceChanged()
}

func (s *shell) unreadChanged(n int64) { s.rail.setBadge(sectionChats, n) }

func (s *shell) connChanged() {
	s.banner.set(s.c.conn)
	s.content.Refresh() // the banner appears or goes
	s.chat.connChanged()
	s.office.connChanged(s.section == sectionOffice)
}

// banner is the strip across the top that says the office is out of reach.
type banner struct {
	widget.BaseWidget
	text *widget.RichText
	icon *widget.Icon
}

func newBanner() *banner {
	b := &banner{text: widgets.StyledText("", style.ColorBannerText, theme.SizeNameText, fyne.TextStyle{Bold: true}),
		icon: widget.NewIcon(style.Colored(style.IconCloudOff, style.ColorBannerText))}
	b.ExtendBaseWidget(b)
	b.Hide()
	return b
}

func (b *banner) set(s ConnState) {
	switch s {
	case NoQuorum:
		widgets.SetText(b.text, "Offline: the office is out of reach. You can keep writing; messages wait here and go out when it is back.")
	case Connecting:
		widgets.SetText(b.text, "Reconnecting to this computer's node…")
	default:
		b.Hide()
		return
	}
	b.Show()
}

func (b *banner) CreateRenderer() fyne.WidgetRenderer {
	b.text.Wrapping = fyne.TextWrapWord
	row := container.NewBorder(nil, nil, container.NewCenter(b.icon), nil, b.text)
	return widget.NewSimpleRenderer(container.NewStack(widgets.NewSurface(style.ColorBannerBg),
		container.NewPadded(row)))
}

// rail is the dark navigation column: the sections with their badges, the theme switch and the
// user's avatar (the profile).
type rail struct {
	s       *shell
	content fyne.CanvasObject
	items   map[section]*railItem
	me      *widgets.Avatar
}

func newRail(s *shell) *rail {
	r := &rail{s: s, items: map[section]*railItem{}}
	add := func(sec section, icon fyne.Resource, label string) *railItem {
		it := newRailItem(icon, label, func() { s.show(sec) })
		r.items[sec] = it
		return it
	}
	r.me = widgets.NewAvatar(s.c.pics, s.c.self.UserID, s.c.self.Nickname, s.c.self.FaceURL, 36)
	meBtn := widgets.NewTapArea(container.NewCenter(r.me), func() { s.show(sectionProfile) })
	themeBtn := newRailItem(style.IconMoon, "Theme", func() { toggleTheme(s.c) })
	col := container.NewVBox(
		container.NewPadded(meBtn),
		add(sectionChats, style.IconChat, "Chats"),
		add(sectionContacts, style.IconContacts, "Contacts"),
		add(sectionPeople, style.IconOffice, "People"),
		add(sectionGroups, style.IconPeople, "Groups"),
		add(sectionOffice, style.IconLAN, "Office"),
		layout.NewSpacer(),
		themeBtn,
	)
	r.content = container.NewStack(widgets.NewSurface(style.ColorRail), container.New(widgets.FixedWidth(72), col))
	return r
}

func (r *rail) selected(sec section) {
	for k, it := range r.items {
		it.setActive(k == sec)
	}
}

func (r *rail) setBadge(sec section, n int64) {
	if it := r.items[sec]; it != nil {
		it.badge.Set(n, false)
	}
}

func (r *rail) selfChanged() {
	self := r.s.c.self
	r.me.Set(self.UserID, self.Nickname, self.FaceURL)
}

// railItem is one section button: an icon over a short label, a badge in the corner.
type railItem struct {
	widget.BaseWidget
	icon    *canvas.Image
	iconRes fyne.Resource
	label   *widget.RichText
	badge   *widgets.Badge
	active  bool
	hovered bool
	bg      *canvas.Rectangle
	tapped  func()
}

func newRailItem(icon fyne.Resource, label string, tapped func()) *railItem {
	it := &railItem{iconRes: icon, label: widgets.StyledText(label, style.ColorRailIcon, theme.SizeNameCaptionText, fyne.TextStyle{}),
		badge: widgets.NewBadge(), bg: &canvas.Rectangle{CornerRadius: 10}, tapped: tapped}
	it.label.Segments[0].(*widget.TextSegment).Style.Alignment = fyne.TextAlignCenter
	it.icon = canvas.NewImageFromResource(style.Colored(icon, style.ColorRailIcon))
	it.icon.FillMode = canvas.ImageFillContain
	it.icon.SetMinSize(fyne.NewSquareSize(24))
	it.ExtendBaseWidget(it)
	return it
}

func (it *railItem) setActive(a bool) {
	if it.active == a {
		return
	}
	it.active = a
	c := style.ColorRailIcon
	if a {
		c = style.ColorBubbleText
	}
	it.icon.Resource = style.Colored(it.iconRes, c)
	widgets.SetTextColor(it.label, c)
	it.Refresh()
}

func (it *railItem) Tapped(*fyne.PointEvent)             { it.tapped() }
func (it *railItem) MouseIn(*desktop.MouseEvent)         { it.hovered = true; it.Refresh() }
func (it *railItem) MouseMoved(*desktop.MouseEvent)      {}
func (it *railItem) MouseOut()                           { it.hovered = false; it.Refresh() }
func (it *railItem) Cursor() desktop.Cursor              { return desktop.PointerCursor }
func (it *railItem) MinSize() fyne.Size                  { return fyne.NewSize(72, 58) }
func (it *railItem) CreateRenderer() fyne.WidgetRenderer { return &railItemRenderer{it: it} }

type railItemRenderer struct{ it *railItem }

func (r *railItemRenderer) Layout(size fyne.Size) {
	it := r.it
	it.bg.Move(fyne.NewPos(8, 2))
	it.bg.Resize(fyne.NewSize(size.Width-16, size.Height-4))
	it.icon.Move(fyne.NewPos((size.Width-24)/2, 8))
	it.icon.Resize(fyne.NewSquareSize(24))
	ls := it.label.MinSize()
	it.label.Move(fyne.NewPos(0, 30))
	it.label.Resize(fyne.NewSize(size.Width, ls.Height))
	bs := it.badge.MinSize()
	it.badge.Move(fyne.NewPos(size.Width/2+4, 2))
	it.badge.Resize(bs)
}

func (r *railItemRenderer) MinSize() fyne.Size { return r.it.MinSize() }

func (r *railItemRenderer) Refresh() {
	it := r.it
	switch {
	case it.active:
		it.bg.FillColor = style.Color(style.ColorRailActive)
	case it.hovered:
		it.bg.FillColor = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0x14}
	default:
		it.bg.FillColor = color.Transparent
	}
	it.bg.Refresh()
	it.icon.Refresh()
	it.label.Refresh()
	it.badge.Refresh()
}

func (r *railItemRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.it.bg, r.it.icon, r.it.label, r.it.badge}
}

func (r *railItemRenderer) Destroy() {}

// setContent shows a screen in the window, stopping the loading screen's indicator it replaces.
func (c *Controller) setContent(o fyne.CanvasObject) {
	if c.spinner != nil && o != c.spinnerScreen {
		c.spinner.Stop()
		c.spinner, c.spinnerScreen = nil, nil
	}
	c.win.SetContent(o)
}

// loadingScreen is a centred activity indicator with a line of text. Its animation runs until
// the window shows something else (setContent stops it): an indicator left running after it
// is replaced would still redraw the window 60 times a second, hidden or not.
func (c *Controller) loadingScreen(text string) fyne.CanvasObject {
	if c.spinner != nil {
		c.spinner.Stop()
	}
	act := widget.NewActivity()
	act.Start()
	c.spinner = act
	c.spinnerScreen = container.NewStack(widgets.NewSurface(style.ColorOnboardBack),
		container.NewCenter(container.NewVBox(container.NewCenter(act), widget.NewLabel(text))))
	return c.spinnerScreen
}
