package api

import (
	"context"
	"net"

	"lanim/node/im"
	"lanim/node/store"
)

// Cluster is the office network as the API sees it (replication, adapted in app).
type Cluster interface {
	Status(ctx context.Context) (*ClusterStatus, error)
	// Invite records a single-use join code and returns it.
	Invite(ctx context.Context) (string, error)
	// Leave takes this node out of its office for good; the process stops afterwards.
	Leave(ctx context.Context) error
	// Discover lists the other offices announcing themselves on the LAN.
	Discover(ctx context.Context) (*DiscoverResp, error)
}

// ClusterStatus is POST /cluster/status's data: this node's view of its office.
type ClusterStatus struct {
	OfficeID     string          `json:"officeID"`
	OfficeName   string          `json:"officeName"`
	NodeID       string          `json:"nodeID"`
	LeaderID     string          `json:"leaderID"`
	AppliedIndex uint64          `json:"appliedIndex"`
	StateDigest  string          `json:"stateDigest"`
	Members      []ClusterMember `json:"members"`
	// OfficeAdmins are the users who may invite computers, rename the office and grant the role
	// (besides imAdmin), by user ID.
	OfficeAdmins []string `json:"officeAdmins"`
	// OnlineUserIDs are the users connected anywhere in the office (up to MaxOnlineListed).
	OnlineUserIDs []string `json:"onlineUserIDs"`
	// BlobCopies is how many members should keep each file; BlobsUnderReplicated counts the files
	// fewer members keep yet (copies are pushed in the background), BlobsLost those no member of
	// the office keeps any more.
	BlobCopies           int `json:"blobCopies"`
	BlobsUnderReplicated int `json:"blobsUnderReplicated"`
	BlobsLost            int `json:"blobsLost"`
	// OutboxDepth counts the message sends waiting in this node's outbox for the office (answered
	// 1690), OutboxOldestAgeMs how long the oldest has waited (0 when none does).
	OutboxDepth       int   `json:"outboxDepth"`
	OutboxOldestAgeMs int64 `json:"outboxOldestAgeMs"`
}

// MaxOnlineListed bounds the online users /cluster/status lists.
const MaxOnlineListed = 1000

// ClusterMember is one node of the office.
type ClusterMember struct {
	NodeID   string `json:"nodeID"`
	Address  string `json:"address"`
	Suffrage string `json:"suffrage"` // "voter" or "nonvoter"
	Healthy  bool   `json:"healthy"`
}

// DiscoverResp is POST /cluster/discover's data.
type DiscoverResp struct {
	// Enabled is false when this node does not look on the LAN (--discovery off, a standalone
	// node, or a loopback cluster address); Offices is then empty.
	Enabled bool               `json:"enabled"`
	Offices []DiscoveredOffice `json:"offices"`
}

// DiscoveredOffice is an office whose members answered on the LAN.
type DiscoveredOffice struct {
	OfficeID   string   `json:"officeID"`
	OfficeName string   `json:"officeName"`
	Addresses  []string `json:"addresses"` // cluster addresses of the members that answered
}

type inviteResp struct {
	JoinCode string `json:"joinCode"`
}

func (s *Server) clusterRoutes() {
	s.add("/cluster/status", s.clusterStatus)
	s.add("/cluster/invite", s.clusterInvite)
	s.add("/cluster/leave", s.clusterLeave)
	s.add("/cluster/set_office_name", proposeJSON[im.RenameOffice]("office.rename"))
	s.add("/cluster/set_office_admin", proposeJSON[im.SetOfficeAdmin]("office.setAdmin"))
	s.addLocal("/cluster/discover", s.clusterDiscover)
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
	st, err := cl.Status(c.ctx)
	if err != nil {
		return nil, err
	}
	if st.OfficeAdmins, err = store.OfficeAdmins(c.ctx, c.q()); err != nil {
		return nil, err
	}
	if st.OfficeAdmins == nil {
		st.OfficeAdmins = []string{}
	}
	st.OnlineUserIDs = []string{}
	if s.cfg.Presence != nil {
		for _, id := range s.cfg.Presence.OnlineUsers(MaxOnlineListed + 1) {
			if !im.IsAdmin(id) && len(st.OnlineUserIDs) < MaxOnlineListed {
				st.OnlineUserIDs = append(st.OnlineUserIDs, id)
			}
		}
	}
	return st, nil
}

// mayRunOffice refuses a caller who is neither imAdmin nor an office admin.
func (c *call) mayRunOffice(what string) error {
	ok, err := im.MayRunOffice(c.ctx, c.q(), c.caller.UserID)
	if err != nil {
		return err
	}
	if !ok {
		return im.ErrNoPermission.With("only an office admin may %s", what)
	}
	return nil
}

func (s *Server) clusterInvite(c *call, _ []byte) (any, error) {
	if err := c.mayRunOffice("invite a computer"); err != nil {
		return nil, err
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

// clusterLeave takes the node that serves the call out of the office: an office admin makes
// their own computer leave (the API listens on the computer's loopback address); no call removes
// another computer.
func (s *Server) clusterLeave(c *call, _ []byte) (any, error) {
	if err := c.mayRunOffice("make this computer leave the office"); err != nil {
		return nil, err
	}
	cl, err := s.cluster()
	if err != nil {
		return nil, err
	}
	return nil, cl.Leave(c.ctx)
}

// clusterDiscover lists the offices on the LAN. A newcomer asks before it has an account, so a
// caller on this machine (loopback) needs no token; mDNS announcements are public on the LAN
// anyway, and a caller from elsewhere still needs one.
func (s *Server) clusterDiscover(c *call, _ []byte) (any, error) {
	cl, err := s.cluster()
	if err != nil {
		return nil, err
	}
	return cl.Discover(c.ctx)
}

// fromLoopback reports whether a request comes from this machine.
func fromLoopback(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
