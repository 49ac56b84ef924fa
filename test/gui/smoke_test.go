// Package gui is the desktop app's smoke test: two real `bin/lanim` windows on an X display
// (Xvfb in `make test-gui`), driven with the keyboard through xdotool, checked through the node's
// API, and photographed with ImageMagick's import. It runs only when LANIM_GUI_SMOKE=1, LANIM_BIN
// and DISPLAY are set; `make test-gui` sets all three.
//
// Window A founds an office; window B is a second computer of it: its own node joins A's office
// with a join code typed on its welcome screen. Both nodes listen on 127.0.0.1 (no mDNS). Text goes
// each way, then A sends a picture with the mouse through the file dialog (xdotool cannot drag and
// drop: it has no XDND), which both nodes must serve. Last, B quits with the mouse through the
// app menu and A through its close button (WM_DELETE_WINDOW, sent by wmclose_test.go): the apps
// run without a session bus, so without a tray, and closing the window quits; each node must shut
// down cleanly. The tray itself (the window hiding, Show LanIM) is proven by the screen test
// ui.TestTrayKeepsLanIMRunning: Xvfb has no tray host.
package gui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lanim/node/client"
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/test/nodeproc"
)

const (
	waitFor     = 60 * time.Second // a bound, not a measure: a loaded CI machine maps a window late
	pollEvery   = 100 * time.Millisecond
	webPlatform = 5 // the test's own API sessions: the apps sign in as a desktop platform, so none is kicked
)

type smoke struct {
	t       *testing.T
	bin     string
	shots   string
	home    string
	env     []string
	api, ws string
	n       int
}

func TestSmokeTwoWindows(t *testing.T) {
	s := newSmoke(t)
	// Its file dialog opens in $HOME: the test's holds the picture window A sends.
	picture := whiteboardPNG(t)
	if err := os.WriteFile(filepath.Join(s.home, "whiteboard.png"), picture, 0o600); err != nil {
		t.Fatal(err)
	}

	// Window A: first start, onboarding by keyboard (Tab to "Create a new office", Enter).
	dataA := t.TempDir()
	a := s.start("A", "--data", dataA, "--api-addr", s.api, "--ws-addr", s.ws, "--cluster-addr", nodeproc.MustFreeAddr(t))
	s.waitAPI()
	winA := s.window(a, 0)
	s.shot("01-welcome")
	s.keys(winA, "Tab", "Return")
	s.sleep()
	s.typeFields(winA, "Acme Smoke Test", "Ann Lee", "ann", "password1", "password1")
	s.keys(winA, "Return")
	ann := s.login("ann")
	s.shot("02-ann-signed-up")

	// Creating the office named it and made Ann its office admin: she makes the join code with her
	// own token (no admin secret).
	st, err := ann.ClusterStatus(context.Background())
	if err != nil || st.OfficeName != "Acme Smoke Test" || fmt.Sprint(st.OfficeAdmins) != "[ann]" {
		t.Fatalf("office after window A created it: %+v %v", st, err)
	}

	// Window B is another computer of the office: its own node, which joins A's office with a join
	// code typed on its welcome screen ("Join an office", the second stop). Then "Create an
	// account" (three stops after the user ID on the sign-in screen); Space presses a button.
	code := s.inviteCode(ann)
	apiB := nodeproc.MustFreeAddr(t)
	b := s.start("B", "--data", t.TempDir(), "--api-addr", apiB, "--ws-addr", nodeproc.MustFreeAddr(t),
		"--cluster-addr", nodeproc.MustFreeAddr(t))
	winB := s.window(b, 1100)
	s.keys(winB, "Tab", "Tab", "Return")
	s.sleep()
	s.typeText(winB, code)
	s.keys(winB, "Return")
	s.until("window B to join the office", func() bool {
		return strings.Count(b.Log(), "ready") >= 2
	})
	s.sleep()
	s.shot("03-b-joined")
	s.keys(winB, "Tab", "Tab", "Tab", "space")
	s.sleep()
	s.typeFields(winB, "Bob Martin", "bob", "password1", "password1")
	s.keys(winB, "Return")
	bob := s.login("bob")
	s.shot("04-bob-signed-up")

	// Friends, and a first message from Bob (through the API), so both lists have the chat.
	ctx := context.Background()
	if err := ann.Call(ctx, "/friend/add_friend", map[string]any{"fromUserID": "ann", "toUserID": "bob", "reqMsg": "hi"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := bob.Call(ctx, "/friend/add_friend_response", map[string]any{"fromUserID": "ann", "toUserID": "bob", "handleResult": 1}, nil); err != nil {
		t.Fatal(err)
	}
	const seed = "Hi Ann, Bob here. Is the smoke test running?"
	s.send(bob, "bob", "ann", seed)
	s.waitLast(ann, "ann", seed)
	s.sleep() // the push reaches window A with the store; give a loaded machine a moment to draw it

	// A answers from its window: Ctrl+K, the chat's name, Enter opens it; the message box has the
	// focus; Enter sends.
	const fromA = "Hello Bob, this is window A"
	s.keys(winA, "ctrl+k")
	s.typeText(winA, "Bob")
	s.keys(winA, "Return")
	s.sleep()
	s.typeText(winA, fromA)
	s.keys(winA, "Return")
	s.waitLast(bob, "bob", fromA)
	s.shot("05-a-sent")

	// B opens the chat: it shows A's message and marks it read; B answers.
	const fromB = "Got it, window B answering"
	s.keys(winB, "ctrl+k")
	s.typeText(winB, "Ann")
	s.keys(winB, "Return")
	s.waitRead(bob, "bob")
	s.typeText(winB, fromB)
	s.keys(winB, "Return")
	s.waitLast(ann, "ann", fromB)
	s.keys(winA, "ctrl+1") // A takes the focus back: its open chat is read
	s.waitRead(ann, "ann")
	// Presence is office-wide: B's node says Ann (window A, on A's node) is online.
	s.waitOnline(apiB, "bob", "ann")
	s.shot("06-both-chatting")

	// A sends a picture with the mouse: the attach button left of the message box, the picture in
	// Fyne's file dialog (760x520, centred on the 1100x720 window, showing $HOME), then Open. The
	// positions are those of the first-start window size.
	s.click(winA, 398, 676)
	s.sleep()
	s.shot("07-file-dialog")
	s.click(winA, 465, 230)
	s.click(winA, 894, 598)
	// Bob's node has the message: a picture (102) whose URL serves the picture's bytes on both
	// computers' nodes (B's fetches the blob from A's over the office's port).
	u := s.waitPicture(bob, "bob")
	for _, api := range []string{s.api, apiB} {
		var got bytes.Buffer
		c := client.New(api, nil)
		if _, err := c.Download(context.Background(), c.LocalURL(u), &got, nil); err != nil || !bytes.Equal(got.Bytes(), picture) {
			t.Fatalf("GET %s on %s: %d bytes (want %d), %v", u, api, got.Len(), len(picture), err)
		}
	}
	s.sleep() // window B draws the thumbnail
	s.shot("08-picture-sent")

	// A's office panel lists both computers.
	s.keys(winA, "ctrl+4")
	s.sleep()
	s.shot("09-office")

	// Window B quits with the mouse through the app menu (the menu bar's LanIM, then Quit
	// LanIM); window A's close button (the window manager's WM_DELETE_WINDOW) quits it too, since
	// without a session bus it has no tray to stay in. Both close their node cleanly.
	s.click(winB, 36, 13)
	s.sleep()
	s.shot("10-app-menu")
	s.click(winB, 50, 44)
	s.quitClean(b, apiB)
	if err := closeWindow(winA); err != nil {
		t.Fatalf("closing window A: %v", err)
	}
	s.quitClean(a, s.api)
}

// quitClean waits for an app to exit on its own with status 0, its API closed and no error
// from the node's shutdown in its log.
func (s *smoke) quitClean(p *proc, api string) {
	s.t.Helper()
	if !p.WaitExit(waitFor) {
		s.shot("failed-quit-" + p.name)
		s.t.Fatalf("window %s still runs after its Quit", p.name)
	}
	if code := p.Cmd.ProcessState.ExitCode(); code != 0 {
		s.t.Fatalf("window %s: exit status %d:\n%s", p.name, code, p.Log())
	}
	if err := client.New(api, nil).Call(context.Background(), "/auth/parse_token", map[string]string{"token": "x"}, nil); openim.Code(err) != 0 {
		s.t.Fatalf("window %s quit but its node still answers on %s", p.name, api)
	}
	for i, a := range p.Args {
		if a == "--data" && i+1 < len(p.Args) {
			raw, _ := os.ReadFile(filepath.Join(p.Args[i+1], "lanim.log"))
			if strings.Contains(string(raw), "node shutdown") {
				s.t.Fatalf("window %s: the node did not shut down cleanly:\n%s", p.name, raw)
			}
		}
	}
}

// proc is a running app; its output (the node's "ready" lines) is in its log.
type proc struct {
	*nodeproc.Proc
	name string
}

func (s *smoke) start(name string, args ...string) *proc {
	s.t.Helper()
	p := &proc{name: name, Proc: &nodeproc.Proc{Bin: s.bin, Args: args, Env: s.env,
		LogPath: filepath.Join(s.t.TempDir(), "output.log")}}
	if err := p.Start(); err != nil {
		s.t.Fatalf("window %s: %v", name, err)
	}
	s.t.Cleanup(func() {
		if p.Running() {
			_ = p.Kill(waitFor)
		}
		if s.t.Failed() {
			s.t.Logf("output of window %s:\n%s", name, p.Log())
			s.logWarnings(name, args)
		}
	})
	return p
}

// logWarnings logs the warnings and errors of an app's log file (DIR/lanim.log: the node's and
// the window's), to tell why a step failed.
func (s *smoke) logWarnings(name string, args []string) {
	for i, a := range args {
		if a != "--data" || i+1 == len(args) {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(args[i+1], "lanim.log"))
		if err != nil {
			s.t.Logf("log of window %s: %v", name, err)
			return
		}
		var lines []string
		for _, l := range strings.Split(string(raw), "\n") {
			if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
				lines = append(lines, l)
			}
		}
		s.t.Logf("warnings in the log of window %s:\n%s", name, strings.Join(lines[max(0, len(lines)-40):], "\n"))
	}
}

// window waits for the app's window (1100x720, the first-start size), then puts it at x: the two
// apps sit side by side on the 2200-pixel screen make test-gui asks Xvfb for.
func (s *smoke) window(p *proc, x int) string {
	s.t.Helper()
	var id string
	s.until("the window of "+p.name, func() bool {
		out, err := exec.Command("xdotool", "search", "--onlyvisible", "--pid", fmt.Sprint(p.Cmd.Process.Pid)).Output()
		if err != nil {
			return false
		}
		id = strings.TrimSpace(strings.Split(string(out), "\n")[0])
		return id != ""
	})
	s.xdo("windowmove", id, fmt.Sprint(x), "0")
	s.sleep()
	return id
}

func (s *smoke) xdo(args ...string) {
	s.t.Helper()
	if out, err := exec.Command("xdotool", args...).CombinedOutput(); err != nil {
		s.t.Fatalf("xdotool %v: %v: %s", args, err, out)
	}
}

// focus gives a window the keyboard (there is no window manager under Xvfb to do it).
func (s *smoke) focus(win string) {
	s.xdo("windowfocus", "--sync", win)
}

func (s *smoke) keys(win string, keys ...string) {
	s.t.Helper()
	s.focus(win)
	for _, k := range keys {
		s.xdo("key", "--delay", "80", k)
	}
}

// click clicks the left button at x,y of a window.
func (s *smoke) click(win string, x, y int) {
	s.t.Helper()
	s.focus(win)
	s.xdo("mousemove", "--window", win, fmt.Sprint(x), fmt.Sprint(y))
	s.xdo("click", "1")
	time.Sleep(300 * time.Millisecond)
}

func (s *smoke) typeText(win, text string) {
	s.t.Helper()
	s.focus(win)
	s.xdo("type", "--delay", "25", text)
}

// typeFields types into a form's fields, Tab between them.
func (s *smoke) typeFields(win string, values ...string) {
	s.t.Helper()
	for i, v := range values {
		if i > 0 {
			s.keys(win, "Tab")
		}
		s.typeText(win, v)
	}
}

// sleep lets the window redraw after a screen change (layout only; every assertion polls).
func (s *smoke) sleep() { time.Sleep(700 * time.Millisecond) }

func (s *smoke) shot(name string) {
	s.t.Helper()
	s.sleep()
	path := filepath.Join(s.shots, name+".png")
	if out, err := exec.Command("import", "-window", "root", path).CombinedOutput(); err != nil {
		s.t.Fatalf("screenshot: %v: %s", err, out)
	}
	s.t.Logf("screenshot %s", path)
}

func (s *smoke) until(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			s.shot(fmt.Sprintf("failed-%02d", s.n))
			s.n++
			s.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(pollEvery)
	}
}

func (s *smoke) waitAPI() {
	s.t.Helper()
	c := client.New(s.api, nil)
	s.until("the node's API", func() bool {
		err := c.Call(context.Background(), "/auth/parse_token", map[string]string{"token": "x"}, nil)
		return openim.Code(err) != 0
	})
}

// inviteCode makes a join code on A's node as an office admin, with their own token.
func (s *smoke) inviteCode(admin *client.Client) string {
	s.t.Helper()
	code, err := admin.Invite(context.Background())
	if err != nil {
		s.t.Fatal(err)
	}
	return code
}

// waitOnline waits until the node at api tells who (signed in there as an iOS session, so no
// app or test session is kicked) that userID is online.
func (s *smoke) waitOnline(api, who, userID string) {
	s.t.Helper()
	c := client.New(api, nil)
	r, err := c.Login(context.Background(), client.Login{UserID: who, Password: "password1", PlatformID: 1})
	if err != nil {
		s.t.Fatal(err)
	}
	c = c.WithToken(r.Token)
	s.until(userID+" online on "+api, func() bool {
		var out []struct {
			UserID string `json:"userID"`
			Status int32  `json:"status"`
		}
		err := c.Call(context.Background(), "/user/get_users_online_status", map[string]any{"userIDs": []string{userID}}, &out)
		return err == nil && len(out) == 1 && out[0].Status == 1
	})
}

// login signs in through the API (as the web platform) once the window has created the account.
func (s *smoke) login(userID string) *client.Client {
	s.t.Helper()
	c := client.New(s.api, nil)
	var token string
	s.until("the account "+userID, func() bool {
		r, err := c.Login(context.Background(), client.Login{UserID: userID, Password: "password1",
			PlatformID: webPlatform})
		if err == nil {
			token = r.Token
		}
		return err == nil
	})
	return c.WithToken(token)
}

// send sends a text message as a user over the msg gateway.
func (s *smoke) send(c *client.Client, from, to, text string) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	conn, err := client.Dial(ctx, s.ws, client.DialOptions{UserID: from, Token: c.Token(), PlatformID: webPlatform})
	if err != nil {
		s.t.Fatal(err)
	}
	defer conn.Close()
	content := fmt.Sprintf(`{"content":%q}`, text)
	msg := &pb.MsgData{SendID: from, RecvID: to, ClientMsgID: fmt.Sprintf("%032x", time.Now().UnixNano()),
		SenderPlatformID: webPlatform, SessionType: 1, MsgFrom: 100, ContentType: 101, Content: []byte(content),
		CreateTime: time.Now().UnixMilli(), Options: map[string]bool{}}
	if _, err := conn.SendMsg(ctx, msg); err != nil {
		s.t.Fatal(err)
	}
}

// chat is a user's single chat with the other user, as the node reports it.
func (s *smoke) chat(c *client.Client, owner string) *pb.ConversationMsg {
	var r pb.GetActiveConversationsResp
	if err := c.Call(context.Background(), "/jssdk/get_active_conversations", map[string]any{"ownerUserID": owner,
		"count": 10}, &r); err != nil || len(r.Conversations) == 0 {
		return nil
	}
	return r.Conversations[0]
}

// waitLast waits until the user's chat ends with text.
func (s *smoke) waitLast(c *client.Client, owner, text string) {
	s.t.Helper()
	s.until(owner+"'s chat to end with “"+text+"”", func() bool {
		m := s.chat(c, owner)
		return m != nil && m.LastMsg != nil && strings.Contains(string(m.LastMsg.Content), text)
	})
}

// waitPicture waits until the user's chat ends with a picture message and returns its URL.
func (s *smoke) waitPicture(c *client.Client, owner string) string {
	s.t.Helper()
	var u string
	s.until(owner+"'s chat to end with a picture", func() bool {
		m := s.chat(c, owner)
		if m == nil || m.LastMsg == nil || m.LastMsg.ContentType != 102 {
			return false
		}
		var e struct {
			SourcePicture struct {
				URL string `json:"url"`
			} `json:"sourcePicture"`
		}
		if err := json.Unmarshal(m.LastMsg.Content, &e); err != nil {
			s.t.Fatalf("picture content %s: %v", m.LastMsg.Content, err)
		}
		u = e.SourcePicture.URL
		return u != ""
	})
	return u
}

// whiteboardPNG is the picture window A sends: a 640x400 gradient.
func whiteboardPNG(t *testing.T) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 640, 400))
	for y := range 400 {
		for x := range 640 {
			img.Set(x, y, color.NRGBA{uint8(x * 255 / 640), uint8(y * 255 / 400), 180, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// waitRead waits until the user's window has marked the chat read: it showed the messages.
func (s *smoke) waitRead(c *client.Client, owner string) {
	s.t.Helper()
	s.until(owner+"'s window to read the chat", func() bool {
		m := s.chat(c, owner)
		return m != nil && m.MaxSeq > 0 && m.ReadSeq >= m.MaxSeq
	})
}
