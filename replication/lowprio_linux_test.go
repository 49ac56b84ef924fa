package replication

import (
	"runtime"
	"syscall"
	"testing"
)

// threadNice is the niceness of the calling goroutine's thread (which the caller has locked).
func threadNice(t *testing.T) int {
	t.Helper()
	// The raw syscall answers 20 - nice.
	p, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
	if err != nil {
		t.Fatal(err)
	}
	return 20 - p
}

// TestLowPriorityThread: a snapshot's work runs on a thread at snapshotNice, and no other goroutine
// is left on a thread of lowered priority after it.
func TestLowPriorityThread(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	before := threadNice(t)
	var inside int
	if err := lowPriority(func() error { inside = threadNice(t); return nil }); err != nil {
		t.Fatal(err)
	}
	if inside != max(before, snapshotNice) {
		t.Fatalf("the snapshot's thread runs at nice %d, want %d", inside, max(before, snapshotNice))
	}
	if after := threadNice(t); after != before {
		t.Fatalf("the caller's thread went from nice %d to %d", before, after)
	}
	// Threads the runtime hands to goroutines later are not the lowered one: it ended with its goroutine.
	done := make(chan int)
	for range 8 {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			done <- threadNice(t)
		}()
	}
	for range 8 {
		if n := <-done; n == snapshotNice && before != snapshotNice {
			t.Fatalf("a goroutine runs on a thread at nice %d after the snapshot", n)
		}
	}
}
