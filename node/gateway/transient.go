package gateway

import (
	"context"
	"slices"
	"sync"

	"lanim/node/im"
	"lanim/node/pb"
)

// TransientEvent is a delivery that is not logged in Raft: a typing message (Push), a change
// of a user's presence on one platform (Presence) or a message waiting for a quorum (Pending). Each node delivers it to its own connections;
// a cluster relays the events a node produces to the others (see the package doc).
type TransientEvent struct {
	// Origin is the ID of the node the event comes from. DeliverRemote needs it (presence is kept
	// per origin); local events leave it empty and the relay fills it in.
	Origin string `json:"origin,omitempty"`
	// Push is a typing message for every connection of Push.UserIDs ...
	Push *im.Push `json:"push,omitempty"`
	// ... except the connection it came from (a key unique across nodes).
	ExceptConn string    `json:"exceptConn,omitempty"`
	Presence   *Presence `json:"presence,omitempty"`
	// Snapshot is every user online on the origin node: it replaces what this node knew of the
	// origin (the relay's greeting, sent when two nodes (re)gain contact).
	Snapshot *PresenceSnapshot `json:"snapshot,omitempty"`
	// Pending is a message queued in the origin node's outbox, not committed (see pending.go).
	Pending *pb.MsgData `json:"pending,omitempty"`
}

// PresenceSnapshot is who is connected to one node: user ID → platforms, ascending.
type PresenceSnapshot struct {
	Users map[string][]int32 `json:"users"`
	// Host is the origin computer's host name, so the office panel names computers as people know
	// them rather than by node ID.
	Host string `json:"host,omitempty"`
}

// MaxHostName bounds a host name a node reports (DNS names are at most 253 bytes).
const MaxHostName = 253

// Presence says a user's first connection on a platform opened (Online) or its last one closed,
// on the origin node.
type Presence struct {
	UserID     string `json:"userID"`
	PlatformID int32  `json:"platformID"`
	Online     bool   `json:"online"`
	// Platforms are the user's platforms on the origin node after the change.
	Platforms   []int32 `json:"platforms"`
	OperationID string  `json:"operationID,omitempty"`
}

// hubQueue bounds the transient events waiting for delivery; past it they are dropped (logged):
// typing and presence are best-effort, and the FSM or a reader must never wait for them.
const hubQueue = 4096

// hub orders transient events and delivers them from one goroutine: presence changes reach
// subscribers in the order they happened, and the database look-ups they need (friends) stay off
// the connections' goroutines.
type hub struct {
	g     *Gateway
	queue chan hubJob

	mu     sync.Mutex
	relay  func(TransientEvent)
	local  map[string]map[int32]int      // userID → platform → open connections here
	remote map[string]map[string][]int32 // origin → userID → platforms there
	host   string                        // this computer's host name
	hosts  map[string]string             // origin → its host name, from its greeting
}

type hubJob struct {
	ev    TransientEvent
	relay bool // produced here: hand it to the relay
	// presence: the platforms whose status changed, as seen from this node, and the user's
	// platforms (all nodes) after the change.
	changes   []platformChange
	platforms []int32
}

type platformChange struct {
	platformID int32
	online     bool
}

func newHub(g *Gateway) *hub {
	return &hub{
		g:      g,
		queue:  make(chan hubJob, hubQueue),
		local:  map[string]map[int32]int{},
		remote: map[string]map[string][]int32{},
		hosts:  map[string]string{},
	}
}

// SetRelay sets the function that receives every transient event this node produces (nil: none).
// It is called from the gateway's delivery goroutine and must not block: queue and return.
func (g *Gateway) SetRelay(fn func(TransientEvent)) {
	g.hub.mu.Lock()
	defer g.hub.mu.Unlock()
	g.hub.relay = fn
}

// DeliverRemote delivers an event another node produced (ev.Origin set) to this node's connections.
func (g *Gateway) DeliverRemote(ev TransientEvent) {
	h := g.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if ev.Snapshot != nil {
		if ev.Origin != "" {
			h.replaceRemoteLocked(ev.Origin, ev.Snapshot.Users)
			if host := ev.Snapshot.Host; host != "" && len(host) <= MaxHostName {
				h.hosts[ev.Origin] = host
			}
		}
		return
	}
	if p := ev.Presence; p != nil {
		if ev.Origin == "" || p.UserID == "" {
			return
		}
		before := h.platformsLocked(p.UserID)
		users := h.remote[ev.Origin]
		if users == nil {
			users = map[string][]int32{}
			h.remote[ev.Origin] = users
		}
		if len(p.Platforms) == 0 {
			delete(users, p.UserID)
		} else {
			users[p.UserID] = slices.Clone(p.Platforms)
		}
		h.changedLocked(ev, before, false)
		return
	}
	h.enqueueLocked(hubJob{ev: ev})
}

// ForgetNode drops the presence a node reported (it left the cluster or stopped answering): its
// users go offline here unless connected elsewhere.
func (g *Gateway) ForgetNode(origin string) {
	h := g.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	h.replaceRemoteLocked(origin, nil)
}

// replaceRemoteLocked sets everything known of origin's users to users (nil: nobody), telling the
// subscribers of every user whose platforms changed, in user ID order.
func (h *hub) replaceRemoteLocked(origin string, users map[string][]int32) {
	cur := h.remote[origin]
	if cur == nil {
		cur = map[string][]int32{}
		h.remote[origin] = cur
	}
	ids := make([]string, 0, len(cur)+len(users))
	for uid := range cur {
		ids = append(ids, uid)
	}
	for uid := range users {
		if _, ok := cur[uid]; !ok && uid != "" {
			ids = append(ids, uid)
		}
	}
	slices.Sort(ids)
	for _, uid := range ids {
		before := h.platformsLocked(uid)
		if ps := users[uid]; len(ps) > 0 {
			cur[uid] = slices.Compact(slices.Sorted(slices.Values(ps)))
		} else {
			delete(cur, uid)
		}
		h.changedLocked(TransientEvent{Origin: origin, Presence: &Presence{UserID: uid, Platforms: cur[uid]}},
			before, false)
	}
	if len(cur) == 0 {
		delete(h.remote, origin)
	}
}

// PresenceSnapshot is who is connected to this node (not what other nodes reported): the relay's
// greeting to another node.
func (g *Gateway) PresenceSnapshot() TransientEvent {
	h := g.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	users := make(map[string][]int32, len(h.local))
	for uid, counts := range h.local {
		users[uid] = sortedKeys(counts)
	}
	return TransientEvent{Snapshot: &PresenceSnapshot{Users: users, Host: h.host}}
}

// SetHost sets this computer's host name, which the greeting tells the other nodes.
func (g *Gateway) SetHost(name string) {
	g.hub.mu.Lock()
	defer g.hub.mu.Unlock()
	g.hub.host = name
}

// Computer is what this node knows of one node of the office (origin "" is this node): its
// host name ("" while it has not greeted this node) and the users connected there, ascending.
func (g *Gateway) Computer(origin string) (host string, userIDs []string) {
	h := g.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if origin == "" {
		host = h.host
		for uid := range h.local {
			userIDs = append(userIDs, uid)
		}
	} else {
		host = h.hosts[origin]
		for uid := range h.remote[origin] {
			userIDs = append(userIDs, uid)
		}
	}
	slices.Sort(userIDs)
	return host, userIDs
}

// Platforms returns the platforms each user is online on anywhere in the office, as far as this
// node knows (its own connections and what the other nodes relayed); offline users map to nil.
func (g *Gateway) Platforms(userIDs []string) map[string][]int32 {
	h := g.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string][]int32, len(userIDs))
	for _, uid := range userIDs {
		out[uid] = h.platformsLocked(uid)
	}
	return out
}

// OnlineUsers lists the users online anywhere in the office, by user ID, at most limit of them.
func (g *Gateway) OnlineUsers(limit int) []string {
	h := g.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	seen := map[string]bool{}
	for uid := range h.local {
		seen[uid] = true
	}
	for _, users := range h.remote {
		for uid := range users {
			seen[uid] = true
		}
	}
	out := make([]string, 0, len(seen))
	for uid := range seen {
		out = append(out, uid)
	}
	slices.Sort(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// publishTransient delivers a transient event produced here and relays it.
func (g *Gateway) publishTransient(ev TransientEvent) {
	g.hub.mu.Lock()
	defer g.hub.mu.Unlock()
	g.hub.enqueueLocked(hubJob{ev: ev, relay: true})
}

// presenceChanged counts a connection opening or closing; the first connection of a platform
// and the last one's close are presence changes.
func (g *Gateway) presenceChanged(c *conn, up bool) {
	h := g.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	before := h.platformsLocked(c.userID)
	counts := h.local[c.userID]
	if counts == nil {
		counts = map[int32]int{}
		h.local[c.userID] = counts
	}
	if up {
		counts[c.platformID]++
		if counts[c.platformID] != 1 {
			return
		}
	} else {
		counts[c.platformID]--
		if counts[c.platformID] > 0 {
			return
		}
		delete(counts, c.platformID)
		if len(counts) == 0 {
			delete(h.local, c.userID)
		}
	}
	ev := TransientEvent{Presence: &Presence{UserID: c.userID, PlatformID: c.platformID, Online: up,
		Platforms: sortedKeys(h.local[c.userID]), OperationID: c.opID}}
	h.changedLocked(ev, before, true)
}

// changedLocked queues the delivery of a presence change: the relay (for local changes) and,
// when the user's platforms as this node sees them changed, the notifications.
func (h *hub) changedLocked(ev TransientEvent, before []int32, relay bool) {
	after := h.platformsLocked(ev.Presence.UserID)
	var changes []platformChange
	for _, p := range after {
		if !slices.Contains(before, p) {
			changes = append(changes, platformChange{platformID: p, online: true})
		}
	}
	for _, p := range before {
		if !slices.Contains(after, p) {
			changes = append(changes, platformChange{platformID: p, online: false})
		}
	}
	if len(changes) == 0 && !relay {
		return
	}
	h.enqueueLocked(hubJob{ev: ev, relay: relay, changes: changes, platforms: after})
}

// platforms is a user's online platforms on every node this one knows of, ascending.
func (h *hub) platforms(userID string) []int32 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.platformsLocked(userID)
}

func (h *hub) platformsLocked(userID string) []int32 {
	out := sortedKeys(h.local[userID])
	for _, users := range h.remote {
		for _, p := range users[userID] {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (h *hub) enqueueLocked(j hubJob) {
	select {
	case h.queue <- j:
	default:
		h.g.cfg.Log.Warn("transient event dropped: delivery queue full")
	}
}

// run delivers queued events until ctx ends.
func (h *hub) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case j := <-h.queue:
			h.deliver(ctx, j)
		}
	}
}

func (h *hub) deliver(ctx context.Context, j hubJob) {
	if j.relay {
		h.mu.Lock()
		relay := h.relay
		h.mu.Unlock()
		if relay != nil {
			relay(j.ev)
		}
	}
	if j.ev.Push != nil {
		h.g.deliverPush(j.ev.Push, j.ev.ExceptConn, false)
	}
	if j.ev.Pending != nil {
		h.g.deliverPending(ctx, j.ev.Pending)
	}
	if j.ev.Presence != nil && len(j.changes) > 0 {
		h.g.notifyPresence(ctx, j.ev.Presence, j.changes, j.platforms)
	}
}

func sortedKeys(m map[int32]int) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
