package replication

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// Replication keeps a little state of its own in the replicated meta table, written by the
// "cluster.*" commands that its FSM applies itself (node/im knows nothing of certificates):
//
//	cluster.ca              the office CA certificate and key (cluster.init)
//	cluster.invite/<hash>   a join code's secret hash, expiry and who redeemed it
//	cluster.revoked/<node>  a node that left the office: its certificate is refused
const (
	metaCA            = "cluster.ca"
	metaInvitePrefix  = "cluster.invite/"
	metaRevokedPrefix = "cluster.revoked/"
	clusterKindPrefix = "cluster."
)

// Command kinds of the cluster state.
const (
	kindInit   = "cluster.init"
	kindInvite = "cluster.invite"
	kindRedeem = "cluster.redeem"
	kindRevoke = "cluster.revoke"
)

// caRecord is the office CA in replicated state, so any member can sign a newcomer's certificate.
type caRecord struct {
	Cert []byte `json:"cert"` // PEM
	Key  []byte `json:"key"`  // PEM, PKCS#8
}

// inviteRecord is one join code. Only the SHA-256 of its secret is kept.
type inviteRecord struct {
	Created int64  `json:"created"` // ms
	Expires int64  `json:"expires"` // ms
	UsedBy  string `json:"usedBy,omitempty"`
	UsedAt  int64  `json:"usedAt,omitempty"`
}

type initArgs struct {
	CA caRecord `json:"ca"`
}

type inviteArgs struct {
	Hash    string `json:"hash"`
	Expires int64  `json:"expires"`
}

type redeemArgs struct {
	Hash   string `json:"hash"`
	NodeID string `json:"nodeID"`
}

type revokeArgs struct {
	NodeID string `json:"nodeID"`
}

// errJoinCode is the one answer to every bad join code (unknown, used, expired), so a guesser
// learns nothing.
var errJoinCode = openim.ErrNoPermission.With("the join code is not valid (wrong, expired or already used)")

// isClusterKind reports whether the FSM applies kind itself rather than through node/im.
func isClusterKind(kind string) bool { return strings.HasPrefix(kind, clusterKindPrefix) }

// applyCluster applies a cluster.* command. Like node/im, it is deterministic (time from the
// command) and reports rule failures as results.
func applyCluster(ctx context.Context, tx store.Q, cmd *im.Command) *im.Result {
	if cmd.Caller != "" {
		return &im.Result{Err: openim.ErrNoPermission.With("%s is proposed by nodes only", cmd.Kind)}
	}
	var err error
	switch cmd.Kind {
	case kindInit:
		var a initArgs
		if err = decodeArgs(cmd, &a); err == nil {
			err = applyInit(ctx, tx, &a)
		}
	case kindInvite:
		var a inviteArgs
		if err = decodeArgs(cmd, &a); err == nil {
			err = applyInvite(ctx, tx, cmd.Time, &a)
		}
	case kindRedeem:
		var a redeemArgs
		if err = decodeArgs(cmd, &a); err == nil {
			err = applyRedeem(ctx, tx, cmd.Time, &a)
		}
	case kindRevoke:
		var a revokeArgs
		if err = decodeArgs(cmd, &a); err == nil {
			err = putJSON(ctx, tx, metaRevokedPrefix+a.NodeID, map[string]int64{"at": cmd.Time})
		}
	default:
		err = openim.ErrArgs.With("unknown command %q", cmd.Kind)
	}
	if err != nil {
		return &im.Result{Err: im.ApplyError(err)}
	}
	return &im.Result{}
}

func decodeArgs(cmd *im.Command, v any) error {
	if err := json.Unmarshal(cmd.Args, v); err != nil {
		return openim.ErrArgs.With("%s: %v", cmd.Kind, err)
	}
	return nil
}

// applyInit records the office CA once; a second init with the same certificate is a no-op.
func applyInit(ctx context.Context, tx store.Q, a *initArgs) error {
	if len(a.CA.Cert) == 0 || len(a.CA.Key) == 0 {
		return openim.ErrArgs.With("cluster.init needs a CA certificate and key")
	}
	var cur caRecord
	ok, err := getJSON(ctx, tx, metaCA, &cur)
	if err != nil {
		return err
	}
	if ok {
		if string(cur.Cert) == string(a.CA.Cert) {
			return nil
		}
		return openim.ErrArgs.With("the office already has a CA")
	}
	return putJSON(ctx, tx, metaCA, a.CA)
}

func applyInvite(ctx context.Context, tx store.Q, now int64, a *inviteArgs) error {
	if len(a.Hash) != 64 || a.Expires <= now {
		return openim.ErrArgs.With("cluster.invite needs a secret hash and a future expiry")
	}
	key := metaInvitePrefix + a.Hash
	if _, ok, err := store.GetMeta(ctx, tx, key); err != nil || ok {
		if ok {
			return openim.ErrArgs.With("invite exists")
		}
		return err
	}
	return putJSON(ctx, tx, key, inviteRecord{Created: now, Expires: a.Expires})
}

// applyRedeem marks a join code used by nodeID: the log orders concurrent redemptions, so exactly
// one newcomer gets each code.
func applyRedeem(ctx context.Context, tx store.Q, now int64, a *redeemArgs) error {
	if a.NodeID == "" {
		return openim.ErrArgs.With("cluster.redeem needs a node ID")
	}
	key := metaInvitePrefix + a.Hash
	var inv inviteRecord
	ok, err := getJSON(ctx, tx, key, &inv)
	if err != nil {
		return err
	}
	if !ok || inv.UsedBy != "" || now > inv.Expires {
		return errJoinCode
	}
	revoked, err := isRevoked(ctx, tx, a.NodeID)
	if err != nil {
		return err
	}
	if revoked {
		return openim.ErrNoPermission.With("node %s left the office; join with a new data dir", a.NodeID)
	}
	inv.UsedBy, inv.UsedAt = a.NodeID, now
	return putJSON(ctx, tx, key, inv)
}

// loadCA reads the office CA from replicated state; ok is false before cluster.init is applied.
func loadCA(ctx context.Context, q store.Q) (*caRecord, bool, error) {
	var ca caRecord
	ok, err := getJSON(ctx, q, metaCA, &ca)
	return &ca, ok, err
}

// isRevoked reports whether nodeID left the office.
func isRevoked(ctx context.Context, q store.Q, nodeID string) (bool, error) {
	_, ok, err := store.GetMeta(ctx, q, metaRevokedPrefix+nodeID)
	return ok, err
}

func getJSON(ctx context.Context, q store.Q, key string, v any) (bool, error) {
	b, ok, err := store.GetMeta(ctx, q, key)
	if err != nil || !ok {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}

func putJSON(ctx context.Context, q store.Q, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return store.SetMeta(ctx, q, key, b)
}

// newClusterCommand builds a node-proposed cluster command.
func newClusterCommand(kind string, now int64, args any) ([]byte, error) {
	cmd, err := im.NewCommand(kind, im.Caller{}, now, "", args)
	if err != nil {
		return nil, err
	}
	return cmd.Encode()
}

var errNoCA = errors.New("the office CA is not in the replicated state yet")
