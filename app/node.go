package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"golang.org/x/crypto/bcrypt"

	"lanim/node/api"
	"lanim/node/auth"
	"lanim/node/blob"
	"lanim/node/gateway"
	"lanim/node/im"
	"lanim/node/store"
	"lanim/replication"
)

// Node is a running IM node: state, replication and the API, started in that order and closed in
// reverse.
type Node struct {
	cfg     *NodeConfig
	log     *slog.Logger
	dir     *dataDir
	db      *store.DB
	blobs   *blob.Store // file bytes of the object API
	repl    *replication.Node
	apiSrv  *http.Server
	apiLn   net.Listener
	gw      *gateway.Gateway
	wsSrv   *http.Server
	wsLn    net.Listener
	served  chan error
	closers []func() error
}

// StartNode opens the data dir, starts Raft, creates the office on first start and serves the API.
func StartNode(ctx context.Context, cfg *NodeConfig, out io.Writer, log *slog.Logger) (*Node, error) {
	n := &Node{cfg: cfg, log: log, served: make(chan error, 2)}
	if err := n.start(ctx, out); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

func (n *Node) start(ctx context.Context, out io.Writer) (err error) {
	cfg := n.cfg
	if n.dir, err = openDataDir(cfg.DataDir); err != nil {
		return err
	}
	n.closers = append(n.closers, n.dir.close)
	if cfg.Pprof != "" {
		_, stop, err := servePprof(cfg.Pprof)
		if err != nil {
			return err
		}
		n.closers = append(n.closers, stop)
	}
	// Listen before anything slow, so a busy port fails at once.
	if n.apiLn, err = net.Listen("tcp", cfg.APIAddr); err != nil {
		return fmt.Errorf("api address %s: %w", cfg.APIAddr, err)
	}
	n.closers = append(n.closers, func() error { n.apiLn.Close(); return nil })
	if n.wsLn, err = net.Listen("tcp", cfg.WSAddr); err != nil {
		return fmt.Errorf("ws address %s: %w", cfg.WSAddr, err)
	}
	n.closers = append(n.closers, func() error { n.wsLn.Close(); return nil })
	nodeID, err := n.dir.nodeID()
	if err != nil {
		return fmt.Errorf("node id: %w", err)
	}
	if n.db, err = store.Open(n.dir.file("state.db"), store.WithSearchText(im.StoredText)); err != nil {
		return err
	}
	n.closers = append(n.closers, n.db.Close)
	if n.blobs, err = blob.Open(n.dir.file("blobs"), cfg.FilesBudgetMB<<20); err != nil {
		return err
	}
	// Part URLs are signed with a key only this node knows, kept across restarts so an
	// interrupted upload resumes.
	signKey, err := n.dir.readOrCreate("object-sign-key", func() (string, error) { return randomHex(32) })
	if err != nil {
		return fmt.Errorf("object sign key: %w", err)
	}
	machine := im.NewMachine()
	clusterCfg, err := clusterConfig(cfg)
	if err != nil {
		return err
	}
	verifier := auth.NewVerifier(n.db.Reader())
	// The gateway is the FSM's sink, so it exists before Raft; it proposes through n.repl, which
	// is set before the WS port serves anyone.
	n.gw = gateway.New(gateway.Config{Verifier: verifier, DB: n.db, Log: n.log, Now: cfg.Now,
		Proposer: proposerOf(func() gateway.Proposer { return diskGuard{next: n.repl, dir: cfg.DataDir} })})
	if n.repl, err = replication.Open(replication.Config{DataDir: cfg.DataDir, NodeID: nodeID, DB: n.db,
		Machine: machine, Sink: n.gw, Log: n.log, Cluster: clusterCfg, Tuning: raftTuning(cfg),
		Blobs: n.blobs, BlobCopies: cfg.BlobCopies}); err != nil {
		n.gw.Close(context.Background())
		return err
	}
	n.closers = append(n.closers, n.repl.Close)
	relayTransient(n.gw, n.repl, nodeID)
	// Closers run in reverse: the gateway closes before Raft stops.
	n.closers = append(n.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return n.gw.Close(ctx)
	})
	// A founder (a standalone node, or the only server of its group) creates the office on its
	// first start; a joiner waits until it has caught up with the office it joined.
	if n.repl.Founder() {
		if err := n.ensureOffice(ctx, out); err != nil {
			return err
		}
	}
	readyCtx, cancelReady := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelReady()
	if err := n.repl.WaitReady(readyCtx); err != nil {
		return err
	}

	apiHandler := api.New(api.Config{DB: n.db, Proposer: diskGuard{next: n.repl, dir: cfg.DataDir}, Verifier: verifier,
		AdminSecretOK: n.adminSecretOK, Cluster: clusterAPI{n.repl}, Presence: n.gw, Log: n.log, Now: cfg.Now,
		Blobs: n.blobs, Fetcher: n.repl, MaxObjectSize: cfg.MaxObjectMB << 20, SignKey: []byte(signKey)})
	sweepCtx, stopSweep := context.WithCancel(context.Background())
	swept := make(chan struct{})
	go func() { defer close(swept); apiHandler.SweepUploads(sweepCtx, 10*time.Minute) }()
	n.closers = append(n.closers, func() error { stopSweep(); <-swept; return nil })
	n.apiSrv = &http.Server{Handler: apiHandler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	go func() { n.served <- n.apiSrv.Serve(n.apiLn) }()
	n.wsSrv = &http.Server{Handler: n.gw, ReadHeaderTimeout: 10 * time.Second}
	go func() { n.served <- n.wsSrv.Serve(n.wsLn) }()
	fmt.Fprintf(out, "lanim: node %s ready: api http://%s ws ws://%s data %s version %s\n", nodeID, n.apiLn.Addr(),
		n.wsLn.Addr(), cfg.DataDir, Version())
	return nil
}

// ensureOffice creates the office on a node's first start: the office key and the admin secret
// (from --admin-secret, or generated and written to DIR/admin-secret with mode 0600).
// ensureOffice creates the office on a founder's first start. A founder whose office is already
// in its own state serves at once: a lone voter elects itself only after a heartbeat timeout (3-6
// s in an office, see replication/quiet.go), and until then reads come from the local state and
// sends wait in the outbox. Otherwise it waits for its election, and looks again once elected
// (the log replayed then may hold an office.create from a start that stopped half-way).
func (n *Node) ensureOffice(ctx context.Context, out io.Writer) error {
	if off, err := im.LoadOffice(ctx, n.db.Reader()); err != nil || off != nil {
		return err
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := n.repl.WaitLeader(waitCtx); err != nil {
		return err
	}
	off, err := im.LoadOffice(ctx, n.db.Reader())
	if err != nil || off != nil {
		return err
	}
	secret := n.cfg.AdminSecret
	if secret == "" {
		if secret, err = n.dir.readOrCreate("admin-secret", func() (string, error) { return randomHex(16) }); err != nil {
			return fmt.Errorf("admin secret: %w", err)
		}
		fmt.Fprintf(out, "lanim: new office; admin secret stored in %s\n", n.dir.file("admin-secret"))
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	officeID, err := randomHex(8)
	if err != nil {
		return err
	}
	cmd, err := im.NewCommand("office.create", im.Caller{}, time.Now().UnixMilli(), "", &im.CreateOffice{
		Office: im.Office{OfficeID: officeID, Name: "LanIM office", JWTKey: key, AdminSecretHash: string(hash)}})
	if err != nil {
		return err
	}
	res, err := n.repl.Propose(ctx, cmd)
	if err != nil {
		return fmt.Errorf("create office: %w", err)
	}
	if res.Err != nil {
		return fmt.Errorf("create office: %w", res.Err)
	}
	return nil
}

// adminSecretOK compares a get_admin_token secret with the office's bcrypt hash.
func (n *Node) adminSecretOK(ctx context.Context, secret string) bool {
	off, err := im.LoadOffice(ctx, n.db.Reader())
	if err != nil || off == nil {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(off.AdminSecretHash), []byte(secret)) == nil
}

// Close stops accepting requests, lets in-flight ones finish (up to 10 s), then stops Raft and
// closes the state database and the data dir lock.
func (n *Node) Close() error {
	var errs []error
	if n.apiSrv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, n.apiSrv.Shutdown(ctx))
		cancel()
	}
	if n.wsSrv != nil {
		// Shutdown stops the listener; the upgraded connections are the gateway's to close.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, n.wsSrv.Shutdown(ctx))
		cancel()
	}
	for i := len(n.closers) - 1; i >= 0; i-- {
		errs = append(errs, n.closers[i]())
	}
	n.closers = nil
	return errors.Join(errs...)
}

// proposerOf proposes through the proposer get returns at call time.
type proposerOf func() gateway.Proposer

func (p proposerOf) Propose(ctx context.Context, cmd *im.Command) (*im.Result, error) {
	return p().Propose(ctx, cmd)
}

// runNode runs a headless node until ctx ends (SIGINT/SIGTERM), then shuts it down cleanly.
func runNode(ctx context.Context, cfg *NodeConfig, out io.Writer) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	n, err := StartNode(ctx, cfg, out, log)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		// Quitting: hand leadership over and give up the vote so the office keeps its quorum.
		quitCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n.repl.Quit(quitCtx)
		cancel()
	case <-n.repl.Left():
		fmt.Fprintln(out, "lanim: this node left its office")
	case err := <-n.served:
		if !errors.Is(err, http.ErrServerClosed) {
			log.Error("api server stopped", "err", err)
		}
	}
	if err := n.Close(); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	fmt.Fprintln(out, "lanim: stopped")
	return nil
}
