package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"lanim/node/gateway/wire"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// readTimeout bounds a pull request's database work.
const readTimeout = 10 * time.Second

func knownRequest(id int32) bool {
	switch id {
	case wire.GetNewestSeq, wire.PullBySeqRanges, wire.SendMsg, wire.SendSignalMsg, wire.PullBySeqs,
		wire.HasReadAndMaxSeq, wire.PullLastMessage, wire.Logout, wire.SetBackground, wire.SubUserOnlineStatus:
		return true
	}
	return false
}

// serveRequest answers one request. Every request gets an answer, errors included, and the
// connection stays open (logout aside): the SDK has no timeout, a lost answer hangs it forever.
func (c *conn) serveRequest(req *wire.Req) {
	defer func() {
		if p := recover(); p != nil {
			c.g.cfg.Log.Error("panic serving ws request", "req", req.ReqIdentifier, "panic", p, "stack", string(debug.Stack()))
			c.reply(req, nil, openim.ErrInternal.With("internal error"))
		}
	}()
	var data []byte
	var err error
	switch req.ReqIdentifier {
	case wire.SendMsg:
		c.send(req)
		return
	case wire.Logout:
		c.logout(req)
		return
	case wire.GetNewestSeq:
		data, err = serveRead(c, req, func(r *pb.GetMaxSeqReq) string { return r.UserID },
			func(ctx context.Context, q store.Q, uid string, _ *pb.GetMaxSeqReq) (*pb.GetMaxSeqResp, error) {
				return c.g.cfg.Reader.NewestSeqs(ctx, q, uid)
			})
	case wire.PullBySeqRanges:
		data, err = serveRead(c, req, func(r *pb.PullMessageBySeqsReq) string { return r.UserID }, c.g.cfg.Reader.PullBySeqRanges)
	case wire.PullBySeqs:
		data, err = serveRead(c, req, func(r *pb.GetSeqMessageReq) string { return r.UserID }, c.g.cfg.Reader.PullBySeqs)
	case wire.HasReadAndMaxSeq:
		data, err = serveRead(c, req, func(r *pb.GetConversationsHasReadAndMaxSeqReq) string { return r.UserID },
			c.g.cfg.Reader.HasReadAndMaxSeqs)
	case wire.PullLastMessage:
		data, err = serveRead(c, req, func(r *pb.GetLastMessageReq) string { return r.UserID }, c.g.cfg.Reader.LastMessages)
	case wire.SetBackground:
		err = c.setBackground(req)
	case wire.SubUserOnlineStatus:
		data, err = c.subscribeStatus(req)
	case wire.SendSignalMsg:
		err = openim.ErrArgs.With("reqIdentifier 1004 (SendSignalMsg) is not supported: send messages with 1003")
	default:
		err = openim.ErrArgs.With("unknown reqIdentifier %d", req.ReqIdentifier)
	}
	c.reply(req, data, err)
}

// serveRead decodes a pull request, checks it is the connection's own, runs it on the read pool
// and encodes the answer. An empty answer gets a harmless unknown field (field 15, varint 0) so it
// is not "no data" to the JS SDK, which crashes on null for 1002 and 1005 (openim-wire.md 7.7).
func serveRead[R any, PR interface {
	*R
	proto.Message
}, S proto.Message](c *conn, req *wire.Req, userOf func(PR) string,
	fn func(context.Context, store.Q, string, PR) (S, error)) ([]byte, error) {
	in := PR(new(R))
	if err := proto.Unmarshal(req.Data, in); err != nil {
		return nil, openim.ErrArgs.With("request %d: bad protobuf: %v", req.ReqIdentifier, err)
	}
	if uid := userOf(in); uid != "" && uid != c.userID {
		return nil, openim.ErrNoPermission.With("userID %q is not the connection's user %s", uid, c.userID)
	}
	if c.g.q == nil {
		return nil, openim.ErrInternal.With("no database")
	}
	ctx, cancel := context.WithTimeout(c.ctx, readTimeout)
	defer cancel()
	out, err := fn(ctx, c.g.q, c.userID, in)
	if err != nil {
		return nil, err
	}
	b, err := proto.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode response %d: %w", req.ReqIdentifier, err)
	}
	if len(b) == 0 {
		b = []byte{0x78, 0x00}
	}
	return b, nil
}

// reply queues the answer to req.
func (c *conn) reply(req *wire.Req, data []byte, err error) {
	if err != nil {
		c.enqueue(c.errorFrame(req, err))
		return
	}
	c.enqueue(c.respFrame(&wire.Resp{ReqIdentifier: req.ReqIdentifier, MsgIncr: req.MsgIncr,
		OperationID: req.OperationID, Data: data}, 0, ""))
}

// errorFrame is the error answer to req. WS has no errDlt, so errMsg carries the detail after the
// code's name.
func (c *conn) errorFrame(req *wire.Req, err error) frame {
	e, internal := im.Public(err)
	if internal {
		c.g.cfg.Log.Error("ws request failed", "req", req.ReqIdentifier, "user", c.userID, "err", err)
	}
	return c.respFrame(&wire.Resp{ReqIdentifier: req.ReqIdentifier, MsgIncr: req.MsgIncr, OperationID: req.OperationID,
		ErrCode: e.Code, ErrMsg: errMsg(e)}, 0, "")
}

func errMsg(e *openim.Error) string {
	if e.Detail == "" {
		return e.Msg
	}
	return e.Msg + ": " + e.Detail
}

// respFrame encodes a response for this connection. An encoding failure (never expected: the
// envelope is plain data) becomes a drop, as the client could not be answered anyway.
func (c *conn) respFrame(r *wire.Resp, closeCode websocket.StatusCode, reason string) frame {
	b, err := c.codec.EncodeResp(r)
	if err != nil {
		c.g.cfg.Log.Error("encode ws response", "err", err)
		return frame{closeCode: websocket.StatusInternalError, reason: "encoding failed"}
	}
	return frame{typ: websocket.MessageBinary, data: b, closeCode: closeCode, reason: reason}
}

// logout (2003): reply, then close. Push tokens are not kept by LanIM, so there is nothing to drop.
func (c *conn) logout(req *wire.Req) {
	var in pb.DelUserPushTokenReq
	if err := proto.Unmarshal(req.Data, &in); err != nil {
		c.reply(req, nil, openim.ErrArgs.With("logout: bad protobuf: %v", err))
		return
	}
	c.noResume.Store(true)
	c.push(c.respFrame(&wire.Resp{ReqIdentifier: req.ReqIdentifier, MsgIncr: req.MsgIncr, OperationID: req.OperationID},
		statusNormal, "logged out"), "")
}

// setBackground (2004) records the app's background flag (upstream uses it only for iOS push).
func (c *conn) setBackground(req *wire.Req) error {
	var in pb.SetAppBackgroundStatusReq
	if err := proto.Unmarshal(req.Data, &in); err != nil {
		return openim.ErrArgs.With("background: bad protobuf: %v", err)
	}
	if in.UserID != "" && in.UserID != c.userID {
		return openim.ErrNoPermission.With("userID %q is not the connection's user %s", in.UserID, c.userID)
	}
	c.background.Store(in.IsBackground)
	return nil
}

// subscribeStatus (2005) records the subscription changes and answers the current platforms of
// each newly subscribed user.
func (c *conn) subscribeStatus(req *wire.Req) ([]byte, error) {
	var in pb.SubUserOnlineStatus
	if err := proto.Unmarshal(req.Data, &in); err != nil {
		return nil, openim.ErrArgs.With("subscribe: bad protobuf: %v", err)
	}
	for _, list := range [][]string{in.SubscribeUserID, in.UnsubscribeUserID} {
		if len(list) > openim.MaxBatch {
			return nil, openim.ErrArgs.With("subscribe: %d user IDs, at most %d", len(list), openim.MaxBatch)
		}
		for _, uid := range list {
			if uid == "" || len(uid) > openim.MaxIDLen {
				return nil, openim.ErrArgs.With("subscribe: bad user ID %q", uid)
			}
		}
	}
	c.mu.Lock()
	for _, uid := range in.UnsubscribeUserID {
		delete(c.subs, uid)
	}
	for _, uid := range in.SubscribeUserID {
		c.subs[uid] = struct{}{}
	}
	n := len(c.subs)
	if n > MaxSubscriptions {
		for _, uid := range in.SubscribeUserID {
			delete(c.subs, uid)
		}
	}
	c.mu.Unlock()
	if n > MaxSubscriptions {
		return nil, openim.ErrArgs.With("subscribe: at most %d users per connection", MaxSubscriptions)
	}
	for _, uid := range in.UnsubscribeUserID {
		c.g.unsubscribe(c, uid)
	}
	tips := &pb.SubUserOnlineStatusTips{}
	for _, uid := range in.SubscribeUserID {
		c.g.subscribe(c, uid)
		tips.Subscribers = append(tips.Subscribers, &pb.SubUserOnlineStatusElem{UserID: uid,
			OnlinePlatformIDs: c.g.hub.platforms(uid)})
	}
	return proto.Marshal(tips)
}

// send (1003): typing is delivered transiently; anything else is proposed as msg.send. The FSM
// publishes the echo push before Propose returns, so the echo is held (see conn.push) until the
// reply is queued: the SDK must see the reply first (openim-wire.md 7.3).
func (c *conn) send(req *wire.Req) {
	var msg pb.MsgData
	if err := proto.Unmarshal(req.Data, &msg); err != nil {
		c.reply(req, nil, openim.ErrArgs.With("send: bad protobuf MsgData: %v", err))
		return
	}
	if msg.SendID != c.userID {
		c.reply(req, nil, openim.ErrNoPermission.With("sendID %q is not the connection's user %s", msg.SendID, c.userID))
		return
	}
	if msg.ContentType == openim.Typing {
		data, err := c.sendTyping(req, &msg)
		c.reply(req, data, err)
		return
	}
	opID := req.OperationID
	if opID == "" {
		opID = c.opID
	}
	caller := im.Caller{UserID: c.userID, Platform: c.platformID}
	args := &im.SendMsg{MsgData: &msg}
	if err := args.Check(caller); err != nil {
		c.reply(req, nil, err)
		return
	}
	cmd, err := im.NewCommand("msg.send", caller, c.g.cfg.Now().UnixMilli(), opID, args)
	if err != nil {
		c.reply(req, nil, err)
		return
	}
	c.mu.Lock()
	c.pendingSend = msg.ClientMsgID
	c.mu.Unlock()

	ctx, cancel := context.WithTimeout(c.ctx, ProposeTimeout)
	res, err := c.g.cfg.Proposer.Propose(ctx, cmd)
	cancel()
	var f frame
	if data, rerr := sendReply(res, err); rerr != nil {
		f = c.errorFrame(req, rerr)
	} else {
		f = c.respFrame(&wire.Resp{ReqIdentifier: req.ReqIdentifier, MsgIncr: req.MsgIncr, OperationID: req.OperationID,
			Data: data}, 0, "")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.held) > 0 && !c.codec.Gob {
		f.gap = EchoGap
	}
	c.enqueue(f)
	for _, h := range c.held {
		c.enqueue(h)
	}
	c.held, c.pendingSend = nil, ""
}

func sendReply(res *im.Result, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return nil, res.Err
	}
	var r im.SendMsgResult
	if err := json.Unmarshal(res.Data, &r); err != nil {
		return nil, fmt.Errorf("decode msg.send result: %w", err)
	}
	return proto.Marshal(&pb.UserSendMsgResp{ServerMsgID: r.ServerMsgID, ClientMsgID: r.ClientMsgID, SendTime: r.SendTime})
}

// push queues a push, holding it behind a pending 1003 reply when it is that send's echo, or when
// an echo is already held (pushes keep their order).
func (c *conn) push(f frame, clientMsgID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pendingSend != "" && (len(c.held) > 0 || clientMsgID == c.pendingSend) {
		if len(c.held) >= c.g.cfg.QueueLen {
			c.g.cfg.Log.Warn("ws client too slow: dropped", "user", c.userID, "held", len(c.held))
			c.drop()
			return
		}
		c.held = append(c.held, f)
		return
	}
	c.enqueue(f)
}
