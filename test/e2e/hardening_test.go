package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lanim/node/client"
	"lanim/test/nodeproc"
)

// Hardening: what an outside probe and a newcomer met first (issue 16).

// TestHelpQuietUnderCLocale: the help of every command, under the C and POSIX locales that servers and
// containers default to, is the usage and nothing from the GUI toolkit.
func TestHelpQuietUnderCLocale(t *testing.T) {
	locales := [][]string{
		{"LANG=C.UTF-8", "LC_ALL=", "LC_MESSAGES=", "LANGUAGE="},
		{"LANG=C", "LC_ALL=", "LC_MESSAGES=", "LANGUAGE="},
		{"LANG=POSIX", "LC_ALL=", "LC_MESSAGES=", "LANGUAGE="},
		{"LANG=en_US.UTF-8", "LC_ALL=C.utf8", "LC_MESSAGES=", "LANGUAGE="},
		{"LANG=", "LC_ALL=", "LC_MESSAGES=POSIX.UTF-8", "LANGUAGE="},
	}
	for _, env := range locales {
		for _, args := range [][]string{{"--help"}, {"node", "-h"}, {"bench", "-h"}} {
			_, stderr, code := runLanimEnv(t, 30*time.Second, env, args...)
			if code == 0 || !strings.Contains(stderr, "Usage of") {
				t.Errorf("%v lanim %v: exit %d, want the usage and a non-zero exit; stderr:\n%s", env, args, code, stderr)
			}
			if strings.Contains(stderr, "Fyne") || strings.Contains(stderr, "locale") || strings.Contains(stderr, "/pkg/mod/") {
				t.Errorf("%v lanim %v: stderr has more than the usage:\n%s", env, args, stderr)
			}
		}
	}
}

// TestMakeBuildChecksDeps: `make build` on a fresh machine first installs the cgo headers the GUI
// toolkit needs (or stops with the command to run), instead of failing in the C compiler.
func TestMakeBuildChecksDeps(t *testing.T) {
	// go test runs in the package's directory, test/e2e.
	out, err := exec.Command("make", "--no-print-directory", "-n", "-C", "../..", "build").CombinedOutput()
	if err != nil {
		t.Fatalf("make -n build: %v\n%s", err, out)
	}
	deps := strings.Index(string(out), "scripts/deps.sh --build")
	build := strings.Index(string(out), "go build")
	if deps < 0 || build < 0 || deps > build {
		t.Fatalf("make build does not check its dependencies before compiling:\n%s", out)
	}
}

// appliedIndex is the node's last applied log index.
func appliedIndex(t *testing.T, n *Node) uint64 {
	t.Helper()
	var st client.ClusterStatus
	n.PostOK(t, "/cluster/status", n.AdminToken, nil, &st)
	return st.AppliedIndex
}

// TestRefusalsCostNoLogEntry: every refusal the replica can decide is answered before proposing,
// so it commits no log entry, and the FSM's code is the one the client gets.
func TestRefusalsCostNoLogEntry(t *testing.T) {
	t.Parallel()
	c := newChat(t, "ann", "bob", "cy", "dan")
	c.createGroup(t, "g1", "ann", []string{"cy"}, []string{"bob"})
	sent := c.send(t, c.textMsg("ann", "bob", "hello"))
	refused := []struct {
		user, path string
		body       any
		code       int
	}{
		{"bob", "/msg/revoke_msg", map[string]any{"conversationID": siID("ann", "bob"), "seq": sent.Seq, "userID": "bob"}, 1002},
		{"ann", "/msg/revoke_msg", map[string]any{"conversationID": siID("ann", "bob"), "seq": 99, "userID": "ann"}, 1004},
		{"cy", "/group/kick_group", map[string]any{"groupID": "g1", "kickedUserIDs": []string{"ann"}}, 1001},
		{"bob", "/group/kick_group", map[string]any{"groupID": "g1", "kickedUserIDs": []string{"cy"}}, 1002},
		{"bob", "/group/mute_group_member", map[string]any{"groupID": "g1", "userID": "cy", "mutedSeconds": 60}, 1002},
		{"cy", "/group/cancel_mute_group_member", map[string]any{"groupID": "g1", "userID": "ann"}, 1002},
		{"bob", "/group/mute_group", map[string]any{"groupID": "g1"}, 1002},
		{"bob", "/group/cancel_mute_group", map[string]any{"groupID": "g1"}, 1002},
		{"bob", "/group/set_group_info", map[string]any{"groupInfoForSet": map[string]any{"groupID": "g1", "groupName": "x"}}, 1002},
		{"bob", "/group/set_group_info_ex", map[string]any{"groupID": "g1", "groupName": "x"}, 1002},
		{"bob", "/group/set_group_member_info", map[string]any{"members": []map[string]any{{"groupID": "g1", "userID": "ann", "nickname": "x"}}}, 1002},
		{"bob", "/group/transfer_group", map[string]any{"groupID": "g1", "oldOwnerUserID": "ann", "newOwnerUserID": "bob"}, 1002},
		{"cy", "/group/dismiss_group", map[string]any{"groupID": "g1"}, 1002},
		{"bob", "/cluster/set_office_name", map[string]any{"officeName": "Bob's office"}, 1002},
		{"bob", "/cluster/set_office_admin", map[string]any{"userID": "bob", "officeAdmin": true}, 1002},
		{"ann", "/group/create_group", map[string]any{"ownerUserID": "ann", "groupInfo": map[string]any{"groupID": "g2", "groupName": "a\x00b", "groupType": 2}}, 1001},
	}
	for i := range 5 {
		refused = append(refused, struct {
			user, path string
			body       any
			code       int
		}{"", "/auth/user_signup", map[string]any{"userID": "ann", "nickname": "Ann", "password": fmt.Sprintf("password%d", i),
			"platformID": 5}, 1102})
	}
	before := appliedIndex(t, c.n)
	for _, r := range refused {
		c.n.PostErr(t, r.path, c.tokens[r.user], r.body, r.code)
	}
	if after := appliedIndex(t, c.n); after != before {
		t.Fatalf("%d refused calls moved appliedIndex from %d to %d", len(refused), before, after)
	}
	// The same calls by someone allowed to make them do commit.
	c.n.PostOK(t, "/group/mute_group", c.tokens["cy"], map[string]any{"groupID": "g1"}, nil)
	if after := appliedIndex(t, c.n); after != before+1 {
		t.Fatalf("an allowed mute moved appliedIndex from %d to %d, want +1", before, after)
	}
}

// TestSignUpBudget: sign-ups beyond the node's budget are refused with 1692 before any hashing, and
// a taken user ID is refused (1102) without spending it.
func TestSignUpBudget(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	signUp(t, n, "first", "password1")
	for range 30 {
		n.PostErr(t, "/auth/user_signup", "", map[string]any{"userID": "first", "nickname": "F", "password": "password1",
			"platformID": 5}, 1102)
	}
	// The budget is 10 in a row, refilled one every 3 s: 25 quick sign-ups cannot all pass.
	for i := range 25 {
		env := n.Post(t, "/auth/user_signup", "", map[string]any{"userID": fmt.Sprintf("u%d", i), "nickname": "U",
			"password": "password1", "platformID": 5})
		switch env.ErrCode {
		case 0:
			continue
		case 1692:
			if i < 9 {
				t.Fatalf("sign-up %d refused as over budget; 1 + %d is within the budget of 10", i, i)
			}
			return
		default:
			t.Fatalf("sign-up %d: errCode %d %s %s", i, env.ErrCode, env.ErrMsg, env.ErrDlt)
		}
	}
	t.Fatal("25 sign-ups in a row all passed: no budget")
}

// TestSearchKeywordAnyBytes: a keyword with NUL, quotes or full-text syntax is searched literally
// (it once answered 500), one that is not UTF-8 is refused with 1001.
func TestSearchKeywordAnyBytes(t *testing.T) {
	t.Parallel()
	c := newChat(t, "ann", "bob")
	const text = `say "hi" OR bye`
	c.send(t, c.textMsg("ann", "bob", text))
	c.send(t, c.textMsg("ann", "bob", "plain"))
	for _, kw := range []string{"a\x00b", "\x00", "\x00\x00\x00", "hi\x00", `"hi"`, `" OR "`, `OR`, `NEAR(say bye)`} {
		got := c.search(t, "bob", map[string]any{"keyword": kw})
		want := int64(0)
		if strings.Contains(text, kw) {
			want = 1
		}
		if got.Total != want {
			t.Errorf("keyword %q: %d found, want %d", kw, got.Total, want)
		}
	}
	c.n.PostErr(t, "/msg/search_msg", c.tokens["bob"],
		[]byte("{\"keyword\":\"a\xffb\",\"pagination\":{\"pageNumber\":1,\"showNumber\":10}}"), 1001)
}

// TestJoinWithAnotherOfficesCode: --join names a member of office A, --join-code is office B's. The
// node stops with a message that names both offices, and joins neither (it once joined B through
// the addresses inside the code).
func TestJoinWithAnotherOfficesCode(t *testing.T) {
	t.Parallel()
	a, b := startOffice(t, 1), startOffice(t, 1)
	a.members[0].PostOK(t, "/cluster/set_office_name", a.members[0].AdminToken, map[string]any{"officeName": "Alpha Ltd"}, nil)
	b.members[0].PostOK(t, "/cluster/set_office_name", b.members[0].AdminToken, map[string]any{"officeName": "Beta Inc"}, nil)
	code := b.invite(t, b.members[0])
	dir := t.TempDir()
	out, exit := runLanim(t, 60*time.Second, append([]string{"node", "--data", dir, "--api-addr", nodeproc.MustFreeAddr(t),
		"--ws-addr", nodeproc.MustFreeAddr(t), "--cluster-addr", nodeproc.MustFreeAddr(t), "--join", a.members[0].ClusterAddr, "--join-code", code},
		clusterFlags...)...)
	if exit == 0 || !strings.Contains(out, "Alpha Ltd") || !strings.Contains(out, "Beta Inc") {
		t.Fatalf("exit %d, want a failure naming both offices (Alpha Ltd, Beta Inc); output:\n%s", exit, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "cluster", "node.pem")); err == nil {
		t.Fatal("the node joined an office")
	}
	if st := b.members[0].status(t); len(st.Members) != 1 {
		t.Fatalf("office B has %d members, want 1: %+v", len(st.Members), st.Members)
	}
	// The code was not spent: it still admits a node to B.
	b.joinWith(t, code)
}
