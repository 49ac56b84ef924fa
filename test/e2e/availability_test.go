package e2e

import (
	"fmt"
	"lanim/node/client"
	"slices"
	"syscall"
	"testing"
	"time"
)

// Availability: laptops sleep without a goodbye. SIGSTOP stands in for closing the lid and
// SIGCONT for opening it: the process keeps its sockets, so the kernel still completes TCP connects
// to it, as a sleeping computer's does. The voters follow the members that answer
// (--autopilot-demote-after, short here), so whoever is still on keeps chatting.

// availabilityFlags make demotion quick enough for a test (the default is 15 s).
var availabilityFlags = []string{"--autopilot-demote-after", "3s"}

// officeVoters is how many voters an office of size members that all answer keeps: odd, at most 5.
func officeVoters(size int) int {
	if size%2 == 0 {
		size--
	}
	return max(1, min(size, 5))
}

// sleep freezes the member's process (SIGSTOP) until wake; a cleanup wakes it so it can stop.
func (m *member) sleep(t *testing.T) {
	t.Helper()
	if err := m.Cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP %s: %v", m.APIAddr, err)
	}
	t.Cleanup(func() { m.Cmd.Process.Signal(syscall.SIGCONT) })
}

func (m *member) wake(t *testing.T) {
	t.Helper()
	if err := m.Cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatalf("SIGCONT %s: %v", m.APIAddr, err)
	}
}

// awake is the office seen through the members in set: status polls never reach a sleeper.
func (o *office) awake(set []*member) *office {
	return &office{secret: o.secret, args: o.args, members: set}
}

// nodeID is the member's node ID.
func (m *member) nodeID(t *testing.T) string {
	t.Helper()
	return m.status(t).NodeID
}

// suffrage is what every status says of node id: "voter", "nonvoter" or "" (not listed).
func suffrage(st client.ClusterStatus, id string) string {
	for _, m := range st.Members {
		if m.NodeID == id {
			return m.Suffrage
		}
	}
	return ""
}

// voterCount is how many members of st are voters.
func voterCount(st client.ClusterStatus) int {
	n := 0
	for _, m := range st.Members {
		if m.Suffrage == "voter" {
			n++
		}
	}
	return n
}

// ledger records every message a node acknowledged (errCode 0, or 1690: queued on that node's
// disk), so the test can check that each lands exactly once.
type ledger struct {
	c     *chat
	acked []string
}

// newLedger registers alice and bob through m, with a token for each.
func newLedger(t *testing.T, m *member) *ledger {
	t.Helper()
	m.RegisterUsers(t, "alice", "bob")
	l := &ledger{c: &chat{n: m.Node, tokens: map[string]string{adminUserID: m.AdminToken}}}
	for _, u := range []string{"alice", "bob"} {
		l.c.tokens[u] = m.UserToken(t, u, 5)
	}
	return l
}

// trySend sends one message from alice to bob through m; it reports whether the office committed
// it (errCode 0). A queued message (1690) is acknowledged too.
func (l *ledger) trySend(t *testing.T, m *member) bool {
	t.Helper()
	words := fmt.Sprintf("via %s #%d", m.APIAddr, len(l.acked))
	msg := l.c.textMsg("alice", "bob", words)
	env := m.Post(t, "/msg/send_msg", l.c.tokens["alice"], map[string]any{"msgData": msg})
	switch env.ErrCode {
	case 0:
		l.acked = append(l.acked, words)
		return true
	case 1690:
		l.acked = append(l.acked, words)
		return false
	default:
		t.Fatalf("send through %s: errCode %d %s %s", m.APIAddr, env.ErrCode, env.ErrMsg, env.ErrDlt)
		return false
	}
}

// writable waits until a send through every member in set is committed.
func (l *ledger) writable(t *testing.T, set []*member) {
	t.Helper()
	for _, m := range set {
		pollUntil(t, settleTimeout, func() bool { return l.trySend(t, m) })
	}
}

// landedOnce checks on every member that bob reads each acknowledged message exactly once and
// nothing else.
func (l *ledger) landedOnce(t *testing.T, members []*member) {
	t.Helper()
	want := slices.Sorted(slices.Values(l.acked))
	for _, m := range members {
		mc := &chat{n: m.Node, tokens: l.c.tokens}
		got := mc.texts(t, "bob", siID("alice", "bob"))
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("on %s bob reads %d messages %q, want the %d acknowledged %q", m.APIAddr, len(got), got, len(want), want)
		}
	}
}

// TestAvailabilityOfficeSleepsOneByOne: five computers; one after another goes to sleep without
// a goodbye, the leader first, each once the office adapted to the previous one. Writes keep
// committing on every computer still awake until one is left (the demoted sleepers leave a voter
// set the awake ones can form a majority of). Then they wake in another order and every member
// converges: one applied index and state digest, every acknowledged message exactly once.
func TestAvailabilityOfficeSleepsOneByOne(t *testing.T) {
	o := startOffice(t, 5, availabilityFlags...)
	l := newLedger(t, o.members[0])
	o.converged(t)
	l.writable(t, o.members)

	awake := slices.Clone(o.members)
	var asleep []*member
	for len(awake) > 1 {
		// The leader sleeps first, then a voter other than the leader.
		leader := o.awake(awake).leader(t)
		victim := leader
		if len(asleep) > 0 {
			st := leader.status(t)
			for _, m := range awake {
				if m != leader && suffrage(st, m.nodeID(t)) == "voter" {
					victim = m
					break
				}
			}
			if victim == leader {
				for _, m := range awake {
					if m != leader {
						victim = m
						break
					}
				}
			}
		}
		victimID := victim.nodeID(t)
		victim.sleep(t)
		awake = slices.DeleteFunc(awake, func(m *member) bool { return m == victim })
		asleep = append(asleep, victim)
		if len(awake) == 1 {
			break
		}
		// The sleeper loses its vote and the awake ones keep an odd number of voters.
		o.awake(awake).statuses(t, fmt.Sprintf("%s demoted, %d voters", victimID, officeVoters(len(awake))),
			func(sts []client.ClusterStatus) bool {
				for _, st := range sts {
					if suffrage(st, victimID) != "nonvoter" || voterCount(st) != officeVoters(len(awake)) ||
						st.LeaderID == "" || st.LeaderID == victimID {
						return false
					}
				}
				return true
			})
		l.writable(t, awake)
	}

	// Wake in another order than they slept: the second, the last, the first (the old leader), the third.
	for _, i := range []int{1, 3, 0, 2} {
		asleep[i].wake(t)
	}
	o.waitVoters(t, 5)
	o.converged(t)
	l.writable(t, o.members)
	o.converged(t)
	l.landedOnce(t, o.members)
}

// TestAvailabilityFlappingMemberKeepsVote: a member whose Wi-Fi drops for a moment (stopped 3 s
// every 10 s, shorter than --autopilot-demote-after) keeps its vote throughout.
func TestAvailabilityFlappingMemberKeepsVote(t *testing.T) {
	o := startOffice(t, 3, "--autopilot-demote-after", "6s")
	leader := o.leader(t)
	var flapper *member
	for _, m := range o.members {
		if m != leader {
			flapper = m
			break
		}
	}
	flapperID := flapper.nodeID(t)
	for range 3 {
		flapper.sleep(t)
		deadline := time.Now().Add(3 * time.Second)
		for i := 0; i < 100 && time.Now().Before(deadline); i++ {
			if s := suffrage(leader.status(t), flapperID); s != "voter" {
				t.Fatalf("while %s is away for a moment the leader lists it as %q", flapperID, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
		flapper.wake(t)
		deadline = time.Now().Add(7 * time.Second)
		for i := 0; i < 200 && time.Now().Before(deadline); i++ {
			if s := suffrage(leader.status(t), flapperID); s != "voter" {
				t.Fatalf("after %s came back the leader lists it as %q", flapperID, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	o.waitVoters(t, 3)
}

// TestAvailabilityTwoSleepAtOnce: of three computers two close their lids at the same moment. The
// one left has no majority, so nothing commits on it (no demotion either): every send is queued
// (1690) and /cluster/status shows the outbox's depth and age. Once both wake, the outbox drains
// in batches and every member holds each queued message once, in the order it was sent.
func TestAvailabilityTwoSleepAtOnce(t *testing.T) {
	o := startOffice(t, 3, availabilityFlags...)
	lone := o.members[0]
	l := newLedger(t, lone)
	o.converged(t)
	for _, m := range o.members[1:] {
		m.sleep(t)
	}
	// Sends until the office's loss shows, then a batch and a half more, all queued.
	pollUntil(t, settleTimeout, func() bool { return !l.trySend(t, lone) })
	for range 200 {
		if l.trySend(t, lone) {
			t.Fatal("a send committed with two of three voters asleep")
		}
	}
	st := lone.status(t)
	if st.OutboxDepth < 200 || st.OutboxOldestAgeMs <= 0 {
		t.Fatalf("status of the lone node: outbox depth %d, oldest %d ms; want at least 200 queued", st.OutboxDepth,
			st.OutboxOldestAgeMs)
	}
	for _, m := range o.members[1:] {
		m.wake(t)
	}
	o.statuses(t, "the outbox drained", func(sts []client.ClusterStatus) bool {
		for _, st := range sts {
			if st.OutboxDepth != 0 || st.OutboxOldestAgeMs != 0 {
				return false
			}
		}
		return true
	})
	o.converged(t)
	for _, m := range o.members {
		mc := &chat{n: m.Node, tokens: l.c.tokens}
		if got := mc.texts(t, "bob", siID("alice", "bob")); !slices.Equal(got, l.acked) {
			t.Fatalf("on %s bob reads %d messages, want the %d sent, in order:\n got %q\nwant %q", m.APIAddr, len(got),
				len(l.acked), got, l.acked)
		}
	}
}
