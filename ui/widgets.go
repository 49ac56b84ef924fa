package ui

import (
	"hash/fnv"
	"image"
	"image/color"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Small widgets shared by the screens. They only render: data comes in through fields and
// setters, actions go out through callbacks.

// styledText is one run of text in a theme colour and size; it follows theme changes, which a
// canvas.Text does not.
func styledText(s string, c fyne.ThemeColorName, size fyne.ThemeSizeName, style fyne.TextStyle) *widget.RichText {
	t := widget.NewRichText(&widget.TextSegment{Text: s, Style: widget.RichTextStyle{ColorName: c, SizeName: size,
		TextStyle: style, Inline: true}})
	return t
}

// setText changes the text of a styledText.
func setText(t *widget.RichText, s string) {
	seg := t.Segments[0].(*widget.TextSegment)
	if seg.Text == s {
		return
	}
	seg.Text = s
	t.Refresh()
}

// setTextColor changes the colour of a styledText.
func setTextColor(t *widget.RichText, c fyne.ThemeColorName) {
	seg := t.Segments[0].(*widget.TextSegment)
	if seg.Style.ColorName == c {
		return
	}
	seg.Style.ColorName = c
	t.Refresh()
}

// truncated makes a styledText end in an ellipsis when it does not fit.
func truncated(t *widget.RichText) *widget.RichText {
	t.Truncation = fyne.TextTruncateEllipsis
	return t
}

// emptyNote is the word-wrapped line a page shows when it has nothing to list: secondary text,
// not the disabled colour a low-importance label takes (too faint to read, 1.4:1).
func emptyNote(s string) *widget.RichText {
	t := styledText(s, colorSubtle, theme.SizeNameText, fyne.TextStyle{})
	t.Wrapping = fyne.TextWrapWord
	return t
}

func subtle(s string) *widget.RichText {
	return styledText(s, colorSubtle, theme.SizeNameCaptionText, fyne.TextStyle{})
}

func bold(s string) *widget.RichText {
	return styledText(s, theme.ColorNameForeground, theme.SizeNameText, fyne.TextStyle{Bold: true})
}

func heading(s string) *widget.RichText {
	return styledText(s, theme.ColorNameForeground, theme.SizeNameSubHeadingText, fyne.TextStyle{Bold: true})
}

// avatarColors are the backgrounds of pictureless avatars, picked by a hash of the ID so a person
// keeps one colour everywhere.
var avatarColors = []color.NRGBA{
	rgb(0x3B82F6), rgb(0x10B981), rgb(0xF59E0B), rgb(0xEF4444), rgb(0x8B5CF6),
	rgb(0xEC4899), rgb(0x14B8A6), rgb(0x6366F1), rgb(0xF97316), rgb(0x0EA5E9),
}

func avatarColor(id string) color.NRGBA {
	h := fnv.New32a()
	h.Write([]byte(id))
	return avatarColors[h.Sum32()%uint32(len(avatarColors))]
}

// Faces: an uploaded picture's URL shows the picture; "emoji:<emoji>" shows an emoji on the
// colour of the ID; anything else, or a picture still loading, shows the initials.
const emojiFacePrefix = "emoji:"

// faceEmoji returns the emoji of an emoji face.
func faceEmoji(faceURL string) (string, bool) {
	e, ok := strings.CutPrefix(faceURL, emojiFacePrefix)
	return e, ok && e != ""
}

// avatar is a round picture: an uploaded picture, or an emoji face or initials on a colour, with
// an optional presence dot.
type avatar struct {
	widget.BaseWidget
	id, name, face string
	size           float32
	online         int         // 0 unknown (no dot), 1 online, -1 offline
	pics           *imageCache // loads uploaded pictures (nil: initials only)
	img            image.Image // the picture of face, once loaded
	imgFace        string      // the face img belongs to
}

func newAvatar(pics *imageCache, id, name, face string, size float32) *avatar {
	a := &avatar{pics: pics, id: id, name: name, face: face, size: size}
	a.ExtendBaseWidget(a)
	return a
}

// set changes who the avatar shows.
func (a *avatar) set(id, name, face string) {
	if a.id == id && a.name == name && a.face == face {
		return
	}
	a.id, a.name, a.face = id, name, face
	a.Refresh()
}

// setOnline shows a presence dot: 2 away, 1 online, -1 offline, 0 none.
func (a *avatar) setOnline(state int) {
	if a.online != state {
		a.online = state
		a.Refresh()
	}
}

func (a *avatar) MinSize() fyne.Size { return fyne.NewSquareSize(a.size) }

func (a *avatar) CreateRenderer() fyne.WidgetRenderer {
	r := &avatarRenderer{a: a, circle: &canvas.Circle{}, text: canvas.NewText("", color.White),
		dot: &canvas.Circle{StrokeWidth: 2}, pic: canvas.NewImageFromImage(nil)}
	r.pic.FillMode = canvas.ImageFillCover
	r.pic.ScaleMode = canvas.ImageScaleSmooth
	r.text.Alignment = fyne.TextAlignCenter
	r.text.TextStyle = fyne.TextStyle{Bold: true}
	r.Refresh()
	return r
}

type avatarRenderer struct {
	a      *avatar
	circle *canvas.Circle
	text   *canvas.Text
	dot    *canvas.Circle
	pic    *canvas.Image
}

func (r *avatarRenderer) Layout(size fyne.Size) {
	d := min(size.Width, size.Height)
	off := fyne.NewPos((size.Width-d)/2, (size.Height-d)/2)
	r.circle.Move(off)
	r.circle.Resize(fyne.NewSquareSize(d))
	r.pic.Move(off)
	r.pic.Resize(fyne.NewSquareSize(d))
	r.pic.CornerRadius = d / 2
	ts := r.text.MinSize()
	r.text.Move(fyne.NewPos(off.X+(d-ts.Width)/2, off.Y+(d-ts.Height)/2))
	r.text.Resize(ts)
	ds := max(9, d/6)
	r.dot.Move(fyne.NewPos(off.X+d-ds, off.Y+d-ds))
	r.dot.Resize(fyne.NewSquareSize(ds))
}

func (r *avatarRenderer) MinSize() fyne.Size { return r.a.MinSize() }

func (r *avatarRenderer) Refresh() {
	a := r.a
	r.circle.FillColor = avatarColor(a.id)
	if e, ok := faceEmoji(a.face); ok {
		r.text.Text = e
		r.text.TextSize = a.size * 0.55
	} else {
		name := a.name
		if name == "" {
			name = a.id
		}
		r.text.Text = initials(name)
		r.text.TextSize = a.size * 0.4
	}
	r.pic.Hidden = true
	if isPictureURL(a.face) {
		a.loadPicture()
		if a.img != nil && a.imgFace == a.face {
			r.pic.Image, r.pic.Hidden = a.img, false
			r.text.Text = ""
		}
	}
	r.dot.Hidden = a.online == 0
	r.dot.FillColor = themeColor(colorOnlineDot)
	if a.online == 2 {
		r.dot.FillColor = themeColor(theme.ColorNameWarning) // away
	}
	if a.online < 0 {
		r.dot.FillColor = themeColor(colorBadgeMuted)
	}
	r.dot.StrokeColor = themeColor(theme.ColorNameBackground)
	r.Layout(a.Size())
	canvas.Refresh(a)
}

func (r *avatarRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.circle, r.pic, r.text, r.dot}
}

// loadPicture fetches the avatar's uploaded picture (once per face; the cache shares it).
func (a *avatar) loadPicture() {
	if a.pics == nil || a.imgFace == a.face {
		return
	}
	face, now := a.face, true
	u := avatarURL(face)
	a.pics.get(u, true, a.pics.remote(u, avatarSide), func(img image.Image) {
		if a.face == face && img != nil {
			a.img, a.imgFace = img, face
			if !now { // fetched later: redraw (a cached picture arrives within this render)
				a.Refresh()
			}
		}
	})
	now = false
}

func (r *avatarRenderer) Destroy() {}

// badge is a count in a pill (unread messages, pending requests); hidden at 0.
type badge struct {
	widget.BaseWidget
	count int64
	muted bool
	dot   bool // a plain dot instead of the number (mentions in muted chats)
}

func newBadge() *badge {
	b := &badge{}
	b.ExtendBaseWidget(b)
	b.Hide()
	return b
}

func (b *badge) set(count int64, muted bool) {
	b.count, b.muted = count, muted
	if count <= 0 {
		b.Hide()
		return
	}
	b.Show()
	b.Refresh()
}

func (b *badge) label() string {
	if b.count > 99 {
		return "99+"
	}
	return strconv.FormatInt(b.count, 10)
}

func (b *badge) CreateRenderer() fyne.WidgetRenderer {
	r := &badgeRenderer{b: b, bg: &canvas.Rectangle{}, text: canvas.NewText("", color.White)}
	r.text.TextSize = 11
	r.text.TextStyle = fyne.TextStyle{Bold: true}
	r.text.Alignment = fyne.TextAlignCenter
	r.Refresh()
	return r
}

type badgeRenderer struct {
	b    *badge
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
	r.bg.FillColor = themeColor(colorBadge)
	if r.b.muted {
		r.bg.FillColor = themeColor(colorBadgeMuted)
	}
	r.Layout(r.b.Size())
	canvas.Refresh(r.b)
}

func (r *badgeRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.text} }

func (r *badgeRenderer) Destroy() {}

// surface is a rectangle in a theme colour that follows theme changes: the background of a
// pane, a card or a bubble.
type surface struct {
	widget.BaseWidget
	fill, stroke fyne.ThemeColorName
	radius       float32
}

func newSurface(fill fyne.ThemeColorName) *surface {
	s := &surface{fill: fill}
	s.ExtendBaseWidget(s)
	return s
}

func newCard(radius float32) *surface {
	s := &surface{fill: theme.ColorNameBackground, stroke: colorCardBorder, radius: radius}
	s.ExtendBaseWidget(s)
	return s
}

func (s *surface) setFill(fill fyne.ThemeColorName) {
	if s.fill != fill {
		s.fill = fill
		s.Refresh()
	}
}

func (s *surface) CreateRenderer() fyne.WidgetRenderer {
	r := &surfaceRenderer{s: s, rect: &canvas.Rectangle{}}
	r.Refresh()
	return r
}

type surfaceRenderer struct {
	s    *surface
	rect *canvas.Rectangle
}

func (r *surfaceRenderer) Layout(size fyne.Size) { r.rect.Resize(size) }
func (r *surfaceRenderer) MinSize() fyne.Size    { return fyne.Size{} }
func (r *surfaceRenderer) Refresh() {
	r.rect.FillColor = themeColor(r.s.fill)
	r.rect.CornerRadius = r.s.radius
	if r.s.stroke != "" {
		r.rect.StrokeColor = themeColor(r.s.stroke)
		r.rect.StrokeWidth = 1
	}
	r.rect.Refresh()
}
func (r *surfaceRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.rect} }
func (r *surfaceRenderer) Destroy()                     {}

// tapArea makes its content a row you can click, right-click and hover: list rows, choices.
// With an OnTapped it also takes the keyboard focus (Tab), and Space or Enter taps it.
type tapArea struct {
	widget.BaseWidget
	content     fyne.CanvasObject
	bg          *canvas.Rectangle
	hovered     bool
	selected    bool
	focused     bool
	OnTapped    func()
	OnSecondary func(pos fyne.Position)
}

func newTapArea(content fyne.CanvasObject, tapped func()) *tapArea {
	t := &tapArea{content: content, bg: &canvas.Rectangle{CornerRadius: 8}, OnTapped: tapped}
	t.ExtendBaseWidget(t)
	return t
}

func (t *tapArea) setSelected(sel bool) {
	if t.selected != sel {
		t.selected = sel
		t.Refresh()
	}
}

func (t *tapArea) Tapped(*fyne.PointEvent) {
	if t.OnTapped != nil {
		t.OnTapped()
	}
}

func (t *tapArea) TappedSecondary(e *fyne.PointEvent) {
	if t.OnSecondary != nil {
		t.OnSecondary(e.AbsolutePosition)
	}
}

func (t *tapArea) FocusGained() { t.focused = true; t.Refresh() }
func (t *tapArea) FocusLost()   { t.focused = false; t.Refresh() }
func (t *tapArea) TypedRune(r rune) {
	if r == ' ' {
		t.Tapped(nil)
	}
}

func (t *tapArea) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter {
		t.Tapped(nil)
	}
}

// AcceptsTab keeps Tab for moving the focus.
func (t *tapArea) AcceptsTab() bool { return false }

func (t *tapArea) MouseIn(*desktop.MouseEvent)    { t.hovered = true; t.Refresh() }
func (t *tapArea) MouseMoved(*desktop.MouseEvent) {}
func (t *tapArea) MouseOut()                      { t.hovered = false; t.Refresh() }

func (t *tapArea) Cursor() desktop.Cursor {
	if t.OnTapped != nil {
		return desktop.PointerCursor
	}
	return desktop.DefaultCursor
}

func (t *tapArea) CreateRenderer() fyne.WidgetRenderer {
	return &tapRenderer{t: t}
}

type tapRenderer struct{ t *tapArea }

func (r *tapRenderer) Layout(size fyne.Size) {
	r.t.bg.Resize(size)
	r.t.content.Resize(size)
}
func (r *tapRenderer) MinSize() fyne.Size { return r.t.content.MinSize() }
func (r *tapRenderer) Refresh() {
	t := r.t
	switch {
	case t.selected:
		t.bg.FillColor = themeColor(theme.ColorNameSelection)
	case t.focused:
		t.bg.FillColor = themeColor(theme.ColorNameFocus)
	case t.hovered && t.OnTapped != nil:
		t.bg.FillColor = themeColor(theme.ColorNameHover)
	default:
		t.bg.FillColor = color.Transparent
	}
	t.bg.Refresh()
	t.content.Refresh()
}
func (r *tapRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.t.bg, r.t.content} }
func (r *tapRenderer) Destroy()                     {}

// fixedWidth lays out one object at a set width and the full height: the list pane.
type fixedWidth float32

func (w fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.Position{})
		o.Resize(size)
	}
}

func (w fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(float32(w), h)
}

// maxWidth centres one object and caps its width: forms and cards on wide windows.
type maxWidth float32

func (w maxWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		width := min(size.Width, float32(w))
		o.Move(fyne.NewPos((size.Width-width)/2, 0))
		o.Resize(fyne.NewSize(width, size.Height))
	}
}

func (w maxWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

// tight stacks rows of text closer than a VBox: every RichText pads itself, so neighbours share
// one padding. The rows are centred vertically in the space they get.
func tight(objs ...fyne.CanvasObject) *fyne.Container { return container.New(tightLayout{}, objs...) }

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

// topThen puts top above rest (at top's height) and gives rest the remaining space. Unlike a
// Border it keeps the objects in reading order, which is the order Tab moves the focus in.
func topThen(top, rest fyne.CanvasObject) *fyne.Container {
	return container.New(edgeLayout{vertical: true}, top, rest)
}

// leftThen puts first at the left (at its width) and gives rest the remaining space.
func leftThen(first, rest fyne.CanvasObject) *fyne.Container {
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
