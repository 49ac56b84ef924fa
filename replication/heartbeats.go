package replication

import (
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// Heartbeats to non-voters. hashicorp/raft sends every follower a heartbeat every
// HeartbeatTimeout/10 to /5, non-voters as often as voters, and in an idle office of fifteen the
// ten non-voters' heartbeats alone cost the leader about as much CPU as the whole idle target. A
// voter needs them: the leader's lease counts its contact, and a voter that misses them starts an
// election. A non-voter never votes and never stands; it needs a heartbeat only to go on naming
// its leader (forwards and the outbox go there), and a follower forgets its leader once
// HeartbeatTimeout passed without contact. So the leader spaces the heartbeats it sends a
// non-voter about nonVoterBeat apart, all the non-voters' at once (beatTransport), and a
// non-voter raises its own HeartbeatTimeout to nonVoterTimeout to match (quiet.go). Entries are
// not spaced: an AppendEntries that carries entries or a commit index goes at once, so a
// non-voter receives the log as soon as before.
//
// The spacing follows the configuration: a member promoted to voter gets its next heartbeat as
// soon as the leader applies the promotion (the lease needs it within leaderLease), and a leader
// that steps down or stops lets its waiting heartbeats go at once. A non-voter's Raft contact time
// is then up to nonVoterBeat old; autopilot's health rule does not read it (nonVoterHealth).
//
// Heartbeats to voters are not spaced further than Raft sends them (the leader's lease needs
// them), but they are lined up: Raft sends each voter's at its own random moment, 0.5-1 s after
// the last (quiet.go), and the spacer holds one until the next whole voterBeat of the wall clock,
// never more than voterBeat after the voter's last. So the voters' heartbeats leave together,
// one a second, one wake-up of the process instead of one per voter.
const (
	nonVoterBeat    = 10 * time.Second
	nonVoterTimeout = 3 * nonVoterBeat
	voterBeat       = time.Second
)

// beatTransport is Raft's transport on the leader's side of the heartbeats: it spaces those to
// non-voters.
type beatTransport struct {
	*noticeTransport
	ready  func() bool // Raft has started: the spacer's questions can be asked
	beats  *beatSpacer
	missed *missedEntries // members a failed AppendEntries left behind (resend.go)
}

func newBeatTransport(n *Node, t *noticeTransport) *beatTransport {
	return &beatTransport{noticeTransport: t,
		// n.raft is set once Raft has started (the notifier's ready flag says so); nobody leads before.
		ready:  func() bool { return n.notices.ready.Load() },
		missed: newMissedEntries(n.appendBarrier, &n.wg),
		beats: &beatSpacer{gap: nonVoterBeat, voterGap: voterBeat, last: map[raft.ServerID]time.Time{},
			nonVoter: n.isNonVoter,
			leading:  func() bool { return n.raft.State() == raft.Leader },
			changes:  func() <-chan struct{} { return n.conf.next() },
			done:     n.ctx.Done()}}
}

// isHeartbeat tells Raft's heartbeat from its other AppendEntries: it carries only the term and
// the leader (no entries, no previous entry, no commit index).
func isHeartbeat(req *raft.AppendEntriesRequest) bool {
	return len(req.Entries) == 0 && req.PrevLogEntry == 0 && req.PrevLogTerm == 0 && req.LeaderCommitIndex == 0
}

// AppendEntries sends a heartbeat to a non-voter when it is due (beatSpacer.due); everything
// else goes at once. A member that failed one with entries is sent them again once it answers.
func (t *beatTransport) AppendEntries(id raft.ServerID, target raft.ServerAddress, req *raft.AppendEntriesRequest, resp *raft.AppendEntriesResponse) error {
	beat := isHeartbeat(req)
	if beat && t.ready() {
		t.beats.space(id)
	}
	err := t.noticeTransport.AppendEntries(id, target, req, resp)
	if t.ready() {
		t.missed.sent(id, beat, err)
	}
	return err
}

// beatSpacer keeps the heartbeats to each non-voter gap apart and lines up those to voters on
// voterGap.
type beatSpacer struct {
	gap      time.Duration
	voterGap time.Duration
	nonVoter func(raft.ServerID) bool
	leading  func() bool
	changes  func() <-chan struct{} // closed at the next change of the configuration or Raft's state
	done     <-chan struct{}

	mu   sync.Mutex
	last map[raft.ServerID]time.Time // the last heartbeat let through to each member
}

// due is when a non-voter whose last heartbeat went at last may have the next: the first
// multiple of gap (on the wall clock) at least half a gap after it, so that heartbeats come
// gap/2 to 3*gap/2 apart, about one per gap, and those to all the non-voters leave together. One
// wake-up of the process for ten heartbeats costs it less than ten (the Go scheduler and sysmon
// wake up for each; they were half an idle leader's CPU time).
func (s *beatSpacer) due(last time.Time) time.Time {
	if last.IsZero() {
		return last
	}
	next := last.Add(s.gap / 2).Truncate(s.gap)
	if next.Before(last.Add(s.gap / 2)) {
		next = next.Add(s.gap)
	}
	return next
}

// voterDue is when a voter whose last heartbeat went at last may have the one Raft sends now: the
// next multiple of voterGap, but not later than voterGap after the last; at once when that has
// passed (a late timer, a member just promoted, a new leadership) or with no voterGap.
func (s *beatSpacer) voterDue(last, now time.Time) time.Time {
	latest := last.Add(s.voterGap)
	if s.voterGap <= 0 || !now.Before(latest) {
		return now
	}
	if next := nextBeat(now, s.voterGap); next.Before(latest) {
		return next
	}
	return latest
}

// nextBeat is the first multiple of gap of the wall clock after t. Timers of one process that end
// on the same beat fire in one wake-up of it, and the Go scheduler and sysmon pay for every
// wake-up, whatever caused it: about half of an idle leader's CPU time.
func nextBeat(t time.Time, gap time.Duration) time.Time { return t.Truncate(gap).Add(gap) }

// space waits until id may have its next heartbeat: at due for a non-voter, at voterDue for a
// voter. A change of the configuration or of this node's Raft state ends the wait early and the
// member is looked at again (a promoted member, or a leader that stepped down or stops, sends at
// once); so does the node closing.
func (s *beatSpacer) space(id raft.ServerID) {
	defer func() {
		s.mu.Lock()
		s.last[id] = time.Now()
		s.mu.Unlock()
	}()
	for {
		changed := s.changes()
		if !s.leading() {
			return
		}
		now := time.Now()
		s.mu.Lock()
		last := s.last[id]
		s.mu.Unlock()
		due := s.voterDue(last, now)
		if s.nonVoter(id) {
			due = s.due(last)
		}
		wait := due.Sub(now)
		if wait <= 0 {
			return
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
			return
		case <-changed:
			timer.Stop()
		case <-s.done:
			timer.Stop()
			return
		}
	}
}

// isNonVoter reports whether id is a non-voter in the latest configuration (an atomic read in Raft).
func (n *Node) isNonVoter(id raft.ServerID) bool {
	cfg, err := n.configuration()
	return err == nil && suffrageOf(cfg, id) == raft.Nonvoter
}

// confWatch follows the Raft configuration and this node's Raft state without polling them: it
// looks at the configuration when the FSM applied something (a configuration entry commits
// through the FSM, a snapshot install restores it) and when Raft's state changes, and tells
// whoever waits on next that something changed. confRecheck covers a configuration Raft sets
// after the FSM moved (a snapshot's, set once the restore is done).
type confWatch struct {
	n       *Node
	mu      sync.Mutex
	changed chan struct{} // closed and replaced at each change
	servers []raft.Server // the configuration last seen
}

const confRecheck = 30 * time.Second

func newConfWatch(n *Node) *confWatch { return &confWatch{n: n, changed: make(chan struct{})} }

// next is closed at the next change: take it before looking at what it guards.
func (w *confWatch) next() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.changed
}

func (w *confWatch) signal() {
	w.mu.Lock()
	defer w.mu.Unlock()
	close(w.changed)
	w.changed = make(chan struct{})
}

// run watches until the node closes.
func (w *confWatch) run() {
	obs := make(chan raft.Observation, 4)
	o := raft.NewObserver(obs, false, func(o *raft.Observation) bool {
		_, ok := o.Data.(raft.RaftState)
		return ok
	})
	w.n.raft.RegisterObserver(o)
	defer w.n.raft.DeregisterObserver(o)
	recheck := time.NewTicker(confRecheck)
	defer recheck.Stop()
	for {
		moved := w.n.fsm.moved()
		w.look()
		select {
		case <-w.n.ctx.Done():
			return
		case <-obs:
			w.signal()
		case <-moved:
		case <-recheck.C:
		}
	}
}

// look signals when the configuration differs from the one last seen.
func (w *confWatch) look() {
	cfg, err := w.n.configuration()
	if err != nil {
		return
	}
	w.mu.Lock()
	same := slices.Equal(w.servers, cfg.Servers)
	if !same {
		w.servers = append(w.servers[:0], cfg.Servers...)
	}
	w.mu.Unlock()
	if !same {
		w.signal()
	}
}

// moved is closed when the applied index next moves (a batch applied, a snapshot restored).
func (f *fsm) moved() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.advanced
}
