package client

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"lanim/node/gateway/wire"
	"lanim/node/openim"
	"lanim/node/pb"
)

// DialOptions are a WebSocket login's parameters.
type DialOptions struct {
	UserID     string
	Token      string
	PlatformID int32
	// SDKType is "js" (JSON envelopes, the default) or "go" (gob envelopes).
	SDKType string
	// Gzip asks for gzip frames (compression=gzip).
	Gzip bool
	// OperationID of the login (random when empty); the node stamps it on connection-level pushes.
	OperationID string
	Background  bool
	// NoConnectResult dials with isMsgResp=false, as the Go SDK does: no first text frame, and a
	// refused login is a plain HTTP answer.
	NoConnectResult bool
	// PingInterval is the heartbeat: a text ping for js (the SDK's 10 s), an RFC 6455 ping for go.
	// No pong by the next tick closes the connection. 0 means 10 s; negative disables it.
	PingInterval time.Duration
	// PushBuffer is the capacity of the Pushes channel (1024 when 0). The reader waits for room,
	// so a consumer that stops draining stalls the connection until the node drops it.
	PushBuffer int
	HTTPClient *http.Client
	HTTPHeader http.Header
	// Pending asks for LanIM's pushes of messages still waiting for a quorum (lanimPending=true,
	// wire.PendingMsg), which the OpenIM SDKs never ask for.
	Pending bool
	// DropPushes reads the node's pushes and drops them undecoded: Pushes delivers nothing. For a
	// connection used only to send (a benchmark's senders), whose pushes nobody looks at.
	DropPushes bool
}

// Push is a frame the node sent on its own: 2001 (Msgs), 2002 (kicked; the node closes next),
// 2005 (Status) or LanIM's 2090 (Msgs: messages waiting for a quorum, with DialOptions.Pending).
type Push struct {
	ReqIdentifier int32
	OperationID   string
	Msgs          *pb.PushMessages
	Status        *pb.SubUserOnlineStatusTips
}

// Pending reports whether the push is LanIM's 2090: messages waiting for a quorum, not committed.
func (p Push) Pending() bool { return p.ReqIdentifier == wire.PendingMsg }

// Kicked reports whether the push is 2002 KickOnlineMsg.
func (p Push) Kicked() bool { return p.ReqIdentifier == wire.KickOnline }

// Conn is a logged-in WebSocket connection. Its methods may be called concurrently.
type Conn struct {
	ws     *websocket.Conn
	codec  wire.Codec
	userID string
	opID   string

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	pushes chan Push
	drop   bool // DialOptions.DropPushes
	pongs  chan struct{}
	done   chan struct{}

	mu      sync.Mutex
	pending map[string]chan *wire.Resp
	seq     uint64
	prefix  string
	err     error
}

// Dial logs in over WebSocket at addr ("127.0.0.1:10001" or a ws:// URL). A refused login is an
// *openim.Error (1501-1507 token, 1601 too many connections, 1602 bad parameters).
func Dial(ctx context.Context, addr string, o DialOptions) (*Conn, error) {
	if o.SDKType == "" {
		o.SDKType = "js"
	}
	if o.OperationID == "" {
		o.OperationID = NewOperationID()
	}
	if o.PingInterval == 0 {
		o.PingInterval = 10 * time.Second
	}
	if o.PushBuffer <= 0 {
		o.PushBuffer = 1024
	}
	u := wsURL(addr, o)
	ws, res, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: o.HTTPClient, HTTPHeader: o.HTTPHeader})
	if err != nil {
		if res != nil && res.StatusCode == http.StatusOK && res.Body != nil {
			body, _ := io.ReadAll(res.Body)
			var r wire.Result
			if json.Unmarshal(body, &r) == nil && r.ErrCode != 0 {
				return nil, &openim.Error{Code: r.ErrCode, Msg: r.ErrMsg, Detail: r.ErrDlt}
			}
		}
		return nil, fmt.Errorf("ws dial: %w", err)
	}
	ws.SetReadLimit(64 << 20)
	if !o.NoConnectResult {
		if err := connectResult(ctx, ws); err != nil {
			ws.CloseNow()
			return nil, err
		}
	}
	c := &Conn{
		ws:      ws,
		codec:   wire.Codec{Gob: o.SDKType == "go", Gzip: o.Gzip},
		userID:  o.UserID,
		opID:    o.OperationID,
		pushes:  make(chan Push, o.PushBuffer),
		drop:    o.DropPushes,
		pongs:   make(chan struct{}, 1),
		done:    make(chan struct{}),
		pending: map[string]chan *wire.Resp{},
		prefix:  randomID(),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.wg.Add(1)
	go func() { defer c.wg.Done(); c.readLoop() }()
	if o.PingInterval > 0 {
		c.wg.Add(1)
		go func() { defer c.wg.Done(); c.pingLoop(o.PingInterval, o.SDKType == "go") }()
	}
	return c, nil
}

// wsURL builds the JS SDK's query (same order, same parameters).
func wsURL(addr string, o DialOptions) string {
	if !strings.Contains(addr, "://") {
		addr = "ws://" + addr
	}
	q := "sendID=" + url.QueryEscape(o.UserID) + "&token=" + url.QueryEscape(o.Token) +
		"&platformID=" + strconv.Itoa(int(o.PlatformID)) + "&operationID=" + url.QueryEscape(o.OperationID) +
		"&isBackground=" + strconv.FormatBool(o.Background) + "&isMsgResp=" + strconv.FormatBool(!o.NoConnectResult) +
		"&sdkType=" + url.QueryEscape(o.SDKType)
	if o.Gzip {
		q += "&compression=gzip"
	}
	if o.Pending {
		q += "&lanimPending=true"
	}
	sep := "?"
	if strings.Contains(addr, "?") {
		sep = "&"
	}
	return addr + sep + q
}

// connectResult reads the first text frame: the login's result.
func connectResult(ctx context.Context, ws *websocket.Conn) error {
	typ, b, err := ws.Read(ctx)
	if err != nil {
		return fmt.Errorf("ws: reading the connect result: %w", err)
	}
	if typ != websocket.MessageText {
		return fmt.Errorf("ws: first frame is %v, want the text connect result", typ)
	}
	var r wire.Result
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("ws: bad connect result %q: %w", b, err)
	}
	if r.ErrCode != 0 {
		return &openim.Error{Code: r.ErrCode, Msg: r.ErrMsg, Detail: r.ErrDlt}
	}
	return nil
}

// UserID is the connection's user.
func (c *Conn) UserID() string { return c.userID }

// Pushes delivers the node's pushes in order; it is closed when the connection ends.
func (c *Conn) Pushes() <-chan Push { return c.pushes }

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection ended (nil while it is open).
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close closes the connection (a close handshake, at most a few seconds) and waits for its
// goroutines.
func (c *Conn) Close() error {
	c.ws.Close(websocket.StatusNormalClosure, "")
	c.cancel()
	c.wg.Wait()
	return nil
}

// Request sends a request and decodes the answer's data into resp (when not nil). An errCode is
// returned as an *openim.Error.
func (c *Conn) Request(ctx context.Context, id int32, req, resp proto.Message) error {
	var data []byte
	if req != nil {
		var err error
		if data, err = proto.Marshal(req); err != nil {
			return fmt.Errorf("ws %d: encode: %w", id, err)
		}
	}
	r, err := c.RequestRaw(ctx, &wire.Req{ReqIdentifier: id, SendID: c.userID, OperationID: OperationID(ctx), Data: data})
	if err != nil {
		return err
	}
	if r.ErrCode != 0 {
		msg, detail, _ := strings.Cut(r.ErrMsg, ": ")
		return &openim.Error{Code: r.ErrCode, Msg: msg, Detail: detail}
	}
	if resp != nil {
		if err := proto.Unmarshal(r.Data, resp); err != nil {
			return fmt.Errorf("ws %d: decode answer: %w", id, err)
		}
	}
	return nil
}

// RequestRaw sends an envelope (MsgIncr is filled in) and returns the answer envelope.
func (c *Conn) RequestRaw(ctx context.Context, req *wire.Req) (*wire.Resp, error) {
	ch := make(chan *wire.Resp, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	c.seq++
	req.MsgIncr = c.prefix + "-" + strconv.FormatUint(c.seq, 10)
	c.pending[req.MsgIncr] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, req.MsgIncr)
		c.mu.Unlock()
	}()
	b, err := c.codec.EncodeReq(req)
	if err != nil {
		return nil, err
	}
	if err := c.ws.Write(ctx, websocket.MessageBinary, b); err != nil {
		return nil, fmt.Errorf("ws %d: send: %w", req.ReqIdentifier, err)
	}
	select {
	case r, ok := <-ch:
		if !ok {
			return nil, fmt.Errorf("ws %d: %w", req.ReqIdentifier, c.Err())
		}
		return r, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("ws %d: %w", req.ReqIdentifier, ctx.Err())
	}
}

func (c *Conn) readLoop() {
	err := c.read()
	c.mu.Lock()
	if err == nil {
		err = errors.New("ws: connection closed")
	}
	c.err = err
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
	c.mu.Unlock()
	c.cancel()
	close(c.pushes)
	close(c.done)
}

// maxKeptBuf is the largest read buffer a connection keeps for its next frame; a larger frame's
// buffer (a big pull answer) is let go.
const maxKeptBuf = 64 << 10

func (c *Conn) read() error {
	// One buffer for every frame: what is decoded from a frame never shares its bytes.
	var buf bytes.Buffer
	for {
		// No context: Close and the heartbeat close the socket, which ends a read under way (a
		// context that can end costs coder/websocket a callback registered twice per frame).
		typ, fr, err := c.ws.Reader(context.Background())
		if err != nil {
			return fmt.Errorf("ws: %w", err)
		}
		if buf.Cap() > maxKeptBuf {
			buf = bytes.Buffer{}
		}
		buf.Reset()
		if _, err := buf.ReadFrom(fr); err != nil {
			return fmt.Errorf("ws: %w", err)
		}
		b := buf.Bytes()
		if typ == websocket.MessageText {
			var t wire.Text
			if json.Unmarshal(b, &t) == nil && t.Type == "pong" {
				select {
				case c.pongs <- struct{}{}:
				default:
				}
			}
			continue
		}
		r, err := c.codec.DecodeResp(b)
		if err != nil {
			return fmt.Errorf("ws: undecodable frame: %w", err)
		}
		if r.MsgIncr != "" {
			c.mu.Lock()
			ch := c.pending[r.MsgIncr]
			c.mu.Unlock()
			if ch != nil {
				select {
				case ch <- r:
				default: // a second answer to one request: ignore it
				}
			}
			continue
		}
		if c.drop {
			continue
		}
		p, err := decodePush(r)
		if err != nil {
			return err
		}
		select {
		case c.pushes <- p:
		case <-c.ctx.Done():
			return c.ctx.Err()
		}
	}
}

func decodePush(r *wire.Resp) (Push, error) {
	p := Push{ReqIdentifier: r.ReqIdentifier, OperationID: r.OperationID}
	var err error
	switch r.ReqIdentifier {
	case wire.PushMsg, wire.PendingMsg:
		p.Msgs = &pb.PushMessages{}
		err = proto.Unmarshal(r.Data, p.Msgs)
	case wire.SubUserOnlineStatus:
		p.Status = &pb.SubUserOnlineStatusTips{}
		err = proto.Unmarshal(r.Data, p.Status)
	}
	if err != nil {
		return p, fmt.Errorf("ws: bad push %d: %w", r.ReqIdentifier, err)
	}
	return p, nil
}

// pingLoop is the heartbeat: a ping each interval; no pong by the next tick closes the connection.
func (c *Conn) pingLoop(every time.Duration, control bool) {
	t := time.NewTicker(every)
	defer t.Stop()
	waiting := false
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.pongs:
			waiting = false
		case <-t.C:
			if control {
				ctx, cancel := context.WithTimeout(c.ctx, every)
				err := c.ws.Ping(ctx)
				cancel()
				if err != nil && c.ctx.Err() == nil {
					c.ws.CloseNow()
					return
				}
				continue
			}
			if waiting {
				c.ws.CloseNow()
				return
			}
			if err := c.ws.Write(c.ctx, websocket.MessageText, wire.Ping); err != nil {
				return
			}
			waiting = true
		}
	}
}

// Ping sends one text ping and waits for the pong (the pong also satisfies the heartbeat).
func (c *Conn) Ping(ctx context.Context) error {
	if err := c.ws.Write(ctx, websocket.MessageText, wire.Ping); err != nil {
		return err
	}
	select {
	case <-c.pongs:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return c.Err()
	}
}

func randomID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// SendMsg sends a message (1003); the node fills serverMsgID and sendTime.
func (c *Conn) SendMsg(ctx context.Context, msg *pb.MsgData) (*pb.UserSendMsgResp, error) {
	var r pb.UserSendMsgResp
	return &r, c.Request(ctx, wire.SendMsg, msg, &r)
}

// NewestSeqs is 1001: the max and min seq of each of the user's conversations.
func (c *Conn) NewestSeqs(ctx context.Context) (*pb.GetMaxSeqResp, error) {
	var r pb.GetMaxSeqResp
	return &r, c.Request(ctx, wire.GetNewestSeq, &pb.GetMaxSeqReq{UserID: c.userID}, &r)
}

// PullBySeqRanges is 1002: the last num messages of each range.
func (c *Conn) PullBySeqRanges(ctx context.Context, ranges ...*pb.SeqRange) (*pb.PullMessageBySeqsResp, error) {
	var r pb.PullMessageBySeqsResp
	return &r, c.Request(ctx, wire.PullBySeqRanges, &pb.PullMessageBySeqsReq{UserID: c.userID, SeqRanges: ranges}, &r)
}

// PullBySeqs is 1005: the listed seqs of each conversation.
func (c *Conn) PullBySeqs(ctx context.Context, convs ...*pb.ConversationSeqs) (*pb.GetSeqMessageResp, error) {
	var r pb.GetSeqMessageResp
	return &r, c.Request(ctx, wire.PullBySeqs, &pb.GetSeqMessageReq{UserID: c.userID, Conversations: convs}, &r)
}

// HasReadAndMaxSeqs is 1006: read and max seqs of the listed conversations (all when none).
func (c *Conn) HasReadAndMaxSeqs(ctx context.Context, conversationIDs ...string) (*pb.GetConversationsHasReadAndMaxSeqResp, error) {
	var r pb.GetConversationsHasReadAndMaxSeqResp
	return &r, c.Request(ctx, wire.HasReadAndMaxSeq,
		&pb.GetConversationsHasReadAndMaxSeqReq{UserID: c.userID, ConversationIDs: conversationIDs}, &r)
}

// LastMessages is 1007: the newest message of each conversation.
func (c *Conn) LastMessages(ctx context.Context, conversationIDs ...string) (*pb.GetLastMessageResp, error) {
	var r pb.GetLastMessageResp
	return &r, c.Request(ctx, wire.PullLastMessage, &pb.GetLastMessageReq{UserID: c.userID, ConversationIDs: conversationIDs}, &r)
}

// SubscribeStatus is 2005: watch and unwatch users' online status; the answer lists the
// platforms of each newly watched user. Changes then arrive as 2005 pushes.
func (c *Conn) SubscribeStatus(ctx context.Context, subscribe, unsubscribe []string) (*pb.SubUserOnlineStatusTips, error) {
	var r pb.SubUserOnlineStatusTips
	return &r, c.Request(ctx, wire.SubUserOnlineStatus,
		&pb.SubUserOnlineStatus{SubscribeUserID: subscribe, UnsubscribeUserID: unsubscribe}, &r)
}

// SetBackground is 2004.
func (c *Conn) SetBackground(ctx context.Context, background bool) error {
	return c.Request(ctx, wire.SetBackground, &pb.SetAppBackgroundStatusReq{UserID: c.userID, IsBackground: background}, nil)
}

// Logout is 2003: the node answers, then closes the connection.
func (c *Conn) Logout(ctx context.Context, platformID int32) error {
	return c.Request(ctx, wire.Logout, &pb.DelUserPushTokenReq{UserID: c.userID, PlatformID: platformID}, nil)
}
