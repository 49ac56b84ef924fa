package ui

import (
	"errors"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
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
	p.content = container.NewStack(newSurface(theme.ColorNameBackground), p.body)
	p.body.Objects = []fyne.CanvasObject{container.NewCenter(widget.NewActivity())}
	return p
}

// reload asks the node for the cluster status (each time the page opens, and on Refresh).
func (p *officePage) reload() {
	c := p.c
	call(c, c.be.ClusterStatus, func(st *ClusterStatus) {
		p.status = st
		if st.HasQuorum && c.conn == NoQuorum {
			c.setConn(Online)
		}
		p.render(nil)
	}, func(err error) {
		p.status = nil
		p.render(err)
	})
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
	dot := newBadge()
	dot.set(1, !ok)
	c := theme.ColorNameSuccess
	if !ok {
		c = theme.ColorNameError
	}
	return container.NewHBox(widget.NewIcon(colored(iconDoneAll, c)),
		styledText(text, c, theme.SizeNameText, fyne.TextStyle{Bold: true}))
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
		if st.OfficeName != "" {
			body.Add(heading(st.OfficeName))
		}
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
		body.Add(widget.NewLabel(""))
		body.Add(bold("Computers"))
		for _, n := range st.Nodes {
			body.Add(nodeRow(n, n.ID == st.NodeID))
		}
		if len(st.Health) > 0 {
			body.Add(widget.NewLabel(""))
			body.Add(bold("This computer"))
			body.Add(kvRows(st.Health))
		}
		if len(st.Extra) > 0 {
			body.Add(widget.NewLabel(""))
			body.Add(bold("More"))
			body.Add(kvRows(st.Extra))
		}
	}
	body.Add(p.onlineSection(st))
	body.Add(widget.NewLabel(""))
	body.Add(bold("Add a computer"))
	body.Add(subtle("Make a join code here and paste it on the new computer's welcome screen."))
	invite := widget.NewButtonWithIcon("Make a join code", iconPersonAdd, p.invite)
	body.Add(container.NewHBox(invite))
	body.Add(widget.NewLabel(""))
	leave := widget.NewButtonWithIcon("Leave the office…", theme.LogoutIcon(), p.leave)
	leave.Importance = widget.DangerImportance
	body.Add(container.NewHBox(leave))
	refresh := widget.NewButtonWithIcon("Refresh", theme.ViewRefreshIcon(), p.reload)
	refresh.Importance = widget.LowImportance
	p.body.Objects = []fyne.CanvasObject{detailPage("Office", refresh, body)}
	p.body.Refresh()
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
	icon := widget.NewIcon(colored(theme.ComputerIcon(), theme.ColorNamePrimary))
	if !n.Reachable {
		icon = widget.NewIcon(colored(theme.ComputerIcon(), colorSubtle))
	}
	detail := n.ID
	if n.Addr != "" && n.Addr != n.ID {
		detail += " · " + n.Addr
	}
	tag := styledText(role, theme.ColorNamePrimary, theme.SizeNameCaptionText, fyne.TextStyle{Bold: true})
	if !n.Reachable {
		tag = styledText(role+" · "+state, theme.ColorNameError, theme.SizeNameCaptionText, fyne.TextStyle{Bold: true})
	}
	row := container.NewBorder(nil, nil, container.NewCenter(icon), container.NewCenter(tag),
		tight(bold(name), subtle(detail)))
	return container.NewStack(newCard(10), container.NewPadded(row))
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
			c.try("leave the office", c.be.LeaveOffice, func() {
				c.signedOut("This computer left the office.")
			})
		}, c.win)
}

// onlineSection lists who is online: the node's list when it has one, else the online contacts.
func (p *officePage) onlineSection(st *ClusterStatus) fyne.CanvasObject {
	c := p.c
	body := container.NewVBox()
	body.Add(widget.NewLabel(""))
	body.Add(bold("Online now"))
	var ids []string
	if st != nil {
		ids = st.Online
	}
	if len(ids) == 0 {
		// The node does not list who is connected: show what presence says of your contacts.
		ids = c.onlineContacts()
		body.Add(subtle("You and the contacts you follow who are online."))
	}
	online := container.NewGridWrap(fyne.NewSize(96, 84))
	for _, id := range ids {
		name, face := c.userName(id), ""
		if u := c.users[id]; u != nil {
			face = u.FaceURL
		}
		av := newAvatar(id, name, face, 40)
		av.setOnline(1)
		l := truncated(subtle(name))
		l.Segments[0].(*widget.TextSegment).Style.Alignment = fyne.TextAlignCenter
		l.Segments[0].(*widget.TextSegment).Style.Inline = false
		online.Add(container.NewVBox(container.NewCenter(av), l))
	}
	body.Add(online)
	return body
}
