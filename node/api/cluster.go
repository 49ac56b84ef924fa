package api

import (
	"context"

	"lanim/node/im"
)

// Cluster is the office network as the API sees it (replication, adapted in app).
type Cluster interface {
	Status(ctx context.Context) (*ClusterStatus, error)
	// Invite records a single-use join code and returns it.
	Invite(ctx context.Context) (string, error)
	// Leave takes this node out of its office for good; the process stops afterwards.
	Leave(ctx context.Context) error
}

// ClusterStatus is POST /cluster/status's data: this node's view of its office.
type ClusterStatus struct {
	OfficeID     string          `json:"officeID"`
	NodeID       string          `json:"nodeID"`
	LeaderID     string          `json:"leaderID"`
	AppliedIndex uint64          `json:"appliedIndex"`
	StateDigest  string          `json:"stateDigest"`
	Members      []ClusterMember `json:"members"`
}

// ClusterMember is one node of the office.
type ClusterMember struct {
	NodeID   string `json:"nodeID"`
	Address  string `json:"address"`
	Suffrage string `json:"suffrage"` // "voter" or "nonvoter"
	Healthy  bool   `json:"healthy"`
}

type inviteResp struct {
	JoinCode string `json:"joinCode"`
}

func (s *Server) clusterRoutes() {
	s.add("/cluster/status", s.clusterStatus)
	s.add("/cluster/invite", s.clusterInvite)
	s.add("/cluster/leave", s.clusterLeave)
}

func (s *Server) cluster() (Cluster, error) {
	if s.cfg.Cluster == nil {
		return nil, im.ErrArgs.With("this node has no cluster")
	}
	return s.cfg.Cluster, nil
}

// clusterStatus is open to every valid token: the office panel of any user shows it.
func (s *Server) clusterStatus(c *call, _ []byte) (any, error) {
	cl, err := s.cluster()
	if err != nil {
		return nil, err
	}
	return cl.Status(c.ctx)
}

func (s *Server) clusterInvite(c *call, _ []byte) (any, error) {
	if !c.caller.Admin() {
		return nil, im.ErrNoPermission.With("only the admin invites nodes")
	}
	cl, err := s.cluster()
	if err != nil {
		return nil, err
	}
	code, err := cl.Invite(c.ctx)
	if err != nil {
		return nil, err
	}
	return &inviteResp{JoinCode: code}, nil
}

func (s *Server) clusterLeave(c *call, _ []byte) (any, error) {
	if !c.caller.Admin() {
		return nil, im.ErrNoPermission.With("only the admin makes a node leave")
	}
	cl, err := s.cluster()
	if err != nil {
		return nil, err
	}
	return nil, cl.Leave(c.ctx)
}
