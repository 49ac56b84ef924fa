package ui

import (
	"context"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Issue 13's Office page: adding a computer in one short step, computers named as people know
// them, the offline banner that shows without a send and floats, and the join screen's layout.

var shortCodeText = regexp.MustCompile(`^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$`)

// shownShortCode is the short join code the window shows ("" when none).
func shownShortCode(h *Harness) string {
	for _, s := range h.Texts() {
		if shortCodeText.MatchString(s) {
			return s
		}
	}
	return ""
}

// position is where o is drawn in h's window.
func position(h *Harness, o fyne.CanvasObject) fyne.Position {
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
}

// richText finds the visible rich text that reads s.
func richText(h *Harness, s string) *widget.RichText {
	var out *widget.RichText
	for _, r := range h.roots() {
		walk(r, func(o fyne.CanvasObject) {
			if t, ok := o.(*widget.RichText); ok && out == nil && t.String() == s {
				out = t
			}
		})
	}
	if out == nil {
		h.T.Fatalf("no text %q; screen shows: %q", s, h.Texts())
	}
	return out
}

// TestAddComputerShortCode: "Add a computer" is the first thing on the Office page and shows the
// node's short code, large, with Copy; the long code waits behind "Other network / paste code".
// A newcomer types that short code on the join screen of a new install, with the office picked.
func TestAddComputerShortCode(t *testing.T) {
	_, a, hs := realAppWith(t, officeOptions{name: "Test office", clusterAddr: "127.0.0.1:0"}, "ann")
	ann := hs["ann"]
	ann.Section("office")
	ann.WaitText("Computers")
	texts := ann.Texts()
	if add, computers := slices.Index(texts, "[Add a computer]"), slices.Index(texts, "Computers"); add < 0 || add > computers {
		t.Fatalf("Add a computer is not above the computers: %q", texts)
	}
	ann.Tap("Add a computer")
	ann.WaitFor("the short code", func() bool { return shownShortCode(ann) != "" })
	short := shownShortCode(ann)
	if ann.Shows("lanim1-") {
		t.Fatal("the long code shows before Other network / paste code")
	}
	big := richText(ann, short)
	if seg := big.Segments[0].(*widget.TextSegment); seg.Style.SizeName != "headingText" || !seg.Style.TextStyle.Monospace {
		t.Fatalf("the short code is not large and monospace: %+v", seg.Style)
	}
	ann.Tap("Copy")
	if got := a.Clipboard().Content(); got != short {
		t.Fatalf("copied %q, want %q", got, short)
	}
	ann.Tap("Other network / paste code")
	ann.WaitText("lanim1-")
	ann.Tap("Copy long code")
	if got := a.Clipboard().Content(); !strings.HasPrefix(got, "lanim1-") {
		t.Fatalf("copied %q, want the long code", got)
	}
	ann.Tap("Close")

	// The newcomer: a new install's join screen, this office found on the LAN, the short code typed.
	p := newOffice(t, officeOptions{}).newProbe(false)
	p.setLAN([]OfficeAd{{ID: "o1", Name: "Test office", Addrs: []string{"192.168.1.20:10003"}}})
	h := NewHarness(t, NewTestApp(t), p, HarnessOptions{})
	h.WaitText("Welcome to LanIM")
	h.TapText("Join an office")
	h.WaitText("Type or paste the join code of Test office")
	h.Fill(strings.ToLower(short))
	h.Tap("Join office")
	h.WaitText("This computer joined")
	if joins := p.Joins(); len(joins) != 1 || joins[0].Code != strings.ToLower(short) || joins[0].Via == nil || joins[0].Via.ID != "o1" {
		t.Fatalf("joins %+v", joins)
	}
}

// TestOfficeNamesComputers: on the real node (no probe), the computer is named by its host name,
// with the people signed in on it; its node ID, voter role, applied index and digest are under
// Details only.
func TestOfficeNamesComputers(t *testing.T) {
	o := newOffice(t, officeOptions{name: "Test office", clusterAddr: "127.0.0.1:0"})
	o.signUp("ann")
	ann := signIn(t, NewTestApp(t), o.backend(), "ann")
	host, err := os.Hostname()
	if err != nil || host == "" {
		t.Fatalf("this machine has no host name: %v", err)
	}
	st, err := o.backend().ClusterStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ann.Section("office")
	ann.WaitText(host + " (this computer)")
	ann.WaitText("Signed in: Ann")
	digest := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for _, s := range ann.Texts() {
		if strings.Contains(s, st.NodeID) || strings.Contains(s, "voter") || digest.MatchString(s) {
			t.Fatalf("%q shows outside Details: %q", s, ann.Texts())
		}
	}
	ann.Tap("Details")
	ann.WaitFor("the node ID, role and digest under Details", func() bool {
		texts := ann.Texts()
		return slices.ContainsFunc(texts, func(s string) bool { return strings.HasPrefix(s, st.NodeID+" · voter, leader") }) &&
			slices.ContainsFunc(texts, digest.MatchString)
	})
}

// TestOfflineBannerWithoutSend (bug 8): the office loses its leader and nobody sends: the banner
// shows within a few polls, over the pages (nothing moves); the Office page says this computer
// is the one out of reach, never that it is unreachable itself, and refreshes itself when the
// office is back.
func TestOfflineBannerWithoutSend(t *testing.T) {
	_, _, hs := realApp(t, "ann")
	ann := hs["ann"]
	p := probeOf(ann)
	pages := ann.C.shell.pages
	before, size := position(ann, pages), pages.Size()
	p.loseLeader()
	ann.WaitText("Offline: the office is out of reach")
	if after := position(ann, pages); after != before || pages.Size() != size {
		t.Fatalf("the banner moved the pages: %v %v, was %v %v", after, pages.Size(), before, size)
	}
	ann.Section("office")
	ann.WaitText("Out of reach: this computer cannot reach most of the office.")
	ann.WaitText("front-desk (this computer)")
	if ann.Shows("Not in contact") || ann.Shows("unreachable") {
		t.Fatalf("this computer is called out of contact: %q", ann.Texts())
	}
	p.reconnect(t)
	ann.WaitFor("the banner to go", func() bool { return !ann.Shows("Offline: the office is out of reach") })
	ann.WaitText("Working: 1 computer in contact") // no Refresh tapped
}

// TestJoinScreenLayout (bug 9): "Search again" is not offered under a line saying the screen
// does not search the network; "Joining…" fits its button; the card keeps its place when an
// error appears.
func TestJoinScreenLayout(t *testing.T) {
	o := newOffice(t, officeOptions{name: "Test office"})
	p := o.newProbe(false)
	p.noLAN = true
	hold := make(chan struct{})
	p.joinHold = hold
	h := NewHarness(t, NewTestApp(t), p, HarnessOptions{})
	h.WaitText("Welcome to LanIM")
	h.TapText("Join an office")
	h.WaitText("This computer does not search the network for offices.")
	if h.Shows("Search again") {
		t.Fatalf("Search again is offered on a computer that does not search: %q", h.Texts())
	}
	h.Settle()
	title := richText(h, "Join an office")
	at := position(h, title)
	h.Tap("Join office")
	h.WaitText("Paste a join code first.")
	h.Canvas().Content().Refresh() // lay the window out again, as the driver does on its next frame
	h.Settle()
	if now := position(h, title); now != at {
		t.Fatalf("the card moved when the error appeared: %v, was %v", now, at)
	}
	h.Fill("K7QM-3XTP-9HRW-2DFA")
	h.Tap("Join office")
	h.WaitText("Joining…")
	h.WaitText("This computer copies the office: it can take a minute.")
	h.Settle()
	var btn *widget.Button
	walk(h.Canvas().Content(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && strings.HasPrefix(b.Text, "Joining…") {
			btn = b
		}
	})
	if btn == nil || btn.MinSize().Width > btn.Size().Width {
		t.Fatalf("Joining… overflows its button: %v", btn)
	}
	close(hold)
	h.WaitText("This computer joined")
}
