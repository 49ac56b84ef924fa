package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"lanim/node/client"
	"lanim/node/openim"
	"lanim/node/pb"
)

// wsTimeout bounds one WebSocket step (dial, request, waiting for a push).
const wsTimeout = 30 * time.Second

// wsDial logs a user in over the node's WebSocket with the Go client; the connection closes with the test.
func wsDial(t *testing.T, n *Node, userID string, platformID int32, token string, o client.DialOptions) *client.Conn {
	t.Helper()
	o.UserID, o.PlatformID, o.Token = userID, platformID, token
	ctx, cancel := context.WithTimeout(context.Background(), wsTimeout)
	defer cancel()
	c, err := client.Dial(ctx, n.WSAddr, o)
	if err != nil {
		t.Fatalf("ws login %s/%d: %v", userID, platformID, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wsPush waits for the connection's next push.
func wsPush(t *testing.T, c *client.Conn) client.Push {
	t.Helper()
	select {
	case p, ok := <-c.Pushes():
		if !ok {
			t.Fatalf("connection of %s ended: %v", c.UserID(), c.Err())
		}
		return p
	case <-time.After(wsTimeout):
		t.Fatalf("no push for %s within %v", c.UserID(), wsTimeout)
	}
	return client.Push{}
}

// wsChatMsgs returns the messages of a 2001 push in a chat conversation, failing on any other push.
func wsChatMsgs(t *testing.T, p client.Push, conversationID string) []*pb.MsgData {
	t.Helper()
	if p.Msgs == nil {
		t.Fatalf("push %d, want 2001", p.ReqIdentifier)
	}
	m := p.Msgs.Msgs[conversationID].GetMsgs()
	if len(m) == 0 {
		t.Fatalf("push has no messages in %s: %v", conversationID, p.Msgs)
	}
	return m
}

func wsText(from, to, clientMsgID, text string) *pb.MsgData {
	return &pb.MsgData{SendID: from, RecvID: to, ClientMsgID: clientMsgID, SenderPlatformID: 5, SessionType: 1,
		MsgFrom: 100, ContentType: 101, Content: []byte(fmt.Sprintf(`{"content":%q}`, text)), CreateTime: time.Now().UnixMilli(),
		Status: 1}
}

func wsCtx(t *testing.T, operationID string) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), wsTimeout)
	t.Cleanup(cancel)
	if operationID != "" {
		ctx = client.WithOperationID(ctx, operationID)
	}
	return ctx
}

// TestWSChat: two users chat over WebSocket (one JSON, one gob+gzip): the sender gets the 1003
// answer, then the echo; the receiver gets the push; both carry the send's operationID.
func TestWSChat(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers(t, "alice", "bob")
	alice := wsDial(t, n, "alice", 5, n.UserToken(t, "alice", 5), client.DialOptions{})
	bob := wsDial(t, n, "bob", 3, n.UserToken(t, "bob", 3), client.DialOptions{SDKType: "go", Gzip: true})
	const conv = "si_alice_bob"

	sent, err := alice.SendMsg(wsCtx(t, "op-hello"), wsText("alice", "bob", "c-hello", "hello bob"))
	if err != nil || sent.ClientMsgID != "c-hello" || sent.ServerMsgID == "" || sent.SendTime == 0 {
		t.Fatalf("send: %v %v", sent, err)
	}
	for _, c := range []*client.Conn{alice, bob} {
		p := wsPush(t, c)
		m := wsChatMsgs(t, p, conv)
		if p.OperationID != "op-hello" || m[0].ClientMsgID != "c-hello" || m[0].Seq != 1 || m[0].ServerMsgID != sent.ServerMsgID {
			t.Fatalf("%s's push: op %q %+v", c.UserID(), p.OperationID, m[0])
		}
	}
	if _, err := bob.SendMsg(wsCtx(t, "op-reply"), wsText("bob", "alice", "c-reply", "hi alice")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client.Conn{bob, alice} {
		if p := wsPush(t, c); p.OperationID != "op-reply" || wsChatMsgs(t, p, conv)[0].Seq != 2 {
			t.Fatalf("%s's reply push: %+v", c.UserID(), p)
		}
	}

	// Typing reaches bob, is never stored: the conversation stays at seq 2.
	typing := wsText("alice", "bob", "c-typing", "")
	typing.ContentType, typing.Content = 113, []byte(`{"msgTips":"yes"}`)
	if _, err := alice.SendMsg(wsCtx(t, "op-typing"), typing); err != nil {
		t.Fatal(err)
	}
	if m := wsChatMsgs(t, wsPush(t, bob), conv); m[0].ContentType != 113 || m[0].Seq != 0 {
		t.Fatalf("typing push %+v", m[0])
	}
	seqs, err := bob.HasReadAndMaxSeqs(wsCtx(t, ""))
	if err != nil || seqs.Seqs[conv].GetMaxSeq() != 2 {
		t.Fatalf("1006 after typing: %v %v", seqs, err)
	}
	last, err := alice.LastMessages(wsCtx(t, ""), conv)
	if err != nil || last.Msgs[conv].GetClientMsgID() != "c-reply" {
		t.Fatalf("1007: %v %v", last, err)
	}

	// Online status: carol subscribes to alice and sees her go offline.
	n.RegisterUsers(t, "carol")
	carol := wsDial(t, n, "carol", 5, n.UserToken(t, "carol", 5), client.DialOptions{})
	tips, err := carol.SubscribeStatus(wsCtx(t, ""), []string{"alice"}, nil)
	if err != nil || len(tips.Subscribers) != 1 || fmt.Sprint(tips.Subscribers[0].OnlinePlatformIDs) != "[5]" {
		t.Fatalf("2005: %v %v", tips, err)
	}
	alice.Close()
	if p := wsPush(t, carol); p.Status == nil || len(p.Status.Subscribers[0].OnlinePlatformIDs) != 0 {
		t.Fatalf("2005 push %+v", p)
	}
}

// TestWSReconnectCatchUp: a user away while messages arrive catches up after reconnecting, as
// the JS SDK does: 1006 for the max seqs, 1002 for the missing range, 1005 for single seqs.
func TestWSReconnectCatchUp(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers(t, "alice", "bob")
	aliceTok, bobTok := n.UserToken(t, "alice", 5), n.UserToken(t, "bob", 5)
	alice := wsDial(t, n, "alice", 5, aliceTok, client.DialOptions{})
	bob := wsDial(t, n, "bob", 5, bobTok, client.DialOptions{})
	const conv = "si_alice_bob"
	if _, err := alice.SendMsg(wsCtx(t, ""), wsText("alice", "bob", "m1", "one")); err != nil {
		t.Fatal(err)
	}
	localMax := wsChatMsgs(t, wsPush(t, bob), conv)[0].Seq
	bob.Close()

	for i := 2; i <= 4; i++ {
		if _, err := alice.SendMsg(wsCtx(t, ""), wsText("alice", "bob", fmt.Sprint("m", i), "later")); err != nil {
			t.Fatal(err)
		}
	}
	// The node restarts too while bob is away: history and tokens survive.
	n.Restart(t)
	bob = wsDial(t, n, "bob", 5, bobTok, client.DialOptions{SDKType: "go"})
	seqs, err := bob.HasReadAndMaxSeqs(wsCtx(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	maxSeq := seqs.Seqs[conv].GetMaxSeq()
	if maxSeq != 4 || localMax != 1 {
		t.Fatalf("1006: max %d, local %d", maxSeq, localMax)
	}
	pulled, err := bob.PullBySeqRanges(wsCtx(t, ""), &pb.SeqRange{ConversationID: conv, Begin: localMax + 1, End: maxSeq, Num: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := pulled.Msgs[conv].GetMsgs()
	if len(got) != 3 || got[0].ClientMsgID != "m2" || got[2].ClientMsgID != "m4" || got[2].Seq != 4 {
		t.Fatalf("1002: %v", got)
	}
	one, err := bob.PullBySeqs(wsCtx(t, ""), &pb.ConversationSeqs{ConversationID: conv, Seqs: []int64{1}})
	if err != nil || one.Msgs[conv].GetMsgs()[0].GetClientMsgID() != "m1" {
		t.Fatalf("1005: %v %v", one, err)
	}
	newest, err := bob.NewestSeqs(wsCtx(t, ""))
	if err != nil || newest.MaxSeqs[conv] != 4 {
		t.Fatalf("1001: %v %v", newest, err)
	}
}

// TestWSLoginAndKick: refused logins carry the token error; a new token on the same platform
// kicks the old connection (2002, then closed), and the kicked token cannot log in again.
func TestWSLoginAndKick(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers(t, "alice", "bob")
	bobTok := n.UserToken(t, "bob", 5)
	for _, tc := range []struct {
		name string
		o    client.DialOptions
		code int
	}{
		{"malformed token", client.DialOptions{UserID: "alice", PlatformID: 5, Token: "nope"}, 1503},
		{"someone else's token", client.DialOptions{UserID: "alice", PlatformID: 5, Token: bobTok}, 1502},
		{"someone else's token, Go SDK style", client.DialOptions{UserID: "alice", PlatformID: 5, Token: bobTok,
			NoConnectResult: true, SDKType: "go"}, 1502},
		{"unknown platform", client.DialOptions{UserID: "bob", PlatformID: 77, Token: bobTok}, 1602},
	} {
		_, err := client.Dial(wsCtx(t, ""), n.WSAddr, tc.o)
		if openim.Code(err) != tc.code {
			t.Fatalf("%s: %v, want %d", tc.name, err, tc.code)
		}
	}
	old := n.UserToken(t, "alice", 5)
	conn := wsDial(t, n, "alice", 5, old, client.DialOptions{})
	n.UserToken(t, "alice", 5)
	if p := wsPush(t, conn); !p.Kicked() {
		t.Fatalf("push %+v, want 2002", p)
	}
	select {
	case <-conn.Done():
	case <-time.After(wsTimeout):
		t.Fatal("kicked connection still open")
	}
	if _, err := client.Dial(wsCtx(t, ""), n.WSAddr, client.DialOptions{UserID: "alice", PlatformID: 5, Token: old}); openim.Code(err) != 1506 {
		t.Fatalf("kicked token: %v, want 1506", err)
	}
	// force_logout kicks too.
	bob := wsDial(t, n, "bob", 5, bobTok, client.DialOptions{})
	n.PostOK(t, "/auth/force_logout", n.AdminToken, map[string]any{"userID": "bob", "platformID": 5}, nil)
	if p := wsPush(t, bob); !p.Kicked() {
		t.Fatalf("force_logout push %+v, want 2002", p)
	}
}

// wsPostOp is PostOK with the given operationID header, as the SDK sends it.
func wsPostOp(t *testing.T, n *Node, path, token, operationID string, body any) {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	_, raw := rawRequest(t, n, http.MethodPost, path, map[string]string{"Content-Type": "application/json",
		"operationID": operationID, "token": token}, b)
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil || env.ErrCode != 0 {
		t.Fatalf("POST %s: %s %v", path, raw, err)
	}
}

// wsPushOf waits for the connection's push that carries a message of the conversation matching
// match, skipping other pushes (other notifications of the same action), and returns it.
func wsPushOf(t *testing.T, c *client.Conn, conversationID string, match func(*pb.MsgData) bool) (client.Push, *pb.MsgData) {
	t.Helper()
	for i := 0; i < 100; i++ {
		p := wsPush(t, c)
		if p.Msgs == nil {
			continue
		}
		for _, lists := range []map[string]*pb.PullMsgs{p.Msgs.Msgs, p.Msgs.NotificationMsgs} {
			for _, m := range lists[conversationID].GetMsgs() {
				if match(m) {
					return p, m
				}
			}
		}
	}
	t.Fatalf("%s: no matching push in %s", c.UserID(), conversationID)
	return client.Push{}, nil
}

// TestWSNotificationPushes: a notification caused by a REST call reaches every connection of every
// recipient (JSON and gob+gzip alike) carrying that call's operationID, and so does a stored
// message sent over WS, on the sender's other connection too.
func TestWSNotificationPushes(t *testing.T) {
	n := startNode(t)
	n.RegisterUsers(t, "alice", "bob")
	aliceTok := n.UserToken(t, "alice", 5)
	alice := wsDial(t, n, "alice", 5, aliceTok, client.DialOptions{})
	alice2 := wsDial(t, n, "alice", 3, n.UserToken(t, "alice", 3), client.DialOptions{SDKType: "go"})
	bobTok := n.UserToken(t, "bob", 5)
	bobs := []*client.Conn{
		wsDial(t, n, "bob", 5, bobTok, client.DialOptions{}),
		wsDial(t, n, "bob", 5, bobTok, client.DialOptions{}),
		wsDial(t, n, "bob", 3, n.UserToken(t, "bob", 3), client.DialOptions{SDKType: "go", Gzip: true}),
	}
	all := append([]*client.Conn{alice, alice2}, bobs...)
	const notes = "n_alice_bob"
	contentType := func(ct int32) func(*pb.MsgData) bool {
		return func(m *pb.MsgData) bool { return m.ContentType == ct }
	}

	// The application (1203) is in the pair's n_ stream: every connection of both users gets it.
	wsPostOp(t, n, "/friend/add_friend", aliceTok, "op-apply", map[string]any{"fromUserID": "alice", "toUserID": "bob", "reqMsg": "hi"})
	for _, c := range all {
		if p, m := wsPushOf(t, c, notes, contentType(1203)); p.OperationID != "op-apply" || m.Seq == 0 {
			t.Fatalf("%s: 1203 with op %q, seq %d", c.UserID(), p.OperationID, m.Seq)
		}
	}
	// The acceptance: 1201 (approved) to the applicant's connections, with the accept's operationID.
	wsPostOp(t, n, "/friend/add_friend_response", bobTok, "op-accept",
		map[string]any{"fromUserID": "alice", "toUserID": "bob", "handleResult": 1})
	for _, c := range []*client.Conn{alice, alice2} {
		if p, _ := wsPushOf(t, c, notes, contentType(1201)); p.OperationID != "op-accept" {
			t.Fatalf("%s: 1201 with op %q", c.UserID(), p.OperationID)
		}
	}

	// A stored message: the sender's other connection and every connection of the peer.
	if _, err := alice.SendMsg(wsCtx(t, "op-msg"), wsText("alice", "bob", "c-multi", "to all of you")); err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		p, m := wsPushOf(t, c, "si_alice_bob", func(m *pb.MsgData) bool { return m.ClientMsgID == "c-multi" })
		if p.OperationID != "op-msg" || m.Seq == 0 {
			t.Fatalf("%s: op %q, %+v", c.UserID(), p.OperationID, m)
		}
	}
}
