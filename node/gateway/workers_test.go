package gateway

import (
	"bytes"
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
)

// goroutineID is the running goroutine's number, from its stack trace's first line.
func goroutineID() string {
	b := make([]byte, 64)
	b = b[:runtime.Stack(b, false)]
	return string(bytes.Fields(b)[1])
}

// TestWorkersReuseTheirGoroutines: a job after the first runs on the goroutine the first one ran
// on (a blocking send on jobs completes only when a kept goroutine waits for it); the goroutines
// end after their linger with nothing to do, and at once when the gateway's context ends.
func TestWorkersReuseTheirGoroutines(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	w := newWorkers(ctx, &wg)
	w.linger = time.Hour
	ids := make(chan string, 2)
	w.run(func() { ids <- goroutineID() })
	first := <-ids
	w.jobs <- func() { ids <- goroutineID() }
	if again := <-ids; again != first {
		t.Fatalf("second job on goroutine %s, the first on %s: not reused", again, first)
	}
	cancel()
	wg.Wait() // hangs (the test times out) if a kept goroutine outlives the context

	w = newWorkers(context.Background(), &wg)
	w.linger = time.Millisecond
	done := make(chan struct{})
	w.run(func() { close(done) })
	<-done
	wg.Wait() // hangs if an idle goroutine never ends
}
