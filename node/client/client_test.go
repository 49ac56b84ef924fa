package client

import (
	"testing"

	"lanim/node/gateway/wire"
)

// The query is the JS SDK's, parameter for parameter and in its order (openim-wire.md 1.1).
func TestWSURL(t *testing.T) {
	cases := []struct {
		addr string
		o    DialOptions
		want string
	}{
		{"127.0.0.1:10001", DialOptions{UserID: "A", Token: "tokA", PlatformID: 5, OperationID: "op1", SDKType: "js"},
			"ws://127.0.0.1:10001?sendID=A&token=tokA&platformID=5&operationID=op1&isBackground=false&isMsgResp=true&sdkType=js"},
		{"ws://h:1/ws", DialOptions{UserID: "A", Token: "t", PlatformID: 3, OperationID: "o", SDKType: "go", Gzip: true,
			NoConnectResult: true, Background: true},
			"ws://h:1/ws?sendID=A&token=t&platformID=3&operationID=o&isBackground=true&isMsgResp=false&sdkType=go&compression=gzip"},
	}
	for _, tc := range cases {
		if got := wsURL(tc.addr, tc.o); got != tc.want {
			t.Errorf("wsURL(%q)\n got %s\nwant %s", tc.addr, got, tc.want)
		}
	}
}

func TestDecodePush(t *testing.T) {
	if p, err := decodePush(&wire.Resp{ReqIdentifier: wire.KickOnline, OperationID: "o"}); err != nil || !p.Kicked() {
		t.Fatalf("kick: %+v %v", p, err)
	}
	if _, err := decodePush(&wire.Resp{ReqIdentifier: wire.PushMsg, Data: []byte{0xff}}); err == nil {
		t.Fatal("a bad 2001 decoded")
	}
	if p, err := decodePush(&wire.Resp{ReqIdentifier: wire.SubUserOnlineStatus}); err != nil || p.Status == nil {
		t.Fatalf("empty 2005: %+v %v", p, err)
	}
}
