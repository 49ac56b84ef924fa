// Package auth signs and parses the office's tokens: HS256 JWTs with upstream OpenIM's claims
// (UserID, PlatformID, exp, iat), signed with the office key every node holds.
package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"lanim/node/openim"
)

// TokenTTL is how long a token lives (upstream's default tokenPolicy.expire: 90 days).
const TokenTTL = 90 * 24 * time.Hour

// Claims are upstream's token claims. The custom names are capitalised, as upstream's JSON has them.
type Claims struct {
	UserID     string `json:"UserID"`
	PlatformID int32  `json:"PlatformID"`
	jwt.RegisteredClaims
}

// Signer signs and parses tokens with one office key.
type Signer struct {
	key []byte
}

// NewSigner returns a signer for the office key.
func NewSigner(key []byte) *Signer { return &Signer{key: key} }

// Sign makes a token for the user on a platform, valid for TokenTTL from now.
func (s *Signer) Sign(userID string, platformID int32, now time.Time) (token string, expire time.Time, err error) {
	expire = now.Add(TokenTTL)
	// A random ID keeps two tokens issued in the same second distinct: each is its own row in the
	// token table, kicked or valid on its own.
	id := make([]byte, 12)
	if _, err := rand.Read(id); err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	claims := Claims{UserID: userID, PlatformID: platformID, RegisteredClaims: jwt.RegisteredClaims{
		ExpiresAt: jwt.NewNumericDate(expire),
		IssuedAt:  jwt.NewNumericDate(now.Add(-5 * time.Second)),
		ID:        base64.RawURLEncoding.EncodeToString(id),
	}}
	token, err = jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign token: %w", err)
	}
	return token, expire, nil
}

// Parse checks a token's signature and times and returns its claims, or upstream's token error:
// 1501 expired, 1503 malformed, 1504 not valid yet, 1505 anything else (a wrong signature).
func (s *Signer) Parse(token string, now time.Time) (*Claims, *openim.Error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithExpirationRequired())
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, openim.ErrTokenExpired.With("token expired")
	case errors.Is(err, jwt.ErrTokenMalformed):
		return nil, openim.ErrTokenMalformed.With("token is not a JWT")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return nil, openim.ErrTokenNotValidYet.With("token not valid yet")
	default:
		return nil, openim.ErrTokenUnknown.With("%v", err)
	}
	if c.UserID == "" {
		return nil, openim.ErrTokenUnknown.With("token has no UserID")
	}
	return &c, nil
}
