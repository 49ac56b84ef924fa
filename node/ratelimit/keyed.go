// Package ratelimit holds the request budgets the node enforces per caller: a token bucket
// (golang.org/x/time/rate) per key, such as a user ID, so one client's flood slows only itself.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// minPrune is the number of buckets below which none is forgotten.
const minPrune = 1024

// Keyed is a set of token buckets, one per key, each refilling perSecond up to burst. Buckets that
// have refilled completely carry nothing a new one would not, so they are forgotten as keys come
// and go: the map holds the keys active lately, not every key ever seen.
type Keyed struct {
	limit rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	pruneAt int // prune before adding a bucket past this size
}

// NewKeyed returns buckets of burst tokens refilling perSecond.
func NewKeyed(perSecond float64, burst int) *Keyed {
	return &Keyed{limit: rate.Limit(perSecond), burst: burst, buckets: map[string]*rate.Limiter{}, pruneAt: minPrune}
}

// Allow takes a token from key's bucket at now, and reports whether there was one.
func (k *Keyed) Allow(key string, now time.Time) bool { return k.bucket(key, now).AllowN(now, 1) }

// Spent reports whether key's bucket is empty at now, taking nothing. With Allow after a failure
// it counts failures only: a caller checks Spent before an attempt and calls Allow when it failed.
func (k *Keyed) Spent(key string, now time.Time) bool { return k.bucket(key, now).TokensAt(now) < 1 }

func (k *Keyed) bucket(key string, now time.Time) *rate.Limiter {
	k.mu.Lock()
	defer k.mu.Unlock()
	b := k.buckets[key]
	if b == nil {
		if len(k.buckets) >= k.pruneAt {
			k.prune(now)
		}
		b = rate.NewLimiter(k.limit, k.burst)
		k.buckets[key] = b
	}
	return b
}

// prune forgets the full buckets. When most are in use, the next prune waits until the map has
// doubled, so adding a key stays cheap on average.
func (k *Keyed) prune(now time.Time) {
	for key, b := range k.buckets {
		if b.TokensAt(now) >= float64(k.burst) {
			delete(k.buckets, key)
		}
	}
	k.pruneAt = max(minPrune, 2*len(k.buckets))
}

// Len is the number of buckets held.
func (k *Keyed) Len() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.buckets)
}
