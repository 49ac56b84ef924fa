package ui

import (
	"context"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// TestAwayAfterIdleAndLocked: with the window's clock injected, ten minutes without input make
// the user away (in their ex on the node, and as an away dot and word on a colleague's screen);
// typing brings them back; a locked screen makes them away at once; the profile's status text
// shows beside their presence. No real waiting: the test moves the clock and runs the check.
func TestAwayAfterIdleAndLocked(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob")
	ann, bob := hs["ann"], hs["bob"]
	befriend(t, ann, bob)
	ann.WaitFor("ann's profile", func() bool { return ann.C.self.Nickname == "Ann" })

	now := testNow
	ann.C.clock.now = func() time.Time { return now }
	ann.C.noteInput()
	exOnNode := func() userStatus {
		us, err := bob.C.be.Users(context.Background(), []string{"ann"})
		if err != nil || len(us) != 1 {
			t.Fatalf("ann's profile: %v %v", us, err)
		}
		return statusOf(us[0].Ex)
	}
	check := func(what string, away bool) {
		t.Helper()
		ann.C.checkAway()
		ann.WaitFor(what, func() bool { return statusOf(ann.C.self.Ex).Away == away && !ann.C.awayWriting })
		if exOnNode().Away != away {
			t.Fatalf("%s: the node has ann away=%v", what, !away)
		}
	}

	now = now.Add(awayAfter - time.Second)
	check("not away before ten minutes", false)
	now = now.Add(time.Second)
	check("away after ten idle minutes", true)

	bob.WaitFor("ann online for bob", func() bool { return bob.C.online("ann") == 1 })
	bob.C.reloadOnlineProfiles()
	bob.WaitFor("ann away on bob's screen", func() bool { return bob.C.presenceOf("ann") == 2 })
	bob.Section("contacts")
	bob.TapText("Ann")
	bob.WaitText("User ID: ann · away")
	bob.Snapshot(t, "contact-away")

	// Typing anywhere in the window is input: back.
	ann.Section("contacts")
	test.Type(ann.C.shell.contacts.search, "b")
	ann.WaitFor("ann back", func() bool { return !statusOf(ann.C.self.Ex).Away && !ann.C.awayWriting })
	if exOnNode().Away {
		t.Fatal("ann typed but the node still has her away")
	}

	ann.C.locked = true // what the watch reads from the desktop's screen saver
	check("away on a locked screen", true)
	ann.C.locked = false
	ann.C.noteInput()
	check("back after unlocking", false)

	// The status text, from the profile's field, beside the presence on bob's screen.
	ann.Section("profile")
	status := ann.statusEntry()
	test.Type(status, "  In a   meeting ")
	status.OnSubmitted(status.Text)
	ann.WaitFor("the status saved", func() bool { return exOnNode().Text == "In a meeting" })
	bob.C.reloadOnlineProfiles()
	bob.WaitFor("the status on bob's screen", func() bool { return bob.C.presenceWords("ann") == "online · In a meeting" })
	bob.TapText("Ann")
	bob.WaitText("User ID: ann · online · In a meeting")
}

// TestStatusInEx: LanIM's status shares the user's ex with other clients' keys and leaves an ex
// it cannot read alone.
func TestStatusInEx(t *testing.T) {
	for _, tc := range []struct {
		ex   string
		s    userStatus
		want string
		ok   bool
	}{
		{"", userStatus{Away: true}, `{"lanim":{"away":true}}`, true},
		{`{"dept":"sales"}`, userStatus{Text: "Out"}, `{"dept":"sales","lanim":{"status":"Out"}}`, true},
		{`{"dept":"sales","lanim":{"away":true}}`, userStatus{}, `{"dept":"sales"}`, true},
		{`{"lanim":{"away":true}}`, userStatus{}, "", true},
		{"plain text of another app", userStatus{Away: true}, "plain text of another app", false},
	} {
		got, ok := withStatus(tc.ex, tc.s)
		if got != tc.want || ok != tc.ok {
			t.Errorf("withStatus(%q, %+v) = %q %v, want %q %v", tc.ex, tc.s, got, ok, tc.want, tc.ok)
		}
		if ok && statusOf(got) != tc.s {
			t.Errorf("statusOf(%q) = %+v, want %+v", got, statusOf(got), tc.s)
		}
	}
	if s := statusOf("not json"); s != (userStatus{}) {
		t.Errorf("statusOf of another app's ex: %+v", s)
	}
}

// statusEntry is the profile's status field.
func (h *Harness) statusEntry() *keyEntry {
	h.T.Helper()
	for _, e := range h.Entries() {
		if e.PlaceHolder == "What you are up to, e.g. In a meeting until 3" {
			for _, r := range h.roots() {
				var found *keyEntry
				walk(r, func(o fyne.CanvasObject) {
					if k, ok := o.(*keyEntry); ok && &k.Entry == e {
						found = k
					}
				})
				if found != nil {
					return found
				}
			}
		}
	}
	h.T.Fatal("no status field on the screen")
	return nil
}
