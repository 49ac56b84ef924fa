package auth

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"lanim/node/openim"
)

func TestSignParse(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	s := NewSigner(key)
	now := time.Unix(1_800_000_000, 0)
	tok, exp, err := s.Sign("alice", openim.PlatformWeb, now)
	if err != nil {
		t.Fatal(err)
	}
	if !exp.Equal(now.Add(TokenTTL)) {
		t.Fatalf("expire %v", exp)
	}
	tok2, _, _ := s.Sign("alice", openim.PlatformWeb, now)
	if tok == tok2 {
		t.Fatal("two tokens issued in the same second are equal")
	}
	c, ierr := s.Parse(tok, now.Add(time.Hour))
	if ierr != nil || c.UserID != "alice" || c.PlatformID != openim.PlatformWeb {
		t.Fatalf("parse: %+v %v", c, ierr)
	}

	other, _, _ := NewSigner([]byte("another key another key another k")).Sign("alice", 5, now)
	hs384, _ := jwt.NewWithClaims(jwt.SigningMethodHS384, Claims{UserID: "alice",
		RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}).SignedString(key)
	noUser, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{
		RegisteredClaims: jwt.RegisteredClaims{ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))}}).SignedString(key)
	for _, tc := range []struct {
		name  string
		token string
		at    time.Time
		code  int
	}{
		{"expired", tok, now.Add(TokenTTL + time.Second), openim.ErrTokenExpired.Code},
		{"garbage", "not-a-jwt", now, openim.ErrTokenMalformed.Code},
		{"other key", other, now, openim.ErrTokenUnknown.Code},
		{"other algorithm", hs384, now, openim.ErrTokenUnknown.Code},
		{"no user", noUser, now, openim.ErrTokenUnknown.Code},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ierr := s.Parse(tc.token, tc.at); ierr == nil || ierr.Code != tc.code {
				t.Fatalf("got %v, want code %d", ierr, tc.code)
			}
		})
	}
}
