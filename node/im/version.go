package im

import (
	"context"
	"crypto/md5"
	"encoding/hex"

	"lanim/node/store"
)

// Version log keys: one log per friend list, joined-group list, group member list and
// conversation list (openim-wire.md 4.5).
func friendLog(ownerID string) string       { return "friend:" + ownerID }
func joinedGroupLog(userID string) string   { return "join:" + userID }
func memberLog(groupID string) string       { return "member:" + groupID }
func conversationLog(ownerID string) string { return "conv:" + ownerID }

// FriendLog is the key of ownerID's friend-list log, for the API's sync reads.
func FriendLog(ownerID string) string { return friendLog(ownerID) }

// logID is the versionID of a log: 24 hex derived from its key alone. A read can then name a log
// that has no entry yet (a user with no friends) without writing, and the ID it hands out is the
// one the log keeps once its first change creates it, so a client's versionID stays valid.
func logID(key string) string {
	sum := md5.Sum([]byte(key))
	return hex.EncodeToString(sum[:12])
}

// bumpVersion records element's change in the log and returns the log's new position.
func (o *op) bumpVersion(key, element string, state int) (store.VersionHead, error) {
	return store.BumpVersion(o.ctx, o.tx, key, element, state, logID(key))
}

// VersionHead is the current position of a log; a log with no change yet is at version 0 under
// its key's ID.
func VersionHead(ctx context.Context, q store.Q, key string) (store.VersionHead, error) {
	h, ok, err := store.GetVersionHead(ctx, q, key)
	if err != nil || ok {
		return h, err
	}
	return store.VersionHead{ID: logID(key)}, nil
}

// Incremental is a log's changes since a client's position, before the elements are loaded.
type Incremental struct {
	Head store.VersionHead
	// Full asks the client to refetch everything: it named another log (or none) or version 0.
	Full bool
	// Insert, Update and Delete list elements by their latest change, oldest change first.
	Insert, Update, Delete []string
}

// IncrementalSince compares a client's (versionID, version) with the log at key, as upstream's
// incremental sync does: an unknown ID, version 0 or a version ahead of the log gives Full with no
// lists; the current version gives empty lists; an older one lists every element changed since.
func IncrementalSince(ctx context.Context, q store.Q, key, versionID string, version uint64) (*Incremental, error) {
	h, err := VersionHead(ctx, q, key)
	if err != nil {
		return nil, err
	}
	inc := &Incremental{Head: h}
	if versionID != h.ID || version == 0 || version > h.Version {
		inc.Full = true
		return inc, nil
	}
	if version == h.Version {
		return inc, nil
	}
	changes, err := store.VersionChanges(ctx, q, key, version)
	if err != nil {
		return nil, err
	}
	for _, c := range changes {
		if c.Version > h.Version {
			// Committed after the head was read: the next sync gets it, under a head that covers it.
			continue
		}
		switch c.State {
		case store.VersionInsert:
			inc.Insert = append(inc.Insert, c.Element)
		case store.VersionUpdate:
			inc.Update = append(inc.Update, c.Element)
		case store.VersionDelete:
			inc.Delete = append(inc.Delete, c.Element)
		}
	}
	return inc, nil
}
