package im

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"lanim/node/openim"
)

// checkID is openim.ValidID as an error naming the field.
func checkID(field, id string) error {
	if id == "" {
		return openim.ErrArgs.With("%s is required", field)
	}
	if !openim.ValidID(id) {
		return openim.ErrArgs.With("%s %q: use at most %d letters, digits or _", field, id, openim.MaxIDLen)
	}
	return nil
}

// checkIDs checks a list: non-empty, at most MaxBatch, each valid, no duplicates.
func checkIDs(field string, ids []string) error {
	if len(ids) == 0 {
		return openim.ErrArgs.With("%s is empty", field)
	}
	if len(ids) > openim.MaxBatch {
		return openim.ErrArgs.With("%s has %d IDs, at most %d", field, len(ids), openim.MaxBatch)
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if err := checkID(field, id); err != nil {
			return err
		}
		if seen[id] {
			return openim.ErrArgs.With("%s lists %s twice", field, id)
		}
		seen[id] = true
	}
	return nil
}

// CheckIDList is checkIDs for the API's read endpoints.
func CheckIDList(field string, ids []string) error { return checkIDs(field, ids) }

// The text rule, the one place for it: every name and text a client sends is valid UTF-8 (refused,
// never rewritten) and holds no NUL or other control character (C0, DEL, C1), except newline and
// tab in a multi-line field. A control character in a name breaks every screen and log that shows
// it; one API check and the FSM's run of the same Check keep it out of the state.

// multiLine are the control characters a multi-line field may hold.
const multiLine = "\n\t"

// checkChars checks s against the text rule: allowed lists the control characters it may hold
// ("" for a one-line field, multiLine for a multi-line one).
func checkChars(field, s, allowed string) error {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return openim.ErrArgs.With("%s is not valid UTF-8 (byte %d)", field, i)
			}
		}
		if unicode.IsControl(r) && !strings.ContainsRune(allowed, r) {
			if allowed == "" {
				return openim.ErrArgs.With("%s holds the control character %U: a one-line field holds none", field, r)
			}
			return openim.ErrArgs.With("%s holds the control character %U: only newline and tab are allowed", field, r)
		}
	}
	return nil
}

// checkLine limits a one-line field (a name, a remark, a title) by characters.
func checkLine(field, s string, max int) error {
	return checkFields(checkRunes(field, s, max), checkChars(field, s, ""))
}

// checkText limits a multi-line field (a notification, a request message, a reason) by characters.
func checkText(field, s string, max int) error {
	return checkFields(checkRunes(field, s, max), checkChars(field, s, multiLine))
}

// checkURL limits a one-line field counted in bytes (a URL).
func checkURL(field, s string, max int) error {
	return checkFields(checkBytes(field, s, max), checkChars(field, s, ""))
}

// checkEx limits a free-form multi-line field counted in bytes (ex, attachedInfo: often JSON).
func checkEx(field, s string, max int) error {
	return checkFields(checkBytes(field, s, max), checkChars(field, s, multiLine))
}

// checkKeyword limits a search keyword: it is matched literally, never stored, so any character
// may be searched for; only its length and encoding are checked.
func checkKeyword(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return openim.ErrArgs.With("%s is not valid UTF-8", field)
	}
	return checkRunes(field, s, max)
}

func checkRunes(field, s string, max int) error {
	if n := utf8.RuneCountInString(s); n > max {
		return openim.ErrArgs.With("%s is %d characters, at most %d", field, n, max)
	}
	return nil
}

// checkBytes limits a field by bytes.
func checkBytes(field, s string, max int) error {
	if len(s) > max {
		return openim.ErrArgs.With("%s is %d bytes, at most %d", field, len(s), max)
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
		return openim.ErrArgs.With("%s %d is not in %d..%d", field, v, lo, hi)
	}
	return nil
}
