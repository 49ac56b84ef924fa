package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/image/draw"

	"lanim/node/pb"
	"lanim/ui/style"
	"lanim/ui/widgets"
)

// imageCache holds decoded thumbnails and avatars by URL, and fetches each once however many
// bubbles ask. It is used on the UI goroutine; fetches run off it, a few at a time.
type imageCache struct {
	c       *Controller
	images  map[string]image.Image
	waiting map[string][]func(image.Image)
	failed  map[string]time.Time // when a fetch failed: not tried again for failedFor
	slots   chan struct{}
}

// Cache bounds: decoded thumbnails are up to thumbSize² pixels (1.6 MB each).
const (
	maxCachedImages = 96
	imageFetches    = 4
	failedFor       = 30 * time.Second
)

func newImageCache(c *Controller) *imageCache {
	return &imageCache{c: c, images: map[string]image.Image{}, waiting: map[string][]func(image.Image){},
		failed: map[string]time.Time{}, slots: make(chan struct{}, imageFetches)}
}

// get calls done with the picture at key, at once when it is cached, else once load has fetched
// and decoded it; with nil when that failed (a get after failedFor tries again). cache false keeps the
// decoded picture out of the cache (a full-size picture).
func (p *imageCache) get(key string, cache bool, load func(ctx context.Context) (image.Image, error), done func(image.Image)) {
	if img := p.images[key]; img != nil {
		done(img)
		return
	}
	if at, ok := p.failed[key]; ok && time.Since(at) < failedFor {
		done(nil)
		return
	}
	if w, ok := p.waiting[key]; ok {
		p.waiting[key] = append(w, done)
		return
	}
	p.waiting[key] = []func(image.Image){done}
	go func() {
		var img image.Image
		var err error
		select {
		case p.slots <- struct{}{}:
			img, err = load(p.c.ctx)
			<-p.slots
		case <-p.c.ctx.Done():
			return
		}
		p.c.post(func() {
			waiters := p.waiting[key]
			delete(p.waiting, key)
			if err != nil {
				p.c.log.Warn("picture not shown", "picture", key, "err", err)
				if len(p.failed) >= maxCachedImages {
					clear(p.failed)
				}
				p.failed[key], img = time.Now(), nil
			} else {
				delete(p.failed, key)
			}
			if cache && img != nil {
				if len(p.images) >= maxCachedImages {
					clear(p.images) // simple and bounded: the visible ones come back on the next redraw
				}
				p.images[key] = img
			}
			for _, w := range waiters {
				w(img)
			}
		})
	}()
}

// remote fetches and decodes the picture at an object URL, scaled down to fit maxSide (0: not).
func (p *imageCache) remote(url string, maxSide int) func(ctx context.Context) (image.Image, error) {
	return func(ctx context.Context) (image.Image, error) {
		var buf limitedBuffer
		buf.max = maxPictureLoad
		if _, err := p.c.be.Download(ctx, url, &buf, nil); err != nil {
			return nil, err
		}
		img, err := decodePicture(buf.Bytes(), maxSide)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", url, err)
		}
		return img, nil
	}
}

// localPicture decodes an attachment being sent, from its file or pasted bytes.
func localPicture(a *attachment, maxSide int) func(ctx context.Context) (image.Image, error) {
	return func(context.Context) (image.Image, error) {
		r, err := a.open()
		if err != nil {
			return nil, err
		}
		defer r.Close()
		var buf limitedBuffer
		buf.max = maxPictureLoad
		if _, err := io.Copy(&buf, r); err != nil {
			return nil, err
		}
		return decodePicture(buf.Bytes(), maxSide)
	}
}

// maxPicturePixels bounds what the app decodes: a small file can claim a huge picture.
const maxPicturePixels = 50_000_000

// decodePicture decodes a picture, scaled down to fit a maxSide square when it is larger (0:
// full size), so cached thumbnails stay small whatever the node or the disk gave.
func decodePicture(data []byte, maxSide int) (image.Image, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if cfg.Width*cfg.Height > maxPicturePixels {
		return nil, fmt.Errorf("decode: %d×%d pixels is too large to show", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	b := img.Bounds()
	if maxSide <= 0 || max(b.Dx(), b.Dy()) <= maxSide {
		return img, nil
	}
	s := float64(maxSide) / float64(max(b.Dx(), b.Dy()))
	dst := image.NewNRGBA(image.Rect(0, 0, max(1, int(float64(b.Dx())*s)), max(1, int(float64(b.Dy())*s))))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	return dst, nil
}

// limitedBuffer refuses to grow past max bytes: a picture to decode is held in memory.
type limitedBuffer struct {
	bytes.Buffer
	max int
}

var errTooLarge = errors.New("too large to show")

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.max {
		return 0, errTooLarge
	}
	return b.Buffer.Write(p)
}

// avatarSide is the size of the thumbnail an avatar asks for (the largest avatar is 112 px).
const avatarSide = 160

// avatarURL is the small thumbnail an avatar shows.
func avatarURL(u string) string {
	return fmt.Sprintf("%s?type=image&width=%d&height=%d", u, avatarSide, avatarSide)
}

// Avatar loads an uploaded face's avatar thumbnail for widgets.Avatar (once however many ask).
func (p *imageCache) Avatar(face string, done func(image.Image)) {
	if p == nil {
		return
	}
	u := avatarURL(face)
	p.get(u, true, p.remote(u, avatarSide), done)
}

// pictureBox is the largest thumbnail a bubble shows.
const pictureBox = 260

// pictureDisplaySize fits a picture of w×h into the bubble's box, keeping its shape.
func pictureDisplaySize(w, h int32) fyne.Size {
	if w <= 0 || h <= 0 {
		return fyne.NewSize(pictureBox, pictureBox*3/4)
	}
	s := min(float32(pictureBox)/float32(w), float32(pictureBox)/float32(h), 1)
	return fyne.NewSize(max(float32(w)*s, 72), max(float32(h)*s, 72))
}

// attachmentView is what a bubble shows instead of text for a picture or a file.
type attachmentView interface {
	fyne.CanvasObject
	// show updates the view from the message and the state of its transfer.
	show(m *pb.MsgData)
}

// progressOf is the transfer in progress for a message: its upload (the user's message being
// sent) or its download; ok false when none.
func (c *Controller) progressOf(convID, clientMsgID string) (value float64, label string, ok bool) {
	if a := c.attachmentOf(convID, clientMsgID); a != nil && a.uploading {
		return float64(a.done) / float64(max(a.size, 1)), "Uploading " + humanSize(a.done) + " of " + humanSize(a.size), true
	}
	if d := c.files.downloads[clientMsgID]; d != nil {
		if d.total <= 0 {
			return 0, "Downloading " + humanSize(d.done), true
		}
		return float64(d.done) / float64(d.total), "Downloading " + humanSize(d.done) + " of " + humanSize(d.total), true
	}
	return 0, "", false
}

// pictureView is a picture message's thumbnail; a tap opens it full size.
type pictureView struct {
	widget.BaseWidget
	c       *Controller
	convID  string
	msg     *pb.MsgData
	size    fyne.Size
	key     string // what img shows
	img     *canvas.Image
	bg      *canvas.Rectangle
	note    *widget.RichText
	bar     *widget.ProgressBar
	barBack *canvas.Rectangle
}

func newPictureView(c *Controller, convID string) *pictureView {
	v := &pictureView{c: c, convID: convID, img: canvas.NewImageFromImage(nil),
		bg: &canvas.Rectangle{CornerRadius: 10}, note: widgets.Subtle("Loading picture…"), bar: widget.NewProgressBar(),
		barBack: &canvas.Rectangle{CornerRadius: 6}}
	v.img.FillMode = canvas.ImageFillContain
	v.img.CornerRadius = 10
	v.img.ScaleMode = canvas.ImageScaleSmooth
	v.ExtendBaseWidget(v)
	return v
}

func (v *pictureView) show(m *pb.MsgData) {
	v.msg = m
	e, _ := pictureOf(m)
	v.size = pictureDisplaySize(e.SourcePicture.Width, e.SourcePicture.Height)
	var key string
	var load func(context.Context) (image.Image, error)
	if a := v.c.attachmentOf(v.convID, m.ClientMsgID); a != nil && a.url == "" {
		key, load = "local:"+m.ClientMsgID, localPicture(a, thumbSize)
	} else if e.SourcePicture.URL != "" {
		u := thumbnailURL(e.SourcePicture.URL)
		key, load = u, v.c.pics.remote(u, thumbSize)
	}
	if key != "" && key != v.key {
		want := key
		v.c.pics.get(key, true, load, func(img image.Image) {
			if img == nil {
				widgets.SetText(v.note, "Picture not available")
				return
			}
			if v.msg.ClientMsgID == m.ClientMsgID {
				v.key = want
				v.img.Image = img
				v.img.Refresh()
				v.Refresh()
			}
		})
	}
	value, _, busy := v.c.progressOf(v.convID, m.ClientMsgID)
	v.bar.Hidden = !busy
	v.barBack.Hidden = !busy
	v.bar.SetValue(value)
	v.Refresh()
}

func (v *pictureView) MinSize() fyne.Size { return v.size }

func (v *pictureView) Tapped(*fyne.PointEvent) { v.c.ShowPicture(v.convID, v.msg) }

func (v *pictureView) Cursor() desktop.Cursor { return desktop.PointerCursor }

func (v *pictureView) CreateRenderer() fyne.WidgetRenderer { return &pictureRenderer{v: v} }

type pictureRenderer struct{ v *pictureView }

func (r *pictureRenderer) Layout(size fyne.Size) {
	v := r.v
	v.bg.Resize(size)
	v.img.Resize(size)
	ns := v.note.MinSize()
	v.note.Move(fyne.NewPos((size.Width-ns.Width)/2, (size.Height-ns.Height)/2))
	v.note.Resize(ns)
	bh := v.bar.MinSize().Height
	v.barBack.Move(fyne.NewPos(6, size.Height-bh-10))
	v.barBack.Resize(fyne.NewSize(size.Width-12, bh+4))
	v.bar.Move(fyne.NewPos(8, size.Height-bh-8))
	v.bar.Resize(fyne.NewSize(size.Width-16, bh))
}

func (r *pictureRenderer) MinSize() fyne.Size { return r.v.MinSize() }

func (r *pictureRenderer) Refresh() {
	v := r.v
	v.bg.FillColor = style.Color(style.ColorNoticePill)
	v.barBack.FillColor = style.Color(theme.ColorNameBackground)
	v.note.Hidden = v.img.Image != nil
	v.bg.Refresh()
	v.img.Refresh()
	v.barBack.Refresh()
	v.bar.Refresh()
	r.Layout(v.Size())
}

func (r *pictureRenderer) Objects() []fyne.CanvasObject {
	v := r.v
	return []fyne.CanvasObject{v.bg, v.note, v.img, v.barBack, v.bar}
}

func (r *pictureRenderer) Destroy() {}

// fileCardWidth is the width of a file bubble's card.
const fileCardWidth = 290

// fileView is a file message: icon, name, size and type, Open and Save as, and the progress of
// its upload or download.
type fileView struct {
	widget.BaseWidget
	c       *Controller
	convID  string
	msg     *pb.MsgData
	own     bool
	icon    *canvas.Image
	name    *widget.RichText
	info    *widget.RichText
	open    *widget.Button
	saveAs  *widget.Button
	bar     *widget.ProgressBar
	barText *widget.RichText
	content fyne.CanvasObject
}

func newFileView(c *Controller, convID string, own bool) *fileView {
	v := &fileView{c: c, convID: convID, own: own, icon: canvas.NewImageFromResource(theme.FileIcon())}
	v.icon.FillMode = canvas.ImageFillContain
	v.icon.SetMinSize(fyne.NewSquareSize(36))
	text := theme.ColorNameForeground
	sub := style.ColorSubtle
	if own {
		text, sub = style.ColorBubbleText, style.ColorBubbleText
		v.icon.Resource = style.Colored(theme.FileIcon(), style.ColorBubbleText)
	}
	v.name = widgets.Truncated(widgets.StyledText("", text, theme.SizeNameText, fyne.TextStyle{Bold: true}))
	v.info = widgets.StyledText("", sub, theme.SizeNameCaptionText, fyne.TextStyle{})
	v.open = widget.NewButtonWithIcon("Open", theme.FileIcon(), func() { c.OpenFile(v.msg) })
	v.saveAs = widget.NewButtonWithIcon("Save as", theme.DownloadIcon(), func() {
		if f, ok := fileOf(v.msg); ok {
			c.SaveFileAs(v.msg.ClientMsgID, f.SourceURL, f.FileName)
		}
	})
	v.bar = widget.NewProgressBar()
	v.barText = widgets.StyledText("", sub, theme.SizeNameCaptionText, fyne.TextStyle{})
	head := container.NewBorder(nil, nil, container.NewCenter(v.icon), nil, widgets.Tight(v.name, v.info))
	buttons := container.NewHBox(v.open, v.saveAs, layout.NewSpacer())
	v.content = container.NewVBox(head, v.bar, v.barText, buttons)
	v.ExtendBaseWidget(v)
	return v
}

func (v *fileView) show(m *pb.MsgData) {
	v.msg = m
	f, _ := fileOf(m)
	widgets.SetText(v.name, f.FileName)
	widgets.SetText(v.info, humanSize(f.FileSize)+" · "+fileTypeLabel(f.FileName, f.FileType))
	value, label, busy := v.c.progressOf(v.convID, m.ClientMsgID)
	v.bar.Hidden, v.barText.Hidden = !busy, !busy
	v.bar.SetValue(value)
	widgets.SetText(v.barText, label)
	ready := f.SourceURL != ""
	v.open.Hidden, v.saveAs.Hidden = !ready, !ready
	if busy {
		v.open.Disable()
		v.saveAs.Disable()
	} else {
		v.open.Enable()
		v.saveAs.Enable()
	}
	v.Refresh()
}

func (v *fileView) MinSize() fyne.Size {
	return fyne.NewSize(fileCardWidth, v.content.MinSize().Height)
}

func (v *fileView) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(v.content)
}

// ShowPicture opens a picture message full size, over the window.
func (c *Controller) ShowPicture(convID string, m *pb.MsgData) {
	e, ok := pictureOf(m)
	if !ok {
		return
	}
	img := canvas.NewImageFromImage(nil)
	img.FillMode = canvas.ImageFillContain
	img.ScaleMode = canvas.ImageScaleSmooth
	ws := c.win.Canvas().Size()
	box := fyne.NewSize(ws.Width*0.85, ws.Height*0.75)
	w, h := float32(e.SourcePicture.Width), float32(e.SourcePicture.Height)
	if w <= 0 || h <= 0 {
		w, h = box.Width, box.Height
	}
	s := min(box.Width/w, box.Height/h, 1)
	img.SetMinSize(fyne.NewSize(max(w*s, 120), max(h*s, 90)))
	note := widgets.Subtle("Loading picture…")
	key, load := "full:"+e.SourcePicture.URL, c.pics.remote(e.SourcePicture.URL, 0)
	if a := c.attachmentOf(convID, m.ClientMsgID); a != nil && a.url == "" {
		key, load = "full:"+m.ClientMsgID, localPicture(a, 0)
	}
	c.pics.get(key, false, load, func(i image.Image) {
		if i == nil {
			widgets.SetText(note, "Could not load the picture")
			return
		}
		img.Image = i
		img.Refresh()
		note.Hide()
	})
	caption := fmt.Sprintf("%s · %d × %d · %s", humanSize(e.SourcePicture.Size), e.SourcePicture.Width,
		e.SourcePicture.Height, c.clock.msgTime(msgTime(m)))
	var d dialog.Dialog
	u, saveName := attachmentURL(m)
	save := widget.NewButtonWithIcon("Save as", theme.DownloadIcon(), func() { c.SaveFileAs(m.ClientMsgID, u, saveName) })
	save.Hidden = u == ""
	closeBtn := widget.NewButtonWithIcon("Close", theme.CancelIcon(), func() { d.Hide() })
	closeBtn.Importance = widget.HighImportance
	body := container.NewBorder(nil, container.NewVBox(container.NewCenter(widgets.Subtle(caption)),
		container.NewCenter(container.NewHBox(save, closeBtn))), nil, nil,
		container.NewStack(container.NewCenter(note), img))
	keys := &escCloser{close: func() { d.Hide() }}
	keys.ExtendBaseWidget(keys)
	name := m.SenderNickname
	if name == "" {
		name = c.userName(m.SendID)
	}
	d = dialog.NewCustomWithoutButtons("Picture from "+name, container.NewStack(keys, body), c.win)
	d.Show()
	c.win.Canvas().Focus(keys)
}

// escCloser closes the picture viewer on Escape: it holds the keyboard focus while it shows.
type escCloser struct {
	widget.BaseWidget
	close func()
}

func (e *escCloser) FocusGained()     {}
func (e *escCloser) FocusLost()       {}
func (e *escCloser) TypedRune(rune)   {}
func (e *escCloser) AcceptsTab() bool { return false }
func (e *escCloser) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		e.close()
	}
}

func (e *escCloser) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}
