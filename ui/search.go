package ui

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/ui/widgets"
)

// Searching messages in every chat (Ctrl+Shift+F, or the search button over the chats): the
// node's full-text search, each result with its chat, sender and time and the match in bold;
// picking one opens its chat at that message.

// searchLimit is how many results one search shows.
const searchLimit = 50

// searchSnippet is how much text a result shows before the match.
const searchSnippet = 40

// messageSearch is the search dialog.
type messageSearch struct {
	c       *Controller
	entry   *keyEntry
	status  *widget.RichText
	results *fyne.Container
	dlg     dialog.Dialog
	loads   newest
}

// SearchMessages opens the message search.
func (c *Controller) SearchMessages() {
	s := &messageSearch{c: c, entry: newKeyEntry(c), status: widgets.Subtle("Type a word to search your messages in every chat."),
		results: container.NewVBox()}
	s.entry.SetPlaceHolder("Search messages")
	s.entry.OnChanged = func(string) { s.search() }
	s.entry.OnSubmitted = func(string) { s.search() }
	scroll := container.NewVScroll(s.results)
	scroll.SetMinSize(fyne.NewSize(480, 360))
	s.dlg = dialog.NewCustom("Search messages", "Close", widgets.TopThen(container.NewVBox(s.entry, s.status), scroll), c.win)
	s.dlg.Show()
	c.win.Canvas().Focus(s.entry)
	c.search = s
}

// search asks the node for the entry's text; only the newest answer is shown.
func (s *messageSearch) search() {
	kw := strings.TrimSpace(s.entry.Text)
	current := s.loads.start()
	if kw == "" {
		s.show(kw, nil)
		return
	}
	run(s.c, "search messages", func(ctx context.Context) ([]FoundMessage, error) {
		return s.c.be.SearchMessages(ctx, kw, searchLimit)
	}, func(found []FoundMessage) {
		if current() {
			s.show(kw, found)
		}
	})
}

func (s *messageSearch) show(kw string, found []FoundMessage) {
	s.results.RemoveAll()
	switch {
	case kw == "":
		widgets.SetText(s.status, "Type a word to search your messages in every chat.")
	case len(found) == 0:
		widgets.SetText(s.status, "No messages contain “"+kw+"”.")
	case len(found) == searchLimit:
		widgets.SetText(s.status, "The newest "+strconv.Itoa(searchLimit)+" messages with “"+kw+"”:")
	default:
		widgets.SetText(s.status, strconv.Itoa(len(found))+" found:")
	}
	for _, f := range found {
		f := f
		s.results.Add(widgets.NewTapArea(s.row(kw, f), func() {
			s.dlg.Hide()
			s.c.OpenConversationAt(f.ConversationID, f.Msg.Seq)
		}))
	}
	s.results.Refresh()
}

// row is one result: the chat, the sender and time, and the text with the match in bold.
func (s *messageSearch) row(kw string, f FoundMessage) fyne.CanvasObject {
	c := s.c
	chat := f.ChatName
	if conv := c.convs[f.ConversationID]; conv != nil {
		chat = c.conversationName(conv)
	}
	sender := f.Msg.SenderNickname
	if f.Msg.SendID == c.self.UserID {
		sender = "You"
	} else if sender == "" {
		sender = c.userName(f.Msg.SendID)
	}
	ts := msgTime(f.Msg)
	head := container.NewBorder(nil, nil, nil, widgets.Subtle(c.clock.listTime(ts)+" "+c.clock.msgTime(ts)),
		widgets.Truncated(widgets.Bold(chat+" · "+sender)))
	text := widget.NewRichText(highlighted(quoteText(f.Msg), kw)...)
	text.Wrapping = fyne.TextWrapWord
	return container.NewPadded(container.NewVBox(head, text))
}

// highlighted is text as segments with the first match of kw (any case) in bold, starting a
// little before the match when the text is long.
func highlighted(text, kw string) []widget.RichTextSegment {
	text = strings.ReplaceAll(text, "\n", " ")
	plain := func(s string) *widget.TextSegment {
		return &widget.TextSegment{Text: s, Style: widget.RichTextStyle{ColorName: theme.ColorNameForeground, Inline: true}}
	}
	from, to := matchFold(text, kw)
	if from < 0 {
		return []widget.RichTextSegment{plain(text)}
	}
	before := text[:from]
	if utf8.RuneCountInString(before) > searchSnippet {
		r := []rune(before)
		before = "…" + string(r[len(r)-searchSnippet:])
	}
	return []widget.RichTextSegment{plain(before),
		&widget.TextSegment{Text: text[from:to], Style: widget.RichTextStyle{ColorName: theme.ColorNamePrimary,
			TextStyle: fyne.TextStyle{Bold: true}, Inline: true}},
		plain(text[to:])}
}

// matchFold finds kw in text ignoring case: the byte range of the first match, or -1.
func matchFold(text, kw string) (int, int) {
	n := utf8.RuneCountInString(kw)
	if n == 0 {
		return -1, -1
	}
	for i := range text {
		j, k := i, 0
		for k < n && j < len(text) {
			_, size := utf8.DecodeRuneInString(text[j:])
			j += size
			k++
		}
		if k == n && strings.EqualFold(text[i:j], kw) {
			return i, j
		}
	}
	return -1, -1
}

// OpenConversationAt opens a chat at one of its messages: older pages load until it is there,
// and the view scrolls to it.
func (c *Controller) OpenConversationAt(id string, seq int64) {
	if c.convs[id] == nil || c.shell == nil {
		return
	}
	c.OpenConversation(id)
	c.shell.chat.jumpTo(seq)
}

// jumpTo shows the message with this seq once it is loaded.
func (v *chatView) jumpTo(seq int64) {
	v.jump = seq
	v.tryJump()
}

// tryJump scrolls to the message jumped to, or loads the page before; it runs again when a page
// arrives.
func (v *chatView) tryJump() {
	if v.jump == 0 || v.loading {
		return
	}
	var target *msgRow
	for _, r := range v.rows {
		if r.msg.Seq == v.jump {
			target = r
		}
	}
	if target == nil {
		if v.hasMore && len(v.msgs) > 0 && v.msgs[0].Seq > v.jump {
			v.loadOlder()
			return
		}
		v.jump = 0 // gone (withdrawn or deleted) or before what the user may read
		return
	}
	v.jump = 0
	if v.found != nil {
		v.found.setFound(false)
	}
	v.found = target
	target.setFound(true)
	v.col.Refresh()
	top := target.Position().Y - v.scroll.Size().Height/3
	v.scroll.Offset.Y = max(0, min(top, v.col.MinSize().Height-v.scroll.Size().Height))
	v.scroll.Refresh()
}

// setFound outlines the bubble a search opened.
func (r *msgRow) setFound(found bool) {
	switch {
	case !found:
		r.bg.SetStroke("")
	case r.own:
		r.bg.SetStroke(theme.ColorNameForeground)
	default:
		r.bg.SetStroke(theme.ColorNamePrimary)
	}
}
