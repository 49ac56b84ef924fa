package app

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lanim/node/im"
)

// NodeConfig is the command line of a node.
type NodeConfig struct {
	DataDir     string
	APIAddr     string
	WSAddr      string
	AdminSecret string
	Pprof       string // --pprof: loopback address of net/http/pprof; empty serves none
	Cluster     ClusterFlags
	// MaxObjectMB is the largest file a client may upload to this node (--max-object-mb; 0: 2048).
	MaxObjectMB int64
	// FilesBudgetMB bounds the disk this node's files take in DIR/blobs (--files-budget-mb; 0: no bound).
	FilesBudgetMB int64
	// BlobCopies is how many members of the office keep each file (--blob-copies; 0: every voter).
	BlobCopies int
	// Now is the clock the node stamps requests with (time.Now when nil): the demo backdates its
	// sample office with it, and screen tests pin the times their masters show.
	Now func() time.Time
}

// ClusterFlags place the node in an office on the network (see replication.ClusterConfig).
type ClusterFlags struct {
	Addr      string   // --cluster-addr: the cluster port; empty runs standalone (unless the data dir is a member)
	Advertise string   // --cluster-advertise
	Join      []string // --join: cluster addresses of members
	JoinCode  string   // --join-code
	Discovery string   // --discovery: mdns or off
	// Raft and autopilot tuning; zero keeps the defaults. Tests lower them.
	SnapshotThreshold uint64
	SnapshotInterval  time.Duration
	TrailingLogs      uint64
	Stabilization     time.Duration
	DeadServer        time.Duration
	DemoteAfter       time.Duration // --autopilot-demote-after; 0 keeps every voter
}

func parseNodeFlags(name string, args []string, stderr io.Writer) (*NodeConfig, error) {
	cfg := &NodeConfig{}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", defaultDataDir(), "data directory (state, Raft log, keys)")
	fs.StringVar(&cfg.APIAddr, "api-addr", "127.0.0.1:10002", "REST API listen address")
	fs.StringVar(&cfg.WSAddr, "ws-addr", "127.0.0.1:10001", "WebSocket gateway listen address")
	fs.StringVar(&cfg.AdminSecret, "admin-secret", "",
		"admin secret of a new office (first start only); generated and stored in the data dir when empty")
	fs.StringVar(&cfg.Pprof, "pprof", "", "serve Go's profiler (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060")
	fs.Int64Var(&cfg.MaxObjectMB, "max-object-mb", 2048, "largest file a client may upload to this node, in MiB")
	fs.Int64Var(&cfg.FilesBudgetMB, "files-budget-mb", 0,
		"disk this node's files may take in the data dir, in MiB (0: no bound beyond the disk)")
	fs.IntVar(&cfg.BlobCopies, "blob-copies", 0,
		"how many members of the office keep a copy of each file, the uploader's included (0: every voter)")
	cl := &cfg.Cluster
	fs.StringVar(&cl.Addr, "cluster-addr", "",
		"cluster port HOST:PORT (Raft and node-to-node service); empty runs a standalone node")
	fs.StringVar(&cl.Advertise, "cluster-advertise", "", "address other nodes dial (default: --cluster-addr)")
	join := fs.String("join", "", "cluster address(es) of office members to join, comma-separated (with --join-code)")
	fs.StringVar(&cl.JoinCode, "join-code", "", "join code from POST /cluster/invite (first start only)")
	fs.StringVar(&cl.Discovery, "discovery", "mdns", "find office members on the LAN: mdns or off")
	fs.Uint64Var(&cl.SnapshotThreshold, "raft-snapshot-threshold", 0, "log entries between snapshots (0: 8192)")
	fs.DurationVar(&cl.SnapshotInterval, "raft-snapshot-interval", 0, "how often Raft checks for a snapshot besides the check at every apply (0: 120s)")
	fs.Uint64Var(&cl.TrailingLogs, "raft-trailing-logs", 0, "log entries kept after a snapshot (0: 10240)")
	fs.DurationVar(&cl.Stabilization, "autopilot-stabilization", 0,
		"how long a new node must be healthy before it gets a vote (0: 5s)")
	fs.DurationVar(&cl.DeadServer, "autopilot-dead-server", 0,
		"how long a node may be unreachable before it is removed from the office (0: 30m)")
	fs.DurationVar(&cl.DemoteAfter, "autopilot-demote-after", 15*time.Second,
		"how long a voter may stop answering before it gives up its vote to the computers that are on (0: never)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for _, a := range strings.Split(*join, ",") {
		if a = strings.TrimSpace(a); a != "" {
			cl.Join = append(cl.Join, a)
		}
	}
	if cl.Discovery != "mdns" && cl.Discovery != "off" {
		return nil, fmt.Errorf("--discovery is mdns or off, not %q", cl.Discovery)
	}
	if len(cl.Join) > 0 && cl.JoinCode == "" {
		return nil, fmt.Errorf("--join needs --join-code (from POST /cluster/invite on a member)")
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if cfg.Pprof != "" {
		if err := checkPprofAddr(cfg.Pprof); err != nil {
			return nil, err
		}
	}
	if cfg.BlobCopies < 0 {
		return nil, fmt.Errorf("--blob-copies is not negative")
	}
	if cfg.MaxObjectMB < 0 || cfg.MaxObjectMB<<20 > im.MaxObjectSize || cfg.FilesBudgetMB < 0 {
		return nil, fmt.Errorf("--max-object-mb is 0..%d and --files-budget-mb is not negative", im.MaxObjectSize>>20)
	}
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("no data dir: pass --data DIR")
	}
	return cfg, nil
}

// defaultDataDir is the OS user config dir + /lanim.
func defaultDataDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "lanim")
}
