package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/ui"
)

// demoPassword is every demo account's password.
const demoPassword = "lanim-demo"

// runDemo opens the app on a sample office: the embedded node, as `lanim` runs it, on a throwaway
// data dir (removed at exit), seeded through the node's API by the office's own users, and the
// window signed in as Ann.
func runDemo(ctx context.Context, a fyne.App, icon fyne.Resource, stdout io.Writer) (err error) {
	dir, err := os.MkdirTemp("", "lanim-demo-")
	if err != nil {
		return fmt.Errorf("demo data dir: %w", err)
	}
	defer os.RemoveAll(dir)
	logFile, err := os.Create(filepath.Join(dir, "lanim.log"))
	if err != nil {
		return fmt.Errorf("log file: %w", err)
	}
	defer logFile.Close()
	log := slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: slog.LevelInfo}))
	clock := &demoClock{}
	cfg := &NodeConfig{DataDir: filepath.Join(dir, "node"), APIAddr: "127.0.0.1:0", WSAddr: "127.0.0.1:0",
		Cluster: ClusterFlags{Discovery: "off"}, Now: clock.now}
	n, err := StartNode(ctx, cfg, io.Discard, log)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := n.Close(); cerr != nil {
			log.Error("node shutdown", "err", cerr)
		}
	}()
	newBackend := func() *ui.ClientBackend {
		return ui.NewClientBackend(ui.ClientConfig{APIAddr: n.APIAddr(), WSAddr: n.WSAddr(), AdminSecret: n.AdminSecret, Log: log})
	}
	session, err := seedDemo(ctx, newBackend, clock, time.Now())
	if err != nil {
		return fmt.Errorf("seed the demo office: %w", err)
	}
	sessionPath := filepath.Join(dir, "desktop-session.json")
	if err := ui.SaveSession(sessionPath, session); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "lanim: demo office; signed in as ann (bob, cyrus, dana, eve and farid too) with password %s\n",
		demoPassword)
	be := newBackend()
	defer be.Close()
	defer quitOnSignal(ctx, a)()
	ui.Run(a, be, ui.Options{Icon: icon, Title: "LanIM (demo)", SessionPath: sessionPath, Log: log})
	return nil
}

// demoClock is the demo node's clock: the seeding moves it back to each sample message's time
// (it runs on from there), then back to the real time.
type demoClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *demoClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// set makes now() read t (zero: the real time).
func (c *demoClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = 0
	if !t.IsZero() {
		c.offset = time.Until(t)
	}
}

// demoPerson is an account of the sample office.
type demoPerson struct{ id, name, face string }

var demoPeople = []demoPerson{
	{"ann", "Ann Lee", "emoji:🦊"}, {"bob", "Bob Martin", ""}, {"cyrus", "Cyrus Wong", "emoji:🐼"},
	{"dana", "Dana Kovac", ""}, {"eve", "Eve Adams", "emoji:🌻"}, {"farid", "Farid Haddad", ""},
}

// demoSeeder makes the sample office's calls as its users, each at its moment of the last days;
// the first error stops the rest.
type demoSeeder struct {
	ctx   context.Context
	clock *demoClock
	at    time.Time
	be    map[string]*ui.ClientBackend
	self  map[string]*pb.UserInfo
	err   error
}

// do runs one call at the seeder's time unless an earlier one failed.
func (s *demoSeeder) do(what string, f func(ctx context.Context) error) {
	if s.err != nil {
		return
	}
	s.clock.set(s.at)
	if err := f(s.ctx); err != nil {
		s.err = fmt.Errorf("%s: %w", what, err)
	}
}

func (s *demoSeeder) step(d time.Duration) { s.at = s.at.Add(d) }

func (s *demoSeeder) send(from string, conv *ui.Conversation, text string, at []string) {
	s.do(from+" says "+text, func(ctx context.Context) error {
		_, err := s.be[from].Send(ctx, ui.NewTextMessage(s.self[from], conv, text, at, s.at.UnixMilli()))
		return err
	})
}

// say is a message in the single chat of from and to.
func (s *demoSeeder) say(from, to, text string) {
	s.send(from, &ui.Conversation{Type: openim.SingleChat, PeerID: to}, text, nil)
	s.step(2 * time.Minute)
}

// sayGroup is a message to a group, mentioning the users in at.
func (s *demoSeeder) sayGroup(from, groupID, text string, at ...string) {
	s.send(from, &ui.Conversation{Type: openim.ReadGroupChat, GroupID: groupID}, text, at)
	s.step(3 * time.Minute)
}

// attach sends a picture or file the way the app does: upload, then the message with its URL.
func (s *demoSeeder) attach(from, to, name string, data []byte) {
	s.do(from+" sends "+name, func(ctx context.Context) error {
		_, err := ui.SendAttachment(ctx, s.be[from], s.self[from], &ui.Conversation{Type: openim.SingleChat, PeerID: to},
			name, data, s.at.UnixMilli())
		return err
	})
	s.step(2 * time.Minute)
}

func (s *demoSeeder) befriend(a, b string) {
	s.do(a+" befriends "+b, func(ctx context.Context) error {
		if err := s.be[a].AddFriend(ctx, b, "Hi!"); err != nil {
			return err
		}
		return s.be[b].RespondFriend(ctx, a, true)
	})
}

// markRead marks user's conversations read: only convID, or (convID "") all but those in except,
// whose last two messages stay unread.
func (s *demoSeeder) markRead(user, convID string, except ...string) {
	s.do(user+" reads", func(ctx context.Context) error {
		convs, err := s.be[user].Conversations(ctx)
		if err != nil {
			return err
		}
		for _, c := range convs {
			if convID != "" && c.ID != convID {
				continue
			}
			seq := c.MaxSeq
			if slices.Contains(except, c.ID) {
				seq -= 2
			}
			if seq <= c.ReadSeq { // read already (a mention stays marked)
				continue
			}
			if err := s.be[user].MarkRead(ctx, c.ID, seq); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *demoSeeder) createGroup(owner string, info *pb.GroupInfo, members ...string) string {
	var id string
	s.do(owner+" creates "+info.GroupName, func(ctx context.Context) error {
		g, err := s.be[owner].CreateGroup(ctx, info, members)
		if err == nil {
			id = g.GroupID
		}
		return err
	})
	return id
}

// seedDemo fills a fresh office with a small team, friendships, two groups and a few days of
// conversation ending at now, through the node's API as each user. It returns Ann's session.
func seedDemo(ctx context.Context, newBackend func() *ui.ClientBackend, clock *demoClock, now time.Time) (*ui.Session, error) {
	// day is a time of day some days before now, in now's zone.
	day := func(daysAgo, hour, minute int) time.Time {
		y, m, d := now.AddDate(0, 0, -daysAgo).Date()
		return time.Date(y, m, d, hour, minute, 0, 0, now.Location())
	}
	s := &demoSeeder{ctx: ctx, clock: clock, at: day(3, 9, 5), be: map[string]*ui.ClientBackend{},
		self: map[string]*pb.UserInfo{}}
	defer clock.set(time.Time{})
	defer func() {
		for _, b := range s.be {
			b.Close()
		}
	}()
	var annSession *ui.Session
	for _, p := range demoPeople {
		b := newBackend()
		s.be[p.id] = b
		s.self[p.id] = &pb.UserInfo{UserID: p.id, Nickname: p.name, FaceURL: p.face}
		s.do("sign up "+p.id, func(ctx context.Context) error {
			session, err := b.SignUp(ctx, p.id, p.name, demoPassword)
			if err != nil {
				return err
			}
			if p.id == "ann" {
				annSession = session
			}
			if p.face == "" {
				return nil
			}
			return b.UpdateSelf(ctx, p.name, p.face)
		})
	}
	// Ann created the office; Cyrus (IT) helps run it.
	s.do("name the office", func(ctx context.Context) error { return s.be["ann"].NameOffice(ctx, "Acme Design Studio") })
	for _, admin := range []string{"ann", "cyrus"} {
		s.do("office admin "+admin, func(ctx context.Context) error { return s.be["ann"].SetOfficeAdmin(ctx, admin, true) })
	}
	for _, b := range []string{"bob", "cyrus", "dana", "eve"} {
		s.befriend("ann", b)
	}
	s.befriend("bob", "cyrus")
	s.befriend("bob", "dana")
	s.do("ann's remark for cyrus", func(ctx context.Context) error { return s.be["ann"].SetRemark(ctx, "cyrus", "Cy (IT)") })

	design := s.createGroup("ann", &pb.GroupInfo{GroupName: "Design team", GroupType: 2,
		Notification: "Weekly review on Thursdays at 10:00 in the big room."}, "bob", "cyrus", "dana")
	s.step(10 * time.Minute)
	s.sayGroup("ann", design, "Welcome to the design team channel 👋")
	s.sayGroup("bob", design, "Thanks Ann! I'll post the new mockups here later today.")
	s.sayGroup("dana", design, "Great, looking forward to it.")
	s.at = day(2, 9, 40)
	s.do("ann invites eve", func(ctx context.Context) error { return s.be["ann"].Invite(ctx, design, []string{"eve"}) })
	s.step(5 * time.Minute)
	s.sayGroup("eve", design, "Hi everyone, happy to be here!")
	s.do("bob an admin", func(ctx context.Context) error { return s.be["ann"].SetRole(ctx, design, "bob", openim.RoleAdmin) })
	// Ann reads the team's channel before the last two messages, which stay unread (one mentions her).
	s.markRead("ann", openim.GroupConversationID(design))
	s.step(time.Hour)
	s.sayGroup("bob", design, "Mockups are in the shared folder: /design/2024/onboarding. Feedback welcome!")
	s.sayGroup("cyrus", design, "@Ann Lee the projector in the big room is fixed, by the way.", "ann")

	lunch := s.createGroup("bob", &pb.GroupInfo{GroupName: "Lunch club", GroupType: 2}, "ann", "dana")
	s.step(20 * time.Minute)
	s.sayGroup("dana", lunch, "Pizza on Friday? 🍕")
	s.sayGroup("bob", lunch, "Count me in")

	s.at = day(1, 9, 12)
	s.say("bob", "ann", "Morning! Do you have a minute to go over the onboarding flow?")
	s.say("ann", "bob", "Sure, give me ten minutes ☕")
	s.say("bob", "ann", "Perfect. I'd like to simplify the first screen: only two choices, create or join.")
	s.say("ann", "bob", "Agreed. And the join code should be one paste, nothing else to type.")
	s.step(time.Hour)
	s.say("cyrus", "ann", "The new laptop is ready for Farid, I'll set LanIM up on it this afternoon.")
	s.say("ann", "cyrus", "Thanks Cy!")
	s.step(3 * time.Hour)
	s.say("eve", "ann", "Could you review my slides before tomorrow?")

	// Today.
	s.at = now.Add(-95 * time.Minute)
	if y, m, d := s.at.Date(); d != now.Day() || m != now.Month() || y != now.Year() {
		s.at = day(0, 0, 5)
	}
	s.say("dana", "ann", "Are we still on for the review at 3?")
	s.say("ann", "dana", "Yes, see you there.")
	s.attach("ann", "dana", "Review agenda.txt", []byte("1. Onboarding flow\n2. Join codes\n3. Files and pictures\n"))
	s.step(30 * time.Minute)
	s.say("bob", "ann", "I pushed the changes we talked about. The first screen now has just the two cards, and the join flow is a single paste of the code. Let me know what you think when you have a moment!")
	s.attach("bob", "ann", "onboarding-mockup.png", demoMockup())
	s.step(20 * time.Minute)
	s.say("eve", "ann", "Slides are in your inbox 🙏")
	s.attach("eve", "ann", "Q3 review slides.pdf", []byte("%PDF-1.4\n% LanIM demo slides\n"+strings.Repeat("0", 184_000)))

	s.do("farid asks ann", func(ctx context.Context) error {
		return s.be["farid"].AddFriend(ctx, "ann", "Hi Ann, Cyrus set me up. I'm the new backend developer.")
	})
	s.do("farid asks to join", func(ctx context.Context) error {
		return s.be["farid"].ApplyToJoin(ctx, design, "Could I join the design reviews?")
	})

	// Ann read everything but today's last messages; the design team is pinned, lunch is muted.
	s.markRead("ann", "", openim.SingleConversationID("ann", "bob"), openim.SingleConversationID("ann", "eve"),
		openim.GroupConversationID(design))
	s.do("ann pins the design team", func(ctx context.Context) error {
		return s.be["ann"].PinConversation(ctx, openim.GroupConversationID(design), true)
	})
	s.do("ann mutes lunch", func(ctx context.Context) error {
		return s.be["ann"].SetRecvOpt(ctx, openim.GroupConversationID(lunch), openim.RecvNotNotify)
	})
	for id, b := range s.be {
		if id != "ann" {
			s.do("sign out "+id, b.SignOut)
		}
	}
	if s.err == nil && annSession == nil {
		s.err = errors.New("ann has no session")
	}
	return annSession, s.err
}

// demoMockup draws the demo's picture message: a wireframe of the two-card welcome screen.
func demoMockup() []byte {
	const w, h = 960, 600
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	fill := func(r image.Rectangle, c color.NRGBA) {
		draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
	}
	fill(img.Rect, color.NRGBA{0xF1, 0xF5, 0xF9, 0xFF})
	fill(image.Rect(0, 0, w, 64), color.NRGBA{0x3B, 0x82, 0xF6, 0xFF})
	fill(image.Rect(40, 20, 220, 44), color.NRGBA{0xFF, 0xFF, 0xFF, 0xC0})
	for i, c := range []color.NRGBA{{0x10, 0xB9, 0x81, 0xFF}, {0x8B, 0x5C, 0xF6, 0xFF}} {
		x := 120 + i*380
		fill(image.Rect(x, 140, x+340, 480), color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF})
		fill(image.Rect(x+120, 190, x+220, 290), c)
		fill(image.Rect(x+60, 330, x+280, 350), color.NRGBA{0x33, 0x41, 0x55, 0xFF})
		fill(image.Rect(x+90, 370, x+250, 384), color.NRGBA{0x94, 0xA3, 0xB8, 0xFF})
		fill(image.Rect(x+110, 420, x+230, 452), c)
	}
	var buf bytes.Buffer
	png.Encode(&buf, img) // encoding to memory does not fail
	return buf.Bytes()
}
