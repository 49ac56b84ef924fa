package ui

import (
	"context"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// screenLock asks the desktop whether the screen is locked: on Linux the session bus's screen
// saver service (org.freedesktop.ScreenSaver, else GNOME's org.gnome.ScreenSaver), GetActive.
// Elsewhere, or without a session bus, it answers false and the idle time alone makes the user
// away. One connection, dialled on first use and closed with the controller's context.
type screenLock struct {
	ctx  context.Context
	mu   sync.Mutex
	conn *dbus.Conn
	dead bool // no session bus, or no screen saver service answered
}

// screenSavers are the services asked in order: name, object path.
var screenSavers = [][2]string{
	{"org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver"},
	{"org.gnome.ScreenSaver", "/org/gnome/ScreenSaver"},
}

// locked reports whether the screen is locked; it blocks on D-Bus (at most a second), so the
// controller asks from its watch goroutine, never from the UI goroutine.
func (s *screenLock) locked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead || runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return false
	}
	if s.conn == nil {
		network, addr, ok := sessionBusSocket(os.Getenv, fileExists)
		if !ok || network == "" {
			s.dead = true
			return false
		}
		if network == "unix" && len(addr) > 0 && addr[0] == '@' {
			addr = "unix:abstract=" + addr[1:]
		} else {
			addr = "unix:path=" + addr
		}
		conn, err := dbus.Connect(addr, dbus.WithContext(s.ctx))
		if err != nil {
			s.dead = true
			return false
		}
		s.conn = conn
		context.AfterFunc(s.ctx, func() { conn.Close() })
	}
	for _, svc := range screenSavers {
		ctx, cancel := context.WithTimeout(s.ctx, time.Second)
		var active bool
		err := s.conn.Object(svc[0], dbus.ObjectPath(svc[1])).CallWithContext(ctx, svc[0]+".GetActive", 0).Store(&active)
		cancel()
		if err == nil {
			return active
		}
	}
	s.dead = true // no screen saver service: do not ask every half minute
	return false
}
