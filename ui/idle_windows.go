package ui

import (
	"context"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// windowsIdle is GetLastInputInfo (user32): the tick of the session's last input, against
// GetTickCount. Windows tells a locked workstation only through WTS session notifications to a
// window procedure, which Fyne's window does not pass on: the lock is not seen, and a locked
// computer becomes away when its idle time reaches the limit.
type windowsIdle struct{}

func newIdleSource(context.Context) IdleSource { return windowsIdle{} }

var (
	user32           = windows.NewLazySystemDLL("user32.dll")
	kernel32         = windows.NewLazySystemDLL("kernel32.dll")
	getLastInputInfo = user32.NewProc("GetLastInputInfo")
	getTickCount     = kernel32.NewProc("GetTickCount")
)

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

func (windowsIdle) Locked(context.Context) bool { return false }
