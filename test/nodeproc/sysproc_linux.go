package nodeproc

import "syscall"

// SysProcAttr makes the kernel kill a child (a node, a JS client) when the test or benchmark that
// started it dies (a panic, go test's -timeout), so no stray process keeps a port or a data dir.
func SysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// Freeze stops the process as a closed laptop lid does (SIGSTOP): no goodbye, its sockets stay
// open; Thaw resumes it (SIGCONT).
func (p *Proc) Freeze() error { return p.Cmd.Process.Signal(syscall.SIGSTOP) }

// Thaw resumes a frozen process.
func (p *Proc) Thaw() error { return p.Cmd.Process.Signal(syscall.SIGCONT) }
