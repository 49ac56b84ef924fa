package ui

import (
	"context"
	"os/exec"
	"time"
)

// ioregIdle reads macOS's idle time and lock from ioreg, which every Mac has, so the app needs
// no IOKit binding: HIDIdleTime of IOHIDSystem, and CGSSessionScreenIsLocked in the console
// users of the registry's root.
type ioregIdle struct{}

func newIdleSource(context.Context) IdleSource { return ioregIdle{} }

func ioreg(ctx context.Context, args ...string) (string, bool) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "/usr/sbin/ioreg", args...).Output()
	return string(out), err == nil
}

func (ioregIdle) Idle(ctx context.Context) (time.Duration, bool) {
	out, ok := ioreg(ctx, "-c", "IOHIDSystem")
	if !ok {
		return 0, false
	}
	return parseHIDIdle(out)
}

func (ioregIdle) Locked(ctx context.Context) bool {
	out, ok := ioreg(ctx, "-n", "Root", "-d", "1")
	return ok && parseConsoleLocked(out)
}
