package ui

import (
	"context"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// sessionIdle is the Linux desktop's idle time and lock over the session bus: GNOME's
// org.gnome.Mutter.IdleMonitor GetIdletime (milliseconds, X11 and Wayland), else
// org.freedesktop.ScreenSaver GetSessionIdleTime (KDE, in milliseconds as kscreenlocker
// answers); the lock from org.freedesktop.ScreenSaver (or org.gnome.ScreenSaver) GetActive.
// No cgo X11 extension: a desktop without these services has no system-wide idle time and the
// window's own input decides. One connection, dialled on first use and closed with the
// controller's context; a service that does not answer is not asked again.
type sessionIdle struct {
	ctx  context.Context
	mu   sync.Mutex
	conn *dbus.Conn
	dead bool // no session bus
	// noIdle and noLock: no service answered that question; do not ask every half minute.
	noIdle, noLock bool
}

func newIdleSource(ctx context.Context) IdleSource { return &sessionIdle{ctx: ctx} }

// dbusCall is one D-Bus method: service, object path, interface.method.
type dbusCall struct{ dest, path, method string }

var (
	idleCalls = []dbusCall{
		{"org.gnome.Mutter.IdleMonitor", "/org/gnome/Mutter/IdleMonitor/Core", "org.gnome.Mutter.IdleMonitor.GetIdletime"},
		{"org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver.GetSessionIdleTime"},
	}
	lockCalls = []dbusCall{
		{"org.freedesktop.ScreenSaver", "/org/freedesktop/ScreenSaver", "org.freedesktop.ScreenSaver.GetActive"},
		{"org.gnome.ScreenSaver", "/org/gnome/ScreenSaver", "org.gnome.ScreenSaver.GetActive"},
	}
)

// bus is the session bus connection, dialled once; nil without one.
func (s *sessionIdle) bus() *dbus.Conn {
	if s.conn != nil || s.dead {
		return s.conn
	}
	addr := busAddress()
	if addr == "" {
		s.dead = true
		return nil
	}
	conn, err := dbus.Connect(addr, dbus.WithContext(s.ctx))
	if err != nil {
		s.dead = true
		return nil
	}
	s.conn = conn
	context.AfterFunc(s.ctx, func() { conn.Close() })
	return conn
}

// ask tries the calls in order and stores the first answer in out; false when none answered.
func (s *sessionIdle) ask(ctx context.Context, calls []dbusCall, out any) bool {
	conn := s.bus()
	if conn == nil {
		return false
	}
	for _, c := range calls {
		callCtx, cancel := context.WithTimeout(ctx, time.Second)
		err := conn.Object(c.dest, dbus.ObjectPath(c.path)).CallWithContext(callCtx, c.method, 0).Store(out)
		cancel()
		if err == nil {
			return true
		}
	}
	return false
}

func (s *sessionIdle) Idle(ctx context.Context) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noIdle {
		return 0, false
	}
	var ms uint64 // Mutter answers a uint64, the ScreenSaver a uint32: godbus converts either
	if !s.ask(ctx, idleCalls, &ms) {
		s.noIdle = true
		return 0, false
	}
	return time.Duration(ms) * time.Millisecond, true
}

func (s *sessionIdle) Locked(ctx context.Context) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.noLock {
		return false
	}
	var active bool
	if !s.ask(ctx, lockCalls, &active) {
		s.noLock = true
		return false
	}
	return active
}
