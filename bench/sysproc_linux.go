package bench

import "syscall"

// childProcAttr makes the kernel kill a node when the benchmark dies, so no stray process keeps a
// port or a data dir.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
