package im

import (
	"context"
	"crypto/md5"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"slices"

	"lanim/node/store"
)

// Version log keys: one log per friend list, joined-group list, group member list and
// conversation list (openim-wire.md 4.5).
func friendLog(ownerID string) string       { return "friend:" + ownerID }
func joinedGroupLog(userID string) string   { return "join:" + userID }
func memberLog(groupID string) string       { return "member:" + groupID }
func conversationLog(ownerID string) string { return "conv:" + ownerID }

// logVersionID is a log's 24-hex versionID: md5 of its key, truncated. It depends on the key alone,
// so every node derives the same one, it never changes, and a client gets it before the log's first
// change (the JS SDK applies diffs only once it holds a non-empty versionID).
func logVersionID(key string) string {
	sum := md5.Sum([]byte(key))
	return hex.EncodeToString(sum[:12])
}

// bumpVersion records element's change in the log and returns the log's new position.
func (o *op) bumpVersion(key, element string, state int) (store.VersionHead, error) {
	return store.BumpVersion(o.ctx, o.tx, key, element, state, logVersionID(key))
}

// logHead is a log's position: version 0 with its derived ID while it has no change yet.
func logHead(ctx context.Context, q store.Q, key string) (store.VersionHead, error) {
	h, ok, err := store.GetVersionHead(ctx, q, key)
	if err != nil || ok {
		return h, err
	}
	return store.VersionHead{ID: logVersionID(key)}, nil
}

// fullList is a get_full_*_ids answer's parts: the head of the owner's log (key), whether the
// client's idHash matches the owner's list, and the list unless it does (empty then).
func fullList(ctx context.Context, q store.Q, key string, list func(context.Context, store.Q, string) ([]string, error),
	ownerID string, idHash uint64) (h store.VersionHead, ids []string, equal bool, err error) {
	if h, err = logHead(ctx, q, key); err != nil {
		return h, nil, false, err
	}
	if ids, err = list(ctx, q, ownerID); err != nil {
		return h, nil, false, err
	}
	equal = idHash == IDHash(ids)
	return h, idsUnlessEqual(ids, equal), equal, nil
}

// VersionDiff answers an incremental sync request against one log.
type VersionDiff struct {
	Head store.VersionHead
	// Full: the client's position is unknown (first sync, another log's ID, a version the log never
	// had), so it must refetch everything; Changes is then empty.
	Full    bool
	Changes []store.VersionChange // the elements changed after the client's version, oldest first
}

// diffVersion compares the client's (versionID, version) with the log (openim-wire.md 4.5): full for
// a foreign or empty ID, or a version ahead of the log; nothing when up to date; else the latest
// change of every element changed since. Version 0 with the log's own ID is a real position (a log
// the client first saw before its first change), so the JS SDK, which syncs with the version and ID
// of its first answer, gets the first friend or group as an insert.
func diffVersion(ctx context.Context, q store.Q, key, versionID string, version uint64) (VersionDiff, error) {
	h, err := logHead(ctx, q, key)
	if err != nil {
		return VersionDiff{}, err
	}
	d := VersionDiff{Head: h}
	switch {
	case versionID != h.ID || version > h.Version:
		d.Full = true
	case version < h.Version:
		d.Changes, err = store.VersionChanges(ctx, q, key, version)
		// A read outside a transaction may see changes committed after the head was read; they
		// belong to a later head, so the client gets them on its next sync instead of twice.
		d.Changes = slices.DeleteFunc(d.Changes, func(c store.VersionChange) bool { return c.Version > h.Version })
		// An element inserted after the client's position is new to it, however often it changed since.
		for i := range d.Changes {
			if c := &d.Changes[i]; c.State == store.VersionUpdate && c.Inserted > version {
				c.State = store.VersionInsert
			}
		}
	}
	return d, err
}

// IDHash is upstream's hash of an ID list for the get_full_*_ids endpoints: the first 8 bytes of the
// md5 of its JSON, big-endian; 0 for an empty list.
func IDHash(ids []string) uint64 {
	if len(ids) == 0 {
		return 0
	}
	b, _ := json.Marshal(ids) // a []string always encodes
	sum := md5.Sum(b)
	return binary.BigEndian.Uint64(sum[:8])
}

// idsUnlessEqual is ids, or an empty list when the client already has them.
func idsUnlessEqual(ids []string, equal bool) []string {
	if equal || ids == nil {
		return []string{}
	}
	return ids
}

// liveElements lists the elements of changes that were not deleted: the ones to load.
func liveElements(changes []store.VersionChange) []string {
	ids := make([]string, 0, len(changes))
	for _, c := range changes {
		if c.State != store.VersionDelete {
			ids = append(ids, c.Element)
		}
	}
	return ids
}

// Changes is a get_incremental_* answer: the log position and, unless Full, the objects changed
// since the client's version.
type Changes[T any] struct {
	VersionDiff
	Delete []string
	Insert []T
	Update []T
}

// Incremental is a get_incremental_* answer as friends and joined groups send it: the log's head,
// whether the client must start over, and what changed since its version.
type Incremental[T any] struct {
	VersionID string   `json:"versionID"`
	Version   uint64   `json:"version"`
	Full      bool     `json:"full"`
	Delete    []string `json:"delete"`
	Insert    []T      `json:"insert"`
	Update    []T      `json:"update"`
}

// Wire is the answer with c's changes.
func (c *Changes[T]) Wire() Incremental[T] {
	return Incremental[T]{VersionID: c.Head.ID, Version: c.Head.Version, Full: c.Full, Delete: c.Delete, Insert: c.Insert,
		Update: c.Update}
}

// incremental diffs the log at key against the client's position and loads the objects still
// there with get; key names each loaded row's element and its object. A changed element that no
// longer exists is reported deleted; insert and update hold the objects as they are now.
func incremental[R, T any](ctx context.Context, q store.Q, log, versionID string, version uint64,
	get func(ids []string) ([]R, error), key func(R) (string, T)) (*Changes[T], error) {
	d, err := diffVersion(ctx, q, log, versionID, version)
	if err != nil {
		return nil, err
	}
	out := &Changes[T]{VersionDiff: d}
	if len(d.Changes) == 0 {
		return out, nil
	}
	rows, err := get(liveElements(d.Changes))
	if err != nil {
		return nil, err
	}
	byID := make(map[string]T, len(rows))
	for _, r := range rows {
		id, obj := key(r)
		byID[id] = obj
	}
	out.Delete, out.Insert, out.Update = splitChanges(d.Changes, byID)
	return out, nil
}

// splitChanges sorts a diff into deleted IDs and the current objects of inserted and updated
// elements; an element whose object no longer exists counts as deleted.
func splitChanges[T any](changes []store.VersionChange, current map[string]T) (del []string, ins, upd []T) {
	for _, c := range changes {
		obj, ok := current[c.Element]
		switch {
		case c.State == store.VersionDelete || !ok:
			del = append(del, c.Element)
		case c.State == store.VersionInsert:
			ins = append(ins, obj)
		default:
			upd = append(upd, obj)
		}
	}
	return del, ins, upd
}
