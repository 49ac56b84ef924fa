package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Wrap lays objects out in a row, centred, and moves those that do not fit onto the next
// rows: a row of buttons that never makes the window wider than its widest button. (Fyne's
// RowWrap keeps the width it last had as its minimum, so a window it widened cannot shrink.)
func Wrap(objs ...fyne.CanvasObject) *fyne.Container {
	return &fyne.Container{Layout: &wrapLayout{}, Objects: objs}
}

type wrapLayout struct {
	width float32 // the width of the last layout; 0: none yet (one row)
}

// rows splits the visible objects into rows that fit in width.
func (l *wrapLayout) rows(objs []fyne.CanvasObject, width float32) [][]fyne.CanvasObject {
	var rows [][]fyne.CanvasObject
	var row []fyne.CanvasObject
	x := float32(0)
	gap := theme.Padding()
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		w := o.MinSize().Width
		if len(row) > 0 && width > 0 && x+gap+w > width {
			rows, row, x = append(rows, row), nil, 0
		}
		if len(row) > 0 {
			x += gap
		}
		row = append(row, o)
		x += w
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

func rowSize(row []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for i, o := range row {
		m := o.MinSize()
		if i > 0 {
			s.Width += theme.Padding()
		}
		s.Width += m.Width
		s.Height = max(s.Height, m.Height)
	}
	return s
}

func (l *wrapLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	l.width = size.Width
	y := float32(0)
	for _, row := range l.rows(objs, size.Width) {
		rs := rowSize(row)
		x := max(0, (size.Width-rs.Width)/2)
		for _, o := range row {
			m := o.MinSize()
			o.Move(fyne.NewPos(x, y+(rs.Height-m.Height)/2))
			o.Resize(m)
			x += m.Width + theme.Padding()
		}
		y += rs.Height + theme.Padding()
	}
}

// MinSize is the widest object's width and the height of the rows at the last layout's width.
func (l *wrapLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for i, row := range l.rows(objs, l.width) {
		rs := rowSize(row)
		if i > 0 {
			s.Height += theme.Padding()
		}
		s.Height += rs.Height
		for _, o := range row {
			s.Width = max(s.Width, o.MinSize().Width)
		}
	}
	return s
}
