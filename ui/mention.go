package ui

import (
	"strings"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/ui/widgets"
)

// mentionRows is how many people the "@" list shows at most, mentionWidth how wide it is.
const (
	mentionRows  = 6
	mentionWidth = 260
)

// mentionList is the "@" list of a group chat's message box. It is not a pop-up: a pop-up
// takes the keyboard, and typing must go on in the box. It floats over the bottom of the
// messages (layer sits in the chat's message stack), at the caret, and lists the members whose
// name or user ID starts with what follows the "@"; the box hands it Up, Down, Enter, Tab and
// Escape while it shows.
type mentionList struct {
	p     *composer
	layer *fyne.Container // the full messages area, nothing but the card
	card  *fyne.Container
	rows  *fyne.Container
	at    int // rune offset of the "@" in the box's text; -1: closed
	shown []mention
	sel   int
}

func newMentionList(p *composer) *mentionList {
	l := &mentionList{p: p, at: -1, rows: container.NewVBox()}
	l.card = container.NewStack(widgets.NewCard(8), container.NewPadded(l.rows))
	l.card.Hide()
	l.layer = container.New(floatLayout{}, l.card)
	return l
}

// floatLayout leaves its objects where they were put and asks for no room: the list floats
// over the messages and never widens the window.
type floatLayout struct{}

func (floatLayout) Layout([]fyne.CanvasObject, fyne.Size) {}
func (floatLayout) MinSize([]fyne.CanvasObject) fyne.Size { return fyne.Size{} }

// open starts a list at the "@" just typed before the caret.
func (l *mentionList) open() {
	if l.p.members == nil {
		return
	}
	text, caret := []rune(l.p.entry.Text), cursorOffset(l.p.entry)
	if caret < 1 || caret > len(text) || text[caret-1] != '@' || caret > 1 && !unicode.IsSpace(text[caret-2]) {
		return // an address such as ann@example.com mentions nobody
	}
	l.at = caret - 1
	l.update()
}

// close hides the list.
func (l *mentionList) close() {
	l.at = -1
	l.shown = nil
	l.card.Hide()
}

func (l *mentionList) isOpen() bool { return l.at >= 0 && len(l.shown) > 0 }

// query is what the user typed after the "@" up to the caret; ok is false when the caret left
// the mention (moved before it, or a space ended it).
func (l *mentionList) query() (string, bool) {
	text, caret := []rune(l.p.entry.Text), cursorOffset(l.p.entry)
	if l.at < 0 || l.at >= len(text) || text[l.at] != '@' || caret <= l.at || caret > len(text) {
		return "", false
	}
	q := text[l.at+1 : caret]
	for _, r := range q {
		if unicode.IsSpace(r) {
			return "", false
		}
	}
	return string(q), true
}

// update filters the list by the text after the "@" (the box changed) and places it.
func (l *mentionList) update() {
	if l.at < 0 {
		return
	}
	q, ok := l.query()
	if !ok {
		l.close()
		return
	}
	var shown []mention
	for _, m := range l.p.members() {
		if mentionMatches(m, q) {
			shown = append(shown, m)
		}
	}
	if len(shown) > mentionRows {
		shown = shown[:mentionRows]
	}
	l.shown, l.sel = shown, 0
	if len(shown) == 0 {
		l.card.Hide() // still open: a wrong letter can be taken back
		return
	}
	l.render()
}

// mentionMatches: a word of the name, or the user ID, starts with q (any case).
func mentionMatches(m mention, q string) bool {
	q = strings.ToLower(q)
	if strings.HasPrefix(strings.ToLower(m.userID), q) {
		return true
	}
	for _, w := range strings.Fields(strings.ToLower(m.name)) {
		if strings.HasPrefix(w, q) {
			return true
		}
	}
	return false
}

// render draws the rows, the selected one marked, and puts the card above the box at the caret.
func (l *mentionList) render() {
	l.rows.RemoveAll()
	for i, m := range l.shown {
		row := container.NewBorder(nil, nil, nil, widgets.Subtle(m.userID), widgets.Truncated(widgets.Bold(m.name)))
		bg := widgets.NewSurface(theme.ColorNameBackground)
		if i == l.sel {
			bg.SetFill(theme.ColorNameSelection)
		}
		bg.SetRadius(6)
		m := m
		l.rows.Add(widgets.NewTapArea(container.NewStack(bg, container.NewPadded(row)), func() { l.pick(m) }))
	}
	l.card.Show()
	size := l.card.MinSize()
	area := l.layer.Size()
	size.Width = min(mentionWidth, area.Width)
	x := l.caretX() - theme.Padding()
	x = max(0, min(x, area.Width-size.Width))
	l.card.Resize(size)
	l.card.Move(fyne.NewPos(x, max(0, area.Height-size.Height-4)))
	l.card.Refresh()
}

// caretX is where the "@" is, from the left of the messages area: the box's left plus the
// width of the line before the "@" (a long line's wrap is not followed: the list stays in the
// area anyway).
func (l *mentionList) caretX() float32 {
	e := l.p.entry
	text := []rune(e.Text)
	start := l.at
	for start > 0 && text[start-1] != '\n' {
		start--
	}
	w := fyne.MeasureText(string(text[start:l.at]), theme.TextSize(), fyne.TextStyle{}).Width
	d := fyne.CurrentApp().Driver()
	return d.AbsolutePositionForObject(e).X - d.AbsolutePositionForObject(l.layer).X + theme.InnerPadding() + w
}

// key takes the list's keys while it shows; false lets the box have the key.
func (l *mentionList) key(k fyne.KeyName) bool {
	if !l.isOpen() {
		return false
	}
	switch k {
	case fyne.KeyUp:
		l.sel = (l.sel + len(l.shown) - 1) % len(l.shown)
	case fyne.KeyDown:
		l.sel = (l.sel + 1) % len(l.shown)
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeyTab:
		l.pick(l.shown[l.sel])
		return true
	case fyne.KeyEscape:
		l.close()
		return true
	default:
		return false
	}
	l.render()
	return true
}

// pick replaces "@" and the typed part with "@Name " and records the mention for the send.
func (l *mentionList) pick(m mention) {
	e := l.p.entry
	text, caret := []rune(e.Text), cursorOffset(e)
	if l.at < 0 || caret <= l.at || caret > len(text) {
		l.close()
		return
	}
	ins := []rune("@" + m.name + " ")
	out := append(append(append([]rune{}, text[:l.at]...), ins...), text[caret:]...)
	at := l.at
	l.close()
	e.SetText(string(out))
	setCursorOffset(e, at+len(ins))
	l.p.mentions = append(l.p.mentions, m)
	if cv := l.p.c.win.Canvas(); cv != nil {
		cv.Focus(e)
	}
}

// cursorOffset is the entry's caret as a rune offset into its text.
func cursorOffset(e *composeEntry) int {
	off := 0
	for i, line := range strings.Split(e.Text, "\n") {
		if i == e.CursorRow {
			return off + min(e.CursorColumn, len([]rune(line)))
		}
		off += len([]rune(line)) + 1
	}
	return len([]rune(e.Text))
}

// setCursorOffset puts the entry's caret at a rune offset into its text.
func setCursorOffset(e *composeEntry, off int) {
	row := 0
	for _, line := range strings.Split(e.Text, "\n") {
		n := len([]rune(line))
		if off <= n {
			break
		}
		off -= n + 1
		row++
	}
	e.CursorRow, e.CursorColumn = row, off
	e.Refresh()
}

// markMentions sets the user's own mentions ("@" and the user's nickname or ID) in a received
// @ message that mentions the user (by ID, or OpenIM's AtAllTag) in bold primary colour.
func (c *Controller) markMentions(m *pb.MsgData, segs []widget.RichTextSegment) []widget.RichTextSegment {
	if m.ContentType != openim.AtText || m.SendID == c.self.UserID || !MentionsUser(m, c.self.UserID) {
		return segs
	}
	var names []string
	if c.self.Nickname != "" {
		names = append(names, "@"+c.self.Nickname)
	}
	names = append(names, "@"+c.self.UserID)
	var out []widget.RichTextSegment
	for _, s := range segs {
		t, ok := s.(*widget.TextSegment)
		if !ok {
			out = append(out, s)
			continue
		}
		out = append(out, splitMentions(t, names)...)
	}
	return out
}

// splitMentions cuts a text segment around the names, which are drawn bold in the primary colour.
func splitMentions(t *widget.TextSegment, names []string) []widget.RichTextSegment {
	var out []widget.RichTextSegment
	rest := t.Text
	add := func(text string, mark bool) {
		st := t.Style
		st.Inline = true
		if mark {
			st.ColorName = theme.ColorNamePrimary
			st.TextStyle.Bold = true
		}
		out = append(out, &widget.TextSegment{Text: text, Style: st})
	}
	for rest != "" {
		i, name := -1, ""
		for _, n := range names {
			if j := strings.Index(rest, n); j >= 0 && (i < 0 || j < i) {
				i, name = j, n
			}
		}
		if i < 0 {
			break
		}
		if i > 0 {
			add(rest[:i], false)
		}
		add(name, true)
		rest = rest[i+len(name):]
	}
	if rest != "" || len(out) == 0 {
		add(rest, false)
	}
	out[len(out)-1].(*widget.TextSegment).Style.Inline = t.Style.Inline
	return out
}
