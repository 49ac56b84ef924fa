package replication

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/raft"
	"golang.org/x/time/rate"

	"lanim/node/store"
)

// A short code is an invite's secret alone, written for people: 16 characters of Crockford's
// base32 in groups of four ("K7QM-3XTP-9HRW-2DFA"), 80 bits. It carries no pin and no address,
// so the newcomer finds the office on the LAN (or is given a member with --join), learns the
// office CA from the member's TLS handshake, and proves it knows the secret with a MAC bound to
// that CA instead of sending the secret. The member answers with a MAC of its own, so the
// newcomer trusts the CA only once the member has shown it knows the secret too. Why this keeps
// the long code's guarantees is argued in DESIGN.md ("Short codes").

// shortAlphabet is Crockford's base32: no I, L, O or U, so nothing reads as another character.
const shortAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

var shortEncoding = base32.NewEncoding(shortAlphabet).WithPadding(base32.NoPadding)

// shortCodeLen is the number of characters of a short code, without its dashes.
const shortCodeLen = 16

var errBadShortCode = errors.New("malformed short join code")

// shortCode writes an invite's secret as a short code.
func shortCode(secret []byte) string {
	s := shortEncoding.EncodeToString(secret)
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// parseShortCode reads a short code as a person typed it: in any case, with or without dashes
// and spaces, with O read as 0 and I or L as 1 (Crockford's rule).
func parseShortCode(s string) ([]byte, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case '-', ' ', '\t', '\n', '\r':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		b.WriteRune(r)
	}
	clean := b.String()
	if len(clean) != shortCodeLen {
		return nil, fmt.Errorf("%w: it has %d characters, not %d", errBadShortCode, len(clean), shortCodeLen)
	}
	secret, err := shortEncoding.DecodeString(clean)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errBadShortCode, err)
	}
	return secret, nil
}

// IsShortJoinCode reports whether code is a short code (which names no office) rather than a
// long one.
func IsShortJoinCode(code string) bool {
	_, err := parseShortCode(code)
	return err == nil && !strings.HasPrefix(strings.TrimSpace(code), joinCodePrefix)
}

// inviteKey is what the office keeps of an invite's secret, and the key of both proofs.
func inviteKey(secret []byte) [32]byte { return sha256.Sum256(secret) }

// newcomerProof is what a newcomer with a short code sends: it knows the secret, and it says so
// for the office whose CA it saw. A member of another office (or a stranger posing as one)
// learns a MAC it cannot use with this office, whose CA has another pin.
func newcomerProof(key, pin [32]byte) []byte {
	return joinMAC(key, "lanim join: newcomer", pin[:])
}

// officeProof is the member's answer: it knows the secret too, so the CA it showed is the office
// the code came from, and the certificate it signed is for this newcomer.
func officeProof(key, pin [32]byte, nodeID string) []byte {
	return joinMAC(key, "lanim join: office", pin[:], []byte(nodeID))
}

func joinMAC(key [32]byte, label string, parts ...[]byte) []byte {
	mac := hmac.New(sha256.New, key[:])
	mac.Write([]byte(label))
	for _, p := range parts {
		mac.Write([]byte{byte(len(p))})
		mac.Write(p)
	}
	return mac.Sum(nil)
}

// joinShort redeems a short code. It tries the members named with --join (the office the user
// picked on the LAN), then every member of the offices found on the LAN: a member of another
// office refuses (its office made no such code) and learns nothing it could use.
func (n *Node) joinShort(cc *ClusterConfig) (*identity, error) {
	secret, err := parseShortCode(cc.JoinCode)
	if err != nil {
		return nil, fmt.Errorf("replication: %w", err)
	}
	key := inviteKey(secret)
	keyPEM, csr, err := newNodeKey(n.cfg.NodeID)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(n.ctx, time.Minute)
	defer cancel()
	var offices [][]string
	if len(cc.JoinAddrs) > 0 {
		offices = append(offices, dedupe(slices.Clone(cc.JoinAddrs)))
	}
	var errs []error
	if cc.Discovery != nil {
		found, derr := cc.Discovery.Browse(ctx)
		if derr != nil {
			errs = append(errs, fmt.Errorf("discovery: %w", derr))
		}
		for _, f := range found {
			offices = append(offices, without(f.Addrs, cc.JoinAddrs))
		}
	}
	if len(offices) == 0 {
		return nil, fmt.Errorf("replication: a short join code needs its office on the LAN, and none answered: "+
			"name a member with --join, or use the long code (lanim1-…): %w", errors.Join(errs...))
	}
	for _, addrs := range offices {
		for _, addr := range addrs {
			reply, pin, err := n.redeemShort(ctx, addr, key, csr)
			if err == nil {
				return n.adoptJoin(reply, pin, keyPEM)
			}
			n.log.Info("join attempt failed", "member", addr, "err", err)
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
		}
	}
	if refusedIn(errs) {
		return nil, fmt.Errorf("replication: %w: %w", ErrJoinRefused, errors.Join(errs...))
	}
	return nil, fmt.Errorf("replication: no member of an office answered the join: %w", errors.Join(errs...))
}

// redeemShort asks one member to admit this node with a short code: it learns the member's CA
// from the handshake, proves the secret for that CA on a stream pinned to it, and accepts the
// answer only with the member's own proof.
func (n *Node) redeemShort(ctx context.Context, addr string, key [32]byte, csr []byte) (*joinReply, [32]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	pin, err := learnPin(ctx, addr)
	if err != nil {
		return nil, pin, err
	}
	req := &joinRequest{Proof: newcomerProof(key, pin), NodeID: n.cfg.NodeID, Address: string(n.self), CSR: csr}
	cl := newRPCClient(pinnedClientConfig(pin), streamJoin)
	defer cl.close()
	var reply joinReply
	if err := cl.call(ctx, addr, "join", req, &reply); err != nil {
		return nil, pin, err
	}
	if !hmac.Equal(reply.Proof, officeProof(key, pin, n.cfg.NodeID)) {
		return nil, pin, errors.New("the member admitted this node without proving it knows the code: not the office that made it")
	}
	return &reply, pin, nil
}

// learnPin dials a member trusting nothing yet, and returns the pin of the office CA its
// certificate chains to.
func learnPin(ctx context.Context, addr string) ([32]byte, error) {
	var mu sync.Mutex
	var pin [32]byte
	seen := false
	cfg := &tls.Config{
		MinVersion:         tls.VersionTLS13,
		InsecureSkipVerify: true, // replaced by VerifyConnection: the chain to the CA it shows
		VerifyConnection: func(cs tls.ConnectionState) error {
			for _, c := range cs.PeerCertificates {
				if !c.IsCA {
					continue
				}
				pool := x509.NewCertPool()
				pool.AddCert(c)
				if err := verifyChain(cs, pool); err != nil {
					return err
				}
				mu.Lock()
				pin, seen = caPin(c), true
				mu.Unlock()
				return nil
			}
			return errors.New("the member shows no office CA")
		},
	}
	cl := newRPCClient(cfg, streamJoin)
	defer cl.close()
	var info officeInfo
	if err := cl.call(ctx, addr, "office", struct{}{}, &info); err != nil {
		return pin, err
	}
	mu.Lock()
	defer mu.Unlock()
	if !seen {
		return pin, errors.New("the member shows no office CA")
	}
	return pin, nil
}

// guessBudget bounds how many wrong short-code proofs a member checks: once spent, every proof
// is refused until it refills. Guessing 80 bits at this rate is hopeless (DESIGN.md).
type guessBudget struct {
	once sync.Once
	lim  *rate.Limiter
}

// Wrong proofs a member checks: a burst for typing mistakes, then one every few seconds.
const (
	guessBurst = 10
	guessEvery = 3 * time.Second
)

func (g *guessBudget) limiter() *rate.Limiter {
	g.once.Do(func() { g.lim = rate.NewLimiter(rate.Every(guessEvery), guessBurst) })
	return g.lim
}

// matchProof returns the key (hex) of the open invite a short code's proof was made with, or ""
// when none matches. A follower that knows none asks the leader, whose replica may hold an
// invite made a moment ago.
func (n *Node) matchProof(ctx context.Context, proof []byte) (string, error) {
	if n.guesses.limiter().Tokens() < 1 {
		return "", refused("too many wrong join codes: wait a minute and try again")
	}
	hash, err := matchOpenInvite(ctx, n.cfg.DB.Reader(), caPin(n.id.ca), proof, time.Now())
	if err != nil {
		return "", err
	}
	if hash == "" && n.raft.State() != raft.Leader {
		addr, id := n.raft.LeaderWithID()
		if id == "" {
			return "", &rpcError{Code: codeNoQuorum, Msg: "no leader"}
		}
		if err := n.rpc.call(ctx, string(addr), "invite.match", proof, &hash); err != nil {
			return "", &rpcError{Code: codeNoQuorum, Msg: err.Error()}
		}
	}
	if hash == "" {
		n.guesses.limiter().Allow()
	}
	return hash, nil
}

// handleInviteMatch is the leader's side of matchProof.
func (n *Node) handleInviteMatch(ctx context.Context, _ string, body json.RawMessage) (any, error) {
	var proof []byte
	if err := json.Unmarshal(body, &proof); err != nil || len(proof) != sha256.Size {
		return nil, &rpcError{Code: codeBadReq, Msg: "invite.match needs a proof"}
	}
	if n.guesses.limiter().Tokens() < 1 {
		return "", nil
	}
	hash, err := matchOpenInvite(ctx, n.cfg.DB.Reader(), caPin(n.id.ca), proof, time.Now())
	if err == nil && hash == "" {
		n.guesses.limiter().Allow()
	}
	return hash, err
}

// matchOpenInvite checks proof against every invite not used and not expired at now.
func matchOpenInvite(ctx context.Context, q store.Q, pin [32]byte, proof []byte, now time.Time) (string, error) {
	invites, err := store.MetaWithPrefix(ctx, q, metaInvitePrefix)
	if err != nil {
		return "", err
	}
	for _, kv := range invites {
		var inv inviteRecord
		if err := json.Unmarshal(kv.Value, &inv); err != nil {
			return "", fmt.Errorf("decode %s: %w", kv.Key, err)
		}
		hash := strings.TrimPrefix(kv.Key, metaInvitePrefix)
		key, err := hex.DecodeString(hash)
		if err != nil || len(key) != sha256.Size || inv.UsedBy != "" || now.UnixMilli() > inv.Expires {
			continue
		}
		if hmac.Equal(proof, newcomerProof([32]byte(key), pin)) {
			return hash, nil
		}
	}
	return "", nil
}
