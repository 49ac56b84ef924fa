package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"google.golang.org/protobuf/proto"

	"lanim/node/gateway/wire"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/pb"
	"lanim/node/store"
)

// FuzzDecodeReq: any client frame, in any of the four encodings, decodes or fails cleanly, and
// what decodes survives a round trip.
func FuzzDecodeReq(f *testing.F) {
	for _, codec := range []wire.Codec{{}, {Gzip: true}, {Gob: true}, {Gob: true, Gzip: true}} {
		b, _ := codec.EncodeReq(&wire.Req{ReqIdentifier: wire.SendMsg, SendID: "alice", OperationID: "op", MsgIncr: "m1",
			Data: []byte{0x0a, 0x05, 'a', 'l', 'i', 'c', 'e'}})
		f.Add(b, codec.Gob, codec.Gzip)
	}
	f.Add([]byte(`{"reqIdentifier":1006,"sendID":"a","msgIncr":"x","data":"CgFh"}`), false, false)
	f.Add([]byte(`{"reqIdentifier":"1","data":"!!"}`), false, false)
	f.Fuzz(func(t *testing.T, frame []byte, gob, gzip bool) {
		codec := wire.Codec{Gob: gob, Gzip: gzip}
		codec.Peek(frame)
		req, err := codec.DecodeReq(frame)
		if err != nil {
			return
		}
		b, err := codec.EncodeReq(req)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", req, err)
		}
		again, err := codec.DecodeReq(b)
		if err != nil || again.ReqIdentifier != req.ReqIdentifier || again.MsgIncr != req.MsgIncr ||
			string(again.Data) != string(req.Data) {
			t.Fatalf("round trip: %+v → %+v (%v)", req, again, err)
		}
	})
}

// FuzzRequest: any request data, for every request identifier, gets exactly one answer that
// echoes the request (an error is fine) and never takes the gateway down.
func FuzzRequest(f *testing.F) {
	seeds := map[int32]proto.Message{
		wire.GetNewestSeq:        &pb.GetMaxSeqReq{UserID: "alice"},
		wire.PullBySeqRanges:     &pb.PullMessageBySeqsReq{UserID: "alice", SeqRanges: []*pb.SeqRange{{ConversationID: "si_a_b", Begin: 1, End: 9, Num: 10}}},
		wire.SendMsg:             &pb.MsgData{SendID: "alice", RecvID: "bob", ClientMsgID: "c1", SessionType: 1, ContentType: 101, Content: []byte(`{"content":"hi"}`)},
		wire.PullBySeqs:          &pb.GetSeqMessageReq{UserID: "alice", Conversations: []*pb.ConversationSeqs{{ConversationID: "si_a_b", Seqs: []int64{0, 1, 2}}}},
		wire.HasReadAndMaxSeq:    &pb.GetConversationsHasReadAndMaxSeqReq{UserID: "alice"},
		wire.PullLastMessage:     &pb.GetLastMessageReq{UserID: "alice", ConversationIDs: []string{"si_a_b"}},
		wire.Logout:              &pb.DelUserPushTokenReq{UserID: "alice", PlatformID: 5},
		wire.SetBackground:       &pb.SetAppBackgroundStatusReq{UserID: "alice", IsBackground: true},
		wire.SubUserOnlineStatus: &pb.SubUserOnlineStatus{SubscribeUserID: []string{"bob"}},
	}
	for id, m := range seeds {
		b, _ := proto.Marshal(m)
		f.Add(id, b)
	}
	typing, _ := proto.Marshal(&pb.MsgData{SendID: "alice", RecvID: "bob", ClientMsgID: "t", SessionType: 1, ContentType: openim.Typing})
	f.Add(wire.SendMsg, typing)
	f.Add(wire.SendSignalMsg, []byte{})

	db, err := store.Open(filepath.Join(f.TempDir(), "state.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	g := New(Config{DB: db, Reader: &fakeReader{}, Proposer: acceptAll{},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	f.Cleanup(func() { g.Close(context.Background()) })

	f.Fuzz(func(t *testing.T, id int32, data []byte) {
		if !knownRequest(id) {
			return // closed by the reader before any worker sees it
		}
		c := newConn(g, params{userID: "alice", platformID: openim.PlatformWeb, operationID: "op"})
		defer c.cancel()
		c.ended = true // no writer (the connection has no socket): the test reads the queue
		c.serveRequest(&wire.Req{ReqIdentifier: id, SendID: "alice", MsgIncr: "m", OperationID: "o", Data: data})
		out := c.out.take()
		if len(out) != 1 {
			t.Fatalf("request %d: %d frames queued, want 1", id, len(out))
		}
		resp, err := c.codec.DecodeResp(out[0].data)
		if err != nil || resp.ReqIdentifier != id || resp.MsgIncr != "m" {
			t.Fatalf("request %d: answer %+v %v", id, resp, err)
		}
	})
}

// acceptAll answers every proposal like a successful msg.send.
type acceptAll struct{}

func (acceptAll) Propose(_ context.Context, cmd *im.Command) (*im.Result, error) {
	data, _ := json.Marshal(map[string]any{"serverMsgID": "s", "clientMsgID": "c", "sendTime": cmd.Time, "seq": 1})
	return &im.Result{Data: data}, nil
}
