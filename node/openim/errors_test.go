package openim

import (
	"errors"
	"fmt"
	"testing"
)

// TestErrorMatching: errors match by code whatever their detail, also wrapped, and Code reads
// the code through wrapping.
func TestErrorMatching(t *testing.T) {
	err := fmt.Errorf("call: %w", ErrTokenKicked.With("token was kicked"))
	if !errors.Is(err, ErrTokenKicked) || errors.Is(err, ErrTokenExpired) {
		t.Fatalf("errors.Is by code fails for %v", err)
	}
	if Code(err) != 1506 || Code(errors.New("x")) != 0 || Code(nil) != 0 {
		t.Fatalf("Code(%v) = %d", err, Code(err))
	}
	if got := ErrTokenKicked.With("token was kicked").Error(); got != "1506 TokenKickedError: token was kicked" {
		t.Fatalf("Error() = %q", got)
	}
	if e := AsError(errors.New("disk")); e.Code != ErrInternal.Code || e.Detail != "disk" {
		t.Fatalf("AsError = %+v", e)
	}
}

func TestIsTokenError(t *testing.T) {
	for code, want := range map[int]bool{1500: false, 1501: true, 1507: true, 1508: false, 1002: false} {
		if got := IsTokenError(&Error{Code: code}); got != want {
			t.Errorf("IsTokenError(%d) = %v, want %v", code, got, want)
		}
	}
}
