package ui

import (
	"context"
	"slices"
	"sort"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/ui/style"
	"lanim/ui/widgets"
)

// chatView is one conversation: a header, the messages (older ones load on scrolling up) and the
// composer.
type chatView struct {
	c       *Controller
	content fyne.CanvasObject
	empty   fyne.CanvasObject
	box     fyne.CanvasObject
	conv    *Conversation
	gen     int // counts opens, so a late history answer for another chat is dropped

	avatar   *widgets.Avatar
	title    *widget.RichText
	subtitle *widget.RichText
	muteBtn  *widget.Button
	infoBtn  *widget.Button

	msgs    []*pb.MsgData // stored messages, by seq
	rows    map[string]*msgRow
	col     *column
	scroll  *container.Scroll
	hasMore bool
	loading bool
	ready   bool // the first page is shown at the bottom: scrolling to the top may load more
	newPill *widget.Button

	reads        map[string]int64 // group chats: how far each member has read, by user ID
	readersShown []string         // who the last "Read by" list named (for tests)

	jump  int64   // the seq to show once loaded (a search result), 0 for none
	found *msgRow // the bubble a search opened, outlined

	composer    *composer
	sel         map[string]bool // select mode (select.go): ticked messages by clientMsgID; nil when off
	selBar      *selectBar
	members     []*pb.GroupMemberFullInfo
	typingUntil time.Time
}

func newChatView(c *Controller) *chatView {
	v := &chatView{c: c, rows: map[string]*msgRow{}}
	v.avatar = widgets.NewAvatar(c.pics, "", "", "", 38)
	v.title = widgets.Truncated(widgets.StyledText("", theme.ColorNameForeground, theme.SizeNameSubHeadingText, fyne.TextStyle{Bold: true}))
	v.subtitle = widgets.Subtle("")
	v.muteBtn = widget.NewButtonWithIcon("", style.IconBellOff, func() {
		if v.conv != nil {
			c.MuteConversation(v.conv.ID, !v.conv.Muted())
		}
	})
	v.muteBtn.Importance = widget.LowImportance
	v.infoBtn = widget.NewButtonWithIcon("", theme.InfoIcon(), v.showInfo)
	v.infoBtn.Importance = widget.LowImportance
	header := container.NewBorder(nil, nil, container.NewCenter(v.avatar), container.NewHBox(v.muteBtn, v.infoBtn),
		widgets.Tight(v.title, v.subtitle))
	headerBox := container.NewVBox(container.NewStack(widgets.NewSurface(theme.ColorNameBackground),
		container.New(layout.NewCustomPaddedLayout(8, 8, 14, 10), header)), widget.NewSeparator())

	v.col = newColumn()
	v.scroll = container.NewVScroll(v.col)
	v.col.onGrown = func() { v.scroll.Refresh() }
	v.scroll.OnScrolled = v.scrolled
	v.newPill = widget.NewButtonWithIcon("New messages", theme.MoveDownIcon(), func() {
		v.scroll.ScrollToBottom()
		v.newPill.Hide()
	})
	v.newPill.Importance = widget.HighImportance
	v.newPill.Hide()
	pill := container.NewVBox(layout.NewSpacer(), container.NewCenter(v.newPill), widget.NewLabel(""))
	v.composer = newComposer(c)
	messages := container.NewStack(widgets.NewSurface(style.ColorChat), v.scroll, pill, v.composer.mention.layer)
	v.composer.onSend = func(text string, mentions []string) {
		if v.conv != nil {
			c.SendText(v.conv, text, mentions, v.composer.reply)
			v.scroll.ScrollToBottom()
		}
	}
	v.composer.onType = func() {
		if v.conv != nil {
			c.Typing(v.conv)
		}
	}
	v.composer.members = v.mentionable
	v.composer.onAttach = func() {
		if v.conv != nil {
			c.PickFiles(v.conv)
		}
	}
	v.composer.onPasteFiles = func(paths []string) {
		if v.conv != nil {
			c.SendFiles(v.conv, paths)
		}
	}
	v.composer.onPastePicture = func(png []byte) {
		if v.conv != nil {
			c.SendPastedPicture(v.conv, png)
		}
	}
	v.selBar = newSelectBar(v)
	v.box = container.NewBorder(headerBox, container.NewVBox(widget.NewSeparator(), v.composer.content, v.selBar.content), nil, nil, messages)
	v.empty = emptyChat(c)
	v.box.Hide()
	v.content = container.NewStack(widgets.NewSurface(style.ColorChat), v.empty, v.box)
	return v
}

// emptyChat is what the chat page shows before a conversation is picked.
func emptyChat(c *Controller) fyne.CanvasObject {
	var items []fyne.CanvasObject
	if c.opts.Icon != nil {
		logo := canvas.NewImageFromResource(c.opts.Icon)
		logo.FillMode = canvas.ImageFillContain
		logo.SetMinSize(fyne.NewSquareSize(96))
		items = append(items, container.NewCenter(logo))
	}
	items = append(items, centred(widgets.Heading("Pick a conversation")),
		centred(widgets.Subtle("Ctrl+K searches your chats · Alt+↑/↓ moves between them")))
	return hintBox(items...)
}

// open shows a conversation and loads its newest messages.
func (v *chatView) open(conv *Conversation) {
	prev := ""
	if v.conv != nil {
		if v.conv.ID == conv.ID {
			v.c.win.Canvas().Focus(v.composer.entry)
			return
		}
		prev = v.conv.ID
	}
	v.endSelect()
	v.gen++
	v.conv = conv
	v.msgs, v.members = nil, nil
	v.rows = map[string]*msgRow{}
	v.hasMore, v.loading, v.ready = false, true, false
	v.typingUntil = time.Time{}
	v.jump, v.found = 0, nil
	v.reads = nil
	v.newPill.Hide()
	v.composer.switchTo(prev, conv.ID)
	v.empty.Hide()
	v.box.Show()
	v.updateHeader()
	v.render()
	gen := v.gen
	v.c.history(conv.ID, 0, func(msgs []*pb.MsgData) {
		if gen != v.gen {
			return
		}
		v.loading = false
		v.hasMore = len(msgs) >= historyPage
		v.merge(msgs)
		v.render()
		v.scroll.ScrollToBottom()
		v.ready = true
		v.fillViewport()
		v.tryJump()
	})
	if conv.Type == openim.ReadGroupChat {
		v.loadMembers()
		v.loadReads()
	}
	v.c.win.Canvas().Focus(v.composer.entry)
}

// close goes back to the empty state (the conversation went away).
func (v *chatView) close() {
	v.conv = nil
	v.box.Hide()
	v.empty.Show()
}

func (v *chatView) loadMembers() {
	gid, gen := v.conv.GroupID, v.gen
	call(v.c, func(ctx context.Context) ([]*pb.GroupMemberFullInfo, error) {
		return v.c.be.Members(ctx, gid)
	}, func(ms []*pb.GroupMemberFullInfo) {
		if gen == v.gen {
			v.members = ms
			v.updateHeader()
			v.receiptsChanged(v.conv)
		}
	}, func(error) {}) // not a member any more: the header says so through the group list
}

// mentionable is who "@" offers: the group's members but the user.
func (v *chatView) mentionable() []mention {
	if v.conv == nil || v.conv.Type != openim.ReadGroupChat {
		return nil
	}
	var out []mention
	for _, m := range v.members {
		if m.UserID == v.c.self.UserID {
			continue
		}
		name := m.Nickname
		if name == "" {
			name = m.UserID
		}
		out = append(out, mention{userID: m.UserID, name: name})
	}
	return out
}

// updateHeader shows the name, the typing/presence/member line and the mute state.
func (v *chatView) updateHeader() {
	conv := v.conv
	if conv == nil {
		return
	}
	name := v.c.conversationName(conv)
	v.avatar.Set(conv.PeerID+conv.GroupID, name, conv.FaceURL)
	widgets.SetText(v.title, name)
	sub := ""
	switch {
	case time.Now().Before(v.typingUntil):
		sub = "typing…"
	case conv.Type == openim.ReadGroupChat:
		if n := len(v.members); n > 0 {
			sub = plural(n, "member")
		}
		for _, g := range v.c.groups {
			if g.GroupID == conv.GroupID && g.Status == openim.GroupStatusMuted {
				sub += " · muted: only admins can post"
			}
		}
	default:
		if sub = v.c.presenceWords(conv.PeerID); sub == "" {
			sub = conv.PeerID
		}
	}
	widgets.SetText(v.subtitle, sub)
	if conv.Muted() {
		v.muteBtn.SetIcon(style.Colored(style.IconBellOff, theme.ColorNamePrimary))
	} else {
		v.muteBtn.SetIcon(style.IconBellOff)
	}
	v.avatar.SetOnline(0)
	if conv.Type == openim.SingleChat {
		v.avatar.SetOnline(v.c.presenceOf(conv.PeerID))
	}
}

// merge adds stored messages, replacing ones already shown (a revoke, a retry's echo).
func (v *chatView) merge(msgs []*pb.MsgData) {
	byID := map[string]int{}
	for i, m := range v.msgs {
		byID[m.ClientMsgID] = i
	}
	for _, m := range msgs {
		if m.Status == openim.MsgStatusDeleted || m.ContentType == openim.Typing {
			continue
		}
		if i, ok := byID[m.ClientMsgID]; ok {
			v.msgs[i] = m
			continue
		}
		byID[m.ClientMsgID] = len(v.msgs)
		v.msgs = append(v.msgs, m)
	}
	sort.SliceStable(v.msgs, func(i, j int) bool { return v.msgs[i].Seq < v.msgs[j].Seq })
}

// render rebuilds the rows: day separators, event lines and bubbles (reused by clientMsgID).
func (v *chatView) render() {
	if v.conv == nil {
		return
	}
	all := append([]*pb.MsgData(nil), v.msgs...)
	shown := map[string]bool{}
	for _, m := range v.msgs {
		shown[m.ClientMsgID] = true
	}
	for _, o := range v.c.pendingFor(v.conv.ID) {
		if !shown[o.msg.ClientMsgID] {
			all = append(all, o.msg)
		}
	}
	var rows []fyne.CanvasObject
	if v.loading && len(all) == 0 {
		rows = append(rows, newNoticeRow("Loading messages…"))
	} else if v.hasMore {
		rows = append(rows, newNoticeRow("Scroll up for older messages"))
	} else if len(all) == 0 {
		rows = append(rows, newNoticeRow("No messages yet. Say hello!"))
	}
	keep := map[string]*msgRow{}
	var prev *pb.MsgData
	for _, m := range all {
		ts := msgTime(m)
		if prev == nil || !sameDay(v.c.clock.at(msgTime(prev)), v.c.clock.at(ts)) {
			rows = append(rows, newNoticeRow(v.c.clock.dayLabel(ts)))
			prev = nil
		}
		if openim.IsNotification(m.ContentType) {
			if text := NotificationText(m, v.c.self.UserID); text != "" {
				rows = append(rows, newNoticeRow(text))
			}
			prev = m
			continue
		}
		first := prev == nil || openim.IsNotification(prev.ContentType) || prev.SendID != m.SendID
		r := v.rows[m.ClientMsgID]
		if r == nil || r.showSender != (first && m.SendID != v.c.self.UserID) {
			r = newMsgRow(v.c, v.conv.ID, m, first)
		} else if r.msg != m {
			r.set(m)
		}
		keep[m.ClientMsgID] = r
		rows = append(rows, v.selectableRow(r))
		prev = m
	}
	v.rows = keep
	v.col.setRows(rows)
	v.scroll.Refresh()
}

func msgTime(m *pb.MsgData) int64 {
	if m.SendTime > 0 {
		return m.SendTime
	}
	return m.CreateTime
}

// atBottom reports whether the newest message is in view.
func (v *chatView) atBottom() bool {
	return v.scroll.Offset.Y+v.scroll.Size().Height >= v.col.MinSize().Height-80
}

// scrolled loads older messages at the top and hides the new-message pill at the bottom.
func (v *chatView) scrolled(pos fyne.Position) {
	if v.atBottom() {
		v.newPill.Hide()
	}
	if !v.ready || pos.Y > 60 || !v.hasMore || v.loading || v.conv == nil || len(v.msgs) == 0 {
		return
	}
	v.loadOlder()
}

// fillViewport loads older pages while the messages do not fill the view: there is nothing to
// scroll, so scrolling up could never ask for them.
func (v *chatView) fillViewport() {
	if v.hasMore && !v.loading && len(v.msgs) > 0 && v.col.MinSize().Height < v.scroll.Size().Height {
		v.loadOlder()
	}
}

// loadOlder fetches the page before the oldest message and keeps the view where it was.
func (v *chatView) loadOlder() {
	v.loading = true
	gen, before := v.gen, v.msgs[0].Seq
	v.c.history(v.conv.ID, before, func(msgs []*pb.MsgData) {
		if gen != v.gen {
			return
		}
		v.loading = false
		v.hasMore = len(msgs) >= historyPage
		oldH := v.col.MinSize().Height
		v.merge(msgs)
		v.render()
		v.scroll.Offset.Y += v.col.MinSize().Height - oldH
		v.scroll.Refresh()
		v.fillViewport()
		v.tryJump()
	})
}

// reloadNewest re-reads the newest page after a reconnect: pushes missed while the link was down.
func (v *chatView) reloadNewest() {
	if v.conv == nil {
		return
	}
	gen := v.gen
	v.c.history(v.conv.ID, 0, func(msgs []*pb.MsgData) {
		if gen == v.gen {
			v.merge(msgs)
			v.render()
		}
	})
}

// received shows a new message of the open conversation (a push, or the user's own send).
func (v *chatView) received(m *pb.MsgData) {
	if v.conv == nil || openim.ChatConversationID(m.SessionType, m.SendID, m.RecvID, m.GroupID) != v.conv.ID {
		return
	}
	stick := v.atBottom() || m.SendID == v.c.self.UserID
	if m.SendID != v.c.self.UserID && m.Seq > 0 {
		v.typingUntil = time.Time{}
		v.updateHeader()
	}
	if m.Seq > 0 {
		v.merge([]*pb.MsgData{m})
	}
	v.render()
	if stick {
		v.scroll.ScrollToBottom()
	} else {
		v.newPill.Show()
	}
}

// has reports whether the open chat is convID and shows its committed message clientMsgID.
func (v *chatView) has(convID, clientMsgID string) bool {
	return v.conv != nil && v.conv.ID == convID &&
		slices.ContainsFunc(v.msgs, func(m *pb.MsgData) bool { return m.ClientMsgID == clientMsgID })
}

// stored replaces a pending message with the node's copy.
func (v *chatView) stored(m *pb.MsgData) {
	if v.conv == nil || openim.ChatConversationID(m.SessionType, m.SendID, m.RecvID, m.GroupID) != v.conv.ID || m.Seq == 0 {
		return
	}
	v.merge([]*pb.MsgData{m})
	v.render()
}

// statusChanged updates the delivery line of a pending message.
func (v *chatView) statusChanged(o *outMsg) {
	if r := v.rows[o.msg.ClientMsgID]; r != nil {
		r.updateMeta()
	}
}

// receiptsChanged updates "Read" under the user's messages.
func (v *chatView) receiptsChanged(conv *Conversation) {
	if v.conv == nil || v.conv.ID != conv.ID {
		return
	}
	for _, r := range v.rows {
		if r.own {
			r.updateMeta()
		}
	}
}

// revoked turns a message into "… withdrew a message".
func (v *chatView) revoked(e RevokeEvent) {
	if v.conv == nil || v.conv.ID != e.ConversationID {
		return
	}
	for i, m := range v.msgs {
		if m.ClientMsgID == e.ClientMsgID {
			n := NewNotification(openim.MsgRevokeNotification, e.RevokerID, &pb.RevokeMsgTips{RevokerUserID: e.RevokerID,
				ClientMsgID: m.ClientMsgID, Seq: m.Seq, ConversationID: e.ConversationID, SesstionType: m.SessionType})
			n.ClientMsgID, n.Seq, n.SendTime, n.SendID, n.SenderNickname = m.ClientMsgID, m.Seq, m.SendTime, m.SendID, m.SenderNickname
			n.SessionType, n.GroupID, n.RecvID = m.SessionType, m.GroupID, m.RecvID
			v.msgs[i] = n
			v.render()
			return
		}
	}
}

// typing shows "typing…" for a few seconds.
func (v *chatView) typing(e TypingEvent) {
	if v.conv == nil || v.conv.ID != e.ConversationID || e.UserID == v.c.self.UserID {
		return
	}
	const show = 5 * time.Second
	v.typingUntil = time.Now().Add(show)
	v.updateHeader()
	gen := v.gen
	time.AfterFunc(show+100*time.Millisecond, func() {
		v.c.post(func() {
			if gen == v.gen {
				v.updateHeader()
			}
		})
	})
}

// conversationChanged applies new conversation data (name, mute) to the open chat.
func (v *chatView) conversationChanged(conv *Conversation) {
	if v.conv == nil || v.conv.ID != conv.ID {
		return
	}
	v.conv = conv
	v.updateHeader()
}

func (v *chatView) groupsChanged() {
	if v.conv != nil && v.conv.Type == openim.ReadGroupChat {
		v.loadMembers()
	}
}

func (v *chatView) presenceChanged() { v.updateHeader() }

func (v *chatView) connChanged() {
	for _, r := range v.rows {
		if r.own {
			r.updateMeta()
		}
	}
}

// showInfo opens the contact or the group of the chat.
func (v *chatView) showInfo() {
	if v.conv == nil {
		return
	}
	if v.conv.Type == openim.ReadGroupChat {
		v.c.shell.show(sectionGroups)
		v.c.shell.groups.showGroup(v.conv.GroupID)
		return
	}
	v.c.shell.show(sectionContacts)
	v.c.shell.contacts.showUser(v.conv.PeerID)
}
