package gateway

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"lanim/node/gateway/wire"
	"lanim/node/openim"
	"lanim/node/pb"
)

// TestFramesSentWithTheUpgrade: a client may send its first frames right behind the upgrade
// request, before it reads the 101 (here in the same write, so net/http has read them into its
// buffer when the handler hijacks the connection). Those bytes must reach the WebSocket reader
// once and in order: when they were lost, the reader started inside a frame and the connection
// closed on a protocol error ("unexpected rsv bits"). net/http's own background read makes the
// same happen by chance with a client that waits for the 101: it may hold the first byte of the
// client's first frame when the handler hijacks.
func TestFramesSentWithTheUpgrade(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice")
	tok := e.token("alice", openim.PlatformWeb)
	codec := wire.Codec{}
	// Two requests, the second larger than the connection's buffer, so the early bytes span it.
	reqs := []string{"early-1", "early-2-" + string(bytes.Repeat([]byte("x"), 2*connBufSize))}
	var early []byte
	for _, incr := range reqs {
		data, err := proto.Marshal(&pb.GetMaxSeqReq{UserID: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		frame, err := codec.EncodeReq(&wire.Req{ReqIdentifier: wire.GetNewestSeq, SendID: "alice",
			OperationID: "op", MsgIncr: incr, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		early = append(early, clientFrame(2, frame)...) // 2: binary
	}
	upgrade := fmt.Sprintf("GET /?%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
		query("alice", tok, openim.PlatformWeb, "&isMsgResp=true&sdkType=js"), e.addr())

	conn, err := net.Dial("tcp", e.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second)) // bounds the test, asserts nothing
	// The first write ends inside the second frame; the rest follows the 101. Bytes lost at the
	// upgrade put the gateway's reader inside a frame, as in CI.
	cut := len(early) - connBufSize
	if _, err := conn.Write(append([]byte(upgrade), early[:cut]...)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", res, err)
	}
	if _, err := conn.Write(early[cut:]); err != nil {
		t.Fatal(err)
	}
	op, b := serverFrame(t, br)
	if op != 1 || string(b) != string(wire.ConnectOK) {
		t.Fatalf("first frame: opcode %d %q, want the connect result", op, b)
	}
	for _, incr := range reqs {
		op, b := serverFrame(t, br)
		if op == 8 {
			t.Fatalf("the gateway closed the connection: %q", b)
		}
		r, err := codec.DecodeResp(b)
		if err != nil || r.MsgIncr != incr || r.ErrCode != 0 {
			t.Fatalf("answer to %.10s…: %+v %v", incr, r, err)
		}
	}
}

// clientFrame is one final, masked client frame (RFC 6455 5.2) with a payload under 64 KiB.
func clientFrame(opcode byte, payload []byte) []byte {
	f := []byte{0x80 | opcode}
	if len(payload) < 126 {
		f = append(f, 0x80|byte(len(payload)))
	} else {
		f = append(f, 0x80|126)
		f = binary.BigEndian.AppendUint16(f, uint16(len(payload)))
	}
	mask := [4]byte{0x12, 0x34, 0x56, 0x78}
	f = append(f, mask[:]...)
	for i, c := range payload {
		f = append(f, c^mask[i%4])
	}
	return f
}

// serverFrame reads one unmasked, unfragmented server frame: its opcode and payload.
func serverFrame(t *testing.T, r io.Reader) (byte, []byte) {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		t.Fatalf("frame header: %v", err)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			t.Fatal(err)
		}
		n = uint64(binary.BigEndian.Uint16(l[:]))
	case 127:
		var l [8]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			t.Fatal(err)
		}
		n = binary.BigEndian.Uint64(l[:])
	}
	if h[0]&0x80 == 0 || h[1]&0x80 != 0 || n > wire.ReadLimit {
		t.Fatalf("frame header %x, length %d: want a final unmasked frame", h, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		t.Fatalf("frame payload: %v", err)
	}
	return h[0] & 0x0f, b
}
