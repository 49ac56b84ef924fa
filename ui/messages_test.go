package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
)

// Screen tests of what issue 13 asks of messages: links, replies, forwards.

// bubbleOf is the open chat's row showing a message with this text.
func (h *Harness) bubbleOf(text string) *msgRow {
	h.T.Helper()
	for _, o := range h.C.shell.chat.col.rows {
		if r, ok := o.(*msgRow); ok && MessageText(r.msg) == text {
			return r
		}
	}
	h.T.Fatalf("no bubble %q in the chat: %v", text, h.ChatLines())
	return nil
}

// menu runs the item of a bubble's right-click menu with this label.
func (h *Harness) menu(r *msgRow, label string) {
	h.T.Helper()
	items := r.menuItems()
	i := slices.IndexFunc(items, func(m *fyne.MenuItem) bool { return m.Label == label })
	if i < 0 {
		h.T.Fatalf("the bubble's menu has no %q", label)
	}
	items[i].Action()
	h.Drain()
}

// links are the hyperlinks a bubble draws.
func links(r *msgRow) []*widget.Hyperlink {
	var out []*widget.Hyperlink
	walk(r, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Hyperlink); ok {
			out = append(out, l)
		}
	})
	return out
}

// annAndBob are two friends' windows with the chat open on both sides.
func annAndBob(t *testing.T) (ann, bob *Harness) {
	_, _, hs := realApp(t, "ann", "bob")
	ann, bob = hs["ann"], hs["bob"]
	befriend(t, ann, bob)
	ann.OpenChatWith("bob")
	bob.OpenChatWith("ann")
	return ann, bob
}

// annBobCy are three windows, Ann a friend of Bob and of Cy.
func annBobCy(t *testing.T) (ann, bob, cy *Harness) {
	t.Helper()
	_, _, hs := realApp(t, "ann", "bob", "cy")
	ann, bob, cy = hs["ann"], hs["bob"], hs["cy"]
	befriend(t, ann, bob)
	befriend(t, ann, cy)
	return ann, bob, cy
}

// TestLinksInBubblesOpen: web and mail links in a message are links in both bubbles and open the
// URL as sent; other schemes stay text.
func TestLinksInBubblesOpen(t *testing.T) {
	ann, bob := annAndBob(t)
	text := "plan: https://example.com/a?b=1&c=%20d, ask mailto:ann@example.com (not file:///etc/passwd or javascript:alert(1))"
	ann.Compose(text)
	bob.WaitChat(text)
	bob.Settle()

	var opened []string
	bob.C.opts.OpenURL = func(u *url.URL) error { opened = append(opened, u.String()); return nil }
	ls := links(bob.bubbleOf(text))
	if len(ls) != 2 {
		t.Fatalf("the bubble draws %d links, want 2 (https and mailto)", len(ls))
	}
	for _, l := range ls {
		test.TapAt(l, fyne.NewPos(l.Size().Width/2, l.Size().Height/2)) // on the link's text
	}
	bob.Drain()
	want := []string{"https://example.com/a?b=1&c=%20d", "mailto:ann@example.com"}
	if !slices.Equal(opened, want) {
		t.Fatalf("tapping the links opened %q, want %q", opened, want)
	}
	if got := ls[0].Text; got != want[0] {
		t.Fatalf("the link shows %q, want the URL as sent %q", got, want[0])
	}
	ann.Settle()
	if n := len(links(ann.bubbleOf(text))); n != 2 {
		t.Fatalf("the sender's own bubble draws %d links, want 2", n)
	}
}

func TestSplitLinksKeepsTheText(t *testing.T) {
	for _, s := range []string{"", "plain", "https://a.b", "x https://a.b/c. y", "(http://a.b/x)", "mailto:", "https://",
		"nohttp://a.b", "FILE:///x https://ok.example/p?q=1!"} {
		var back string
		for _, p := range splitLinks(s) {
			back += p.text
			if p.url != nil && p.url.Scheme != "http" && p.url.Scheme != "https" && p.url.Scheme != "mailto" {
				t.Errorf("%q: links %q", s, p.url)
			}
		}
		if back != s {
			t.Errorf("splitLinks(%q) joins to %q", s, back)
		}
	}
	n := 0
	for _, p := range splitLinks("nohttp://a.b x https://ok.example/p?q=1! (http://a.b/x)") {
		if p.url != nil {
			n++
			if p.text != "https://ok.example/p?q=1" && p.text != "http://a.b/x" {
				t.Errorf("link %q", p.text)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d links, want 2", n)
	}
}

// TestReplyQuotesTheMessage: Reply on Bob's bubble sends an OpenIM quote message (114) that
// carries the quoted message as the SDKs read it, and both bubbles show the quote above the text.
func TestReplyQuotesTheMessage(t *testing.T) {
	ann, bob := annAndBob(t)
	bob.Compose("lunch at noon?")
	ann.WaitChat("bob: lunch at noon?")

	ann.menu(ann.bubbleOf("lunch at noon?"), "Reply")
	if !ann.Shows("Replying to Bob: lunch at noon?") {
		t.Fatalf("the composer does not say what the reply quotes: %v", ann.Texts())
	}
	ann.Compose("yes, at the usual place")
	bob.WaitChat("ann: yes, at the usual place")
	bob.Settle()
	ann.Settle()
	if ann.Shows("Replying to Bob") {
		t.Fatal("the reply bar stays after the reply went out")
	}

	msgs := userMessages(t, bob.Backend(), openim.SingleConversationID("ann", "bob"))
	last := msgs[len(msgs)-1]
	if last.ContentType != openim.Quote {
		t.Fatalf("the reply's contentType is %d, want %d (quote)", last.ContentType, openim.Quote)
	}
	var elem struct {
		Text         string `json:"text"`
		QuoteMessage struct {
			ClientMsgID string `json:"clientMsgID"`
			SendID      string `json:"sendID"`
			ContentType int32  `json:"contentType"`
			TextElem    struct {
				Content string `json:"content"`
			} `json:"textElem"`
		} `json:"quoteMessage"`
	}
	if err := json.Unmarshal(last.Content, &elem); err != nil {
		t.Fatal(err)
	}
	q := elem.QuoteMessage
	if elem.Text != "yes, at the usual place" || q.SendID != "bob" || q.ContentType != openim.Text ||
		q.TextElem.Content != "lunch at noon?" || q.ClientMsgID != msgs[len(msgs)-2].ClientMsgID {
		t.Fatalf("the quote element: %s", last.Content)
	}
	for _, h := range []*Harness{ann, bob} {
		r := h.bubbleOf("yes, at the usual place")
		if !r.quote.Visible() || r.quote.text.String() != "Bob: lunch at noon?" {
			t.Fatalf("%s's bubble shows the quote %v %q", h.SelfID(), r.quote.Visible(), r.quote.text.String())
		}
		g := r.geometry(r.Size().Width)
		if g.quote.Position.Y >= g.text.Position.Y {
			t.Fatalf("%s's bubble: the quote is not above the text", h.SelfID())
		}
	}
}

// TestForwardSendsACopy: Forward… on a bubble lists the chats and sends the same content as the
// user's new message to the one picked.
func TestForwardSendsACopy(t *testing.T) {
	ann, bob, cy := annBobCy(t)
	cy.OpenChatWith("ann")
	cy.Compose("hello ann")
	bob.OpenChatWith("ann")
	bob.Compose("the release is on friday")
	ann.WaitFor("two chats", func() bool { return len(ann.ConversationNames()) == 2 })
	ann.OpenChatWith("bob")
	ann.WaitChat("bob: the release is on friday")

	ann.menu(ann.bubbleOf("the release is on friday"), "Forward…")
	ann.TapText("Cy")
	cy.WaitChat("ann: the release is on friday")
	msgs := userMessages(t, cy.Backend(), openim.SingleConversationID("ann", "cy"))
	last := msgs[len(msgs)-1]
	if last.SendID != "ann" || last.ContentType != openim.Text || MessageText(last) != "the release is on friday" {
		t.Fatalf("the forward stored as %s %d %q", last.SendID, last.ContentType, MessageText(last))
	}
	if ann.OpenConversationID() != openim.SingleConversationID("ann", "bob") {
		t.Fatal("forwarding left the chat")
	}
}

// TestSearchMessagesJumpsToTheMessage: Ctrl+Shift+F searches every chat through the node; each
// result names its chat and sender with the match in bold, and picking one opens that chat at
// the message, loading the older pages it is in.
func TestSearchMessagesJumpsToTheMessage(t *testing.T) {
	ann, bob, cy := annBobCy(t)
	ctx := context.Background()
	send := func(from *Harness, to, text string) {
		m := NewTextMessage(from.C.self, &Conversation{Type: openim.SingleChat, PeerID: to}, text, nil, time.Now().UnixMilli())
		if _, err := from.Backend().Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	send(bob, "ann", "the Budget is approved")
	for i := range 2 * historyPage {
		send(bob, "ann", fmt.Sprintf("filler %d", i))
	}
	send(cy, "ann", "budget meeting at 3")
	ann.WaitFor("two chats", func() bool { return len(ann.ConversationNames()) == 2 })
	ann.OpenChatWith("cy")
	ann.WaitChat("cy: budget meeting at 3")

	ann.C.runShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault | fyne.KeyModifierShift})
	ann.Drain()
	if ann.C.search == nil {
		t.Fatal("Ctrl+Shift+F opens no message search")
	}
	test.Type(ann.C.search.entry, "BUDGET")
	ann.WaitFor("two results", func() bool { return len(ann.C.search.results.Objects) == 2 })
	for _, want := range []string{"Bob · Bob", "the Budget is approved", "Cy · Cy", "budget meeting at 3"} {
		if !ann.Shows(want) {
			t.Fatalf("the results do not show %q: %v", want, ann.Texts())
		}
	}
	var bolded []string
	walk(ann.C.search.results, func(o fyne.CanvasObject) {
		if rt, ok := o.(*widget.RichText); ok {
			for _, s := range rt.Segments {
				if ts, ok := s.(*widget.TextSegment); ok && ts.Style.TextStyle.Bold && ts.Style.ColorName == theme.ColorNamePrimary {
					bolded = append(bolded, ts.Text)
				}
			}
		}
	})
	if !slices.Equal(bolded, []string{"budget", "Budget"}) && !slices.Equal(bolded, []string{"Budget", "budget"}) {
		t.Fatalf("the matches highlighted: %q", bolded)
	}

	ann.TapText("the Budget is approved")
	ann.WaitFor("the message found, in view", func() bool {
		v := ann.C.shell.chat
		return v.conv != nil && v.conv.ID == openim.SingleConversationID("ann", "bob") && v.found != nil &&
			MessageText(v.found.msg) == "the Budget is approved"
	})
	v := ann.C.shell.chat
	y := v.found.Position().Y
	if y < v.scroll.Offset.Y || y > v.scroll.Offset.Y+v.scroll.Size().Height {
		t.Fatalf("the message found is at %v, the view shows %v..%v", y, v.scroll.Offset.Y, v.scroll.Offset.Y+v.scroll.Size().Height)
	}
	if v.found.bg.Stroke() != theme.ColorNamePrimary {
		t.Fatal("the message found is not outlined")
	}
}

// TestGroupReadBy: the user's message in a group says "Read by N" as members open the chat
// (their receipts reach the group), a click on it lists who read it, and reopening the chat
// gets the same from the node.
func TestGroupReadBy(t *testing.T) {
	ann, bob, cy := annBobCy(t)
	gid := ann.CreateGroup("Design team", "bob", "cy")
	cid := openim.GroupConversationID(gid)
	ann.OpenConversation(cid)
	ann.Compose("the agenda is out")
	ann.WaitChat("ann: the agenda is out")
	ann.Settle()
	meta := func() string { return ann.bubbleOf("the agenda is out").meta.String() }
	if strings.Contains(meta(), "Read by") {
		t.Fatalf("nobody has read it yet, the bubble says %q", meta())
	}

	for i, h := range []*Harness{bob, cy} {
		h.WaitFor("the group", func() bool { return h.C.convs[cid] != nil && h.C.convs[cid].MaxSeq > 0 })
		h.OpenConversation(cid)
		h.WaitChat("ann: the agenda is out")
		want := fmt.Sprintf("Read by %d", i+1)
		ann.WaitFor(want, func() bool { return strings.Contains(meta(), want) })
	}

	r := ann.bubbleOf("the agenda is out")
	g := r.geometry(r.Size().Width)
	test.TapAt(r, g.meta.Position.AddXY(g.meta.Size.Width/2, g.meta.Size.Height/2))
	ann.Drain()
	if got := ann.C.shell.chat.readersShown; !slices.Equal(got, []string{"bob", "cy"}) {
		t.Fatalf("a click on Read by lists %v", got)
	}
	if !ann.Shows("Bob\nCy") {
		t.Fatalf("the list does not name Bob and Cy: %v", ann.Texts())
	}

	ann.OpenChatWith("bob")
	ann.OpenConversation(cid)
	ann.WaitChat("ann: the agenda is out")
	ann.WaitFor("Read by 2 from the node", func() bool { return strings.Contains(meta(), "Read by 2") })
}
