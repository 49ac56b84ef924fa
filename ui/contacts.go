package ui

import (
	"context"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/ui/style"
	"lanim/ui/widgets"
)

// contactsPage is friends, friend requests and the black list: a list on the left, the picked
// person or list on the right.
type contactsPage struct {
	c *Controller
	listPage
	// shown is what the detail pane shows: "requests", "blocked" or a user ID.
	shown string
}

func newContactsPage(c *Controller) *contactsPage {
	p := &contactsPage{c: c}
	p.listPage = newListPage(c, "Contacts", "Search contacts", func() { p.refreshList() },
		widget.NewButtonWithIcon("", style.IconPersonAdd, func() { p.addFriend() }))
	p.showEmpty()
	return p
}

// countPending counts the requests (friend or group) still waiting for an answer.
func countPending[R interface{ GetHandleResult() int32 }](rs []R, pending int32) int64 {
	var n int64
	for _, r := range rs {
		if r.GetHandleResult() == pending {
			n++
		}
	}
	return n
}

func (p *contactsPage) refresh() {
	p.refreshList()
	switch p.shown {
	case "":
	case "requests":
		p.showRequests()
	case "blocked":
		p.showBlocked()
	default:
		p.showUser(p.shown)
	}
}

// refreshList rebuilds the left list: the two special rows, then friends by name.
func (p *contactsPage) refreshList() {
	c := p.c
	p.list.RemoveAll()
	q := p.query()
	if q == "" {
		reqRow := newSpecialRow(style.IconPersonAdd, "Friend requests", countPending(c.reqIn, openim.FriendRequestPending), func() { p.showRequests() })
		blockRow := newSpecialRow(style.IconBlock, "Blocked users", 0, func() { p.showBlocked() })
		p.list.Add(reqRow)
		p.list.Add(blockRow)
		p.list.Add(widget.NewSeparator())
	}
	friends := append([]*pb.FriendInfo(nil), c.friends...)
	sortFriends(friends)
	n := 0
	for _, f := range friends {
		u := f.FriendUser
		if u == nil {
			continue
		}
		name := friendName(f)
		if q != "" && !strings.Contains(strings.ToLower(name+" "+u.UserID+" "+u.Nickname), q) {
			continue
		}
		n++
		id := u.UserID
		av := widgets.NewAvatar(c.pics, id, name, u.FaceURL, 36)
		av.SetOnline(c.presenceOf(id))
		p.list.Add(listRow(av, name, widgets.Truncated(widgets.Subtle(id)), p.shown == id, func() { p.showUser(id) }))
	}
	p.endList(n, "No friends yet. Add one with the button above.", "Nobody matches “%s”.")
}

func sortFriends(fs []*pb.FriendInfo) {
	for i := 1; i < len(fs); i++ {
		for j := i; j > 0 && strings.ToLower(friendName(fs[j])) < strings.ToLower(friendName(fs[j-1])); j-- {
			fs[j], fs[j-1] = fs[j-1], fs[j]
		}
	}
}

func friendName(f *pb.FriendInfo) string {
	switch {
	case f.Remark != "":
		return f.Remark
	case f.FriendUser.GetNickname() != "":
		return f.FriendUser.GetNickname()
	}
	return f.FriendUser.GetUserID()
}

// newSpecialRow is a list row with an icon instead of an avatar.
func newSpecialRow(icon fyne.Resource, text string, count int64, tapped func()) fyne.CanvasObject {
	ic := canvas.NewImageFromResource(style.Colored(icon, theme.ColorNamePrimary))
	ic.FillMode = canvas.ImageFillContain
	ic.SetMinSize(fyne.NewSquareSize(22))
	b := widgets.NewBadge()
	b.Set(count, false)
	row := container.NewBorder(nil, nil, container.New(widgets.FixedWidth(36), container.NewCenter(ic)), b, widgets.Bold(text))
	return widgets.NewTapArea(container.NewPadded(row), tapped)
}

func (p *contactsPage) showEmpty() {
	p.shown = ""
	p.showHint("Contacts", "Pick a friend, or add one by user ID.")
}

// detailPage is the layout of a right-hand page: a title bar and scrolling content.
func detailPage(title string, actions fyne.CanvasObject, body fyne.CanvasObject) fyne.CanvasObject {
	var right fyne.CanvasObject
	if actions != nil {
		right = actions
	}
	bar := container.NewBorder(nil, nil, nil, right, widgets.Heading(title))
	top := container.NewVBox(container.New(layout.NewCustomPaddedLayout(12, 8, 18, 12), bar), widget.NewSeparator())
	return container.NewBorder(top, nil, nil, nil,
		container.NewVScroll(container.New(layout.NewCustomPaddedLayout(12, 18, 18, 18),
			container.New(widgets.MaxWidth(720), body))))
}

// centred centres a line of text and wraps it at words: a long name does not widen the page.
func centred(t *widget.RichText) *widget.RichText {
	wrapped(t)
	for _, s := range t.Segments {
		if ts, ok := s.(*widget.TextSegment); ok {
			ts.Style.Alignment = fyne.TextAlignCenter
			ts.Style.Inline = false
		}
	}
	return t
}

// showUser shows a person: a friend with remark and actions, or someone else with "Add friend".
func (p *contactsPage) showUser(id string) {
	c := p.c
	p.shown = id
	var friend *pb.FriendInfo
	for _, f := range c.friends {
		if f.FriendUser.GetUserID() == id {
			friend = f
		}
	}
	u := c.users[id]
	if friend != nil {
		u = friend.FriendUser
	}
	if u == nil {
		p.setDetail(container.NewCenter(widget.NewActivity()))
		run(c, "load the user", func(ctx context.Context) ([]*pb.UserInfo, error) {
			return c.be.Users(ctx, []string{id})
		}, func(us []*pb.UserInfo) {
			if len(us) == 0 {
				p.setDetail(container.NewCenter(widget.NewLabel("No user " + id + " in this office.")))
				return
			}
			c.users[id] = us[0]
			if p.shown == id {
				p.showUser(id)
			}
		})
		return
	}
	name := u.Nickname
	if friend != nil && friend.Remark != "" {
		name = friend.Remark
	}
	blocked := false
	for _, b := range c.blacks {
		if b.BlackUserInfo.GetUserID() == id {
			blocked = true
		}
	}
	av := widgets.NewAvatar(c.pics, id, name, u.FaceURL, 96)
	av.SetOnline(c.presenceOf(id))
	lines := []fyne.CanvasObject{container.NewCenter(av), centred(widgets.Heading(name))}
	if friend != nil && friend.Remark != "" {
		lines = append(lines, centred(widgets.Subtle("Name: "+u.Nickname)))
	}
	status := "User ID: " + id
	if w := c.presenceWords(id); w != "" {
		status += " · " + w
	}
	lines = append(lines, centred(widgets.Subtle(status)))

	var buttons []fyne.CanvasObject
	msg := widget.NewButtonWithIcon("Message", style.IconChat, func() { c.OpenChatWith(id) })
	msg.Importance = widget.HighImportance
	buttons = append(buttons, msg)
	if friend != nil {
		buttons = append(buttons, widget.NewButtonWithIcon("Remark", theme.DocumentCreateIcon(), func() { p.editRemark(friend) }))
	} else if id != c.self.UserID {
		buttons = append(buttons, widget.NewButtonWithIcon("Add friend", style.IconPersonAdd, func() { p.addFriendID(id) }))
	}
	if id != c.self.UserID {
		if blocked {
			buttons = append(buttons, widget.NewButtonWithIcon("Unblock", style.IconBlock, func() {
				c.try("unblock", func(ctx context.Context) error { return c.be.Unblock(ctx, id) }, c.reloadContacts)
			}))
		} else {
			buttons = append(buttons, widget.NewButtonWithIcon("Block", style.IconBlock, func() {
				dialog.ShowConfirm("Block "+name+"?", "They will not be able to message you or add you.",
					func(ok bool) {
						if ok {
							c.try("block", func(ctx context.Context) error { return c.be.Block(ctx, id) }, c.reloadContacts)
						}
					}, c.win)
			}))
		}
	}
	if friend != nil {
		del := widget.NewButtonWithIcon("Remove friend", theme.DeleteIcon(), func() {
			dialog.ShowConfirm("Remove "+name+"?", "You can add each other again later.", func(ok bool) {
				if ok {
					c.try("remove the friend", func(ctx context.Context) error { return c.be.DeleteFriend(ctx, id) },
						func() {
							p.showEmpty()
							c.reloadContacts()
						})
				}
			}, c.win)
		})
		del.Importance = widget.DangerImportance
		buttons = append(buttons, del)
	}
	lines = append(lines, widget.NewLabel(""), widgets.Wrap(buttons...))
	p.setDetail(detailPage("Contact", nil, container.NewVBox(lines...)))
	p.refreshList()
}

func (p *contactsPage) editRemark(f *pb.FriendInfo) {
	c := p.c
	e := widget.NewEntry()
	e.SetText(f.Remark)
	e.SetPlaceHolder(f.FriendUser.GetNickname())
	id := f.FriendUser.GetUserID()
	dialog.ShowForm("Remark for "+f.FriendUser.GetNickname(), "Save", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Remark", e)}, func(ok bool) {
			if !ok {
				return
			}
			remark := strings.TrimSpace(e.Text)
			c.try("save the remark", func(ctx context.Context) error { return c.be.SetRemark(ctx, id, remark) },
				c.reloadContacts)
		}, c.win)
}

// addFriend asks for a user ID and a note, and sends a friend request.
func (p *contactsPage) addFriend() { p.addFriendID("") }

func (p *contactsPage) addFriendID(id string) {
	c := p.c
	userID := widget.NewEntry()
	userID.SetPlaceHolder("Their user ID")
	userID.SetText(id)
	note := widget.NewEntry()
	note.SetText("Hi, it's " + c.self.Nickname)
	// The dialog stays open until the request is sent: a wrong ID shows its error under the
	// fields and keeps what was typed. Enter in either field sends.
	errLine := formError()
	var d *dialog.CustomDialog
	send := func() {
		to, msg := strings.TrimSpace(userID.Text), strings.TrimSpace(note.Text)
		if to == "" {
			showFormError(errLine, "Type their user ID.")
			return
		}
		errLine.Hide()
		call(c, func(ctx context.Context) (struct{}, error) { return struct{}{}, c.be.AddFriend(ctx, to, msg) },
			func(struct{}) {
				d.Hide()
				c.toast("Friend request sent to " + to)
				c.reloadContacts()
			}, func(err error) {
				if openim.IsTokenError(err) {
					d.Hide()
					c.fail("send the friend request", err)
					return
				}
				if code := openim.Code(err); code == openim.ErrRecordNotFound.Code || code == openim.ErrUserIDNotFound.Code {
					showFormError(errLine, "Nobody in this office has the user ID “"+to+"”. Check it and try again.")
					return
				}
				showFormError(errLine, "Could not send the request: "+errorText(err))
			})
	}
	userID.OnSubmitted = func(string) { send() }
	note.OnSubmitted = func(string) { send() }
	userID.OnChanged = func(string) { errLine.Hide() }
	sendBtn := widget.NewButtonWithIcon("Send request", theme.ConfirmIcon(), send)
	sendBtn.Importance = widget.HighImportance
	form := widget.NewForm(widget.NewFormItem("User ID", userID), widget.NewFormItem("Message", note))
	d = dialog.NewCustomWithoutButtons("Add a friend", container.NewVBox(form, errLine), c.win)
	d.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", d.Hide), sendBtn})
	d.Resize(fyne.NewSize(420, d.MinSize().Height))
	d.Show()
	if id == "" {
		c.win.Canvas().Focus(userID)
	}
}

// showRequests lists the requests received (accept, decline) and sent (their state).
func (p *contactsPage) showRequests() {
	c := p.c
	p.shown = "requests"
	body := container.NewVBox()
	body.Add(widgets.Bold("Received"))
	if len(c.reqIn) == 0 {
		body.Add(widgets.Subtle("No requests."))
	}
	for _, r := range c.reqIn {
		r := r
		var right fyne.CanvasObject
		if r.HandleResult == openim.FriendRequestPending {
			accept := widget.NewButtonWithIcon("Accept", theme.ConfirmIcon(), func() {
				c.try("accept the request", func(ctx context.Context) error {
					return c.be.RespondFriend(ctx, r.FromUserID, true)
				}, c.reloadContacts)
			})
			accept.Importance = widget.HighImportance
			decline := widget.NewButton("Decline", func() {
				c.try("decline the request", func(ctx context.Context) error {
					return c.be.RespondFriend(ctx, r.FromUserID, false)
				}, c.reloadContacts)
			})
			right = container.NewHBox(accept, decline)
		} else {
			right = widgets.Subtle(handled(r.HandleResult))
		}
		body.Add(requestRow(c.pics, r.FromUserID, r.FromNickname, r.FromFaceURL, r.ReqMsg, c.clock.listTime(r.CreateTime), right))
	}
	body.Add(widget.NewLabel(""))
	body.Add(widgets.Bold("Sent"))
	if len(c.reqOut) == 0 {
		body.Add(widgets.Subtle("No requests."))
	}
	for _, r := range c.reqOut {
		body.Add(requestRow(c.pics, r.ToUserID, r.ToNickname, r.ToFaceURL, r.ReqMsg, c.clock.listTime(r.CreateTime),
			widgets.Subtle(handled(r.HandleResult))))
	}
	add := widget.NewButtonWithIcon("Add friend", style.IconPersonAdd, p.addFriend)
	p.setDetail(detailPage("Friend requests", add, body))
	p.refreshList()
}

// handled names a request's handleResult; group requests use the same values (openim.GroupRequest*).
func handled(result int32) string {
	switch result {
	case openim.FriendRequestAgreed:
		return "Accepted"
	case openim.FriendRequestRefused:
		return "Declined"
	}
	return "Pending"
}

// requestRow is a person with a note, a time and actions.
func requestRow(pics *imageCache, id, name, face, note, when string, right fyne.CanvasObject) fyne.CanvasObject {
	if name == "" {
		name = id
	}
	text := widgets.Tight(container.NewBorder(nil, nil, nil, widgets.Subtle(when), widgets.Truncated(widgets.Bold(name))))
	if note != "" {
		text.Add(widgets.Truncated(widgets.StyledText(note, style.ColorSubtle, theme.SizeNameText, fyne.TextStyle{Italic: true})))
	}
	// The actions go under the text: beside it they made the page wider than a narrow window.
	row := container.NewBorder(nil, nil, widgets.NewAvatar(pics, id, name, face, 40), nil,
		container.NewVBox(text, container.NewHBox(right)))
	return container.NewStack(widgets.NewCard(10), container.NewPadded(row))
}

// showBlocked lists blocked users with Unblock.
func (p *contactsPage) showBlocked() {
	c := p.c
	p.shown = "blocked"
	body := container.NewVBox()
	if len(c.blacks) == 0 {
		body.Add(widgets.Subtle("Nobody is blocked. Block someone from their contact page."))
	}
	for _, b := range c.blacks {
		u := b.BlackUserInfo
		id := u.GetUserID()
		unblock := widget.NewButton("Unblock", func() {
			c.try("unblock", func(ctx context.Context) error { return c.be.Unblock(ctx, id) }, c.reloadContacts)
		})
		body.Add(requestRow(c.pics, id, u.GetNickname(), u.GetFaceURL(), "", "", unblock))
	}
	p.setDetail(detailPage("Blocked users", nil, body))
	p.refreshList()
}
