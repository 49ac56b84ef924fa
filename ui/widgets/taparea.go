package widgets

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/ui/style"
)

// TapArea makes its content a row you can click, right-click and hover: list rows, choices.
// With an OnTapped it also takes the keyboard focus (Tab), and Space or Enter taps it.
type TapArea struct {
	widget.BaseWidget
	content     fyne.CanvasObject
	bg          *canvas.Rectangle
	hovered     bool
	selected    bool
	focused     bool
	OnTapped    func()
	OnSecondary func(pos fyne.Position)
}

func NewTapArea(content fyne.CanvasObject, tapped func()) *TapArea {
	t := &TapArea{content: content, bg: &canvas.Rectangle{CornerRadius: 8}, OnTapped: tapped}
	t.ExtendBaseWidget(t)
	return t
}

// Content is what the tap area shows.
func (t *TapArea) Content() fyne.CanvasObject { return t.content }

func (t *TapArea) SetSelected(sel bool) {
	if t.selected != sel {
		t.selected = sel
		t.Refresh()
	}
}

func (t *TapArea) Tapped(*fyne.PointEvent) {
	if t.OnTapped != nil {
		t.OnTapped()
	}
}

func (t *TapArea) TappedSecondary(e *fyne.PointEvent) {
	if t.OnSecondary != nil {
		t.OnSecondary(e.AbsolutePosition)
	}
}

func (t *TapArea) FocusGained() { t.focused = true; t.Refresh() }
func (t *TapArea) FocusLost()   { t.focused = false; t.Refresh() }
func (t *TapArea) TypedRune(r rune) {
	if r == ' ' {
		t.Tapped(nil)
	}
}

func (t *TapArea) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter {
		t.Tapped(nil)
	}
}

// AcceptsTab keeps Tab for moving the focus.
func (t *TapArea) AcceptsTab() bool { return false }

func (t *TapArea) MouseIn(*desktop.MouseEvent)    { t.hovered = true; t.Refresh() }
func (t *TapArea) MouseMoved(*desktop.MouseEvent) {}
func (t *TapArea) MouseOut()                      { t.hovered = false; t.Refresh() }

func (t *TapArea) Cursor() desktop.Cursor {
	if t.OnTapped != nil {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

func (t *TapArea) CreateRenderer() fyne.WidgetRenderer {
	return &tapRenderer{t: t}
}

type tapRenderer struct{ t *TapArea }

func (r *tapRenderer) Layout(size fyne.Size) {
	r.t.bg.Resize(size)
	r.t.content.Resize(size)
}
func (r *tapRenderer) MinSize() fyne.Size { return r.t.content.MinSize() }
func (r *tapRenderer) Refresh() {
	t := r.t
	switch {
	case t.selected:
		t.bg.FillColor = style.Color(theme.ColorNameSelection)
	case t.focused:
		t.bg.FillColor = style.Color(theme.ColorNameFocus)
	case t.hovered && t.OnTapped != nil:
		t.bg.FillColor = style.Color(theme.ColorNameHover)
	default:
		t.bg.FillColor = color.Transparent
	}
	t.bg.Refresh()
	t.content.Refresh()
}
func (r *tapRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.t.bg, r.t.content} }
func (r *tapRenderer) Destroy()                     {}
