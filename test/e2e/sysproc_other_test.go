//go:build !linux

package e2e

import "syscall"

// childProcAttr has nothing to add outside Linux, which alone has Pdeathsig.
func childProcAttr() *syscall.SysProcAttr { return nil }
