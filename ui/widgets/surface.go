package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/ui/style"
)

// Surface is a rectangle in a theme colour that follows theme changes: the background of a
// pane, a card or a bubble.
type Surface struct {
	widget.BaseWidget
	fill, stroke fyne.ThemeColorName
	radius       float32
}

func NewSurface(fill fyne.ThemeColorName) *Surface {
	s := &Surface{fill: fill}
	s.ExtendBaseWidget(s)
	return s
}

func NewCard(radius float32) *Surface {
	s := &Surface{fill: theme.ColorNameBackground, stroke: style.ColorCardBorder, radius: radius}
	s.ExtendBaseWidget(s)
	return s
}

func (s *Surface) SetFill(fill fyne.ThemeColorName) {
	if s.fill != fill {
		s.fill = fill
		s.Refresh()
	}
}

// SetRadius rounds the surface's corners (a bubble, a pill).
func (s *Surface) SetRadius(radius float32) {
	if s.radius != radius {
		s.radius = radius
		s.Refresh()
	}
}

func (s *Surface) CreateRenderer() fyne.WidgetRenderer {
	r := &surfaceRenderer{s: s, rect: &canvas.Rectangle{}}
	r.Refresh()
	return r
}

type surfaceRenderer struct {
	s    *Surface
	rect *canvas.Rectangle
}

func (r *surfaceRenderer) Layout(size fyne.Size) { r.rect.Resize(size) }
func (r *surfaceRenderer) MinSize() fyne.Size    { return fyne.Size{} }
func (r *surfaceRenderer) Refresh() {
	r.rect.FillColor = style.Color(r.s.fill)
	r.rect.CornerRadius = r.s.radius
	if r.s.stroke != "" {
		r.rect.StrokeColor = style.Color(r.s.stroke)
		r.rect.StrokeWidth = 1
	}
	r.rect.Refresh()
}
func (r *surfaceRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.rect} }
func (r *surfaceRenderer) Destroy()                     {}
