package replication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/hashicorp/raft"

	"lanim/node/im"
	"lanim/node/openim"
)

// Membership. A node keeps itself in its office's Raft configuration at its current address: at
// every start it registers with the leader ("member.add": a new node becomes a non-voter, a known
// one keeps its suffrage and gets its new address, so a DHCP change is not a new node). Autopilot
// (autopilot.go) promotes stable non-voters up to maxVoters. Quitting hands leadership over and
// gives up the vote (Quit); leaving for good removes the node and revokes its certificate (Leave).

type memberArgs struct {
	NodeID  string `json:"nodeID"`
	Address string `json:"address,omitempty"`
}

// handlers is the node service of a member.
func (n *Node) handlers() map[string]rpcHandler {
	return map[string]rpcHandler{
		"apply":         n.handleApply,
		"apply.batch":   n.handleApplyBatch,
		"member.add":    n.handleMemberAdd,
		"member.demote": n.handleMemberDemote,
		"member.leave":  n.handleMemberLeave,
		"stats":         n.handleStats,
		"health":        n.handleHealth,
		"relay":         n.handleRelay,
		"invite.open":   n.handleInviteOpen,
		"invite.match":  n.handleInviteMatch,
	}
}

// maintain keeps this node registered at its address, records a founder's CA, and keeps the peer
// book current: every second until it succeeds, then every 10 seconds.
func (n *Node) maintain() {
	registered := false
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.left:
			return
		case <-t.C:
		}
		ok := n.reconcileSelf(registered)
		registered = registered || ok
		if ok {
			t.Reset(10 * time.Second)
		} else {
			t.Reset(time.Second)
		}
	}
}

// reconcileSelf does one round of maintain. The first successful round always registers, so a
// leader that saw this node quit learns it is back.
func (n *Node) reconcileSelf(registered bool) bool {
	ctx, cancel := context.WithTimeout(n.ctx, 10*time.Second)
	defer cancel()
	if err := n.recordCA(ctx); err != nil {
		n.log.Debug("recording the office CA", "err", err)
	}
	cfg, err := n.configuration()
	if err != nil {
		return false
	}
	var others []string
	current := false
	for _, s := range cfg.Servers {
		if s.ID == n.selfID {
			current = s.Address == n.self
		} else {
			others = append(others, string(s.Address))
		}
	}
	if err := n.book.setPeers(others); err != nil {
		n.log.Warn("peer book", "err", err)
	}
	if registered && current {
		return true
	}
	if err := n.register(ctx, cfg); err != nil {
		n.log.Info("registering with the office", "err", err)
		return false
	}
	return true
}

// register asks the leader (through any member that answers) to have this node in the
// configuration at its current address.
func (n *Node) register(ctx context.Context, cfg raft.Configuration) error {
	args := &memberArgs{NodeID: string(n.selfID), Address: string(n.self)}
	if n.raft.State() == raft.Leader {
		_, err := n.addMember(args)
		return err
	}
	var addrs []string
	if leader, id := n.raft.LeaderWithID(); leader != "" && id != n.selfID {
		addrs = append(addrs, string(leader))
	}
	for _, s := range cfg.Servers {
		if s.ID != n.selfID {
			addrs = append(addrs, string(s.Address))
		}
	}
	addrs = dedupe(append(addrs, n.book.peers()...))
	if len(addrs) == 0 && n.joinIndex == 0 {
		return nil // alone in the office: nobody to tell
	}
	err := n.tryMembers(ctx, addrs, "member.add", args)
	if err != nil && n.cfg.Cluster.Discovery != nil {
		if off, _ := im.LoadOffice(ctx, n.cfg.DB.Reader()); off != nil {
			found, derr := n.cfg.Cluster.Discovery.Lookup(ctx, off.OfficeID)
			if derr == nil {
				found = without(found, append(addrs, string(n.self)))
				if len(found) > 0 {
					err = n.tryMembers(ctx, found, "member.add", args)
				}
			}
		}
	}
	return err
}

// tryMembers calls method on each address in turn until one succeeds; a refusal ends the round.
func (n *Node) tryMembers(ctx context.Context, addrs []string, method string, args any) error {
	var errs []error
	for _, addr := range addrs {
		callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := n.rpc.call(callCtx, addr, method, args, nil)
		cancel()
		if err == nil {
			return nil
		}
		errs = append(errs, err)
		if isCode(err, codeRefused) {
			break
		}
	}
	if len(errs) == 0 {
		return errors.New("no member to ask")
	}
	return errors.Join(errs...)
}

// vouch checks that peer may ask for a change to nodeID's membership: the node itself, or a
// member relaying its request.
func (n *Node) vouch(peer, nodeID string) error {
	if peer == nodeID {
		return nil
	}
	cfg, err := n.configuration()
	if err != nil {
		return err
	}
	for _, s := range cfg.Servers {
		if string(s.ID) == peer {
			return nil
		}
	}
	return refused("node %s may not change the membership of %s", peer, nodeID)
}

// memberRequest decodes a member.* request from peer: the arguments must pass valid (need says what
// kind needs) and peer must vouch for the node.
func (n *Node) memberRequest(peer string, body json.RawMessage, kind, need string, valid func(*memberArgs) bool) (*memberArgs, error) {
	var a memberArgs
	if err := json.Unmarshal(body, &a); err != nil || !valid(&a) {
		return nil, &rpcError{Code: codeBadReq, Msg: kind + " needs " + need}
	}
	if err := n.vouch(peer, a.NodeID); err != nil {
		return nil, err
	}
	return &a, nil
}

func hasNodeID(a *memberArgs) bool { return a.NodeID != "" }

func (n *Node) handleMemberAdd(ctx context.Context, peer string, body json.RawMessage) (any, error) {
	a, err := n.memberRequest(peer, body, "member.add", "a node ID and an address", func(a *memberArgs) bool {
		return nodeIDPattern.MatchString(a.NodeID) && a.Address != ""
	})
	if err != nil {
		return nil, err
	}
	return n.onLeader(ctx, "member.add", a, func() (any, error) { return n.addMember(a) })
}

// addMember (leader) puts a node in the configuration at its address, keeping a known node's
// suffrage; a new node comes in as a non-voter for autopilot to promote.
func (n *Node) addMember(a *memberArgs) (any, error) {
	if revoked, err := isRevoked(n.ctx, n.cfg.DB.Reader(), a.NodeID); err != nil || revoked {
		if revoked {
			return nil, refused("node %s left the office", a.NodeID)
		}
		return nil, err
	}
	n.pilot.back(raft.ServerID(a.NodeID))
	cfg, err := n.configuration()
	if err != nil {
		return nil, err
	}
	id, addr := raft.ServerID(a.NodeID), raft.ServerAddress(a.Address)
	var fut raft.IndexFuture
	for _, s := range cfg.Servers {
		if s.ID != id {
			continue
		}
		if s.Address == addr {
			return nil, nil
		}
		n.log.Info("member moved", "node", id, "from", s.Address, "to", addr)
		if s.Suffrage == raft.Voter {
			fut = n.raft.AddVoter(id, addr, 0, 10*time.Second)
		} else {
			fut = n.raft.AddNonvoter(id, addr, 0, 10*time.Second)
		}
	}
	if fut == nil {
		n.log.Info("adding member", "node", id, "address", addr)
		fut = n.raft.AddNonvoter(id, addr, 0, 10*time.Second)
	}
	if err := fut.Error(); err != nil {
		return nil, leaderErr(err)
	}
	return nil, nil
}

// departing (leader) tells autopilot that another member is going and applies change to it (a
// demotion, a removal); the leader is never changed so (refusal says what it does instead).
func (n *Node) departing(nodeID, refusal, what string,
	change func(id raft.ServerID, prevIndex uint64, timeout time.Duration) raft.IndexFuture) error {
	id := raft.ServerID(nodeID)
	if id == n.selfID {
		return &rpcError{Code: codeNotLeader, Msg: refusal}
	}
	n.pilot.departed(id)
	n.log.Info(what, "node", id)
	if err := change(id, 0, 10*time.Second).Error(); err != nil {
		return leaderErr(err)
	}
	return nil
}

func (n *Node) handleMemberDemote(ctx context.Context, peer string, body json.RawMessage) (any, error) {
	a, err := n.memberRequest(peer, body, "member.demote", "a node ID", hasNodeID)
	if err != nil {
		return nil, err
	}
	return n.onLeader(ctx, "member.demote", a, func() (any, error) {
		return nil, n.departing(a.NodeID, "the leader does not demote itself", "demoting a quitting member", n.raft.DemoteVoter)
	})
}

func (n *Node) handleMemberLeave(ctx context.Context, peer string, body json.RawMessage) (any, error) {
	a, err := n.memberRequest(peer, body, "member.leave", "a node ID", hasNodeID)
	if err != nil {
		return nil, err
	}
	return n.onLeader(ctx, "member.leave", a, func() (any, error) {
		if err := n.departing(a.NodeID, "the leader hands over before it leaves", "removing a leaving member", n.raft.RemoveServer); err != nil {
			return nil, err
		}
		entry, err := newClusterCommand(kindRevoke, time.Now().UnixMilli(), &revokeArgs{NodeID: a.NodeID})
		if err != nil {
			return nil, err
		}
		if _, _, err := n.commit(ctx, entry); err != nil {
			return nil, &rpcError{Code: codeNoQuorum, Msg: err.Error()}
		}
		return nil, nil
	})
}

func leaderErr(err error) error {
	if errors.Is(err, raft.ErrNotLeader) || errors.Is(err, raft.ErrLeadershipTransferInProgress) {
		return &rpcError{Code: codeNotLeader, Msg: err.Error()}
	}
	return &rpcError{Code: codeNoQuorum, Msg: err.Error()}
}

// Quit prepares this node to stop for a while (quitting the app, SIGTERM) so the office keeps its
// quorum: a leader hands leadership to another voter, and a voter asks to be demoted while other
// voters remain. It is bounded by ctx and best effort: a node that cannot reach the office just
// stops. On the next start the node registers again and autopilot gives it back its vote.
func (n *Node) Quit(ctx context.Context) {
	if n.id == nil || n.raft == nil || n.hasLeft() {
		return
	}
	cfg, err := n.configuration()
	if err != nil {
		return
	}
	voter, otherVoters := false, 0
	for _, s := range cfg.Servers {
		if s.Suffrage != raft.Voter {
			continue
		}
		if s.ID == n.selfID {
			voter = true
		} else {
			otherVoters++
		}
	}
	if !voter || otherVoters == 0 {
		return
	}
	if err := n.handOver(ctx); err != nil {
		n.log.Warn("quit: could not hand leadership over", "err", err)
		return
	}
	if err := n.callLeader(ctx, "member.demote", &memberArgs{NodeID: string(n.selfID)}); err != nil {
		n.log.Warn("quit: could not give up the vote", "err", err)
		return
	}
	n.log.Info("quit: gave up the vote until the next start")
}

// Leave takes this node out of its office for good: it hands leadership over, the leader removes
// it from the configuration and revokes its certificate, and the data dir is marked so it does
// not start as a member again. Left() is closed afterwards.
func (n *Node) Leave(ctx context.Context) error {
	if n.id == nil {
		return openim.ErrArgs.With("this node runs without --cluster-addr: there is no office network to leave")
	}
	if n.hasLeft() {
		return openim.ErrArgs.With("this node already left its office")
	}
	cfg, err := n.configuration()
	if err != nil {
		return err
	}
	voter, otherVoters, others := false, 0, 0
	for _, s := range cfg.Servers {
		if s.ID == n.selfID {
			voter = s.Suffrage == raft.Voter
			continue
		}
		others++
		if s.Suffrage == raft.Voter {
			otherVoters++
		}
	}
	if others == 0 {
		return openim.ErrArgs.With("this node is the whole office: there is nothing to leave")
	}
	if voter && otherVoters == 0 {
		return openim.ErrArgs.With("this node is the office's last voter: wait until another node is promoted")
	}
	if err := n.handOver(ctx); err != nil {
		return n.noQuorum("leave: hand leadership over", err)
	}
	if err := n.callLeader(ctx, "member.leave", &memberArgs{NodeID: string(n.selfID)}); err != nil {
		return n.noQuorum("leave", err)
	}
	if err := os.WriteFile(filepath.Join(n.cfg.DataDir, clusterDir, leftFile), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o600); err != nil {
		n.log.Error("leave: mark the data dir", "err", err)
	}
	n.leftOnce.Do(func() { close(n.left) })
	n.log.Info("left the office")
	return nil
}

func (n *Node) hasLeft() bool {
	select {
	case <-n.left:
		return true
	default:
		return false
	}
}

// handOver transfers leadership away from this node (if it leads) and waits for another leader.
func (n *Node) handOver(ctx context.Context) error {
	if n.raft.State() != raft.Leader {
		return nil
	}
	if err := n.raft.LeadershipTransfer().Error(); err != nil {
		return err
	}
	for {
		if _, id := n.raft.LeaderWithID(); id != "" && id != n.selfID {
			return nil
		}
		if err := sleepCtx(ctx, 25*time.Millisecond); err != nil {
			return fmt.Errorf("no new leader: %w", err)
		}
	}
}

// callLeader calls a leader-only method on the current leader, retrying while leadership moves.
func (n *Node) callLeader(ctx context.Context, method string, args any) error {
	var err error
	for range 5 {
		var addr raft.ServerAddress
		var id raft.ServerID
		if addr, id, err = n.awaitLeader(ctx, "", leaderWait); err != nil {
			return err
		}
		if id == n.selfID {
			err = errors.New("this node leads again")
		} else if err = n.callLeaderAt(ctx, addr, id, method, args, nil); err == nil || !isCode(err, codeNotLeader) {
			return err
		}
		if serr := sleepCtx(ctx, 100*time.Millisecond); serr != nil {
			return err
		}
	}
	return err
}

// raftStats is what autopilot needs of a server: its view of the log and the leader.
type raftStats struct {
	LastContact time.Duration `json:"lastContact"` // -1 when it never heard from a leader
	LastTerm    uint64        `json:"lastTerm"`
	LastIndex   uint64        `json:"lastIndex"`
}

// localStats reads this node's stats from Raft's cheap accessors and the log's last entry: not
// raft.Stats, which asks Raft's main loop for the configuration and formats two dozen fields on
// every autopilot poll.
func (n *Node) localStats() *raftStats {
	s := &raftStats{LastIndex: n.raft.LastIndex()}
	var last raft.Log
	if err := n.raftLog.GetLog(s.LastIndex, &last); err == nil {
		s.LastTerm = last.Term
	} else {
		// The log is empty behind a snapshot just installed: the snapshot's term.
		s.LastTerm, _ = strconv.ParseUint(n.raft.Stats()["last_log_term"], 10, 64)
	}
	switch contact := n.raft.LastContact(); {
	case n.raft.State() == raft.Leader:
	case contact.IsZero():
		s.LastContact = -1
	default:
		s.LastContact = time.Since(contact)
	}
	return s
}

func (n *Node) handleStats(ctx context.Context, peer string, body json.RawMessage) (any, error) {
	return n.localStats(), nil
}

// handleHealth answers a member's status request with the leader's autopilot view.
func (n *Node) handleHealth(ctx context.Context, peer string, body json.RawMessage) (any, error) {
	if n.raft.State() != raft.Leader {
		return nil, &rpcError{Code: codeNotLeader, Msg: "not the leader"}
	}
	return n.pilot.health(), nil
}
