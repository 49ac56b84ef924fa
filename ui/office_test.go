package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"lanim/node/client"
	"lanim/node/gateway/wire"
	"lanim/node/openim"
	"lanim/node/pb"
)

// The screen tests run against a real node: app.StartNode on a temp dir and free loopback ports.
// Package ui cannot import app (app imports ui), so realnode_test.go (package ui_test, in the same
// test binary) sets StartNode before the tests run.

// Node is a running node as the screen tests use it (*app.Node).
type Node interface {
	APIAddr() string
	WSAddr() string
	AdminSecret() (string, error)
	Close() error
}

// StartNode starts a node on a temp dir (removed by Close). clusterAddr (a loopback address: no
// mDNS) makes it an office on the network, which join codes need; now is its clock.
var StartNode func(clusterAddr string, now func() time.Time) (Node, error)

// TestMain closes the nodes still starting or closing when the tests end.
func TestMain(m *testing.M) {
	code := m.Run()
	nodes.shutdown()
	os.Exit(code)
}

// nodes keeps one standalone node started ahead, so a test does not wait for a node's start (its
// Raft election takes a second or two), and closes nodes behind the tests.
var nodes = &nodePool{}

type nodePool struct {
	mu      sync.Mutex
	next    chan warmNode // the node started ahead (nil: none yet)
	closing sync.WaitGroup
}

type warmNode struct {
	node  Node
	clock *testClock
	err   error
}

// start starts a node in the background.
func (p *nodePool) start(clusterAddr string) chan warmNode {
	ch := make(chan warmNode, 1)
	go func() {
		clock := &testClock{}
		n, err := StartNode(clusterAddr, clock.now)
		ch <- warmNode{n, clock, err}
	}()
	return ch
}

// take returns a started node, whose close runs in the background when the test ends.
func (p *nodePool) take(t testing.TB, clusterAddr string) (Node, *testClock) {
	t.Helper()
	var ch chan warmNode
	if clusterAddr != "" {
		ch = p.start(clusterAddr)
	} else {
		p.mu.Lock()
		ch = p.next
		if ch == nil {
			ch = p.start("")
		}
		p.next = p.start("")
		p.mu.Unlock()
	}
	w := <-ch
	if w.err != nil {
		t.Fatalf("start node: %v", w.err)
	}
	p.closing.Add(1)
	t.Cleanup(func() {
		go func() {
			defer p.closing.Done()
			w.node.Close()
		}()
	})
	return w.node, w.clock
}

// shutdown closes the node started ahead and waits for the closes under way.
func (p *nodePool) shutdown() {
	p.mu.Lock()
	ch := p.next
	p.next = nil
	p.mu.Unlock()
	if ch != nil {
		if w := <-ch; w.err == nil {
			w.node.Close()
		}
	}
	p.closing.Wait()
}

// testClock is a test node's clock: from reset on it reads testNow and runs at a tenth of the real
// pace, so the times the screens show (and the masters hold) stay those of testNow, while the
// node's rate limits and expiries still see time pass.
type testClock struct {
	mu    sync.Mutex
	start time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return testNow.Add(time.Since(c.start) / 10)
}

func (c *testClock) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.start = time.Now()
}

// testOffice is one test's node.
type testOffice struct {
	t    testing.TB
	node Node

	mu     sync.Mutex
	groups int // groups its probes created
}

// officeOptions tune newOffice.
type officeOptions struct {
	// clusterAddr: see StartNode.
	clusterAddr string
	// name is the office's name ("" leaves the node's default).
	name string
}

// newOffice is a fresh node for the test, its clock at testNow.
func newOffice(t testing.TB, o officeOptions) *testOffice {
	t.Helper()
	if StartNode == nil {
		t.Fatal("no StartNode: realnode_test.go sets it")
	}
	n, clock := nodes.take(t, o.clusterAddr)
	clock.reset()
	off := &testOffice{t: t, node: n}
	if o.name != "" {
		if err := off.backend().NameOffice(context.Background(), o.name); err != nil {
			t.Fatalf("name the office: %v", err)
		}
	}
	return off
}

func (o *testOffice) config(adminSecret bool) ClientConfig {
	var out io.Writer = io.Discard
	if os.Getenv("LANIM_UI_DEBUG") != "" {
		out = os.Stderr
	}
	cfg := ClientConfig{APIAddr: o.node.APIAddr(), WSAddr: o.node.WSAddr(),
		Log: slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if adminSecret {
		cfg.AdminSecret = o.node.AdminSecret
	}
	return cfg
}

// backend is a new app on the node's own computer (it holds the admin secret).
func (o *testOffice) backend() *ClientBackend {
	b := NewClientBackend(o.config(true))
	o.t.Cleanup(b.Close)
	return b
}

// signUp makes accounts (password "password1", nickname the ID capitalised) and returns their
// sessions, signed in on the node.
func (o *testOffice) signUp(users ...string) map[string]*Session {
	o.t.Helper()
	sessions := map[string]*Session{}
	for _, u := range users {
		s, err := o.backend().SignUp(context.Background(), u, strings.ToUpper(u[:1])+u[1:], "password1")
		if err != nil {
			o.t.Fatalf("sign up %s: %v", u, err)
		}
		sessions[u] = s
	}
	return sessions
}

// signIn opens a window on be and signs in through the sign-in screen.
func signIn(t testing.TB, a fyne.App, be Backend, user string) *Harness {
	t.Helper()
	h := NewHarness(t, a, be, HarnessOptions{})
	h.WaitText("Sign in to LanIM")
	h.Fill(user, "password1")
	h.Tap("Sign in")
	h.SignedIn()
	waitConnected(h)
	return h
}

// resumeIn opens a window on be that resumes a saved session, as the app's next start does.
func resumeIn(t testing.TB, a fyne.App, be Backend, s *Session) *Harness {
	t.Helper()
	dir := t.TempDir()
	if err := SaveSession(filepath.Join(dir, "session.json"), s); err != nil {
		t.Fatal(err)
	}
	h := NewHarness(t, a, be, HarnessOptions{SessionDir: dir})
	h.SignedIn()
	waitConnected(h)
	return h
}

// waitConnected waits until the window's backend has its WebSocket: pushes sent before it would
// miss the window (its first loads may have gone out before the test's setup).
func waitConnected(h *Harness) {
	h.T.Helper()
	c, ok := h.C.be.(interface{ connected() bool })
	if !ok {
		h.T.Fatalf("%T has no connected()", h.C.be)
	}
	h.WaitFor("the WebSocket", c.connected)
	h.Settle()
}

// connected reports whether the backend has its WebSocket to the node.
func (b *ClientBackend) connected() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.conn != nil
}

// realApp is an office named "Test office" with users signed up and a window per user on a probe,
// which resumes the user's session as the app does on its next start.
func realApp(t *testing.T, users ...string) (*testOffice, fyne.App, map[string]*Harness) {
	t.Helper()
	return realAppWith(t, officeOptions{name: "Test office"}, users...)
}

// realAppWith is realApp on an office made with o.
func realAppWith(t *testing.T, oo officeOptions, users ...string) (*testOffice, fyne.App, map[string]*Harness) {
	t.Helper()
	o := newOffice(t, oo)
	sessions := o.signUp(users...)
	a := NewTestApp(t)
	hs := map[string]*Harness{}
	for _, u := range users {
		hs[u] = resumeIn(t, a, o.newProbe(false), sessions[u])
	}
	return o, a, hs
}

// befriend makes two signed-in users friends through their windows' backends.
func befriend(t *testing.T, a, b *Harness) {
	t.Helper()
	ctx := context.Background()
	if err := a.C.be.AddFriend(ctx, b.SelfID(), "hi"); err != nil {
		t.Fatal(err)
	}
	if err := b.C.be.RespondFriend(ctx, a.SelfID(), true); err != nil {
		t.Fatal(err)
	}
	a.WaitFor(b.SelfID()+" in the friends", func() bool { return a.C.friendOf(b.SelfID()) })
	b.WaitFor(a.SelfID()+" in the friends", func() bool { return b.C.friendOf(a.SelfID()) })
}

// userMessages are the users' messages of a conversation as the node stores them (its newest
// 100, oldest first), without system lines.
func userMessages(t testing.TB, be Backend, convID string) []*pb.MsgData {
	t.Helper()
	msgs, err := be.History(context.Background(), convID, 0, 100)
	if err != nil {
		t.Fatalf("history of %s: %v", convID, err)
	}
	var out []*pb.MsgData
	for _, m := range msgs {
		if m.MsgFrom == openim.MsgFromUser {
			out = append(out, m)
		}
	}
	return out
}

// lastMessage is the newest user message of a conversation on the node (nil: none).
func lastMessage(t testing.TB, be Backend, convID string) *pb.MsgData {
	t.Helper()
	msgs := userMessages(t, be, convID)
	if len(msgs) == 0 {
		return nil
	}
	return msgs[len(msgs)-1]
}

// object is the bytes the node serves at an object URL.
func object(t testing.TB, be Backend, url string) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := be.Download(context.Background(), url, &b, nil); err != nil {
		t.Fatalf("download %s: %v", url, err)
	}
	return b.Bytes()
}

// probe is a window's real backend with the test's hands on what only the network or the machine
// decides: uploads held half way or failed, the downloads made, the offices on the LAN, the
// identity of the computers in the office panel, and the office out of reach. It holds no rules:
// every answer is the node's, or fixed data.
type probe struct {
	*ClientBackend

	mu        sync.Mutex
	hold      chan struct{} // uploads wait half way until it closes (nil: they go)
	fail      int           // uploads left to fail
	downloads []string
	lan       []OfficeAd
	joins     []probeJoin
	cutOff    bool
	queued    []*pb.MsgData
	noLAN     bool          // Discover answers as a node that does not search the network
	joinHold  chan struct{} // joins wait until it closes (nil: they go)
	listHold  *listHold     // the next conversation list load (nil: none held)
	office    *testOffice
}

type probeJoin struct {
	Code string
	Via  *OfficeAd
}

// newProbe wraps a new backend on the office (elsewhere: on another computer).
func (o *testOffice) newProbe(elsewhere bool) *probe {
	cfg := o.config(!elsewhere)
	p := &probe{office: o}
	cfg.Join = func(ctx context.Context, code string, via *OfficeAd) error {
		p.mu.Lock()
		hold := p.joinHold
		p.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		p.mu.Lock()
		defer p.mu.Unlock()
		p.joins = append(p.joins, probeJoin{code, via})
		return nil
	}
	p.ClientBackend = NewClientBackend(cfg)
	o.t.Cleanup(p.ClientBackend.Close)
	return p
}

// probeOf is the probe a window of realApp runs on.
func probeOf(h *Harness) *probe { return h.C.be.(*probe) }

// holdUploads makes uploads stop half way until the returned func is called.
func (p *probe) holdUploads() (release func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ch := make(chan struct{})
	p.hold = ch
	return sync.OnceFunc(func() { close(ch) })
}

// failUploads makes the next n uploads fail as a dropped connection does.
func (p *probe) failUploads(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fail = n
}

// errDropped is how a failed upload fails: the connection to the node dropped.
var errDropped = errors.New("the connection to the node dropped")

func (p *probe) Upload(ctx context.Context, name, contentType string, r io.ReaderAt, size int64,
	progress func(done, total int64)) (string, error) {
	p.mu.Lock()
	hold, fail := p.hold, p.fail > 0
	if fail {
		p.fail--
	}
	p.mu.Unlock()
	if fail {
		return "", errDropped
	}
	if hold != nil {
		if progress != nil {
			progress(size/2, size)
		}
		select {
		case <-hold:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return p.ClientBackend.Upload(ctx, name, contentType, r, size, progress)
}

func (p *probe) Download(ctx context.Context, url string, w io.Writer, progress func(done, total int64)) (int64, error) {
	p.mu.Lock()
	p.downloads = append(p.downloads, url)
	p.mu.Unlock()
	return p.ClientBackend.Download(ctx, url, w, progress)
}

// Downloads lists the object URLs downloaded so far.
func (p *probe) Downloads() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.downloads...)
}

// setLAN sets the offices Discover finds.
func (p *probe) setLAN(ads []OfficeAd) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lan = ads
}

func (p *probe) Discover(context.Context) ([]OfficeAd, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.noLAN {
		return nil, ErrNoDiscovery
	}
	return append([]OfficeAd(nil), p.lan...), nil
}

// Joins lists the joins the window asked for.
func (p *probe) Joins() []probeJoin {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]probeJoin(nil), p.joins...)
}

// ClusterStatus is the node's, with the computers' identity (IDs, random ports, health figures)
// replaced by one fixed computer, so the office panel renders the same on every run.
func (p *probe) ClusterStatus(ctx context.Context) (*ClusterStatus, error) {
	st, err := p.ClientBackend.ClusterStatus(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	cutOff := p.cutOff
	p.mu.Unlock()
	st.NodeID, st.LeaderID = "node-1", "node-1"
	st.Nodes = []NodeStatus{{ID: "node-1", Name: "front-desk", Addr: "127.0.0.1", Voter: true, Leader: true, Reachable: true,
		Users: []string{p.me()}}}
	st.Health = []KV{{Key: "State", Value: "Leader"}, {Key: "Users", Value: "2"}}
	st.Extra = nil
	if cutOff { // the office lost its leader: as the node reports it, with nobody's health known
		st.LeaderID, st.HasQuorum = "", false
		st.Nodes[0].Leader, st.Nodes[0].Reachable = false, false
	}
	p.mu.Lock()
	if st.Outbox = len(p.queued); st.Outbox > 0 { // the held sends stand in for the node's outbox
		st.OutboxOldest = time.Minute
	}
	p.mu.Unlock()
	return st, nil
}

// CreateGroup names new groups g1, g2... in the order the test creates them (the node would draw
// a random ID, which the group page shows).
func (p *probe) CreateGroup(ctx context.Context, info *pb.GroupInfo, memberIDs []string) (*pb.GroupInfo, error) {
	if info.GroupID == "" {
		p.office.mu.Lock()
		p.office.groups++
		info.GroupID = fmt.Sprintf("g%d", p.office.groups)
		p.office.mu.Unlock()
	}
	return p.ClientBackend.CreateGroup(ctx, info, memberIDs)
}

// cut takes the office out of reach (no quorum): the window hears so, and sends wait as the
// node's outbox holds them.
func (p *probe) cut() {
	p.loseLeader()
	p.emit(ConnEvent{State: NoQuorum})
}

// loseLeader takes the office out of reach without telling the window: only its status (no
// leader) and its sends say so.
func (p *probe) loseLeader() {
	p.mu.Lock()
	p.cutOff = true
	p.mu.Unlock()
}

// reconnect brings the office back: the held sends go to the node, whose pushes tell the window.
func (p *probe) reconnect(t testing.TB) {
	p.mu.Lock()
	p.cutOff = false
	queued := p.queued
	p.queued = nil
	p.mu.Unlock()
	for _, m := range queued {
		if _, err := p.ClientBackend.Send(context.Background(), m); err != nil {
			t.Fatalf("send the held message: %v", err)
		}
	}
}

// held are the sends the cut holds, as the node's outbox would.
func (p *probe) held() []*pb.MsgData {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*pb.MsgData(nil), p.queued...)
}

// relayed hands the window the node's push of someone's message waiting in their computer's
// outbox (LanIM's 2090), as the relay brings it from there.
func (p *probe) relayed(m *pb.MsgData) {
	convID := openim.ChatConversationID(m.SessionType, m.SendID, m.RecvID, m.GroupID)
	push := client.Push{ReqIdentifier: wire.PendingMsg, Msgs: &pb.PushMessages{
		Msgs: map[string]*pb.PullMsgs{convID: {Msgs: []*pb.MsgData{m}}}}}
	for _, e := range p.translate(push) {
		p.emit(e)
	}
}

func (p *probe) Send(ctx context.Context, m *pb.MsgData) (*pb.MsgData, error) {
	p.mu.Lock()
	if p.cutOff {
		p.queued = append(p.queued, m)
		p.mu.Unlock()
		return nil, &openim.Error{Code: openim.ErrQueued.Code, Msg: "MessageQueued"}
	}
	p.mu.Unlock()
	return p.ClientBackend.Send(ctx, m)
}
