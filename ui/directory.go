package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/ui/widgets"
)

// The office directory: everyone with an account in the office, read page by page from the
// node's /user/get_all_users_uid (open to every member), with their profiles and presence.
// A click opens the single chat, so nobody needs to know a user ID; when the office says chats
// need a friendship, a click on a non-friend offers the friend request instead.

const (
	// directoryPageSize is how many user IDs one call asks for (the node's largest page).
	directoryPageSize = openim.MaxPageSize
	// directoryMax bounds the people the app loads (the node's subscriptions per connection).
	directoryMax = 5000
	// directoryShown bounds the rows drawn at once; the search narrows the rest.
	directoryShown = 200
)

// directory is what the controller knows of the office's people.
type directory struct {
	users []*pb.UserInfo // everyone but the signed-in user and imAdmin, by name
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
	listPage
	c *Controller
}

func newPeoplePage(c *Controller) *peoplePage {
	p := &peoplePage{c: c}
	reload := widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), c.reloadDirectory)
	p.listPage = newListPage(c, "People", "Search people by name", func() { p.refreshList() }, reload)
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
	if d.loaded {
		note = fmt.Sprintf("%d people in the office, you included. ", len(d.users)+1) + note
	}
	p.setDetail(hintBox(centred(widgets.Heading("Office directory")), centred(widgets.Subtle(note))))
}

// refreshList rebuilds the rows that match the search, by name.
func (p *peoplePage) refreshList() {
	c := p.c
	d := c.dir
	p.list.RemoveAll()
	q := p.query()
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
		p.list.Add(widgets.EmptyNote(fmt.Sprintf("%d more: type a name to narrow the list.", n-directoryShown)))
	case n == 0 && !d.loaded:
		p.list.Add(widgets.EmptyNote("Loading…"))
		n = 1
	}
	p.endList(n, "Nobody else has an account in this office yet.", "Nobody in the office matches “%s”.")
}

// row is one person: avatar with presence, name, status text, and what a click does.
func (p *peoplePage) row(u *pb.UserInfo, name string) fyne.CanvasObject {
	c := p.c
	id := u.UserID
	av := widgets.NewAvatar(c.pics, id, name, u.FaceURL, 36)
	av.SetOnline(c.presenceOf(id))
	sub := id
	if t := statusOf(u.Ex).Text; t != "" {
		sub = id + " · " + t
	}
	if c.dir.needFriend && !c.friendOf(id) {
		sub = id + " · add as a friend to chat"
	}
	return listRow(av, name, widgets.Truncated(widgets.Subtle(sub)), false, func() { p.open(id) })
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
