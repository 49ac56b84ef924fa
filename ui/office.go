package ui

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/pb"
	"lanim/ui/style"
	"lanim/ui/widgets"
)

// officePage shows the office as the cluster sees it: the computers (Raft members) and the
// leader, who is online, this node's health, and the ways to add a computer or leave.
type officePage struct {
	c       *Controller
	content fyne.CanvasObject
	body    *fyne.Container
	status  *ClusterStatus
}

func newOfficePage(c *Controller) *officePage {
	p := &officePage{c: c, body: container.NewStack()}
	p.content = container.NewStack(widgets.NewSurface(theme.ColorNameBackground), p.body)
	p.body.Objects = []fyne.CanvasObject{container.NewCenter(widget.NewActivity())}
	return p
}

// officeView is the status and the profiles of the people it names (admins, who is online).
type officeView struct {
	st    *ClusterStatus
	users []*pb.UserInfo
}

// reload asks the node for the cluster status (each time the page opens, on Refresh and after
// a change made here), with the names of the people it lists.
func (p *officePage) reload() {
	c := p.c
	call(c, func(ctx context.Context) (*officeView, error) {
		st, err := c.be.ClusterStatus(ctx)
		if err != nil {
			return nil, err
		}
		v := &officeView{st: st}
		if ids := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(st.OfficeAdmins), st.Online...)))); len(ids) > 0 {
			if v.users, err = c.be.Users(ctx, ids); err != nil {
				c.log.Info("office page: names of admins and people online", "err", err)
			}
		}
		return v, nil
	}, func(v *officeView) {
		for _, u := range v.users {
			c.users[u.UserID] = u
		}
		p.status = v.st
		if v.st.HasQuorum && c.conn == NoQuorum {
			c.setConn(Online)
		}
		p.render(nil)
	}, func(err error) {
		p.status = nil
		p.render(err)
	})
}

// canRun reports whether the user may make office-level changes here: an office admin, or anyone
// on the computer that created the office (it holds the admin secret). Without a status the node
// decides.
func (p *officePage) canRun() bool {
	st := p.status
	return st == nil || st.AdminHere || slices.Contains(st.OfficeAdmins, p.c.self.UserID)
}

// adminNames lists the office admins by name, for "ask …".
func (p *officePage) adminNames() string {
	var names []string
	if p.status != nil {
		for _, id := range p.status.OfficeAdmins {
			names = append(names, p.c.userName(id))
		}
	}
	if len(names) == 0 {
		return "the colleague who created the office"
	}
	return strings.Join(names, ", ")
}

func kvRows(kvs []KV) fyne.CanvasObject {
	form := widget.NewForm()
	for _, kv := range kvs {
		l := widget.NewLabel(kv.Value)
		l.Wrapping = fyne.TextWrapBreak
		form.Append(kv.Key, l)
	}
	return form
}

// statusLine is a coloured dot and a sentence.
func statusLine(ok bool, text string) fyne.CanvasObject {
	dot := widgets.NewBadge()
	dot.Set(1, !ok)
	c := theme.ColorNameSuccess
	if !ok {
		c = theme.ColorNameError
	}
	return container.NewHBox(widget.NewIcon(style.Colored(style.IconDoneAll, c)),
		widgets.StyledText(text, c, theme.SizeNameText, fyne.TextStyle{Bold: true}))
}

func (p *officePage) render(loadErr error) {
	body := container.NewVBox()
	st := p.status
	switch {
	case st == nil && errors.Is(loadErr, ErrNotSupported):
		body.Add(widget.NewLabel("This node does not report the office's status yet (no /cluster/status)."))
	case st == nil:
		body.Add(statusLine(false, "Could not read the office's status: "+errorText(loadErr)))
	default:
		title := []fyne.CanvasObject{widgets.Heading(st.OfficeName)}
		if p.canRun() {
			rename := widget.NewButtonWithIcon("Rename…", theme.DocumentCreateIcon(), p.rename)
			rename.Importance = widget.LowImportance
			title = append(title, rename)
		}
		body.Add(container.NewHBox(title...))
		reachable := 0
		for _, n := range st.Nodes {
			if n.Reachable {
				reachable++
			}
		}
		if st.HasQuorum {
			body.Add(statusLine(true, "Working: the office has a quorum ("+strconv.Itoa(reachable)+" of "+
				plural(len(st.Nodes), "computer")+" reachable)"))
		} else {
			body.Add(statusLine(false, "No quorum: this computer cannot reach most of the office. "+
				"Messages wait here until it can."))
		}
		if st.Outbox > 0 {
			body.Add(statusLine(false, outboxLine(st.Outbox, st.OutboxOldest)))
		}
		body.Add(widget.NewLabel(""))
		body.Add(widgets.Bold("Computers"))
		for _, n := range st.Nodes {
			body.Add(nodeRow(n, n.ID == st.NodeID))
		}
		body.Add(p.adminsSection(st))
		body.Add(p.chatRuleSection(st))
		if len(st.Health) > 0 {
			body.Add(widget.NewLabel(""))
			body.Add(widgets.Bold("This computer"))
			body.Add(kvRows(st.Health))
		}
		if len(st.Extra) > 0 {
			body.Add(widget.NewLabel(""))
			body.Add(widgets.Bold("More"))
			body.Add(kvRows(st.Extra))
		}
	}
	body.Add(p.onlineSection(st))
	body.Add(widget.NewLabel(""))
	body.Add(widgets.Bold("Add a computer"))
	invite := widget.NewButtonWithIcon("Make a join code", style.IconPersonAdd, p.invite)
	leave := widget.NewButtonWithIcon("Leave the office…", theme.LogoutIcon(), p.leave)
	leave.Importance = widget.DangerImportance
	if p.canRun() {
		body.Add(wrapped(widgets.Subtle("Make a join code here and paste it on the new computer's welcome screen.")))
	} else {
		invite.Disable()
		leave.Disable()
		body.Add(wrapped(widgets.Subtle("Office admins make join codes for new computers: ask " + p.adminNames() + ".")))
	}
	body.Add(container.NewHBox(invite))
	body.Add(widget.NewLabel(""))
	body.Add(container.NewHBox(leave))
	if !p.canRun() {
		body.Add(wrapped(widgets.Subtle("Only an office admin can take this computer out of the office.")))
	}
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), p.reload)
	refresh.Importance = widget.LowImportance
	p.body.Objects = []fyne.CanvasObject{detailPage("Office", refresh, body)}
	p.body.Refresh()
}

// outboxLine says how many messages wait in this computer's outbox and for how long.
func outboxLine(depth int, oldest time.Duration) string {
	return plural(depth, "message") + " waiting here for the office; the oldest for " +
		oldest.Round(time.Second).String() + "."
}

// nodeRow is one computer of the office.
func nodeRow(n NodeStatus, self bool) fyne.CanvasObject {
	name := n.Name
	if name == "" {
		name = n.ID
	}
	if self {
		name += " (this computer)"
	}
	role := "Non-voter"
	if n.Voter {
		role = "Voter"
	}
	if n.Leader {
		role = "Leader"
	}
	state := "reachable"
	if !n.Reachable {
		state = "unreachable"
	}
	icon := widget.NewIcon(style.Colored(theme.ComputerIcon(), theme.ColorNamePrimary))
	if !n.Reachable {
		icon = widget.NewIcon(style.Colored(theme.ComputerIcon(), style.ColorSubtle))
	}
	detail := n.ID
	if n.Addr != "" && n.Addr != n.ID {
		detail += " · " + n.Addr
	}
	tag := widgets.StyledText(role, theme.ColorNamePrimary, theme.SizeNameCaptionText, fyne.TextStyle{Bold: true})
	if !n.Reachable {
		tag = widgets.StyledText(role+" · "+state, theme.ColorNameError, theme.SizeNameCaptionText, fyne.TextStyle{Bold: true})
	}
	row := container.NewBorder(nil, nil, container.NewCenter(icon), container.NewCenter(tag),
		widgets.Tight(widgets.Bold(name), widgets.Subtle(detail)))
	return container.NewStack(widgets.NewCard(10), container.NewPadded(row))
}

// wrapped makes rich text wrap at word boundaries.
func wrapped(t *widget.RichText) *widget.RichText {
	t.Wrapping = fyne.TextWrapWord
	return t
}

// adminsSection lists the office admins; an office admin adds and removes them.
func (p *officePage) adminsSection(st *ClusterStatus) fyne.CanvasObject {
	c := p.c
	body := container.NewVBox(widget.NewLabel(""), widgets.Bold("Office admins"),
		wrapped(widgets.Subtle("Office admins add computers to the office, rename it and choose the other admins.")))
	if len(st.OfficeAdmins) == 0 {
		body.Add(wrapped(widgets.Subtle("Nobody yet: the computer that created the office can make someone an admin.")))
	}
	for _, id := range st.OfficeAdmins {
		name, face := c.userName(id), ""
		if u := c.users[id]; u != nil {
			face = u.FaceURL
		}
		if id == c.self.UserID {
			name += " (you)"
		}
		var action fyne.CanvasObject
		if p.canRun() {
			id := id
			remove := widget.NewButton("Remove", func() { p.setAdmin(id, false) })
			remove.Importance = widget.LowImportance
			if len(st.OfficeAdmins) == 1 {
				remove.Disable() // the node refuses it: the office keeps an admin
			}
			action = container.NewCenter(remove)
		}
		row := container.NewBorder(nil, nil, container.NewCenter(widgets.NewAvatar(c.pics, id, c.userName(id), face, 32)), action,
			widgets.Tight(widgets.Bold(name), widgets.Subtle(id)))
		body.Add(container.NewStack(widgets.NewCard(10), container.NewPadded(row)))
	}
	if p.canRun() && len(st.OfficeAdmins) == 1 {
		body.Add(wrapped(widgets.Subtle("The office needs an admin: add another before removing this one.")))
	}
	if p.canRun() {
		add := widget.NewButtonWithIcon("Add an office admin…", style.IconPersonAdd, p.addAdmin)
		body.Add(container.NewHBox(add))
	}
	return body
}

// addAdmin asks for a user ID and grants the role.
func (p *officePage) addAdmin() {
	c := p.c
	id := widget.NewEntry()
	id.SetPlaceHolder("User ID")
	d := dialog.NewForm("Add an office admin", "Make admin", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("User ID", id)}, func(ok bool) {
			if ok && strings.TrimSpace(id.Text) != "" {
				p.setAdmin(strings.TrimSpace(id.Text), true)
			}
		}, c.win)
	d.Resize(fyne.NewSize(420, 200))
	d.Show()
	c.win.Canvas().Focus(id)
}

func (p *officePage) setAdmin(userID string, admin bool) {
	c := p.c
	what := "make " + c.userName(userID) + " an office admin"
	if !admin {
		what = "remove " + c.userName(userID) + " from the office admins"
	}
	c.try(what, func(ctx context.Context) error { return c.be.SetOfficeAdmin(ctx, userID, admin) }, func() {
		if admin {
			c.toast(c.userName(userID) + " is an office admin.")
		}
		p.reload()
	})
}

// rename asks for the office's new name.
func (p *officePage) rename() {
	c := p.c
	name := widget.NewEntry()
	if p.status != nil {
		name.SetText(p.status.OfficeName)
	}
	d := dialog.NewForm("Rename the office", "Rename", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Office name", name)}, func(ok bool) {
			if !ok {
				return
			}
			if msg := officeNameCheck(name.Text); msg != "" {
				c.toast(msg)
				return
			}
			newName := strings.TrimSpace(name.Text)
			c.try("rename the office", func(ctx context.Context) error { return c.be.NameOffice(ctx, newName) },
				p.reload)
		}, c.win)
	d.Resize(fyne.NewSize(460, 200))
	d.Show()
	c.win.Canvas().Focus(name)
}

func (p *officePage) invite() {
	c := p.c
	run(c, "make a join code", c.be.InviteCode, func(code string) {
		e := widget.NewMultiLineEntry()
		e.SetText(code)
		e.Wrapping = fyne.TextWrapBreak
		e.SetMinRowsVisible(4)
		copyBtn := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
			c.app.Clipboard().SetContent(code)
			c.toast("Join code copied.")
		})
		content := container.NewVBox(
			widget.NewLabel("Paste this on the new computer (Welcome → Join an office). Keep it private: "+
				"it lets a computer into the office."), e, container.NewHBox(copyBtn))
		d := dialog.NewCustom("Join code", "Close", content, c.win)
		d.Resize(fyne.NewSize(520, 320))
		d.Show()
	})
}

func (p *officePage) leave() {
	c := p.c
	dialog.ShowConfirm("Leave the office?",
		"This computer stops taking part in the office and forgets its copy. Your account stays in the office.",
		func(ok bool) {
			if !ok {
				return
			}
			c.try("take this computer out of the office", c.be.LeaveOffice, func() {
				c.signedOut("This computer left the office.")
			})
		}, c.win)
}

// onlineSection lists who is online: the node's list when it has one, else the online contacts.
func (p *officePage) onlineSection(st *ClusterStatus) fyne.CanvasObject {
	c := p.c
	body := container.NewVBox()
	body.Add(widget.NewLabel(""))
	body.Add(widgets.Bold("Online now"))
	var ids []string
	if st != nil {
		ids = st.Online
	}
	if len(ids) == 0 {
		// The node does not list who is connected: show what presence says of your contacts.
		ids = c.onlineContacts()
		body.Add(widgets.Subtle("You and the contacts you follow who are online."))
	}
	online := container.NewGridWrap(fyne.NewSize(96, 84))
	for _, id := range ids {
		name, face := c.userName(id), ""
		if u := c.users[id]; u != nil {
			face = u.FaceURL
		}
		av := widgets.NewAvatar(c.pics, id, name, face, 40)
		av.SetOnline(1)
		l := widgets.Truncated(widgets.Subtle(name))
		l.Segments[0].(*widget.TextSegment).Style.Alignment = fyne.TextAlignCenter
		l.Segments[0].(*widget.TextSegment).Style.Inline = false
		online.Add(container.NewVBox(container.NewCenter(av), l))
	}
	body.Add(online)
	return body
}
