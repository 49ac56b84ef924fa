package ui

import (
	"context"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// windowsIdle is GetLastInputInfo (user32): the tick of the session's last input, against
// GetTickCount. Windows announces a lock only through WTS session notifications to a window
// procedure, which Fyne's window does not pass on, so Locked asks instead whether the desktop
// that takes input is still the user's: while the workstation is locked it is the secure
// (Winlogon) desktop, which a user's process can neither open nor switch to.
type windowsIdle struct{}

func newIdleSource(context.Context) IdleSource { return windowsIdle{} }

var (
	user32           = windows.NewLazySystemDLL("user32.dll")
	kernel32         = windows.NewLazySystemDLL("kernel32.dll")
	getLastInputInfo = user32.NewProc("GetLastInputInfo")
	getTickCount     = kernel32.NewProc("GetTickCount")
	openInputDesktop = user32.NewProc("OpenInputDesktop")
	switchDesktop    = user32.NewProc("SwitchDesktop")
	closeDesktop     = user32.NewProc("CloseDesktop")
)

// desktopSwitchDesktop is DESKTOP_SWITCHDESKTOP, the access SwitchDesktop needs.
const desktopSwitchDesktop = 0x0100

// lastInputInfo is LASTINPUTINFO.
type lastInputInfo struct {
	size uint32
	time uint32
}

func (windowsIdle) Idle(context.Context) (time.Duration, bool) {
	info := lastInputInfo{size: uint32(unsafe.Sizeof(lastInputInfo{}))}
	if r, _, _ := getLastInputInfo.Call(uintptr(unsafe.Pointer(&info))); r == 0 {
		return 0, false
	}
	now, _, _ := getTickCount.Call()
	return idleFromTicks(uint32(now), info.time), true
}

// Locked: the input desktop cannot be opened, or not switched to, while the lock screen (or a
// secure prompt such as UAC's, which also means the user is not at the chat) holds the input.
func (windowsIdle) Locked(context.Context) bool {
	h, _, _ := openInputDesktop.Call(0, 0, desktopSwitchDesktop)
	if h == 0 {
		return true
	}
	defer closeDesktop.Call(h)
	ok, _, _ := switchDesktop.Call(h)
	return ok == 0
}
