package ui

import (
	"context"
	"image/color"
	"math"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/ui/style"
)

// Tests for the bugs issue 13 lists, each named for what the user saw.

// TestClickingAChatRowOpensIt: the desktop driver gives a click to the front-most object under the
// mouse that takes taps, which is the row, so the row itself must take the primary tap.
func TestClickingAChatRowOpensIt(t *testing.T) {
	ann := annWithTwoChats(t)
	ann.Section("chats")

	for _, peer := range []string{"bob", "cy"} {
		id := openim.SingleConversationID("ann", peer)
		row := ann.convRowOf(id)
		if row == nil {
			t.Fatalf("no row for the chat with %s", peer)
		}
		tappable, ok := fyne.CanvasObject(row).(fyne.Tappable)
		if !ok {
			t.Fatalf("the chat row (%T) takes no primary tap: a click never opens the chat", row)
		}
		test.Tap(tappable)
		ann.Drain()
		if got := ann.OpenConversationID(); got != id {
			t.Fatalf("clicking the chat with %s opened %q", peer, got)
		}
	}
	ann.WaitChat("cy: from cy")
}

// TestChatSearchRanksNameMatchesFirst: Ctrl+K "bob" + Enter opens the chat with Bob even when a
// group where Bob spoke last is newer in the list.
func TestChatSearchRanksNameMatchesFirst(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob")
	befriend(t, hs["ann"], hs["bob"])
	ann, bob := hs["ann"], hs["bob"]
	bob.OpenChatWith("ann")
	bob.Compose("hi ann")
	ann.WaitFor("bob's chat", func() bool { return len(ann.ConversationNames()) == 1 })
	gid := ann.CreateGroup("Design team", "bob")
	bob.WaitFor("the group on bob's side", func() bool { return bob.C.convs[openim.GroupConversationID(gid)] != nil })
	bob.OpenConversation(openim.GroupConversationID(gid))
	bob.Compose("news for the team")
	ann.WaitFor("bob's group message", func() bool {
		c := ann.C.convs[openim.GroupConversationID(gid)]
		return c != nil && c.LastMsg != nil && c.LastMsg.SendID == "bob"
	})
	ann.Section("chats")
	ann.Settle()
	if names := ann.ConversationNames(); len(names) != 2 || names[0] != "Design team" {
		t.Fatalf("setup: the group must be newest, list is %v", names)
	}

	ann.C.shell.chats.focusSearch()
	test.Type(ann.C.shell.chats.search, "bob")
	ann.Drain()
	ann.C.shell.chats.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	ann.Drain()
	if got, want := ann.OpenConversationID(), openim.SingleConversationID("ann", "bob"); got != want {
		t.Fatalf("Ctrl+K bob + Enter opened %q, want the chat with Bob %q", got, want)
	}
}

// contrast is the WCAG 2 contrast ratio of two opaque colours (1 to 21).
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// luminance is WCAG's relative luminance of an sRGB colour.
func luminance(c color.Color) float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(n.R) + 0.7152*lin(n.G) + 0.0722*lin(n.B)
}

// over composites a translucent colour on an opaque one (the notice pill on the chat).
func over(fg, bg color.Color) color.Color {
	f, b := color.NRGBAModel.Convert(fg).(color.NRGBA), color.NRGBAModel.Convert(bg).(color.NRGBA)
	mix := func(x, y uint8) uint8 { return uint8((float64(x)*float64(f.A) + float64(y)*float64(255-f.A)) / 255) }
	return color.NRGBA{R: mix(f.R, b.R), G: mix(f.G, b.G), B: mix(f.B, b.B), A: 255}
}

// wcagAA is the contrast normal-size text needs.
const wcagAA = 4.5

// TestThemeTextContrast: every text colour of the theme reaches WCAG AA on every surface it is
// drawn on, in both themes: secondary text (previews, times, notes, empty states), placeholders,
// the rail, the banner, the user's bubbles.
func TestThemeTextContrast(t *testing.T) {
	surfaces := []fyne.ThemeColorName{theme.ColorNameBackground, style.ColorPanel, style.ColorChat, style.ColorPinned,
		style.ColorBubblePeer, theme.ColorNameHeaderBackground, theme.ColorNameOverlayBackground,
		theme.ColorNameMenuBackground, theme.ColorNameInputBackground, theme.ColorNameButton, style.ColorOnboardBack}
	for _, mode := range []style.Mode{style.ModeLight, style.ModeDark} {
		th := &style.Theme{Mode: mode}
		col := func(n fyne.ThemeColorName) color.Color { return th.Color(n, theme.VariantLight) }
		check := func(text, on fyne.ThemeColorName, bg color.Color) {
			if r := contrast(col(text), bg); r < wcagAA {
				t.Errorf("%s theme: %s on %s has contrast %.2f:1, want at least %.1f:1", mode, text, on, r, wcagAA)
			}
		}
		for _, text := range []fyne.ThemeColorName{theme.ColorNameForeground, style.ColorSubtle} {
			for _, bg := range surfaces {
				check(text, bg, col(bg))
			}
		}
		check(style.ColorSubtle, style.ColorNoticePill, over(col(style.ColorNoticePill), col(style.ColorChat)))
		check(theme.ColorNamePlaceHolder, theme.ColorNameInputBackground, col(theme.ColorNameInputBackground))
		check(style.ColorRailIcon, style.ColorRail, col(style.ColorRail))
		check(style.ColorBannerText, style.ColorBannerBg, col(style.ColorBannerBg))
		check(style.ColorBubbleText, style.ColorBubbleOwn, col(style.ColorBubbleOwn))
	}
}

// TestEmptyStatesAreReadable: the empty Chats, Contacts and Groups pages draw their note in a
// colour that reaches WCAG AA on the pane behind it, in both themes (a low-importance label
// takes the disabled colour: 1.4:1).
func TestEmptyStatesAreReadable(t *testing.T) {
	_, a, hs := realApp(t, "ann")
	ann := hs["ann"]
	notes := map[string]string{"chats": "No conversations yet", "contacts": "No friends yet", "groups": "No groups yet"}
	for _, mode := range []style.Mode{style.ModeLight, style.ModeDark} {
		setThemeMode(ann.C, mode)
		ann.Drain()
		bg := a.Settings().Theme().Color(style.ColorPanel, a.Settings().ThemeVariant())
		for _, sec := range []string{"chats", "contacts", "groups"} {
			ann.Section(sec)
			found := false
			walk(ann.Canvas().Content(), func(o fyne.CanvasObject) {
				rt, ok := o.(*widget.RichText)
				if !ok || !strings.Contains(rt.String(), notes[sec]) {
					return
				}
				walk(rt, func(o fyne.CanvasObject) {
					if txt, ok := o.(*canvas.Text); ok && strings.TrimSpace(txt.Text) != "" {
						found = true
						if r := contrast(txt.Color, bg); r < wcagAA {
							t.Errorf("%s theme, %s: “%s” has contrast %.2f:1, want at least %.1f:1", mode, sec, txt.Text, r, wcagAA)
						}
					}
				})
			})
			if !found {
				t.Fatalf("%s: no “%s” on screen: %v", sec, notes[sec], ann.Texts())
			}
		}
	}
}

// pressEnter types Enter into an entry.
func (h *Harness) pressEnter(e *widget.Entry) {
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	h.Drain()
}

// TestAddFriendDialogEnterAndWrongID: Enter in the user ID field sends the request; a wrong ID
// keeps the dialog open with what was typed and says why; editing clears the error.
func TestAddFriendDialogEnterAndWrongID(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob")
	ann := hs["ann"]
	ann.Section("contacts")
	ann.C.shell.contacts.addFriend()
	ann.Drain()
	ann.Fill("nobody", "hello")
	ann.pressEnter(ann.Entries()[0])
	ann.WaitText("Nobody in this office has the user ID “nobody”")
	es := ann.Entries()
	if len(es) < 2 || es[0].Text != "nobody" || es[1].Text != "hello" {
		t.Fatalf("after a wrong ID the dialog should stay with the input; screen shows: %v", ann.Texts())
	}
	es[0].SetText("bob")
	ann.Drain()
	if ann.Shows("Nobody in this office") {
		t.Fatal("the error stays after the ID was edited")
	}
	ann.pressEnter(es[0])
	ann.WaitText("Friend request sent to bob")
	if ann.Shows("Add a friend") {
		t.Fatalf("the dialog stays open after the request was sent: %v", ann.Texts())
	}
	if reqs, _, err := hs["bob"].C.be.FriendRequests(context.Background()); err != nil || len(reqs) != 1 || reqs[0].FromUserID != "ann" {
		t.Fatalf("bob's requests: %v %v", reqs, err)
	}
}

// TestSignUpEnterAndStaleError: Enter in the user ID field submits the sign-up; the "user ID
// taken" error goes away once the ID is edited; Enter then creates the account.
func TestSignUpEnterAndStaleError(t *testing.T) {
	o := newOffice(t, officeOptions{})
	o.signUp("bob")
	h := NewHarness(t, NewTestApp(t), o.backend(), HarnessOptions{})
	h.WaitText("Sign in to LanIM")
	h.Tap("Create an account")
	h.WaitText("Create your account")
	h.Fill("Bob Two", "bob", "password1", "password1")
	id := h.Entries()[1]
	h.pressEnter(id)
	h.WaitText("This user ID is taken")
	id.SetText("bob2")
	h.Drain()
	if h.Shows("This user ID is taken") {
		t.Fatal("the “user ID taken” error stays after the ID was edited")
	}
	h.pressEnter(id)
	h.SignedIn()
	if h.SelfID() != "bob2" {
		t.Fatalf("signed up as %q", h.SelfID())
	}
}

// TestFreshOfficeOnboarding: a brand-new install offers no sign-in (it has no account), and the
// new-password fields of creating the office and of sign-up say the rule before the first try.
func TestFreshOfficeOnboarding(t *testing.T) {
	o := newOffice(t, officeOptions{})
	h := NewHarness(t, NewTestApp(t), o.backend(), HarnessOptions{})
	h.WaitText("Welcome to LanIM")
	// A brand-new install has no account to sign in to: the welcome screen does not offer it.
	if h.Shows("I already have an account") || h.findButton("I already have an account here: sign in") != nil {
		t.Fatalf("a fresh office offers to sign in: %v", h.Texts())
	}
	h.TapText("Create a new office")
	h.WaitText("Create your office")
	if es := h.Entries(); len(es) < 4 || es[3].PlaceHolder != "At least 6 characters" {
		t.Fatalf("create office: the password field does not say the rule")
	}
	h.C.showSignUp(nil)
	h.Drain()
	h.WaitText("Create your account")
	if es := h.Entries(); len(es) < 3 || es[2].PlaceHolder != "At least 6 characters" {
		t.Fatalf("sign-up: the password field does not say the rule")
	}
}
