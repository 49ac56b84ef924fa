package ui

import (
	"context"
	"io"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lanim/node/openim"
)

// Screen tests of what a window learns between its loads and its pushes: a list read before a
// push must not hide the push, and a push sent before the window's WebSocket is up must not be
// lost.

// TestFirstConnectionCatchesUp: a window loads its lists at sign-in while its WebSocket is still
// being dialled; a message sent in between reaches no connection, so the first connection re-reads
// the lists (CI once timed out waiting for such a message on a loaded machine).
func TestFirstConnectionCatchesUp(t *testing.T) {
	o, a, hs := realApp(t, "ann")
	bobSession := o.signUp("bob")["bob"]
	gate := holdConnections(t, o.node.WSAddr())
	cfg := o.config(true)
	cfg.WSAddr = gate.addr
	p := &probe{office: o, ClientBackend: NewClientBackend(cfg)}
	t.Cleanup(p.ClientBackend.Close)
	dir := t.TempDir()
	if err := SaveSession(filepath.Join(dir, "session.json"), bobSession); err != nil {
		t.Fatal(err)
	}
	bob := NewHarness(t, a, p, HarnessOptions{SessionDir: dir})
	bob.SignedIn()
	bob.WaitFor("the WebSocket dialled", gate.dialled)
	bob.Settle() // the loads of sign-in are in

	conv := openim.SingleConversationID("ann", "bob")
	sendText(t, hs["ann"], "bob", "sent before bob's connection")
	if got := bob.Unread(conv); got != -1 {
		t.Fatalf("bob has the chat (%d unread) before his connection is up", got)
	}
	gate.release()
	bob.WaitFor("ann's message once the connection is up", func() bool { return bob.Unread(conv) == 1 })
	bob.Section("chats")
	bob.WaitFor("the chat's row", func() bool { return bob.ConversationPreview(conv) == "sent before bob's connection" })
}

// TestListReadBeforeAPushKeepsThePush: the list's answer can arrive after a message the node
// committed once the list was read; the row keeps the newer message and its unread count.
func TestListReadBeforeAPushKeepsThePush(t *testing.T) {
	_, _, hs := realApp(t, "ann", "bob")
	ann, bob := hs["ann"], hs["bob"]
	p := probeOf(bob)
	read, release := p.holdListLoad()
	conv := openim.SingleConversationID("ann", "bob")

	// The first message makes a new chat in bob's window, which loads the list; that load reads
	// the node now and answers only after the second message is in.
	sendText(t, ann, "bob", "first")
	bob.WaitFor("the list read with the first message only", closed(read))
	sendText(t, ann, "bob", "second")
	bob.WaitFor("the second message's push", func() bool { return bob.Unread(conv) == 2 })
	answered := release()
	bob.WaitFor("the held list's answer", closed(answered))
	bob.Settle()
	bob.Section("chats")
	if got, preview := bob.Unread(conv), bob.ConversationPreview(conv); got != 2 || preview != "second" {
		t.Fatalf("after the older list's answer: %d unread, preview %q; want 2 and %q", got, preview, "second")
	}
}

// closed is a WaitFor condition: ch is closed.
func closed(ch <-chan struct{}) func() bool {
	return func() bool {
		select {
		case <-ch:
			return true
		default:
			return false
		}
	}
}

// sendText sends a text message from a window's user to another user through its backend.
func sendText(t *testing.T, from *Harness, to, text string) {
	t.Helper()
	m := NewTextMessage(from.C.self, &Conversation{Type: openim.SingleChat, PeerID: to}, text, nil, time.Now().UnixMilli())
	if _, err := from.Backend().Send(context.Background(), m); err != nil {
		t.Fatalf("send %q: %v", text, err)
	}
}

// holdListLoad makes the next load of the conversation list read the node at once and answer
// only once release is called: read closes when it has read, answered when it has answered.
func (p *probe) holdListLoad() (read <-chan struct{}, release func() (answered <-chan struct{})) {
	p.mu.Lock()
	defer p.mu.Unlock()
	h := &listHold{read: make(chan struct{}), release: make(chan struct{}), answered: make(chan struct{})}
	p.listHold = h
	return h.read, func() <-chan struct{} {
		close(h.release)
		return h.answered
	}
}

// listHold is a conversation list load held between its read and its answer.
type listHold struct{ read, release, answered chan struct{} }

func (p *probe) Conversations(ctx context.Context) ([]*Conversation, error) {
	p.mu.Lock()
	h := p.listHold
	p.listHold = nil
	p.mu.Unlock()
	list, err := p.ClientBackend.Conversations(ctx)
	if h == nil {
		return list, err
	}
	close(h.read)
	defer close(h.answered)
	select {
	case <-h.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return list, err
}

// connGate is a loopback proxy that holds the connections made to it until release.
type connGate struct {
	addr     string
	mu       sync.Mutex
	open     chan struct{}
	accepted bool
}

// holdConnections starts a connGate in front of target, closed when the test ends.
func holdConnections(t *testing.T, target string) *connGate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := &connGate{addr: ln.Addr().String(), open: make(chan struct{})}
	var wg sync.WaitGroup
	done := make(chan struct{})
	t.Cleanup(func() {
		close(done)
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			g.mu.Lock()
			g.accepted = true
			g.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				g.pipe(c, target, done)
			}()
		}
	}()
	return g
}

// pipe connects c to target once the gate opens, until either side closes or the test ends.
func (g *connGate) pipe(c net.Conn, target string, done <-chan struct{}) {
	defer c.Close()
	select {
	case <-g.open:
	case <-done:
		return
	}
	up, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer up.Close()
	go func() {
		<-done
		c.Close()
		up.Close()
	}()
	go func() {
		io.Copy(up, c)
		up.Close()
	}()
	io.Copy(c, up)
}

// dialled reports whether a connection reached the gate.
func (g *connGate) dialled() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.accepted
}

func (g *connGate) release() { close(g.open) }
