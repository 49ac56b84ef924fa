package widgets

import (
	"image"
	"image/color"
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/ui/style"
)

// Faces: an uploaded picture's URL shows the picture; EmojiFacePrefix+"<emoji>" shows an emoji
// on the colour of the ID; anything else, or a picture still loading, shows the initials.
const EmojiFacePrefix = "emoji:"

// IsPictureURL reports whether a faceURL is an uploaded picture rather than an emoji face.
func IsPictureURL(face string) bool { return strings.Contains(face, "://") }

// faceEmoji returns the emoji of an emoji face.
func faceEmoji(faceURL string) (string, bool) {
	e, ok := strings.CutPrefix(faceURL, EmojiFacePrefix)
	return e, ok && e != ""
}

// Pictures loads the uploaded pictures avatars show (the GUI's image cache does, fetching each
// once); an avatar needs nothing else from the app.
type Pictures interface {
	// Avatar calls done with the avatar-sized picture of an uploaded face (nil when it failed):
	// at once when it is cached, else later on the UI goroutine.
	Avatar(face string, done func(image.Image))
}

// Avatar is a round picture: an uploaded picture, or an emoji face or initials on a colour, with
// an optional presence dot.
type Avatar struct {
	widget.BaseWidget
	id, name, face string
	size           float32
	online         int         // 0 unknown (no dot), 1 online, -1 offline
	pics           Pictures    // loads uploaded pictures (nil: initials only)
	img            image.Image // the picture of face, once loaded
	imgFace        string      // the face img belongs to
}

// NewAvatar shows id's face at size; pics may be nil (no uploaded pictures, initials instead).
func NewAvatar(pics Pictures, id, name, face string, size float32) *Avatar {
	a := &Avatar{pics: pics, id: id, name: name, face: face, size: size}
	a.ExtendBaseWidget(a)
	return a
}

// Set changes who the avatar shows.
func (a *Avatar) Set(id, name, face string) {
	if a.id == id && a.name == name && a.face == face {
		return
	}
	a.id, a.name, a.face = id, name, face
	a.Refresh()
}

// SetOnline shows a presence dot: 1 online, -1 offline, 0 none.
func (a *Avatar) SetOnline(state int) {
	if a.online != state {
		a.online = state
		a.Refresh()
	}
}

// Face is the faceURL the avatar shows.
func (a *Avatar) Face() string { return a.face }

// HasPicture reports whether the avatar has its uploaded picture to show.
func (a *Avatar) HasPicture() bool { return a.img != nil && a.imgFace == a.face }

func (a *Avatar) MinSize() fyne.Size { return fyne.NewSquareSize(a.size) }

func (a *Avatar) CreateRenderer() fyne.WidgetRenderer {
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
	a      *Avatar
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
	r.circle.FillColor = style.AvatarColor(a.id)
	if e, ok := faceEmoji(a.face); ok {
		r.text.Text = e
		r.text.TextSize = a.size * 0.55
	} else {
		name := a.name
		if name == "" {
			name = a.id
		}
		r.text.Text = Initials(name)
		r.text.TextSize = a.size * 0.4
	}
	r.pic.Hidden = true
	if IsPictureURL(a.face) {
		a.loadPicture()
		if a.img != nil && a.imgFace == a.face {
			r.pic.Image, r.pic.Hidden = a.img, false
			r.text.Text = ""
		}
	}
	r.dot.Hidden = a.online == 0
	r.dot.FillColor = style.Color(style.ColorOnlineDot)
	if a.online < 0 {
		r.dot.FillColor = style.Color(style.ColorBadgeMuted)
	}
	r.dot.StrokeColor = style.Color(theme.ColorNameBackground)
	r.Layout(a.Size())
	canvas.Refresh(a)
}

func (r *avatarRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.circle, r.pic, r.text, r.dot}
}

// loadPicture fetches the avatar's uploaded picture (once per face; the cache shares it).
func (a *Avatar) loadPicture() {
	if a.pics == nil || a.imgFace == a.face {
		return
	}
	face, now := a.face, true
	a.pics.Avatar(face, func(img image.Image) {
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

// Initials is up to two letters for an avatar without a picture: the first letter of the first
// two words that start with a letter or digit ("Bobby (design)" is "B", "Ann Lee" is "AL").
func Initials(name string) string {
	var out []rune
	for _, f := range strings.Fields(name) {
		r := []rune(f)[0]
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, r)
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return strings.ToUpper(string(out))
}
