package im

import (
	"lanim/node/openim"
	"lanim/node/store"
)

// Blob holders: a node that has a blob on its disk (it completed an upload, fetched it, or was
// sent it) records so through the log, so every node knows whom to ask for it and how many copies
// the office has, without asking around. The bytes never go through the log.

// KindHoldBlobs is the command a node proposes for the blobs it now holds.
const KindHoldBlobs = "object.hold"

// MaxHoldKeys bounds the keys of one object.hold (a node records what it found at start in pages).
const MaxHoldKeys = 256

// HoldBlobs records that NodeID holds Keys.
type HoldBlobs struct {
	NodeID string   `json:"nodeID"`
	Keys   []string `json:"keys"`
}

// Check: nodes only, a node ID, and 1..MaxHoldKeys distinct blob keys.
func (a *HoldBlobs) Check(c Caller) error {
	if c.UserID != "" {
		return openim.ErrNoPermission.With("%s is proposed by nodes only", KindHoldBlobs)
	}
	if !validNodeID(a.NodeID) {
		return openim.ErrArgs.With("nodeID %q: at most %d letters, digits, _, - or .", a.NodeID, openim.MaxIDLen)
	}
	if len(a.Keys) == 0 || len(a.Keys) > MaxHoldKeys {
		return openim.ErrArgs.With("keys: %d, want 1..%d", len(a.Keys), MaxHoldKeys)
	}
	seen := make(map[string]bool, len(a.Keys))
	for _, k := range a.Keys {
		if !ValidBlobKey(k) {
			return openim.ErrArgs.With("key %q is not a lowercase hex SHA-256", k)
		}
		if seen[k] {
			return openim.ErrArgs.With("key %s is listed twice", k)
		}
		seen[k] = true
	}
	return nil
}

// ValidBlobKey reports whether key names a blob: the lowercase hex SHA-256 of its bytes.
func ValidBlobKey(key string) bool { return isHex(key, 64) }

// validNodeID: a node ID as a data dir makes it (hex), or as tests and certificates name nodes.
func validNodeID(id string) bool {
	if id == "" || len(id) > openim.MaxIDLen {
		return false
	}
	for _, r := range id {
		if !(r == '_' || r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func blobHolderHandlers() map[string]handler {
	return map[string]handler{KindHoldBlobs: args(holdBlobs)}
}

// holdBlobs adds the holder records in the order given; records that exist keep their time.
func holdBlobs(o *op, a *HoldBlobs) (any, error) {
	for _, k := range a.Keys {
		if err := store.AddBlobHolder(o.ctx, o.tx, k, a.NodeID, o.now); err != nil {
			return nil, o.wrap("record", err)
		}
	}
	return nil, nil
}
