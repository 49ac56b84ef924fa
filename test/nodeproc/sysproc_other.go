//go:build !linux

package nodeproc

import (
	"errors"
	"syscall"
)

// SysProcAttr has nothing to add outside Linux, which alone has Pdeathsig.
func SysProcAttr() *syscall.SysProcAttr { return nil }

// Freeze and Thaw need SIGSTOP and SIGCONT: the sleep scenarios run on Linux only.
func (p *Proc) Freeze() error { return errNoFreeze }

// Thaw: see Freeze.
func (p *Proc) Thaw() error { return errNoFreeze }

var errNoFreeze = errors.New("freezing a process (SIGSTOP) needs Linux")
