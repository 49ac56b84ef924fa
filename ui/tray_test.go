package ui

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestSessionBusSocket(t *testing.T) {
	cases := []struct {
		name, addr, runtime string
		bus                 bool // $XDG_RUNTIME_DIR/bus exists
		network, want       string
		ok                  bool
	}{
		{"none", "", "", false, "", "", false},
		{"runtime dir without a bus", "", "/run/user/1000", false, "", "", false},
		{"runtime dir bus", "", "/run/user/1000", true, "unix", "/run/user/1000/bus", true},
		{"path", "unix:path=/run/user/1000/bus,guid=ab", "", false, "unix", "/run/user/1000/bus", true},
		{"abstract", "unix:abstract=/tmp/dbus-x,guid=ab", "", false, "unix", "@/tmp/dbus-x", true},
		{"second of two", "tcp:host=h,port=1;unix:path=/b", "", false, "unix", "/b", true},
		{"tcp only", "tcp:host=h,port=1", "", false, "", "", true},
	}
	for _, tc := range cases {
		env := map[string]string{"DBUS_SESSION_BUS_ADDRESS": tc.addr, "XDG_RUNTIME_DIR": tc.runtime}
		network, addr, ok := sessionBusSocket(func(k string) string { return env[k] }, func(string) bool { return tc.bus })
		if network != tc.network || addr != tc.want || ok != tc.ok {
			t.Errorf("%s: %q %q %v, want %q %q %v", tc.name, network, addr, ok, tc.network, tc.want, tc.ok)
		}
	}
}

// trayApp is the test app with a tray, as the desktop driver's: it keeps the menu and icon the
// app sets, and counts the quits (the test driver's Quit does nothing).
type trayApp struct {
	fyne.App
	mu    sync.Mutex
	menu  *fyne.Menu
	icon  fyne.Resource
	win   fyne.Window
	quits int
}

func (a *trayApp) SetSystemTrayMenu(m *fyne.Menu)    { a.mu.Lock(); a.menu = m; a.mu.Unlock() }
func (a *trayApp) SetSystemTrayIcon(r fyne.Resource) { a.mu.Lock(); a.icon = r; a.mu.Unlock() }
func (a *trayApp) SetSystemTrayWindow(w fyne.Window) { a.mu.Lock(); a.win = w; a.mu.Unlock() }
func (a *trayApp) Quit()                             { a.mu.Lock(); a.quits++; a.mu.Unlock() }
func (a *trayApp) quitCount() int                    { a.mu.Lock(); defer a.mu.Unlock(); return a.quits }
func (a *trayApp) trayMenu() *fyne.Menu              { a.mu.Lock(); defer a.mu.Unlock(); return a.menu }

// item is the tray menu's item with this label.
func (a *trayApp) item(t *testing.T, label string) *fyne.MenuItem {
	t.Helper()
	for _, it := range a.trayMenu().Items {
		if it.Label == label {
			return it
		}
	}
	t.Fatalf("no %q in the tray menu %v", label, menuLabels(a.trayMenu()))
	return nil
}

func menuLabels(m *fyne.Menu) []string {
	var out []string
	for _, it := range m.Items {
		out = append(out, it.Label)
	}
	return out
}

// TestTrayKeepsLanIMRunning: with a tray host, closing the window hides it and LanIM stays on
// (no quit, the node still answers), the office poll stops while hidden, and Show LanIM brings
// the window back with fresh state (an office renamed meanwhile). The tray shows the user's
// presence; Quit is in the tray and the app menu; when no host shows the icon, or there is no
// tray at all, closing quits.
func TestTrayKeepsLanIMRunning(t *testing.T) {
	o := newOffice(t, officeOptions{name: "Test office"})
	sessions := o.signUp("ann")
	a := &trayApp{App: NewTestApp(t)}
	var hostMu sync.Mutex
	hosted := true
	dir := t.TempDir()
	if err := SaveSession(filepath.Join(dir, "session.json"), sessions["ann"]); err != nil {
		t.Fatal(err)
	}
	start := &fakeStart{on: true}
	h := NewHarness(t, a, o.newProbe(false), HarnessOptions{SessionDir: dir, StartAtLogin: start, TrayHost: func() bool {
		hostMu.Lock()
		defer hostMu.Unlock()
		return hosted
	}})
	if h.C.spinner == nil {
		t.Fatal("no loading indicator while signing in")
	}
	h.SignedIn()
	waitConnected(h)
	if h.C.spinner != nil {
		t.Fatal("the loading indicator still animates behind the signed-in window") // 60 redraws a second
	}
	h.WaitFor("the tray", func() bool { return a.trayMenu() != nil && h.C.self.Nickname == "Ann" })
	if got := fmt.Sprint(menuLabels(a.trayMenu())); got != "[Show LanIM Ann · online No unread messages  Quit LanIM]" {
		t.Fatalf("tray menu %s", got)
	}
	if !a.item(t, "Quit LanIM").IsQuit {
		t.Fatal("the tray's Quit is not marked as the quit item: the driver would add a second one")
	}
	if a.win != h.C.win {
		t.Fatal("the tray does not control the window (a click on the icon shows nothing)")
	}
	h.Section("office")
	h.WaitText("Test office")
	if h.C.stopWatch == nil {
		t.Fatal("no office poll while the window shows")
	}

	// Close: hidden, not quit; the node serves on; no poll.
	h.C.closeWindow()
	h.WaitFor("the window hidden", func() bool { return h.C.hidden })
	if a.quitCount() != 0 {
		t.Fatal("closing the window quit the app although the tray shows it")
	}
	if h.C.stopWatch != nil {
		t.Fatal("the office poll still runs with the window hidden")
	}
	if h.C.focused {
		t.Fatal("a hidden window counts as focused: no notifications would show")
	}
	if err := h.C.be.NameOffice(context.Background(), "Renamed office"); err != nil {
		t.Fatalf("the node while the window is hidden: %v", err)
	}

	// Away and the status text show in the tray.
	h.C.setStatus(userStatus{Away: true, Text: "At lunch"}, "")
	h.WaitFor("away in the tray", func() bool { return a.trayMenu().Items[1].Label == "Ann · away · At lunch" })

	// Show LanIM: back, polling, and the office page re-read.
	a.item(t, "Show LanIM").Action()
	h.WaitFor("the window back", func() bool { return !h.C.hidden && h.C.stopWatch != nil })
	h.WaitText("Renamed office")

	// The app menu has Quit too.
	mm := h.C.win.MainMenu()
	if mm == nil || len(mm.Items) == 0 || fmt.Sprint(menuLabels(mm.Items[0])) != "[Quit LanIM]" || !mm.Items[0].Items[0].IsQuit {
		t.Fatalf("app menu %+v", mm)
	}
	mm.Items[0].Items[0].Action()
	if a.quitCount() != 1 {
		t.Fatalf("the app menu's Quit: %d quits", a.quitCount())
	}
	a.item(t, "Quit LanIM").Action()
	if a.quitCount() != 2 {
		t.Fatalf("the tray's Quit: %d quits", a.quitCount())
	}

	// No tray host showing the icon (the panel is gone): closing quits, since a hidden window
	// could not come back.
	hostMu.Lock()
	hosted = false
	hostMu.Unlock()
	h.C.closeWindow()
	h.WaitFor("the quit", func() bool { return a.quitCount() == 3 })
	if h.C.hidden {
		t.Fatal("hidden with no tray host")
	}

	// No tray at all (no session bus; the test driver): closing quits at once.
	plain := &trayApp{App: a.App}
	p := NewHarness(t, plain, o.backend(), HarnessOptions{})
	p.Settle()
	if p.C.tray != nil || plain.trayMenu() != nil {
		t.Fatal("a tray without a session bus")
	}
	p.C.closeWindow()
	if plain.quitCount() != 1 || p.C.hidden {
		t.Fatalf("closing without a tray: %d quits, hidden %v", plain.quitCount(), p.C.hidden)
	}
}

// fakeStart stands for the OS's start at sign-in; fail makes the next change fail.
type fakeStart struct {
	on, fail bool
	sets     []bool
}

func (f *fakeStart) Enabled() (bool, error) { return f.on, nil }

func (f *fakeStart) SetEnabled(on bool) error {
	f.sets = append(f.sets, on)
	if f.fail {
		return errors.New("read-only file system")
	}
	f.on = on
	return nil
}

// startCheck is the profile's start at sign-in switch.
func startCheck(h *Harness) *widget.Check {
	h.T.Helper()
	var found *widget.Check
	for _, r := range h.roots() {
		walk(r, func(o fyne.CanvasObject) {
			if c, ok := o.(*widget.Check); ok && c.Text == "Start LanIM when I sign in to this computer" {
				found = c
			}
		})
	}
	if found == nil {
		h.T.Fatalf("no start at sign-in switch; screen shows:\n%s", strings.Join(h.Texts(), " | "))
	}
	return found
}

// TestStartAtLoginSwitch: the profile shows the start at sign-in as the OS has it, a tap turns
// it off and on, and a change the OS refuses shows the error and leaves the switch as it holds.
func TestStartAtLoginSwitch(t *testing.T) {
	o := newOffice(t, officeOptions{name: "Test office"})
	sessions := o.signUp("ann")
	dir := t.TempDir()
	if err := SaveSession(filepath.Join(dir, "session.json"), sessions["ann"]); err != nil {
		t.Fatal(err)
	}
	start := &fakeStart{on: true}
	h := NewHarness(t, NewTestApp(t), o.backend(), HarnessOptions{SessionDir: dir, StartAtLogin: start})
	h.SignedIn()
	h.Section("profile")
	check := startCheck(h)
	if !check.Checked {
		t.Fatal("the switch is off while the OS starts LanIM at sign-in")
	}
	test.Tap(check)
	test.Tap(check)
	if fmt.Sprint(start.sets) != "[false true]" || !start.on {
		t.Fatalf("changes %v, on %v", start.sets, start.on)
	}
	start.fail = true
	test.Tap(check)
	h.Drain()
	if check.Checked != true || start.on != true {
		t.Fatal("the switch shows off although the OS refused the change")
	}
	h.WaitFor("the error", func() bool { return strings.Contains(h.C.lastToast, "read-only file system") })

	// Without a start at sign-in (tests, --demo), no switch.
	p := NewHarness(t, NewTestApp(t), o.backend(), HarnessOptions{SessionDir: dir})
	p.SignedIn()
	p.Section("profile")
	for _, r := range p.roots() {
		walk(r, func(o fyne.CanvasObject) {
			if c, ok := o.(*widget.Check); ok && strings.Contains(c.Text, "sign in") {
				t.Fatal("a start at sign-in switch without one to switch")
			}
		})
	}
}
