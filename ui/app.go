package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/ui/style"
	"lanim/ui/widgets"
)

// Preference keys (fyne Preferences, per user and app ID).
const (
	prefTheme  = "theme"
	prefSize   = "window.size"   // "WxH": one key, so one write saves it (Fyne defers a second)
	prefWidth  = "window.width"  // before window.size: still read
	prefHeight = "window.height" // before window.size: still read
)

// Window sizes in device-independent units (Fyne multiplies them by the scale).
var (
	// roomyWindow is the first window's size on a screen known to hold it.
	roomyWindow = fyne.NewSize(1100, 720)
	// defaultWindow is the first window's size when the screen's size is unknown: it fits a
	// 1366×768 screen at 150% (911×512 units) with a taskbar.
	defaultWindow = fyne.NewSize(880, 480)
	// minWindow is the smallest size the app lays out well; a clamp never goes below it.
	minWindow = fyne.NewSize(600, 400)
)

// screenMargin is the height a clamped window leaves free for a taskbar and the title bar.
const screenMargin = 40

// windowSize is the window's size at start: the saved size (zero: none) or the first size, no
// larger than the screen (zero: unknown) so the window never opens past its edges.
func windowSize(saved, screen fyne.Size) fyne.Size {
	s := saved
	if s.Width < minWindow.Width || s.Height < minWindow.Height {
		s = defaultWindow
		if screen.Width > 0 {
			s = roomyWindow
		}
	}
	if screen.Width > 0 && screen.Height > 0 {
		s.Width = max(min(s.Width, screen.Width), minWindow.Width)
		s.Height = max(min(s.Height, screen.Height-screenMargin), minWindow.Height)
	}
	return s
}

// Prepare starts, in the background, work the window needs before it draws any text (the
// emoji font's rewrite, style.FixEmoji: about 0.4 s), so it overlaps the node's start;
// NewWindow waits for it.
func Prepare() { go style.FixEmoji() }

// NewWindow makes the app's window on a with its controller: theme, remembered size, keyboard
// shortcuts, focus tracking and tray. The caller shows it (Run does, and waits).
func NewWindow(a fyne.App, be Backend, opts Options) *Controller {
	if opts.Icon != nil {
		a.SetIcon(opts.Icon)
	}
	style.FixEmoji() // before any text is drawn (done or waited for if Prepare started it)
	applyTheme(a, style.Mode(a.Preferences().StringWithFallback(prefTheme, string(style.ModeSystem))))
	title := opts.Title
	if title == "" {
		title = "LanIM"
	}
	w := a.NewWindow(title)
	c := NewController(a, w, be, opts)
	w.Resize(windowSize(savedWindowSize(a), screenSize(a)))
	// Every way out saves the size: the window's close, Quit, and SIGINT/SIGTERM (app/ quits
	// the app on them); Fyne writes the preferences after this hook.
	a.Lifecycle().SetOnStopped(c.saveWindowSize)
	w.SetCloseIntercept(c.closeWindow)
	w.SetMainMenu(appMenu(c))
	a.Lifecycle().SetOnEnteredForeground(func() { c.SetFocused(true) })
	a.Lifecycle().SetOnExitedForeground(func() { c.SetFocused(false) })
	c.addShortcuts()
	w.SetOnDropped(c.dropped) // files dropped on the window go to the open chat
	setupTray(c)
	return c
}

// Run opens the app and blocks until the window closes.
func Run(a fyne.App, be Backend, opts Options) {
	c := NewWindow(a, be, opts)
	c.Start()
	c.win.ShowAndRun()
	c.Close()
}

// Window is the controller's window.
func (c *Controller) Window() fyne.Window { return c.win }

// saveWindowSize keeps the window's size for the next start (on exit and on sign-out).
func (c *Controller) saveWindowSize() { saveWindowSize(c.app, c.win) }

func saveWindowSize(a fyne.App, w fyne.Window) {
	s := w.Canvas().Size()
	if s.Width < minWindow.Width/2 || s.Height < minWindow.Height/2 {
		return
	}
	a.Preferences().SetString(prefSize, fmt.Sprintf("%gx%g", s.Width, s.Height))
}

// savedWindowSize is the size saveWindowSize kept (zero: none).
func savedWindowSize(a fyne.App) fyne.Size {
	var w, h float32
	if _, err := fmt.Sscanf(a.Preferences().String(prefSize), "%gx%g", &w, &h); err == nil {
		return fyne.NewSize(w, h)
	}
	return fyne.NewSize(float32(a.Preferences().Float(prefWidth)), float32(a.Preferences().Float(prefHeight)))
}

// Quit saves the window's size, then quits the app: what SIGINT and SIGTERM do (app/). Fyne's
// own stop hook, which saves it too, is not always run when the app quits while busy.
func Quit(a fyne.App) {
	var main fyne.Window // the app's window: the largest (a test app has a small one too)
	for _, w := range a.Driver().AllWindows() {
		if s := w.Canvas().Size(); main == nil || s.Width*s.Height > main.Canvas().Size().Width*main.Canvas().Size().Height {
			main = w
		}
	}
	if main != nil {
		saveWindowSize(a, main)
	}
	a.Quit()
}

// --- theme ---

func applyTheme(a fyne.App, m style.Mode) { a.Settings().SetTheme(&style.Theme{Mode: m}) }

func currentThemeMode(c *Controller) style.Mode {
	return style.Mode(c.app.Preferences().StringWithFallback(prefTheme, string(style.ModeSystem)))
}

// setThemeMode applies and remembers the user's choice.
func setThemeMode(c *Controller, m style.Mode) {
	c.app.Preferences().SetString(prefTheme, string(m))
	applyTheme(c.app, m)
	if c.shell != nil {
		c.shell.content.Refresh()
	}
}

// toggleTheme flips between light and dark (the rail's moon button).
func toggleTheme(c *Controller) {
	if c.app.Settings().ThemeVariant() == theme.VariantDark && currentThemeMode(c) != style.ModeLight ||
		currentThemeMode(c) == style.ModeDark {
		setThemeMode(c, style.ModeLight)
	} else {
		setThemeMode(c, style.ModeDark)
	}
	if c.shell != nil {
		c.shell.profile.refresh()
	}
}

// --- keyboard ---

// addShortcuts binds the keyboard: Ctrl+K search, Ctrl+Shift+F search messages, Ctrl+1..4 sections, Alt+Up/Down between
// conversations, Ctrl+, profile. Tab moves between the controls as everywhere in Fyne.
func (c *Controller) addShortcuts() {
	c.keys = map[string]func(){}
	cv := c.win.Canvas()
	add := func(key fyne.KeyName, mod fyne.KeyModifier, fn func()) {
		sc := &desktop.CustomShortcut{KeyName: key, Modifier: mod}
		run := func() {
			if c.shell != nil {
				fn()
			}
		}
		c.keys[sc.ShortcutName()] = run
		cv.AddShortcut(sc, func(fyne.Shortcut) { run() })
	}
	add(fyne.KeyK, fyne.KeyModifierShortcutDefault, func() {
		c.shell.show(sectionChats)
		c.shell.chats.focusSearch()
	})
	add(fyne.KeyF, fyne.KeyModifierShortcutDefault|fyne.KeyModifierShift, c.SearchMessages)
	add(fyne.Key1, fyne.KeyModifierShortcutDefault, func() { c.shell.show(sectionChats) })
	add(fyne.Key2, fyne.KeyModifierShortcutDefault, func() { c.shell.show(sectionContacts) })
	add(fyne.Key3, fyne.KeyModifierShortcutDefault, func() { c.shell.show(sectionGroups) })
	add(fyne.Key4, fyne.KeyModifierShortcutDefault, func() { c.shell.show(sectionOffice) })
	add(fyne.KeyComma, fyne.KeyModifierShortcutDefault, func() { c.shell.show(sectionProfile) })
	add(fyne.KeyUp, fyne.KeyModifierAlt, func() { c.shell.chats.step(-1) })
	add(fyne.KeyDown, fyne.KeyModifierAlt, func() { c.shell.chats.step(1) })
}

// runShortcut runs an app shortcut typed while an entry has the focus: Fyne hands shortcuts
// to the focused widget only, so the app's entries pass theirs on here.
func (c *Controller) runShortcut(s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	if !ok || c.keys == nil {
		return false
	}
	fn := c.keys[cs.ShortcutName()]
	if fn == nil {
		return false
	}
	fn()
	return true
}

// keyEntry is a one-line entry that lets the app's shortcuts through.
type keyEntry struct {
	widget.Entry
	c *Controller
}

func newKeyEntry(c *Controller) *keyEntry {
	e := &keyEntry{c: c}
	e.ExtendBaseWidget(e)
	return e
}

// TypedRune counts typing as the user's presence at the computer (away).
func (e *keyEntry) TypedRune(r rune) {
	e.c.noteInput()
	e.Entry.TypedRune(r)
}

func (e *keyEntry) TypedShortcut(s fyne.Shortcut) {
	if !e.c.runShortcut(s) {
		e.Entry.TypedShortcut(s)
	}
}

// --- toast ---

// toastFor is how long a toast stays.
const toastFor = 4 * time.Second

// toast shows a short message at the bottom of the window.
func (c *Controller) toast(msg string) {
	cv := c.win.Canvas()
	if cv == nil {
		return
	}
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	box := container.NewStack(widgets.NewCard(10), container.NewPadded(text))
	pop := widget.NewPopUp(box, cv)
	width := min(cv.Size().Width-40, 520)
	size := fyne.NewSize(width, box.MinSize().Height)
	text.Resize(fyne.NewSize(width-2*theme.Padding(), text.MinSize().Height))
	size.Height = box.MinSize().Height
	pop.Resize(size)
	pop.ShowAtPosition(fyne.NewPos((cv.Size().Width-width)/2, cv.Size().Height-size.Height-24))
	c.lastToast = msg
	time.AfterFunc(toastFor, func() { c.post(pop.Hide) })
}
