package gateway

import (
	"context"
	"sync"
	"time"
)

// workerLinger is how long a pooled goroutine waits for its next job before it ends.
const workerLinger = 2 * time.Second

// workers runs the connections' request loops on goroutines that are kept for workerLinger after
// their last job. A goroutine started for each burst of requests grew its stack anew every time
// (the send's content check, in encoding/json, needs more than a new goroutine has: 2% of the
// node's CPU under load went to copying stacks); a kept one has grown it already. An idle gateway
// holds none of them once workerLinger has passed.
type workers struct {
	ctx    context.Context // ends the waiting goroutines (the gateway's)
	wg     *sync.WaitGroup // counts them (the gateway's)
	jobs   chan func()     // unbuffered: a send succeeds only when a goroutine waits
	linger time.Duration
}

func newWorkers(ctx context.Context, wg *sync.WaitGroup) *workers {
	return &workers{ctx: ctx, wg: wg, jobs: make(chan func()), linger: workerLinger}
}

// run runs job on a waiting goroutine, or on a new one when none waits. The caller must hold a
// count on wg (a connection's handler does) so that the new goroutine's Add precedes Close's Wait.
func (w *workers) run(job func()) {
	select {
	case w.jobs <- job:
		return
	default:
	}
	w.wg.Add(1)
	go w.loop(job)
}

func (w *workers) loop(job func()) {
	defer w.wg.Done()
	linger := time.NewTimer(w.linger)
	defer linger.Stop()
	for {
		job()
		linger.Reset(w.linger)
		select {
		case job = <-w.jobs:
		case <-linger.C:
			return
		case <-w.ctx.Done():
			return
		}
	}
}
