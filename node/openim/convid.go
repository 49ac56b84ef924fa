package openim

import "strings"

// Conversation IDs, as upstream builds them. userIDs may contain "_", so a pair is never split
// back: a reader rebuilds the ID from a candidate peer and compares.

// Conversation ID prefixes.
const (
	PrefixSingle       = "si_" // two users' chat
	PrefixGroup        = "sg_" // a group's chat
	PrefixNotifyChat   = "sn_" // a notification account's chat
	PrefixNotification = "n_"  // a notification stream
	ChatPrefixLen      = 3     // every chat prefix (si_, sg_, sn_) is three bytes
)

// MaxConversationIDLen is the longest conversation ID: a chat prefix and two IDs joined by "_".
const MaxConversationIDLen = ChatPrefixLen + 2*MaxIDLen + 1

// SingleConversationID is si_ + the two user IDs sorted and joined by "_".
func SingleConversationID(a, b string) string { return PrefixSingle + sortedPair(a, b) }

// GroupConversationID is sg_ + the group ID.
func GroupConversationID(groupID string) string { return PrefixGroup + groupID }

// NotificationChatConversationID is sn_ + the sorted pair (notification-account chats).
func NotificationChatConversationID(a, b string) string { return PrefixNotifyChat + sortedPair(a, b) }

// NotificationConversationID is the n_ stream a notification lands in: n_ + the sorted pair for
// user-targeted ones, n_ + the group ID for group-wide ones.
func NotificationConversationID(sessionType int32, sendID, recvID, groupID string) string {
	if IsGroupSession(sessionType) {
		return PrefixNotification + groupID
	}
	return PrefixNotification + sortedPair(sendID, recvID)
}

// ChatConversationID is the chat conversation a message of this session belongs to.
func ChatConversationID(sessionType int32, sendID, recvID, groupID string) string {
	switch sessionType {
	case ReadGroupChat, WriteGroupChat:
		return GroupConversationID(groupID)
	case NotificationChat:
		return NotificationChatConversationID(sendID, recvID)
	default:
		return SingleConversationID(sendID, recvID)
	}
}

// IsNotificationConversation reports whether id is an n_ stream.
func IsNotificationConversation(id string) bool { return strings.HasPrefix(id, PrefixNotification) }

// ChatConversationType is the session type a chat conversation ID names, 0 for anything else
// (n_ streams, legacy g_ IDs, garbage).
func ChatConversationType(conversationID string) int32 {
	switch {
	case strings.HasPrefix(conversationID, PrefixSingle):
		return SingleChat
	case strings.HasPrefix(conversationID, PrefixGroup):
		return ReadGroupChat
	case strings.HasPrefix(conversationID, PrefixNotifyChat):
		return NotificationChat
	}
	return 0
}

// SelfNotificationConversationID is the n_ stream of notifications addressed to userID alone.
func SelfNotificationConversationID(userID string) string {
	return PrefixNotification + sortedPair(userID, userID)
}

// IsGroupSession reports whether a session type is a group chat (read or write group).
func IsGroupSession(sessionType int32) bool {
	return sessionType == ReadGroupChat || sessionType == WriteGroupChat
}

// PairPeer finds the other user of a pair ID ("<a>_<b>", sorted) that userID is part of. The peer is
// unique: the ID is rebuilt from each candidate and compared.
func PairPeer(pairID, userID string) (string, bool) {
	if rest, ok := strings.CutPrefix(pairID, userID+"_"); ok && ValidID(rest) && sortedPair(userID, rest) == pairID {
		return rest, true
	}
	if rest, ok := strings.CutSuffix(pairID, "_"+userID); ok && ValidID(rest) && sortedPair(userID, rest) == pairID {
		return rest, true
	}
	return "", false
}

func sortedPair(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + "_" + b
}
