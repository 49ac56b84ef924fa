package replication

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
)

// pushLog records, in order, the pushes a node's FSM published.
type pushLog struct {
	mu     sync.Mutex
	pushes []*im.Push
}

func (l *pushLog) Publish(events []im.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range events {
		if e.Push != nil {
			l.pushes = append(l.pushes, e.Push)
		}
	}
}

func (l *pushLog) all() []*im.Push {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]*im.Push(nil), l.pushes...)
}

// noticeOffice is three members in one process whose leader never sends an AppendEntries just to
// carry the commit index (CommitTimeout of an hour): a follower learns a commit from the next
// entry, or from a commit notice.
func noticeOffice(t testing.TB, ctx context.Context) ([]*clusterNode, []*pushLog) {
	t.Helper()
	logs := []*pushLog{{}, {}, {}}
	nodes := officeOf3(t, ctx, []im.Sink{logs[0], logs[1], logs[2]}, func(c *Config) { c.Tuning.CommitTimeout = time.Hour })
	return nodes, logs
}

// officeOf3 is three members in one process, node-a founding the office and leading, each
// publishing to its sink; opts adjust every member's configuration.
func officeOf3(t testing.TB, ctx context.Context, sinks []im.Sink, opts ...func(*Config)) []*clusterNode {
	t.Helper()
	with := func(i int) []func(*Config) {
		return append(slices.Clone(opts), func(c *Config) { c.Sink = sinks[i] })
	}
	a := openClusterNode(t, "node-a", &ClusterConfig{Addr: "127.0.0.1:0",
		Autopilot: AutopilotTuning{Stabilization: 100 * time.Millisecond}}, with(0)...)
	if err := a.WaitLeader(ctx); err != nil {
		t.Fatal(err)
	}
	createOffice(t, ctx, a.Node)
	if err := a.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	nodes := []*clusterNode{a}
	for i, id := range []string{"node-b", "node-c"} {
		code, err := a.Invite(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := openClusterNode(t, id, &ClusterConfig{Addr: "127.0.0.1:0", JoinCode: code.Code}, with(i+1)...)
		if err := m.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, m)
	}
	return nodes
}

// TestCommitNoticeBringsCommits: with no AppendEntries after the last entry, every follower still
// applies it (and publishes its pushes): the commit notice told it. Messages of three
// conversations, each sent in turn through all three nodes, reach every node's sink once each and
// in the conversation's seq order.
func TestCommitNoticeBringsCommits(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	nodes, logs := noticeOffice(t, ctx)
	registerUsers(t, ctx, nodes[0], 6)

	// A lone entry: proposed on the leader, nothing follows it.
	lone := sendCommand(t, "u0", "u1", "lone")
	if res, err := nodes[0].Propose(ctx, lone); err != nil || res.Err != nil {
		t.Fatalf("send: %v %v", err, res)
	}
	last := nodes[0].AppliedIndex()
	for _, n := range nodes[1:] {
		if err := n.fsm.waitApplied(ctx, last); err != nil {
			t.Fatalf("%s never applied the lone entry %d: %v", n.selfID, last, err)
		}
	}

	// Three conversations at once; each sends its messages one after another through a, b, c, a...
	const perConversation = 30
	converse(t, 3, perConversation, func(i int, _ string, cmd *im.Command) error {
		return proposed(nodes[i%3].Propose(ctx, cmd))
	})
	last = nodes[0].AppliedIndex()
	for _, n := range nodes {
		if err := n.fsm.waitApplied(ctx, last); err != nil {
			t.Fatalf("%s never applied %d: %v", n.selfID, last, err)
		}
	}
	for i, l := range logs {
		checkPushes(t, nodes[i].selfID, l.all(), 1+3*perConversation)
	}
}

// checkPushes asserts that each message was pushed once and that each conversation's pushes came
// in seq order without a gap.
func checkPushes(t *testing.T, node any, pushes []*im.Push, want int) {
	t.Helper()
	seen := map[string]int{}
	lastSeq := map[string]int64{}
	for _, p := range pushes {
		seen[p.Msg.ClientMsgID]++
		if prev, ok := lastSeq[p.ConversationID]; ok && p.Msg.Seq != prev+1 {
			t.Errorf("%s: conversation %s: seq %d after %d", node, p.ConversationID, p.Msg.Seq, prev)
		}
		lastSeq[p.ConversationID] = p.Msg.Seq
	}
	if len(seen) != want {
		t.Errorf("%s: %d messages pushed, want %d", node, len(seen), want)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s: message %s pushed %d times", node, id, n)
		}
	}
}

// proposer is a node that takes writes: *Node, or a test's clusterNode.
type proposer interface {
	Propose(ctx context.Context, cmd *im.Command) (*im.Result, error)
}

// registerUsers registers u0 … u<count-1> ("User <i>") through n.
func registerUsers(t testing.TB, ctx context.Context, n proposer, count int) {
	t.Helper()
	var users []im.NewUser
	for i := range count {
		users = append(users, im.NewUser{UserID: fmt.Sprint("u", i), Nickname: fmt.Sprint("User ", i)})
	}
	admin := im.Caller{UserID: openim.AdminUserID, Platform: openim.PlatformAdmin}
	register, err := im.NewCommand("user.register", admin, time.Now().UnixMilli(), "op", &im.RegisterUsers{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := n.Propose(ctx, register); err != nil || res.Err != nil {
		t.Fatalf("register: %v %v", err, res)
	}
}

// converse runs conversations at once, conversation c from u<2c> to u<2c+1>, each sending
// perConversation messages one after another: message i of c (client ID "c<c>-<i>") goes to send,
// which proposes it. The test fails on any send's error.
func converse(t *testing.T, conversations, perConversation int, send func(i int, id string, cmd *im.Command) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, conversations)
	for conv := range conversations {
		wg.Go(func() {
			from, to := fmt.Sprint("u", 2*conv), fmt.Sprint("u", 2*conv+1)
			for i := range perConversation {
				id := fmt.Sprintf("c%d-%d", conv, i)
				if err := send(i, id, sendCommand(t, from, to, id)); err != nil {
					errs <- fmt.Errorf("%s: %w", id, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// proposed is a proposal's outcome as one error: the call's, or the command's.
func proposed(res *im.Result, err error) error {
	if err == nil && res.Err != nil {
		return res.Err
	}
	return err
}

func sendCommand(t testing.TB, from, to, id string) *im.Command {
	t.Helper()
	cmd, err := im.NewCommand("msg.send", im.Caller{UserID: from, Platform: openim.PlatformWeb}, time.Now().UnixMilli(), "op",
		&im.SendMsg{MsgData: &pb.MsgData{SendID: from, RecvID: to, ClientMsgID: id, SenderPlatformID: openim.PlatformWeb,
			SessionType: 1, MsgFrom: 100, ContentType: 101, CreateTime: time.Now().UnixMilli(), Status: 1,
			Content: []byte(`{"content":"hello"}`)}})
	if err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestCommitNoticeLeavesWithTheCommit: the leader writes a notice to every follower with none in
// flight on the goroutine that learns the commit, not on the follower's pump: here the pumps do
// not run at all, and each follower is still sent the notice.
func TestCommitNoticeLeavesWithTheCommit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	nodes, _ := noticeOffice(t, ctx)
	leader := nodes[0]
	registerUsers(t, ctx, leader, 1)
	for _, n := range nodes[1:] {
		if err := n.fsm.waitApplied(ctx, leader.AppliedIndex()); err != nil {
			t.Fatal(err)
		}
	}
	index := leader.AppliedIndex()
	term := leader.raft.CurrentTerm()

	// A notifier whose followers' pumps never started.
	c := newNotifier(leader.Node)
	c.ready.Store(true)
	cfg, err := leader.configuration()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cfg.Servers {
		if s.ID != leader.selfID {
			c.peers[s.ID] = &noticePeer{addr: string(s.Address), wake: make(chan struct{}, 1), done: make(chan struct{})}
		}
	}
	served := func(n *clusterNode) uint64 { return n.servers[0].served["commit"].Load() }
	before := []uint64{served(nodes[1]), served(nodes[2])}
	c.committed(index, term)
	for i, n := range nodes[1:] {
		for served(n) == before[i] {
			if err := sleepCtx(ctx, 10*time.Millisecond); err != nil {
				t.Fatalf("%s was never sent the notice", n.selfID)
			}
		}
	}
}

// TestNoticeRetry: a notice that did not arrive is sent again after 1, 2 and 3 s, then left to
// Raft's CommitTimeout.
func TestNoticeRetry(t *testing.T) {
	for failed, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 3 * time.Second} {
		if wait, again := noticeRetry(failed); !again || wait != want {
			t.Errorf("failure %d: again %v after %v, want again after %v", failed, again, wait, want)
		}
	}
	if _, again := noticeRetry(noticeRetries + 1); again {
		t.Errorf("failure %d: sent again, want given up", noticeRetries+1)
	}
}
