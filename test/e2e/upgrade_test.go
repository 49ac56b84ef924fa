//go:build upgrade

package e2e

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lanim/node/client"
	"lanim/test/nodeproc"
)

// Upgrades keep data: a node of the previous release, replaced by this binary on the same data dir,
// keeps its office, users, friends, messages, groups and tokens, and writes on. `make test-upgrade`
// (in CI after `make test`) builds with the upgrade tag and names the previous release's commit in
// LANIM_UPGRADE_FROM; this test fails, never skips, when that commit cannot be built.

// TestUpgradeRollingOffice upgrades an office of two computers one at a time, as an office does: both
// start on the previous release and fill the office; B then runs this binary beside A's old one (a
// mixed office, both ways), then A too.
func TestUpgradeRollingOffice(t *testing.T) {
	rev := os.Getenv("LANIM_UPGRADE_FROM")
	if rev == "" {
		t.Fatal("LANIM_UPGRADE_FROM is not set: run `make test-upgrade`, which names the previous release's commit")
	}
	oldBin := buildRevision(t, rev)

	secret := rand.Text()
	addrA, addrB := nodeproc.MustFreeAddr(t), nodeproc.MustFreeAddr(t)
	a := &member{Node: newNode(t, secret, append([]string{"--cluster-addr", addrA}, clusterFlags...)...), ClusterAddr: addrA}
	a.Bin = oldBin
	a.start(t)
	o := &office{secret: secret, args: clusterFlags, members: []*member{a}}
	code := o.invite(t, a)
	b := &member{Node: newNode(t, secret, append([]string{"--cluster-addr", addrB, "--join", addrA, "--join-code", code},
		clusterFlags...)...), ClusterAddr: addrB}
	b.Bin = oldBin
	b.start(t)
	o.members = append(o.members, b)
	o.waitVoters(t, 2)

	// The previous release fills the office: users, a friendship, a single chat, a group chat.
	registerProfiles(t, a.Node, "alice", "bob")
	tok := map[string]string{adminUserID: a.AdminToken,
		"alice": a.UserToken(t, "alice", platformWeb), "bob": a.UserToken(t, "bob", platformWeb)}
	// Two views of one office; B's clientMsgIDs count from 1000 so they never reuse one of A's.
	onA, onB := &chat{n: a.Node, tokens: tok}, &chat{n: b.Node, tokens: tok, ids: 1000}
	(&friendNode{Node: a.Node, t: t, tok: tok}).befriend("alice", "bob")
	onA.send(t, onA.textMsg("alice", "bob", "hello from the old release"))
	onA.send(t, onA.textMsg("bob", "alice", "old reply"))
	onA.createGroup(t, "team", "alice", nil, []string{"bob"})
	onA.send(t, onA.textMsg("alice", "g:team", "old group news"))
	before := o.converged(t)
	single, group := siID("alice", "bob"), "sg_team"
	wantSingle, wantGroup := onA.texts(t, "bob", single), onA.texts(t, "bob", group)
	if !slices.Contains(wantSingle, "old reply") || !slices.Contains(wantGroup, "old group news") {
		t.Fatalf("previous release: single chat %q, group chat %q", wantSingle, wantGroup)
	}

	// upgrade restarts m on this binary and checks that it is the same computer of the same office
	// and serves everything the previous release wrote, with the tokens it issued. settled waits for
	// the office to agree: a mixed office agrees on the applied index only, since the state digest
	// covers each binary's own schema (this one has tables the previous release lacks).
	upgrade := func(m *member, c *chat, settled func(*testing.T) []client.ClusterStatus) {
		t.Helper()
		m.Stop(t)
		m.Bin = lanimBin
		m.start(t)
		sts := settled(t)
		for i, st := range sts {
			if st.OfficeID != before[0].OfficeID || st.NodeID != before[i].NodeID || len(st.Members) != 2 ||
				st.AppliedIndex < before[i].AppliedIndex {
				t.Fatalf("after upgrading %s: status %s, before:\n%s", m.APIAddr, describe(sts), describe(before))
			}
		}
		for cid, want := range map[string][]string{single: wantSingle, group: wantGroup} {
			if got := c.texts(t, "bob", cid); len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
				t.Fatalf("after upgrade, bob's %s on %s: %q, want it to start with %q", cid, m.APIAddr, got, want)
			}
		}
		if f := (&friendNode{Node: m.Node, t: t, tok: tok}).friends("bob"); !slices.Equal(f, []string{"alice"}) {
			t.Fatalf("after upgrade, bob's friends on %s: %v", m.APIAddr, f)
		}
		// The full-text index came through too: the word is in one message of the previous release.
		if res := c.search(t, "alice", map[string]any{"keyword": "release"}); res.Total != 1 {
			t.Fatalf("after upgrade, search on %s finds nothing for a word of an old message: %+v", m.APIAddr, res)
		}
	}

	// B on this binary, A still on the previous release: writes go both ways.
	upgrade(b, onB, o.caughtUp)
	onB.send(t, onB.textMsg("bob", "alice", "sent by the new binary"))
	onA.send(t, onA.textMsg("alice", "g:team", "sent by the old binary"))
	o.caughtUp(t)
	requireTexts(t, onA, "alice", single, "sent by the new binary")
	requireTexts(t, onB, "bob", group, "sent by the old binary")

	// A on this binary too: the whole office upgraded, and it still writes.
	upgrade(a, onA, o.converged)
	onA.send(t, onA.textMsg("alice", "bob", "all upgraded"))
	o.converged(t)
	requireTexts(t, onB, "bob", single, "all upgraded")
}

// requireTexts fails unless user reads want in conversation cid.
func requireTexts(t *testing.T, c *chat, user, cid, want string) {
	t.Helper()
	if got := c.texts(t, user, cid); !slices.Contains(got, want) {
		t.Fatalf("%s reads %q in %s on %s, want %q among them", user, got, cid, c.n.APIAddr, want)
	}
}

// buildRevision builds the lanim binary of a git revision of this repository: `git archive` into a
// temporary directory (nothing in the repository or its worktree list changes), then `go build`.
func buildRevision(t *testing.T, rev string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	top, err := exec.CommandContext(ctx, "git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("git rev-parse --show-toplevel: %v (the upgrade test needs the repository's history)", err)
	}
	src, tarball := t.TempDir(), filepath.Join(t.TempDir(), "src.tar")
	archive := exec.CommandContext(ctx, "git", "-C", strings.TrimSpace(string(top)), "archive", "-o", tarball, rev)
	if out, err := archive.CombinedOutput(); err != nil {
		t.Fatalf("git archive %s: %v\n%s(a shallow clone lacks older commits: fetch the history)", rev, err, out)
	}
	if out, err := exec.CommandContext(ctx, "tar", "-xf", tarball, "-C", src).CombinedOutput(); err != nil {
		t.Fatalf("tar -x %s: %v\n%s", tarball, err, out)
	}
	bin := filepath.Join(t.TempDir(), "lanim-"+rev)
	build := exec.CommandContext(ctx, "go", "build", "-tags", "sqlite_fts5", "-o", bin, ".")
	build.Dir = src
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of %s: %v\n%s", rev, err, out)
	}
	return bin
}
