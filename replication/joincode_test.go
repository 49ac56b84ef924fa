package replication

import (
	"bytes"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestJoinCodeRoundTrip(t *testing.T) {
	long := strings.Repeat("x", 300)
	cases := []struct {
		name string
		in   joinCode
		want joinCode
	}{
		{"typical", joinCode{OfficeID: "a1b2c3d4e5f60718", Addrs: []string{"192.168.1.10:7000", "192.168.1.11:7000"}},
			joinCode{OfficeID: "a1b2c3d4e5f60718", Addrs: []string{"192.168.1.10:7000", "192.168.1.11:7000"}}},
		{"no addresses", joinCode{OfficeID: "o"}, joinCode{OfficeID: "o"}},
		{"long fields are cut to 255 bytes", joinCode{OfficeID: long, Addrs: []string{long}},
			joinCode{OfficeID: long[:255], Addrs: []string{long[:255]}}},
		{"at most eight addresses", joinCode{Addrs: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9"}},
			joinCode{Addrs: []string{"1", "2", "3", "4", "5", "6", "7", "8"}}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Every other case is a version 1 code (a 16-byte secret), which still parses.
			tc.in.Secret = make([]byte, []int{secretLen, secretLenV1}[i%2])
			tc.in.Pin[0], tc.in.Pin[31], tc.in.Secret[0], tc.in.Secret[len(tc.in.Secret)-1] = byte(i), 0xff, 0xaa, byte(i+1)
			tc.want.Pin, tc.want.Secret = tc.in.Pin, tc.in.Secret
			s := tc.in.String()
			if !strings.HasPrefix(s, joinCodePrefix) {
				t.Fatalf("code %q", s)
			}
			got, err := parseJoinCode("  " + s + "\n")
			if err != nil {
				t.Fatal(err)
			}
			if got.OfficeID != tc.want.OfficeID || got.Pin != tc.want.Pin || !bytes.Equal(got.Secret, tc.want.Secret) ||
				!slices.Equal(got.Addrs, tc.want.Addrs) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestJoinCodeMalformed(t *testing.T) {
	valid := (&joinCode{OfficeID: "office", Addrs: []string{"10.0.0.1:7000"}}).String()
	payload, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(valid, joinCodePrefix))
	enc := func(b []byte) string { return joinCodePrefix + base64.RawURLEncoding.EncodeToString(b) }
	version2 := append([]byte{2}, payload[1:]...)
	tooMany := append(slices.Clone(payload[:len(payload)-len("10.0.0.1:7000")-2]), 9)
	cases := map[string]string{
		"empty":          "",
		"no prefix":      strings.TrimPrefix(valid, joinCodePrefix),
		"not base64":     joinCodePrefix + "!!!",
		"truncated":      enc(payload[:40]),
		"trailing bytes": enc(append(slices.Clone(payload), 0)),
		"short address":  enc(payload[:len(payload)-3]),
		"version 2":      enc(version2),
		"nine addresses": enc(tooMany),
	}
	for name, code := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := parseJoinCode(code); !errors.Is(err, errBadJoinCode) {
				t.Fatalf("parse %q: %v, want a malformed-code error", code, err)
			}
		})
	}
}
