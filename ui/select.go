package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/ui/widgets"
)

// Select mode: "Select…" on a bubble puts a checkbox beside every message of the chat and
// replaces the composer with a bar that forwards the ticked messages one by one or as one merged
// forward (merged.go), or cancels.

// selectBar is what the composer's place shows while messages are selected.
type selectBar struct {
	content fyne.CanvasObject
	count   *widget.RichText
	each    *widget.Button
	one     *widget.Button
}

func newSelectBar(v *chatView) *selectBar {
	b := &selectBar{count: widgets.Subtle("")}
	b.each = widget.NewButtonWithIcon("Forward one by one", theme.MailForwardIcon(), func() { v.forwardSelected(false) })
	b.one = widget.NewButtonWithIcon("Forward as one", theme.MailForwardIcon(), func() { v.forwardSelected(true) })
	b.one.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", v.endSelect)
	// After the layout pass that changed the rows: a refresh inside it would be undone by it.
	wrap := &wrapLayout{relayout: func() { v.c.post(v.box.Refresh) }}
	row := container.New(wrap, b.count, cancel, b.each, b.one)
	b.content = container.New(layout.NewCustomPaddedLayout(6, 6, 10, 10), row)
	b.content.Hide()
	return b
}

// wrapLayout puts its first object (the count) on the left and the others (the buttons) right
// after, in as many rows as the width needs: a narrow window stacks the buttons rather than
// widen itself. Its minimum width is the widest object's.
type wrapLayout struct {
	rows     int    // rows at the last width laid out
	relayout func() // the row count changed: the parent must give the new height
}

// place computes the objects' rows at a width: rows[i] is the row of object i.
func (l *wrapLayout) place(objs []fyne.CanvasObject, width float32) (rows []int, n int) {
	rows = make([]int, len(objs))
	x, pad := float32(0), theme.Padding()
	for i, o := range objs {
		w := o.MinSize().Width
		if x > 0 && x+w > width {
			n++
			x = 0
		}
		rows[i] = n
		x += w + pad
	}
	return rows, n + 1
}

func (l *wrapLayout) rowHeight(objs []fyne.CanvasObject) float32 {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return h
}

func (l *wrapLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	w := float32(0)
	for _, o := range objs {
		w = max(w, o.MinSize().Width)
	}
	rows := max(l.rows, 1)
	return fyne.NewSize(w, float32(rows)*l.rowHeight(objs)+float32(rows-1)*theme.Padding())
}

func (l *wrapLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	rows, n := l.place(objs, size.Width)
	if n != l.rows {
		l.rows = n
		if l.relayout != nil {
			defer l.relayout()
		}
	}
	h, pad := l.rowHeight(objs), theme.Padding()
	// Right-align each row's buttons; the count stays at the left of the first row.
	right := size.Width
	for i := len(objs) - 1; i >= 0; i-- {
		o := objs[i]
		s := o.MinSize()
		y := float32(rows[i]) * (h + pad)
		if i+1 < len(objs) && rows[i+1] != rows[i] {
			right = size.Width
		}
		x := right - s.Width
		if i == 0 {
			x = 0
		}
		o.Move(fyne.NewPos(x, y+(h-s.Height)/2))
		o.Resize(s)
		right = x - pad
	}
}

// selectable reports whether m may be ticked: stored, not withdrawn or deleted.
func selectable(m *pb.MsgData) bool {
	return m.Seq > 0 && m.Status != openim.MsgStatusDeleted
}

// startSelect enters select mode with m ticked.
func (v *chatView) startSelect(m *pb.MsgData) {
	v.sel = map[string]bool{m.ClientMsgID: selectable(m)}
	v.composer.content.Hide()
	v.selBar.content.Show()
	v.selectionChanged()
	v.render()
	v.box.Refresh() // the bar takes the composer's place
}

// endSelect leaves select mode: the composer comes back.
func (v *chatView) endSelect() {
	if v.sel == nil {
		return
	}
	v.sel = nil
	v.selBar.content.Hide()
	v.composer.content.Show()
	v.render()
	v.box.Refresh()
}

// toggle ticks or unticks a message, up to the most one forward carries.
func (v *chatView) toggle(m *pb.MsgData, on bool) {
	if on && v.selectedCount() >= maxMergedMessages {
		v.c.toast("You can forward at most " + plural(maxMergedMessages, "message") + " at once.")
		on = false
	}
	v.sel[m.ClientMsgID] = on
	v.selectionChanged()
}

func (v *chatView) selectedCount() int {
	n := 0
	for _, on := range v.sel {
		if on {
			n++
		}
	}
	return n
}

// selected lists the ticked messages in the chat's order.
func (v *chatView) selected() []*pb.MsgData {
	var out []*pb.MsgData
	for _, m := range v.msgs {
		if v.sel[m.ClientMsgID] && selectable(m) {
			out = append(out, m)
		}
	}
	return out
}

// selectionChanged updates the bar's count and buttons.
func (v *chatView) selectionChanged() {
	n := v.selectedCount()
	widgets.SetText(v.selBar.count, plural(n, "message")+" selected")
	for _, b := range []*widget.Button{v.selBar.each, v.selBar.one} {
		if n == 0 {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

// forwardSelected asks for the target chat and forwards the ticked messages there, as one
// merged forward or one by one; select mode ends once they are on their way.
func (v *chatView) forwardSelected(asOne bool) {
	msgs, from := v.selected(), v.conv
	if len(msgs) == 0 || from == nil {
		return
	}
	v.c.pickChat(func(to *Conversation) {
		if asOne {
			if !v.c.ForwardMerged(to, from, msgs) {
				return
			}
		} else {
			v.c.ForwardEach(to, msgs)
		}
		if v.conv == from {
			v.endSelect()
		}
	})
}

// selectableRow shows r with a checkbox in select mode, or r alone.
func (v *chatView) selectableRow(r *msgRow) fyne.CanvasObject {
	if v.sel == nil {
		return r
	}
	return newSelectRow(v, r)
}

// selectCheckWidth is the room a checkbox takes left of the bubbles.
const selectCheckWidth = 36

// selectRow is a bubble in select mode: a checkbox on its left, and a click anywhere on the row
// ticks it (a cover over the bubble takes the click, so links and pictures do not open).
type selectRow struct {
	widget.BaseWidget
	row   *msgRow
	check *widget.Check
	cover *widgets.TapArea
}

func newSelectRow(v *chatView, r *msgRow) *selectRow {
	s := &selectRow{row: r}
	m := r.msg
	s.check = widget.NewCheck("", nil)
	s.check.Checked = v.sel[m.ClientMsgID]
	s.check.OnChanged = func(on bool) {
		v.toggle(m, on)
		if on != v.sel[m.ClientMsgID] {
			s.check.SetChecked(v.sel[m.ClientMsgID])
		}
		s.cover.SetSelected(s.check.Checked)
	}
	s.cover = widgets.NewTapArea(canvas.NewRectangle(color.Transparent), func() { s.check.SetChecked(!s.check.Checked) })
	s.cover.SetSelected(s.check.Checked)
	if !selectable(m) {
		s.check.Disable()
		s.cover.OnTapped = nil
	}
	s.ExtendBaseWidget(s)
	return s
}

func (s *selectRow) heightFor(width float32) float32 {
	return s.row.heightFor(width - selectCheckWidth)
}

func (s *selectRow) MinSize() fyne.Size { return fyne.NewSize(0, s.row.MinSize().Height) }

func (s *selectRow) CreateRenderer() fyne.WidgetRenderer { return &selectRowRenderer{s: s} }

type selectRowRenderer struct{ s *selectRow }

func (r *selectRowRenderer) Layout(size fyne.Size) {
	s := r.s
	cs := s.check.MinSize()
	s.check.Move(fyne.NewPos(0, (size.Height-cs.Height)/2))
	s.check.Resize(cs)
	rs := fyne.NewSize(size.Width-selectCheckWidth, size.Height)
	s.row.Move(fyne.NewPos(selectCheckWidth, 0))
	s.row.Resize(rs)
	s.cover.Move(fyne.NewPos(selectCheckWidth, 0))
	s.cover.Resize(rs)
}

func (r *selectRowRenderer) MinSize() fyne.Size { return r.s.MinSize() }

func (r *selectRowRenderer) Refresh() {
	r.s.check.Refresh()
	r.s.row.Refresh()
	r.s.cover.Refresh()
	r.Layout(r.s.Size())
}

func (r *selectRowRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.s.check, r.s.row, r.s.cover}
}

func (r *selectRowRenderer) Destroy() {}
