package widgets

import (
	"image/color"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"

	"lanim/ui/style"
)

// Badge is a count in a pill (unread messages, pending requests); hidden at 0.
type Badge struct {
	widget.BaseWidget
	count int64
	muted bool
}

func NewBadge() *Badge {
	b := &Badge{}
	b.ExtendBaseWidget(b)
	b.Hide()
	return b
}

func (b *Badge) Set(count int64, muted bool) {
	b.count, b.muted = count, muted
	if count <= 0 {
		b.Hide()
		return
	}
	b.Show()
	b.Refresh()
}

func (b *Badge) label() string {
	if b.count > 99 {
		return "99+"
	}
	return strconv.FormatInt(b.count, 10)
}

func (b *Badge) CreateRenderer() fyne.WidgetRenderer {
	r := &badgeRenderer{b: b, bg: &canvas.Rectangle{}, text: canvas.NewText("", color.White)}
	r.text.TextSize = 11
	r.text.TextStyle = fyne.TextStyle{Bold: true}
	r.text.Alignment = fyne.TextAlignCenter
	r.Refresh()
	return r
}

type badgeRenderer struct {
	b    *Badge
	bg   *canvas.Rectangle
	text *canvas.Text
}

func (r *badgeRenderer) MinSize() fyne.Size {
	ts := r.text.MinSize()
	return fyne.NewSize(max(18, ts.Width+10), 18)
}

func (r *badgeRenderer) Layout(size fyne.Size) {
	m := r.MinSize()
	pos := fyne.NewPos(size.Width-m.Width, (size.Height-m.Height)/2)
	r.bg.Move(pos)
	r.bg.Resize(m)
	r.bg.CornerRadius = m.Height / 2
	ts := r.text.MinSize()
	r.text.Move(fyne.NewPos(pos.X+(m.Width-ts.Width)/2, pos.Y+(m.Height-ts.Height)/2))
	r.text.Resize(ts)
}

func (r *badgeRenderer) Refresh() {
	r.text.Text = r.b.label()
	r.bg.FillColor = style.Color(style.ColorBadge)
	if r.b.muted {
		r.bg.FillColor = style.Color(style.ColorBadgeMuted)
	}
	r.Layout(r.b.Size())
	canvas.Refresh(r.b)
}

func (r *badgeRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.text} }

func (r *badgeRenderer) Destroy() {}
