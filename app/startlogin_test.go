package app

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
)

// TestStartAtLoginNewInstall: an installed app's first start on the default data dir turns the
// start at sign-in on (the XDG autostart file with this binary); once the user turned it off,
// later starts leave it off. A build from a checkout, or an app on a chosen data dir, turns
// nothing on by itself, and an entry for a chosen dir carries --data with the absolute dir.
func TestStartAtLoginNewInstall(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	file := filepath.Join(cfg, "autostart", "lanim.desktop")
	log := slog.New(slog.DiscardHandler)
	if s := startAtLogin(test.NewTempApp(t), false, "/unused", false, log); s == nil {
		t.Fatal("no start at sign-in for a build from a checkout")
	}
	if _, err := os.Stat(file); err == nil {
		t.Fatal("a build from a checkout (make run) turned the start at sign-in on by itself")
	}

	a := test.NewTempApp(t)
	s := startAtLogin(a, true, "/unused", false, log)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("a new install did not turn the start at sign-in on: %v", err)
	}
	exe, _ := os.Executable()
	if !strings.Contains(string(b), "Exec="+exe+"\n") {
		t.Fatalf("entry:\n%s\nwant Exec=%s", b, exe)
	}
	if err := s.SetEnabled(false); err != nil {
		t.Fatal(err)
	}
	startAtLogin(a, true, "/unused", false, log) // the next start
	if _, err := os.Stat(file); err == nil {
		t.Fatal("a later start turned the start at sign-in back on against the user's choice")
	}

	other := test.NewTempApp(t) // fresh preferences: a new install, but on a chosen data dir
	s = startAtLogin(other, true, "rel/dir", true, log)
	if on, _ := s.Enabled(); on {
		t.Fatal("an app on a chosen data dir turned the start at sign-in on by itself")
	}
	if err := s.SetEnabled(true); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(file)
	abs, _ := filepath.Abs("rel/dir")
	if !strings.Contains(string(b), "Exec="+exe+" --data "+abs+"\n") {
		t.Fatalf("entry:\n%s\nwant --data %s", b, abs)
	}
}
