package gateway

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"

	"lanim/node/client"
	"lanim/node/gateway/wire"
	"lanim/node/openim"
	"lanim/node/pb"
)

// raw is a test connection speaking frames directly.
type raw struct {
	t     *testing.T
	ws    *websocket.Conn
	codec wire.Codec
}

func dialRaw(t *testing.T, e *testEnv, uid, token string, pid int32, codec wire.Codec) *raw {
	t.Helper()
	extra := "&isMsgResp=true&sdkType=js"
	if codec.Gob {
		extra = "&isMsgResp=true&sdkType=go"
	}
	if codec.Gzip {
		extra += "&compression=gzip"
	}
	ws, _, err := rawDial(t, e, query(uid, token, pid, extra))
	if err != nil {
		t.Fatal(err)
	}
	if _, b, err := readFrame(t, ws); err != nil || !bytes.Equal(b, wire.ConnectOK) {
		t.Fatalf("connect: %s %v", b, err)
	}
	return &raw{t: t, ws: ws, codec: codec}
}

func (r *raw) write(typ websocket.MessageType, b []byte) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.ws.Write(ctx, typ, b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

func (r *raw) send(req *wire.Req) {
	r.t.Helper()
	b, err := r.codec.EncodeReq(req)
	if err != nil {
		r.t.Fatal(err)
	}
	r.write(websocket.MessageBinary, b)
}

// next reads the next binary frame.
func (r *raw) next() *wire.Resp {
	r.t.Helper()
	typ, b, err := readFrame(r.t, r.ws)
	if err != nil {
		r.t.Fatalf("read: %v", err)
	}
	if typ != websocket.MessageBinary {
		r.t.Fatalf("got a %v frame %s, want binary", typ, b)
	}
	resp, err := r.codec.DecodeResp(b)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

// closed asserts the node closes the connection next (frames before the close fail the test).
func (r *raw) closed() {
	r.t.Helper()
	typ, b, err := readFrame(r.t, r.ws)
	if err == nil {
		r.t.Fatalf("got a %v frame %q, want the connection closed", typ, b)
	}
}

func mustProto(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPingPong(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice")
	tok := e.token("alice", 5)
	r := dialRaw(t, e, "alice", tok, 5, wire.Codec{})
	r.write(websocket.MessageText, []byte(`{"type":"ping"}`))
	typ, b, err := readFrame(t, r.ws)
	if err != nil || typ != websocket.MessageText || string(b) != `{"type":"pong","body":null}` {
		t.Fatalf("pong: %v %s %v", typ, b, err)
	}
	r.write(websocket.MessageText, []byte(`{"type":"hello"}`))
	r.closed()

	// Gzip does not apply to text frames.
	r = dialRaw(t, e, "alice", tok, 5, wire.Codec{Gzip: true})
	r.write(websocket.MessageText, wire.Ping)
	if typ, b, err := readFrame(t, r.ws); err != nil || typ != websocket.MessageText || !bytes.Equal(b, wire.Pong) {
		t.Fatalf("gzip pong: %v %s %v", typ, b, err)
	}
}

// TestControlPings: the node pings Web (5) connections with RFC 6455 control frames, and no
// other platform; it answers a client's control ping with a pong; any frame, a control ping
// included, restarts the read deadline, and a connection that sends nothing past it is closed.
func TestControlPings(t *testing.T) {
	const readTimeout = 3 * time.Second // the client pings every tenth of it: a stall of this long on a busy CI machine is unlikely
	e := newEnv(t, envOpts{readTimeout: readTimeout, pingInterval: 50 * time.Millisecond})
	e.users("alice")
	tokens := map[int32]string{openim.PlatformWeb: e.token("alice", openim.PlatformWeb), openim.PlatformWindows: e.token("alice", openim.PlatformWindows)}

	// dial opens a raw connection that counts the node's pings and keeps reading (control frames
	// are handled inside Read); ended is closed when the node closes it.
	type pinged struct {
		ws    *websocket.Conn
		pings chan struct{}
		ended chan struct{}
	}
	dial := func(pid int32) *pinged {
		t.Helper()
		p := &pinged{pings: make(chan struct{}, 1024), ended: make(chan struct{})}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, "ws://"+e.addr()+"/?"+query("alice", tokens[pid], pid, "&isMsgResp=true&sdkType=js"),
			&websocket.DialOptions{OnPingReceived: func(context.Context, []byte) bool {
				select {
				case p.pings <- struct{}{}:
				default:
				}
				return true
			}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		p.ws = ws
		go func() {
			defer close(p.ended)
			for {
				if _, _, err := ws.Read(context.Background()); err != nil {
					return
				}
			}
		}()
		return p
	}
	web := dial(openim.PlatformWeb)
	windows := dial(openim.PlatformWindows)
	for i := 0; i < 3; i++ {
		select {
		case <-web.pings:
		case <-time.After(10 * time.Second):
			t.Fatalf("the Web connection got %d pings, want 3", i)
		}
	}
	if n := len(windows.pings); n != 0 {
		t.Fatalf("the Windows connection got %d pings; only Web gets them", n)
	}

	// The Windows connection's own pings get pongs (Ping returns on the pong) and keep it open
	// well past the read deadline.
	deadline := time.Now().Add(2 * readTimeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := windows.ws.Ping(ctx)
		cancel()
		if err != nil {
			t.Fatalf("control ping: %v", err)
		}
		time.Sleep(readTimeout / 10)
	}
	// Silent from now on: the node closes it.
	select {
	case <-windows.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("a silent connection outlived the read deadline")
	}
}

// TestEnvelopes runs one request through each encoding: JSON, gob, each with and without gzip.
func TestEnvelopes(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice")
	tok := e.token("alice", 5)
	for _, codec := range []wire.Codec{{}, {Gzip: true}, {Gob: true}, {Gob: true, Gzip: true}} {
		r := dialRaw(t, e, "alice", tok, 5, codec)
		r.send(&wire.Req{ReqIdentifier: wire.GetNewestSeq, SendID: "alice", OperationID: "op-env", MsgIncr: "m1",
			Data: mustProto(t, &pb.GetMaxSeqReq{UserID: "alice"})})
		resp := r.next()
		var seqs pb.GetMaxSeqResp
		if resp.ReqIdentifier != wire.GetNewestSeq || resp.MsgIncr != "m1" || resp.OperationID != "op-env" || resp.ErrCode != 0 ||
			proto.Unmarshal(resp.Data, &seqs) != nil || seqs.MaxSeqs["si_a_b"] != 7 {
			t.Fatalf("%+v: %+v", codec, resp)
		}
	}

	// The JSON envelope, byte for byte: data is padded standard base64, null when empty.
	r := dialRaw(t, e, "alice", tok, 5, wire.Codec{})
	r.write(websocket.MessageBinary, []byte(`{"reqIdentifier":2004,"sendID":"alice","operationID":"o","msgIncr":"x","data":""}`))
	_, b, err := readFrame(t, r.ws)
	if err != nil || string(b) != `{"reqIdentifier":2004,"msgIncr":"x","operationID":"o","errCode":0,"errMsg":"","data":null}` {
		t.Fatalf("json envelope: %s %v", b, err)
	}
}

// TestRequests covers every request identifier.
func TestRequests(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice", "bob")
	tok := e.token("alice", 5)
	c := e.dial("alice", 5, tok, client.DialOptions{})
	ctx := context.Background()

	if r, err := c.NewestSeqs(ctx); err != nil || r.MaxSeqs["si_a_b"] != 7 || r.MinSeqs["si_a_b"] != 1 {
		t.Fatalf("1001: %v %v", r, err)
	}
	if r, err := c.PullBySeqRanges(ctx, &pb.SeqRange{ConversationID: "si_a_b", Begin: 1, End: 5, Num: 10}); err != nil ||
		r.Msgs["si_a_b"].GetMsgs()[0].GetSeq() != 5 {
		t.Fatalf("1002: %v %v", r, err)
	}
	// An empty answer still carries data (the JS SDK treats null as "no data" and crashes on 1005).
	resp, err := c.RequestRaw(ctx, &wire.Req{ReqIdentifier: wire.PullBySeqs, SendID: "alice",
		Data: mustProto(t, &pb.GetSeqMessageReq{UserID: "alice"})})
	if err != nil || resp.ErrCode != 0 || len(resp.Data) == 0 {
		t.Fatalf("1005: %+v %v", resp, err)
	}
	if r, err := c.HasReadAndMaxSeqs(ctx); err != nil || r.Seqs["si_a_b"].GetHasReadSeq() != 3 {
		t.Fatalf("1006: %v %v", r, err)
	}
	if r, err := c.LastMessages(ctx, "si_a_b"); err != nil || r.Msgs["si_a_b"].GetClientMsgID() != "last" {
		t.Fatalf("1007: %v %v", r, err)
	}
	if _, err := c.LastMessages(ctx, "fail"); openim.Code(err) != 1004 {
		t.Fatalf("1007 error: %v, want 1004", err)
	}
	e.reader.mu.Lock()
	for _, u := range e.reader.users {
		if u != "alice" {
			t.Fatalf("reader asked for %q", u)
		}
	}
	e.reader.mu.Unlock()
	// Someone else's data: refused, connection stays open.
	if err := c.Request(ctx, wire.HasReadAndMaxSeq, &pb.GetConversationsHasReadAndMaxSeqReq{UserID: "bob"}, nil); openim.Code(err) != 1002 {
		t.Fatalf("1006 for bob: %v, want 1002", err)
	}
	if err := c.Request(ctx, wire.SendSignalMsg, nil, nil); openim.Code(err) != 1001 {
		t.Fatalf("1004: %v, want 1001", err)
	}
	if err := c.SetBackground(ctx, true); err != nil {
		t.Fatalf("2004: %v", err)
	}
	if cs := e.gw.conns("alice"); len(cs) != 1 || !cs[0].background.Load() {
		t.Fatal("2004 did not set the connection's background flag")
	}
	if err := c.Request(ctx, wire.SetBackground, &pb.SetAppBackgroundStatusReq{UserID: "bob", IsBackground: false}, nil); openim.Code(err) != 1002 {
		t.Fatalf("2004 for bob: %v, want 1002", err)
	}
	if tips, err := c.SubscribeStatus(ctx, []string{"alice", "bob"}, nil); err != nil || len(tips.Subscribers) != 2 ||
		tips.Subscribers[0].UserID != "alice" || len(tips.Subscribers[0].OnlinePlatformIDs) != 1 ||
		tips.Subscribers[0].OnlinePlatformIDs[0] != 5 || len(tips.Subscribers[1].OnlinePlatformIDs) != 0 {
		t.Fatalf("2005: %v %v", tips, err)
	}
	if err := c.Logout(ctx, 5); err != nil {
		t.Fatalf("2003: %v", err)
	}
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("connection still open after logout")
	}
}

// TestBadFrames: bad input gets an error answer or a close, never a crash, and other
// connections carry on.
func TestBadFrames(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice", "bob")
	tok := e.token("alice", 5)
	bobTok := e.token("bob", 5)
	bob := e.dial("bob", 5, bobTok, client.DialOptions{})

	t.Run("bad protobuf: error, stays open", func(t *testing.T) {
		r := dialRaw(t, e, "alice", tok, 5, wire.Codec{})
		for _, id := range []int32{wire.GetNewestSeq, wire.PullBySeqRanges, wire.SendMsg, wire.PullBySeqs,
			wire.HasReadAndMaxSeq, wire.PullLastMessage, wire.Logout, wire.SetBackground, wire.SubUserOnlineStatus} {
			r.send(&wire.Req{ReqIdentifier: id, SendID: "alice", MsgIncr: "bad", Data: []byte{0xff, 0xff, 0xff}})
			if resp := r.next(); resp.ErrCode != 1001 || resp.MsgIncr != "bad" || resp.ReqIdentifier != id {
				t.Fatalf("%d: %+v", id, resp)
			}
		}
		r.write(websocket.MessageText, wire.Ping)
		if _, b, err := readFrame(t, r.ws); err != nil || !bytes.Equal(b, wire.Pong) {
			t.Fatalf("still open? %s %v", b, err)
		}
	})
	closing := []struct {
		name  string
		frame string
		want  int // errCode of the answer before the close; 0 = no answer possible
	}{
		{"not JSON", `{{{`, 0},
		{"bad base64", `{"reqIdentifier":1001,"sendID":"alice","msgIncr":"m","data":"!!!"}`, 1001},
		{"url-safe base64", `{"reqIdentifier":1001,"sendID":"alice","msgIncr":"m","data":"-_-_"}`, 1001},
		{"wrong type", `{"reqIdentifier":"1001","sendID":"alice","msgIncr":"m"}`, 1001},
		{"unknown reqIdentifier", `{"reqIdentifier":4242,"sendID":"alice","msgIncr":"m"}`, 1001},
		{"sendID not the user", `{"reqIdentifier":1001,"sendID":"bob","msgIncr":"m"}`, 1002},
	}
	for _, tc := range closing {
		t.Run(tc.name, func(t *testing.T) {
			r := dialRaw(t, e, "alice", tok, 5, wire.Codec{})
			r.write(websocket.MessageBinary, []byte(tc.frame))
			if tc.want != 0 {
				if resp := r.next(); resp.ErrCode != tc.want || resp.MsgIncr != "m" {
					t.Fatalf("answer %+v, want errCode %d", resp, tc.want)
				}
			}
			r.closed()
		})
	}
	t.Run("gob garbage", func(t *testing.T) {
		r := dialRaw(t, e, "alice", tok, 5, wire.Codec{Gob: true})
		r.write(websocket.MessageBinary, []byte("\x07\xff\x00garbage"))
		r.closed()
	})
	t.Run("gzip garbage", func(t *testing.T) {
		r := dialRaw(t, e, "alice", tok, 5, wire.Codec{Gzip: true})
		r.write(websocket.MessageBinary, []byte("not gzip"))
		r.closed()
	})
	t.Run("gzip frame inflating past the limit", func(t *testing.T) {
		r := dialRaw(t, e, "alice", tok, 5, wire.Codec{Gzip: true})
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(`{"reqIdentifier":1001,"sendID":"alice","msgIncr":"m","data":"`))
		zw.Write(bytes.Repeat([]byte("A"), wire.MaxInflated))
		zw.Write([]byte(`"}`))
		zw.Close()
		if buf.Len() > wire.ReadLimit {
			t.Fatalf("test frame is %d bytes, over the read limit", buf.Len())
		}
		r.write(websocket.MessageBinary, buf.Bytes())
		r.closed()
	})
	t.Run("oversize frame", func(t *testing.T) {
		r := dialRaw(t, e, "alice", tok, 5, wire.Codec{})
		big := `{"reqIdentifier":1001,"sendID":"alice","msgIncr":"m","data":"` + strings.Repeat("A", wire.ReadLimit) + `"}`
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.ws.Write(ctx, websocket.MessageBinary, []byte(big)) // may fail once the node closes
		r.closed()
	})
	t.Run("flood is rate limited", func(t *testing.T) {
		r := dialRaw(t, e, "alice", tok, 5, wire.Codec{})
		// More than the burst, fewer than the queue (QueueLen): 300 answers could fill the queue
		// before the writer drained any, and the connection was then dropped as too slow (EOF).
		const n = ConnRequestBurst + 50
		for i := 0; i < n; i++ {
			r.send(&wire.Req{ReqIdentifier: wire.SetBackground, SendID: "alice", MsgIncr: "f"})
		}
		limited := 0
		for i := 0; i < n; i++ {
			resp := r.next()
			if resp.ErrCode == openim.ErrRateLimited.Code {
				limited++
				if !strings.Contains(resp.ErrMsg, "slow down") && !strings.Contains(resp.ErrMsg, "wait") {
					t.Fatalf("rate limit message %q", resp.ErrMsg)
				}
			} else if resp.ErrCode != 0 {
				t.Fatalf("flood answer %+v", resp)
			}
		}
		if limited == 0 {
			t.Fatal("a flood of requests was never limited")
		}
	})
	// The other user's connection never noticed.
	if _, err := bob.NewestSeqs(context.Background()); err != nil {
		t.Fatalf("bob after the bad frames: %v", err)
	}
}

func TestJSONEnvelopeShape(t *testing.T) {
	b, err := wire.Codec{}.EncodeResp(&wire.Resp{ReqIdentifier: 2001, Data: []byte{1, 2, 3, 250}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	if m["data"] != "AQID+g==" || m["msgIncr"] != "" {
		t.Fatalf("%s", b)
	}
}
