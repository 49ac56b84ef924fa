package replication

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"lanim/node/im"
	"lanim/node/store"
)

// Config is what a replication node needs.
type Config struct {
	// DataDir holds raft/ (log, stable store, snapshots), cluster/ (TLS identity, peer book),
	// outbox.db and the temporary files of snapshots.
	DataDir string
	// NodeID is this install's stable ID (kept in the data dir).
	NodeID  string
	DB      *store.DB
	Machine *im.Machine
	// Sink receives the events of every applied batch (the gateway).
	Sink im.Sink
	Log  *slog.Logger
	// Cluster makes the node a member of an office on the network. Nil runs a standalone node: a
	// single voter on an in-memory transport, the same write path with no network.
	Cluster *ClusterConfig
	Tuning  Tuning
	// Blobs is the node's store of file bytes; nil moves no blobs. Members fetch from each other
	// the blobs they lack and push copies of those the office has too few of.
	Blobs BlobStore
	// BlobCopies is how many members should hold each blob; 0: as many as the office has voters.
	BlobCopies int

	// afterStore, for tests, runs after each append to Raft's log, on Raft's goroutine: a slow
	// disk.
	afterStore func()
	// refuseEntries, for tests: while it returns true this member fails every AppendEntries that
	// carries entries, as a member out of reach for a moment does; heartbeats still get through.
	refuseEntries func() bool
}

// Tuning holds Raft's log compaction knobs; zero keeps hashicorp/raft's default.
type Tuning struct {
	// SnapshotThreshold is how many entries since the last snapshot make the node take a new one and
	// compact the log (default 8192; an eighth of the history when that is more: snapshotCadence).
	// Tests lower it to exercise compaction and snapshot installs.
	SnapshotThreshold uint64
	// SnapshotInterval is how often Raft itself checks the threshold, a fallback (default 120 s,
	// randomised up to 2x): the FSM asks for a snapshot as soon as one is due.
	SnapshotInterval time.Duration
	// TrailingLogs is how many entries a compaction keeps for followers a little behind (default
	// 10240); a follower further behind, or a new node, is sent the snapshot instead.
	TrailingLogs uint64
	// CommitTimeout is how long the leader waits with nothing new before an AppendEntries that
	// only tells the followers the commit index (default commitTimeoutIdle). Tests make it an hour to
	// prove that commit notices alone bring a commit to the followers.
	CommitTimeout time.Duration
}

// ClusterConfig is a node's part in an office on the network.
type ClusterConfig struct {
	// Addr is the cluster port's listen address, HOST:PORT. Empty reuses the address of the last
	// run (kept in the data dir).
	Addr string
	// Advertise is the address other members dial. Empty: Addr, or this host's first LAN address
	// when Addr's host is unspecified (0.0.0.0).
	Advertise string
	// JoinCode joins the office it names, on a data dir that is not a member of one yet.
	JoinCode string
	// JoinAddrs are cluster addresses of members tried before the join code's own.
	JoinAddrs []string
	// Discovery finds members on the LAN by office ID; nil disables it.
	Discovery Discoverer
	Autopilot AutopilotTuning
}

// Node is this process's member of the office's Raft group.
type Node struct {
	cfg       Config
	log       *slog.Logger
	raft      *raft.Raft
	running   atomic.Pointer[raft.Raft] // raft, for Raft's own goroutines (n.raft is set after they start)
	fsm       *fsm
	raftLog   raftLog // Raft's log and stable store (logstore.go)
	transport raft.Transport
	self      raft.ServerAddress // the address other members dial
	selfID    raft.ServerID

	// Cluster mode only (nil when standalone).
	id        *identity
	book      *peerBook
	mux       *mux
	rpc       *rpcClient
	servers   []*rpcServer
	pilot     *pilot
	outbox    *outbox
	relay     *relay
	browse    browser
	guesses   guessBudget // wrong short join codes this member checks
	joinIndex uint64      // the redemption's index: a joiner is ready once it applied it
	blobSrv   *blobServer
	leaders   *leaderWatch     // ends calls to a leader Raft gave up on
	notices   *notifier        // commit notices to the followers (commitnotice.go)
	noticeTr  *noticeTransport // Raft's transport, taking the notices in
	logged    *loggedStore     // Raft's log store, waking notices that wait for their entry
	conf      *confWatch       // tells the heartbeats, the relay and the timeouts of a configuration change
	fwd       forwarder        // a follower's forwards to the leader, gathered (forward.go)

	blobs *blobs // nil without a blob store
	// digests caches the state digest per applied index for Status.
	digests *stateDigest

	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	left     chan struct{}
	leftOnce sync.Once
	closed   sync.Once
}

// ErrNotLeader is returned by Propose when this node cannot apply writes itself.
var ErrNotLeader = errors.New("not the leader")

// Open starts the node. A standalone data dir with no Raft state bootstraps a single-voter group.
// In cluster mode a new data dir founds an office (a new CA, this node its first voter) or, with a
// join code, joins one; a data dir that is already a member rejoins its office.
func Open(cfg Config) (*Node, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	n := &Node{cfg: cfg, log: cfg.Log, selfID: raft.ServerID(cfg.NodeID), left: make(chan struct{})}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	if err := n.open(); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

// snapshotsRetained is how many Raft snapshots stay on disk. Each is a whole copy of state.db, and
// state.db itself is the live copy, so one snapshot is enough: a second doubled the data dir.
const snapshotsRetained = 1

func (n *Node) open() (err error) {
	cfg := n.cfg
	raftDir := filepath.Join(cfg.DataDir, "raft")
	tmpDir := filepath.Join(cfg.DataDir, "tmp")
	for _, d := range []string{raftDir, tmpDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("replication: %w", err)
		}
	}
	hlog := newQuietLogger(hclog.New(&hclog.LoggerOptions{Name: "raft", Level: hclog.Warn, Output: os.Stderr}))
	n.raftLog, err = openLogStore(raftDir, hlog)
	if err != nil {
		return fmt.Errorf("replication: open log store: %w", err)
	}
	snaps, err := raft.NewFileSnapshotStoreWithLogger(raftDir, snapshotsRetained, hlog)
	if err != nil {
		return fmt.Errorf("replication: open snapshot store: %w", err)
	}
	n.fsm = &fsm{db: cfg.DB, machine: cfg.Machine, sink: cfg.Sink, tmpDir: tmpDir, log: cfg.Log, stop: n.ctx.Done(),
		queued: n.commandQueued}
	n.digests = newStateDigest(n.ctx, cfg.DB, n.fsm.appliedIndex)
	if cfg.Blobs != nil {
		n.blobs = newBlobs(n, cfg.Blobs)
		n.blobs.clearSpools()
		n.fsm.completed = n.blobs.objectsCompleted
	}
	if err := catchUpFromSnapshot(n.fsm, snaps); err != nil {
		return err
	}
	if err := n.fsm.initApplied(); err != nil {
		return err
	}
	existing, err := raft.HasExistingState(n.raftLog, n.raftLog, snaps)
	if err != nil {
		return fmt.Errorf("replication: %w", err)
	}
	rc := n.raftConfig(hlog)
	lastSnapshot, err := latestSnapshotIndex(snaps)
	if err != nil {
		return fmt.Errorf("replication: list snapshots: %w", err)
	}
	n.fsm.snapshots = newSnapshotCadence(rc.SnapshotThreshold, lastSnapshot)
	if cfg.Cluster == nil {
		addr, transport := raft.NewInmemTransport(raft.ServerAddress(cfg.NodeID))
		n.self, n.transport = addr, transport
		if n.raft, err = raft.NewRaft(rc, n.fsm, n.raftLog, n.raftLog, snaps, transport); err != nil {
			return fmt.Errorf("replication: start raft: %w", err)
		}
		n.running.Store(n.raft)
		if !existing {
			if err := n.bootstrap(); err != nil {
				return err
			}
		}
	} else if err := n.openCluster(rc, hlog, snaps, existing); err != nil {
		return err
	}
	if n.blobs != nil {
		n.goLoop(n.blobs.recordHolds)
	}
	n.goLoop(func() {
		n.fsm.snapshots.run(n.ctx.Done(), n.raft, n.fsm.appliedIndex, func(err error) {
			n.cfg.Log.Warn("snapshot", "err", err)
		})
	})
	return nil
}

func (n *Node) raftConfig(hlog hclog.Logger) *raft.Config {
	rc := raft.DefaultConfig()
	rc.LocalID = n.selfID
	rc.Logger = hlog
	rc.BatchApplyCh = true
	// The state database is durable and records its applied index in the same transaction as the
	// changes, so Raft need not rebuild it from the snapshot at every start; catchUpFromSnapshot
	// covers a database that fell behind the snapshot.
	rc.NoSnapshotRestoreOnStart = true
	rc.CommitTimeout = commitTimeoutIdle
	// The FSM asks for a snapshot as soon as the applied entries make one due (snapshotCadence):
	// Raft's own check, every 120-240 s by default, only made the log's ceiling depend on how many
	// entries arrived between two checks (a burst at 3,000 msg/s grew it past 600 MB, and the
	// BoltDB file that held the log then never shrank). Raft's check stays as a fallback at its default interval.
	t := n.cfg.Tuning
	if t.SnapshotThreshold > 0 {
		rc.SnapshotThreshold = t.SnapshotThreshold
	}
	if t.SnapshotInterval > 0 {
		rc.SnapshotInterval = t.SnapshotInterval
	}
	if t.TrailingLogs > 0 {
		rc.TrailingLogs = t.TrailingLogs
	}
	if t.CommitTimeout > 0 {
		rc.CommitTimeout = t.CommitTimeout
	}
	return rc
}

// bootstrap makes this node the first voter of a new group.
func (n *Node) bootstrap() error {
	boot := raft.Configuration{Servers: []raft.Server{{ID: n.selfID, Address: n.self, Suffrage: raft.Voter}}}
	if err := n.raft.BootstrapCluster(boot).Error(); err != nil {
		return fmt.Errorf("replication: bootstrap: %w", err)
	}
	return nil
}

// openCluster starts the cluster port, the TLS identity (founding or joining an office when the
// data dir has none), Raft on the network transport and the background work of a member.
func (n *Node) openCluster(rc *raft.Config, hlog hclog.Logger, snaps raft.SnapshotStore, existing bool) error {
	cc := n.cfg.Cluster
	dir := n.cfg.DataDir
	if _, err := os.Stat(filepath.Join(dir, clusterDir, leftFile)); err == nil {
		return fmt.Errorf("replication: this node left its office; start with a new data dir to join one again")
	}
	var err error
	if n.book, err = loadPeerBook(dir); err != nil {
		return err
	}
	listen := cc.Addr
	if listen == "" {
		listen = n.book.Listen
	}
	if listen == "" {
		return fmt.Errorf("replication: no cluster address: pass --cluster-addr HOST:PORT")
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("replication: cluster address %s: %w", listen, err)
	}
	adv, err := advertiseAddr(cc.Advertise, ln.Addr())
	if err != nil {
		ln.Close()
		return err
	}
	n.self = raft.ServerAddress(adv)
	n.mux = newMux(ln, n.log)
	if _, mdns := cc.Discovery.(*MDNS); mdns && isLoopback(adv) {
		// Nobody on the LAN can reach a loopback address, so there is nothing to announce; and
		// tests, which run on 127.0.0.1, never touch the host's multicast group.
		n.log.Info("mDNS off: the cluster address is a loopback address", "address", adv)
		copied := *cc
		copied.Discovery = nil
		cc, n.cfg.Cluster = &copied, &copied
	}

	// found: this node starts a new group as its first voter. Never for a joiner, even one that
	// stopped between receiving its certificate and its first contact with the office.
	found := false
	id, ok, err := loadIdentity(dir, n.cfg.NodeID)
	switch {
	case err != nil:
		return fmt.Errorf("replication: cluster identity: %w", err)
	case ok:
		if cc.JoinCode != "" {
			n.log.Info("this node is already a member of an office; the join code is not used")
		}
		_, statErr := os.Stat(filepath.Join(dir, clusterDir, caKeyFile))
		found = !existing && statErr == nil
	case cc.JoinCode != "":
		if existing {
			return fmt.Errorf("replication: this data dir already holds an office; use a new data dir to join another")
		}
		if id, err = n.join(cc); err != nil {
			return err
		}
	default:
		// A new office, or a standalone data dir that now gets a cluster port: this node founds
		// the office's CA and stays its first voter.
		if id, err = foundIdentity(dir, n.cfg.NodeID); err != nil {
			return err
		}
		found = !existing
	}
	n.id = id
	if err := n.book.setListen(listen); err != nil {
		return err
	}

	raftLn := n.mux.listen(streamRaft, id.serverConfig(n.allowPeer))
	rpcLn := n.mux.listen(streamRPC, id.serverConfig(n.allowPeer))
	joinLn := n.mux.listen(streamJoin, id.joinServerConfig())
	var blobLn net.Listener
	if n.blobs != nil {
		blobLn = n.mux.listen(streamBlob, id.serverConfig(n.allowPeer))
	}
	transport := newNoticeTransport(newRaftTransport(raftLn, id.clientConfig(), hlog))
	transport.refuse = n.cfg.refuseEntries
	n.transport, n.noticeTr = newBeatTransport(n, transport), transport
	n.conf = newConfWatch(n)
	n.rpc = newRPCClient(id.clientConfig(), streamRPC)
	n.notices = newNotifier(n)
	n.fsm.committing = n.notices.committed
	officeTiming(rc)
	if n.logged, err = newLoggedStore(n.raftLog); err != nil {
		return err
	}
	self := newSelfCommitter(n)
	n.logged.onStored = self.stored
	if slow := n.cfg.afterStore; slow != nil {
		n.logged.onStored = func(logs []*raft.Log) { slow(); self.stored(logs) }
	}
	if n.raft, err = raft.NewRaft(rc, n.fsm, n.logged, n.raftLog, snaps, n.transport); err != nil {
		return fmt.Errorf("replication: start raft: %w", err)
	}
	n.running.Store(n.raft)
	n.notices.ready.Store(true)
	n.goLoop(func() { self.run(n.ctx) })
	if found {
		if err := n.bootstrap(); err != nil {
			return err
		}
	}
	if n.outbox, err = openOutbox(filepath.Join(dir, "outbox.db")); err != nil {
		return err
	}
	n.relay = newRelay(n)
	n.pilot = newPilot(n, cc.Autopilot, hlog)
	n.leaders = newLeaderWatch(func() raft.ServerID { _, id := n.raft.LeaderWithID(); return id })
	n.goLoop(func() { n.leaders.run(n.ctx, n.raft, n.outbox.kick) })
	handlers := n.handlers()
	handlers["commit"] = n.handleCommit
	rpcSrv := newRPCServer(n.log, handlers)
	rpcSrv.serve(rpcLn)
	joinSrv := newRPCServer(n.log, map[string]rpcHandler{"join": n.handleJoin, "office": n.handleOffice})
	joinSrv.serve(joinLn)
	n.servers = []*rpcServer{rpcSrv, joinSrv}
	n.goLoop(n.mux.serve)
	n.goLoop(n.conf.run)
	n.goLoop(n.maintain)
	n.goLoop(n.pilot.run)
	n.goLoop(n.drainOutbox)
	n.goLoop(n.relay.watch)
	n.goLoop(n.quietHeartbeats)
	if cc.Discovery != nil {
		n.goLoop(n.announce)
	}
	if n.blobs != nil {
		n.blobSrv = &blobServer{b: n.blobs}
		n.goLoop(func() { n.blobSrv.serve(blobLn) })
		n.goLoop(n.blobs.push)
	}
	return nil
}

func (n *Node) goLoop(fn func()) {
	n.wg.Add(1)
	go func() {
		defer n.wg.Done()
		fn()
	}()
}

// allowPeer vets a member's certificate at every handshake: a node that left the office is refused.
func (n *Node) allowPeer(nodeID string) error {
	revoked, err := isRevoked(context.Background(), n.cfg.DB.Reader(), nodeID)
	if err != nil {
		return err
	}
	if revoked {
		return fmt.Errorf("node %s left the office", nodeID)
	}
	return nil
}

// advertiseAddr is the address members dial: the given one, or the listener's, with an
// unspecified host replaced by this machine's first LAN address.
func advertiseAddr(given string, ln net.Addr) (string, error) {
	if given != "" {
		if _, _, err := net.SplitHostPort(given); err != nil {
			return "", fmt.Errorf("replication: advertise address %q: %w", given, err)
		}
		return given, nil
	}
	tcp, ok := ln.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return ln.String(), nil
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return "", fmt.Errorf("replication: list interfaces: %w", err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() && !ipn.IP.IsLinkLocalUnicast() {
			return net.JoinHostPort(ipn.IP.String(), fmt.Sprint(tcp.Port)), nil
		}
	}
	return "", fmt.Errorf("replication: no LAN address to advertise; pass --cluster-advertise")
}

// isLoopback reports whether HOST:PORT names a loopback host.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// catchUpFromSnapshot restores the newest snapshot when the database is older than it (a database
// file lost or rolled back while the log was compacted past it).
func catchUpFromSnapshot(f *fsm, snaps raft.SnapshotStore) error {
	metas, err := snaps.List()
	if err != nil || len(metas) == 0 {
		return err
	}
	applied, err := store.AppliedIndex(context.Background(), f.db.Reader())
	if err != nil {
		return err
	}
	if applied >= metas[0].Index {
		return nil
	}
	_, rc, err := snaps.Open(metas[0].ID)
	if err != nil {
		return fmt.Errorf("replication: open snapshot %s: %w", metas[0].ID, err)
	}
	f.log.Info("restoring snapshot: database is behind it", "applied", applied, "snapshot", metas[0].Index)
	return f.Restore(rc)
}

// Founder reports whether this node may create the office's first state: it is standalone, or the
// only server of its Raft group. A joiner (empty configuration until it is added) is not.
func (n *Node) Founder() bool {
	if n.cfg.Cluster == nil {
		return true
	}
	cfg, err := n.configuration()
	if err != nil {
		return false
	}
	return len(cfg.Servers) == 1 && cfg.Servers[0].ID == n.selfID
}

// WaitReady blocks until a new member can serve: a founder's CA is in the replicated state (so
// any member can admit newcomers), and a joiner has applied the log up to its admission.
func (n *Node) WaitReady(ctx context.Context) error {
	if n.id == nil {
		return nil
	}
	for {
		err := n.recordCA(ctx)
		if err == nil {
			break
		}
		n.log.Info("recording the office CA", "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("record the office CA: %w", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
	if n.joinIndex == 0 {
		return nil
	}
	if err := n.fsm.waitApplied(ctx, n.joinIndex); err != nil {
		return err
	}
	n.awaitVote(ctx, joinVoteWait)
	return nil
}

// joinVoteWait bounds how long a new member waits for its vote before serving.
const joinVoteWait = 15 * time.Second

// awaitVote waits (at most d) until this node is a voter, while the office has room for one: a
// new member is then a full member when it starts serving. Autopilot decides; if it has not
// within d the node serves anyway as a non-voter.
func (n *Node) awaitVote(ctx context.Context, d time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		cfg, err := n.configuration()
		if err == nil {
			voters, self := 0, false
			for _, s := range cfg.Servers {
				if s.Suffrage == raft.Voter {
					voters++
					self = self || s.ID == n.selfID
				}
			}
			if self || voters >= n.pilot.votersWanted(len(cfg.Servers)) {
				return
			}
		}
		if sleepCtx(ctx, 100*time.Millisecond) != nil {
			n.log.Info("serving as a non-voter: not promoted yet")
			return
		}
	}
}

// WaitLeader blocks until the group has a leader (or ctx ends).
func (n *Node) WaitLeader(ctx context.Context) error {
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		if addr, _ := n.raft.LeaderWithID(); addr != "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for a leader: %w", ctx.Err())
		case <-t.C:
		}
	}
}

// Snapshot takes a Raft snapshot now and compacts the log behind it.
func (n *Node) Snapshot() error { return n.raft.Snapshot().Error() }

// AppliedIndex is the last index this node's state database holds.
func (n *Node) AppliedIndex() uint64 { return n.fsm.appliedIndex() }

// Left is closed once this node has left its office (POST /cluster/leave): the process should stop.
func (n *Node) Left() <-chan struct{} { return n.left }

// commandQueued reports whether Raft has already queued a command after index for the FSM's
// goroutine (the FSM's group commit waits for it). Raft counts an index applied once every batch
// up to it is in the FSM's queue; entry index+1 then reaches ApplyBatch if it is a command or a
// configuration (a BatchingFSM is not handed no-ops and barriers).
func (n *Node) commandQueued(index uint64) bool {
	r := n.running.Load()
	if r == nil || r.AppliedIndex() <= index {
		return false
	}
	var next raft.Log
	if err := n.raftLog.GetLog(index+1, &next); err != nil {
		return false
	}
	return next.Type == raft.LogCommand || next.Type == raft.LogConfiguration
}

// configuration is the latest Raft configuration this node knows.
func (n *Node) configuration() (raft.Configuration, error) {
	f := n.raft.GetConfiguration()
	if err := f.Error(); err != nil {
		return raft.Configuration{}, err
	}
	return f.Configuration(), nil
}

// Close stops the background work, Raft and the cluster port, and closes the log store and the
// outbox. The state database belongs to the caller.
func (n *Node) Close() error {
	var errs []error
	n.closed.Do(func() {
		n.cancel()
		if n.digests != nil {
			n.digests.close()
		}
		if n.pilot != nil {
			n.pilot.stop()
		}
		if n.notices != nil {
			n.notices.close()
		}
		if n.raft != nil {
			errs = append(errs, n.raft.Shutdown().Error())
			// Raft's FSM goroutine has ended: commit what a deferred commit still holds (if this
			// fails, the log applies those entries again at the next start).
			if err := n.fsm.settle(); err != nil {
				n.log.Warn("closing: the last entries stay in the log", "err", err)
			}
		}
		for _, s := range n.servers {
			s.close()
		}
		if n.mux != nil {
			n.mux.close()
		}
		if n.blobSrv != nil {
			n.blobSrv.close()
		}
		if n.blobs != nil {
			n.blobs.shut()
		}
		if c, ok := n.transport.(io.Closer); ok {
			c.Close()
		}
		if n.rpc != nil {
			n.rpc.close()
		}
		if n.relay != nil {
			n.relay.close()
		}
		n.wg.Wait()
		if n.outbox != nil {
			errs = append(errs, n.outbox.close())
		}
		if n.raftLog.WAL != nil {
			errs = append(errs, n.raftLog.Close())
		}
	})
	return errors.Join(errs...)
}
