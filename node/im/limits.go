package im

import (
	"unicode/utf8"
)

// Limits on what a client may send. They keep one request from holding the FSM (and every node)
// busy, and the replicated state small. Documented in README's API section.
const (
	MaxIDLen        = 64    // userID, groupID, conversation IDs are derived from these
	MaxNameLen      = 255   // nickname, group name, remark (characters)
	MaxURLLen       = 1024  // faceURL
	MaxExLen        = 8192  // ex, attachedInfo (bytes)
	MaxTextLen      = 4096  // reqMsg, handleMsg, notification, introduction, reason (characters)
	MaxBatch        = 1000  // IDs in one request (upstream: kick, invite, create)
	MaxContentBytes = 65536 // message content
	MaxPageSize     = 1000  // showNumber
)

// validID: letters, digits and "_" (upstream's user_register check), at most MaxIDLen bytes.
func validID(id string) bool {
	if id == "" || len(id) > MaxIDLen {
		return false
	}
	for _, r := range id {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// checkID is validID as an error naming the field.
func checkID(field, id string) error {
	if id == "" {
		return ErrArgs.With("%s is required", field)
	}
	if !validID(id) {
		return ErrArgs.With("%s %q: use at most %d letters, digits or _", field, id, MaxIDLen)
	}
	return nil
}

// checkIDs checks a list: non-empty, at most MaxBatch, each valid, no duplicates.
func checkIDs(field string, ids []string) error {
	if len(ids) == 0 {
		return ErrArgs.With("%s is empty", field)
	}
	if len(ids) > MaxBatch {
		return ErrArgs.With("%s has %d IDs, at most %d", field, len(ids), MaxBatch)
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if err := checkID(field, id); err != nil {
			return err
		}
		if seen[id] {
			return ErrArgs.With("%s lists %s twice", field, id)
		}
		seen[id] = true
	}
	return nil
}

// CheckIDList is checkIDs for the API's read endpoints.
func CheckIDList(field string, ids []string) error { return checkIDs(field, ids) }

// checkLen limits a string field: max counts characters for text fields, bytes for the rest.
func checkLen(field, s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return ErrArgs.With("%s is %d characters, at most %d", field, n, max)
	}
	if !utf8.ValidString(s) {
		return ErrArgs.With("%s is not valid UTF-8", field)
	}
	return nil
}

// checkBytes limits a field by bytes.
func checkBytes(field, s string, max int) error {
	if len(s) > max {
		return ErrArgs.With("%s is %d bytes, at most %d", field, len(s), max)
	}
	return nil
}

// checkFields runs checks in order and returns the first failure.
func checkFields(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// checkRange limits an enumerated int field.
func checkRange(field string, v, lo, hi int32) error {
	if v < lo || v > hi {
		return ErrArgs.With("%s %d is not in %d..%d", field, v, lo, hi)
	}
	return nil
}
