package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// Fyne's clipboard (fyne.Clipboard, GLFW underneath) reads and writes text only: a copied
// screenshot is invisible to it. On Linux the app asks the desktop's clipboard tool for a PNG
// instead (wl-paste on Wayland, xclip on X11), as other toolkits' apps do; without one, or on
// Windows and macOS, a paste sends what the text holds: copied files (their paths or file://
// URIs) or the text itself.

// errNoClipboardImage: the clipboard holds no picture, or the app cannot read one here.
var errNoClipboardImage = errors.New("no picture on the clipboard")

// clipboardImageTimeout bounds asking the clipboard's owner for its picture.
const clipboardImageTimeout = 3 * time.Second

// systemClipboardImage returns the clipboard's picture as PNG bytes.
func systemClipboardImage(ctx context.Context) ([]byte, error) {
	if runtime.GOOS != "linux" {
		return nil, errNoClipboardImage
	}
	ctx, cancel := context.WithTimeout(ctx, clipboardImageTimeout)
	defer cancel()
	var list, read []string
	switch {
	case os.Getenv("WAYLAND_DISPLAY") != "" && hasTool("wl-paste"):
		list, read = []string{"wl-paste", "--list-types"}, []string{"wl-paste", "--no-newline", "--type", "image/png"}
	case os.Getenv("DISPLAY") != "" && hasTool("xclip"):
		list = []string{"xclip", "-selection", "clipboard", "-t", "TARGETS", "-o"}
		read = []string{"xclip", "-selection", "clipboard", "-t", "image/png", "-o"}
	default:
		return nil, errNoClipboardImage
	}
	types, err := exec.CommandContext(ctx, list[0], list[1:]...).Output()
	if err != nil || !strings.Contains(string(types), "image/png") {
		return nil, errNoClipboardImage
	}
	cmd := exec.CommandContext(ctx, read[0], read[1:]...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", read[0], err)
	}
	var buf limitedBuffer
	buf.max = maxPictureLoad
	_, err = io.Copy(&buf, out)
	if werr := cmd.Wait(); err == nil {
		err = werr
	}
	if err != nil || !bytes.HasPrefix(buf.Bytes(), []byte("\x89PNG")) {
		return nil, fmt.Errorf("read the clipboard's picture: %v", err)
	}
	return buf.Bytes(), nil
}

func hasTool(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// paste sends what the clipboard holds: a picture, else copied files (once the user says so: a
// path may be meant as text), else fallback pastes the text into the message box.
func (p *composer) paste(fallback func()) {
	text := p.c.app.Clipboard().Content()
	read := p.c.opts.ClipboardImage
	go func() {
		ctx, cancel := context.WithTimeout(p.c.ctx, clipboardImageTimeout)
		defer cancel()
		png, err := read(ctx)
		files := pastedFiles(text)
		p.c.post(func() {
			switch {
			case err == nil && p.onPastePicture != nil:
				p.onPastePicture(png)
			case len(files) > 0 && p.onPasteFiles != nil:
				p.confirmFiles(files, fallback)
			default:
				fallback()
			}
		})
	}()
}

// confirmFiles asks whether pasted paths are files to send or text to paste.
func (p *composer) confirmFiles(paths []string, asText func()) {
	var names []string
	for _, f := range paths {
		names = append(names, filepath.Base(f))
	}
	title := "Send " + plural(len(paths), "file") + "?"
	d := dialog.NewCustomConfirm(title, "Send", "Paste as text", widget.NewLabel(strings.Join(names, "\n")),
		func(send bool) {
			if send {
				p.onPasteFiles(paths)
			} else {
				asText()
			}
			p.c.win.Canvas().Focus(p.entry)
		}, p.c.win)
	d.Show()
}
