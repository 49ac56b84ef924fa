//go:build !linux

package bench

import (
	"errors"
	"syscall"
)

func childProcAttr() *syscall.SysProcAttr { return nil }

// freeze and thaw need SIGSTOP and SIGCONT: the availability scenario runs on Linux only.
func (n *Node) freeze() error { return errNoFreeze }

func (n *Node) thaw() error { return errNoFreeze }

var errNoFreeze = errors.New("freezing a node (SIGSTOP) needs Linux")
