package replication

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// testOffice is a CA with helpers to issue identities, for tests.
type testOffice struct {
	caPEM, caKeyPEM []byte
}

func newTestOffice(t *testing.T) *testOffice {
	t.Helper()
	c, k, err := newCA()
	if err != nil {
		t.Fatal(err)
	}
	return &testOffice{caPEM: c, caKeyPEM: k}
}

func (o *testOffice) identity(t *testing.T, nodeID string) *identity {
	t.Helper()
	keyPEM, csr, err := newNodeKey(nodeID)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := signNode(o.caPEM, o.caKeyPEM, nodeID, csr)
	if err != nil {
		t.Fatal(err)
	}
	id, err := newIdentity(nodeID, o.caPEM, certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// handshake runs a TLS handshake between the two configs over a pipe and returns the client's
// and the server's errors (the server's first read surfaces a refused client certificate).
func handshake(t *testing.T, client, server *tls.Config) (clientErr, serverErr error) {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	srvErr := make(chan error, 1)
	go func() {
		s := tls.Server(b, server)
		err := s.Handshake()
		if err == nil {
			_, err = s.Write([]byte("x"))
		}
		if err != nil {
			b.Close()
		}
		srvErr <- err
	}()
	c := tls.Client(a, client)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.HandshakeContext(ctx)
	if err == nil {
		var buf [1]byte
		_, err = io.ReadFull(c, buf[:])
	}
	a.Close()
	return err, <-srvErr
}

func TestTLSPinning(t *testing.T) {
	office := newTestOffice(t)
	other := newTestOffice(t)
	srv := office.identity(t, "srv")
	member := office.identity(t, "member")
	stranger := other.identity(t, "stranger")
	pin := caPin(srv.ca)

	cases := []struct {
		name           string
		client, server *tls.Config
		ok             bool
	}{
		{"member to member", member.clientConfig(), srv.serverConfig(nil), true},
		{"stranger's certificate refused", stranger.clientConfig(), srv.serverConfig(nil), false},
		{"member refuses a stranger's server", member.clientConfig(), stranger.serverConfig(nil), false},
		{"no client certificate on a member stream", pinnedClientConfig(pin), srv.serverConfig(nil), false},
		{"revoked node refused", member.clientConfig(), srv.serverConfig(func(id string) error {
			if id == "member" {
				return errors.New("left the office")
			}
			return nil
		}), false},
		{"join with the right pin", pinnedClientConfig(pin), srv.joinServerConfig(), true},
		{"join with a wrong pin", pinnedClientConfig(caPin(stranger.ca)), srv.joinServerConfig(), false},
		{"join to another office", pinnedClientConfig(pin), stranger.joinServerConfig(), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cerr, serr := handshake(t, tc.client, tc.server)
			if tc.ok && (cerr != nil || serr != nil) {
				t.Fatalf("want success, got client %v, server %v", cerr, serr)
			}
			if !tc.ok && cerr == nil && serr == nil {
				t.Fatal("want failure, both sides succeeded")
			}
		})
	}
}

func TestIdentityChecksNodeID(t *testing.T) {
	office := newTestOffice(t)
	keyPEM, csr, err := newNodeKey("a")
	if err != nil {
		t.Fatal(err)
	}
	cert, err := signNode(office.caPEM, office.caKeyPEM, "b", csr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newIdentity("a", office.caPEM, cert, keyPEM); err == nil || !strings.Contains(err.Error(), "is for") {
		t.Fatalf("want a node-ID mismatch error, got %v", err)
	}
	if _, err := signNode(office.caPEM, office.caKeyPEM, "a", []byte("junk")); err == nil {
		t.Fatal("signed a junk request")
	}
}

func TestIdentityFiles(t *testing.T) {
	office := newTestOffice(t)
	dir := t.TempDir()
	if _, ok, err := loadIdentity(dir, "n1"); ok || err != nil {
		t.Fatalf("empty dir: ok=%v err=%v", ok, err)
	}
	keyPEM, csr, _ := newNodeKey("n1")
	cert, _ := signNode(office.caPEM, office.caKeyPEM, "n1", csr)
	if err := saveIdentity(dir, office.caPEM, cert, keyPEM); err != nil {
		t.Fatal(err)
	}
	id, ok, err := loadIdentity(dir, "n1")
	if !ok || err != nil || id.nodeID != "n1" {
		t.Fatalf("load: ok=%v err=%v", ok, err)
	}
}
