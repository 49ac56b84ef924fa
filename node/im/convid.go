package im

import "strings"

// Conversation IDs, as upstream builds them. userIDs may contain "_", so they are never parsed back.

// SingleConversationID is si_ + the two user IDs sorted and joined by "_".
func SingleConversationID(a, b string) string { return "si_" + sortedPair(a, b) }

// GroupConversationID is sg_ + the group ID.
func GroupConversationID(groupID string) string { return "sg_" + groupID }

// NotificationChatConversationID is sn_ + the sorted pair (notification-account chats).
func NotificationChatConversationID(a, b string) string { return "sn_" + sortedPair(a, b) }

// NotificationConversationID is the n_ stream a notification lands in: n_ + the sorted pair for
// user-targeted ones, n_ + the group ID for group-wide ones.
func NotificationConversationID(sessionType int32, sendID, recvID, groupID string) string {
	if sessionType == ReadGroupChat || sessionType == WriteGroupChat {
		return "n_" + groupID
	}
	return "n_" + sortedPair(sendID, recvID)
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
func IsNotificationConversation(id string) bool { return strings.HasPrefix(id, "n_") }

func sortedPair(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + "_" + b
}
