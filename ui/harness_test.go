package ui

import (
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/ui/widgets"
)

// Harness drives one app window in a test: the controller's UI updates queue up and run on the
// test's goroutine (Drain, WaitFor), so a test is single-threaded like the real app. Its methods
// are exported for the real-node tests in package ui_test.
type Harness struct {
	T     testing.TB
	App   fyne.App
	C     *Controller
	queue chan func()
	// Idle is the window's idle source: the desktop's idle time and lock, as a test sets them.
	Idle *fakeIdle
}

// testNow is the clock of the screen tests: masters do not change with the day they run.
var testNow = time.Date(2025, 3, 14, 15, 30, 0, 0, time.UTC)

// NewTestApp is the headless Fyne app of a test (one per test; harnesses share it).
func NewTestApp(t testing.TB) fyne.App { return test.NewTempApp(t) }

// HarnessOptions tune a harness.
type HarnessOptions struct {
	// SessionDir keeps the session file (a temp dir when empty).
	SessionDir string
	// RealClock uses time.Now instead of the fixed test clock (needed with a real node).
	RealClock bool
	Size      fyne.Size
	// TrayHost stands for the desktop's tray host (nil: the desktop has no tray).
	TrayHost func() bool
	// StartAtLogin is the OS's start at sign-in (nil: none, no switch on the profile).
	StartAtLogin StartAtLogin
}

// NewHarness opens a window on be and shows its first screen.
func NewHarness(t testing.TB, a fyne.App, be Backend, o HarnessOptions) *Harness {
	t.Helper()
	if o.SessionDir == "" {
		o.SessionDir = t.TempDir()
	}
	if o.Size.IsZero() {
		o.Size = fyne.NewSize(1100, 720)
	}
	h := &Harness{T: t, App: a, queue: make(chan func(), 100000), Idle: &fakeIdle{}}
	opts := Options{SessionPath: filepath.Join(o.SessionDir, "session.json"), Location: time.UTC,
		Post: func(f func()) { h.queue <- f }, Idle: h.Idle,
		TrayBus: func() bool { return o.TrayHost != nil }, TrayHost: o.TrayHost, StartAtLogin: o.StartAtLogin}
	if o.TrayHost != nil {
		opts.Icon = theme.FyneLogo() // the tray needs an icon
	}
	if !o.RealClock {
		opts.Now = func() time.Time { return testNow }
	}
	h.C = NewWindow(a, be, opts)
	h.C.win.Resize(o.Size)
	h.C.win.Show()
	t.Cleanup(func() {
		h.C.Close()
		h.C.win.Close()
	})
	h.C.Start()
	return h
}

// Drain runs the UI updates queued so far.
func (h *Harness) Drain() {
	for {
		select {
		case f := <-h.queue:
			f()
		default:
			return
		}
	}
}

// Settle runs UI updates until none arrives for a while: the answers to calls in flight are in.
func (h *Harness) Settle() {
	for {
		h.Drain()
		select {
		case f := <-h.queue:
			f()
		case <-time.After(150 * time.Millisecond):
			return
		}
	}
}

// waitTimeout bounds every wait: a real node answers in milliseconds.
const waitTimeout = 20 * time.Second

// WaitFor runs UI updates until cond holds, failing the test after waitTimeout.
func (h *Harness) WaitFor(what string, cond func() bool) {
	h.T.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		h.Drain()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			h.T.Fatalf("timed out waiting for %s; screen shows:\n%s", what, strings.Join(h.Texts(), " | "))
		}
		select {
		case f := <-h.queue:
			f()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Canvas is the window's canvas.
func (h *Harness) Canvas() fyne.Canvas { return h.C.win.Canvas() }

// walk visits the visible objects under o, depth first, in layout order.
func walk(o fyne.CanvasObject, fn func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	fn(o)
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			walk(c, fn)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(x)
		if r == nil {
			return
		}
		for _, c := range r.Objects() {
			walk(c, fn)
		}
	}
}

// roots are the window content and its overlays (dialogs, pop-ups), top last.
func (h *Harness) roots() []fyne.CanvasObject {
	cv := h.Canvas()
	roots := []fyne.CanvasObject{cv.Content()}
	return append(roots, cv.Overlays().List()...)
}

// top is the front-most root that has a match: the open dialog or pop-up, else the window (a
// toast on top is skipped when it has none).
func (h *Harness) top(match func(fyne.CanvasObject) bool) fyne.CanvasObject {
	r := h.roots()
	for i := len(r) - 1; i > 0; i-- {
		found := false
		walk(r[i], func(o fyne.CanvasObject) { found = found || match(o) })
		if found {
			return r[i]
		}
	}
	return r[0]
}

func isEntry(o fyne.CanvasObject) bool {
	switch o.(type) {
	case *widget.Entry, *keyEntry, *composeEntry:
		return true
	}
	return false
}

// Texts lists the visible texts of the window and its overlays, for assertions and failures.
func (h *Harness) Texts() []string {
	var out []string
	for _, r := range h.roots() {
		walk(r, func(o fyne.CanvasObject) {
			switch x := o.(type) {
			case *widget.RichText:
				if s := strings.TrimSpace(x.String()); s != "" {
					out = append(out, s)
				}
			case *widget.Button:
				if x.Text != "" {
					out = append(out, "["+x.Text+"]")
				}
			}
		})
	}
	return out
}

// Shows reports whether some visible text contains s.
func (h *Harness) Shows(s string) bool {
	for _, t := range h.Texts() {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// WaitText waits until s shows.
func (h *Harness) WaitText(s string) {
	h.T.Helper()
	h.WaitFor("“"+s+"” on screen", func() bool { return h.Shows(s) })
}

// Button finds a visible, enabled button by its text in the front-most root.
func (h *Harness) Button(text string) *widget.Button {
	h.T.Helper()
	var found *widget.Button
	isIt := func(o fyne.CanvasObject) bool {
		b, ok := o.(*widget.Button)
		return ok && b.Text == text && !b.Disabled()
	}
	walk(h.top(isIt), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && found == nil && b.Text == text && !b.Disabled() {
			found = b
		}
	})
	if found == nil {
		h.T.Fatalf("no button %q; screen shows:\n%s", text, strings.Join(h.Texts(), " | "))
	}
	return found
}

// findButton is the visible button with this text, enabled or not, or nil.
func (h *Harness) findButton(text string) *widget.Button {
	var found *widget.Button
	for _, r := range h.roots() {
		walk(r, func(o fyne.CanvasObject) {
			if b, ok := o.(*widget.Button); ok && found == nil && b.Text == text {
				found = b
			}
		})
	}
	return found
}

// countButtons counts the visible buttons with this text.
func (h *Harness) countButtons(text string) int {
	n := 0
	for _, r := range h.roots() {
		walk(r, func(o fyne.CanvasObject) {
			if b, ok := o.(*widget.Button); ok && b.Text == text {
				n++
			}
		})
	}
	return n
}

// removeAdmin taps "Remove" on the office admin row that shows name: the innermost container
// that shows it and holds exactly one Remove button.
func (h *Harness) removeAdmin(name string) {
	h.T.Helper()
	var found *widget.Button
	walk(h.Canvas().Content(), func(o fyne.CanvasObject) {
		c, ok := o.(*fyne.Container)
		if !ok {
			return
		}
		shows, removes := false, []*widget.Button{}
		walk(c, func(o fyne.CanvasObject) {
			switch x := o.(type) {
			case *widget.RichText:
				shows = shows || x.String() == name
			case *widget.Button:
				if x.Text == "Remove" {
					removes = append(removes, x)
				}
			}
		})
		if shows && len(removes) == 1 {
			found = removes[0] // later matches are deeper
		}
	})
	if found == nil {
		h.T.Fatalf("no office admin row for %q; screen shows:\n%s", name, strings.Join(h.Texts(), " | "))
	}
	test.Tap(found)
	h.Drain()
}

// Tap taps the button with this text.
func (h *Harness) Tap(text string) {
	h.T.Helper()
	test.Tap(h.Button(text))
	h.Drain()
}

// Entries lists the visible entries of the front-most root in layout order.
func (h *Harness) Entries() []*widget.Entry {
	var out []*widget.Entry
	walk(h.top(isEntry), func(o fyne.CanvasObject) {
		switch e := o.(type) {
		case *widget.Entry:
			out = append(out, e)
		case *keyEntry:
			out = append(out, &e.Entry)
		case *composeEntry:
			out = append(out, &e.Entry)
		}
	})
	return out
}

// Fill types values into the front-most root's entries, in order.
func (h *Harness) Fill(values ...string) {
	h.T.Helper()
	es := h.Entries()
	if len(es) < len(values) {
		h.T.Fatalf("%d entries for %d values", len(es), len(values))
	}
	for i, v := range values {
		es[i].SetText(v)
	}
}

// TapText taps the tappable area (a list row, a choice card) that shows text.
func (h *Harness) TapText(text string) {
	h.T.Helper()
	var found *widgets.TapArea
	for _, r := range h.roots() {
		walk(r, func(o fyne.CanvasObject) {
			t, ok := o.(*widgets.TapArea)
			if !ok || found != nil {
				return
			}
			walk(t.Content(), func(o fyne.CanvasObject) {
				if rt, ok := o.(*widget.RichText); ok && strings.Contains(rt.String(), text) {
					found = t
				}
			})
		})
	}
	if found == nil {
		h.T.Fatalf("nothing tappable shows %q; screen shows:\n%s", text, strings.Join(h.Texts(), " | "))
	}
	test.Tap(found)
	h.Drain()
}

// --- signed-in screens ---

// SignedIn waits for the main window.
func (h *Harness) SignedIn() {
	h.T.Helper()
	h.WaitFor("the main window", func() bool { return h.C.shell != nil && h.C.users[h.C.session.UserID] != nil })
}

// Section switches the rail page ("chats", "contacts", "groups", "office", "profile").
func (h *Harness) Section(name string) {
	h.T.Helper()
	secs := map[string]section{"chats": sectionChats, "contacts": sectionContacts, "groups": sectionGroups,
		"office": sectionOffice, "profile": sectionProfile, "people": sectionPeople}
	sec, ok := secs[name]
	if !ok {
		h.T.Fatalf("no section %q", name)
	}
	h.C.shell.show(sec)
	h.Drain()
}

// OpenChatWith opens the single chat with a user.
func (h *Harness) OpenChatWith(userID string) {
	h.C.OpenChatWith(userID)
	h.Drain()
}

// Compose types text into the message box and presses Enter.
func (h *Harness) Compose(text string) {
	h.T.Helper()
	e := h.C.shell.chat.composer.entry
	h.Canvas().Focus(e)
	test.Type(e, text)
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.Drain()
}

// ChatLines lists the open chat's rows: "sender: text [state]" for messages, the line for events.
func (h *Harness) ChatLines() []string {
	var out []string
	for _, r := range h.C.shell.chat.col.rows {
		switch x := r.(type) {
		case *msgRow:
			line := x.msg.SendID + ": " + MessageText(x.msg)
			if x.own {
				line += " [" + h.C.statusOf(x.convID, x.msg).text() + "]"
			} else if waiting := stateQueued.text(); strings.Contains(x.meta.String(), waiting) {
				line += " [" + waiting + "]" // someone's message still in their computer's outbox
			}
			out = append(out, line)
		case *noticeRow:
			out = append(out, "— "+x.text.String())
		}
	}
	return out
}

// ChatShows reports whether a chat row contains s.
func (h *Harness) ChatShows(s string) bool {
	for _, l := range h.ChatLines() {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// WaitChat waits until a chat row contains s.
func (h *Harness) WaitChat(s string) {
	h.T.Helper()
	h.WaitFor("“"+s+"” in the chat", func() bool { return h.ChatShows(s) })
}

// Unread is a conversation's unread count as the list shows it.
func (h *Harness) Unread(convID string) int64 {
	if c := h.C.convs[convID]; c != nil {
		return c.Unread()
	}
	return -1
}

// convRowOf is the visible chats-list row of a conversation, or nil.
func (h *Harness) convRowOf(convID string) *convRow {
	var found *convRow
	walk(h.Canvas().Content(), func(o fyne.CanvasObject) {
		if r, ok := o.(*convRow); ok && r.conv != nil && r.conv.ID == convID {
			found = r
		}
	})
	return found
}

// ConversationPreview is the preview line a conversation's visible row shows ("" without one).
func (h *Harness) ConversationPreview(convID string) string {
	if r := h.convRowOf(convID); r != nil {
		return r.preview.String()
	}
	return ""
}

// ConversationNames lists the conversation rows in order.
func (h *Harness) ConversationNames() []string {
	var out []string
	for _, c := range h.C.shell.chats.rows {
		out = append(out, h.C.conversationName(c))
	}
	return out
}

// Capture renders the window (the test driver's software painter).
func (h *Harness) Capture() fyne.Canvas { return h.Canvas() }

// SelfID is the signed-in user.
func (h *Harness) SelfID() string { return h.C.session.UserID }

// Snapshot compares the window with the markup master testdata/<name>.xml and, when
// LANIM_UI_SHOTS names a directory, also saves it there as <name>.png (to look at a screen).
func (h *Harness) Snapshot(t *testing.T, name string) {
	t.Helper()
	test.AssertRendersToMarkup(t, name+".xml", h.Canvas())
	dir := os.Getenv("LANIM_UI_SHOTS")
	if dir == "" {
		return
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, h.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}

// PendingFriendRequests counts the requests the user has not answered.
func (h *Harness) PendingFriendRequests() int {
	return int(countPending(h.C.reqIn, openim.FriendRequestPending))
}

// AddFriend sends a friend request through the contacts page's dialog.
func (h *Harness) AddFriend(userID, msg string) {
	h.T.Helper()
	h.Section("contacts")
	h.C.shell.contacts.addFriend()
	h.Drain()
	h.Fill(userID, msg)
	h.Tap("Send request")
}

// CreateGroup creates a group with friends through the groups page's dialog and returns its ID
// once its chat opens.
func (h *Harness) CreateGroup(name string, members ...string) string {
	h.T.Helper()
	h.WaitFor("friends to pick from", func() bool { return len(h.C.friends) >= len(members) })
	h.Section("groups")
	h.C.shell.groups.createGroup()
	h.Drain()
	h.Fill(name)
	var picks []string
	for _, m := range members {
		for _, f := range h.C.friends {
			if f.FriendUser.GetUserID() == m {
				picks = append(picks, friendName(f)+" ("+m+")")
			}
		}
	}
	h.C.shell.groups.lastChecks.SetSelected(picks)
	h.Tap("Create")
	h.WaitFor("the new group's chat", func() bool {
		return h.C.shell.chat.conv != nil && h.C.shell.chat.conv.Type == openim.ReadGroupChat && h.C.shell.chat.conv.Name == name
	})
	return h.C.shell.chat.conv.GroupID
}

// OpenConversationID is the conversation the chat page shows ("" for none).
func (h *Harness) OpenConversationID() string {
	if h.C.shell == nil || h.C.shell.chat.conv == nil {
		return ""
	}
	return h.C.shell.chat.conv.ID
}

// OpenConversation opens a conversation from the list.
func (h *Harness) OpenConversation(id string) {
	h.C.OpenConversation(id)
	h.Drain()
}

// ShowGroup opens a group's page once the group is in the list (a new group's push may still be
// on its way).
func (h *Harness) ShowGroup(id string) {
	h.T.Helper()
	h.WaitFor("group "+id+" in the list", func() bool {
		return slices.ContainsFunc(h.C.groups, func(g *pb.GroupInfo) bool { return g.GroupID == id })
	})
	h.C.shell.groups.showGroup(id)
	h.Drain()
}

// GroupCount is how many groups the list shows.
func (h *Harness) GroupCount() int { return len(h.C.groups) }

// Backend is the harness's backend, for setting up state a test does not walk through.
func (h *Harness) Backend() Backend { return h.C.be }

// Typing tells the open chat's peer that the user is typing.
func (h *Harness) Typing() {
	h.C.Typing(h.C.shell.chat.conv)
}

// Withdraw withdraws the user's message with this text in the open chat.
func (h *Harness) Withdraw(text string) {
	h.T.Helper()
	for _, m := range h.C.shell.chat.msgs {
		if MessageText(m) == text && m.SendID == h.SelfID() {
			h.C.Revoke(h.C.shell.chat.conv.ID, m.Seq)
			h.Drain()
			return
		}
	}
	h.T.Fatalf("no message %q of %s in the chat", text, h.SelfID())
}
