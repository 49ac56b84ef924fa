package ui

import (
	"context"
	"sync"
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

	look := func(idle time.Duration, known, locked bool) { // what the watch reads from the desktop
		ann.Idle.set(idle, known, locked)
		ann.C.pollIdle()
		ann.Drain()
	}
	look(0, false, true)
	check("away on a locked screen", true)
	look(0, false, false)
	ann.C.noteInput()
	check("back after unlocking", false)

	// Eleven minutes without input in the window, but the desktop had input 20 s ago (typing in
	// another program): not away. Then the whole desktop idle for ten minutes: away.
	now = now.Add(11 * time.Minute)
	look(20*time.Second, true, false)
	check("not away while busy in another program", false)
	look(awayAfter, true, false)
	check("away when the whole desktop is idle", true)
	look(0, true, false)
	check("back after input anywhere on the desktop", false)

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

// fakeIdle is a test's idle source: it returns the numbers the test sets.
type fakeIdle struct {
	mu     sync.Mutex
	idle   time.Duration
	known  bool
	locked bool
}

func (f *fakeIdle) set(idle time.Duration, known, locked bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.idle, f.known, f.locked = idle, known, locked
}

func (f *fakeIdle) Idle(context.Context) (time.Duration, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.idle, f.known
}

func (f *fakeIdle) Locked(context.Context) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.locked
}

// TestAwayRule: the rule on its own, against readings of the desktop's idle time and lock.
func TestAwayRule(t *testing.T) {
	now := testNow
	read := func(ago, idle time.Duration, known, locked bool) idleReading {
		return idleReading{at: now.Add(-ago), idle: idle, known: known, locked: locked}
	}
	cases := []struct {
		name      string
		lastInput time.Duration // since the window's last input
		r         idleReading
		away      bool
	}{
		{"window busy, no desktop reading", time.Minute, idleReading{}, false},
		{"window idle, no desktop reading", awayAfter, idleReading{}, true},
		{"locked screen while typing in the window", 0, read(0, 0, false, true), true},
		{"window idle, desktop busy", time.Hour, read(0, 5*time.Second, true, false), false},
		{"window idle, desktop idle", time.Hour, read(0, awayAfter, true, false), true},
		{"desktop idle 9:40 read 20 s ago", time.Hour, read(20*time.Second, awayAfter-20*time.Second, true, false), true},
		{"desktop idle 9:40 read now", time.Hour, read(0, awayAfter-20*time.Second, true, false), false},
		{"a keystroke in the window after an idle reading", 0, read(time.Second, time.Hour, true, false), false},
	}
	for _, tc := range cases {
		if got := awayNow(now, now.Add(-tc.lastInput), tc.r); got != tc.away {
			t.Errorf("%s: away %v, want %v", tc.name, got, tc.away)
		}
	}
}
