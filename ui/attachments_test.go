package ui

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/ui/widgets"
)

// Screen tests of pictures and files: sending (drop, the file dialog, paste), the bubbles,
// progress, retry, open and save as, and uploaded profile pictures.

// GradientPNG is a w×h gradient encoded as PNG: a picture to send in tests.
func GradientPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.NRGBA{uint8(255 * x / w), uint8(255 * y / h), 160, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// chatPair is ann's and bob's windows with their chat open on ann's side.
func chatPair(t *testing.T) (*Harness, *Harness) {
	t.Helper()
	_, _, hs := realApp(t, "ann", "bob")
	ann, bob := hs["ann"], hs["bob"]
	befriend(t, ann, bob)
	ann.Settle()
	ann.OpenChatWith("bob")
	ann.Settle()
	return ann, bob
}

// rowOf is the open chat's bubble of the newest message of a content type.
func (h *Harness) rowOf(contentType int32) *msgRow {
	var found *msgRow
	for _, r := range h.C.shell.chat.col.rows {
		if m, ok := r.(*msgRow); ok && m.msg.ContentType == contentType {
			found = m
		}
	}
	return found
}

func TestPictureBubbleThumbnailAndFullSize(t *testing.T) {
	ann, bob := chatPair(t)
	pic := GradientPNG(t, 400, 300)
	path := writeFile(t, t.TempDir(), "office-plan.png", pic)

	// Ann drops the picture on her window: it shows at once with the upload's progress, and goes
	// out when the upload is done.
	release := probeOf(ann).holdUploads()
	ann.C.dropped(fyne.NewPos(500, 300), []fyne.URI{storage.NewFileURI(path)})
	ann.WaitFor("the upload at half way", func() bool {
		r := ann.rowOf(openim.Picture)
		if r == nil {
			return false
		}
		bar := r.att.(*pictureView).bar
		return bar.Visible() && bar.Value > 0.49 && bar.Value < 0.51
	})
	if !ann.ChatShows("ann: 📷 Picture [Sending…]") {
		t.Fatalf("picture while uploading: %v", ann.ChatLines())
	}
	ann.WaitFor("the local thumbnail", func() bool { return ann.rowOf(openim.Picture).att.(*pictureView).img.Image != nil })
	release()
	conv := openim.SingleConversationID("ann", "bob")
	ann.WaitFor("the picture stored", func() bool { m := lastMessage(t, ann.C.be, conv); return m != nil && m.ContentType == openim.Picture })
	ann.WaitChat("ann: 📷 Picture [Sent]")
	if ann.rowOf(openim.Picture).att.(*pictureView).bar.Visible() {
		t.Fatal("the progress bar stays after the upload")
	}

	// The message carries the upload's URL, which serves the same bytes.
	e, _ := pictureOf(lastMessage(t, ann.C.be, conv))
	if e.SourcePicture.Width != 400 || e.SourcePicture.Height != 300 || e.SourcePicture.Type != "image/png" ||
		!bytes.Equal(object(t, ann.C.be, e.SourcePicture.URL), pic) || e.SnapshotPicture.URL != thumbnailURL(e.SourcePicture.URL) {
		t.Fatalf("picture element %+v", e)
	}

	// Bob sees the thumbnail the node serves for the URL, at the picture's shape.
	bob.OpenChatWith("ann")
	bob.WaitFor("bob's thumbnail", func() bool {
		r := bob.rowOf(openim.Picture)
		return r != nil && r.att.(*pictureView).img.Image != nil
	})
	pv := bob.rowOf(openim.Picture).att.(*pictureView)
	if !slices.Contains(probeOf(bob).Downloads(), thumbnailURL(e.SourcePicture.URL)) {
		t.Fatalf("the bubble did not ask for the thumbnail: %v", probeOf(bob).Downloads())
	}
	if s := pv.MinSize(); s.Width != pictureBox || s.Height != pictureBox*3/4 {
		t.Fatalf("thumbnail size %v", s)
	}
	if b := pv.img.Image.Bounds(); b.Dx() != 400 || b.Dy() != 300 {
		t.Fatalf("thumbnail image %v", b)
	}
	bob.Settle()
	bob.Snapshot(t, "picture-bubble")

	// A tap opens it full size: the original URL, no thumbnail query.
	test.Tap(pv)
	bob.Drain()
	bob.WaitText("Picture from Ann")
	var full *canvas.Image
	bob.WaitFor("the full-size picture", func() bool {
		full = nil
		walk(bob.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
			if img, ok := o.(*canvas.Image); ok && img.Image != nil && img.MinSize().Width > 100 {
				full = img
			}
		})
		return full != nil
	})
	if !slices.Contains(probeOf(bob).Downloads(), e.SourcePicture.URL) {
		t.Fatalf("the viewer did not load the picture: %v", probeOf(bob).Downloads())
	}
	if b := full.Image.Bounds(); b.Dx() != 400 || b.Dy() != 300 {
		t.Fatalf("full-size image %v", b)
	}
	if s := full.MinSize(); s.Width != 400 || s.Height != 300 {
		t.Fatalf("a 400×300 picture shows at %v in a 1100×720 window", s)
	}
	bob.Tap("Close")
	if bob.Shows("Picture from Ann") {
		t.Fatal("the viewer stays open after Close")
	}
}

func TestFileBubbleOpenAndSaveAs(t *testing.T) {
	ann, bob := chatPair(t)
	report := bytes.Repeat([]byte("quarterly numbers\n"), 2000)
	path := writeFile(t, t.TempDir(), "Q3 report.pdf", report)

	// Ann pastes a copied file (its file:// URI, as file managers copy): the file goes out.
	ann.C.opts.ClipboardImage = func(context.Context) ([]byte, error) { return nil, errNoClipboardImage }
	ann.App.Clipboard().SetContent(storage.NewFileURI(path).String())
	e := ann.C.shell.chat.composer.entry
	ann.Canvas().Focus(e)
	e.TypedShortcut(&fyne.ShortcutPaste{Clipboard: ann.App.Clipboard()})
	ann.WaitText("Send 1 file?") // a path may be meant as text: the app asks
	release := probeOf(ann).holdUploads()
	ann.Tap("Send")
	// The file's bubble shows the upload's progress, without Open and Save as until it is done.
	ann.WaitText("Uploading 18.0 KB of 36.0 KB")
	if ann.findButton("Open") != nil || ann.findButton("Save as") != nil {
		t.Fatal("Open and Save as show before the upload is done")
	}
	ann.Settle()
	ann.Snapshot(t, "file-uploading")
	release()
	ann.WaitChat("ann: 📎 Q3 report.pdf [Sent]")
	if e.Text != "" {
		t.Fatalf("the paste also typed %q", e.Text)
	}
	f, _ := fileOf(lastMessage(t, ann.C.be, openim.SingleConversationID("ann", "bob")))
	if f.FileName != "Q3 report.pdf" || f.FileSize != int64(len(report)) || f.FileType != "application/pdf" ||
		!bytes.Equal(object(t, ann.C.be, f.SourceURL), report) {
		t.Fatalf("file element %+v", f)
	}

	// Bob's bubble: name, size and type, Open and Save as.
	bob.OpenChatWith("ann")
	bob.WaitText("Q3 report.pdf")
	bob.WaitText("36.0 KB · PDF")
	bob.Settle()
	bob.Snapshot(t, "file-bubble")

	// Open downloads the file next to the session and hands it to the system.
	var opened []string
	bob.C.opts.OpenURL = func(u *url.URL) error { opened = append(opened, u.String()); return nil }
	bob.Tap("Open")
	bob.WaitFor("the file opened", func() bool { return len(opened) == 1 })
	local := bob.C.localCopy(bob.rowOf(openim.File).msg.ClientMsgID, "Q3 report.pdf")
	if u, _ := url.Parse(opened[0]); u.Scheme != "file" || u.Path != local {
		t.Fatalf("opened %v, want %s", opened, local)
	}
	if got, err := os.ReadFile(local); err != nil || !bytes.Equal(got, report) {
		t.Fatalf("the opened copy: %d bytes, %v", len(got), err)
	}
	// A second Open uses the copy.
	n := len(probeOf(bob).Downloads())
	bob.Tap("Open")
	bob.WaitFor("the file opened again", func() bool { return len(opened) == 2 })
	if len(probeOf(bob).Downloads()) != n {
		t.Fatal("Open downloaded the file again")
	}

	// Save as: the save dialog, in the folder last used, under the file's name.
	dir := t.TempDir()
	bob.C.files.dir = dir
	bob.Tap("Save as")
	bob.WaitFor("the save dialog", func() bool {
		for _, en := range bob.Entries() {
			if en.Text == "Q3 report.pdf" {
				en.SetText("copy.pdf")
				return true
			}
		}
		return false
	})
	bob.Tap("Save")
	bob.WaitText("Saved copy.pdf")
	if got, err := os.ReadFile(filepath.Join(dir, "copy.pdf")); err != nil || !bytes.Equal(got, report) {
		t.Fatalf("the saved file: %d bytes, %v", len(got), err)
	}
}

func TestFailedUploadRetries(t *testing.T) {
	ann, bob := chatPair(t)
	dir := t.TempDir()
	writeFile(t, dir, "diagram.png", GradientPNG(t, 120, 90))
	probeOf(ann).failUploads(1)
	// The composer's attach button: the file dialog, in the folder last used.
	ann.C.files.dir = dir
	test.Tap(ann.C.shell.chat.composer.attach)
	ann.pickInFileDialog("diagram.png")
	ann.WaitChat("ann: 📷 Picture [Not sent]")
	ann.WaitText("Could not upload diagram.png: the connection to the node dropped")
	if ann.rowOf(openim.Picture).att.(*pictureView).bar.Visible() {
		t.Fatal("the progress bar stays after the upload failed")
	}
	conv := openim.SingleConversationID("ann", "bob")
	if m := lastMessage(t, ann.C.be, conv); m != nil {
		t.Fatalf("a message went out without its upload: %v", m)
	}
	ann.WaitFor("the local thumbnail", func() bool { return ann.rowOf(openim.Picture).att.(*pictureView).img.Image != nil })
	ann.Settle()
	ann.Snapshot(t, "upload-failed")

	ann.Tap("Retry")
	ann.WaitChat("ann: 📷 Picture [Sent]")
	bob.OpenChatWith("ann")
	bob.WaitFor("bob's picture", func() bool { return bob.rowOf(openim.Picture) != nil })
	if n := len(userMessages(t, ann.C.be, conv)); n != 1 {
		t.Fatalf("%d messages after one retry", n)
	}
	if ann.findButton("Retry") != nil {
		t.Fatal("Retry still shows")
	}
}

func TestPasteScreenshot(t *testing.T) {
	ann, _ := chatPair(t)
	shot := GradientPNG(t, 64, 48)
	ann.C.opts.ClipboardImage = func(context.Context) ([]byte, error) { return shot, nil }
	e := ann.C.shell.chat.composer.entry
	ann.Canvas().Focus(e)
	e.TypedShortcut(&fyne.ShortcutPaste{Clipboard: ann.App.Clipboard()})
	ann.WaitChat("ann: 📷 Picture [Sent]")
	p, _ := pictureOf(lastMessage(t, ann.C.be, openim.SingleConversationID("ann", "bob")))
	if p.SourcePicture.Width != 64 || p.SourcePicture.Height != 48 || !bytes.Equal(object(t, ann.C.be, p.SourcePicture.URL), shot) ||
		!strings.HasSuffix(p.SourcePicture.URL, ".png") {
		t.Fatalf("pasted picture %+v", p)
	}

	// Without a picture on the clipboard, a paste is text; a path too, when the user says so.
	ann.C.opts.ClipboardImage = func(context.Context) ([]byte, error) { return nil, errNoClipboardImage }
	ann.App.Clipboard().SetContent("just words")
	e.TypedShortcut(&fyne.ShortcutPaste{Clipboard: ann.App.Clipboard()})
	ann.Settle()
	if e.Text != "just words" {
		t.Fatalf("pasted text: %q", e.Text)
	}
	path := writeFile(t, t.TempDir(), "notes.txt", []byte("notes"))
	ann.App.Clipboard().SetContent(path)
	e.SetText("")
	e.TypedShortcut(&fyne.ShortcutPaste{Clipboard: ann.App.Clipboard()})
	ann.WaitText("Send 1 file?")
	ann.Tap("Paste as text")
	if e.Text != path || ann.ChatShows("notes.txt") {
		t.Fatalf("pasted %q, chat %v", e.Text, ann.ChatLines())
	}
}

// pickInFileDialog picks a file in the open file dialog (which shows dir) and presses Open.
func (h *Harness) pickInFileDialog(name string) {
	h.T.Helper()
	stem := strings.TrimSuffix(name, filepath.Ext(name))
	var item fyne.Tappable
	h.WaitFor("the file dialog to list "+name, func() bool {
		walk(h.Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
			t, ok := o.(fyne.Tappable)
			if !ok || item != nil || fmt.Sprintf("%T", o) != "*dialog.fileDialogItem" {
				return
			}
			walk(o, func(x fyne.CanvasObject) {
				if l, ok := x.(*widget.Label); ok && strings.HasPrefix(l.Text, stem) {
					item = t
				}
			})
		})
		return item != nil
	})
	item.Tapped(&fyne.PointEvent{})
	h.Drain()
	h.Tap("Open")
}

func TestProfilePictureUpload(t *testing.T) {
	ann, bob := chatPair(t)
	dir := t.TempDir()
	pic := GradientPNG(t, 200, 200)
	writeFile(t, dir, "me.png", pic)

	ann.Section("profile")
	ann.Tap("Change picture")
	ann.C.files.dir = dir
	ann.Tap("Upload a picture…")
	ann.pickInFileDialog("me.png")
	ann.WaitFor("the new faceURL", func() bool { return widgets.IsPictureURL(ann.C.self.FaceURL) })
	face := ann.C.self.FaceURL
	if !bytes.Equal(object(t, ann.C.be, face), pic) || !strings.Contains(face, "/ann/face_") {
		t.Fatalf("faceURL %q", face)
	}
	// The profile's avatar draws the picture (a small thumbnail of it).
	ann.WaitFor("the avatar's picture", func() bool {
		found := false
		walk(ann.Canvas().Content(), func(x fyne.CanvasObject) {
			if a, ok := x.(*widgets.Avatar); ok && a.Face() == face && a.HasPicture() && a.MinSize().Width == 112 {
				found = true
			}
		})
		return found
	})
	if !slices.Contains(probeOf(ann).Downloads(), avatarURL(face)) {
		t.Fatalf("the avatar did not ask for its thumbnail: %v", probeOf(ann).Downloads())
	}
	ann.Settle()
	ann.Snapshot(t, "profile-picture")

	// Bob's contacts show Ann's picture too.
	bob.Section("contacts")
	bob.WaitFor("ann's picture in bob's window", func() bool {
		found := false
		walk(bob.Canvas().Content(), func(x fyne.CanvasObject) {
			if a, ok := x.(*widgets.Avatar); ok && a.Face() == face && a.HasPicture() {
				found = true
			}
		})
		return found
	})
}

// SendFile sends a file from disk to the open chat, as a drop on the window does.
func (h *Harness) SendFile(path string) {
	h.C.dropped(fyne.Position{}, []fyne.URI{storage.NewFileURI(path)})
	h.Drain()
}

// PictureShown reports the URL of the open chat's newest picture once its thumbnail is drawn.
func (h *Harness) PictureShown() (url string, ok bool) {
	r := h.rowOf(openim.Picture)
	if r == nil || r.att.(*pictureView).img.Image == nil {
		return "", false
	}
	e, _ := pictureOf(r.msg)
	return e.SourcePicture.URL, e.SourcePicture.URL != ""
}

func TestLocalCopyStaysInDownloads(t *testing.T) {
	c := &Controller{opts: Options{SessionPath: "/data/desktop-session.json"}}
	for _, tc := range []struct{ id, name string }{
		{"../../etc", "passwd"}, {"abc", "../../.bashrc"}, {"abc", ".."}, {"abc", `..\..\x.exe`}, {"", "/"},
	} {
		p := c.localCopy(tc.id, tc.name)
		if rel, err := filepath.Rel("/data/downloads", p); err != nil || strings.HasPrefix(rel, "..") ||
			strings.Count(rel, string(filepath.Separator)) != 1 {
			t.Errorf("localCopy(%q, %q) = %s", tc.id, tc.name, p)
		}
	}
}

func TestGroupPictureUpload(t *testing.T) {
	ann, bob := chatPair(t)
	gid := ann.CreateGroup("Design", "bob")
	dir := t.TempDir()
	pic := GradientPNG(t, 120, 120)
	writeFile(t, dir, "team.png", pic)

	ann.Section("groups")
	ann.ShowGroup(gid)
	ann.WaitFor("the group's page", func() bool { return ann.findButton("Edit") != nil })
	ann.Tap("Edit")
	ann.Tap("Change…")
	ann.C.files.dir = dir
	ann.Tap("Upload a picture…")
	ann.pickInFileDialog("team.png")
	ann.WaitFor("the picture in the edit form", func() bool {
		found := false
		walk(ann.Canvas().Overlays().Top(), func(x fyne.CanvasObject) {
			if a, ok := x.(*widgets.Avatar); ok && widgets.IsPictureURL(a.Face()) && a.HasPicture() {
				found = true
			}
		})
		return found
	})
	ann.Tap("Save")
	var face string
	ann.WaitFor("the group's faceURL", func() bool {
		for _, g := range ann.C.groups {
			if g.GroupID == gid {
				face = g.FaceURL
			}
		}
		return widgets.IsPictureURL(face)
	})
	if !bytes.Equal(object(t, ann.C.be, face), pic) {
		t.Fatalf("group faceURL %q", face)
	}
	// Bob's chat list draws the group's picture.
	bob.WaitFor("the group's picture in bob's list", func() bool {
		found := false
		walk(bob.Canvas().Content(), func(x fyne.CanvasObject) {
			if a, ok := x.(*widgets.Avatar); ok && a.Face() == face && a.HasPicture() {
				found = true
			}
		})
		return found
	})
}
