package autostart

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLinuxAutostartFile: the entry goes to $XDG_CONFIG_HOME/autostart/lanim.desktop with the
// binary and its data dir; on and off are idempotent; toggling rewrites and removes the file.
func TestLinuxAutostartFile(t *testing.T) {
	cfg := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", cfg)
	e, err := New("/usr/bin/lanim", "--data", "/home/ann/lanim-2")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(cfg, "autostart", "lanim.desktop")
	state := func(want bool) {
		t.Helper()
		on, err := e.Enabled()
		if err != nil || on != want {
			t.Fatalf("Enabled() = %v, %v; want %v", on, err, want)
		}
		_, err = os.Stat(path)
		if (err == nil) != want {
			t.Fatalf("%s exists: %v, want %v", path, err == nil, want)
		}
	}
	state(false)
	for range 2 {
		if err := e.SetEnabled(true); err != nil {
			t.Fatal(err)
		}
		state(true)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != desktopEntry(e) {
		t.Fatalf("file:\n%s\nwant:\n%s", b, desktopEntry(e))
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode())
	}
	left, _ := filepath.Glob(filepath.Join(cfg, "autostart", ".lanim-autostart-*"))
	if len(left) > 0 {
		t.Errorf("temp files left: %v", left)
	}
	for range 2 {
		if err := e.SetEnabled(false); err != nil {
			t.Fatal(err)
		}
		state(false)
	}
	if err := e.SetEnabled(true); err != nil {
		t.Fatal(err)
	}
	state(true)

	// Without XDG_CONFIG_HOME (or with a relative one) it is ~/.config.
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", "relative/dir")
	if err := e.SetEnabled(true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(home, ".config", "autostart", "lanim.desktop")); err != nil {
		t.Fatal(err)
	}
}
