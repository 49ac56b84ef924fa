package api

import (
	"errors"
	"testing"

	"lanim/node/im"
)

// TestDecodeRefusesInvalidUTF8: a body whose strings are not UTF-8 (raw bytes, or an escaped lone
// surrogate) is refused with 1001, not decoded into U+FFFD as encoding/json would.
func TestDecodeRefusesInvalidUTF8(t *testing.T) {
	var v struct {
		Name string `json:"name"`
	}
	for _, body := range []string{"{\"name\":\"a\xffb\"}", "{\"name\":\"\xc3\"}", `{"name":"\ud800"}`,
		`{"name":"\udc00x"}`, `{"name":"\ud800\u0041"}`, `{"name":"\uD83D"}`} {
		if err := decode([]byte(body), &v); !errors.Is(err, im.ErrArgs) {
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
