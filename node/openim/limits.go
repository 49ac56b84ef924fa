package openim

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

// ValidID is the ID rule: letters, digits and "_" (upstream's user_register check), at most
// MaxIDLen bytes.
func ValidID(id string) bool { return len(id) <= MaxIDLen && OnlyIDChars(id) }

// OnlyIDChars reports whether s is non-empty and holds only the characters of an ID (letters,
// digits and "_"), whatever its length: a pair of IDs joined by "_" passes too.
func OnlyIDChars(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// Password length limits.
const (
	MinPasswordLen = 6
	MaxPasswordLen = 128
)

// MaxOfficeNameLen bounds the office's name (characters): it heads every window and is announced
// on the LAN in one mDNS TXT string, which holds 255 bytes ("name=" and 60 runes of 4 bytes fit).
const MaxOfficeNameLen = 60
