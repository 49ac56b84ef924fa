package ui

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"lanim/node/openim"
	"lanim/node/pb"
)

// selectRowOf is the open chat's row in select mode showing a message with this text.
func (h *Harness) selectRowOf(text string) *selectRow {
	h.T.Helper()
	for _, o := range h.C.shell.chat.col.rows {
		if s, ok := o.(*selectRow); ok && MessageText(s.row.msg) == text {
			return s
		}
	}
	h.T.Fatalf("no checkbox beside %q", text)
	return nil
}

// waitHelloFromCy waits for Cy's "hello ann" in Ann's list, so the screens saved show it.
func (h *Harness) waitHelloFromCy() {
	cid := openim.SingleConversationID("ann", "cy")
	h.WaitFor("cy's hello in the list", func() bool {
		return len(h.ConversationNames()) == 2 && h.ConversationPreview(cid) == "hello ann" && h.Unread(cid) == 1
	})
}

// TestForwardAsOne: "Select…" on a bubble puts a checkbox beside every message and the forward
// bar in the composer's place; three messages ticked and forwarded as one reach the other chat as
// one merger message (107) that carries the three, in order, with their senders; the reader's
// bubble shows the title and the abstracts, and a click lists the three.
func TestForwardAsOne(t *testing.T) {
	ann, bob, cy := annBobCy(t)
	bob.OpenChatWith("ann")
	bob.Compose("the release is on friday")
	bob.WaitChat("bob: the release is on friday [Sent]")
	bob.Compose("see https://example.com/plan")
	cy.OpenChatWith("ann")
	cy.Compose("hello ann")
	ann.waitHelloFromCy()
	ann.OpenChatWith("bob")
	ann.WaitChat("bob: the release is on friday")
	ann.WaitChat("bob: see https://example.com/plan")
	ann.Compose("thanks, noted")
	ann.WaitChat("ann: thanks, noted [Sent]")
	ann.Settle()

	ann.menu(ann.bubbleOf("the release is on friday"), "Select…")
	v := ann.C.shell.chat
	if v.composer.content.Visible() || !v.selBar.content.Visible() || !ann.Shows("1 message selected") {
		t.Fatalf("select mode: composer %v, bar %v, %v", v.composer.content.Visible(), v.selBar.content.Visible(), ann.Texts())
	}
	if !ann.selectRowOf("the release is on friday").check.Checked {
		t.Fatal("the message Select… was used on is not ticked")
	}
	test.Tap(ann.selectRowOf("see https://example.com/plan").cover) // a click on the bubble ticks it
	test.Tap(ann.selectRowOf("thanks, noted").check)
	ann.Drain()
	if !ann.Shows("3 messages selected") {
		t.Fatalf("the bar: %v", ann.Texts())
	}
	ann.Settle()
	ann.Snapshot(t, "select-mode")

	ann.Tap("Forward as one")
	ann.TapText("Cy")
	cy.WaitChat("ann: Chat history of Bob")
	if v.sel != nil || !v.composer.content.Visible() || v.selBar.content.Visible() {
		t.Fatal("select mode stays after the forward")
	}

	msgs := userMessages(t, cy.Backend(), openim.SingleConversationID("ann", "cy"))
	last := msgs[len(msgs)-1]
	if last.SendID != "ann" || last.ContentType != openim.Merger {
		t.Fatalf("the forward stored as %s %d", last.SendID, last.ContentType)
	}
	// The element as any OpenIM client reads it.
	var elem struct {
		Title        string   `json:"title"`
		AbstractList []string `json:"abstractList"`
		MultiMessage []struct {
			SendID         string `json:"sendID"`
			SenderNickname string `json:"senderNickname"`
			ContentType    int32  `json:"contentType"`
			SendTime       int64  `json:"sendTime"`
			TextElem       struct {
				Content string `json:"content"`
			} `json:"textElem"`
		} `json:"multiMessage"`
	}
	if err := json.Unmarshal(last.Content, &elem); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range elem.MultiMessage {
		if m.ContentType != openim.Text || m.SendTime == 0 {
			t.Fatalf("a forwarded message: %+v", m)
		}
		got = append(got, m.SendID+"/"+m.SenderNickname+": "+m.TextElem.Content)
	}
	want := []string{"bob/Bob: the release is on friday", "bob/Bob: see https://example.com/plan", "ann/Ann: thanks, noted"}
	if !slices.Equal(got, want) {
		t.Fatalf("the messages carried: %q", got)
	}
	abstracts := []string{"Bob: the release is on friday", "Bob: see https://example.com/plan", "Ann: thanks, noted"}
	if elem.Title != "Chat history of Bob" || !slices.Equal(elem.AbstractList, abstracts) {
		t.Fatalf("title %q, abstracts %q", elem.Title, elem.AbstractList)
	}

	// Cy's bubble: the title and the abstracts; a click lists the three with their senders.
	cy.Settle()
	mv, ok := cy.rowOf(openim.Merger).att.(*mergedView)
	if !ok {
		t.Fatal("the merged forward has no merged card")
	}
	if mv.title.String() != "Chat history of Bob" || mv.abstracts.String() != strings.Join(abstracts, "\n") {
		t.Fatalf("the card shows %q / %q", mv.title.String(), mv.abstracts.String())
	}
	cy.Snapshot(t, "merged-bubble")
	test.Tap(mv)
	cy.Drain()
	for _, s := range []string{"the release is on friday", "see https://example.com/plan", "thanks, noted", "Bob", "Ann", "14 Mar 2025, 15:30"} {
		if !cy.Shows(s) {
			t.Fatalf("the viewer does not show %q: %v", s, cy.Texts())
		}
	}
	cy.Settle()
	cy.Snapshot(t, "merged-viewer")
}

// TestForwardOneByOne: the bar's other button sends each ticked message as its own copy, in the
// chat's order.
func TestForwardOneByOne(t *testing.T) {
	ann, bob, cy := annBobCy(t)
	cy.OpenChatWith("ann")
	cy.Compose("hello ann")
	bob.OpenChatWith("ann")
	for _, s := range []string{"one", "two", "three"} {
		bob.Compose(s)
		bob.WaitChat("bob: " + s + " [Sent]")
	}
	ann.waitHelloFromCy()
	ann.OpenChatWith("bob")
	// A late push of "three" can show before the history page that holds the other two.
	for _, s := range []string{"one", "two", "three"} {
		ann.WaitChat("bob: " + s)
	}
	ann.menu(ann.bubbleOf("three"), "Select…")
	test.Tap(ann.selectRowOf("one").check)
	ann.Drain()

	// In a narrow window the bar stacks its buttons inside the chat's width: the window never
	// grows for it.
	bar := ann.C.shell.chat.selBar
	ann.C.win.Resize(fyne.NewSize(600, 700))
	ann.Drain()
	if w := ann.Canvas().Content().MinSize().Width; w > 600 {
		t.Fatalf("select mode needs a window %v wide", w)
	}
	inside := func(b *widget.Button) bool {
		p := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
		q := fyne.CurrentApp().Driver().AbsolutePositionForObject(bar.content)
		return p.X >= q.X && p.X+b.Size().Width <= q.X+bar.content.Size().Width+0.5 &&
			p.Y >= q.Y && p.Y+b.Size().Height <= q.Y+bar.content.Size().Height+0.5 &&
			p.Y+b.Size().Height <= ann.Canvas().Size().Height
	}
	if !inside(bar.each) || !inside(bar.one) || bar.each.Position().Y == bar.one.Position().Y {
		t.Fatalf("the bar at %v: one by one at %v, as one at %v", bar.content.Size(), bar.each.Position(), bar.one.Position())
	}
	ann.Settle()
	ann.Snapshot(t, "select-mode-narrow")
	ann.C.win.Resize(fyne.NewSize(1100, 720))
	ann.Drain()
	ann.Tap("Forward one by one")
	ann.TapText("Cy")
	cy.WaitChat("ann: three")
	msgs := userMessages(t, cy.Backend(), openim.SingleConversationID("ann", "cy"))
	var got []string
	for _, m := range msgs[len(msgs)-2:] {
		got = append(got, m.SendID+": "+MessageText(m))
	}
	if !slices.Equal(got, []string{"ann: one", "ann: three"}) {
		t.Fatalf("cy got %q", got)
	}
}

// overlayOf finds a widget of type T in the dialogs over the window.
func overlayOf[T fyne.CanvasObject](h *Harness, match func(T) bool) (found T, ok bool) {
	for _, o := range h.C.win.Canvas().Overlays().List() {
		walk(o, func(o fyne.CanvasObject) {
			if x, is := o.(T); is && !ok && match(x) {
				found, ok = x, true
			}
		})
	}
	return found, ok
}

// TestMergedViewerPictureAndNested: in the viewer a forwarded picture is a thumbnail (from the
// node, as in a bubble) and a merged forward inside is a card that opens its own messages.
func TestMergedViewerPictureAndNested(t *testing.T) {
	ann, bob := annAndBob(t)
	path := filepath.Join(t.TempDir(), "whiteboard.png")
	if err := os.WriteFile(path, GradientPNG(t, 400, 300), 0o600); err != nil {
		t.Fatal(err)
	}
	ann.SendFile(path)
	ann.WaitChat("ann: 📷 Picture [Sent]")
	pic := ann.rowOf(openim.Picture).msg

	conv := &Conversation{Type: openim.SingleChat, PeerID: "bob"}
	cy := &pb.UserInfo{UserID: "cy", Nickname: "Cy"}
	inner := NewMergedMessage(cy, conv, "Chat history of Cy", []*pb.MsgData{
		NewTextMessage(cy, conv, "deep inside", nil, testNow.UnixMilli()),
	}, ann.C.senderName, testNow.UnixMilli())
	outer := NewMergedMessage(ann.C.self, conv, "Group chat history", []*pb.MsgData{pic, inner}, ann.C.senderName, testNow.UnixMilli())
	ann.C.sendNew(conv, outer)
	bob.WaitChat("ann: Group chat history")
	bob.Settle()
	test.Tap(bob.rowOf(openim.Merger).att.(*mergedView))
	bob.Drain()
	bob.WaitFor("the picture's thumbnail in the viewer", func() bool {
		_, ok := overlayOf(bob, func(p *pictureView) bool { return p.img.Image != nil })
		return ok
	})
	if !bob.Shows("Chat history of Cy") || !bob.Shows("Cy: deep inside") {
		t.Fatalf("the outer viewer: %v", bob.Texts())
	}
	nested, ok := overlayOf(bob, func(mv *mergedView) bool { return mv.title.String() == "Chat history of Cy" })
	if !ok {
		t.Fatal("no nested card in the viewer")
	}
	before := len(bob.C.win.Canvas().Overlays().List())
	test.Tap(nested)
	bob.Drain()
	if len(bob.C.win.Canvas().Overlays().List()) != before+1 || !bob.Shows("deep inside") {
		t.Fatalf("the nested card opened no viewer: %v", bob.Texts())
	}
}

// TestForwardLimits: a merged forward over the node's content limit is not sent (the user is told
// to pick fewer), and select mode ticks at most maxMergedMessages messages.
func TestForwardLimits(t *testing.T) {
	ann, _ := annAndBob(t)
	conv := ann.C.convs[openim.SingleConversationID("ann", "bob")]
	long := NewTextMessage(ann.C.self, conv, strings.Repeat("budget ", openim.MaxContentBytes/7+1), nil, testNow.UnixMilli())
	before := len(ann.C.pendingFor(conv.ID))
	if ann.C.ForwardMerged(conv, conv, []*pb.MsgData{long}) {
		t.Fatal("a merged forward over the content limit was sent")
	}
	if len(ann.C.pendingFor(conv.ID)) != before || !strings.Contains(ann.C.lastToast, "too long to forward as one") {
		t.Fatalf("pending %d, toast %q", len(ann.C.pendingFor(conv.ID)), ann.C.lastToast)
	}

	ann.Compose("one more")
	ann.WaitChat("ann: one more [Sent]")
	ann.Settle()
	m := ann.bubbleOf("one more").msg
	v := ann.C.shell.chat
	v.startSelect(m)
	v.toggle(m, false)
	for i := range maxMergedMessages {
		v.sel[fmt.Sprint("picked", i)] = true
	}
	v.toggle(m, true)
	if v.sel[m.ClientMsgID] || !strings.Contains(ann.C.lastToast, "at most 100 messages") {
		t.Fatalf("the 101st message was ticked; toast %q", ann.C.lastToast)
	}
}
