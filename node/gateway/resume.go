package gateway

import (
	"context"
	"time"

	"github.com/coder/websocket"

	"lanim/node/gateway/wire"
)

// Resume backlogs. The JS SDK cannot catch up by itself after a reconnect (its pull by seq range
// throws before sending 1002, then it adopts the server's max seqs from 1006), so messages pushed
// while its socket was down would never reach the app. The gateway keeps, per session (token),
// the pushes committed while that session has no connection here, and writes them to the next
// connection with the same token before it reads any request.
const (
	// ResumeTTL is how long a session's backlog is kept after its connection ended.
	ResumeTTL = 5 * time.Minute
	// ResumeMax bounds a backlog's frames; past it the backlog is dropped and the client resyncs.
	ResumeMax = 1000
)

// backlog is the pushes of one session, encoded when written with the new connection's codec.
type backlog struct {
	userID string
	token  string
	pushes []*wire.Resp
	timer  *time.Timer
}

// suspend starts a backlog for the connection's token when it ended on its own (not kicked,
// logged out or shut down) and no other live connection holds the token.
func (g *Gateway) suspend(c *conn) {
	if c.noResume.Load() {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return
	}
	for o := range g.users[c.userID] {
		if o != c && o.token == c.token && o.ctx.Err() == nil {
			return
		}
	}
	if old := g.backlogs[c.userID][c.token]; old != nil {
		old.timer.Reset(g.cfg.ResumeTTL)
		return
	}
	b := &backlog{userID: c.userID, token: c.token}
	b.timer = time.AfterFunc(g.cfg.ResumeTTL, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.backlogs[b.userID][b.token] == b {
			g.deleteBacklogLocked(b)
		}
	})
	ts := g.backlogs[c.userID]
	if ts == nil {
		ts = map[string]*backlog{}
		g.backlogs[c.userID] = ts
	}
	ts[c.token] = b
}

// takeBacklogLocked removes and returns the backlog of the connection's token (nil when none).
func (g *Gateway) takeBacklogLocked(c *conn) *backlog {
	b := g.backlogs[c.userID][c.token]
	if b != nil {
		g.deleteBacklogLocked(b)
	}
	return b
}

// keepLocked appends a push to the backlogs of its users' suspended sessions.
func (g *Gateway) keepLocked(userIDs []string, push *wire.Resp) {
	for _, uid := range userIDs {
		for _, b := range g.backlogs[uid] {
			if len(b.pushes) >= g.cfg.ResumeMax {
				g.dropBacklogLocked(b, "over the resume limit")
				continue
			}
			b.pushes = append(b.pushes, push)
		}
	}
}

// forgetTokensLocked deletes the backlogs of kicked tokens.
func (g *Gateway) forgetTokensLocked(userID string, tokens map[string]bool) {
	for t, b := range g.backlogs[userID] {
		if tokens[t] {
			g.deleteBacklogLocked(b)
		}
	}
}

func (g *Gateway) dropBacklogLocked(b *backlog, why string) {
	g.cfg.Log.Warn("resume backlog dropped: the client resyncs", "user", b.userID, "pushes", len(b.pushes), "why", why)
	g.deleteBacklogLocked(b)
}

func (g *Gateway) deleteBacklogLocked(b *backlog) {
	b.timer.Stop()
	ts := g.backlogs[b.userID]
	if ts[b.token] != b {
		return
	}
	delete(ts, b.token)
	if len(ts) == 0 {
		delete(g.backlogs, b.userID)
	}
}

// clearBacklogsLocked deletes every backlog (Close).
func (g *Gateway) clearBacklogsLocked() {
	for _, ts := range g.backlogs {
		for _, b := range ts {
			b.timer.Stop()
		}
	}
	g.backlogs = map[string]map[string]*backlog{}
}

// resume writes a backlog to a new connection, before its writer and reader start: the SDK's
// first request (1006) must be answered after the pushes it missed. False when a write failed.
func (c *conn) resume(b *backlog) bool {
	for i, push := range b.pushes {
		data, err := c.codec.EncodeResp(push)
		if err != nil {
			c.g.cfg.Log.Error("encode resumed push", "user", c.userID, "err", err)
			continue
		}
		ctx, cancel := context.WithTimeout(c.ctx, c.g.cfg.WriteTimeout)
		err = c.ws.Write(ctx, websocket.MessageBinary, data)
		cancel()
		if err != nil {
			c.g.cfg.Log.Debug("resume write failed", "user", c.userID, "written", i, "err", err)
			return false
		}
	}
	return true
}

// hasBacklogLocked reports whether one of the users has a suspended session.
func (g *Gateway) hasBacklogLocked(userIDs []string) bool {
	for _, uid := range userIDs {
		if len(g.backlogs[uid]) > 0 {
			return true
		}
	}
	return false
}
