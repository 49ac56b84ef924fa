//go:build !linux && !windows && !darwin

package ui

import (
	"context"
	"time"
)

// noIdle is the idle source of a system LanIM has no reading for: the window's input decides.
type noIdle struct{}

func newIdleSource(context.Context) IdleSource { return noIdle{} }

func (noIdle) Idle(context.Context) (time.Duration, bool) { return 0, false }
func (noIdle) Locked(context.Context) bool                { return false }
