package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/node/pb"
)

// The office directory: everyone with an account in the office, read page by page from the
// node's /user/get_all_users_uid (open to every member), with their profiles and presence.
// A click opens the single chat, so nobody needs to know a user ID; when the office says chats
// need a friendship, a click on a non-friend offers the friend request instead.

const (
	// directoryPage is how many user IDs one call asks for (the node's largest page).
	directoryPageSize = openim.MaxPageSize
	// directoryMax bounds the people the app loads (the node's subscriptions per connection).
	directoryMax = 5000
	// directoryShown bounds the rows drawn at once; the search narrows the rest.
	directoryShown = 200
)

var iconOffice = svgIcon("apartment", "M17 11V3H7v4H3v14h8v-4h2v4h8V11h-4zM7 19H5v-2h2v2zm0-4H5v-2h2v2zm0-4H5V9h2v2zm4 4H9v-2h2v2zm0-4H9V9h2v2zm0-4H9V5h2v2zm4 8h-2v-2h2v2zm0-4h-2V9h2v2zm0-4h-2V5h2v2zm4 12h-2v-2h2v2zm0-4h-2v-2h2v2z")

// directory is what the controller knows of the office's people.
type directory struct {
	users []*pb.UserInfo // everyone but the signed-in user and imAdmin, by name
	total int64          // accounts in the office, as the node counts them
	// needFriend: the office refuses single chats between non-friends.
	needFriend bool
	loaded     bool
}

// reloadDirectory reads the office's people, their presence and the office's chat rule.
func (c *Controller) reloadDirectory() {
	latest := c.dirLoads.start()
	me := c.self.UserID
	run(c, "load the office's people", func(ctx context.Context) (*directory, error) {
		d := &directory{loaded: true}
		var ids []string
		for off := 0; off < directoryMax; off += directoryPageSize {
			page, total, err := c.be.OfficeUsers(ctx, off, directoryPageSize)
			if err != nil {
				return nil, err
			}
			d.total = total
			for _, id := range page {
				if id != me && !openim.IsAdmin(id) {
					ids = append(ids, id)
				}
			}
			if len(page) < directoryPageSize || int64(off+len(page)) >= total {
				break
			}
		}
		for batch := range slices.Chunk(ids, openim.MaxBatch) {
			us, err := c.be.Users(ctx, batch)
			if err != nil {
				return nil, err
			}
			d.users = append(d.users, us...)
		}
		slices.SortFunc(d.users, func(a, b *pb.UserInfo) int {
			return strings.Compare(strings.ToLower(userLabel(a)), strings.ToLower(userLabel(b)))
		})
		if st, err := c.be.ClusterStatus(ctx); err == nil {
			d.needFriend = st.RequireFriendship
		}
		return d, nil
	}, func(d *directory) {
		if c.shell == nil || !latest() {
			return
		}
		c.dir = d
		for _, u := range d.users {
			c.users[u.UserID] = u
		}
		c.shell.people.refresh()
		c.subscribeDirectory(d.users)
	})
}

// subscribeDirectory asks for the presence of the people presence does not cover yet.
func (c *Controller) subscribeDirectory(users []*pb.UserInfo) {
	var ids []string
	for _, u := range users {
		if _, ok := c.presence[u.UserID]; !ok {
			ids = append(ids, u.UserID)
		}
	}
	if len(ids) == 0 {
		return
	}
	run(c, "", func(ctx context.Context) (map[string]bool, error) {
		out := map[string]bool{}
		for batch := range slices.Chunk(ids, openim.MaxBatch) {
			on, err := c.be.SubscribePresence(ctx, batch)
			if err != nil {
				return out, nil // presence is a nicety: the directory works without it
			}
			for id, v := range on {
				out[id] = v
			}
		}
		return out, nil
	}, func(on map[string]bool) {
		for id, v := range on {
			c.presence[id] = v
		}
		c.refreshPresence()
	})
}

// friendOf reports whether the user has userID as a friend.
func (c *Controller) friendOf(userID string) bool {
	for _, f := range c.friends {
		if f.FriendUser.GetUserID() == userID {
			return true
		}
	}
	return false
}

// userLabel is a user's nickname, or the ID without one.
func userLabel(u *pb.UserInfo) string {
	if u.Nickname != "" {
		return u.Nickname
	}
	return u.UserID
}

// peoplePage is the office directory: a searchable list of everyone, the office's rule beside it.
type peoplePage struct {
	c       *Controller
	content fyne.CanvasObject
	search  *keyEntry
	count   *widget.RichText
	list    *fyne.Container
	detail  *fyne.Container
}

func newPeoplePage(c *Controller) *peoplePage {
	p := &peoplePage{c: c, list: container.NewVBox(), detail: container.NewStack(), count: subtle("")}
	p.search = newKeyEntry(c)
	p.search.SetPlaceHolder("Search people by name")
	p.search.ActionItem = widget.NewIcon(theme.SearchIcon())
	p.search.OnChanged = func(string) { p.refreshList() }
	top := container.NewVBox(container.NewPadded(tight(heading("People"), p.count)), container.NewPadded(p.search))
	left := topThen(top, container.NewVScroll(container.NewPadded(p.list)))
	p.content = leftThen(paneLeft(left), container.NewStack(newSurface(theme.ColorNameBackground), p.detail))
	p.refresh()
	return p
}

// refresh redraws the list and the note on the right from the controller's directory.
func (p *peoplePage) refresh() {
	p.refreshList()
	d := p.c.dir
	note := "Everyone with an account in this office. Click someone to start a chat."
	if d.needFriend {
		note = "In this office a chat needs a friendship: click someone to send a friend request, " +
			"then chat once they accept."
	}
	l := subtle(note)
	l.Wrapping = fyne.TextWrapWord
	p.detail.Objects = []fyne.CanvasObject{container.NewCenter(container.New(fixedWidth(360),
		container.NewVBox(container.NewCenter(heading("Office directory")), l)))}
	p.detail.Refresh()
}

// refreshList rebuilds the rows that match the search, by name.
func (p *peoplePage) refreshList() {
	c := p.c
	d := c.dir
	p.list.RemoveAll()
	switch {
	case !d.loaded:
		setText(p.count, "Loading…")
	case d.total > 0:
		setText(p.count, fmt.Sprintf("%d people", len(d.users)+1))
	}
	q := strings.ToLower(strings.TrimSpace(p.search.Text))
	n := 0
	for _, u := range d.users {
		name := userLabel(u)
		if q != "" && !strings.Contains(strings.ToLower(name+" "+u.UserID), q) {
			continue
		}
		if n++; n > directoryShown {
			continue
		}
		p.list.Add(p.row(u, name))
	}
	switch {
	case n > directoryShown:
		p.list.Add(emptyNote(fmt.Sprintf("%d more: type a name to narrow the list.", n-directoryShown)))
	case n == 0 && q != "":
		p.list.Add(emptyNote("Nobody in the office matches “" + p.search.Text + "”."))
	case n == 0 && d.loaded:
		p.list.Add(emptyNote("Nobody else has an account in this office yet."))
	}
	p.list.Refresh()
}

// row is one person: avatar with presence, name, and what a click does.
func (p *peoplePage) row(u *pb.UserInfo, name string) fyne.CanvasObject {
	c := p.c
	id := u.UserID
	av := newAvatar(c.pics, id, name, u.FaceURL, 36)
	av.setOnline(c.presenceOf(id))
	sub := id
	if t := statusOf(u.Ex).Text; t != "" {
		sub = id + " · " + t
	}
	if c.dir.needFriend && !c.friendOf(id) {
		sub = id + " · add as a friend to chat"
	}
	return newTapArea(container.NewPadded(container.NewBorder(nil, nil, av, nil,
		tight(truncated(bold(name)), truncated(subtle(sub))))), func() { p.open(id) })
}

// open starts the chat with id, or offers the friend request when the office needs one first.
func (p *peoplePage) open(id string) {
	c := p.c
	if c.dir.needFriend && !c.friendOf(id) {
		c.shell.show(sectionContacts)
		c.shell.contacts.showUser(id)
		return
	}
	c.OpenChatWith(id)
}
