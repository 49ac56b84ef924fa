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
)

// contactsPage is friends, friend requests and the black list: a list on the left, the picked
// person or list on the right.
type contactsPage struct {
	c       *Controller
	content fyne.CanvasObject
	search  *keyEntry
	list    *fyne.Container
	detail  *fyne.Container
	// shown is what the detail pane shows: "requests", "blocked" or a user ID.
	shown string
}

func newContactsPage(c *Controller) *contactsPage {
	p := &contactsPage{c: c, list: container.NewVBox(), detail: container.NewStack()}
	p.search = newKeyEntry(c)
	p.search.SetPlaceHolder("Search contacts")
	p.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	p.search.OnChanged = func(string) { p.refreshList() }
	add := widget.NewButtonWithIcon("", iconPersonAdd, p.addFriend)
	add.Importance = widget.LowImportance
	header := container.NewBorder(nil, nil, nil, add, heading("Contacts"))
	top := container.NewVBox(container.NewPadded(header), container.NewPadded(p.search))
	left := topThen(top, container.NewVScroll(container.NewPadded(p.list)))
	p.content = leftThen(paneLeft(left), container.NewStack(newSurface(theme.ColorNameBackground), p.detail))
	p.showEmpty()
	return p
}

func pendingRequests(in []*pb.FriendRequest) int {
	n := 0
	for _, r := range in {
		if r.HandleResult == openim.FriendRequestPending {
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
	q := strings.ToLower(strings.TrimSpace(p.search.Text))
	if q == "" {
		reqRow := newSpecialRow(iconPersonAdd, "Friend requests", int64(pendingRequests(c.reqIn)), func() { p.showRequests() })
		blockRow := newSpecialRow(iconBlock, "Blocked users", 0, func() { p.showBlocked() })
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
		av := newAvatar(c.pics, id, name, u.FaceURL, 36)
		av.setOnline(c.presenceOf(id))
		row := newTapArea(container.NewPadded(container.NewBorder(nil, nil, av, nil,
			tight(truncated(bold(name)), truncated(subtle(id))))), func() { p.showUser(id) })
		row.setSelected(p.shown == id)
		p.list.Add(row)
	}
	if n == 0 {
		l := emptyNote("No friends yet. Add one with the button above.")
		if q != "" {
			setText(l, "Nobody matches “"+p.search.Text+"”.")
		}
		p.list.Add(l)
	}
	p.list.Refresh()
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
	ic := canvas.NewImageFromResource(colored(icon, theme.ColorNamePrimary))
	ic.FillMode = canvas.ImageFillContain
	ic.SetMinSize(fyne.NewSquareSize(22))
	b := newBadge()
	b.set(count, false)
	row := container.NewBorder(nil, nil, container.New(fixedWidth(36), container.NewCenter(ic)), b, bold(text))
	return newTapArea(container.NewPadded(row), tapped)
}

func (p *contactsPage) setDetail(o fyne.CanvasObject) {
	p.detail.Objects = []fyne.CanvasObject{o}
	p.detail.Refresh()
}

func (p *contactsPage) showEmpty() {
	p.shown = ""
	p.setDetail(container.NewCenter(container.NewVBox(container.NewCenter(heading("Contacts")),
		container.NewCenter(subtle("Pick a friend, or add one by user ID.")))))
}

// detailPage is the layout of a right-hand page: a title bar and scrolling content.
func detailPage(title string, actions fyne.CanvasObject, body fyne.CanvasObject) fyne.CanvasObject {
	var right fyne.CanvasObject
	if actions != nil {
		right = actions
	}
	bar := container.NewBorder(nil, nil, nil, right, heading(title))
	top := container.NewVBox(container.New(layout.NewCustomPaddedLayout(12, 8, 18, 12), bar), widget.NewSeparator())
	return container.NewBorder(top, nil, nil, nil,
		container.NewVScroll(container.New(layout.NewCustomPaddedLayout(12, 18, 18, 18),
			container.New(maxWidth(720), body))))
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
	av := newAvatar(c.pics, id, name, u.FaceURL, 96)
	av.setOnline(c.presenceOf(id))
	lines := []fyne.CanvasObject{container.NewCenter(av), container.NewCenter(heading(name))}
	if friend != nil && friend.Remark != "" {
		lines = append(lines, container.NewCenter(subtle("Name: "+u.Nickname)))
	}
	status := "User ID: " + id
	if w := c.presenceWords(id); w != "" {
		status += " · " + w
	}
	lines = append(lines, container.NewCenter(subtle(status)))

	var buttons []fyne.CanvasObject
	msg := widget.NewButtonWithIcon("Message", iconChat, func() { c.OpenChatWith(id) })
	msg.Importance = widget.HighImportance
	buttons = append(buttons, msg)
	if friend != nil {
		buttons = append(buttons, widget.NewButtonWithIcon("Remark", theme.DocumentCreateIcon(), func() { p.editRemark(friend) }))
	} else if id != c.self.UserID {
		buttons = append(buttons, widget.NewButtonWithIcon("Add friend", iconPersonAdd, func() { p.addFriendID(id) }))
	}
	if id != c.self.UserID {
		if blocked {
			buttons = append(buttons, widget.NewButtonWithIcon("Unblock", iconBlock, func() {
				c.try("unblock", func(ctx context.Context) error { return c.be.Unblock(ctx, id) }, c.reloadContacts)
			}))
		} else {
			buttons = append(buttons, widget.NewButtonWithIcon("Block", iconBlock, func() {
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
	lines = append(lines, widget.NewLabel(""), container.NewCenter(container.NewHBox(buttons...)))
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
	body.Add(bold("Received"))
	if len(c.reqIn) == 0 {
		body.Add(subtle("No requests."))
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
			right = subtle(handled(r.HandleResult))
		}
		body.Add(requestRow(c.pics, r.FromUserID, r.FromNickname, r.FromFaceURL, r.ReqMsg, c.clock.listTime(r.CreateTime), right))
	}
	body.Add(widget.NewLabel(""))
	body.Add(bold("Sent"))
	if len(c.reqOut) == 0 {
		body.Add(subtle("No requests."))
	}
	for _, r := range c.reqOut {
		body.Add(requestRow(c.pics, r.ToUserID, r.ToNickname, r.ToFaceURL, r.ReqMsg, c.clock.listTime(r.CreateTime),
			subtle(handled(r.HandleResult))))
	}
	add := widget.NewButtonWithIcon("Add friend", iconPersonAdd, p.addFriend)
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
	text := tight(container.NewHBox(bold(name), subtle(when)))
	if note != "" {
		text.Add(truncated(styledText(note, colorSubtle, theme.SizeNameText, fyne.TextStyle{Italic: true})))
	}
	row := container.NewBorder(nil, nil, newAvatar(pics, id, name, face, 40), container.NewCenter(right), text)
	return container.NewStack(newCard(10), container.NewPadded(row))
}

// showBlocked lists blocked users with Unblock.
func (p *contactsPage) showBlocked() {
	c := p.c
	p.shown = "blocked"
	body := container.NewVBox()
	if len(c.blacks) == 0 {
		body.Add(subtle("Nobody is blocked. Block someone from their contact page."))
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
