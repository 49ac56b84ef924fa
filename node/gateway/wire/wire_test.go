package wire

import (
	"reflect"
	"testing"
)

// TestDecodedSharesNothingWithTheFrame: the gateway and the client read every frame into one reused
// buffer, so nothing decoded may point into the frame's bytes, in any of the four encodings.
func TestDecodedSharesNothingWithTheFrame(t *testing.T) {
	want := Resp{ReqIdentifier: PushMsg, MsgIncr: "m-1", OperationID: "op", ErrMsg: "e", Data: []byte("payload")}
	for _, c := range []Codec{{}, {Gzip: true}, {Gob: true}, {Gob: true, Gzip: true}} {
		frame, err := c.EncodeResp(&want)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.DecodeResp(frame)
		if err != nil {
			t.Fatal(err)
		}
		req, err := c.DecodeReq(frame) // a request's fields are a subset of these
		if err != nil {
			t.Fatal(err)
		}
		for i := range frame {
			frame[i] = 'x'
		}
		if !reflect.DeepEqual(*r, want) || req.MsgIncr != "m-1" || string(req.Data) != "payload" {
			t.Fatalf("%+v: after the frame was overwritten, decoded %+v and %+v", c, r, req)
		}
	}
}
