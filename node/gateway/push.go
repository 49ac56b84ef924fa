package gateway

import (
	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"lanim/node/gateway/wire"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
)

// Publish delivers the events of a committed batch to this node's connections. It is called by the
// FSM and never blocks: frames are queued per connection, and a connection that cannot keep up is
// dropped.
func (g *Gateway) Publish(events []im.Event) {
	for _, ev := range events {
		if ev.Push != nil {
			g.deliverPush(ev.Push, "", true)
		}
		if ev.Kick != nil {
			g.deliverKick(ev.Kick)
		}
	}
}

// deliverPush sends a 2001 with one message to every connection of the push's users, except the
// connection whose key is except (the sender of a typing message). With keep (committed events,
// not transient ones) it also goes to the resume backlogs of the users' suspended sessions.
func (g *Gateway) deliverPush(p *im.Push, except string, keep bool) {
	if p.Msg == nil {
		return
	}
	var resp *wire.Resp
	encode := func() bool {
		data, err := proto.Marshal(pushMessages(p.ConversationID, p.Msg))
		if err != nil {
			g.cfg.Log.Error("encode push", "conversation", p.ConversationID, "err", err)
			return false
		}
		resp = &wire.Resp{ReqIdentifier: wire.PushMsg, OperationID: p.OperationID, Data: data}
		return true
	}
	var conns []*conn
	if keep {
		// One locked step: a session resuming now gets the push either in its backlog or live.
		g.mu.Lock()
		conns = g.connsLocked(p.UserIDs...)
		if g.hasBacklogLocked(p.UserIDs) {
			if !encode() {
				g.mu.Unlock()
				return
			}
			g.keepLocked(p.UserIDs, resp)
		}
		g.mu.Unlock()
	} else {
		conns = g.conns(p.UserIDs...)
	}
	if len(conns) == 0 || (resp == nil && !encode()) {
		return
	}
	enc := newFrameCache(resp)
	for _, c := range conns {
		if c.key == except {
			continue
		}
		if f, ok := enc.frame(g, c.codec); ok {
			c.push(f, p.Msg.ClientMsgID)
		}
	}
}

// pushMessages wraps one message as upstream's push frame: n_ conversations go in
// notificationMsgs, every other one in msgs.
func pushMessages(conversationID string, msg *pb.MsgData) *pb.PushMessages {
	entry := map[string]*pb.PullMsgs{conversationID: {Msgs: []*pb.MsgData{msg}}}
	if openim.IsNotificationConversation(conversationID) {
		return &pb.PushMessages{NotificationMsgs: entry}
	}
	return &pb.PushMessages{Msgs: entry}
}

// deliverKick sends 2002 and closes every connection holding one of the kicked tokens.
func (g *Gateway) deliverKick(k *im.Kick) {
	tokens := make(map[string]bool, len(k.Tokens))
	for _, t := range k.Tokens {
		tokens[t] = true
	}
	g.mu.Lock()
	g.forgetTokensLocked(k.UserID, tokens)
	g.mu.Unlock()
	for _, c := range g.conns(k.UserID) {
		if tokens[c.token] {
			c.kick()
		}
	}
}

// frameCache encodes one envelope once per codec in use (JSON or gob, gzip or not).
type frameCache struct {
	resp   *wire.Resp
	frames map[wire.Codec][]byte
}

func newFrameCache(r *wire.Resp) *frameCache {
	return &frameCache{resp: r, frames: make(map[wire.Codec][]byte, 1)}
}

func (fc *frameCache) frame(g *Gateway, codec wire.Codec) (frame, bool) {
	b, ok := fc.frames[codec]
	if !ok {
		var err error
		if b, err = codec.EncodeResp(fc.resp); err != nil {
			g.cfg.Log.Error("encode push frame", "err", err)
			return frame{}, false
		}
		fc.frames[codec] = b
	}
	return frame{typ: websocket.MessageBinary, data: b}, true
}
