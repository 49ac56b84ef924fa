package ui

import (
	"context"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"

	"lanim/ui/widgets"
)

// Group read state: "Read by N" under the user's messages in a group, and who read it on a click.
// The chat loads each member's read position when it opens (the node's /msg/get_group_read_seqs)
// and moves it with the read receipts members' apps send the group.

// loadReads fetches how far each member has read the open group chat.
func (v *chatView) loadReads() {
	gid, gen := v.conv.GroupID, v.gen
	call(v.c, func(ctx context.Context) (map[string]int64, error) {
		return v.c.be.ReadSeqs(ctx, gid)
	}, func(reads map[string]int64) {
		if gen != v.gen {
			return
		}
		for id, seq := range v.reads {
			reads[id] = max(reads[id], seq) // receipts that came while loading
		}
		v.reads = reads
		v.receiptsChanged(v.conv)
	}, func(error) {}) // not a member any more: the header says so through the group list
}

// memberRead moves a member's read position in the open group chat (a read receipt).
func (v *chatView) memberRead(e ReadEvent) {
	if v.conv == nil || v.conv.ID != e.ConversationID || v.conv.Type != openim.ReadGroupChat {
		return
	}
	if v.reads == nil {
		v.reads = map[string]int64{}
	}
	if e.HasReadSeq > v.reads[e.UserID] {
		v.reads[e.UserID] = e.HasReadSeq
		v.receiptsChanged(v.conv)
	}
}

// readers are the members but the user who have read the message at seq, in member order when
// the members are known.
func (v *chatView) readers(seq int64) []string {
	if seq <= 0 || v.conv == nil || v.conv.Type != openim.ReadGroupChat {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range v.members {
		seen[m.UserID] = true
		if m.UserID != v.c.self.UserID && v.reads[m.UserID] >= seq {
			out = append(out, m.UserID)
		}
	}
	if v.members == nil {
		for id, s := range v.reads {
			if id != v.c.self.UserID && s >= seq && !seen[id] {
				out = append(out, id)
			}
		}
	}
	return out
}

// readByText is the line under the user's group message: "Read by N", or "" when nobody has.
func (v *chatView) readByText(seq int64) string {
	if n := len(v.readers(seq)); n > 0 {
		return "Read by " + strconv.Itoa(n)
	}
	return ""
}

// showReaders lists who has read the user's message at seq, and who has not yet.
func (v *chatView) showReaders(seq int64) {
	read := v.readers(seq)
	var names, not []string
	for _, id := range read {
		names = append(names, v.c.userName(id))
	}
	for _, m := range v.members {
		if m.UserID != v.c.self.UserID && !contains(read, m.UserID) {
			not = append(not, v.c.userName(m.UserID))
		}
	}
	box := container.NewVBox(widgets.Bold("Read by " + strconv.Itoa(len(names))))
	if len(names) > 0 {
		box.Add(widget.NewLabel(strings.Join(names, "\n")))
	}
	if len(not) > 0 {
		box.Add(widgets.Bold("Not yet"))
		box.Add(widgets.Subtle(strings.Join(not, ", ")))
	}
	v.readersShown = read
	dialog.ShowCustom("Read by "+strconv.Itoa(len(names)), "Close", container.NewPadded(box), v.c.win)
}

// Tapped on the "Read by N" line of the user's group message shows who read it.
func (r *msgRow) Tapped(e *fyne.PointEvent) {
	if !r.own || r.msg.Seq == 0 || r.c.shell == nil || len(r.c.shell.chat.readers(r.msg.Seq)) == 0 {
		return
	}
	g := r.geometry(r.Size().Width)
	m := g.meta
	if e.Position.X >= m.Position.X && e.Position.X <= m.Position.X+m.Size.Width+20 &&
		e.Position.Y >= m.Position.Y && e.Position.Y <= m.Position.Y+m.Size.Height {
		r.c.shell.chat.showReaders(r.msg.Seq)
	}
}
