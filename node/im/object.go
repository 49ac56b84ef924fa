package im

import (
	"strings"

	"lanim/node/openim"
	"lanim/node/store"
)

// Object limits. The bytes never reach the FSM; these bound the metadata row and give every node
// the same ceiling. A node's --max-object-size flag can only lower the size a client may upload.
const (
	MaxObjectNameLen  = 1024     // characters, upstream's rule
	MaxObjectSize     = 64 << 30 // bytes, the ceiling of the flag
	MaxContentTypeLen = 255      // bytes
	MaxCauseLen       = 255      // characters
)

// CompleteObject is object.complete: an upload (or a dedupe of content the office holds) is done
// and its name now resolves to the blob key. The proposer has the bytes on its disk already.
type CompleteObject struct {
	Name        string `json:"name"`
	Key         string `json:"key"`  // lowercase hex SHA-256 of the bytes
	Hash        string `json:"hash"` // upstream's MD5 of the comma-joined part MD5s
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
	Cause       string `json:"cause"`
}

// Check: a signed-in user, upstream's name rule, well-formed hashes, a size within the ceiling.
func (a *CompleteObject) Check(c Caller) error {
	if c.UserID == "" {
		return openim.ErrNoPermission.With("objects are uploaded by a user")
	}
	if err := CheckObjectName(c, a.Name); err != nil {
		return err
	}
	if !isHex(a.Key, 64) {
		return openim.ErrArgs.With("key must be the lowercase hex SHA-256 of the bytes")
	}
	if err := CheckObjectHash(a.Hash); err != nil {
		return err
	}
	if a.Size < 0 || a.Size > MaxObjectSize {
		return openim.ErrArgs.With("size %d is not in 0..%d", a.Size, int64(MaxObjectSize))
	}
	return CheckObjectFields(a.ContentType, a.Cause)
}

// CheckObjectHash is upstream's rule for an upload's hash: the 32 hex digits (either case) of the
// MD5 of the comma-joined part MD5s.
func CheckObjectHash(hash string) error {
	if !isHex(strings.ToLower(hash), 32) {
		return openim.ErrArgs.With("hash must be the 32 hex digits of the MD5 of the part MD5s")
	}
	return nil
}

// CheckObjectFields limits an object's content type and cause.
func CheckObjectFields(contentType, cause string) error {
	return checkFields(checkURL("contentType", contentType, MaxContentTypeLen), checkLine("cause", cause, MaxCauseLen))
}

// CheckObjectName is upstream's rule for object names (valid UTF-8, at most 1,024 characters,
// starting with the caller's user ID and "/" unless the caller is an app manager) and the text rule
// of every one-line field.
func CheckObjectName(c Caller, name string) error {
	if name == "" {
		return openim.ErrArgs.With("name is required")
	}
	if err := checkLine("name", name, MaxObjectNameLen); err != nil {
		return err
	}
	if !c.Admin() && !strings.HasPrefix(name, c.UserID+"/") {
		return openim.ErrNoPermission.With("object names of %s start with %q", c.UserID, c.UserID+"/")
	}
	return nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func objectHandlers() map[string]handler {
	return map[string]handler{
		"object.complete": args(completeObject),
	}
}

// completeObject records the name → key row. The same name with the same key again replaces the
// row (a retry, or a new content type); with another key it adds a row, so no URL ever issued is
// repointed.
func completeObject(o *op, a *CompleteObject) (any, error) {
	return nil, store.PutObject(o.ctx, o.tx, &store.Object{Name: a.Name, Key: a.Key, Hash: strings.ToLower(a.Hash),
		Size: a.Size, ContentType: a.ContentType, UserID: o.caller.UserID, Cause: a.Cause, CreateTime: o.now})
}
