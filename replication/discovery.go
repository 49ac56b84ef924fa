package replication

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/mdns"

	"lanim/node/im"
)

// Discovery finds the members of an office on the LAN, so a node whose peers all changed address
// (DHCP) or a newcomer whose join code lists stale addresses can still reach one. Only the office
// ID and the node ID are announced, never a secret: what a member is allowed to do is proven by
// its certificate, and a newcomer by its join code.

// Discoverer announces this node and looks up members of an office.
type Discoverer interface {
	// Announce advertises this node until the returned stop is called.
	Announce(a Announcement) (stop func(), err error)
	// Lookup returns the cluster addresses of the office's members that answer within ctx.
	Lookup(ctx context.Context, officeID string) ([]string, error)
}

// Announcement is what a member tells the LAN.
type Announcement struct {
	OfficeID string
	NodeID   string
	Addr     string // HOST:PORT of the cluster port
}

// mdnsService is the DNS-SD service type of LanIM's cluster port.
const mdnsService = "_lanim._tcp"

// MDNS is the Discoverer on multicast DNS (hashicorp/mdns). It joins the multicast group on the
// default interface, so tests never run it in the host's network namespace.
type MDNS struct {
	// Wait is how long a lookup listens for answers (default 2 s).
	Wait time.Duration
}

// Announce implements Discoverer.
func (m *MDNS) Announce(a Announcement) (func(), error) {
	host, portStr, err := net.SplitHostPort(a.Addr)
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, err
	}
	var ips []net.IP
	if ip := net.ParseIP(host); ip != nil && !ip.IsUnspecified() {
		ips = []net.IP{ip}
	}
	svc, err := mdns.NewMDNSService(a.NodeID, mdnsService, "", "", port, ips,
		[]string{"office=" + a.OfficeID, "node=" + a.NodeID})
	if err != nil {
		return nil, fmt.Errorf("mdns service: %w", err)
	}
	srv, err := mdns.NewServer(&mdns.Config{Zone: svc, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		return nil, fmt.Errorf("mdns server: %w", err)
	}
	return func() { srv.Shutdown() }, nil
}

// Lookup implements Discoverer.
func (m *MDNS) Lookup(ctx context.Context, officeID string) ([]string, error) {
	wait := m.Wait
	if wait <= 0 {
		wait = 2 * time.Second
	}
	entries := make(chan *mdns.ServiceEntry, 32)
	params := mdns.DefaultParams(mdnsService)
	params.Entries = entries
	params.Timeout = wait
	params.DisableIPv6 = true
	params.Logger = log.New(io.Discard, "", 0)
	done := make(chan error, 1)
	go func() {
		done <- mdns.QueryContext(ctx, params)
		close(entries)
	}()
	var out []string
	for e := range entries {
		if !hasTXT(e.InfoFields, "office="+officeID) || e.AddrV4 == nil {
			continue
		}
		out = append(out, net.JoinHostPort(e.AddrV4.String(), strconv.Itoa(e.Port)))
	}
	return dedupe(out), <-done
}

func hasTXT(fields []string, want string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) == want {
			return true
		}
	}
	return false
}

// announce advertises this node once the office ID is known, until the node stops.
func (n *Node) announce() {
	var officeID string
	for officeID == "" {
		off, err := im.LoadOffice(n.ctx, n.cfg.DB.Reader())
		if err == nil && off != nil {
			officeID = off.OfficeID
			break
		}
		if sleepCtx(n.ctx, time.Second) != nil {
			return
		}
	}
	stop, err := n.cfg.Cluster.Discovery.Announce(Announcement{OfficeID: officeID, NodeID: string(n.selfID),
		Addr: string(n.self)})
	if err != nil {
		n.log.Warn("discovery: cannot announce this node", "err", err)
		return
	}
	<-n.ctx.Done()
	stop()
}
