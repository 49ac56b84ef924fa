package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"

	sqlite3 "github.com/mattn/go-sqlite3"

	"lanim/node/openim"
)

// TestDecodeRefusesInvalidUTF8: a body whose strings are not UTF-8 (raw bytes, or an escaped lone
// surrogate) is refused with 1001, not decoded into U+FFFD as encoding/json would.
func TestDecodeRefusesInvalidUTF8(t *testing.T) {
	var v struct {
		Name string `json:"name"`
	}
	for _, body := range []string{"{\"name\":\"a\xffb\"}", "{\"name\":\"\xc3\"}", `{"name":"\ud800"}`,
		`{"name":"\udc00x"}`, `{"name":"\ud800\u0041"}`, `{"name":"\uD83D"}`} {
		if err := decode([]byte(body), &v); !errors.Is(err, openim.ErrArgs) {
			t.Errorf("%q: decoded as %q, err %v; want 1001", body, v.Name, err)
		}
	}
	for body, want := range map[string]string{`{"name":"\ud83d\ude00"}`: "😀", `{"name":"\\ud800"}`: `\ud800`,
		`{"name":"é\u00e9\ufffd"}`: "éé\ufffd", `{"name":"a\\\"b"}`: `a\"b`} {
		if err := decode([]byte(body), &v); err != nil || v.Name != want {
			t.Errorf("%s: decoded %q, %v; want %q", body, v.Name, err, want)
		}
	}
}

// TestInternalErrorsSayNoMore: a failure that is not an OpenIM error reaches the client as a
// ServerInternalError with a generic detail (its text, file paths and all, goes to the log), and
// a full disk as 1693 DiskFull, whatever layer it comes from.
func TestInternalErrorsSayNoMore(t *testing.T) {
	var logged bytes.Buffer
	s := New(Config{Log: slog.New(slog.NewTextHandler(&logged, nil))})
	for _, tc := range []struct {
		err  error
		code int
	}{
		{fmt.Errorf("open /home/ann/.local/share/lanim/state.db: permission denied"), 500},
		{openim.ErrInternal.With("hash password: /tmp/x"), 500},
		{fmt.Errorf("propose user.update: %w", sqlite3.Error{Code: sqlite3.ErrFull}), 1693},
		{fmt.Errorf("write /data/raft/raft.db: %w", &os.PathError{Op: "write", Path: "/data/raft/raft.db", Err: syscall.ENOSPC}), 1693},
		{openim.ErrArgs.With("userID is required"), 1001},
	} {
		w := httptest.NewRecorder()
		s.write(w, httptest.NewRequest("POST", "/x", nil), nil, tc.err)
		var env envelope
		if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
			t.Fatal(err)
		}
		if env.ErrCode != tc.code || strings.Contains(env.ErrDlt, "/") {
			t.Errorf("%v: answered %d %q, want code %d and no path", tc.err, env.ErrCode, env.ErrDlt, tc.code)
		}
	}
	if !strings.Contains(logged.String(), "/home/ann/.local/share/lanim/state.db") {
		t.Errorf("the log lacks the internal error's detail:\n%s", logged.String())
	}
}

// TestGoneCallerIsNotLogged: a request whose caller went away (its context cancelled mid-call, as
// a status poller's timeout does) logs no error; the same failure with the caller still there does.
func TestGoneCallerIsNotLogged(t *testing.T) {
	var logged bytes.Buffer
	s := New(Config{Log: slog.New(slog.NewTextHandler(&logged, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := fmt.Errorf("state digest: %w", context.Canceled)
	s.write(httptest.NewRecorder(), httptest.NewRequest("POST", "/cluster/status", nil).WithContext(ctx), nil, err)
	if logged.Len() != 0 {
		t.Fatalf("a gone caller was logged:\n%s", logged.String())
	}
	s.write(httptest.NewRecorder(), httptest.NewRequest("POST", "/cluster/status", nil), nil, err)
	if !strings.Contains(logged.String(), "context canceled") {
		t.Fatalf("a failure with the caller present was not logged: %q", logged.String())
	}
}
