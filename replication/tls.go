package replication

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// certLifetime is the validity of the office CA and of node certificates. Certificates are not
// rotated: a node's identity lasts as long as its install (see DESIGN.md, threat model).
const certLifetime = 20 * 365 * 24 * time.Hour

// identity is this node's TLS material: the office CA certificate and this node's key and
// certificate signed by it. The certificate's common name is the node ID.
type identity struct {
	nodeID string
	ca     *x509.Certificate
	pool   *x509.CertPool
	cert   tls.Certificate // leaf then CA, so a peer can verify the chain and a joiner can pin the CA
}

// Files of the identity in DIR/cluster.
const (
	caFile       = "ca.pem"
	caKeyFile    = "ca-key.pem" // only on the creating node, until the key is in replicated state
	certFile     = "node.pem"
	keyFile      = "node-key.pem"
	clusterDir   = "cluster"
	caCommonName = "LanIM office CA"
)

// newCA makes an office CA: an ECDSA P-256 key and a self-signed certificate.
func newCA() (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("ca key: %w", err)
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: caCommonName},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("ca certificate: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pemBlock("CERTIFICATE", der), pemBlock("PRIVATE KEY", keyDER), nil
}

// newNodeKey makes a node key and a certificate request for nodeID, proving possession of the key.
func newNodeKey(nodeID string) (keyPEM, csrDER []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("node key: %w", err)
	}
	csrDER, err = x509.CreateCertificateRequest(rand.Reader,
		&x509.CertificateRequest{Subject: pkix.Name{CommonName: nodeID}}, key)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate request: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pemBlock("PRIVATE KEY", keyDER), csrDER, nil
}

// signNode issues a node certificate for nodeID with the public key of csrDER, signed by the CA.
// The request's own name is ignored: the caller decides the node ID.
func signNode(caCertPEM, caKeyPEM []byte, nodeID string, csrDER []byte) ([]byte, error) {
	csr, err := x509.ParseCertificateRequest(csrDER)
	if err != nil {
		return nil, fmt.Errorf("certificate request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("certificate request signature: %w", err)
	}
	return issue(caCertPEM, caKeyPEM, nodeID, csr.PublicKey)
}

func issue(caCertPEM, caKeyPEM []byte, nodeID string, pub crypto.PublicKey) ([]byte, error) {
	ca, err := parseCert(caCertPEM)
	if err != nil {
		return nil, err
	}
	caKey, err := parseKey(caKeyPEM)
	if err != nil {
		return nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: nodeID},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(certLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, pub, caKey)
	if err != nil {
		return nil, fmt.Errorf("node certificate: %w", err)
	}
	return pemBlock("CERTIFICATE", der), nil
}

// loadIdentity reads DIR/cluster; ok is false when this node has no certificate yet.
func loadIdentity(dir, nodeID string) (id *identity, ok bool, err error) {
	d := filepath.Join(dir, clusterDir)
	certPEM, err := os.ReadFile(filepath.Join(d, certFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	keyPEM, err := os.ReadFile(filepath.Join(d, keyFile))
	if err != nil {
		return nil, false, err
	}
	caPEM, err := os.ReadFile(filepath.Join(d, caFile))
	if err != nil {
		return nil, false, err
	}
	id, err = newIdentity(nodeID, caPEM, certPEM, keyPEM)
	return id, err == nil, err
}

// saveIdentity writes the CA certificate and this node's certificate and key (mode 0600).
func saveIdentity(dir string, caPEM, certPEM, keyPEM []byte) error {
	d := filepath.Join(dir, clusterDir)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return err
	}
	// The certificate goes last: its presence is what marks the identity complete.
	for _, f := range []struct {
		name string
		b    []byte
	}{{caFile, caPEM}, {keyFile, keyPEM}, {certFile, certPEM}} {
		if err := writeFileSync(filepath.Join(d, f.name), f.b); err != nil {
			return fmt.Errorf("save %s: %w", f.name, err)
		}
	}
	return nil
}

// writeFileSync writes a file atomically (temp file, fsync, rename) with mode 0600.
func writeFileSync(path string, b []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func newIdentity(nodeID string, caPEM, certPEM, keyPEM []byte) (*identity, error) {
	ca, err := parseCert(caPEM)
	if err != nil {
		return nil, err
	}
	leaf, err := parseCert(certPEM)
	if err != nil {
		return nil, err
	}
	if leaf.Subject.CommonName != nodeID {
		return nil, fmt.Errorf("node certificate is for %q, this node is %q", leaf.Subject.CommonName, nodeID)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return nil, fmt.Errorf("node certificate: %w", err)
	}
	return &identity{nodeID: nodeID, ca: ca, pool: pool,
		cert: tls.Certificate{Certificate: [][]byte{leaf.Raw, ca.Raw}, PrivateKey: key, Leaf: leaf}}, nil
}

// caPin is what a join code carries to authenticate the office: the SHA-256 of the CA certificate.
func caPin(ca *x509.Certificate) [32]byte { return sha256.Sum256(ca.Raw) }

// serverConfig is the TLS of raft and node-service streams: both sides show a certificate of the
// office CA. allowed vets the peer's node ID (a node that left the office is refused).
func (id *identity) serverConfig(allowed func(nodeID string) error) *tls.Config {
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{id.cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    id.pool,
		VerifyConnection: func(cs tls.ConnectionState) error {
			return vetPeer(cs, allowed)
		},
	}
}

// joinServerConfig is the TLS of join streams: the newcomer has no certificate yet; it checks ours
// against the CA pin of its join code and then proves itself with the code's secret.
func (id *identity) joinServerConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{id.cert}}
}

// clientConfig dials a member: the server must show a certificate of the office CA. Host names
// are not checked (addresses change with DHCP); the CA is the authority.
func (id *identity) clientConfig() *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		Certificates:       []tls.Certificate{id.cert},
		InsecureSkipVerify: true, // replaced by VerifyConnection: chain to the office CA, no host name
		VerifyConnection: func(cs tls.ConnectionState) error {
			return verifyChain(cs, id.pool)
		},
	}
}

// pinnedClientConfig dials a member during a join: the chain must end in a CA certificate whose
// SHA-256 is pin.
func pinnedClientConfig(pin [32]byte) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS13,
		InsecureSkipVerify: true, // replaced by VerifyConnection: chain to the pinned CA
		VerifyConnection: func(cs tls.ConnectionState) error {
			for _, c := range cs.PeerCertificates {
				if c.IsCA && caPin(c) == pin {
					pool := x509.NewCertPool()
					pool.AddCert(c)
					return verifyChain(cs, pool)
				}
			}
			return errOtherOffice
		},
	}
}

// errOtherOffice: a member answered with the certificate of another office than the join code's.
var errOtherOffice = errors.New("the office's certificate does not match the join code")

// anyOfficeClientConfig dials a member of any office, trusting nothing it says: only to name the
// office of a member that turned out not to be the join code's.
func anyOfficeClientConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS13, InsecureSkipVerify: true}
}

func verifyChain(cs tls.ConnectionState, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("peer sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		return fmt.Errorf("peer certificate: %w", err)
	}
	return nil
}

func vetPeer(cs tls.ConnectionState, allowed func(string) error) error {
	id := peerNodeID(cs)
	if id == "" {
		return errors.New("peer certificate names no node")
	}
	if allowed != nil {
		return allowed(id)
	}
	return nil
}

// peerNodeID is the node ID in the verified peer certificate ("" when there is none).
func peerNodeID(cs tls.ConnectionState) string {
	if len(cs.PeerCertificates) == 0 {
		return ""
	}
	return cs.PeerCertificates[0].Subject.CommonName
}

func parseCert(b []byte) (*x509.Certificate, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return x509.ParseCertificate(blk.Bytes)
}

func parseKey(b []byte) (crypto.Signer, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("private key cannot sign")
	}
	return s, nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func randomSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}
