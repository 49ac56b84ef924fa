package api

import (
	"context"
	"net"

	"lanim/node/client"
	"lanim/node/im"
	"lanim/node/openim"
	"lanim/node/store"
)

// Cluster is the office network as the API sees it (replication, adapted in app); its answers are
// node/client's wire types.
type Cluster interface {
	Status(ctx context.Context) (*client.ClusterStatus, error)
	// Invite records a single-use join code and returns it.
	// Invite returns one single-use invite as a long join code and as a short one.
	Invite(ctx context.Context) (code, short string, err error)
	// Leave takes this node out of its office for good; the process stops afterwards.
	Leave(ctx context.Context) error
	// Discover lists the other offices announcing themselves on the LAN.
	Discover(ctx context.Context) (*client.Discovery, error)
}

// MaxOnlineListed bounds the online users /cluster/status lists.
const MaxOnlineListed = 1000

func (s *Server) clusterRoutes() {
	s.add("/cluster/status", s.clusterStatus)
	s.add("/cluster/invite", s.clusterInvite)
	s.add("/cluster/leave", s.clusterLeave)
	s.add("/cluster/set_office_name", proposeJSON[im.RenameOffice]("office.rename"))
	s.add("/cluster/set_office_admin", proposeJSON[im.SetOfficeAdmin]("office.setAdmin"))
	s.add("/cluster/set_require_friendship", proposeJSON[im.SetChatRule]("office.chatRule"))
	s.addLocal("/cluster/discover", s.clusterDiscover)
}

func (s *Server) cluster() (Cluster, error) {
	if s.cfg.Cluster == nil {
		return nil, openim.ErrArgs.With("this node has no cluster")
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
	off, err := im.LoadOffice(c.ctx, c.q())
	if err != nil {
		return nil, err
	}
	st.RequireFriendship = off != nil && off.RequireFriendship
	if st.OfficeAdmins == nil {
		st.OfficeAdmins = []string{}
	}
	st.OnlineUserIDs = []string{}
	s.nameComputers(st)
	if s.cfg.Presence != nil {
		for _, id := range s.cfg.Presence.OnlineUsers(MaxOnlineListed + 1) {
			if !openim.IsAdmin(id) && len(st.OnlineUserIDs) < MaxOnlineListed {
				st.OnlineUserIDs = append(st.OnlineUserIDs, id)
			}
		}
	}
	return st, nil
}

// nameComputers gives each member the host name it reported and the people signed in on it
// (at most MaxOnlineListed), so the office panel names computers as the office knows them.
func (s *Server) nameComputers(st *client.ClusterStatus) {
	if s.cfg.Presence == nil {
		return
	}
	for i := range st.Members {
		m := &st.Members[i]
		origin := m.NodeID
		if origin == st.NodeID {
			origin = ""
		}
		host, users := s.cfg.Presence.Computer(origin)
		m.Name = host
		m.UserIDs = []string{}
		for _, id := range users {
			if !openim.IsAdmin(id) && len(m.UserIDs) < MaxOnlineListed {
				m.UserIDs = append(m.UserIDs, id)
			}
		}
	}
}

// officeCluster is the cluster for a caller who may run the office (imAdmin or an office admin);
// what says what they ask to do.
func (s *Server) officeCluster(c *call, what string) (Cluster, error) {
	if err := im.RequireOfficeAdmin(c.ctx, c.q(), c.caller.UserID, what); err != nil {
		return nil, err
	}
	return s.cluster()
}

func (s *Server) clusterInvite(c *call, _ []byte) (any, error) {
	cl, err := s.officeCluster(c, "invite a computer")
	if err != nil {
		return nil, err
	}
	code, short, err := cl.Invite(c.ctx)
	if err != nil {
		return nil, err
	}
	return &client.Invite{JoinCode: code, ShortCode: short}, nil
}

// clusterLeave takes the node that serves the call out of the office: an office admin makes
// their own computer leave (the API listens on the computer's loopback address); no call removes
// another computer.
func (s *Server) clusterLeave(c *call, _ []byte) (any, error) {
	cl, err := s.officeCluster(c, "make this computer leave the office")
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
