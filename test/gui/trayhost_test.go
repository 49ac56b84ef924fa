package gui

import (
	"bufio"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// trayHost is a private session bus (dbus-daemon) with a stand-in for a desktop panel's tray:
// it owns org.kde.StatusNotifierWatcher, which is what LanIM checks before hiding its window
// on close, and takes the items' registrations. Through the item's D-Bus menu
// (com.canonical.dbusmenu) it clicks a menu entry as a panel does.
type trayHost struct {
	addr  string
	conn  *dbus.Conn
	mu    sync.Mutex
	items []string // the registered items' bus names
}

// RegisterStatusNotifierItem is the watcher's method an app calls to show its icon.
func (h *trayHost) RegisterStatusNotifierItem(path string, sender dbus.Sender) *dbus.Error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.items = append(h.items, string(sender))
	return nil
}

func startTrayHost(t *testing.T) *trayHost {
	t.Helper()
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		t.Fatalf("dbus-daemon is missing (apt-get install dbus): %v", err)
	}
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1", "--address=unix:path="+t.TempDir()+"/bus")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon address: %v", err)
	}
	h := &trayHost{addr: strings.TrimSpace(line)}
	if h.conn, err = dbus.Connect(h.addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.conn.Close() })
	if err := h.conn.Export(h, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	if r, err := h.conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the watcher name: %v %v", r, err)
	}
	return h
}

// item waits for an app's tray item to register and returns its bus name.
func (h *trayHost) item(t *testing.T) string {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		n := len(h.items)
		h.mu.Unlock()
		if n > 0 {
			h.mu.Lock()
			defer h.mu.Unlock()
			return h.items[n-1]
		}
		time.Sleep(pollEvery)
	}
	t.Fatal("no tray item registered with the tray host")
	return ""
}

// menuLayout is dbusmenu's (ia{sv}av) node.
type menuLayout struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []dbus.Variant
}

// labels lists the menu's entries (id and label) as the panel would show them.
func (h *trayHost) labels(t *testing.T, item string) map[string]int32 {
	t.Helper()
	var rev uint32
	var root menuLayout
	err := h.conn.Object(item, "/StatusNotifierMenu").Call("com.canonical.dbusmenu.GetLayout", 0,
		int32(0), int32(-1), []string{}).Store(&rev, &root)
	if err != nil {
		t.Fatalf("tray menu layout: %v", err)
	}
	out := map[string]int32{}
	for _, c := range root.Children {
		var child menuLayout
		if err := dbus.Store([]any{c.Value()}, &child); err != nil {
			t.Fatalf("tray menu entry %v: %v", c, err)
		}
		if l, ok := child.Props["label"]; ok {
			out[fmt.Sprint(l.Value())] = child.ID
		}
	}
	return out
}

// click clicks the tray menu's entry with this label.
func (h *trayHost) click(t *testing.T, item, label string) {
	t.Helper()
	if err := h.event(t, item, label); err != nil {
		t.Fatalf("click %q: %v", label, err)
	}
}

// clickQuit clicks an entry that ends the app. The app may be gone before it answers the click
// (D-Bus then answers NoReply on its behalf), which a panel ignores too.
func (h *trayHost) clickQuit(t *testing.T, item, label string) {
	t.Helper()
	err := h.event(t, item, label)
	var derr dbus.Error
	if err != nil && !(errors.As(err, &derr) && derr.Name == "org.freedesktop.DBus.Error.NoReply") {
		t.Fatalf("click %q: %v", label, err)
	}
}

// event sends the menu's "clicked" event for the entry with this label.
func (h *trayHost) event(t *testing.T, item, label string) error {
	t.Helper()
	labels := h.labels(t, item)
	id, ok := labels[label]
	if !ok {
		t.Fatalf("no %q in the tray menu: %v", label, labels)
	}
	return h.conn.Object(item, "/StatusNotifierMenu").Call("com.canonical.dbusmenu.Event", 0,
		id, "clicked", dbus.MakeVariant(""), uint32(0)).Err
}
