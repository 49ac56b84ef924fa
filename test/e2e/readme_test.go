package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestReadmeWalkthrough runs the curl walkthrough in README.md against a node started as README
// says (--admin-secret S), so the README stays true: once replayed step by step from the text (every
// line must be a step the test understands), and once as the shell script itself with curl and jq,
// when both are installed.
func TestReadmeWalkthrough(t *testing.T) {
	t.Parallel()
	script := readmeScript(t)

	t.Run("replayed", func(t *testing.T) {
		t.Parallel()
		n := newNode(t, "S")
		n.start(t)
		vars := map[string]string{}
		var last json.RawMessage
		for _, line := range strings.Split(script, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "API=") || strings.HasPrefix(line, "post() {") {
				continue
			}
			m := readmeStep.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("README line not understood by this test: %s", line)
			}
			assign, path, tokenArg, body, jq := m[1], m[2], m[3], m[4], m[5]
			token := tokenArg
			if strings.HasPrefix(tokenArg, "$") {
				if token = vars[tokenArg[1:]]; token == "" {
					t.Fatalf("%s: %s is not set by an earlier step", line, tokenArg)
				}
			}
			var data json.RawMessage
			n.PostOK(t, path, token, body, &data)
			last = data
			if assign != "" {
				if jq == "" {
					t.Fatalf("%s: assigns without jq", line)
				}
				var tok struct {
					Token string `json:"token"`
				}
				if err := json.Unmarshal(data, &tok); err != nil || tok.Token == "" {
					t.Fatalf("%s: no data.token in %s", line, data)
				}
				vars[assign] = tok.Token
			}
		}
		if got := friendIDsOf(t, last); !slices.Equal(got, []string{"bob"}) {
			t.Fatalf("the walkthrough's last answer lists friends %v, want [bob]: %s", got, last)
		}
		if got := friendIDs(t, n, vars["BOB"], "bob"); !slices.Equal(got, []string{"alice"}) {
			t.Fatalf("bob's friends = %v, want [alice]", got)
		}
	})

	t.Run("curl", func(t *testing.T) {
		t.Parallel()
		for _, tool := range []string{"bash", "curl", "jq"} {
			if _, err := exec.LookPath(tool); err != nil {
				t.Fatalf("no %s here (scripts/deps.sh installs it): %v", tool, err)
			}
		}
		n := newNode(t, "S")
		n.start(t)
		const defaultAPI = "API=http://127.0.0.1:10002"
		if !strings.Contains(script, defaultAPI) {
			t.Fatalf("the README script does not set %s", defaultAPI)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c",
			strings.Replace(script, defaultAPI, "API=http://"+n.APIAddr, 1))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("README script: %v\n%s", err, out)
		}
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		for _, l := range lines {
			var env Envelope
			if err := json.Unmarshal([]byte(l), &env); err != nil || env.ErrCode != 0 {
				t.Fatalf("README script printed %q (%v), want envelopes with errCode 0; all:\n%s", l, err, out)
			}
		}
		var env Envelope
		json.Unmarshal([]byte(lines[len(lines)-1]), &env)
		if got := friendIDsOf(t, env.Data); !slices.Equal(got, []string{"bob"}) {
			t.Fatalf("the script's friend list = %v, want [bob]:\n%s", got, out)
		}
	})
}

// readmeStep is one `post` line of the README script: an optional VAR=$( ... | jq -r .data.token).
var readmeStep = regexp.MustCompile(`^(?:(\w+)=\$\()?post (/\S+) "([^"]*)" '([^']*)'( \| jq -r \.data\.token\))?$`)

// readmeScript returns the sh block of README.md that defines post().
func readmeScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range strings.Split(string(b), "```sh\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if strings.Contains(block, "post() {") {
			return block
		}
	}
	t.Fatal("README.md has no sh block with the post() walkthrough")
	return ""
}

func friendIDsOf(t *testing.T, data json.RawMessage) []string {
	t.Helper()
	var out friendList
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("friend list %s: %v", data, err)
	}
	return friendUserIDs(out.FriendsInfo)
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
