package replication

import (
	"runtime"
	"syscall"
)

// snapshotNice is the niceness of a snapshot's thread. A snapshot copies and compresses the whole
// state database while the node goes on applying and answering; on two busy cores its compression
// took a core from the FSM and Raft of the same node (all members snapshot at about the same index).
// At 10 it gets about a tenth of what a normal thread gets while they are busy, and all of an idle
// core otherwise; lower would let a machine busy with other work starve it for minutes, with the
// WAL and the Raft log growing meanwhile.
const snapshotNice = 10

// lowPriority runs fn on an OS thread of its own at snapshotNice and ends that thread after it
// (Linux's niceness is per thread, and an unprivileged thread cannot lower it again).
func lowPriority(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread ends with this goroutine, so no other goroutine inherits its
		// priority.
		runtime.LockOSThread()
		// Best effort: should it fail, fn runs at the normal priority.
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), snapshotNice)
		errc <- fn()
	}()
	return <-errc
}
