package im

import (
	"context"

	"lanim/node/store"
)

// Reads of object metadata. Anyone with an object's URL may read it (upstream's URLs are
// presigned for anyone too): the key and the name must both match a committed object. Each
// returns nil when there is none, and the caller says what was missing.

// Object is the committed object with this name and key.
func Object(ctx context.Context, q store.Q, name, key string) (*store.Object, error) {
	return store.GetObject(ctx, q, name, key)
}

// LatestObject is the newest committed object under name.
func LatestObject(ctx context.Context, q store.Q, name string) (*store.Object, error) {
	return store.LatestObject(ctx, q, name)
}

// ObjectWithBytes is an object the office holds with these bytes (hash and size), for an upload
// that can reuse its key instead of sending them again.
func ObjectWithBytes(ctx context.Context, q store.Q, hash string, size int64) (*store.Object, error) {
	return store.ObjectByHash(ctx, q, hash, size)
}

// ObjectsByCause lists the first limit objects uploaded for cause in [from, to), newest first.
func ObjectsByCause(ctx context.Context, q store.Q, cause string, from, to int64, limit int) ([]*store.Object, error) {
	return store.ObjectsByCause(ctx, q, cause, from, to, limit)
}
