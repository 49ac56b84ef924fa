package ui_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"lanim/app"
	"lanim/node/client"
	"lanim/node/openim"
	"lanim/ui"
)

// The screens against a real node: app.StartNode on a temp dir and free loopback ports, the app's
// ClientBackend over node/client, two windows for two users. These are the flows of the screen
// tests in screens_test.go with the node's real rules, pushes and timing.

func init() { ui.StartNode = startNodeAt }

func startNode(t *testing.T) *app.Node { return startNodeWith(t, "") }

// startNodeWith starts a node, closed when the test ends; clusterAddr (a loopback address: no
// mDNS) makes it an office on the network, which join codes need.
func startNodeWith(t *testing.T, clusterAddr string) *app.Node {
	t.Helper()
	n, err := startNodeLogged(clusterAddr, nil, logOf(t, "the node").Handler())
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	return n.(dirNode).Node
}

// startNodeAt is ui.StartNode: a node on a temp dir and free loopback ports, with a clock (nil:
// time.Now); its Close removes the dir.
func startNodeAt(clusterAddr string, now func() time.Time) (ui.Node, error) {
	return startNodeLogged(clusterAddr, now, slog.DiscardHandler)
}

// startNodeLogged is startNodeAt with the node's log going to h.
func startNodeLogged(clusterAddr string, now func() time.Time, h slog.Handler) (ui.Node, error) {
	dir, err := os.MkdirTemp("", "lanim-ui-test-")
	if err != nil {
		return nil, err
	}
	cfg := &app.NodeConfig{DataDir: dir, APIAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0",
		Cluster: app.ClusterFlags{Addr: clusterAddr, Discovery: "off"}, Now: now}
	n, err := app.StartNode(context.Background(), cfg, io.Discard, slog.New(h))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return dirNode{n, dir}, nil
}

// dirNode is a node that removes its data dir when it closes.
type dirNode struct {
	*app.Node
	dir string
}

func (n dirNode) Close() error {
	err := n.Node.Close()
	return errors.Join(err, os.RemoveAll(n.dir))
}

// testLog is the log of one node or app of a test, printed only if the test fails (and as it is
// written with LANIM_UI_DEBUG set): a wait that times out in CI then shows what each side saw.
type testLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if os.Getenv("LANIM_UI_DEBUG") != "" {
		os.Stderr.Write(p)
	}
	return l.buf.Write(p)
}

// logOf is a debug-level logger kept for the test's failure report under the name who.
func logOf(t *testing.T, who string) *slog.Logger {
	l := &testLog{}
	t.Cleanup(func() {
		if t.Failed() {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Logf("%s's log:\n%s", who, l.buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func backendOf(t *testing.T, n *app.Node) *ui.ClientBackend {
	b := ui.NewClientBackend(ui.ClientConfig{APIAddr: n.APIAddr(), WSAddr: n.WSAddr(), AdminSecret: n.AdminSecret,
		Log: logOf(t, "an app")})
	t.Cleanup(b.Close)
	return b
}

// elsewhereBackendOf is an app on another computer of the office: same node API (the test has
// one node), but without the admin secret, as on a computer that joined.
func elsewhereBackendOf(t *testing.T, n *app.Node) *ui.ClientBackend {
	b := ui.NewClientBackend(ui.ClientConfig{APIAddr: n.APIAddr(), WSAddr: n.WSAddr(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(b.Close)
	return b
}

// createOfficeVia walks the first start's "Create a new office" form, which makes the office's
// first account.
func createOfficeVia(h *ui.Harness, office, userID, nickname string) {
	h.WaitText("Welcome to LanIM")
	h.TapText("Create a new office")
	h.WaitText("Create your office")
	h.Fill(office, nickname, userID, "password1", "password1")
	h.Tap("Create office")
	h.SignedIn()
}

// signUpVia walks the sign-in screen's "Create an account" form.
func signUpVia(h *ui.Harness, userID, nickname string) {
	h.WaitText("Sign in to LanIM")
	h.Tap("Create an account")
	h.WaitText("Create your account")
	h.Fill(nickname, userID, "password1", "password1")
	h.Tap("Create account")
	h.SignedIn()
}

func TestRealOnboardingAndChat(t *testing.T) {
	n := startNode(t)
	a := ui.NewTestApp(t)
	annDir := t.TempDir()

	// First start on a fresh office: onboarding creates the office's first account.
	ann := ui.NewHarness(t, a, backendOf(t, n), ui.HarnessOptions{SessionDir: annDir, RealClock: true})
	createOfficeVia(ann, "Acme", "ann", "Ann Lee")
	// The node keeps the name, and the account that created the office is its admin.
	if st, err := ann.Backend().ClusterStatus(context.Background()); err != nil || st.OfficeName != "Acme" ||
		!slices.Equal(st.OfficeAdmins, []string{"ann"}) {
		t.Fatalf("office after onboarding: %+v %v", st, err)
	}

	// A second window on the same node: the office has an account now, so it asks to sign in;
	// Bob creates his account from there.
	bob := ui.NewHarness(t, a, backendOf(t, n), ui.HarnessOptions{RealClock: true})
	signUpVia(bob, "bob", "Bob Martin")

	// Friend request through the contacts page, accepted on the other side.
	ann.AddFriend("bob", "Hi Bob, it's Ann")
	bob.Section("contacts")
	bob.WaitFor("the friend request", func() bool { return bob.Shows("Friend requests") && bob.PendingFriendRequests() == 1 })
	bob.TapText("Friend requests")
	bob.WaitText("Hi Bob, it's Ann")
	bob.Tap("Accept")
	ann.WaitFor("bob in ann's friends", func() bool { return ann.Shows("Bob Martin") })

	// Chat both ways, with the unread count and the read receipt.
	ann.OpenChatWith("bob")
	ann.Compose("Hello from Ann")
	ann.WaitChat("ann: Hello from Ann")
	conv := openim.SingleConversationID("ann", "bob")
	bob.WaitFor("bob's unread message", func() bool { return bob.Unread(conv) == 1 })
	bob.OpenChatWith("ann")
	bob.WaitChat("ann: Hello from Ann")
	bob.WaitFor("bob's read", func() bool { return bob.Unread(conv) == 0 })
	ann.WaitChat("ann: Hello from Ann [Read]")
	bob.Compose("Hi Ann!")
	bob.WaitChat("bob: Hi Ann! [Sent]")
	t.Logf("bob's chat: %q", bob.ChatLines())
	ann.WaitChat("bob: Hi Ann!")
	// Typing shows in the peer's header; a withdrawn message turns into a line on both sides.
	bob.Typing()
	ann.WaitText("typing…")
	ann.Withdraw("Hello from Ann")
	ann.WaitChat("— You withdrew a message")
	bob.WaitChat("— Ann Lee withdrew a message")
	if got := ann.ConversationNames(); !slices.Equal(got, []string{"Bob Martin"}) {
		t.Fatalf("ann's conversations: %v", got)
	}

	// The next start resumes the saved session without asking.
	again := ui.NewHarness(t, a, backendOf(t, n), ui.HarnessOptions{SessionDir: annDir, RealClock: true})
	again.SignedIn()
	if again.SelfID() != "ann" {
		t.Fatalf("resumed as %q", again.SelfID())
	}
	if _, err := filepath.Abs(annDir); err != nil {
		t.Fatal(err)
	}
}

func TestRealGroupChat(t *testing.T) {
	n := startNode(t)
	a := ui.NewTestApp(t)
	ann := ui.NewHarness(t, a, backendOf(t, n), ui.HarnessOptions{RealClock: true})
	createOfficeVia(ann, "Acme", "ann", "Ann Lee")
	bob := ui.NewHarness(t, a, backendOf(t, n), ui.HarnessOptions{RealClock: true})
	signUpVia(bob, "bob", "Bob Martin")
	cy := ui.NewHarness(t, a, backendOf(t, n), ui.HarnessOptions{RealClock: true})
	signUpVia(cy, "cy", "Cy Wong")
	for _, f := range []*ui.Harness{bob, cy} {
		ann.AddFriend(f.SelfID(), "hi")
		f.WaitFor("ann's request", func() bool { return f.PendingFriendRequests() == 1 })
		if err := f.Backend().RespondFriend(context.Background(), "ann", true); err != nil {
			t.Fatal(err)
		}
	}

	gid := ann.CreateGroup("Design team", "bob", "cy")
	ann.WaitFor("the group chat", func() bool { return ann.OpenConversationID() == openim.GroupConversationID(gid) })
	ann.WaitChat("— You created the group")
	ann.Compose("Welcome to the design team")
	bob.WaitFor("the group in bob's list", func() bool { return bob.Unread(openim.GroupConversationID(gid)) >= 1 })
	bob.OpenConversation(openim.GroupConversationID(gid))
	bob.WaitChat("ann: Welcome to the design team")
	bob.Compose("Thanks!")
	cy.WaitFor("cy's unread", func() bool { return cy.Unread(openim.GroupConversationID(gid)) >= 2 })

	// The group page: members with roles; the owner removes Cy.
	ann.Section("groups")
	ann.ShowGroup(gid)
	ann.WaitText("Owner")
	ann.WaitText("Cy Wong")
	if err := ann.Backend().Kick(context.Background(), gid, []string{"cy"}); err != nil {
		t.Fatal(err)
	}
	cy.WaitFor("cy out of the group", func() bool { return cy.GroupCount() == 0 })
	ann.WaitFor("two members left", func() bool { return !ann.Shows("Cy Wong") })
	ann.Section("chats")
	ann.OpenConversation(openim.GroupConversationID(gid))
	ann.WaitChat("— You removed Cy Wong")
}

// TestRealOfficePanel: the office panel on a real node (an office on the network, loopback):
// the creator is an office admin; a user on another computer cannot invite until the creator
// grants the role, then invites with their own token; the join screen says this node does not
// search the network (loopback).
func TestRealOfficePanel(t *testing.T) {
	n := startNodeWith(t, "127.0.0.1:0")
	a := ui.NewTestApp(t)
	ann := ui.NewHarness(t, a, backendOf(t, n), ui.HarnessOptions{RealClock: true})
	ann.WaitText("Welcome to LanIM")
	ann.TapText("Join an office")
	ann.WaitText("This computer does not search the network for offices")
	ann.Tap("Back")
	ann.TapText("Create a new office")
	ann.Fill("Acme Design", "Ann Lee", "ann", "password1", "password1")
	ann.Tap("Create office")
	ann.SignedIn()
	ann.Section("office")
	ann.WaitText("Computers")
	t.Logf("office panel: %q", ann.Texts())
	ann.WaitText("(this computer)")
	ann.WaitText("Acme Design")
	ann.WaitText("Ann Lee (you)") // office admin

	bob := ui.NewHarness(t, a, elsewhereBackendOf(t, n), ui.HarnessOptions{RealClock: true})
	signUpVia(bob, "bob", "Bob Martin")
	if _, err := bob.Backend().InviteCode(context.Background()); openim.Code(err) != openim.ErrNoPermission.Code {
		t.Fatalf("bob's invite without the role: %v, want 1002", err)
	}
	bob.Section("office")
	bob.WaitText("ask Ann Lee")
	bob.WaitText("Bob Martin") // online now, across the office

	ann.Tap("Add an office admin…")
	ann.Fill("bob")
	ann.Tap("Make admin")
	ann.WaitFor("bob in the admins", func() bool { return ann.Shows("Bob Martin") })
	bob.Tap("Refresh")
	bob.WaitText("Bob Martin (you)")
	codes, err := bob.Backend().InviteCode(context.Background())
	if code := codes.Long; err != nil || !strings.HasPrefix(code, "lanim1-") || len(strings.ReplaceAll(codes.Short, "-", "")) != 16 {
		t.Fatalf("bob's invite as an office admin: %q %v", code, err)
	}
	if err := bob.Backend().NameOffice(context.Background(), "Acme Design Studio"); err != nil {
		t.Fatal(err)
	}
	ann.Tap("Refresh")
	ann.WaitText("Acme Design Studio")
}

// TestRealSignInThrottled: once a user ID has had its run of wrong passwords, the node refuses even
// the right one for a while (1692), and the sign-in screen says so rather than "Wrong password".
func TestRealSignInThrottled(t *testing.T) {
	n := startNode(t)
	a := ui.NewTestApp(t)
	ann := ui.NewHarness(t, a, backendOf(t, n), ui.HarnessOptions{RealClock: true})
	createOfficeVia(ann, "Acme", "ann", "Ann Lee")

	h := ui.NewHarness(t, a, backendOf(t, n), ui.HarnessOptions{RealClock: true})
	h.WaitText("Sign in to LanIM")
	h.Fill("ann", "password1")
	// Someone else guesses at ann's password until the node throttles her user ID (one more guess
	// is allowed every 6 s, so the loop is bounded by the 10-guess burst plus a few).
	api := client.New(n.APIAddr(), nil)
	throttled := func(err error) bool {
		var ce *openim.Error
		return errors.As(err, &ce) && ce.Code == openim.ErrRateLimited.Code
	}
	var err error
	for range 20 {
		err = api.Call(context.Background(), "/auth/user_login",
			map[string]any{"userID": "ann", "password": "a-guess", "platformID": 5}, nil)
		if throttled(err) {
			break
		}
	}
	if !throttled(err) {
		t.Fatalf("the guesses were never throttled: %v", err)
	}
	h.Tap("Sign in")
	h.WaitText("Too many wrong passwords for this user ID")
}

// annAndBob opens two windows on a fresh node: Ann creates the office "Acme", Bob signs up.
func annAndBob(t *testing.T, n *app.Node) (a fyne.App, ann, bob *ui.Harness) {
	t.Helper()
	a = ui.NewTestApp(t)
	ann = ui.NewHarness(t, a, backendOf(t, n), ui.HarnessOptions{RealClock: true})
	createOfficeVia(ann, "Acme", "ann", "Ann Lee")
	bob = ui.NewHarness(t, a, backendOf(t, n), ui.HarnessOptions{RealClock: true})
	signUpVia(bob, "bob", "Bob Martin")
	return a, ann, bob
}

// TestRealPictureMessage: a picture sent from one window reaches the other through the node's object
// API: the bubble draws the node's thumbnail, and the URL serves the bytes that were sent.
func TestRealPictureMessage(t *testing.T) {
	n := startNode(t)
	_, ann, bob := annAndBob(t, n)
	ann.AddFriend("bob", "Hi")
	bob.Section("contacts")
	bob.WaitFor("the friend request", func() bool { return bob.PendingFriendRequests() == 1 })
	bob.TapText("Friend requests")
	bob.Tap("Accept")
	ann.WaitFor("bob in ann's friends", func() bool { return ann.Shows("Bob Martin") })

	// Ann sends a picture: uploaded through the node's object API, then the message with its URL.
	pic := ui.GradientPNG(t, 900, 600)
	path := filepath.Join(t.TempDir(), "whiteboard.png")
	if err := os.WriteFile(path, pic, 0o600); err != nil {
		t.Fatal(err)
	}
	ann.OpenChatWith("bob")
	ann.SendFile(path)
	ann.WaitChat("ann: 📷 Picture [Sent]")

	// Bob's bubble draws the node's thumbnail; the URL serves Ann's bytes.
	bob.OpenChatWith("ann")
	var u string
	bob.WaitFor("bob's thumbnail", func() bool { var ok bool; u, ok = bob.PictureShown(); return ok })
	var got bytes.Buffer
	if _, err := client.New(n.APIAddr(), nil).Download(context.Background(), u, &got, nil); err != nil ||
		!bytes.Equal(got.Bytes(), pic) {
		t.Fatalf("GET %s: %d bytes, %v", u, got.Len(), err)
	}
}
