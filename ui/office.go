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
	"fyne.io/fyne/v2/layout"
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

// connChanged re-reads the status of a page on screen when the office's state changed from what
// the page shows (lost or found its leader), so it is never stale after the office recovers.
func (p *officePage) connChanged(shown bool) {
	if shown && (p.status == nil || p.status.HasQuorum != (p.c.conn == Online)) {
		p.reload()
	}
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
		body.Add(officeHealthLine(st))
		if st.Outbox > 0 {
			body.Add(statusLine(false, outboxLine(st.Outbox, st.OutboxOldest)))
		}
	}
	body.Add(p.addComputerSection())
	if st != nil {
		body.Add(p.computersSection(st))
		body.Add(p.adminsSection(st))
		body.Add(p.chatRuleSection(st))
	}
	body.Add(p.onlineSection(st))
	body.Add(p.leaveSection())
	if st != nil {
		body.Add(p.detailsSection(st))
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

// officeHealthLine says in plain words whether the office works: how many of its computers are
// in contact, or that this one cannot reach most of them.
func officeHealthLine(st *ClusterStatus) fyne.CanvasObject {
	if !st.HasQuorum {
		return statusLine(false, "Out of reach: this computer cannot reach most of the office. "+
			"Messages wait here until it can.")
	}
	reachable := 0
	for _, n := range st.Nodes {
		if n.Reachable {
			reachable++
		}
	}
	if reachable == len(st.Nodes) {
		return statusLine(true, "Working: "+plural(len(st.Nodes), "computer")+" in contact")
	}
	return statusLine(true, "Working: "+strconv.Itoa(reachable)+" of "+plural(len(st.Nodes), "computer")+" in contact")
}

// addComputerSection is the first thing on the page: one button that makes a join code.
func (p *officePage) addComputerSection() fyne.CanvasObject {
	add := widget.NewButtonWithIcon("Add a computer", style.IconPersonAdd, p.invite)
	add.Importance = widget.HighImportance
	body := container.NewVBox(widget.NewLabel(""), container.NewHBox(add))
	if p.canRun() {
		body.Add(wrapped(widgets.Subtle("Gives you a short code to type on the new computer's welcome screen.")))
	} else {
		add.Disable()
		body.Add(wrapped(widgets.Subtle("Office admins add computers: ask " + p.adminNames() + ".")))
	}
	return body
}

// computersSection lists the computers of the office by the names people know them by.
func (p *officePage) computersSection(st *ClusterStatus) fyne.CanvasObject {
	body := container.NewVBox(widget.NewLabel(""), widgets.Bold("Computers"))
	for _, n := range st.Nodes {
		body.Add(p.nodeRow(n, n.ID == st.NodeID))
	}
	return body
}

// computerName is how the office panel names a computer: its host name, else whose it is (the
// people signed in on it), else a plain "A computer" (its ID is under Details).
func (p *officePage) computerName(n NodeStatus) string {
	switch {
	case n.Name != "":
		return n.Name
	case len(n.Users) > 0:
		return p.c.userName(n.Users[0]) + "'s computer"
	}
	return "A computer of the office"
}

// nodeRow is one computer of the office: its name, who is signed in on it, and a warning when
// it is out of contact. This computer is never out of contact: it is the one answering.
func (p *officePage) nodeRow(n NodeStatus, self bool) fyne.CanvasObject {
	name := p.computerName(n)
	if self {
		name += " (this computer)"
	}
	people := "Nobody signed in"
	if len(n.Users) > 0 {
		names := make([]string, 0, len(n.Users))
		for _, id := range n.Users {
			names = append(names, p.c.userName(id))
		}
		people = "Signed in: " + strings.Join(names, ", ")
	}
	out := !n.Reachable && !self
	icon := widget.NewIcon(style.Colored(theme.ComputerIcon(), theme.ColorNamePrimary))
	var tag fyne.CanvasObject = layout.NewSpacer()
	if out {
		icon = widget.NewIcon(style.Colored(theme.ComputerIcon(), style.ColorSubtle))
		tag = widgets.StyledText("Not in contact", theme.ColorNameError, theme.SizeNameCaptionText, fyne.TextStyle{Bold: true})
	}
	row := container.NewBorder(nil, nil, container.NewCenter(icon), container.NewCenter(tag),
		widgets.Tight(widgets.Bold(name), widgets.Truncated(widgets.Subtle(people))))
	return container.NewStack(widgets.NewCard(10), container.NewPadded(row))
}

// leaveSection takes this computer out of the office (office admins).
func (p *officePage) leaveSection() fyne.CanvasObject {
	leave := widget.NewButtonWithIcon("Leave the office…", theme.LogoutIcon(), p.leave)
	leave.Importance = widget.DangerImportance
	body := container.NewVBox(widget.NewLabel(""), container.NewHBox(leave))
	if !p.canRun() {
		leave.Disable()
		body.Add(wrapped(widgets.Subtle("Only an office admin can take this computer out of the office.")))
	}
	return body
}

// detailsSection holds the figures only an administrator reads, folded away: each computer's ID,
// address and Raft role, the quorum, this node's applied index and state digest, the file copies.
func (p *officePage) detailsSection(st *ClusterStatus) fyne.CanvasObject {
	quorum := "yes, leader " + st.LeaderID
	if !st.HasQuorum {
		quorum = "no (no leader)"
	}
	kvs := []KV{{Key: "Quorum", Value: quorum}}
	for _, n := range st.Nodes {
		role := "non-voter"
		if n.Voter {
			role = "voter"
		}
		if n.Leader {
			role += ", leader"
		}
		if !n.Reachable && n.ID != st.NodeID {
			role += ", not in contact"
		}
		v := n.ID + " · " + role
		if n.Addr != "" && n.Addr != n.ID {
			v += " · " + n.Addr
		}
		kvs = append(kvs, KV{Key: p.computerName(n), Value: v})
	}
	kvs = append(append(kvs, st.Health...), st.Extra...)
	acc := widget.NewAccordion(widget.NewAccordionItem("Details", kvRows(kvs)))
	return container.NewVBox(widget.NewLabel(""), acc)
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

// invite makes a single-use invite and shows it.
func (p *officePage) invite() {
	run(p.c, "make a join code", p.c.be.InviteCode, p.showJoinCodes)
}

// showJoinCodes shows the short code large, to read aloud or type on a computer of the same
// network, and the long code behind "Other network / paste code" for anywhere else.
func (p *officePage) showJoinCodes(codes JoinCodes) {
	c := p.c
	copyOf := func(label, code string) *widget.Button {
		return widget.NewButtonWithIcon(label, theme.ContentCopyIcon(), func() {
			c.app.Clipboard().SetContent(code)
			c.toast("Join code copied.")
		})
	}
	office := "this office"
	if p.status != nil && p.status.OfficeName != "" {
		office = p.status.OfficeName
	}
	long := widget.NewMultiLineEntry()
	long.SetText(codes.Long)
	long.Wrapping = fyne.TextWrapBreak
	long.SetMinRowsVisible(4)
	longPart := container.NewVBox(
		wrapped(widgets.Subtle("For a computer on another network: paste this long code on its welcome screen "+
			"(Join an office). It carries the office's addresses.")),
		long, container.NewHBox(copyOf("Copy long code", codes.Long)))
	content := container.NewVBox()
	if codes.Short != "" {
		big := widgets.StyledText(codes.Short, theme.ColorNameForeground, theme.SizeNameHeadingText,
			fyne.TextStyle{Bold: true, Monospace: true})
		big.Segments[0].(*widget.TextSegment).Style.Alignment = fyne.TextAlignCenter
		big.Segments[0].(*widget.TextSegment).Style.Inline = false
		longPart.Hide()
		var other *widget.Button
		other = widget.NewButton("Other network / paste code", func() {
			other.Hide()
			longPart.Show()
		})
		other.Importance = widget.LowImportance
		content.Add(wrapped(widget.NewRichTextWithText("On the new computer (same network): open LanIM, choose " +
			"Join an office, pick " + office + " and type this code.")))
		content.Add(container.NewStack(widgets.NewCard(10), container.NewPadded(big)))
		content.Add(container.NewHBox(copyOf("Copy", codes.Short), layout.NewSpacer(), other))
	}
	content.Add(longPart)
	content.Add(wrapped(widgets.Subtle("The code works once. Keep it private: it lets a computer into the office.")))
	d := dialog.NewCustom("Add a computer", "Close", content, c.win)
	d.Resize(fyne.NewSize(520, 340))
	d.Show()
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
