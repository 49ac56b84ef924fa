package replication

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"lanim/node/im"
	"lanim/node/store"
)

func TestShortCodeReadsAsTyped(t *testing.T) {
	secret := make([]byte, secretLen)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	code := shortCode(secret)
	if !regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$`).MatchString(code) {
		t.Fatalf("short code %q is not four groups of four Crockford characters", code)
	}
	plain := strings.ReplaceAll(code, "-", "")
	typed := []string{
		code,
		plain,
		strings.ToLower(code),
		" " + strings.ReplaceAll(code, "-", " ") + "\n",
		// Crockford's rule: O is 0, I and L are 1.
		strings.NewReplacer("0", "O", "1", "l").Replace(code),
	}
	for _, s := range typed {
		got, err := parseShortCode(s)
		if err != nil || string(got) != string(secret) {
			t.Errorf("%q reads as %x, %v; want %x", s, got, err, secret)
		}
		if !IsShortJoinCode(s) {
			t.Errorf("%q is not taken for a short code", s)
		}
	}
	for _, bad := range []string{"", plain[:15], plain + "0", strings.Replace(code, code[:1], "U", 1),
		strings.Replace(code, code[:1], "*", 1)} {
		if _, err := parseShortCode(bad); err == nil {
			t.Errorf("%q reads as a short code", bad)
		}
	}
	long := (&joinCode{OfficeID: "o", Secret: secret}).String()
	if IsShortJoinCode(long) {
		t.Errorf("the long code %q is taken for a short one", long)
	}
	if jc, err := parseJoinCode(long); err != nil || string(jc.Secret) != string(secret) {
		t.Fatalf("the long code holds %v, %v", jc, err)
	}
}

// TestProofIsBoundToTheOffice: a proof made for one office's CA matches no invite at another,
// and one made with another secret matches nothing; expired and used invites match nothing.
func TestProofIsBoundToTheOffice(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.UnixMilli(1_000_000)
	secrets := map[string][]byte{"open": {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, "used": {2}, "expired": {3}}
	hashes := map[string]string{}
	tx, err := db.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range secrets {
		key := inviteKey(s)
		rec := inviteRecord{Expires: now.UnixMilli() + 1}
		switch name {
		case "used":
			rec.UsedBy = "node-z"
		case "expired":
			rec.Expires = now.UnixMilli() - 1
		}
		hashes[name] = hex.EncodeToString(key[:])
		if err := putJSON(ctx, tx, metaInvitePrefix+hashes[name], rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	pin, otherPin := [32]byte{1}, [32]byte{2}
	match := func(secret []byte, p [32]byte) string {
		t.Helper()
		h, err := matchOpenInvite(ctx, db.Reader(), pin, newcomerProof(inviteKey(secret), p), now)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if got := match(secrets["open"], pin); got != hashes["open"] {
		t.Fatalf("the right proof matched %q, want %q", got, hashes["open"])
	}
	for name, got := range map[string]string{
		"a proof for another office's CA": match(secrets["open"], otherPin),
		"another secret":                  match([]byte{9, 9, 9}, pin),
		"a used invite":                   match(secrets["used"], pin),
		"an expired invite":               match(secrets["expired"], pin),
	} {
		if got != "" {
			t.Errorf("%s matched invite %s", name, got)
		}
	}
	if string(officeProof(inviteKey(secrets["open"]), pin, "node-b")) ==
		string(officeProof(inviteKey(secrets["open"]), pin, "node-c")) {
		t.Error("the office's proof does not name the newcomer")
	}
}

// TestShortCodeJoin: a newcomer with only a short code finds the office on the LAN among
// another, joins it, and the code then admits nobody else; wrong codes are refused, and past
// the guess budget every code is.
func TestShortCodeJoin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	disco := newFakeDiscovery()
	tuning := AutopilotTuning{Stabilization: 100 * time.Millisecond}
	found := func(id, office string) *clusterNode {
		n := openClusterNode(t, id, &ClusterConfig{Addr: "127.0.0.1:0", Discovery: disco, Autopilot: tuning})
		if err := n.WaitLeader(ctx); err != nil {
			t.Fatal(err)
		}
		createOfficeID(t, ctx, n.Node, office)
		if err := n.WaitReady(ctx); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Another office on the same LAN, sorted first by discovery: the newcomer tries it too.
	found("node-0", "office-0")
	a := found("node-a", "office-a")
	pollUntil(t, func() bool { offices, _ := disco.Browse(ctx); return len(offices) == 2 })

	inv, err := a.Invite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !IsShortJoinCode(inv.ShortCode) || len(strings.ReplaceAll(inv.ShortCode, "-", "")) != shortCodeLen {
		t.Fatalf("short code %q", inv.ShortCode)
	}
	b := openClusterNode(t, "node-b", &ClusterConfig{Addr: "127.0.0.1:0", JoinCode: strings.ToLower(inv.ShortCode),
		Discovery: disco})
	if err := b.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := b.Status(ctx); err != nil || st.OfficeID != "office-a" {
		t.Fatalf("the newcomer joined %+v (%v), want office-a", st, err)
	}

	// The budget refills too slowly to matter in this test, however slow the machine.
	a.guesses.limiter().SetLimit(rate.Every(time.Hour))

	// Single use: the same code admits nobody else, by either of its forms.
	for _, code := range []string{inv.ShortCode, inv.Code} {
		if _, err := tryOpen(t, "node-c", &ClusterConfig{Addr: "127.0.0.1:0", JoinCode: code, Discovery: disco}); !errors.Is(err, ErrJoinRefused) {
			t.Fatalf("a used code (%s): %v, want a refusal", code, err)
		}
	}

	// Wrong codes are refused; past the budget a member refuses every proof, the right one too.
	wrong := shortCode([]byte{7, 7, 7, 7, 7, 7, 7, 7, 7, 7})
	for range guessBurst {
		if _, err := tryOpen(t, "node-d", &ClusterConfig{Addr: "127.0.0.1:0", JoinCode: wrong,
			JoinAddrs: []string{string(a.self)}}); !errors.Is(err, ErrJoinRefused) {
			t.Fatalf("a wrong code: %v, want a refusal", err)
		}
	}
	fresh, err := a.Invite(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tryOpen(t, "node-e", &ClusterConfig{Addr: "127.0.0.1:0", JoinCode: fresh.ShortCode,
		JoinAddrs: []string{string(a.self)}})
	if !errors.Is(err, ErrJoinRefused) || !strings.Contains(err.Error(), "too many wrong join codes") {
		t.Fatalf("a right code past the guess budget: %v, want a refusal for too many wrong codes", err)
	}
}

// tryOpen opens a node that is expected to fail to start, and returns its error.
func tryOpen(t *testing.T, id string, cc *ClusterConfig) (*Node, error) {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := Open(Config{DataDir: dir, NodeID: id, DB: db, Machine: im.NewMachine(), Log: discardLog(), Cluster: cc})
	if err == nil {
		n.Close()
	}
	return n, err
}
