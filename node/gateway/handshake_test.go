package gateway

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"

	"lanim/node/client"
	"lanim/node/gateway/wire"
	"lanim/node/openim"
)

// rawDial opens a WebSocket with a raw query; the caller closes it.
func rawDial(t *testing.T, e *testEnv, query string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws, res, err := websocket.Dial(ctx, "ws://"+e.addr()+"/any/path?"+query, nil)
	if ws != nil {
		ws.SetReadLimit(1 << 20)
		t.Cleanup(func() { ws.CloseNow() })
	}
	return ws, res, err
}

func readFrame(t *testing.T, ws *websocket.Conn) (websocket.MessageType, []byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return ws.Read(ctx)
}

func query(uid, token string, pid int32, extra string) string {
	return fmt.Sprintf("sendID=%s&token=%s&platformID=%d&operationID=op1&isBackground=false%s", uid, token, pid, extra)
}

func TestHandshake(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice", "bob")
	alice := e.token("alice", openim.PlatformWeb)
	aliceIOS := e.token("alice", openim.PlatformIOS)
	bob := e.token("bob", openim.PlatformWeb)
	kicked := e.token("bob", openim.PlatformIOS)
	e.token("bob", openim.PlatformIOS) // kicks the previous iOS token
	forged, _, _ := auth_signerOther().Sign("alice", openim.PlatformWeb, time.Now())

	cases := []struct {
		name  string
		query string
		code  int // 0: accepted
	}{
		{"js", query("alice", alice, 5, "&isMsgResp=true&sdkType=js"), 0},
		{"go default", query("alice", alice, 5, "&isMsgResp=true"), 0},
		{"gzip", query("alice", alice, 5, "&isMsgResp=true&sdkType=js&compression=gzip"), 0},
		{"no sendID", "token=" + alice + "&platformID=5&operationID=o&isBackground=false&isMsgResp=true", 1602},
		{"no token", "sendID=alice&platformID=5&operationID=o&isBackground=false&isMsgResp=true", 1602},
		{"no operationID", "sendID=alice&token=" + alice + "&platformID=5&isBackground=false&isMsgResp=true", 1602},
		{"unknown platform", query("alice", alice, 42, "&isMsgResp=true"), 1602},
		{"no isBackground", "sendID=alice&token=" + alice + "&platformID=5&operationID=o&isMsgResp=true", 1602},
		{"bad isBackground", "sendID=alice&token=" + alice + "&platformID=5&operationID=o&isBackground=maybe&isMsgResp=true", 1602},
		{"bad sdkType", query("alice", alice, 5, "&isMsgResp=true&sdkType=xml"), 1602},
		{"not a JWT", query("alice", "garbage", 5, "&isMsgResp=true&sdkType=js"), 1503},
		{"foreign signature", query("alice", forged, 5, "&isMsgResp=true&sdkType=js"), 1505},
		{"someone else's token", query("alice", bob, 5, "&isMsgResp=true&sdkType=js"), 1502},
		{"other platform's token", query("alice", aliceIOS, 5, "&isMsgResp=true&sdkType=js"), 1502},
		{"kicked token", query("bob", kicked, 1, "&isMsgResp=true&sdkType=js"), 1506},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws, _, err := rawDial(t, e, tc.query)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			typ, b, err := readFrame(t, ws)
			if err != nil || typ != websocket.MessageText {
				t.Fatalf("first frame: %v %v", typ, err)
			}
			if tc.code == 0 {
				if string(b) != string(wire.ConnectOK) {
					t.Fatalf("first frame %s, want %s", b, wire.ConnectOK)
				}
				return
			}
			var r wire.Result
			if err := json.Unmarshal(b, &r); err != nil || r.ErrCode != tc.code || r.ErrMsg == "" {
				t.Fatalf("first frame %s, want errCode %d", b, tc.code)
			}
			if _, _, err := readFrame(t, ws); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Fatalf("after the error: %v, want a close", err)
			}
		})
	}

	t.Run("isMsgResp false refusal is HTTP 200 JSON", func(t *testing.T) {
		res, err := http.Get(e.srv.URL + "/?" + query("alice", bob, 5, "&isMsgResp=false&sdkType=js"))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		var r wire.Result
		if res.StatusCode != 200 || json.Unmarshal(b, &r) != nil || r.ErrCode != 1502 {
			t.Fatalf("HTTP %d %s", res.StatusCode, b)
		}
		_, err = client.Dial(context.Background(), e.addr(), client.DialOptions{UserID: "alice", Token: bob,
			PlatformID: 5, NoConnectResult: true})
		if openim.Code(err) != 1502 {
			t.Fatalf("client dial: %v, want 1502", err)
		}
	})

	t.Run("isMsgResp false success has no first frame", func(t *testing.T) {
		c := e.dial("alice", 5, alice, client.DialOptions{NoConnectResult: true, SDKType: "go"})
		if _, err := c.NewestSeqs(context.Background()); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("v form", func(t *testing.T) {
		v, _ := json.Marshal(map[string]any{"token": alice, "userID": "alice", "platformID": 5, "operationID": "o",
			"sdkType": "js", "sendResponse": true})
		ws, _, err := rawDial(t, e, "v="+base64.RawURLEncoding.EncodeToString(v))
		if err != nil {
			t.Fatal(err)
		}
		if _, b, err := readFrame(t, ws); err != nil || string(b) != string(wire.ConnectOK) {
			t.Fatalf("v form: %s %v", b, err)
		}
		bad, _ := json.Marshal(map[string]any{"token": alice, "userID": "alice", "platformID": 99, "operationID": "o",
			"sendResponse": true})
		ws, _, err = rawDial(t, e, "v="+base64.RawURLEncoding.EncodeToString(bad))
		if err != nil {
			t.Fatal(err)
		}
		if _, b, _ := readFrame(t, ws); !jsonCode(b, 1602) {
			t.Fatalf("bad v form: %s", b)
		}
	})
}

func TestHandshakeConnLimit(t *testing.T) {
	e := newEnv(t, envOpts{maxConns: 2})
	e.users("alice")
	tok := e.token("alice", openim.PlatformWeb)
	e.dial("alice", 5, tok, client.DialOptions{})
	e.dial("alice", 5, tok, client.DialOptions{})
	_, err := client.Dial(context.Background(), e.addr(), client.DialOptions{UserID: "alice", Token: tok, PlatformID: 5})
	var ae *openim.Error
	if !errors.As(err, &ae) || ae.Code != 1601 {
		t.Fatalf("third connection: %v, want 1601", err)
	}
}

func jsonCode(b []byte, code int) bool {
	var r wire.Result
	return json.Unmarshal(b, &r) == nil && r.ErrCode == code
}
