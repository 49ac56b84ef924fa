package auth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// Verifier checks tokens on every request: the JWT against the office key, then its status in the
// replicated token table, so a kick or force_logout on any node holds on all of them.
type Verifier struct {
	q store.Q

	mu     sync.Mutex
	signer *Signer
}

// NewVerifier reads the office key and token table through q (the read pool).
func NewVerifier(q store.Q) *Verifier { return &Verifier{q: q} }

// Signer returns the office's signer, loading the key the first time (the office may be created
// after the node starts).
func (v *Verifier) Signer(ctx context.Context) (*Signer, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.signer != nil {
		return v.signer, nil
	}
	off, err := im.LoadOffice(ctx, v.q)
	if err != nil {
		return nil, err
	}
	if off == nil {
		return nil, fmt.Errorf("the office is not created yet")
	}
	v.signer = NewSigner(off.JWTKey)
	return v.signer, nil
}

// Verify returns the token's claims, or the OpenIM error a client gets for it.
func (v *Verifier) Verify(ctx context.Context, token string, now time.Time) (*Claims, *openim.Error) {
	if token == "" {
		return nil, openim.ErrArgs.With("header must have token")
	}
	s, err := v.Signer(ctx)
	if err != nil {
		return nil, openim.ErrInternal.With("%v", err)
	}
	claims, ierr := s.Parse(token, now)
	if ierr != nil {
		return nil, ierr
	}
	status, ok, err := store.TokenStatus(ctx, v.q, token)
	switch {
	case err != nil:
		return nil, openim.ErrInternal.With("%v", err)
	case !ok:
		return nil, openim.ErrTokenNotExist.With("token is not known to this office")
	case status == openim.TokenKicked:
		return nil, openim.ErrTokenKicked.With("token was kicked")
	case status != openim.TokenNormal:
		return nil, openim.ErrTokenUnknown.With("token status %d", status)
	}
	return claims, nil
}
