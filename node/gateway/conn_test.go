package gateway

import (
	"context"
	"testing"
	"time"

	"lanim/node/client"
)

// TestIdleConnHoldsNothing: once its requests are answered and its frames written, a connection
// keeps no worker, no writer and no queue memory; the next request starts them again.
func TestIdleConnHoldsNothing(t *testing.T) {
	e := newEnv(t, envOpts{})
	e.users("alice")
	cl := e.dial("alice", 5, e.token("alice", 5), client.DialOptions{})
	defer cl.Close()
	// The dial returns once the upgrade is answered; the gateway registers the connection after.
	waitFor(t, "alice's connection registered", func() bool { return len(e.gw.conns("alice")) == 1 })
	c := e.gw.conns("alice")[0]
	idle := func() bool {
		c.wmu.Lock()
		defer c.wmu.Unlock()
		c.out.mu.Lock()
		defer c.out.mu.Unlock()
		return !c.working.Load() && !c.writing && c.out.frames == nil
	}
	for round := range 3 {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		for range 5 {
			if _, err := cl.NewestSeqs(ctx); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		cancel()
		waitFor(t, "the connection to go idle", idle)
	}
}
