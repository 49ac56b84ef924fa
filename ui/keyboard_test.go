package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"lanim/ui/widgets"
)

// TestKeyboardNavigation walks onboarding and the main window with the keyboard only: Tab moves
// between the choices and fields, Enter picks and submits, Ctrl+K and Alt+Down reach the chats.
func TestKeyboardNavigation(t *testing.T) {
	o := newOffice(t, officeOptions{})
	h := NewHarness(t, NewTestApp(t), o.backend(), HarnessOptions{})
	h.WaitText("Welcome to LanIM")
	cv := h.Canvas()
	enter := func() {
		cv.Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		h.Drain()
	}
	test.FocusNext(cv)
	if _, ok := cv.Focused().(*widgets.TapArea); !ok {
		t.Fatalf("Tab on the welcome screen focuses %T, want the first choice", cv.Focused())
	}
	enter()
	h.WaitText("Create your office")
	for i, v := range []string{"Acme", "Ann", "ann", "password1", "password1"} {
		if i > 0 {
			test.FocusNext(cv)
		}
		test.Type(cv.Focused(), v)
	}
	enter() // Enter in the last field submits
	h.SignedIn()

	// The first Ctrl+K focuses the chat search.
	h.C.runShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyK, Modifier: fyne.KeyModifierShortcutDefault})
	if cv.Focused() != fyne.Focusable(h.C.shell.chats.search) {
		t.Fatalf("Ctrl+K focuses %T", cv.Focused())
	}
	h.C.runShortcut(&desktop.CustomShortcut{KeyName: fyne.Key2, Modifier: fyne.KeyModifierShortcutDefault})
	if h.C.shell.section != sectionContacts || cv.Focused() != fyne.Focusable(h.C.shell.contacts.search) {
		t.Fatalf("Ctrl+2: section %d, focus %T", h.C.shell.section, cv.Focused())
	}
}
