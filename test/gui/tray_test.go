package gui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"lanim/node/client"
	"lanim/node/openim"
	"lanim/test/nodeproc"
)

// TestTrayRealWindow: a real window with a tray host on its session bus (trayHost, a stand-in
// for a desktop panel). Its close button hides the window and LanIM stays on: the process runs
// and its node answers. The tray menu's Show LanIM (clicked over D-Bus, as a panel does) brings
// the window back, and its Quit LanIM ends the app with its node shut down cleanly.
func TestTrayRealWindow(t *testing.T) {
	s := newSmoke(t)
	host := startTrayHost(t)
	s.env = append(s.env, "DBUS_SESSION_BUS_ADDRESS="+host.addr)
	p := s.start("T", "--data", t.TempDir(), "--api-addr", s.api, "--ws-addr", s.ws, "--cluster-addr", nodeproc.MustFreeAddr(t))
	s.waitAPI()
	win := s.window(p, 0)
	item := host.item(t)
	labels := host.labels(t, item)
	for _, want := range []string{"Show LanIM", "Not signed in", "No unread messages", "Quit LanIM"} {
		if _, ok := labels[want]; !ok {
			t.Fatalf("tray menu %v lacks %q", labels, want)
		}
	}
	s.shot("tray-01-window")

	if err := closeWindow(win); err != nil {
		t.Fatal(err)
	}
	s.until("the window hidden", func() bool { return !s.visible(p) })
	if !p.Running() {
		t.Fatalf("the app quit although a tray host shows its icon:\n%s", p.Log())
	}
	err := client.New(s.api, nil).Call(context.Background(), "/auth/parse_token", map[string]string{"token": "x"}, nil)
	if openim.Code(err) == 0 {
		t.Fatalf("the node does not answer with the window hidden: %v", err)
	}
	s.shot("tray-02-hidden")

	host.click(t, item, "Show LanIM")
	s.until("the window back", func() bool { return s.visible(p) })
	s.shot("tray-03-shown")

	host.clickQuit(t, item, "Quit LanIM")
	s.quitClean(p, s.api)
}

// visible reports whether the app has a visible window.
func (s *smoke) visible(p *proc) bool {
	out, err := exec.Command("xdotool", "search", "--onlyvisible", "--pid", fmt.Sprint(p.Cmd.Process.Pid)).Output()
	return err == nil && strings.TrimSpace(string(out)) != ""
}

// newSmoke checks the test's tools and environment and prepares an app's environment: its own
// preferences, home and runtime dir, and no session bus unless the test adds one.
func newSmoke(t *testing.T) *smoke {
	t.Helper()
	if os.Getenv("LANIM_GUI_SMOKE") != "1" {
		t.Skip("the GUI smoke test runs under `make test-gui` (LANIM_GUI_SMOKE=1 with an X display)")
	}
	s := &smoke{t: t, bin: os.Getenv("LANIM_BIN"), api: nodeproc.MustFreeAddr(t), ws: nodeproc.MustFreeAddr(t)}
	for _, need := range []string{"xdotool", "import"} {
		if _, err := exec.LookPath(need); err != nil {
			t.Fatalf("%s is missing (apt-get install xdotool imagemagick): %v", need, err)
		}
	}
	if s.bin == "" || os.Getenv("DISPLAY") == "" {
		t.Fatal("LANIM_BIN and DISPLAY must be set")
	}
	s.shots = os.Getenv("LANIM_SCREENSHOTS")
	if s.shots == "" {
		s.shots = t.TempDir()
	}
	if err := os.MkdirAll(s.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	s.home = t.TempDir()
	// Fyne keeps preferences (window size, theme) under XDG_CONFIG_HOME: keep the test's apart.
	// No session bus (so no tray; see TestTrayRealWindow for one): an empty bus address and a
	// runtime dir without a bus socket.
	s.env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir(), "HOME="+s.home, "LANG=en_US.UTF-8",
		"DBUS_SESSION_BUS_ADDRESS=", "XDG_RUNTIME_DIR="+t.TempDir())
	return s
}
