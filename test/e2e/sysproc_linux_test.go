package e2e

import "syscall"

// childProcAttr makes the kernel kill a node when the test binary dies (a panic, go test's -timeout), so no
// stray process keeps a port or a data dir.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
