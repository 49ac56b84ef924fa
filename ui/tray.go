package ui

import (
	"bytes"
	"context"
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
	"github.com/godbus/dbus/v5"
)

// tray is the system tray icon: the app icon (with a red dot when messages are unread) and a
// menu to show the window, the user's presence and the unread count, and Quit. With a tray the
// app stays on when its window closes (the node keeps serving the office): see closeWindow.
type tray struct {
	desk     desktop.App
	menu     *fyne.Menu
	presence *fyne.MenuItem // "Ann Lee · away": who is signed in, as colleagues see them
	unread   *fyne.MenuItem
	plain    fyne.Resource
	dotted   fyne.Resource
	last     int64
}

// setupTray installs the tray on desktops that have one, before the app runs: Fyne's driver
// starts the tray with its run loop, so a tray menu set once the loop runs never shows. Whether
// there is one is a dial of the session bus on Linux (a local socket, at most half a second);
// the unread count is in the window title either way.
func setupTray(c *Controller) {
	desk, ok := c.app.(desktop.App)
	if !ok || c.opts.Icon == nil {
		return
	}
	if !c.opts.TrayBus() {
		c.log.Info("no system tray: no D-Bus session bus answers; the unread count shows in the window title")
		return
	}
	installTray(c, desk)
	c.refreshTray()
}

func installTray(c *Controller, desk desktop.App) {
	t := &tray{desk: desk, plain: c.opts.Icon, last: -1}
	t.dotted = c.opts.Icon
	if b, err := dotIcon(c.opts.Icon.Content()); err == nil {
		t.dotted = fyne.NewStaticResource("lanim-unread.png", b)
	}
	t.presence = fyne.NewMenuItem("Not signed in", c.ShowWindow)
	t.presence.Disabled = true
	t.unread = fyne.NewMenuItem("No unread messages", c.ShowWindow)
	t.menu = fyne.NewMenu("LanIM",
		fyne.NewMenuItem("Show LanIM", c.ShowWindow),
		t.presence,
		t.unread,
		fyne.NewMenuItemSeparator(),
		quitItem(c))
	desk.SetSystemTrayMenu(t.menu)
	desk.SetSystemTrayIcon(t.plain)
	// A click on the icon shows the window where the desktop supports it; the driver makes
	// the close button hide the window then, which closeWindow does only with a tray host.
	desk.SetSystemTrayWindow(c.win)
	c.win.SetCloseIntercept(c.closeWindow)
	c.tray = t
}

// refreshTray shows the unread count and the user's presence in the tray.
func (c *Controller) refreshTray() {
	t := c.tray
	if t == nil {
		return
	}
	n := c.totalUnread()
	who := "Not signed in"
	if c.session != nil && c.self != nil {
		who = c.self.Nickname
		if who == "" {
			who = c.self.UserID
		}
		st := statusOf(c.self.Ex)
		if st.Away {
			who += " · away"
		} else {
			who += " · online"
		}
		if st.Text != "" {
			who += " · " + st.Text
		}
	}
	if t.last == n && t.presence.Label == who {
		return
	}
	t.presence.Label = who
	if t.last != n {
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
	}
	t.menu.Refresh()
}

// closeWindow is the window's close button. With a tray icon the desktop shows, the window
// hides and LanIM stays on: the node keeps serving the office, messages still notify, and the
// tray's Show LanIM brings the window back. Without one (no tray host, the test driver) there
// would be no way back to a hidden window, so closing quits as before. Whether a host shows the
// icon is asked at each close (a desktop's panel may start after LanIM does at sign-in), off
// the UI goroutine.
func (c *Controller) closeWindow() {
	if c.tray == nil {
		c.Quit()
		return
	}
	go func() {
		hosted := c.opts.TrayHost()
		c.post(func() {
			if hosted {
				c.hideWindow()
			} else {
				c.log.Info("window closed with no tray host showing the icon: quitting")
				c.Quit()
			}
		})
	}()
}

// Quit ends the app: the window size is kept and the app's run loop ends (the driver destroys
// the window), after which the app closes its node as on SIGTERM. The tray's and the app
// menu's Quit.
func (c *Controller) Quit() {
	c.saveWindowSize()
	c.app.Quit()
}

// appMenu is the window's main menu (the menu bar on Linux and Windows, the app menu on
// macOS): Quit is there as well as in the tray, since a closed window no longer quits.
func appMenu(c *Controller) *fyne.MainMenu {
	return fyne.NewMainMenu(fyne.NewMenu("LanIM", quitItem(c)))
}

// quitItem is Quit LanIM, marked as the menu's quit item so Fyne adds no second one.
func quitItem(c *Controller) *fyne.MenuItem {
	quit := fyne.NewMenuItem("Quit LanIM", c.Quit)
	quit.IsQuit = true
	return quit
}

// hideWindow hides the window and stops the periodic work only a visible window needs (the
// office status poll, the colleagues' profiles), so a hidden LanIM idles.
func (c *Controller) hideWindow() {
	c.saveWindowSize()
	c.win.Hide()
	c.hidden = true
	c.SetFocused(false)
	if c.stopWatch != nil {
		c.stopWatch()
		c.stopWatch = nil
	}
}

// ShowWindow brings the window back (the tray's Show LanIM); getting the focus resumes it.
func (c *Controller) ShowWindow() {
	c.win.Show()
	c.win.RequestFocus()
	c.SetFocused(true)
}

// resume is the window back from the tray, however it came (the menu, a click on the icon):
// what changed while it was hidden is read again and the office poll runs again.
func (c *Controller) resume() {
	c.hidden = false
	if c.shell == nil {
		return
	}
	c.watchOffice()
	c.refreshAll()
	c.reloadOnlineProfiles()
	if c.shell.section == sectionOffice {
		c.shell.office.reload()
	}
}

// trayAvailable reports whether the desktop may have a tray. On Linux (and the BSDs) the tray is a
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

// trayHosted reports whether a tray host shows the icon now. On Linux the tray is a
// StatusNotifierItem: a panel shows it when it runs org.kde.StatusNotifierWatcher on the
// session bus (KDE, XFCE, Cinnamon, GNOME with the AppIndicator extension); without one the icon
// is nowhere. Windows and macOS always have a tray.
func trayHosted() bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	addr := busAddress()
	if addr == "" {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return false
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, statusNotifierWatcher).Store(&has)
	return err == nil && has
}

// statusNotifierWatcher is the D-Bus name a tray host owns on Linux.
const statusNotifierWatcher = "org.kde.StatusNotifierWatcher"

// busAddress is the session bus socket in D-Bus address form, "" without one we can dial.
func busAddress() string {
	network, addr, ok := sessionBusSocket(os.Getenv, fileExists)
	if !ok || network == "" {
		return ""
	}
	if addr[0] == '@' {
		return "unix:abstract=" + addr[1:]
	}
	return "unix:path=" + addr
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
