//go:build !linux

package nodeproc

import "syscall"

// SysProcAttr has nothing to add outside Linux, which alone has Pdeathsig.
func SysProcAttr() *syscall.SysProcAttr { return nil }
