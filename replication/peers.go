package replication

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

const (
	peerBookFile = "peers.json"
	// leftFile marks a data dir whose node left its office: it does not start as a member again.
	leftFile = "left"
)

// peerBook is what a member remembers of its office between runs, in DIR/cluster/peers.json: its
// own listen address (so a restart needs no flag) and the other members' addresses (so a node
// whose Raft configuration is empty or stale can still reach someone to register with).
type peerBook struct {
	path   string
	mu     sync.Mutex
	Listen string   `json:"listen"`
	Peers  []string `json:"peers"`
}

func loadPeerBook(dir string) (*peerBook, error) {
	b := &peerBook{path: filepath.Join(dir, clusterDir, peerBookFile)}
	raw, err := os.ReadFile(b.path)
	if errors.Is(err, os.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return nil, fmt.Errorf("replication: peer book: %w", err)
	}
	if err := json.Unmarshal(raw, b); err != nil {
		return nil, fmt.Errorf("replication: peer book %s: %w", b.path, err)
	}
	return b, nil
}

func (b *peerBook) setListen(addr string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Listen == addr {
		return nil
	}
	b.Listen = addr
	return b.saveLocked()
}

// setPeers records the other members' addresses when they changed.
func (b *peerBook) setPeers(addrs []string) error {
	addrs = slices.Clone(addrs)
	slices.Sort(addrs)
	addrs = slices.Compact(addrs)
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(addrs) == 0 || slices.Equal(addrs, b.Peers) {
		return nil
	}
	b.Peers = addrs
	return b.saveLocked()
}

func (b *peerBook) peers() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.Peers)
}

func (b *peerBook) saveLocked() error {
	raw, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(b.path), 0o700); err != nil {
		return err
	}
	if err := writeFileSync(b.path, raw); err != nil {
		return fmt.Errorf("replication: save peer book: %w", err)
	}
	return nil
}

// foundIdentity makes a new office CA and this node's certificate. The CA key stays in
// DIR/cluster/ca-key.pem only until it is in the replicated state (recordCA), then it is deleted.
func foundIdentity(dir, nodeID string) (*identity, error) {
	caPEM, caKeyPEM, err := newCA()
	if err != nil {
		return nil, err
	}
	keyPEM, csr, err := newNodeKey(nodeID)
	if err != nil {
		return nil, err
	}
	certPEM, err := signNode(caPEM, caKeyPEM, nodeID, csr)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, clusterDir), 0o700); err != nil {
		return nil, err
	}
	if err := writeFileSync(filepath.Join(dir, clusterDir, caKeyFile), caKeyPEM); err != nil {
		return nil, fmt.Errorf("replication: save CA key: %w", err)
	}
	if err := saveIdentity(dir, caPEM, certPEM, keyPEM); err != nil {
		return nil, err
	}
	return newIdentity(nodeID, caPEM, certPEM, keyPEM)
}

// IsMember reports whether the data dir belongs to a member of an office on the network (it has
// a node certificate), so the node starts in cluster mode even without --cluster-addr.
func IsMember(dataDir string) bool {
	_, err := os.Stat(filepath.Join(dataDir, clusterDir, certFile))
	return err == nil
}
