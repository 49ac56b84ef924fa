// Package wire is the OpenIM msg gateway's frame format, shared by the gateway and the Go client:
// request identifiers, the Req/Resp envelopes, their two encodings (JSON for sdkType=js, encoding/gob
// for sdkType=go), optional gzip, and the text frames (connect result, ping, pong).
// openim-wire.md sections 1-2 and openim-semantics.md section 7 are the reference.
package wire

import (
	"bytes"
	"compress/gzip"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Request identifiers. The names say what the request does; the SDK's and upstream's constant
// names for 1002 and 1005 are swapped (openim-wire.md 2.3), the payloads are authoritative.
const (
	GetNewestSeq        int32 = 1001 // GetMaxSeqReq → GetMaxSeqResp
	PullBySeqRanges     int32 = 1002 // PullMessageBySeqsReq → PullMessageBySeqsResp
	SendMsg             int32 = 1003 // MsgData → UserSendMsgResp
	SendSignalMsg       int32 = 1004 // legacy, refused
	PullBySeqs          int32 = 1005 // GetSeqMessageReq → GetSeqMessageResp
	HasReadAndMaxSeq    int32 = 1006 // GetConversationsHasReadAndMaxSeqReq → …Resp
	PullLastMessage     int32 = 1007 // GetLastMessageReq → GetLastMessageResp
	PushMsg             int32 = 2001 // server push: PushMessages
	KickOnline          int32 = 2002 // server push: no data, then close
	Logout              int32 = 2003 // DelUserPushTokenReq → nothing, then close
	SetBackground       int32 = 2004 // SetAppBackgroundStatusReq → nothing
	SubUserOnlineStatus int32 = 2005 // SubUserOnlineStatus → SubUserOnlineStatusTips; also pushed
	// PendingMsg is LanIM's own push (no OpenIM SDK knows it): PushMessages holding a message that
	// waits in its sender's node's outbox for a quorum. Only connections that asked for it at login
	// (lanimPending=true) get it; the committed message follows as a 2001 with the same clientMsgID.
	PendingMsg int32 = 2090
)

// Limits of a frame. ReadLimit is upstream's read limit for a client frame; a gzip frame may
// inflate to at most MaxInflated bytes (a 64 KiB message in base64 JSON fits easily).
const (
	ReadLimit   = 51200
	MaxInflated = 512 << 10
)

// Req is a client request. Gob matches these field names, JSON the tags.
type Req struct {
	ReqIdentifier int32  `json:"reqIdentifier"`
	Token         string `json:"token"`
	SendID        string `json:"sendID"`
	OperationID   string `json:"operationID"`
	MsgIncr       string `json:"msgIncr"`
	Data          []byte `json:"data"`
}

// Resp is a response or a push. A nil Data is JSON null ("no data" to the SDK); there is no errDlt.
type Resp struct {
	ReqIdentifier int32  `json:"reqIdentifier"`
	MsgIncr       string `json:"msgIncr"`
	OperationID   string `json:"operationID"`
	ErrCode       int    `json:"errCode"`
	ErrMsg        string `json:"errMsg"`
	Data          []byte `json:"data"`
}

// Codec encodes binary frames for one connection: JSON or gob, gzip or not.
type Codec struct {
	Gob  bool // sdkType=go
	Gzip bool // compression=gzip
}

// EncodeReq encodes a request frame.
func (c Codec) EncodeReq(r *Req) ([]byte, error) { return c.encode(r) }

// DecodeReq decodes a request frame.
func (c Codec) DecodeReq(b []byte) (*Req, error) { return decodeFrame[Req](c, b) }

// EncodeResp encodes a response or push frame.
func (c Codec) EncodeResp(r *Resp) ([]byte, error) { return c.encode(r) }

// DecodeResp decodes a response or push frame.
func (c Codec) DecodeResp(b []byte) (*Resp, error) { return decodeFrame[Resp](c, b) }

// decodeFrame decodes a frame of either kind (a method cannot take a type parameter).
func decodeFrame[F any](c Codec, b []byte) (*F, error) {
	var f F
	if err := c.decode(b, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// Peek recovers what it can of an undecodable JSON request (its id, msgIncr and operationID), so
// the gateway can answer it before closing and the SDK's pending request does not hang.
func (c Codec) Peek(b []byte) (id int32, msgIncr, opID string, ok bool) {
	if c.Gob {
		return 0, "", "", false
	}
	raw, err := c.inflate(b)
	if err != nil {
		return 0, "", "", false
	}
	var p struct {
		ReqIdentifier int32  `json:"reqIdentifier"`
		MsgIncr       string `json:"msgIncr"`
		OperationID   string `json:"operationID"`
	}
	// Unmarshal fills what it can before a type error, so keep whatever came through.
	_ = json.Unmarshal(raw, &p)
	return p.ReqIdentifier, p.MsgIncr, p.OperationID, p.MsgIncr != ""
}

func (c Codec) encode(v any) ([]byte, error) {
	var b []byte
	if c.Gob {
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(v); err != nil {
			return nil, fmt.Errorf("gob encode: %w", err)
		}
		b = buf.Bytes()
	} else {
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("json encode: %w", err)
		}
	}
	if !c.Gzip {
		return b, nil
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return buf.Bytes(), nil
}

func (c Codec) decode(b []byte, v any) (err error) {
	raw, err := c.inflate(b)
	if err != nil {
		return err
	}
	if !c.Gob {
		if err := json.Unmarshal(raw, v); err != nil {
			return fmt.Errorf("json decode: %w", err)
		}
		return nil
	}
	// gob trusts its input less than one would like; a malformed stream must never take the
	// connection's goroutine down with it.
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("gob decode: %v", p)
		}
	}()
	if err := gob.NewDecoder(bytes.NewReader(raw)).Decode(v); err != nil {
		return fmt.Errorf("gob decode: %w", err)
	}
	return nil
}

// ErrTooLarge is returned for a gzip frame that inflates past MaxInflated.
var ErrTooLarge = errors.New("frame inflates past the size limit")

func (c Codec) inflate(b []byte) ([]byte, error) {
	if !c.Gzip {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, MaxInflated+1))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	if len(out) > MaxInflated {
		return nil, ErrTooLarge
	}
	return out, nil
}

// Result is the JSON of upstream's ApiResponse without data: the connect result (the first text
// frame when isMsgResp=true) and the body of a refused handshake.
type Result struct {
	ErrCode int    `json:"errCode"`
	ErrMsg  string `json:"errMsg"`
	ErrDlt  string `json:"errDlt"`
}

// ConnectOK is the first text frame of an accepted connection, byte for byte upstream's.
var ConnectOK = []byte(`{"errCode":0,"errMsg":"","errDlt":""}`)

// Ping is the JS SDK's heartbeat text frame; Pong the server's answer, byte for byte upstream's.
var (
	Ping = []byte(`{"type":"ping"}`)
	Pong = []byte(`{"type":"pong","body":null}`)
)

// Text is a heartbeat text frame.
type Text struct {
	Type string          `json:"type"`
	Body json.RawMessage `json:"body,omitempty"`
}
