package gateway

import "sync"

// outQueue is a connection's outgoing frames in order, at most limit of them. It holds memory only
// while frames wait: a buffered channel of QueueLen frames cost every idle connection 16 KB, a
// third of what a thousand idle connections added to the node's memory.
type outQueue struct {
	mu     sync.Mutex
	frames []frame
}

// push appends f unless limit frames already wait; it reports whether f was queued.
func (q *outQueue) push(f frame, limit int) bool {
	q.mu.Lock()
	if len(q.frames) >= limit {
		q.mu.Unlock()
		return false
	}
	q.frames = append(q.frames, f)
	q.mu.Unlock()
	return true
}

// take removes and returns every waiting frame, oldest first.
func (q *outQueue) take() []frame {
	q.mu.Lock()
	defer q.mu.Unlock()
	fs := q.frames
	q.frames = nil
	return fs
}

// empty reports whether no frame waits.
func (q *outQueue) empty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.frames) == 0
}
