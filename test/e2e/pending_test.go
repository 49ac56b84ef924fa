package e2e

import (
	"slices"
	"testing"
	"time"

	"lanim/node/client"
	"lanim/node/gateway/wire"
	"lanim/node/pb"
)

// TestClusterPendingRelayed: without a quorum, a message queued on one node reaches at once the
// recipient's LanIM app (a client that asked for pending pushes) on another node the first can
// still reach, as LanIM's 2090; when the quorum is back the committed message follows as 2001
// with the same clientMsgID, and it is stored once. An OpenIM client of the same user sees only
// the committed message.
//
// The founder is the office's only voter (promotion held off), so freezing it leaves two members
// that reach each other without a quorum, as three of five voters closing their lids together do.
func TestClusterPendingRelayed(t *testing.T) {
	o := foundOffice(t, "--autopilot-stabilization", "1h")
	o.join(t)
	o.join(t)
	o.converged(t)
	founder, sender, viewer := o.members[0], o.members[1], o.members[2]
	founder.RegisterUsers(t, "alice", "bob")
	for _, m := range o.members {
		waitUsers(t, m.Node, "alice", "bob")
	}
	c := &chat{n: sender.Node, tokens: map[string]string{"alice": sender.UserToken(t, "alice", 5)}}
	bobToken := viewer.UserToken(t, "bob", 5)
	app := wsDial(t, viewer.Node, "bob", 5, bobToken, client.DialOptions{Pending: true})
	sdk := wsDial(t, viewer.Node, "bob", 2, viewer.UserToken(t, "bob", 2), client.DialOptions{})
	if err := founder.Freeze(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { founder.Thaw() })

	// A send through the sender's node is queued: the only voter sleeps.
	queued := c.textMsg("alice", "bob", "while the office sleeps")
	sender.PostErr(t, "/msg/send_msg", c.tokens["alice"], map[string]any{"msgData": queued}, 1690)
	cid := siID("alice", "bob")
	p := nextChatPush(t, app, cid, queued.ClientMsgID)
	if p.req != wire.PendingMsg || p.msg.Seq != 0 {
		t.Fatalf("bob's app got %d seq %d for the queued message, want the pending 2090 first", p.req, p.msg.Seq)
	}
	if err := founder.Thaw(); err != nil {
		t.Fatal(err)
	}
	p = nextChatPush(t, app, cid, queued.ClientMsgID)
	if p.req != wire.PushMsg || p.msg.Seq == 0 {
		t.Fatalf("bob's app got %d seq %d, want the committed message (2001)", p.req, p.msg.Seq)
	}
	// The OpenIM client's first push of that message is the committed one: it never saw 2090.
	if p := nextChatPush(t, sdk, cid, queued.ClientMsgID); p.req != wire.PushMsg || p.msg.Seq == 0 {
		t.Fatalf("bob's OpenIM client got %d seq %d, want only the committed message", p.req, p.msg.Seq)
	}
	o.converged(t)
	got := (&chat{n: viewer.Node, tokens: map[string]string{"bob": bobToken}}).texts(t, "bob", cid)
	if !slices.Equal(got, []string{"while the office sleeps"}) {
		t.Fatalf("bob reads %q, want the queued message once", got)
	}
}

// chatPush is one push of a message: its kind (2001 or LanIM's 2090) and the message.
type chatPush struct {
	req int32
	msg *pb.MsgData
}

// nextChatPush waits for the next push to c of message clientMsgID ("": any) in conversationID,
// skipping others.
func nextChatPush(t *testing.T, c *client.Conn, conversationID, clientMsgID string) chatPush {
	t.Helper()
	deadline := time.After(wsTimeout)
	for {
		select {
		case p, ok := <-c.Pushes():
			if !ok {
				t.Fatalf("connection of %s ended: %v", c.UserID(), c.Err())
			}
			for _, m := range p.Msgs.GetMsgs()[conversationID].GetMsgs() {
				if clientMsgID == "" || m.ClientMsgID == clientMsgID {
					return chatPush{p.ReqIdentifier, m}
				}
			}
		case <-deadline:
			t.Fatalf("no push of %s to %s within %v", clientMsgID, c.UserID(), wsTimeout)
		}
	}
}
