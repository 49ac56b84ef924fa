package openim

import (
	"strings"
	"testing"
)

// TestConversationIDRoundTrip: an ID built from two users names its type and gives back the
// peer, even when user IDs hold "_" and one is a prefix of the other.
func TestConversationIDRoundTrip(t *testing.T) {
	pairs := [][2]string{{"alice", "bob"}, {"bob", "alice"}, {"a_b", "a"}, {"a", "a_b"}, {"x_", "_y"}, {"alice", "alice"}}
	for _, p := range pairs {
		for _, c := range []struct {
			id  string
			typ int32
		}{{SingleConversationID(p[0], p[1]), SingleChat}, {NotificationChatConversationID(p[0], p[1]), NotificationChat}} {
			if got := ChatConversationType(c.id); got != c.typ {
				t.Errorf("%s: type %d, want %d", c.id, got, c.typ)
			}
			peer, ok := PairPeer(c.id[ChatPrefixLen:], p[0])
			if !ok || peer != p[1] {
				t.Errorf("%s seen by %s: peer %q %v, want %q", c.id, p[0], peer, ok, p[1])
			}
		}
		if SingleConversationID(p[0], p[1]) != SingleConversationID(p[1], p[0]) {
			t.Errorf("%v: the ID depends on the order", p)
		}
	}
	if _, ok := PairPeer("alice_bob", "carol"); ok {
		t.Error("a stranger found a peer in alice_bob")
	}
	if got := ChatConversationID(ReadGroupChat, "alice", "", "g1"); got != "sg_g1" || ChatConversationType(got) != ReadGroupChat {
		t.Errorf("group chat ID %q", got)
	}
	if got := NotificationConversationID(WriteGroupChat, "alice", "", "g1"); got != "n_g1" || !IsNotificationConversation(got) || ChatConversationType(got) != 0 {
		t.Errorf("group notification ID %q", got)
	}
	if got := SelfNotificationConversationID("bob"); got != NotificationConversationID(SingleChat, "bob", "bob", "") {
		t.Errorf("self notification ID %q", got)
	}
	if long := SingleConversationID(strings.Repeat("a", MaxIDLen), strings.Repeat("b", MaxIDLen)); len(long) != MaxConversationIDLen {
		t.Errorf("longest ID has %d bytes, MaxConversationIDLen is %d", len(long), MaxConversationIDLen)
	}
}

func TestValidID(t *testing.T) {
	for id, want := range map[string]bool{
		"alice": true, "a_b": true, "_": true, "A9": true, strings.Repeat("x", MaxIDLen): true,
		"": false, strings.Repeat("x", MaxIDLen+1): false, "a-b": false, "a b": false, "é": false, "a.b": false,
	} {
		if got := ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
	if long := strings.Repeat("x", 2*MaxIDLen+1); !OnlyIDChars(long) || ValidID(long) || OnlyIDChars("") || OnlyIDChars("a-b") {
		t.Error("OnlyIDChars takes ID characters of any length and nothing else")
	}
}
