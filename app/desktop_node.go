package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"lanim/replication"
	"lanim/ui"
)

// defaultClusterAddr is the desktop app's cluster port: every install can found an office or join
// one over the LAN, so the app listens on all interfaces (TLS, office members only) unless
// --cluster-addr says otherwise. A second app on one machine gets another port.
const defaultClusterAddr = ":10003"

// joinTimeout bounds joining an office: dialling a member, the certificate, and catching up.
const joinTimeout = 3 * time.Minute

// embeddedNode is the desktop app's node. Joining another office replaces it: a node joins only on
// its first start, so the node this install founded is put aside (its data dir renamed, kept) and
// a new one starts on a fresh data dir with the join code.
type embeddedNode struct {
	mu  sync.Mutex
	cfg NodeConfig // API and WS addresses pinned to the ports the first start got
	out io.Writer
	log *slog.Logger
	n   *Node
}

func startEmbedded(ctx context.Context, cfg *NodeConfig, out io.Writer, log *slog.Logger) (*embeddedNode, error) {
	n, err := StartNode(ctx, cfg, out, log)
	if err != nil {
		return nil, err
	}
	e := &embeddedNode{cfg: *cfg, out: out, log: log, n: n}
	// A restart (after a join) must come back on the same ports: the app's client points there.
	e.cfg.APIAddr, e.cfg.WSAddr = n.APIAddr(), n.WSAddr()
	e.cfg.Cluster.JoinCode, e.cfg.Cluster.Join = "", nil
	return e, nil
}

func (e *embeddedNode) node() *Node {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.n
}

// AdminSecret is the current node's admin secret ("" on a node that joined an office).
func (e *embeddedNode) AdminSecret() (string, error) {
	n := e.node()
	if n == nil {
		return "", nil
	}
	return n.AdminSecret()
}

// Close stops the node.
func (e *embeddedNode) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.n == nil {
		return nil
	}
	err := e.n.Close()
	e.n = nil
	return err
}

// Join replaces this install's node with one that joins the office of code. via is the office
// the user picked on the LAN (or nil): the code must be that office's, and the addresses its
// members answered from are tried before the code's own. On failure the old node comes back as
// it was.
func (e *embeddedNode) Join(ctx context.Context, code string, via *ui.OfficeAd) error {
	code = strings.TrimSpace(code)
	if code == "" {
		return errors.New("the join code is empty")
	}
	officeID := "" // a short code names no office: the member's proof shows it is the code's
	if !replication.IsShortJoinCode(code) {
		id, err := replication.JoinCodeOffice(code)
		if err != nil {
			return fmt.Errorf("this is not a join code (a short one has 16 letters and digits, a long one "+
				"starts with lanim1-): %w", err)
		}
		officeID = id
	}
	var addrs []string
	if via != nil {
		if officeID != "" && via.ID != officeID {
			name := via.Name
			if name == "" {
				name = via.ID
			}
			return fmt.Errorf("this join code is for another office than %s: ask one of its office admins, "+
				"or pick no office", name)
		}
		addrs = via.Addrs
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), joinTimeout)
	defer cancel()
	e.mu.Lock()
	defer e.mu.Unlock()
	dir := e.cfg.DataDir
	aside, err := e.closeAndSetAside("before-join")
	if err != nil {
		return e.restart(ctx, fmt.Errorf("put the old office aside: %w", err))
	}
	cfg := e.cfg
	cfg.Cluster.JoinCode, cfg.Cluster.Join = code, addrs
	if cfg.Cluster.Addr == "" {
		cfg.Cluster.Addr = defaultClusterAddr
	}
	n, err := StartNode(ctx, &cfg, e.out, e.log)
	if err != nil {
		if rmErr := os.RemoveAll(dir); rmErr == nil {
			if mvErr := os.Rename(aside, dir); mvErr != nil {
				e.log.Error("restore the old data dir", "err", mvErr, "kept", aside)
			}
		}
		return e.restart(ctx, fmt.Errorf("join the office: %w", err))
	}
	e.log.Info("joined an office", "previous data dir", aside)
	e.n = n
	e.cfg.Cluster.Addr = cfg.Cluster.Addr
	return nil
}

// closeAndSetAside closes the running node and renames its data dir to DIR.<why>-<time>, which it
// returns. The caller holds e.mu.
func (e *embeddedNode) closeAndSetAside(why string) (string, error) {
	if e.n != nil {
		if err := e.n.Close(); err != nil {
			e.log.Warn("close the node", "before", why, "err", err)
		}
		e.n = nil
	}
	aside := fmt.Sprintf("%s.%s-%s", e.cfg.DataDir, why, time.Now().Format("20060102-150405"))
	return aside, os.Rename(e.cfg.DataDir, aside)
}

// StartOver replaces a node that left its office with a new one on a fresh data dir: the old one
// is put aside (DIR.left-<time>, kept), since a data dir that left never starts as a member again.
// The new node founds a new office, so the app opens on its welcome screen.
func (e *embeddedNode) StartOver(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), joinTimeout)
	defer cancel()
	e.mu.Lock()
	defer e.mu.Unlock()
	aside, err := e.closeAndSetAside("left")
	if err != nil {
		return fmt.Errorf("put the data dir that left aside: %w", err)
	}
	n, err := StartNode(ctx, &e.cfg, e.out, e.log)
	if err != nil {
		return fmt.Errorf("start a new node: %w", err)
	}
	e.log.Info("left the office; started a new node", "previous data dir", aside)
	e.n = n
	return nil
}

// restart brings the node back after a failed join and returns why the join failed.
func (e *embeddedNode) restart(ctx context.Context, why error) error {
	n, err := StartNode(ctx, &e.cfg, e.out, e.log)
	if err != nil {
		return errors.Join(why, fmt.Errorf("restart the node: %w", err))
	}
	e.n = n
	return why
}
