package ui

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

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

// setupTray installs the tray on desktops that have one. Whether there is one is found out off
// the UI goroutine (on Linux it dials the session bus); the unread count is in the window title
// either way.
func setupTray(c *Controller) {
	desk, ok := c.app.(desktop.App)
	if !ok || c.opts.Icon == nil {
		return
	}
	go func() {
		if !trayAvailable() {
			c.log.Info("no system tray: no D-Bus session bus answers; the unread count shows in the window title")
			return
		}
		c.post(func() {
			installTray(c, desk)
			updateTray(c, c.totalUnread())
		})
	}()
}

func installTray(c *Controller, desk desktop.App) {
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

// trayAvailable reports whether the desktop has a tray. On Linux (and the BSDs) the tray is a
// D-Bus service: when fyne's systray cannot connect to the session bus it logs an error, and it
// panics when the app quits (it closes a connection it never made), so the tray is installed only
// when the session bus answers.
func trayAvailable() bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	network, addr, ok := sessionBusSocket(os.Getenv, fileExists)
	if !ok {
		return false
	}
	if network == "" {
		return true // a transport we do not dial (tcp, launchd): let systray try
	}
	conn, err := net.DialTimeout(network, addr, 500*time.Millisecond)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// sessionBusSocket finds the session bus as godbus does, without autolaunching one:
// $DBUS_SESSION_BUS_ADDRESS (its first unix:path= or unix:abstract= address), else
// $XDG_RUNTIME_DIR/bus. network is "" for an address of another kind; ok is false when there
// is no session bus.
func sessionBusSocket(getenv func(string) string, exists func(string) bool) (network, addr string, ok bool) {
	if env := getenv("DBUS_SESSION_BUS_ADDRESS"); env != "" {
		for _, a := range strings.Split(env, ";") {
			kind, params, _ := strings.Cut(a, ":")
			if kind != "unix" {
				continue
			}
			for _, kv := range strings.Split(params, ",") {
				switch k, v, _ := strings.Cut(kv, "="); k {
				case "path":
					return "unix", v, true
				case "abstract":
					return "unix", "@" + v, true
				}
			}
		}
		return "", "", true
	}
	if dir := getenv("XDG_RUNTIME_DIR"); dir != "" && exists(filepath.Join(dir, "bus")) {
		return "unix", filepath.Join(dir, "bus"), true
	}
	return "", "", false
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
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
