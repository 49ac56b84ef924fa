package ui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
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

// groupsPage is the user's groups and their administration: a list on the left, the picked
// group (profile, actions, members) or the join requests on the right.
type groupsPage struct {
	c *Controller
	listPage
	shown   string // a group ID, "requests" or ""
	members []*pb.GroupMemberFullInfo
	// lastChecks is the member list of the last create dialog (tests pick from it).
	lastChecks *widget.CheckGroup
}

func newGroupsPage(c *Controller) *groupsPage {
	p := &groupsPage{c: c}
	p.listPage = newListPage(c, "Groups", "Search groups", func() { p.refreshList() },
		widget.NewButtonWithIcon("", theme.LoginIcon(), func() { p.joinGroup() }),
		widget.NewButtonWithIcon("", theme.ContentAddIcon(), func() { p.createGroup() }))
	p.showEmpty()
	return p
}

func (p *groupsPage) refresh() {
	p.refreshList()
	switch p.shown {
	case "":
	case "requests":
		p.showRequests()
	default:
		if p.group(p.shown) == nil {
			p.showEmpty() // left, kicked or dismissed
			return
		}
		p.showGroup(p.shown)
	}
}

func (p *groupsPage) group(id string) *pb.GroupInfo {
	for _, g := range p.c.groups {
		if g.GroupID == id {
			return g
		}
	}
	return nil
}

func (p *groupsPage) refreshList() {
	c := p.c
	p.list.RemoveAll()
	q := p.query()
	if q == "" {
		p.list.Add(newSpecialRow(style.IconMail, "Join requests", countPending(c.groupReq, openim.GroupRequestPending), p.showRequests))
		p.list.Add(widget.NewSeparator())
	}
	n := 0
	for _, g := range c.groups {
		if q != "" && !strings.Contains(strings.ToLower(g.GroupName+" "+g.GroupID), q) {
			continue
		}
		n++
		id := g.GroupID
		p.list.Add(listRow(widgets.NewAvatar(c.pics, id, g.GroupName, g.FaceURL, 36), g.GroupName,
			widgets.Subtle(plural(int(g.MemberCount), "member")), p.shown == id, func() { p.showGroup(id) }))
	}
	p.endList(n, "No groups yet. Create one with +, or join one by its ID.", "No group matches “%s”.")
}

func (p *groupsPage) showEmpty() {
	p.shown = ""
	p.showHint("Groups", "Pick a group, create one, or join one by its ID.")
}

func roleName(role int32) string {
	switch role {
	case openim.RoleOwner:
		return "Owner"
	case openim.RoleAdmin:
		return "Admin"
	}
	return ""
}

// showGroup loads the members and shows the group page.
func (p *groupsPage) showGroup(id string) {
	c := p.c
	p.shown = id
	p.refreshList()
	if p.members == nil || len(p.members) == 0 || p.members[0].GroupID != id {
		p.setDetail(container.NewCenter(widget.NewActivity()))
	}
	run(c, "load the members", func(ctx context.Context) ([]*pb.GroupMemberFullInfo, error) {
		return c.be.Members(ctx, id)
	}, func(ms []*pb.GroupMemberFullInfo) {
		if p.shown != id {
			return
		}
		p.members = ms
		p.renderGroup()
	})
}

func (p *groupsPage) me() *pb.GroupMemberFullInfo {
	for _, m := range p.members {
		if m.UserID == p.c.self.UserID {
			return m
		}
	}
	return &pb.GroupMemberFullInfo{RoleLevel: 0}
}

func (p *groupsPage) renderGroup() {
	c := p.c
	g := p.group(p.shown)
	if g == nil {
		p.showEmpty()
		return
	}
	me := p.me()
	admin, owner := me.RoleLevel >= openim.RoleAdmin, me.RoleLevel == openim.RoleOwner
	av := widgets.NewAvatar(c.pics, g.GroupID, g.GroupName, g.FaceURL, 80)
	info := widgets.Tight(wrapped(widgets.Heading(g.GroupName)),
		wrapped(widgets.Subtle("Group ID: "+g.GroupID+" · "+plural(len(p.members), "member"))))
	if g.Status == openim.GroupStatusMuted {
		info.Objects = append(info.Objects, widgets.StyledText("Muted: only the owner and admins can post", theme.ColorNameWarning, theme.SizeNameCaptionText, fyne.TextStyle{}))
	}
	head := container.NewBorder(nil, nil, container.NewHBox(av, widget.NewLabel("")), nil,
		container.NewVBox(layout.NewSpacer(), info, layout.NewSpacer()))
	body := container.NewVBox(head)
	if g.Notification != "" {
		body.Add(widget.NewLabel(""))
		body.Add(widgets.Bold("Notice"))
		l := widget.NewLabel(g.Notification)
		l.Wrapping = fyne.TextWrapWord
		body.Add(l)
	}
	if g.Introduction != "" {
		body.Add(widgets.Bold("About"))
		l := widget.NewLabel(g.Introduction)
		l.Wrapping = fyne.TextWrapWord
		body.Add(l)
	}

	open := widget.NewButtonWithIcon("Open chat", style.IconChat, func() { c.OpenGroupChat(g) })
	open.Importance = widget.HighImportance
	buttons := widgets.Wrap(open, widget.NewButtonWithIcon("Invite", style.IconPersonAdd, func() { p.invite(g) }))
	if admin {
		buttons.Add(widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() { p.edit(g) }))
		label, mute := "Mute all", true
		if g.Status == openim.GroupStatusMuted {
			label, mute = "Unmute all", false
		}
		buttons.Add(widget.NewButtonWithIcon(label, style.IconBellOff, func() {
			c.try("change the group mute", func(ctx context.Context) error { return c.be.MuteGroup(ctx, g.GroupID, mute) },
				c.reloadGroups)
		}))
	}
	more := widget.NewButtonWithIcon("", theme.MoreHorizontalIcon(), nil)
	more.OnTapped = func() {
		var items []*fyne.MenuItem
		if owner {
			items = append(items, fyne.NewMenuItem("Transfer ownership…", func() { p.transfer(g) }),
				fyne.NewMenuItem("Dismiss the group…", func() { p.dismiss(g) }))
		} else {
			items = append(items, fyne.NewMenuItem("Leave the group…", func() { p.quit(g) }))
		}
		items = append(items, fyne.NewMenuItem("Copy group ID", func() { c.app.Clipboard().SetContent(g.GroupID) }))
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(more)
		widget.ShowPopUpMenuAtPosition(fyne.NewMenu("", items...), c.win.Canvas(), pos.AddXY(0, more.Size().Height))
	}
	buttons.Add(more)
	body.Add(widget.NewLabel(""))
	body.Add(buttons)
	body.Add(widget.NewLabel(""))
	body.Add(widgets.Bold("Members"))
	for _, m := range p.members {
		body.Add(p.memberRow(g, m, me))
	}
	p.setDetail(detailPage("Group", nil, body))
}

// memberRow is a member with role and mute state; admins get a menu of actions on it.
func (p *groupsPage) memberRow(g *pb.GroupInfo, m, me *pb.GroupMemberFullInfo) fyne.CanvasObject {
	c := p.c
	name := m.Nickname
	if name == "" {
		name = m.UserID
	}
	if m.UserID == c.self.UserID {
		name += " (you)"
	}
	tags := container.NewHBox()
	if r := roleName(m.RoleLevel); r != "" {
		tags.Add(widgets.StyledText(r, theme.ColorNamePrimary, theme.SizeNameCaptionText, fyne.TextStyle{Bold: true}))
	}
	if m.MuteEndTime > c.clock.now().UnixMilli() {
		tags.Add(widgets.StyledText("muted until "+c.clock.at(m.MuteEndTime).Format("Jan 2 15:04"), theme.ColorNameWarning,
			theme.SizeNameCaptionText, fyne.TextStyle{}))
	}
	row := container.NewPadded(container.NewBorder(nil, nil, widgets.NewAvatar(c.pics, m.UserID, m.Nickname, m.FaceURL, 32), tags,
		widgets.Tight(widgets.Truncated(widgets.Bold(name)), widgets.Subtle(m.UserID))))
	canManage := me.RoleLevel > m.RoleLevel && m.UserID != c.self.UserID
	var t *widgets.TapArea
	t = widgets.NewTapArea(row, func() {
		if !canManage {
			c.OpenChatWith(m.UserID)
			return
		}
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(t)
		widget.ShowPopUpMenuAtPosition(p.memberMenu(g, m, me), c.win.Canvas(), pos.AddXY(60, t.Size().Height))
	})
	return t
}

func (p *groupsPage) memberMenu(g *pb.GroupInfo, m, me *pb.GroupMemberFullInfo) *fyne.Menu {
	c := p.c
	gid, uid := g.GroupID, m.UserID
	act := func(what string, fn func(ctx context.Context) error) func() {
		return func() { c.try(what, fn, func() { p.showGroup(gid) }) }
	}
	mute := func(secs uint32) func() {
		return act("mute the member", func(ctx context.Context) error { return c.be.MuteMember(ctx, gid, uid, secs) })
	}
	items := []*fyne.MenuItem{fyne.NewMenuItem("Message", func() { c.OpenChatWith(uid) })}
	if me.RoleLevel == openim.RoleOwner {
		if m.RoleLevel == openim.RoleAdmin {
			items = append(items, fyne.NewMenuItem("Remove admin", act("change the role", func(ctx context.Context) error {
				return c.be.SetRole(ctx, gid, uid, openim.RoleMember)
			})))
		} else {
			items = append(items, fyne.NewMenuItem("Make admin", act("change the role", func(ctx context.Context) error {
				return c.be.SetRole(ctx, gid, uid, openim.RoleAdmin)
			})))
		}
	}
	muteMenu := fyne.NewMenuItem("Mute", nil)
	muteMenu.ChildMenu = fyne.NewMenu("", fyne.NewMenuItem("10 minutes", mute(600)),
		fyne.NewMenuItem("1 hour", mute(3600)), fyne.NewMenuItem("1 day", mute(86400)))
	items = append(items, muteMenu)
	if m.MuteEndTime > c.clock.now().UnixMilli() {
		items = append(items, fyne.NewMenuItem("Unmute", mute(0)))
	}
	kick := fyne.NewMenuItem("Remove from group", func() {
		dialog.ShowConfirm("Remove "+m.Nickname+"?", "They leave "+g.GroupName+" at once.", func(ok bool) {
			if ok {
				act("remove the member", func(ctx context.Context) error { return c.be.Kick(ctx, gid, []string{uid}) })()
			}
		}, c.win)
	})
	items = append(items, fyne.NewMenuItemSeparator(), kick)
	return fyne.NewMenu("", items...)
}

// friendChecks is a check list of friends (minus exclude), for create and invite.
func (p *groupsPage) friendChecks(exclude map[string]bool) (*widget.CheckGroup, map[string]string) {
	ids := map[string]string{}
	var opts []string
	friends := append([]*pb.FriendInfo(nil), p.c.friends...)
	sortFriends(friends)
	for _, f := range friends {
		id := f.FriendUser.GetUserID()
		if exclude[id] {
			continue
		}
		label := fmt.Sprintf("%s (%s)", friendName(f), id)
		ids[label] = id
		opts = append(opts, label)
	}
	return widget.NewCheckGroup(opts, nil), ids
}

func picked(cg *widget.CheckGroup, ids map[string]string) []string {
	var out []string
	for _, s := range cg.Selected {
		out = append(out, ids[s])
	}
	return out
}

func (p *groupsPage) createGroup() {
	c := p.c
	name := widget.NewEntry()
	name.SetPlaceHolder("e.g. Design team")
	checks, ids := p.friendChecks(nil)
	p.lastChecks = checks
	list := container.NewVScroll(checks)
	list.SetMinSize(fyne.NewSize(280, 200))
	var members fyne.CanvasObject = list
	if len(ids) == 0 {
		members = widget.NewLabel("Add friends first to invite them; you can invite later too.")
	}
	d := dialog.NewForm("New group", "Create", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Name", name),
		widget.NewFormItem("Members", members),
	}, func(ok bool) {
		if !ok {
			return
		}
		gname := strings.TrimSpace(name.Text)
		if gname == "" {
			c.toast("A group needs a name.")
			return
		}
		memberIDs := picked(checks, ids)
		run(c, "create the group", func(ctx context.Context) (*pb.GroupInfo, error) {
			return c.be.CreateGroup(ctx, &pb.GroupInfo{GroupName: gname, GroupType: openim.WorkingGroup}, memberIDs)
		}, func(g *pb.GroupInfo) {
			c.reloadGroups()
			c.OpenGroupChat(g)
		})
	}, c.win)
	d.Resize(fyne.NewSize(460, 420))
	d.Show()
	c.win.Canvas().Focus(name)
}

func (p *groupsPage) joinGroup() {
	c := p.c
	id := widget.NewEntry()
	id.SetPlaceHolder("The group ID (ask a member: … menu, Copy group ID)")
	note := widget.NewEntry()
	note.SetText("Hi, it's " + c.self.Nickname)
	d := dialog.NewForm("Join a group", "Ask to join", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Group ID", id), widget.NewFormItem("Message", note),
	}, func(ok bool) {
		if !ok {
			return
		}
		gid, msg := strings.TrimSpace(id.Text), strings.TrimSpace(note.Text)
		c.try("ask to join", func(ctx context.Context) error { return c.be.ApplyToJoin(ctx, gid, msg) }, func() {
			c.toast("Request sent; an admin of the group will answer.")
			c.reloadGroups()
		})
	}, c.win)
	d.Resize(fyne.NewSize(460, d.MinSize().Height))
	d.Show()
}

func (p *groupsPage) invite(g *pb.GroupInfo) {
	c := p.c
	in := map[string]bool{}
	for _, m := range p.members {
		in[m.UserID] = true
	}
	checks, ids := p.friendChecks(in)
	if len(ids) == 0 {
		dialog.ShowInformation("Invite", "All your friends are in this group already.", c.win)
		return
	}
	list := container.NewVScroll(checks)
	list.SetMinSize(fyne.NewSize(280, 220))
	d := dialog.NewCustomConfirm("Invite to "+g.GroupName, "Invite", "Cancel", list, func(ok bool) {
		if !ok {
			return
		}
		users := picked(checks, ids)
		if len(users) == 0 {
			return
		}
		c.try("invite", func(ctx context.Context) error { return c.be.Invite(ctx, g.GroupID, users) },
			func() { p.showGroup(g.GroupID) })
	}, c.win)
	d.Resize(fyne.NewSize(420, 380))
	d.Show()
}

func (p *groupsPage) edit(g *pb.GroupInfo) {
	c := p.c
	name := widget.NewEntry()
	name.SetText(g.GroupName)
	notice := widget.NewMultiLineEntry()
	notice.SetText(g.Notification)
	notice.Wrapping = fyne.TextWrapWord
	intro := widget.NewMultiLineEntry()
	intro.SetText(g.Introduction)
	intro.Wrapping = fyne.TextWrapWord
	face := g.FaceURL
	preview := widgets.NewAvatar(c.pics, g.GroupID, g.GroupName, face, 48)
	pick := widget.NewButton("Change…", func() {
		pickFace(c, g.GroupID, g.GroupName, face, func(f string) {
			face = f
			preview.Set(g.GroupID, g.GroupName, face)
		})
	})
	verify := widget.NewSelect([]string{"Anyone can join", "Admins approve requests", "Admins approve everyone"}, nil)
	switch g.NeedVerification {
	case openim.VerifyNone:
		verify.SetSelectedIndex(0)
	case openim.VerifyAll:
		verify.SetSelectedIndex(2)
	default:
		verify.SetSelectedIndex(1)
	}
	d := dialog.NewForm("Edit "+g.GroupName, "Save", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Picture", container.NewHBox(preview, container.NewCenter(pick))),
		widget.NewFormItem("Name", name),
		widget.NewFormItem("Notice", notice),
		widget.NewFormItem("About", intro),
		widget.NewFormItem("Joining", verify),
	}, func(ok bool) {
		if !ok {
			return
		}
		var patch GroupPatch
		if n := strings.TrimSpace(name.Text); n != g.GroupName && n != "" {
			patch.Name = &n
		}
		if notice.Text != g.Notification {
			t := notice.Text
			patch.Notification = &t
		}
		if intro.Text != g.Introduction {
			t := intro.Text
			patch.Introduction = &t
		}
		if face != g.FaceURL {
			patch.FaceURL = &face
		}
		nv := [...]int32{openim.VerifyNone, openim.VerifyApplyInviteDirect, openim.VerifyAll}[max(verify.SelectedIndex(), 0)]
		if nv != g.NeedVerification {
			patch.NeedVerification = &nv
		}
		if patch == (GroupPatch{}) {
			return
		}
		c.try("save the group", func(ctx context.Context) error { return c.be.SetGroupInfo(ctx, g.GroupID, patch) },
			c.reloadGroups)
	}, c.win)
	d.Resize(fyne.NewSize(520, 480))
	d.Show()
}

func (p *groupsPage) transfer(g *pb.GroupInfo) {
	c := p.c
	var opts []string
	ids := map[string]string{}
	for _, m := range p.members {
		if m.UserID == c.self.UserID {
			continue
		}
		label := fmt.Sprintf("%s (%s)", m.Nickname, m.UserID)
		opts = append(opts, label)
		ids[label] = m.UserID
	}
	if len(opts) == 0 {
		dialog.ShowInformation("Transfer ownership", "There is nobody else in the group.", c.win)
		return
	}
	sel := widget.NewSelect(opts, nil)
	dialog.ShowForm("Transfer ownership of "+g.GroupName, "Transfer", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("New owner", sel)}, func(ok bool) {
			if !ok || sel.Selected == "" {
				return
			}
			to := ids[sel.Selected]
			c.try("transfer the group", func(ctx context.Context) error { return c.be.TransferOwner(ctx, g.GroupID, to) },
				func() {
					c.reloadGroups()
					p.showGroup(g.GroupID)
				})
		}, c.win)
}

func (p *groupsPage) dismiss(g *pb.GroupInfo) {
	c := p.c
	dialog.ShowConfirm("Dismiss "+g.GroupName+"?", "The group ends for every member. This cannot be undone.",
		func(ok bool) {
			if ok {
				c.try("dismiss the group", func(ctx context.Context) error { return c.be.Dismiss(ctx, g.GroupID) }, func() {
					p.showEmpty()
					c.reloadGroups()
				})
			}
		}, c.win)
}

func (p *groupsPage) quit(g *pb.GroupInfo) {
	c := p.c
	dialog.ShowConfirm("Leave "+g.GroupName+"?", "You can ask to join again later.", func(ok bool) {
		if ok {
			c.try("leave the group", func(ctx context.Context) error { return c.be.Quit(ctx, g.GroupID) }, func() {
				p.showEmpty()
				c.reloadGroups()
			})
		}
	}, c.win)
}

// showRequests lists requests to join the groups the user administers.
func (p *groupsPage) showRequests() {
	c := p.c
	p.shown = "requests"
	body := container.NewVBox()
	if len(c.groupReq) == 0 {
		body.Add(widgets.Subtle("No requests. When someone asks to join a group you run, it shows here."))
	}
	for _, r := range c.groupReq {
		r := r
		gid, uid := r.GroupInfo.GetGroupID(), r.UserInfo.GetUserID()
		var right fyne.CanvasObject
		if r.HandleResult == 0 {
			accept := widget.NewButtonWithIcon("Accept", theme.ConfirmIcon(), func() {
				c.try("accept the request", func(ctx context.Context) error {
					return c.be.RespondGroupRequest(ctx, gid, uid, true)
				}, c.reloadGroups)
			})
			accept.Importance = widget.HighImportance
			decline := widget.NewButton("Decline", func() {
				c.try("decline the request", func(ctx context.Context) error {
					return c.be.RespondGroupRequest(ctx, gid, uid, false)
				}, c.reloadGroups)
			})
			right = container.NewHBox(accept, decline)
		} else {
			right = widgets.Subtle(handled(r.HandleResult))
		}
		note := "to " + r.GroupInfo.GetGroupName()
		if r.ReqMsg != "" {
			note += ": " + r.ReqMsg
		}
		body.Add(requestRow(c.pics, uid, r.UserInfo.GetNickname(), r.UserInfo.GetFaceURL(), note, c.clock.listTime(r.ReqTime), right))
	}
	p.setDetail(detailPage("Join requests", nil, body))
	p.refreshList()
}
