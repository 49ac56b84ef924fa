package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/pb"
	"lanim/ui/style"
	"lanim/ui/widgets"
)

// composeEntry is the message box: Enter sends, Shift+Enter starts a new line, and "@" asks for
// a member to mention.
type composeEntry struct {
	widget.Entry
	c       *Controller
	shift   bool
	onSend  func()
	onAt    func()
	onKey   func(fyne.KeyName) bool // a key the "@" list takes first (true: taken)
	onMoved func()
	onPaste func(fallback func()) // a paste: files or a picture, else fallback pastes the text
}

func newComposeEntry(c *Controller) *composeEntry {
	e := &composeEntry{c: c}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	e.SetMinRowsVisible(2)
	return e
}

func isShift(k fyne.KeyName) bool { return k == desktop.KeyShiftLeft || k == desktop.KeyShiftRight }

func (e *composeEntry) KeyDown(k *fyne.KeyEvent) {
	if isShift(k.Name) {
		e.shift = true
	}
	e.Entry.KeyDown(k)
}

func (e *composeEntry) KeyUp(k *fyne.KeyEvent) {
	if isShift(k.Name) {
		e.shift = false
	}
	e.Entry.KeyUp(k)
}

// shiftHeld asks the driver too: a Shift pressed before the entry had the focus sends no KeyDown.
func (e *composeEntry) shiftHeld() bool {
	if e.shift {
		return true
	}
	if app := fyne.CurrentApp(); app != nil {
		if d, ok := app.Driver().(desktop.Driver); ok {
			return d.CurrentKeyModifiers()&fyne.KeyModifierShift != 0
		}
	}
	return false
}

func (e *composeEntry) TypedKey(k *fyne.KeyEvent) {
	if e.onKey != nil && e.onKey(k.Name) {
		return
	}
	if (k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter) && !e.shiftHeld() {
		if e.onSend != nil {
			e.onSend()
		}
		return
	}
	e.Entry.TypedKey(k)
	if e.onMoved != nil {
		e.onMoved() // the caret may have left a mention
	}
}

func (e *composeEntry) TypedShortcut(s fyne.Shortcut) {
	if _, paste := s.(*fyne.ShortcutPaste); paste && e.onPaste != nil {
		e.onPaste(func() { e.Entry.TypedShortcut(s) })
		return
	}
	if !e.c.runShortcut(s) {
		e.Entry.TypedShortcut(s)
	}
}

func (e *composeEntry) TypedRune(r rune) {
	e.Entry.TypedRune(r)
	if r == '@' && e.onAt != nil {
		e.onAt()
	}
}

// insert types text at the cursor.
func (e *composeEntry) insert(s string) {
	for _, r := range s {
		e.Entry.TypedRune(r)
	}
}

// mention is a member picked after "@": its name in the text and its user ID.
type mention struct{ userID, name string }

// emojiSet is the picker's choice: the faces and gestures office chat uses most, from the
// Unicode versions Fyne's bundled emoji font covers (newer ones such as 🤩 render as boxes).
var emojiSet = []string{
	"😀", "😃", "😄", "😁", "😆", "😅", "😂", "🙂", "😉", "😊", "😇", "😍",
	"😘", "😋", "😜", "🤔", "🤗", "😌", "😎", "🙃", "😏", "😐", "😴", "😮",
	"😢", "😭", "😡", "😱", "🙄", "😬", "👍", "👎", "👌", "👏", "🙌", "🙏",
	"💪", "👋", "🤝", "✌️", "❤️", "💔", "🔥", "⭐", "🎉", "✅", "❌", "☕",
	"🍕", "🎂", "💡", "📌", "📎", "📅", "⏰", "🚀",
}

// composer is the bottom of the chat: emoji, the message box and the send button.
type composer struct {
	c        *Controller
	entry    *composeEntry
	mention  *mentionList // the "@" list (group chats)
	send     *widget.Button
	emoji    *widget.Button
	attach   *widget.Button
	content  fyne.CanvasObject
	mentions []mention
	// reply is the message the next send quotes (nil: none), shown in replyBar above the box.
	reply     *pb.MsgData
	replyBar  *fyne.Container
	replyText *widget.RichText
	drafts    map[string]string
	lastType  time.Time
	// members returns the people who can be mentioned (groups); nil in single chats.
	members func() []mention
	onSend  func(text string, mentions []string)
	onType  func()
	// onAttach asks for files to send; onPasteFiles and onPastePicture send what a paste holds.
	onAttach       func()
	onPasteFiles   func(paths []string)
	onPastePicture func(png []byte)
}

func newComposer(c *Controller) *composer {
	p := &composer{c: c, entry: newComposeEntry(c), drafts: map[string]string{}}
	p.entry.SetPlaceHolder("Write a message (Enter sends, Shift+Enter for a new line)")
	p.entry.onSend = p.submit
	p.mention = newMentionList(p)
	p.entry.onAt = p.mention.open
	p.entry.onKey = p.mention.key
	p.entry.onMoved = p.mention.update
	p.entry.OnChanged = func(string) {
		p.mention.update()
		if p.onType != nil && time.Since(p.lastType) > typingEvery && p.entry.Text != "" {
			p.lastType = time.Now()
			p.onType()
		}
	}
	p.send = widget.NewButtonWithIcon("", theme.MailSendIcon(), p.submit)
	p.send.Importance = widget.HighImportance
	p.emoji = widget.NewButtonWithIcon("", style.IconMood, p.pickEmoji)
	p.emoji.Importance = widget.LowImportance
	p.attach = widget.NewButtonWithIcon("", style.IconAttach, func() {
		if p.onAttach != nil {
			p.onAttach()
		}
	})
	p.attach.Importance = widget.LowImportance
	p.entry.onPaste = p.paste
	p.replyText = widgets.Truncated(widgets.StyledText("", style.ColorSubtle, theme.SizeNameCaptionText, fyne.TextStyle{Italic: true}))
	cancel := widget.NewButtonWithIcon("", theme.CancelIcon(), func() { p.setReply(nil, "") })
	cancel.Importance = widget.LowImportance
	p.replyBar = container.NewBorder(nil, nil, nil, cancel, p.replyText)
	p.replyBar.Hide()
	row := container.NewBorder(p.replyBar, nil, container.NewVBox(container.NewHBox(p.attach, p.emoji)), container.NewVBox(p.send), p.entry)
	p.content = container.NewStack(widgets.NewSurface(theme.ColorNameBackground), container.NewPadded(row))
	return p
}

// switchTo saves the draft of one conversation and restores another's.
func (p *composer) switchTo(from, to string) {
	if from != "" {
		p.drafts[from] = p.entry.Text
	}
	p.mentions = nil
	p.mention.close()
	p.setReply(nil, "")
	p.entry.SetText(p.drafts[to])
}

// setReply makes the next send a reply to m, described by label; nil sends no reply.
func (p *composer) setReply(m *pb.MsgData, label string) {
	p.reply = m
	widgets.SetText(p.replyText, label)
	p.replyBar.Hidden = m == nil
	p.replyBar.Refresh()
	p.content.Refresh()
}

func (p *composer) submit() {
	text := strings.TrimSpace(p.entry.Text)
	if text == "" || p.onSend == nil {
		return
	}
	var ids []string
	for _, m := range p.mentions {
		if strings.Contains(text, "@"+m.name) && !contains(ids, m.userID) {
			ids = append(ids, m.userID)
		}
	}
	p.mentions = nil
	p.mention.close()
	p.entry.SetText("")
	p.onSend(text, ids)
	if p.reply != nil {
		p.setReply(nil, "")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// pickEmoji shows the emoji grid above the button.
func (p *composer) pickEmoji() {
	grid := container.NewGridWithColumns(8)
	var pop *widget.PopUp
	for _, e := range emojiSet {
		e := e
		cell := widgets.StyledText(e, theme.ColorNameForeground, theme.SizeNameHeadingText, fyne.TextStyle{})
		grid.Add(widgets.NewTapArea(container.NewCenter(cell), func() {
			p.entry.insert(e)
			pop.Hide()
			p.c.win.Canvas().Focus(p.entry)
		}))
	}
	pop = widget.NewPopUp(container.NewPadded(grid), p.c.win.Canvas())
	size := pop.MinSize()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(p.emoji)
	pop.ShowAtPosition(fyne.NewPos(pos.X, max(0, pos.Y-size.Height)))
}
