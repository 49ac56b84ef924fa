package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// tray is the system tray icon: the app icon (with a red dot when messages are unread) and a
// menu to open the window or quit.
type tray struct {
	desk   desktop.App
	menu   *fyne.Menu
	unread *fyne.MenuItem
	plain  fyne.Resource
	dotted fyne.Resource
	last   int64
}

// setupTray installs the tray on desktops that have one.
func setupTray(c *Controller) {
	desk, ok := c.app.(desktop.App)
	if !ok || c.opts.Icon == nil || !trayAvailable() {
		return
	}
	t := &tray{desk: desk, plain: c.opts.Icon, last: -1}
	t.dotted = c.opts.Icon
	if b, err := dotIcon(c.opts.Icon.Content()); err == nil {
		t.dotted = fyne.NewStaticResource("lanim-unread.png", b)
	}
	t.unread = fyne.NewMenuItem("No unread messages", func() { c.win.Show(); c.win.RequestFocus() })
	t.menu = fyne.NewMenu("LanIM",
		fyne.NewMenuItem("Open LanIM", func() { c.win.Show(); c.win.RequestFocus() }),
		t.unread)
	desk.SetSystemTrayMenu(t.menu)
	desk.SetSystemTrayIcon(t.plain)
	c.tray = t
}

// updateTray shows the unread count in the tray.
func updateTray(c *Controller, n int64) {
	t := c.tray
	if t == nil || t.last == n {
		return
	}
	t.last = n
	switch n {
	case 0:
		t.unread.Label = "No unread messages"
		t.desk.SetSystemTrayIcon(t.plain)
	case 1:
		t.unread.Label = "1 unread message"
		t.desk.SetSystemTrayIcon(t.dotted)
	default:
		t.unread.Label = fmt.Sprintf("%d unread messages", n)
		t.desk.SetSystemTrayIcon(t.dotted)
	}
	t.menu.Refresh()
}

// trayAvailable reports whether the desktop has a tray. On Linux the tray is a D-Bus service:
// without a session bus fyne's systray fails, and panics when the app quits.
func trayAvailable() bool {
	return runtime.GOOS != "linux" || os.Getenv("DBUS_SESSION_BUS_ADDRESS") != ""
}

// dotIcon draws the icon at 64 px with a red dot in the top right corner.
func dotIcon(pngData []byte) ([]byte, error) {
	src, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return nil, err
	}
	const size = 64
	dst := image.NewNRGBA(image.Rect(0, 0, size, size))
	sb := src.Bounds()
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			dst.Set(x, y, src.At(sb.Min.X+x*sb.Dx()/size, sb.Min.Y+y*sb.Dy()/size))
		}
	}
	red := image.NewUniform(color.NRGBA{R: 0xE5, G: 0x48, B: 0x4D, A: 0xFF})
	white := image.NewUniform(color.White)
	cx, cy, r := size-14, 14, 13
	for y := cy - r - 2; y <= cy+r+2; y++ {
		for x := cx - r - 2; x <= cx+r+2; x++ {
			d := (x-cx)*(x-cx) + (y-cy)*(y-cy)
			switch {
			case d <= r*r:
				draw.Draw(dst, image.Rect(x, y, x+1, y+1), red, image.Point{}, draw.Src)
			case d <= (r+2)*(r+2):
				draw.Draw(dst, image.Rect(x, y, x+1, y+1), white, image.Point{}, draw.Src)
			}
		}
	}
	var out bytes.Buffer
	if err := png.Encode(&out, dst); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
