package im

import (
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

// bumpVersion records element's change in the log and returns the log's new position. A log made
// here gets a 24-hex versionID derived from its key and the log index, stable from then on.
func (o *op) bumpVersion(key, element string, state int) (store.VersionHead, error) {
	sum := md5.Sum([]byte(key + "@" + itoa(o.index)))
	return store.BumpVersion(o.ctx, o.tx, key, element, state, hex.EncodeToString(sum[:12]))
}
