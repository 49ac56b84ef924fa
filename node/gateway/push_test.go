package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"lanim/node/client"
	"lanim/node/gateway/wire"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
)

func textMsg(from, to, clientMsgID string) *pb.MsgData {
	return &pb.MsgData{SendID: from, RecvID: to, ClientMsgID: clientMsgID, SenderPlatformID: 5, SessionType: openim.SingleChat,
		MsgFrom: openim.MsgFromUser, ContentType: openim.Text, Content: []byte(`{"content":"hi"}`), CreateTime: 1, Status: 1}
}

// TestSendReplyBeforeEcho: the FSM publishes the echo before Propose returns, yet the sending
// connection sees the 1003 answer first, then the echo with the request's operationID.
func TestSendReplyBeforeEcho(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice", "bob")
	aTok, bTok := e.token("alice", 5), e.token("bob", 5)
	for _, codec := range []wire.Codec{{}, {Gob: true, Gzip: true}} {
		r := dialRaw(t, e, "alice", aTok, 5, codec)
		bob := e.dial("bob", 5, bTok, client.DialOptions{})
		for i := 0; i < 20; i++ {
			id := fmt.Sprintf("%v-%d", codec.Gob, i)
			r.send(&wire.Req{ReqIdentifier: wire.SendMsg, SendID: "alice", OperationID: "op-" + id, MsgIncr: "s" + id,
				Data: mustProto(t, textMsg("alice", "bob", "c"+id))})
			reply := r.next()
			var sr pb.UserSendMsgResp
			if reply.ReqIdentifier != wire.SendMsg || reply.MsgIncr != "s"+id || reply.ErrCode != 0 ||
				proto.Unmarshal(reply.Data, &sr) != nil || sr.ClientMsgID != "c"+id || sr.ServerMsgID == "" || sr.SendTime == 0 {
				t.Fatalf("first frame after send %d is %+v, want the reply", i, reply)
			}
			echo := r.next()
			var pm pb.PushMessages
			if echo.ReqIdentifier != wire.PushMsg || echo.MsgIncr != "" || echo.OperationID != "op-"+id ||
				proto.Unmarshal(echo.Data, &pm) != nil || pm.Msgs["si_alice_bob"].GetMsgs()[0].GetClientMsgID() != "c"+id {
				t.Fatalf("echo %+v", echo)
			}
			p := nextPush(t, bob)
			if p.OperationID != "op-"+id || p.Msgs.Msgs["si_alice_bob"].GetMsgs()[0].GetClientMsgID() != "c"+id {
				t.Fatalf("bob's push %+v", p)
			}
		}
		bob.Close()
	}
	// Sending as someone else, or without a clientMsgID: an error answer, never proposed.
	c := e.dial("alice", 5, aTok, client.DialOptions{})
	before := e.prop.proposed("msg.send")
	if _, err := c.SendMsg(context.Background(), textMsg("bob", "alice", "x")); openim.Code(err) != 1002 {
		t.Fatalf("send as bob: %v", err)
	}
	if _, err := c.SendMsg(context.Background(), textMsg("alice", "bob", "")); openim.Code(err) != 1001 {
		t.Fatalf("send without clientMsgID: %v", err)
	}
	if e.prop.proposed("msg.send") != before {
		t.Fatal("a refused send was proposed")
	}
}

// TestTyping: 113 is never proposed (never stored, no seq) and reaches the peer and the sender's
// other connections, not the sending one.
func TestTyping(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice", "bob", "carol")
	a1 := e.dial("alice", 5, e.token("alice", 5), client.DialOptions{})
	a2 := e.dial("alice", 3, e.token("alice", 3), client.DialOptions{SDKType: "go"})
	bob := e.dial("bob", 5, e.token("bob", 5), client.DialOptions{})
	carol := e.dial("carol", 5, e.token("carol", 5), client.DialOptions{})
	ctx := client.WithOperationID(context.Background(), "op-typing")

	typing := textMsg("alice", "bob", "t1")
	typing.ContentType = openim.Typing
	typing.Content = []byte(`{"msgTips":"yes"}`)
	r, err := a1.SendMsg(ctx, typing)
	if err != nil || r.ServerMsgID == "" || r.ClientMsgID != "t1" || r.SendTime == 0 {
		t.Fatalf("typing: %v %v", r, err)
	}
	for _, c := range []*client.Conn{bob, a2} {
		p := nextPush(t, c)
		m := p.Msgs.Msgs["si_alice_bob"].GetMsgs()
		if p.OperationID != "op-typing" || len(m) != 1 || m[0].Seq != 0 || m[0].ContentType != openim.Typing ||
			m[0].ServerMsgID != r.ServerMsgID || len(m[0].Options) != 8 {
			t.Fatalf("%s got %+v", c.UserID(), p)
		}
		for k, v := range m[0].Options {
			if v {
				t.Fatalf("option %s true", k)
			}
		}
	}
	// Group typing: every member but the sending connection.
	e.exec(`INSERT INTO groups (group_id, group_name, owner_id) VALUES ('g1', 'G', 'alice')`)
	for _, u := range []string{"alice", "bob"} {
		e.exec(`INSERT INTO group_members (group_id, user_id) VALUES ('g1', ?)`, u)
	}
	gt := &pb.MsgData{SendID: "alice", GroupID: "g1", ClientMsgID: "t2", SessionType: openim.ReadGroupChat, ContentType: openim.Typing}
	if _, err := a1.SendMsg(ctx, gt); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Conn{bob, a2} {
		if p := nextPush(t, c); p.Msgs.Msgs["sg_g1"] == nil {
			t.Fatalf("%s got %+v", c.UserID(), p)
		}
	}
	// Carol is not a member, cannot type to the group; bob blocked carol.
	gt.SendID, gt.ClientMsgID = "carol", "t3"
	if _, err := carol.SendMsg(ctx, gt); openim.Code(err) != 1203 {
		t.Fatalf("non-member typing: %v", err)
	}
	// An unknown group answers the send's code (1004), not a typing-only one.
	gt.GroupID, gt.ClientMsgID = "nogroup", "t5"
	if _, err := carol.SendMsg(ctx, gt); openim.Code(err) != 1004 {
		t.Fatalf("typing to an unknown group: %v", err)
	}
	e.exec(`INSERT INTO blacks (owner_id, block_id, create_time) VALUES ('bob', 'carol', 0)`)
	ct := textMsg("carol", "bob", "t4")
	ct.ContentType = openim.Typing
	if _, err := carol.SendMsg(ctx, ct); openim.Code(err) != 1302 {
		t.Fatalf("blocked typing: %v", err)
	}
	if n := e.prop.proposed("msg.send"); n != 0 {
		t.Fatalf("typing proposed %d times", n)
	}
	var stored int
	e.db.Reader().QueryRow(`SELECT count(*) FROM messages`).Scan(&stored)
	if stored != 0 {
		t.Fatalf("%d messages stored", stored)
	}
	// Nothing else was pushed to the sending connection.
	select {
	case p := <-a1.Pushes():
		t.Fatalf("the sending connection got %+v", p)
	default:
	}
}

// TestKick: a new token on the same platform kicks the old one (from the FSM): 2002, then close.
func TestKick(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice")
	old := e.dial("alice", 5, e.token("alice", 5), client.DialOptions{})
	other := e.dial("alice", 3, e.token("alice", 3), client.DialOptions{})
	e.token("alice", 5)
	if p := nextPush(t, old); !p.Kicked() {
		t.Fatalf("push %+v, want 2002", p)
	}
	select {
	case <-old.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("kicked connection still open")
	}
	if _, err := other.NewestSeqs(context.Background()); err != nil {
		t.Fatalf("the other platform's connection: %v", err)
	}
}

// TestPresence: subscribers get 2005, friends get 1304, on the first connection of a platform
// and the close of its last one.
func TestPresence(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice", "bob", "carol")
	e.exec(`INSERT INTO friends (owner_id, friend_id, create_time) VALUES ('carol', 'alice', 0)`)
	bob := e.dial("bob", 5, e.token("bob", 5), client.DialOptions{})
	carol := e.dial("carol", 5, e.token("carol", 5), client.DialOptions{SDKType: "go"})
	// carol's JS SDK connection gets no 1304: the SDK crashes on it (deliverStatusChange).
	carolJS := e.dial("carol", 3, e.token("carol", 3), client.DialOptions{})
	if tips, err := bob.SubscribeStatus(context.Background(), []string{"alice"}, nil); err != nil ||
		len(tips.Subscribers[0].OnlinePlatformIDs) != 0 {
		t.Fatalf("subscribe: %v %v", tips, err)
	}
	aTok := e.token("alice", 5)
	a1 := e.dial("alice", 5, aTok, client.DialOptions{})

	status := func(want ...int32) {
		t.Helper()
		p := nextPush(t, bob)
		if p.ReqIdentifier != wire.SubUserOnlineStatus || len(p.Status.GetSubscribers()) != 1 ||
			p.Status.Subscribers[0].UserID != "alice" || fmt.Sprint(p.Status.Subscribers[0].OnlinePlatformIDs) != fmt.Sprint(want) {
			t.Fatalf("2005 %+v, want alice on %v", p, want)
		}
	}
	change := func(st, platform int32) {
		t.Helper()
		p := nextPush(t, carol)
		m := p.Msgs.GetNotificationMsgs()["n_alice_carol"].GetMsgs()
		if len(m) != 1 || m[0].ContentType != openim.UserStatusChange || m[0].Seq != 0 || m[0].MsgFrom != openim.MsgFromSystem ||
			m[0].ClientMsgID == "" {
			t.Fatalf("1304 push %+v", p)
		}
		var content struct{ Detail string }
		var tips pb.UserStatusChangeTips
		if json.Unmarshal(m[0].Content, &content) != nil || json.Unmarshal([]byte(content.Detail), &tips) != nil ||
			tips.FromUserID != "alice" || tips.ToUserID != "carol" || tips.Status != st || tips.PlatformID != platform {
			t.Fatalf("1304 content %s", m[0].Content)
		}
	}
	status(5)
	change(1, 5)
	// A second Web connection is no change; a Windows one is.
	a2 := e.dial("alice", 5, aTok, client.DialOptions{})
	a3 := e.dial("alice", 3, e.token("alice", 3), client.DialOptions{})
	status(3, 5)
	change(1, 3)
	a3.Close()
	status(5)
	change(0, 3)
	a1.Close()
	a2.Close()
	status()
	change(0, 5)
	// A reply is queued behind every push already sent to carolJS, so none was sent once it arrives.
	if _, err := carolJS.NewestSeqs(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-carolJS.Pushes():
		t.Fatalf("a JS connection got a push: %+v", p)
	default:
	}
	// Unsubscribed: no more 2005 (carol still gets 1304).
	if _, err := bob.SubscribeStatus(context.Background(), nil, []string{"alice"}); err != nil {
		t.Fatal(err)
	}
	e.dial("alice", 5, aTok, client.DialOptions{})
	change(1, 5)
	select {
	case p := <-bob.Pushes():
		t.Fatalf("bob unsubscribed but got %+v", p)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestSlowClientDropped: a client that stops reading is dropped when its queue fills; the FSM
// never waits for it and the others keep receiving.
func TestSlowClientDropped(t *testing.T) {
	e := newEnv(t, envOpts{queueLen: 8})
	e.users("alice", "slow")
	fast := e.dial("alice", 5, e.token("alice", 5), client.DialOptions{PushBuffer: 4096})
	slowTok := e.token("slow", 5)
	slow := dialRaw(t, e, "slow", slowTok, 5, wire.Codec{}) // never reads again
	_ = slow
	big := strings.Repeat("x", 60000)
	const pushes = 600 // ~36 MB: more than the socket buffers hold
	for i := 0; i < pushes && len(e.gw.conns("slow")) > 0; i++ {
		msg := textMsg("alice", "slow", fmt.Sprint("m", i))
		msg.Content = []byte(big)
		// Publish returns at once whatever the slow client does; the fast one keeps up.
		e.gw.Publish([]im.Event{{Push: &im.Push{UserIDs: []string{"slow", "alice"}, ConversationID: "si_alice_slow", Msg: msg}}})
		p := nextPush(t, fast)
		if got := p.Msgs.Msgs["si_alice_slow"].GetMsgs()[0].ClientMsgID; got != fmt.Sprint("m", i) {
			t.Fatalf("push %d is %s", i, got)
		}
	}
	waitFor(t, "the slow client to be dropped", func() bool { return len(e.gw.conns("slow")) == 0 })
}

// TestClientDropPushes: a client connection dialed with DropPushes reads its pushes and drops
// them (its requests are answered as ever), while another connection of the same user gets them.
func TestClientDropPushes(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice", "bob")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dropper := e.dial("alice", 5, e.token("alice", 5), client.DialOptions{DropPushes: true})
	watcher := e.dial("alice", 3, e.token("alice", 3), client.DialOptions{})
	bob := e.dial("bob", 5, e.token("bob", 5), client.DialOptions{})
	if _, err := dropper.SendMsg(ctx, textMsg("alice", "bob", "a1")); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.SendMsg(ctx, textMsg("bob", "alice", "b1")); err != nil {
		t.Fatal(err)
	}
	// The push of b1 was queued on the dropper's connection before bob's reply, so before the
	// answer to this request: the reader has been through it.
	if _, err := dropper.NewestSeqs(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case p := <-dropper.Pushes():
		t.Fatalf("the dropping connection delivered %+v", p)
	default:
	}
	for _, want := range []string{"a1", "b1"} {
		if got := nextPush(t, watcher).Msgs.Msgs["si_alice_bob"].GetMsgs()[0].ClientMsgID; got != want {
			t.Fatalf("the other connection's push is %s, want %s", got, want)
		}
	}
}

// TestStuckWriteDropped: a client that stops reading while its queue still has room is dropped
// when a frame's write takes longer than the write timeout (the deadline on the connection), and
// the others are served meanwhile.
func TestStuckWriteDropped(t *testing.T) {
	e := newEnv(t, envOpts{queueLen: 1000, writeTimeout: 300 * time.Millisecond})
	e.users("alice", "stuck")
	fast := e.dial("alice", 5, e.token("alice", 5), client.DialOptions{PushBuffer: 4096})
	stuck := dialRaw(t, e, "stuck", e.token("stuck", 5), 5, wire.Codec{}) // never reads again
	_ = stuck
	big := strings.Repeat("x", 60000)
	const pushes = 600 // ~36 MB: more than the socket buffers hold, fewer frames than the queue
	for i := range pushes {
		msg := textMsg("alice", "stuck", fmt.Sprint("m", i))
		msg.Content = []byte(big)
		e.gw.Publish([]im.Event{{Push: &im.Push{UserIDs: []string{"stuck", "alice"}, ConversationID: "si_alice_stuck", Msg: msg}}})
		if got := nextPush(t, fast).Msgs.Msgs["si_alice_stuck"].GetMsgs()[0].ClientMsgID; got != fmt.Sprint("m", i) {
			t.Fatalf("push %d is %s", i, got)
		}
		if len(e.gw.conns("stuck")) == 0 {
			return // dropped, while its queue had room: the write timed out
		}
	}
	waitFor(t, "the stuck client to be dropped", func() bool { return len(e.gw.conns("stuck")) == 0 })
}

// TestCloseLeaksNothing: Close ends every connection and goroutine the gateway started.
func TestCloseLeaksNothing(t *testing.T) {
	base := runtime.NumGoroutine()
	e := newEnv(t, envOpts{})
	e.users("alice", "bob")
	conns := []*client.Conn{
		e.dial("alice", 5, e.token("alice", 5), client.DialOptions{PingInterval: time.Hour}),
		e.dial("alice", 3, e.token("alice", 3), client.DialOptions{SDKType: "go", Gzip: true}),
		e.dial("bob", 5, e.token("bob", 5), client.DialOptions{}),
	}
	conns[2].SubscribeStatus(context.Background(), []string{"alice"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.gw.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("a connection outlived the gateway")
		}
		c.Close()
	}
	if e.gw.ConnCount() != 0 {
		t.Fatalf("%d connections after Close", e.gw.ConnCount())
	}
	// New connections are refused.
	if _, err := client.Dial(context.Background(), e.addr(), client.DialOptions{UserID: "alice", Token: "x", PlatformID: 5}); err == nil {
		t.Fatal("dial after Close succeeded")
	}
	e.srv.Close()
	e.repl.Close()
	waitFor(t, "goroutines to end", func() bool { return runtime.NumGoroutine() <= base+2 })
}

var _ = websocket.MessageText

// TestChatWithRealReads: a conversation through the real msg.send and node/im's pulls.
func TestChatWithRealReads(t *testing.T) {
	e := newEnv(t, envOpts{imReads: true})
	e.users("alice", "bob")
	alice := e.dial("alice", 5, e.token("alice", 5), client.DialOptions{})
	bob := e.dial("bob", 3, e.token("bob", 3), client.DialOptions{SDKType: "go", Gzip: true})
	ctx := context.Background()
	for i := 1; i <= 3; i++ {
		if _, err := alice.SendMsg(client.WithOperationID(ctx, fmt.Sprint("op", i)), textMsg("alice", "bob", fmt.Sprint("c", i))); err != nil {
			t.Fatal(err)
		}
		p := nextPush(t, bob)
		m := p.Msgs.Msgs["si_alice_bob"].GetMsgs()
		if p.OperationID != fmt.Sprint("op", i) || len(m) != 1 || m[0].Seq != int64(i) {
			t.Fatalf("push %d: %+v", i, p)
		}
	}
	seqs, err := bob.HasReadAndMaxSeqs(ctx)
	if err != nil || seqs.Seqs["si_alice_bob"].GetMaxSeq() != 3 {
		t.Fatalf("1006: %v %v", seqs, err)
	}
	newest, err := bob.NewestSeqs(ctx)
	if err != nil || newest.MaxSeqs["si_alice_bob"] != 3 {
		t.Fatalf("1001: %v %v", newest, err)
	}
	pulled, err := bob.PullBySeqRanges(ctx, &pb.SeqRange{ConversationID: "si_alice_bob", Begin: 2, End: 3, Num: 10})
	if m := pulled.GetMsgs()["si_alice_bob"].GetMsgs(); err != nil || len(m) != 2 || m[0].ClientMsgID != "c2" {
		t.Fatalf("1002: %v %v", pulled, err)
	}
	bySeq, err := bob.PullBySeqs(ctx, &pb.ConversationSeqs{ConversationID: "si_alice_bob", Seqs: []int64{1, 3}})
	if m := bySeq.GetMsgs()["si_alice_bob"].GetMsgs(); err != nil || len(m) != 2 || m[1].ClientMsgID != "c3" {
		t.Fatalf("1005: %v %v", bySeq, err)
	}
	last, err := bob.LastMessages(ctx, "si_alice_bob")
	if err != nil || last.Msgs["si_alice_bob"].GetClientMsgID() != "c3" {
		t.Fatalf("1007: %v %v", last, err)
	}
	// A rule failure in the FSM is an answer, and the connection stays usable.
	bad := textMsg("alice", "nobody", "c9")
	if _, err := alice.SendMsg(ctx, bad); openim.Code(err) == 0 {
		t.Fatal("send to an unknown user succeeded")
	}
	if _, err := alice.NewestSeqs(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestTransientRelay: the hooks a cluster relay uses. Local presence and typing go to the relay;
// remote presence merges per origin node and ForgetNode takes a departed node's users offline.
func TestTransientRelay(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice", "bob")
	relayed := make(chan TransientEvent, 16)
	e.gw.SetRelay(func(ev TransientEvent) { relayed <- ev })
	bob := e.dial("bob", 5, e.token("bob", 5), client.DialOptions{})
	if ev := <-relayed; ev.Presence == nil || ev.Presence.UserID != "bob" || !ev.Presence.Online ||
		fmt.Sprint(ev.Presence.Platforms) != "[5]" {
		t.Fatalf("relayed %+v", ev)
	}
	if _, err := bob.SubscribeStatus(context.Background(), []string{"zed"}, nil); err != nil {
		t.Fatal(err)
	}
	status := func(want string) {
		t.Helper()
		p := nextPush(t, bob)
		if p.Status == nil || fmt.Sprint(p.Status.Subscribers[0].OnlinePlatformIDs) != want {
			t.Fatalf("2005 %+v, want %s", p, want)
		}
	}
	e.gw.DeliverRemote(TransientEvent{Origin: "n2", Presence: &Presence{UserID: "zed", PlatformID: 2, Online: true, Platforms: []int32{2}}})
	status("[2]")
	e.gw.DeliverRemote(TransientEvent{Origin: "n3", Presence: &Presence{UserID: "zed", PlatformID: 3, Online: true, Platforms: []int32{3}}})
	status("[2 3]")
	e.gw.ForgetNode("n2")
	status("[3]")
	// A greeting replaces all that is known of its origin: zed gains a platform on n3, then n3
	// reports nobody. What n3 said of others never reaches bob (not subscribed).
	e.gw.DeliverRemote(TransientEvent{Origin: "n3", Snapshot: &PresenceSnapshot{Users: map[string][]int32{
		"zed": {4, 3}, "yan": {1}}}})
	status("[3 4]")
	if got := fmt.Sprint(e.gw.Platforms([]string{"zed", "yan", "bob", "nobody"})); got != "map[bob:[5] nobody:[] yan:[1] zed:[3 4]]" {
		t.Fatalf("platforms %s", got)
	}
	if got := fmt.Sprint(e.gw.OnlineUsers(10), e.gw.OnlineUsers(1)); got != "[bob yan zed] [bob]" {
		t.Fatalf("online users %s", got)
	}
	if snap := e.gw.PresenceSnapshot(); snap.Snapshot == nil || fmt.Sprint(snap.Snapshot.Users) != "map[bob:[5]]" {
		t.Fatalf("this node's snapshot %+v", snap.Snapshot)
	}
	e.gw.DeliverRemote(TransientEvent{Origin: "n3", Snapshot: &PresenceSnapshot{}})
	status("[]")
	e.gw.DeliverRemote(TransientEvent{Origin: "n3", Snapshot: &PresenceSnapshot{Users: map[string][]int32{"zed": {3}}}})
	status("[3]")
	// A remote typing message reaches local connections; nothing is relayed back.
	msg := textMsg("zed", "bob", "t")
	msg.ContentType = openim.Typing
	e.gw.DeliverRemote(TransientEvent{Origin: "n3", ExceptConn: "other/1",
		Push: &im.Push{UserIDs: []string{"bob"}, ConversationID: "si_bob_zed", Msg: msg, OperationID: "op-remote"}})
	if p := nextPush(t, bob); p.OperationID != "op-remote" || p.Msgs.Msgs["si_bob_zed"] == nil {
		t.Fatalf("remote typing %+v", p)
	}
	select {
	case ev := <-relayed:
		t.Fatalf("a remote event was relayed: %+v", ev)
	default:
	}
}

// TestComputerNames: the greeting carries the host name, so each node can name the others and
// say who is signed in on each; an overlong name is not taken.
func TestComputerNames(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("bob")
	e.gw.SetHost("front-desk")
	relayed := make(chan TransientEvent, 1)
	e.gw.SetRelay(func(ev TransientEvent) { relayed <- ev })
	e.dial("bob", 5, e.token("bob", 5), client.DialOptions{})
	<-relayed // bob's presence is counted
	if snap := e.gw.PresenceSnapshot(); snap.Snapshot == nil || snap.Snapshot.Host != "front-desk" {
		t.Fatalf("greeting %+v", snap.Snapshot)
	}
	if host, users := e.gw.Computer(""); host != "front-desk" || fmt.Sprint(users) != "[bob]" {
		t.Fatalf("this computer: %q %v", host, users)
	}
	if host, users := e.gw.Computer("n2"); host != "" || len(users) != 0 {
		t.Fatalf("a computer not heard from: %q %v", host, users)
	}
	e.gw.DeliverRemote(TransientEvent{Origin: "n2", Snapshot: &PresenceSnapshot{Host: "ann-laptop",
		Users: map[string][]int32{"zed": {3}, "ann": {1}}}})
	e.gw.DeliverRemote(TransientEvent{Origin: "n3", Snapshot: &PresenceSnapshot{Host: strings.Repeat("x", MaxHostName+1)}})
	if host, users := e.gw.Computer("n2"); host != "ann-laptop" || fmt.Sprint(users) != "[ann zed]" {
		t.Fatalf("n2: %q %v", host, users)
	}
	if host, _ := e.gw.Computer("n3"); host != "" {
		t.Fatalf("an overlong host name was taken: %q", host)
	}
}
