package ui

import (
	"testing"

	"fyne.io/fyne/v2"
)

// The first window fits the screen: at 150% on a 1366×768 screen without a screen size to go by,
// and a saved size larger than a known screen is cut to it (issue 13, bug 4).
func TestWindowSizeFitsTheScreen(t *testing.T) {
	s := windowSize(fyne.Size{}, fyne.Size{})
	if s.Width*1.5 > 1366 || s.Height*1.5 > 768-screenMargin {
		t.Fatalf("first window at 150%%: %v px on a 1366x768 screen", s.Width*1.5)
	}
	if s.Width < minWindow.Width || s.Height < minWindow.Height {
		t.Fatalf("first window %v is under the smallest layout %v", s, minWindow)
	}
	// 1440×900 at 150%: 960×600 units. A saved 1100×720 (or the roomy first size) is cut to it.
	screen := fyne.NewSize(960, 600)
	for _, saved := range []fyne.Size{{}, fyne.NewSize(1100, 720)} {
		if got := windowSize(saved, screen); got.Width > screen.Width || got.Height > screen.Height-screenMargin {
			t.Fatalf("saved %v on a %v screen opens at %v", saved, screen, got)
		}
	}
	// A saved size that fits is kept; on a large screen the first window is the roomy one.
	if got := windowSize(fyne.NewSize(700, 500), screen); got != fyne.NewSize(700, 500) {
		t.Fatalf("a saved size that fits became %v", got)
	}
	if got := windowSize(fyne.Size{}, fyne.NewSize(1920, 1080)); got != roomyWindow {
		t.Fatalf("first window on a 1920x1080 screen: %v", got)
	}
}

// The window's size is saved on sign-out and when the app stops (Quit, or SIGINT/SIGTERM, on
// which app/ quits the app), not only when the window closes.
func TestWindowSizeSavedOnSignOutAndStop(t *testing.T) {
	o := newOffice(t, officeOptions{name: "Test office"})
	o.signUp("ann")
	a := NewTestApp(t)
	h := signIn(t, a, o.backend(), "ann")
	saved := func() fyne.Size {
		return fyne.NewSize(float32(a.Preferences().Float(prefWidth)), float32(a.Preferences().Float(prefHeight)))
	}

	h.C.win.Resize(fyne.NewSize(700, 520))
	h.Drain()
	h.C.SignOut()
	h.WaitText("Sign in to LanIM")
	if got := saved(); got != fyne.NewSize(700, 520) {
		t.Fatalf("size saved on sign-out: %v, want 700x520", got)
	}

	h.C.win.Resize(fyne.NewSize(640, 480))
	h.Drain()
	stopped, ok := a.Lifecycle().(interface{ OnStopped() func() })
	if !ok || stopped.OnStopped() == nil {
		t.Fatalf("the app's stop hook is not set (%T)", a.Lifecycle())
	}
	stopped.OnStopped()() // what Fyne runs when the app quits, before it writes the preferences
	if got := saved(); got != fyne.NewSize(640, 480) {
		t.Fatalf("size saved on stop: %v, want 640x480", got)
	}
}
