package ui

import (
	"bufio"
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// IdleSource tells how long the whole desktop has been without input and whether its screen
// is locked: typing in another program is not idle, a locked screen is away at once. One
// implementation per OS (idle_linux.go, idle_windows.go, idle_darwin.go); away.go applies the
// rule and has no OS code. Both calls may block (D-Bus, a command): the controller calls them
// off the UI goroutine.
type IdleSource interface {
	// Idle is the time since the last keyboard or mouse input anywhere on the desktop; ok is
	// false when the desktop does not tell, and the window's own input decides alone.
	Idle(ctx context.Context) (d time.Duration, ok bool)
	// Locked reports whether the screen is locked (false when it cannot be told).
	Locked(ctx context.Context) bool
}

// idleReading is one look at the idle source.
type idleReading struct {
	at     time.Time     // when it was read
	idle   time.Duration // the desktop's idle time then
	known  bool          // the desktop told its idle time
	locked bool
}

// readIdle asks the source once; the caller stamps the reading's time.
func readIdle(ctx context.Context, src IdleSource) idleReading {
	r := idleReading{locked: src.Locked(ctx)}
	r.idle, r.known = src.Idle(ctx)
	return r
}

// idleFromTicks is GetLastInputInfo's answer turned into a duration: both are the 32-bit
// millisecond tick count, which wraps after 49.7 days, so the difference is taken modulo 2^32.
func idleFromTicks(now, lastInput uint32) time.Duration {
	return time.Duration(now-lastInput) * time.Millisecond
}

// hidIdle finds HIDIdleTime (nanoseconds since the last input) in `ioreg -c IOHIDSystem`'s
// output; macOS lists it once per HID system entry, and the first is the session's.
var hidIdle = regexp.MustCompile(`"HIDIdleTime"\s*=\s*(\d+)`)

func parseHIDIdle(out string) (time.Duration, bool) {
	m := hidIdle.FindStringSubmatch(out)
	if m == nil {
		return 0, false
	}
	ns, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(ns), true
}

// parseConsoleLocked reads `ioreg -n Root -d1`'s IOConsoleUsers: the console session says
// "CGSSessionScreenIsLocked"=Yes while its screen is locked (the key is absent otherwise).
func parseConsoleLocked(out string) bool {
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "IOConsoleUsers") {
			continue
		}
		return strings.Contains(strings.ReplaceAll(line, " ", ""), `"CGSSessionScreenIsLocked"=Yes`)
	}
	return false
}
