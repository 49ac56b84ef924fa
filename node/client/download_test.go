package client

import "testing"

func TestLocalURL(t *testing.T) {
	c := New("127.0.0.1:20002", nil)
	for in, want := range map[string]string{
		"http://127.0.0.1:10002/object/ab12/ann/msg_picture_1.png":                            "http://127.0.0.1:20002/object/ab12/ann/msg_picture_1.png",
		"http://10.0.0.5:10002/api/object/ab12/ann/a%20b.pdf?type=image&width=640&height=640": "http://127.0.0.1:20002/object/ab12/ann/a%20b.pdf?type=image&width=640&height=640",
		"https://example.com/pic.png":                                                         "https://example.com/pic.png",
		"emoji:🦊":                                                                             "emoji:🦊",
	} {
		if got := c.LocalURL(in); got != want {
			t.Errorf("LocalURL(%q) = %q, want %q", in, got, want)
		}
	}
}
