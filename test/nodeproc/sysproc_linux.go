package nodeproc

import "syscall"

// SysProcAttr makes the kernel kill a child (a node, a JS client) when the test or benchmark that
// started it dies (a panic, go test's -timeout), so no stray process keeps a port or a data dir.
func SysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
