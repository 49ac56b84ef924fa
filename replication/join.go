package replication

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/hashicorp/raft"

	"lanim/node/im"
	"lanim/node/openim"
)

// Joining an office, in two steps:
//
//  1. On a join stream (TLS, the newcomer has no certificate yet) the newcomer checks the member's
//     CA against the pin in its join code, then sends the code's secret, its node ID, its address
//     and a certificate request. The member redeems the code through Raft (single use: the log
//     orders concurrent redemptions), signs the certificate with the office CA (replicated state)
//     and answers with it, the CA and the index of the redemption.
//  2. The newcomer starts Raft with an empty configuration and registers with "member.add" on a
//     normal mutual-TLS stream (see maintain); the leader adds it as a non-voter, sends it the
//     log or a snapshot, and autopilot promotes it once it is stable.
//
// A wrong, used or expired code gets one answer, and nothing of the office's data.

// inviteTTL is how long a join code stays valid.
const inviteTTL = 24 * time.Hour

var nodeIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

type joinRequest struct {
	Secret []byte `json:"secret,omitempty"`
	// Proof replaces Secret for a short code (shortcode.go).
	Proof   []byte `json:"proof,omitempty"`
	NodeID  string `json:"nodeID"`
	Address string `json:"address"`
	CSR     []byte `json:"csr"` // DER
}

type joinReply struct {
	OfficeID string   `json:"officeID"`
	CA       []byte   `json:"ca"`   // PEM
	Cert     []byte   `json:"cert"` // PEM
	Index    uint64   `json:"index"`
	Members  []string `json:"members"`
	// Proof answers a short code's proof (shortcode.go).
	Proof []byte `json:"proof,omitempty"`
}

// ErrJoinRefused is returned by Open when the office refused the join code.
var ErrJoinRefused = errors.New("join refused")

// join redeems the join code with a member of its office and saves the identity it gets.
func (n *Node) join(cc *ClusterConfig) (*identity, error) {
	if IsShortJoinCode(cc.JoinCode) {
		return n.joinShort(cc)
	}
	code, err := parseJoinCode(cc.JoinCode)
	if err != nil {
		return nil, fmt.Errorf("replication: %w", err)
	}
	keyPEM, csr, err := newNodeKey(n.cfg.NodeID)
	if err != nil {
		return nil, err
	}
	req := &joinRequest{Secret: code.Secret, NodeID: n.cfg.NodeID, Address: string(n.self), CSR: csr}
	cl := newRPCClient(pinnedClientConfig(code.Pin), streamJoin)
	defer cl.close()

	ctx, cancel := context.WithTimeout(n.ctx, time.Minute)
	defer cancel()
	addrs := dedupe(append(slices.Clone(cc.JoinAddrs), code.Addrs...))
	var reply joinReply
	var errs []error
	otherOffice := "" // a member that answered with another office's certificate
	try := func(addrs []string) bool {
		for _, addr := range addrs {
			callCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
			err := cl.call(callCtx, addr, "join", req, &reply)
			cancel()
			if err == nil {
				return true
			}
			n.log.Info("join attempt failed", "member", addr, "err", err)
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
			if errors.Is(err, errOtherOffice) {
				otherOffice = addr
				return false
			}
			if isCode(err, codeRefused) {
				return false
			}
		}
		return false
	}
	// The members named with --join first, alone: one of another office stops the join, which
	// would otherwise go on through the code's addresses into an office the user did not name.
	ok := try(cc.JoinAddrs)
	if otherOffice != "" {
		return nil, n.otherOfficeError(ctx, code, otherOffice)
	}
	if !ok && !refusedIn(errs) {
		ok = try(without(addrs, cc.JoinAddrs))
	}
	if !ok && !refusedIn(errs) && cc.Discovery != nil && code.OfficeID != "" {
		found, derr := cc.Discovery.Lookup(ctx, code.OfficeID)
		if derr != nil {
			errs = append(errs, fmt.Errorf("discovery: %w", derr))
		}
		ok = try(dedupe(without(found, addrs)))
	}
	if !ok {
		if refusedIn(errs) {
			return nil, fmt.Errorf("replication: %w: %w", ErrJoinRefused, errors.Join(errs...))
		}
		return nil, fmt.Errorf("replication: no member of the office answered the join: %w", errors.Join(errs...))
	}
	return n.adoptJoin(&reply, code.Pin, keyPEM)
}

// adoptJoin checks the office's answer against the CA the newcomer trusts (pin), then saves the
// identity it got and remembers the members.
func (n *Node) adoptJoin(reply *joinReply, pin [32]byte, keyPEM []byte) (*identity, error) {
	ca, err := parseCert(reply.CA)
	if err != nil || caPin(ca) != pin {
		return nil, fmt.Errorf("replication: the office sent a CA that does not match the join code")
	}
	id, err := newIdentity(n.cfg.NodeID, reply.CA, reply.Cert, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("replication: joined, but the certificate is unusable: %w", err)
	}
	if err := saveIdentity(n.cfg.DataDir, reply.CA, reply.Cert, keyPEM); err != nil {
		return nil, err
	}
	if err := n.book.setPeers(reply.Members); err != nil {
		return nil, err
	}
	n.joinIndex = reply.Index
	n.log.Info("joined office", "office", reply.OfficeID, "index", reply.Index)
	return id, nil
}

// officeInfo is what a member says of its office (the "office" call): public, as mDNS announces it.
type officeInfo struct {
	OfficeID   string `json:"officeID"`
	OfficeName string `json:"officeName"`
}

func (o officeInfo) String() string {
	if o.OfficeName == "" {
		return "office " + o.OfficeID
	}
	return fmt.Sprintf("office %q (%s)", o.OfficeName, o.OfficeID)
}

// handleOffice names this node's office to anyone who asks on the join port.
func (n *Node) handleOffice(ctx context.Context, _ string, _ json.RawMessage) (any, error) {
	off, err := im.LoadOffice(ctx, n.cfg.DB.Reader())
	if err != nil || off == nil {
		return nil, err
	}
	return &officeInfo{OfficeID: off.OfficeID, OfficeName: off.Name}, nil
}

// otherOfficeError explains a join whose --join member addr belongs to another office than the
// code's, naming both offices as their members say (an ID alone when a member does not answer).
func (n *Node) otherOfficeError(ctx context.Context, code *joinCode, addr string) error {
	ask := func(cfg *tls.Config, addrs []string, out *officeInfo) {
		cl := newRPCClient(cfg, streamJoin)
		defer cl.close()
		for _, a := range addrs {
			callCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := cl.call(callCtx, a, "office", struct{}{}, out)
			cancel()
			if err == nil {
				return
			}
		}
	}
	theirs := officeInfo{OfficeID: "unknown"}
	ask(anyOfficeClientConfig(), []string{addr}, &theirs)
	if theirs.OfficeID == code.OfficeID {
		return fmt.Errorf("replication: %w: %s (--join) is a member of %s, but its certificate does not match the "+
			"join code's: the code is damaged or forged", ErrJoinRefused, addr, theirs)
	}
	codes := officeInfo{OfficeID: code.OfficeID}
	ask(pinnedClientConfig(code.Pin), code.Addrs, &codes)
	return fmt.Errorf("replication: %w: %s (--join) is a member of %s, but the join code is for %s: use a join code "+
		"from %s, or --join a member of %s", ErrJoinRefused, addr, theirs, codes, theirs, codes)
}

func refusedIn(errs []error) bool {
	for _, e := range errs {
		if isCode(e, codeRefused) {
			return true
		}
	}
	return false
}

// handleJoin is a member's side of step 1.
func (n *Node) handleJoin(ctx context.Context, _ string, body json.RawMessage) (any, error) {
	var req joinRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, &rpcError{Code: codeBadReq, Msg: "bad join request"}
	}
	secretOK := len(req.Secret) == secretLen || len(req.Secret) == secretLenV1
	proofOK := len(req.Proof) == sha256.Size && len(req.Secret) == 0
	if !nodeIDPattern.MatchString(req.NodeID) || !(secretOK || proofOK) || len(req.CSR) == 0 {
		return nil, &rpcError{Code: codeBadReq, Msg: "a join needs a node ID, a secret and a certificate request"}
	}
	if csr, err := x509.ParseCertificateRequest(req.CSR); err != nil || csr.CheckSignature() != nil {
		return nil, &rpcError{Code: codeBadReq, Msg: "bad certificate request"}
	}
	// A look first: an unknown code is refused without writing to the log, so a stranger cannot
	// fill it with attempts.
	var hash string
	if proofOK {
		h, err := n.matchProof(ctx, req.Proof)
		if err != nil {
			return nil, err
		}
		hash = h
	} else {
		key := inviteKey(req.Secret)
		open, err := n.inviteOpen(ctx, hex.EncodeToString(key[:]))
		if err != nil {
			return nil, err
		}
		if open {
			hash = hex.EncodeToString(key[:])
		}
	}
	if hash == "" {
		return nil, refused("%s", errJoinCode.Detail)
	}
	cfg, err := n.configuration()
	if err != nil {
		return nil, err
	}
	for _, s := range cfg.Servers {
		if s.ID == raft.ServerID(req.NodeID) {
			return nil, refused("node %s is already a member", req.NodeID)
		}
	}
	entry, err := newClusterCommand(kindRedeem, time.Now().UnixMilli(), &redeemArgs{Hash: hash, NodeID: req.NodeID})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	res, index, err := n.commit(ctx, entry)
	if err != nil {
		return nil, &rpcError{Code: codeNoQuorum, Msg: err.Error()}
	}
	if res.Err != nil {
		return nil, refused("%s", res.Err.Detail)
	}
	ca, ok, err := loadCA(ctx, n.cfg.DB.Reader())
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errNoCA
	}
	cert, err := signNode(ca.Cert, ca.Key, req.NodeID, req.CSR)
	if err != nil {
		return nil, &rpcError{Code: codeBadReq, Msg: err.Error()}
	}
	off, err := im.LoadOffice(ctx, n.cfg.DB.Reader())
	if err != nil {
		return nil, err
	}
	reply := &joinReply{CA: ca.Cert, Cert: cert, Index: index, Members: n.memberAddrs(cfg)}
	if off != nil {
		reply.OfficeID = off.OfficeID
	}
	if proofOK {
		key, _ := hex.DecodeString(hash) // matchProof's hash is an invite's key, 64 hex digits
		reply.Proof = officeProof([32]byte(key), caPin(n.id.ca), req.NodeID)
	}
	n.log.Info("admitted a new node", "node", req.NodeID, "address", req.Address)
	return reply, nil
}

// inviteOpen reports whether a join code's hash names an invite not yet used. A follower that
// does not know it asks the leader: its replica may not have applied a fresh invite yet.
func (n *Node) inviteOpen(ctx context.Context, hash string) (bool, error) {
	var inv inviteRecord
	known, err := getJSON(ctx, n.cfg.DB.Reader(), metaInvitePrefix+hash, &inv)
	if err != nil {
		return false, err
	}
	if known || n.raft.State() == raft.Leader {
		return known && inv.UsedBy == "", nil
	}
	addr, id := n.raft.LeaderWithID()
	if id == "" {
		return false, &rpcError{Code: codeNoQuorum, Msg: "no leader"}
	}
	var open bool
	if err := n.callLeaderAt(ctx, addr, id, "invite.open", hash, &open); err != nil {
		return false, &rpcError{Code: codeNoQuorum, Msg: err.Error()}
	}
	return open, nil
}

// handleInviteOpen is the leader's side of inviteOpen.
func (n *Node) handleInviteOpen(ctx context.Context, _ string, body json.RawMessage) (any, error) {
	var hash string
	if err := json.Unmarshal(body, &hash); err != nil {
		return nil, &rpcError{Code: codeBadReq, Msg: "invite.open needs a hash"}
	}
	var inv inviteRecord
	known, err := getJSON(ctx, n.cfg.DB.Reader(), metaInvitePrefix+hash, &inv)
	if err != nil {
		return nil, err
	}
	return known && inv.UsedBy == "", nil
}

// Invitation is one single-use invite, written two ways: the long code works from anywhere the
// members' addresses or mDNS reach; the short code, for a person to read aloud or type, needs the
// office on the LAN or a member named with --join.
type Invitation struct {
	Code      string
	ShortCode string
}

// Invite records a new single-use join code in the office's state and returns it.
func (n *Node) Invite(ctx context.Context) (*Invitation, error) {
	if n.id == nil {
		return nil, openim.ErrArgs.With("this node runs without --cluster-addr: it has no office network to invite to")
	}
	off, err := im.LoadOffice(ctx, n.cfg.DB.Reader())
	if err != nil {
		return nil, err
	}
	if off == nil {
		return nil, openim.ErrInternal.With("the office is not created yet")
	}
	code := &joinCode{OfficeID: off.OfficeID, Pin: caPin(n.id.ca), Secret: make([]byte, secretLen)}
	if _, err := rand.Read(code.Secret); err != nil {
		return nil, err
	}
	key := inviteKey(code.Secret)
	now := time.Now().UnixMilli()
	entry, err := newClusterCommand(kindInvite, now,
		&inviteArgs{Hash: hex.EncodeToString(key[:]), Expires: now + inviteTTL.Milliseconds()})
	if err != nil {
		return nil, err
	}
	res, _, err := n.commit(ctx, entry)
	if errors.Is(err, errNoQuorum) {
		return nil, n.noQuorum("invite", err)
	}
	if err != nil {
		return nil, err
	}
	if res.Err != nil {
		return nil, res.Err
	}
	cfg, err := n.configuration()
	if err != nil {
		return nil, err
	}
	code.Addrs = n.memberAddrs(cfg)
	return &Invitation{Code: code.String(), ShortCode: shortCode(code.Secret)}, nil
}

// memberAddrs lists the members' addresses for a newcomer: the leader first, then voters, then
// the others, at most maxCodeAddrs.
func (n *Node) memberAddrs(cfg raft.Configuration) []string {
	leader, _ := n.raft.LeaderWithID()
	var out []string
	if leader != "" {
		out = append(out, string(leader))
	}
	for _, voters := range []bool{true, false} {
		for _, s := range cfg.Servers {
			if (s.Suffrage == raft.Voter) == voters {
				out = append(out, string(s.Address))
			}
		}
	}
	out = dedupe(out)
	if len(out) > maxCodeAddrs {
		out = out[:maxCodeAddrs]
	}
	return out
}

// recordCA puts the founder's CA into the replicated state and then deletes the local key file.
// It does nothing on other nodes, or once done.
func (n *Node) recordCA(ctx context.Context) error {
	keyPath := filepath.Join(n.cfg.DataDir, clusterDir, caKeyFile)
	keyPEM, err := os.ReadFile(keyPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	caPEM := pemBlock("CERTIFICATE", n.id.ca.Raw)
	cur, ok, err := loadCA(ctx, n.cfg.DB.Reader())
	if err != nil {
		return err
	}
	if !ok {
		entry, err := newClusterCommand(kindInit, time.Now().UnixMilli(), &initArgs{CA: caRecord{Cert: caPEM, Key: keyPEM}})
		if err != nil {
			return err
		}
		res, _, err := n.commit(ctx, entry)
		if err != nil {
			return err
		}
		if res.Err != nil {
			return res.Err
		}
	} else if string(cur.Cert) != string(caPEM) {
		return fmt.Errorf("the office has another CA than this node's")
	}
	return os.Remove(keyPath)
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	out := list[:0:0]
	for _, s := range list {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func without(list, drop []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(drop, s) {
			out = append(out, s)
		}
	}
	return out
}
