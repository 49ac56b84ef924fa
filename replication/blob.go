package replication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/hashicorp/raft"

	"lanim/node/im"
	"lanim/node/store"
)

// Blobs: the bytes of the object API's files move node to node over the cluster port, never
// through the Raft log (see DESIGN.md, "Blobs"). The log only records who holds what
// (object.hold), so a node that lacks a blob asks a holder directly, and a holder knows which of
// its blobs the office has too few copies of.

// BlobStore is the node's content-addressed store of file bytes (node/blob.Store), keyed by the
// lowercase hex SHA-256 of the bytes.
type BlobStore interface {
	// Stat is the blob's size, or an error wrapping fs.ErrNotExist when it is not here.
	Stat(key string) (int64, error)
	// Open opens the blob for reading; its bytes match its key.
	Open(key string) (*os.File, error)
	// Ingest keeps r's bytes under key when they hash to it (and keeps nothing when they do not).
	Ingest(key string, r io.Reader) (int64, error)
	// CreateTemp creates a file on the store's file system for Adopt, removed when the store
	// opens again.
	CreateTemp(pattern string) (*os.File, error)
	// Adopt keeps the complete file at path (from CreateTemp) as key when sum, the SHA-256 its
	// writer computed, is key; the file is gone afterwards, kept or not.
	Adopt(key, path, sum string) error
}

// ErrBlobUnavailable: no member of the office could send the blob now. It matches fs.ErrNotExist,
// which the object API answers as "not found".
var ErrBlobUnavailable = fmt.Errorf("no member of the office could send the file: %w", fs.ErrNotExist)

// errBlobCorrupt: the bytes a member sent do not hash to their key; nothing was kept.
var errBlobCorrupt = errors.New("the bytes a member sent do not match their SHA-256")

const (
	// holdRetryMax bounds the wait between attempts to record holds while the office cannot commit.
	holdRetryMax = 30 * time.Second
	// holdScanPage is how many object keys one query of the start-up scan reads.
	holdScanPage = 256
	// suspectFor is how long a member that sent bytes not matching their key is asked last for
	// that key.
	suspectFor = 10 * time.Minute
)

// blobs is a node's part in moving blobs: the holds it still has to record, the fetches in
// progress, and the pusher's retry state.
type blobs struct {
	n     *Node
	store BlobStore

	mu       sync.Mutex
	toHold   map[string]bool      // keys held here whose record is not committed yet
	flights  map[string]*flight   // fetches in progress, by key
	taking   map[string]bool      // pushed copies being received, by key
	suspects map[string]time.Time // key + "/" + node ID → until when that member is asked last

	closed bool // the node is stopping: no new fetch starts

	holdWake chan struct{}
	pushWake chan struct{}
	served   int64 // bytes this node sent to fetching members (tests read it)
}

func newBlobs(n *Node, s BlobStore) *blobs {
	return &blobs{n: n, store: s, toHold: map[string]bool{}, flights: map[string]*flight{}, taking: map[string]bool{},
		suspects: map[string]time.Time{}, holdWake: make(chan struct{}, 1), pushWake: make(chan struct{}, 1)}
}

// shut refuses new fetches; the node's Close calls it before it waits for its goroutines.
func (b *blobs) shut() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
}

func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// held notes that key is on this node's disk: its record goes through the log in the background.
func (b *blobs) held(key string) {
	b.mu.Lock()
	b.toHold[key] = true
	b.mu.Unlock()
	wake(b.holdWake)
}

// objectsCompleted is told the keys of the objects the FSM just completed. The uploader's node has
// the bytes and records its hold, which starts the pusher; other nodes find nothing to do.
func (b *blobs) objectsCompleted(keys []string) {
	for _, k := range keys {
		if _, err := b.store.Stat(k); err == nil {
			b.held(k)
		}
	}
}

// recordHolds proposes object.hold for what this node holds, first what the start-up scan finds
// (objects whose bytes are here but whose hold was never recorded: the node stopped in between),
// then whatever held reports, until the node stops.
func (b *blobs) recordHolds() {
	ctx := b.n.ctx
	if err := b.scanUnrecorded(ctx); err != nil && ctx.Err() == nil {
		b.n.log.Warn("blobs: scanning for unrecorded holds", "err", err)
	}
	backoff := time.Second
	for {
		b.mu.Lock()
		keys := make([]string, 0, len(b.toHold))
		for k := range b.toHold {
			keys = append(keys, k)
		}
		b.mu.Unlock()
		slices.Sort(keys)
		if len(keys) > im.MaxHoldKeys {
			keys = keys[:im.MaxHoldKeys]
		}
		if len(keys) == 0 {
			select {
			case <-ctx.Done():
				return
			case <-b.holdWake:
				continue
			}
		}
		if err := b.proposeHolds(ctx, keys); err != nil {
			if ctx.Err() != nil {
				return
			}
			b.n.log.Info("blobs: recording holds", "keys", len(keys), "err", err)
			if sleepCtx(ctx, backoff) != nil {
				return
			}
			backoff = min(2*backoff, holdRetryMax)
			continue
		}
		backoff = time.Second
		b.mu.Lock()
		for _, k := range keys {
			delete(b.toHold, k)
		}
		b.mu.Unlock()
		wake(b.pushWake)
	}
}

// proposeHolds commits this node's hold of keys, leaving out those already recorded.
func (b *blobs) proposeHolds(ctx context.Context, keys []string) error {
	self := string(b.n.selfID)
	var missing []string
	for _, k := range keys {
		ok, err := store.HoldsBlob(ctx, b.n.cfg.DB.Reader(), k, self)
		if err != nil {
			return err
		}
		if !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	cmd, err := im.NewCommand(im.KindHoldBlobs, im.Caller{}, time.Now().UnixMilli(), "",
		&im.HoldBlobs{NodeID: self, Keys: missing})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	res, err := b.n.Propose(ctx, cmd)
	if err != nil {
		return err
	}
	if res.Err != nil {
		return res.Err
	}
	return nil
}

// scanUnrecorded finds the objects whose bytes are here but whose hold this node never recorded.
func (b *blobs) scanUnrecorded(ctx context.Context) error {
	after := ""
	for {
		keys, err := store.UnheldObjectKeys(ctx, b.n.cfg.DB.Reader(), string(b.n.selfID), after, holdScanPage)
		if err != nil || len(keys) == 0 {
			return err
		}
		b.objectsCompleted(keys)
		after = keys[len(keys)-1]
	}
}

// source is a member that may send a blob.
type source struct {
	id   raft.ServerID
	addr string
}

// sources lists the members to ask for key: those recorded as holding it first (in random order,
// which spreads the load), then the other members (a hold may not be recorded yet), voters first;
// a member that recently sent bytes not matching the key comes last.
func (b *blobs) sources(ctx context.Context, key string) ([]source, error) {
	cfg, err := b.n.configuration()
	if err != nil {
		return nil, err
	}
	holders, err := store.BlobHolders(ctx, b.n.cfg.DB.Reader(), key)
	if err != nil {
		return nil, err
	}
	type ranked struct {
		source
		rank int
	}
	var list []ranked
	for _, i := range rand.Perm(len(cfg.Servers)) {
		s := cfg.Servers[i]
		if s.ID == b.n.selfID {
			continue
		}
		r := ranked{source: source{id: s.ID, addr: string(s.Address)}, rank: 2}
		switch {
		case b.suspect(key, s.ID):
			r.rank = 3
		case slices.Contains(holders, string(s.ID)):
			r.rank = 0
		case s.Suffrage == raft.Voter:
			r.rank = 1
		}
		list = append(list, r)
	}
	slices.SortStableFunc(list, func(x, y ranked) int { return x.rank - y.rank })
	out := make([]source, len(list))
	for i, r := range list {
		out[i] = r.source
	}
	return out, nil
}

func (b *blobs) suspect(key string, id raft.ServerID) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	until, ok := b.suspects[key+"/"+string(id)]
	if ok && time.Now().After(until) {
		delete(b.suspects, key+"/"+string(id))
		return false
	}
	return ok
}

func (b *blobs) markSuspects(key string, ids []raft.ServerID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, id := range ids {
		b.suspects[key+"/"+string(id)] = time.Now().Add(suspectFor)
	}
}

// completeKind is node/im's command that completes an object whose bytes its proposer holds.
const completeKind = "object.complete"

// completedKey is the blob key of an object.complete command ("" for any other command).
func completedKey(cmd *im.Command) string {
	if cmd.Kind != completeKind {
		return ""
	}
	var a struct {
		Key string `json:"key"`
	}
	if json.Unmarshal(cmd.Args, &a) != nil || !im.ValidBlobKey(a.Key) {
		return ""
	}
	return a.Key
}
