package gateway

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"lanim/node/client"
	"lanim/node/gateway/wire"
	"lanim/node/pb"
)

// backlogLen is the number of pushes kept for a session, -1 when it has no backlog.
func (g *Gateway) backlogLen(userID, token string) int {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if b := g.backlogs[userID][token]; b != nil {
		return len(b.pushes)
	}
	return -1
}

// hangUp closes a raw connection from the client side and waits until the node saw it go.
func hangUp(t *testing.T, e *testEnv, r *raw, userID string) {
	t.Helper()
	r.ws.Close(websocket.StatusNormalClosure, "")
	waitFor(t, userID+"'s connection to end", func() bool { return len(e.gw.conns(userID)) == 0 })
}

// sendAll sends texts from alice to bob through Raft and returns their clientMsgIDs.
func sendAll(t *testing.T, alice *client.Conn, prefix string, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i++ {
		id := fmt.Sprint(prefix, i)
		if _, err := alice.SendMsg(context.Background(), textMsg("alice", "bob", id)); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// askSeqs sends the SDK's first request after connecting (1006).
func askSeqs(t *testing.T, r *raw) {
	t.Helper()
	r.send(&wire.Req{ReqIdentifier: wire.HasReadAndMaxSeq, SendID: "bob", OperationID: "op-seqs", MsgIncr: "m1",
		Data: mustProto(t, &pb.GetConversationsHasReadAndMaxSeqReq{UserID: "bob"})})
}

// expectResumed reads the pushes of ids, in order, then the 1006 reply.
func expectResumed(t *testing.T, r *raw, ids []string) {
	t.Helper()
	for _, id := range ids {
		f := r.next()
		var pm pb.PushMessages
		if f.ReqIdentifier != wire.PushMsg || proto.Unmarshal(f.Data, &pm) != nil {
			t.Fatalf("frame %+v, want the push of %s", f, id)
		}
		if m := pm.Msgs["si_alice_bob"].GetMsgs(); len(m) != 1 || m[0].ClientMsgID != id {
			t.Fatalf("push %+v, want %s", &pm, id)
		}
	}
	if f := r.next(); f.ReqIdentifier != wire.HasReadAndMaxSeq || f.MsgIncr != "m1" || f.ErrCode != 0 {
		t.Fatalf("frame %+v, want the 1006 reply", f)
	}
}

// TestResume: pushes committed while a session's connection is down reach its next connection
// with the same token, in order, before the answer to its first request; in any codec.
func TestResume(t *testing.T) {
	for _, tc := range []struct {
		name        string
		first, next wire.Codec
	}{
		{"json", wire.Codec{}, wire.Codec{}},
		{"json then gob+gzip", wire.Codec{}, wire.Codec{Gob: true, Gzip: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOpts{})
			e.users("alice", "bob")
			alice := e.dial("alice", 5, e.token("alice", 5), client.DialOptions{})
			tok := e.token("bob", 5)
			hangUp(t, e, dialRaw(t, e, "bob", tok, 5, tc.first), "bob")
			if n := e.gw.backlogLen("bob", tok); n != 0 {
				t.Fatalf("backlog %d after the close, want an empty one", n)
			}
			ids := sendAll(t, alice, "c", 3)
			r := dialRaw(t, e, "bob", tok, 5, tc.next)
			askSeqs(t, r)
			expectResumed(t, r, ids)
			if n := e.gw.backlogLen("bob", tok); n != -1 {
				t.Fatalf("backlog of %d left after the resume", n)
			}
			// Live again: the next message is a plain push.
			more := sendAll(t, alice, "d", 1)
			if f := r.next(); f.ReqIdentifier != wire.PushMsg {
				t.Fatalf("frame %+v, want the push of %s", f, more[0])
			}
		})
	}
}

// TestResumeOtherToken: another session of the user gets nothing of the backlog, which stays
// for its own token.
func TestResumeOtherToken(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice", "bob")
	alice := e.dial("alice", 5, e.token("alice", 5), client.DialOptions{})
	tok := e.token("bob", 5)
	hangUp(t, e, dialRaw(t, e, "bob", tok, 5, wire.Codec{}), "bob")
	ids := sendAll(t, alice, "c", 3)
	other := dialRaw(t, e, "bob", e.token("bob", 3), 3, wire.Codec{})
	askSeqs(t, other)
	expectResumed(t, other, nil)
	if n := e.gw.backlogLen("bob", tok); n != 3 {
		t.Fatalf("backlog %d, want 3", n)
	}
	r := dialRaw(t, e, "bob", tok, 5, wire.Codec{})
	askSeqs(t, r)
	expectResumed(t, r, ids)
}

// TestResumeNotAfterKickOrLogout: a kicked or logged-out session, or one whose token is kicked
// while it is away, keeps no backlog.
func TestResumeNotAfterKickOrLogout(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice", "bob")
	alice := e.dial("alice", 5, e.token("alice", 5), client.DialOptions{})

	// Kicked while connected (a new token on the same platform).
	kicked := e.token("bob", 5)
	r := dialRaw(t, e, "bob", kicked, 5, wire.Codec{})
	tok := e.token("bob", 5)
	if f := r.next(); f.ReqIdentifier != wire.KickOnline {
		t.Fatalf("frame %+v, want 2002", f)
	}
	r.closed()
	waitFor(t, "the kicked connection to end", func() bool { return len(e.gw.conns("bob")) == 0 })
	if n := e.gw.backlogLen("bob", kicked); n != -1 {
		t.Fatalf("a kicked session has a backlog of %d", n)
	}

	// Logged out (2003).
	c := e.dial("bob", 5, tok, client.DialOptions{})
	if err := c.Logout(context.Background(), 5); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the logged-out connection to end", func() bool { return len(e.gw.conns("bob")) == 0 })
	if n := e.gw.backlogLen("bob", tok); n != -1 {
		t.Fatalf("a logged-out session has a backlog of %d", n)
	}

	// Away, then its token is kicked: the backlog goes, and nothing reaches the new session.
	hangUp(t, e, dialRaw(t, e, "bob", tok, 5, wire.Codec{}), "bob")
	sendAll(t, alice, "c", 2)
	if n := e.gw.backlogLen("bob", tok); n != 2 {
		t.Fatalf("backlog %d, want 2", n)
	}
	fresh := e.token("bob", 5)
	if n := e.gw.backlogLen("bob", tok); n != -1 {
		t.Fatalf("a kicked token kept a backlog of %d", n)
	}
	r = dialRaw(t, e, "bob", fresh, 5, wire.Codec{})
	askSeqs(t, r)
	expectResumed(t, r, nil)
}

// TestResumeLimits: a backlog past ResumeMax is dropped (the client resyncs as without one), and
// one older than ResumeTTL is deleted.
func TestResumeLimits(t *testing.T) {
	e := newEnv(t, envOpts{resumeMax: 2})
	e.users("alice", "bob")
	alice := e.dial("alice", 5, e.token("alice", 5), client.DialOptions{})
	tok := e.token("bob", 5)
	hangUp(t, e, dialRaw(t, e, "bob", tok, 5, wire.Codec{}), "bob")
	sendAll(t, alice, "c", 2)
	if n := e.gw.backlogLen("bob", tok); n != 2 {
		t.Fatalf("backlog %d, want 2", n)
	}
	sendAll(t, alice, "d", 1)
	if n := e.gw.backlogLen("bob", tok); n != -1 {
		t.Fatalf("backlog %d past the limit, want none", n)
	}
	r := dialRaw(t, e, "bob", tok, 5, wire.Codec{})
	askSeqs(t, r)
	expectResumed(t, r, nil)

	e2 := newEnv(t, envOpts{resumeTTL: 20 * time.Millisecond})
	e2.users("bob")
	tok2 := e2.token("bob", 5)
	hangUp(t, e2, dialRaw(t, e2, "bob", tok2, 5, wire.Codec{}), "bob")
	waitFor(t, "the backlog to expire", func() bool { return e2.gw.backlogLen("bob", tok2) == -1 })
}
