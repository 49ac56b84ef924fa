package replication

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/mdns"

	"lanim/node/im"
)

// Discovery finds the members of an office on the LAN, so a node whose peers all changed address
// (DHCP) or a newcomer whose join code lists stale addresses can still reach one, and lists the
// offices on the LAN for a newcomer to pick. Only the office ID, its name and the node ID are
// announced, never a secret: what a member is allowed to do is proven by its certificate, and a
// newcomer by its join code.

// Discoverer announces this node and looks up members of an office.
type Discoverer interface {
	// Announce advertises this node until the returned stop is called.
	Announce(a Announcement) (stop func(), err error)
	// Lookup returns the cluster addresses of the office's members that answer within ctx.
	Lookup(ctx context.Context, officeID string) ([]string, error)
	// Browse returns every office whose members answer within ctx.
	Browse(ctx context.Context) ([]FoundOffice, error)
}

// Announcement is what a member tells the LAN.
type Announcement struct {
	OfficeID   string
	OfficeName string
	NodeID     string
	Addr       string // HOST:PORT of the cluster port
}

// FoundOffice is an office seen on the LAN.
type FoundOffice struct {
	OfficeID   string
	OfficeName string
	// Addrs are the cluster addresses of the members that answered, sorted.
	Addrs []string
}

// mdnsService is the DNS-SD service type of LanIM's cluster port.
const mdnsService = "_lanim._tcp"

// maxTXT is the length limit of one DNS TXT string.
const maxTXT = 255

// MDNS is the Discoverer on multicast DNS (hashicorp/mdns). It joins the multicast group on the
// default interface, so tests never run it in the host's network namespace.
type MDNS struct {
	// Wait is how long a lookup listens for answers (default 2 s).
	Wait time.Duration
}

// txtRecord is an announcement's TXT strings: office=, name= (cut to fit one string), node=.
func txtRecord(a Announcement) []string {
	name := "name=" + a.OfficeName
	for len(name) > maxTXT {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return []string{"office=" + a.OfficeID, name, "node=" + a.NodeID}
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
	svc, err := mdns.NewMDNSService(a.NodeID, mdnsService, "", "", port, ips, txtRecord(a))
	if err != nil {
		return nil, fmt.Errorf("mdns service: %w", err)
	}
	srv, err := mdns.NewServer(&mdns.Config{Zone: svc, Logger: log.New(io.Discard, "", 0)})
	if err != nil {
		return nil, fmt.Errorf("mdns server: %w", err)
	}
	return func() { srv.Shutdown() }, nil
}

// seen is one member's answer.
type seen struct {
	officeID, name, addr string
}

// query collects the answers of LanIM members for m.Wait (or until ctx ends).
func (m *MDNS) query(ctx context.Context) ([]seen, error) {
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
	var out []seen
	for e := range entries {
		officeID, ok := txtValue(e.InfoFields, "office")
		if !ok || officeID == "" || e.AddrV4 == nil {
			continue
		}
		name, _ := txtValue(e.InfoFields, "name")
		out = append(out, seen{officeID: officeID, name: name,
			addr: net.JoinHostPort(e.AddrV4.String(), strconv.Itoa(e.Port))})
	}
	return out, <-done
}

// Lookup implements Discoverer.
func (m *MDNS) Lookup(ctx context.Context, officeID string) ([]string, error) {
	answers, err := m.query(ctx)
	var out []string
	for _, a := range answers {
		if a.officeID == officeID {
			out = append(out, a.addr)
		}
	}
	return dedupe(out), err
}

// Browse implements Discoverer.
func (m *MDNS) Browse(ctx context.Context) ([]FoundOffice, error) {
	answers, err := m.query(ctx)
	return groupOffices(answers), err
}

// groupOffices turns members' answers into offices, sorted by name then ID. Members may disagree
// on the name for a moment after a rename: the name most of them announce wins (ties: the
// smallest, so the answer does not depend on arrival order).
func groupOffices(answers []seen) []FoundOffice {
	byID := map[string]*FoundOffice{}
	names := map[string]map[string]int{}
	for _, a := range answers {
		off := byID[a.officeID]
		if off == nil {
			off = &FoundOffice{OfficeID: a.officeID}
			byID[a.officeID] = off
			names[a.officeID] = map[string]int{}
		}
		off.Addrs = append(off.Addrs, a.addr)
		if a.name != "" {
			names[a.officeID][a.name]++
		}
	}
	out := make([]FoundOffice, 0, len(byID))
	for id, off := range byID {
		best := 0
		for name, n := range names[id] {
			if n > best || n == best && name < off.OfficeName {
				off.OfficeName, best = name, n
			}
		}
		off.Addrs = dedupe(off.Addrs)
		slices.Sort(off.Addrs)
		out = append(out, *off)
	}
	slices.SortFunc(out, func(a, b FoundOffice) int {
		if c := strings.Compare(a.OfficeName, b.OfficeName); c != 0 {
			return c
		}
		return strings.Compare(a.OfficeID, b.OfficeID)
	})
	return out
}

// txtValue finds key=value among TXT strings.
func txtValue(fields []string, key string) (string, bool) {
	for _, f := range fields {
		if v, ok := strings.CutPrefix(strings.TrimSpace(f), key+"="); ok {
			return v, true
		}
	}
	return "", false
}

// announceEvery is how often the announcer checks the office's name: a rename is re-announced.
const announceEvery = 5 * time.Second

// announce advertises this node once the office is known, and again when its name changes, until
// the node stops.
func (n *Node) announce() {
	var (
		cur     Announcement
		stop    func()
		lastErr string
	)
	defer func() {
		if stop != nil {
			stop()
		}
	}()
	for {
		off, err := im.LoadOffice(n.ctx, n.cfg.DB.Reader())
		if err == nil && off != nil {
			a := Announcement{OfficeID: off.OfficeID, OfficeName: off.Name, NodeID: string(n.selfID),
				Addr: string(n.self)}
			if stop == nil || a != cur {
				if stop != nil {
					stop()
					stop = nil
				}
				s, err := n.cfg.Cluster.Discovery.Announce(a)
				switch {
				case err == nil:
					stop, cur, lastErr = s, a, ""
				case err.Error() != lastErr:
					lastErr = err.Error()
					n.log.Warn("discovery: cannot announce this node; retrying", "err", err)
				}
			}
		}
		if sleepCtx(n.ctx, announceEvery) != nil {
			return
		}
	}
}

// browseCache is how long the offices found on the LAN are reused: a query listens for seconds,
// and a join screen asking again at once should not send another.
const browseCache = 3 * time.Second

// browser runs one LAN query at a time for Discover and keeps its answer briefly.
type browser struct {
	mu    sync.Mutex
	at    time.Time
	found []FoundOffice
}

// Discover lists the offices announcing themselves on the LAN, without this node's own. enabled
// is false when this node does not use discovery (--discovery off, standalone, or a loopback
// cluster address): nothing is sent on the network then.
func (n *Node) Discover(ctx context.Context) (found []FoundOffice, enabled bool, err error) {
	if n.cfg.Cluster == nil || n.cfg.Cluster.Discovery == nil {
		return nil, false, nil
	}
	b := &n.browse
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Since(b.at) > browseCache {
		all, err := n.cfg.Cluster.Discovery.Browse(ctx)
		if err != nil && len(all) == 0 {
			return nil, true, fmt.Errorf("discovery: %w", err)
		}
		b.found, b.at = all, time.Now()
	}
	own := ""
	if off, err := im.LoadOffice(ctx, n.cfg.DB.Reader()); err == nil && off != nil {
		own = off.OfficeID
	}
	out := []FoundOffice{}
	for _, f := range b.found {
		if f.OfficeID != own {
			out = append(out, f)
		}
	}
	return out, true, nil
}

// JoinCodeOffice returns the ID of the office a join code admits to, so a newcomer can check the
// code against the office it picked on the LAN.
func JoinCodeOffice(code string) (string, error) {
	c, err := parseJoinCode(code)
	if err != nil {
		return "", err
	}
	return c.OfficeID, nil
}
