package bench

import "syscall"

// childProcAttr makes the kernel kill a node when the benchmark dies, so no stray process keeps a
// port or a data dir.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// freeze stops the process as a closed lid does (SIGSTOP); thaw resumes it (SIGCONT).
func (n *Node) freeze() error { return n.cmd.Process.Signal(syscall.SIGSTOP) }

func (n *Node) thaw() error { return n.cmd.Process.Signal(syscall.SIGCONT) }
