package gateway

import (
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"lanim/node/client"
	"lanim/node/gateway/wire"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
)

// TestPendingRelayed: a message queued on node A (no quorum) reaches, through the relay, the
// connections on node B of the recipients the send's rules allow that asked for pending messages
// (LanIM's app), as 2090; a non-member, a blocked sender's peer and a plain OpenIM connection get
// nothing. The committed message then arrives as 2001 with the same clientMsgID, is stored once,
// and a late copy of the pending one reaches nobody.
func TestPendingRelayed(t *testing.T) {
	a, b := newEnv(t, envOpts{}), newEnv(t, envOpts{})
	for _, e := range []*testEnv{a, b} {
		e.users("alice", "bob", "carol", "dave")
		e.exec(`INSERT INTO groups (group_id, group_name, owner_id) VALUES ('g1', 'G', 'alice')`)
		for _, u := range []string{"alice", "bob", "carol"} {
			e.exec(`INSERT INTO group_members (group_id, user_id) VALUES ('g1', ?)`, u)
		}
		e.exec(`INSERT INTO blacks (owner_id, block_id, create_time) VALUES ('carol', 'dave', 0)`)
	}
	// The relay as the app wires it: JSON between the nodes, the origin set by the receiver.
	a.gw.SetRelay(func(ev TransientEvent) {
		raw, err := json.Marshal(ev)
		if err != nil {
			t.Error(err)
			return
		}
		var got TransientEvent
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Error(err)
			return
		}
		got.Origin = "a"
		b.gw.DeliverRemote(got)
	})
	pending := client.DialOptions{Pending: true}
	bob := b.dial("bob", 5, b.token("bob", 5), pending)
	bobSDK := b.dial("bob", 3, b.token("bob", 3), client.DialOptions{}) // an OpenIM client on bob's phone
	carol := b.dial("carol", 5, b.token("carol", 5), pending)
	dave := b.dial("dave", 5, b.token("dave", 5), pending)

	isPending := func(c *client.Conn, convID, clientMsgID string) {
		t.Helper()
		p := nextPush(t, c)
		m := p.Msgs.GetMsgs()[convID].GetMsgs()
		if p.ReqIdentifier != wire.PendingMsg || len(m) != 1 || m[0].ClientMsgID != clientMsgID || m[0].Seq != 0 ||
			m[0].Status != openim.MsgStatusSending || m[0].ServerMsgID != "" {
			t.Fatalf("%s: got %d %+v, want the pending %s", c.UserID(), p.ReqIdentifier, p.Msgs, clientMsgID)
		}
	}
	group := &pb.MsgData{SendID: "alice", GroupID: "g1", ClientMsgID: "q1", SessionType: openim.ReadGroupChat,
		MsgFrom: openim.MsgFromUser, ContentType: openim.Text, Content: []byte(`{"content":"queued"}`), CreateTime: 1}
	a.gw.PublishPending(group)
	isPending(bob, "sg_g1", "q1")
	isPending(carol, "sg_g1", "q1")
	// A single chat reaches its peer only; dave's message to carol, who blocked him, nobody (carol's
	// next push below is the committed q1).
	blocked := textMsg("dave", "carol", "q0")
	a.gw.PublishPending(blocked)
	a.gw.PublishPending(textMsg("alice", "bob", "q2"))
	isPending(bob, "si_alice_bob", "q2")

	// The office commits q1 (here on B, as its log entry would land): 2001, same clientMsgID.
	b.propose(im.Caller{UserID: "alice", Platform: 5}, "msg.send", &im.SendMsg{MsgData: group})
	for _, c := range []*client.Conn{bob, carol, bobSDK} {
		p := nextPush(t, c)
		m := p.Msgs.GetMsgs()["sg_g1"].GetMsgs()
		if p.ReqIdentifier != wire.PushMsg || len(m) != 1 || m[0].ClientMsgID != "q1" || m[0].Seq != 1 {
			t.Fatalf("%s: got %d %+v, want the committed q1", c.UserID(), p.ReqIdentifier, p.Msgs)
		}
	}
	// A late copy of the pending q1 (a retry queued it again) shows nothing: it is stored.
	a.gw.PublishPending(group)
	a.gw.PublishPending(textMsg("alice", "dave", "q3"))
	var stored int
	b.db.Reader().QueryRow(`SELECT count(*) FROM messages WHERE client_msg_id = 'q1'`).Scan(&stored)
	if stored != 1 {
		t.Fatalf("q1 stored %d times", stored)
	}
	// Dave's first push is his own pending message: nothing of the group's (not a member) or of
	// the blocked one came before it; bob's next is a later pending one, not the late q1.
	isPending(dave, "si_alice_dave", "q3")
	a.gw.PublishPending(textMsg("alice", "bob", "q4"))
	isPending(bob, "si_alice_bob", "q4")
	// The OpenIM connection never saw a pending message: its next push is a committed one.
	b.propose(im.Caller{UserID: "alice", Platform: 5}, "msg.send", &im.SendMsg{MsgData: textMsg("alice", "bob", "q5")})
	if p := nextPush(t, bobSDK); p.ReqIdentifier != wire.PushMsg || p.Msgs.GetMsgs()["si_alice_bob"].GetMsgs()[0].ClientMsgID != "q5" {
		t.Fatalf("the OpenIM connection got %d %+v", p.ReqIdentifier, p.Msgs)
	}
}

// TestPendingAskedAtLogin: only a login that asks (query or v form) gets pending pushes; the
// SDKs' logins do not.
func TestPendingAskedAtLogin(t *testing.T) {
	v := base64.RawURLEncoding.EncodeToString([]byte(`{"token":"t","userID":"u","platformID":5,"operationID":"o","lanimPending":true}`))
	for query, want := range map[string]bool{
		"sendID=u&token=t&platformID=5&operationID=o&isBackground=false":                   false,
		"sendID=u&token=t&platformID=5&operationID=o&isBackground=false&lanimPending=true": true,
		"v=" + v: true,
	} {
		p, err := parseParams(httptest.NewRequest("GET", "/?"+query, nil))
		if err != nil || p.pending != want {
			t.Errorf("%s: pending %v (%v), want %v", query, p.pending, err, want)
		}
	}
}
