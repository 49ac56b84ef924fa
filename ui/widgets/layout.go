package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
)

// FixedWidth lays out one object at a set width and the full height: the list pane.
type FixedWidth float32

func (w FixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.Position{})
		o.Resize(size)
	}
}

func (w FixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(float32(w), h)
}

// MaxWidth centres one object and caps its width: forms and cards on wide windows.
type MaxWidth float32

func (w MaxWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		width := min(size.Width, float32(w))
		o.Move(fyne.NewPos((size.Width-width)/2, 0))
		o.Resize(fyne.NewSize(width, size.Height))
	}
}

func (w MaxWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

// Tight stacks rows of text closer than a VBox: every RichText pads itself, so neighbours share
// one padding. The rows are centred vertically in the space they get.
func Tight(objs ...fyne.CanvasObject) *fyne.Container { return container.New(tightLayout{}, objs...) }

type tightLayout struct{}

func (tightLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	n := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height
		n++
	}
	if n > 1 {
		s.Height -= float32(n-1) * theme.InnerPadding()
	}
	return s
}

func (l tightLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	y := (size.Height - l.MinSize(objs).Height) / 2
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - theme.InnerPadding()
	}
}

// TopThen puts top above rest (at top's height) and gives rest the remaining space. Unlike a
// Border it keeps the objects in reading order, which is the order Tab moves the focus in.
func TopThen(top, rest fyne.CanvasObject) *fyne.Container {
	return container.New(edgeLayout{vertical: true}, top, rest)
}

// LeftThen puts first at the left (at its width) and gives rest the remaining space.
func LeftThen(first, rest fyne.CanvasObject) *fyne.Container {
	return container.New(edgeLayout{}, first, rest)
}

type edgeLayout struct{ vertical bool }

func (l edgeLayout) edge(o fyne.CanvasObject) fyne.Size {
	if !o.Visible() {
		return fyne.Size{}
	}
	return o.MinSize()
}

func (l edgeLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	e := l.edge(objs[0])
	if l.vertical {
		objs[0].Move(fyne.Position{})
		objs[0].Resize(fyne.NewSize(size.Width, e.Height))
		objs[1].Move(fyne.NewPos(0, e.Height))
		objs[1].Resize(fyne.NewSize(size.Width, size.Height-e.Height))
		return
	}
	objs[0].Move(fyne.Position{})
	objs[0].Resize(fyne.NewSize(e.Width, size.Height))
	objs[1].Move(fyne.NewPos(e.Width, 0))
	objs[1].Resize(fyne.NewSize(size.Width-e.Width, size.Height))
}

func (l edgeLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	e, r := l.edge(objs[0]), objs[1].MinSize()
	if l.vertical {
		return fyne.NewSize(max(e.Width, r.Width), e.Height+r.Height)
	}
	return fyne.NewSize(e.Width+r.Width, max(e.Height, r.Height))
}

// AtTop lays out one object at its own size, centred across and this far from the top: when the
// object grows (a form's error line appears) it grows downwards and nothing above it moves, as it
// would if it were centred on the window.
type AtTop float32

func (t AtTop) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		m := o.MinSize()
		o.Move(fyne.NewPos(max(0, (size.Width-m.Width)/2), float32(t)))
		o.Resize(m)
	}
}

func (t AtTop) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var out fyne.Size
	for _, o := range objs {
		out = out.Max(o.MinSize())
	}
	return out.AddWidthHeight(0, 2*float32(t))
}
