package replication

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// A join code is everything a newcomer needs, in one string an admin can paste into a chat or an
// e-mail (like a k3s token): the office ID (to find members by mDNS when the addresses moved), the
// SHA-256 of the office CA certificate (to authenticate the member it dials before sending
// anything), a one-time secret (to authenticate itself) and the cluster addresses of some members.
//
// Wire form: "lanim1-" + base64url(version 2 | pin[32] | secret[10] | len officeID | officeID |
// count | (len addr | addr)...). The office ID and the addresses are not secret; the secret is
// single-use and only its hash is kept in the office's state. Version 1 codes (a 16-byte secret)
// from older releases still parse.
//
// The same secret is also handed out alone as a short code a person can read aloud or type (see
// shortcode.go), for a newcomer that found the office on the LAN.

const (
	joinCodePrefix  = "lanim1-"
	joinCodeVersion = 2
	maxCodeAddrs    = 8
	// secretLen is the size of an invite's secret: 80 bits, the short code's 16 base32 characters.
	secretLen = 10
	// secretLenV1 is the secret size of version 1 codes.
	secretLenV1 = 16
)

type joinCode struct {
	OfficeID string
	Pin      [32]byte
	Secret   []byte
	Addrs    []string
}

var errBadJoinCode = errors.New("malformed join code")

func (c *joinCode) String() string {
	version := byte(joinCodeVersion)
	if len(c.Secret) == secretLenV1 {
		version = 1
	}
	b := []byte{version}
	b = append(b, c.Pin[:]...)
	b = append(b, c.Secret...)
	b = appendShort(b, c.OfficeID)
	addrs := c.Addrs
	if len(addrs) > maxCodeAddrs {
		addrs = addrs[:maxCodeAddrs]
	}
	b = append(b, byte(len(addrs)))
	for _, a := range addrs {
		b = appendShort(b, a)
	}
	return joinCodePrefix + base64.RawURLEncoding.EncodeToString(b)
}

func appendShort(b []byte, s string) []byte {
	if len(s) > 255 {
		s = s[:255]
	}
	return append(append(b, byte(len(s))), s...)
}

// parseJoinCode reads a join code; surrounding white space is ignored.
func parseJoinCode(s string) (*joinCode, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, joinCodePrefix) {
		return nil, fmt.Errorf("%w: it starts with %q", errBadJoinCode, joinCodePrefix)
	}
	b, err := base64.RawURLEncoding.DecodeString(s[len(joinCodePrefix):])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadJoinCode, err)
	}
	r := reader{b: b}
	size := 0
	switch v := r.byte(); v {
	case 1:
		size = secretLenV1
	case joinCodeVersion:
		size = secretLen
	default:
		return nil, fmt.Errorf("%w: version %d", errBadJoinCode, v)
	}
	c := &joinCode{}
	copy(c.Pin[:], r.next(32))
	c.Secret = bytes.Clone(r.next(size))
	c.OfficeID = r.short()
	n := int(r.byte())
	if n > maxCodeAddrs {
		return nil, fmt.Errorf("%w: %d addresses", errBadJoinCode, n)
	}
	for range n {
		c.Addrs = append(c.Addrs, r.short())
	}
	if r.bad || len(r.b) != 0 {
		return nil, fmt.Errorf("%w: wrong length", errBadJoinCode)
	}
	return c, nil
}

// reader takes fields off a byte slice; a short read sets bad.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) next(n int) []byte {
	if len(r.b) < n {
		r.bad = true
		r.b = nil
		return make([]byte, n)
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte { return r.next(1)[0] }

func (r *reader) short() string { return string(r.next(int(r.byte()))) }
