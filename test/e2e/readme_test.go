package e2e

import (
	"slices"
	"testing"
)

// TestReadmeWalkthrough runs the curl walkthrough in README.md, step by step, so the README stays true.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	n := startNode(t)

	n.RegisterUsers(t, "alice", "bob")
	const web = 5
	alice := n.UserToken(t, "alice", web)
	bob := n.UserToken(t, "bob", web)

	n.PostOK(t, "/friend/add_friend", alice,
		map[string]any{"fromUserID": "alice", "toUserID": "bob", "reqMsg": "hi"}, nil)
	n.PostOK(t, "/friend/add_friend_response", bob,
		map[string]any{"fromUserID": "alice", "toUserID": "bob", "handleResult": 1}, nil)

	if got := friendIDs(t, n, alice, "alice"); !slices.Equal(got, []string{"bob"}) {
		t.Fatalf("alice's friends = %v, want [bob]", got)
	}
	if got := friendIDs(t, n, bob, "bob"); !slices.Equal(got, []string{"alice"}) {
		t.Fatalf("bob's friends = %v, want [alice]", got)
	}
}

// TestRestartKeepsState checks that what a node committed survives a clean restart and a SIGKILL.
func TestRestartKeepsState(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	n.RegisterUsers(t, "carol")

	n.Restart(t)
	requireUser(t, n, "carol")

	n.RegisterUsers(t, "dave")
	n.Kill9(t)
	n.Restart(t)
	requireUser(t, n, "carol")
	requireUser(t, n, "dave")
}

func friendIDs(t *testing.T, n *Node, token, userID string) []string {
	t.Helper()
	var out struct {
		FriendsInfo []struct {
			FriendUser struct {
				UserID string `json:"userID"`
			} `json:"friendUser"`
		} `json:"friendsInfo"`
	}
	n.PostOK(t, "/friend/get_friend_list", token, map[string]any{
		"userID":     userID,
		"pagination": map[string]int{"pageNumber": 1, "showNumber": 100},
	}, &out)
	ids := make([]string, 0, len(out.FriendsInfo))
	for _, f := range out.FriendsInfo {
		ids = append(ids, f.FriendUser.UserID)
	}
	return ids
}
