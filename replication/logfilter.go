package replication

import (
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
)

// quietLogger keeps hashicorp/raft's log readable while a member is away. Raft reports an
// unreachable peer at every heartbeat and retry ("failed to heartbeat to", "failed to
// appendEntries to", "failed to contact", ...) for as long as it is away, which for a laptop
// closed overnight is thousands of lines. A warning or error is let through the first time for a
// given message and peer; repeats are dropped until the pair has been quiet for quietRepeat, so an
// outage is logged once when it starts (the leader's pilot logs when the member answers again).
type quietLogger struct {
	hclog.Logger
	seen *repeats
}

// quietRepeat is how long a message about a peer must not recur before it is logged again.
const quietRepeat = time.Minute

type repeats struct {
	mu   sync.Mutex
	last map[string]time.Time // message and peer to when it was last reported, logged or not
}

func newQuietLogger(l hclog.Logger) hclog.Logger {
	return &quietLogger{Logger: l, seen: &repeats{last: map[string]time.Time{}}}
}

// peerKeys are the arguments raft names a peer with.
var peerKeys = map[string]bool{"peer": true, "server-id": true, "target": true, "from": true, "candidate": true,
	"id": true}

// fresh reports whether msg about the peer in args should be logged now, and records it.
func (r *repeats) fresh(msg string, args []any, now time.Time) bool {
	key := msg
	for i := 0; i+1 < len(args); i += 2 {
		if k, ok := args[i].(string); ok && peerKeys[k] {
			key += "\x00" + fmt.Sprint(args[i+1])
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	last, ok := r.last[key]
	r.last[key] = now
	if len(r.last) > 4096 { // bounded: forget pairs that have been quiet
		for k, t := range r.last {
			if now.Sub(t) > quietRepeat {
				delete(r.last, k)
			}
		}
	}
	return !ok || now.Sub(last) > quietRepeat
}

func (q *quietLogger) Log(level hclog.Level, msg string, args ...any) {
	if level >= hclog.Warn && !q.seen.fresh(msg, args, time.Now()) {
		return
	}
	q.Logger.Log(level, msg, args...)
}

func (q *quietLogger) Warn(msg string, args ...any)  { q.Log(hclog.Warn, msg, args...) }
func (q *quietLogger) Error(msg string, args ...any) { q.Log(hclog.Error, msg, args...) }

func (q *quietLogger) With(args ...any) hclog.Logger {
	return &quietLogger{Logger: q.Logger.With(args...), seen: q.seen}
}

func (q *quietLogger) Named(name string) hclog.Logger {
	return &quietLogger{Logger: q.Logger.Named(name), seen: q.seen}
}

func (q *quietLogger) ResetNamed(name string) hclog.Logger {
	return &quietLogger{Logger: q.Logger.ResetNamed(name), seen: q.seen}
}
