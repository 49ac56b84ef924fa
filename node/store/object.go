package store

import (
	"context"
	"fmt"
)

// Object is the metadata of one uploaded file: its name, the SHA-256 of its bytes (the blob
// store's key), upstream's hash (MD5 of the part MD5s), and who uploaded it why.
type Object struct {
	Name        string
	Key         string // lowercase hex SHA-256
	Hash        string // lowercase hex MD5 of the comma-joined part MD5s
	Size        int64
	ContentType string
	UserID      string
	Cause       string // upstream's cause, which it keeps as the object's group
	CreateTime  int64  // ms
}

const objectColumns = `name, key, hash, size, content_type, user_id, cause, create_time`

func scanObject(row interface{ Scan(...any) error }) (*Object, error) {
	o := &Object{}
	err := row.Scan(&o.Name, &o.Key, &o.Hash, &o.Size, &o.ContentType, &o.UserID, &o.Cause, &o.CreateTime)
	return o, err
}

// PutObject records an object, replacing the row of the same name and key.
func PutObject(ctx context.Context, q Q, o *Object) error {
	_, err := q.ExecContext(ctx, `INSERT INTO objects (`+objectColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name, key) DO UPDATE SET hash = excluded.hash, size = excluded.size,
			content_type = excluded.content_type, user_id = excluded.user_id, cause = excluded.cause,
			create_time = excluded.create_time`,
		o.Name, o.Key, o.Hash, o.Size, o.ContentType, o.UserID, o.Cause, o.CreateTime)
	if err != nil {
		return fmt.Errorf("put object %s: %w", o.Name, err)
	}
	return nil
}

// queryObject returns the first row of a query on objects, or nil.
func queryObject(ctx context.Context, q Q, where string, args ...any) (*Object, error) {
	o, err := scanObject(q.QueryRowContext(ctx, `SELECT `+objectColumns+` FROM objects `+where, args...))
	if ok, err := found(err, "get object"); !ok {
		return nil, err
	}
	return o, nil
}

// GetObject returns the object of a name with a key (what a URL names), or nil.
func GetObject(ctx context.Context, q Q, name, key string) (*Object, error) {
	return queryObject(ctx, q, `WHERE name = ? AND key = ?`, name, key)
}

// LatestObject returns the newest object of a name, or nil.
func LatestObject(ctx context.Context, q Q, name string) (*Object, error) {
	return queryObject(ctx, q, `WHERE name = ? ORDER BY create_time DESC, key LIMIT 1`, name)
}

// ObjectByHash returns an object with upstream's hash and a size (any name), or nil: the office
// holds that content already.
func ObjectByHash(ctx context.Context, q Q, hash string, size int64) (*Object, error) {
	return queryObject(ctx, q, `WHERE hash = ? AND size = ? ORDER BY create_time, name LIMIT 1`, hash, size)
}

// ObjectByKey returns an object whose bytes hash to key (any name), or nil.
func ObjectByKey(ctx context.Context, q Q, key string) (*Object, error) {
	return queryObject(ctx, q, `WHERE key = ? ORDER BY create_time, name LIMIT 1`, key)
}

// ObjectsByCause lists objects of one cause created in [from, to) ms, newest first, at most limit.
func ObjectsByCause(ctx context.Context, q Q, cause string, from, to int64, limit int) ([]*Object, error) {
	return queryAll(ctx, q, "objects of cause "+cause, scanObject, `SELECT `+objectColumns+` FROM objects
		WHERE cause = ? AND create_time >= ? AND create_time < ? ORDER BY create_time DESC, name LIMIT ?`,
		cause, from, to, limit)
}
