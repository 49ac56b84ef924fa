package ui

import (
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
)

// typeFocused types as the window does: each key to what has the keyboard (a pop-up's
// content when one shows).
func typeFocused(h *Harness, s string) {
	h.T.Helper()
	for _, r := range s {
		f := h.Canvas().Focused()
		if f == nil {
			h.T.Fatalf("nothing has the keyboard to type %q", r)
		}
		f.TypedRune(r)
		h.Drain()
	}
}

// The "@" list of a group chat: typing goes on into the box while it shows ("@Bo" stays "@Bo"),
// it lists only the members matching what follows the "@", sits at the caret, Enter picks,
// and the message goes out as OpenIM's @ message; the mentioned member's bubble marks the
// mention (issue 13, bug 6).
func TestMentionListFiltersAndSends(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob", "bonnie", "carl")
	ann, bob := hs["ann"], hs["bob"]
	for _, u := range []string{"bob", "bonnie", "carl"} {
		befriend(t, ann, hs[u])
	}
	gid := ann.CreateGroup("Design team", "bob", "bonnie", "carl")
	cid := openim.GroupConversationID(gid)
	v := ann.C.shell.chat
	ann.WaitFor("the members", func() bool { return len(v.mentionable()) == 3 })

	p := v.composer
	ann.Canvas().Focus(p.entry)
	for _, r := range "@Bo" { // key by key, to whatever has the keyboard, as in the window
		typeFocused(ann, string(r))
		ann.Drain()
	}
	if p.entry.Text != "@Bo" {
		t.Fatalf("the box holds %q after typing @Bo", p.entry.Text)
	}
	names := func() []string {
		var out []string
		for _, m := range p.mention.shown {
			out = append(out, m.name)
		}
		return out
	}
	if !p.mention.card.Visible() || !slices.Equal(names(), []string{"Bob", "Bonnie"}) {
		t.Fatalf("after @Bo the list shows %v (visible %v)", names(), p.mention.card.Visible())
	}
	// At the box, not at the window's left edge.
	d := fyne.CurrentApp().Driver()
	if got, box := d.AbsolutePositionForObject(p.mention.card).X, d.AbsolutePositionForObject(p.entry).X; got < box-theme.Padding()-1 {
		t.Fatalf("the list sits at x %v, left of the box at %v", got, box)
	}
	// Down and Up move through it, Escape closes it and "@" typed again reopens it.
	key := func(k fyne.KeyName) {
		ann.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: k})
		ann.Drain()
	}
	key(fyne.KeyDown)
	if p.mention.sel != 1 {
		t.Fatalf("Down selected row %d", p.mention.sel)
	}
	key(fyne.KeyUp)
	key(fyne.KeyEscape)
	if p.mention.card.Visible() || p.entry.Text != "@Bo" {
		t.Fatalf("Escape: list visible %v, box %q", p.mention.card.Visible(), p.entry.Text)
	}
	key(fyne.KeyBackspace)
	key(fyne.KeyBackspace)
	key(fyne.KeyBackspace)
	typeFocused(ann, "@b")
	ann.Drain()
	if !slices.Equal(names(), []string{"Bob", "Bonnie"}) {
		t.Fatalf("@b (any case) lists %v", names())
	}
	typeFocused(ann, "o")
	ann.Drain()
	key(fyne.KeyReturn)
	if p.entry.Text != "@Bob " || p.mention.card.Visible() {
		t.Fatalf("Enter on Bob: box %q, list visible %v", p.entry.Text, p.mention.card.Visible())
	}
	typeFocused(ann, "the plan is out")
	key(fyne.KeyReturn)
	ann.WaitChat("ann: @Bob the plan is out")

	last := func() bool {
		m := lastMessage(t, ann.C.be, cid)
		return m != nil && m.ContentType == openim.AtText && slices.Equal(m.AtUserIDList, []string{"bob"})
	}
	ann.WaitFor("the @ message on the node", last)

	bob.WaitFor("the group", func() bool { return bob.C.convs[cid] != nil && bob.C.convs[cid].MaxSeq > 0 })
	bob.OpenConversation(cid)
	bob.WaitChat("ann: @Bob the plan is out")
	var marked []string
	for _, s := range bob.bubbleOf("@Bob the plan is out").text.Segments {
		if ts, ok := s.(*widget.TextSegment); ok && ts.Style.TextStyle.Bold && ts.Style.ColorName == theme.ColorNamePrimary {
			marked = append(marked, ts.Text)
		}
	}
	if !slices.Equal(marked, []string{"@Bob"}) {
		t.Fatalf("bob's bubble marks %v", marked)
	}
	// Bonnie, not mentioned, sees it unmarked.
	bonnie := hs["bonnie"]
	bonnie.WaitFor("the group", func() bool { return bonnie.C.convs[cid] != nil && bonnie.C.convs[cid].MaxSeq > 0 })
	bonnie.OpenConversation(cid)
	bonnie.WaitChat("ann: @Bob the plan is out")
	for _, s := range bonnie.bubbleOf("@Bob the plan is out").text.Segments {
		if ts, ok := s.(*widget.TextSegment); ok && ts.Style.TextStyle.Bold {
			t.Fatalf("bonnie's bubble marks %q", ts.Text)
		}
	}
}
