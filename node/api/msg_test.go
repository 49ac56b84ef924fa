package api

import (
	"encoding/base64"
	"errors"
	"testing"

	"lanim/node/openim"
)

func TestMsgContentForms(t *testing.T) {
	elem := `{"content":"hi"}`
	cases := []struct {
		name, raw, want string
		bad             bool
	}{
		{"base64", `"` + base64.StdEncoding.EncodeToString([]byte(elem)) + `"`, elem, false},
		{"object", `{ "content" : "hi" }`, elem, false},
		{"object text in a string", `"{\"content\":\"hi\"}"`, elem, false},
		{"missing", ``, "", false},
		{"null", `null`, "", false},
		{"neither", `"%%%"`, "", true},
		{"number", `12`, "", true},
	}
	for _, c := range cases {
		got, err := msgContent([]byte(c.raw))
		if c.bad {
			if !errors.Is(err, openim.ErrArgs) {
				t.Errorf("%s: err %v, want ArgsError", c.name, err)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

func TestDecodeMsgDataKeepsFields(t *testing.T) {
	m, err := decodeMsgData([]byte(`{"sendID":"a","RECVID":"b","clientMsgID":"c1","sessionType":1,"contentType":101,
		"content":{"content":"hi"},"options":{"history":false}}`))
	if err != nil {
		t.Fatal(err)
	}
	if m.SendID != "a" || m.RecvID != "b" || m.ClientMsgID != "c1" || m.SessionType != 1 || m.ContentType != 101 ||
		string(m.Content) != `{"content":"hi"}` || m.Options["history"] {
		t.Fatalf("decoded %+v", m)
	}
	if _, err := decodeMsgData([]byte(`{"sessionType":"one"}`)); err == nil {
		t.Fatal("type mismatch accepted")
	}
}
