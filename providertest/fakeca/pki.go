package fakeca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"
)

// PKI is the fakes' test certificate hierarchy: a self-signed root, an intermediate it
// signed, and one key shared by every leaf (the fakes never hand out private keys, so a
// shared leaf key costs nothing and makes issuing a leaf one signature). ECDSA P-256 for
// speed. It is generated once per process and safe for concurrent use.
type PKI struct {
	Root         *x509.Certificate
	Intermediate *x509.Certificate
	rootPEM      []byte
	interPEM     []byte
	interKey     *ecdsa.PrivateKey
	leafKey      *ecdsa.PrivateKey
}

var (
	pkiOnce sync.Once
	pki     *PKI
)

// TestPKI returns the process's test hierarchy, generating it on first use.
func TestPKI() *PKI {
	pkiOnce.Do(func() {
		p, err := newPKI()
		if err != nil {
			panic("fakeca: generating the test PKI: " + err.Error()) // crypto/rand failed
		}
		pki = p
	})
	return pki
}

// RootPool returns a pool holding only the test root, for x509.Certificate.Verify.
func (p *PKI) RootPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Root)
	return pool
}

// RootPEM returns the root in PEM.
func (p *PKI) RootPEM() []byte { return append([]byte(nil), p.rootPEM...) }

// IntermediatePEM returns the intermediate in PEM.
func (p *PKI) IntermediatePEM() []byte { return append([]byte(nil), p.interPEM...) }

func newPKI() (*PKI, error) {
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	interKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	from := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	until := time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
	rootTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "anyca fake test root", Organization: []string{"anyca tests"}},
		NotBefore: from, NotAfter: until, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	root, rootDER, err := signCA(rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	interTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "anyca fake test intermediate", Organization: []string{"anyca tests"}},
		NotBefore: from, NotAfter: until, IsCA: true, BasicConstraintsValid: true, MaxPathLenZero: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	inter, interDER, err := signCA(interTmpl, root, &interKey.PublicKey, rootKey)
	if err != nil {
		return nil, err
	}
	return &PKI{Root: root, Intermediate: inter, rootPEM: pemOf(rootDER), interPEM: pemOf(interDER),
		interKey: interKey, leafKey: leafKey}, nil
}

// signCA signs tmpl with parent and parentKey over pub and returns the certificate,
// parsed and as DER.
func signCA(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, parentKey *ecdsa.PrivateKey) (*x509.Certificate, []byte, error) {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return cert, der, nil
}

func pemOf(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// LeafSpec says what a leaf holds.
type LeafSpec struct {
	// Serial is the serial number in hex (colons and case ignored); "" derives one from
	// Seed.
	Serial string
	// Seed makes a derived serial unique and stable (an order or certificate id).
	Seed string
	// Names are the DNS names; the first is the subject's common name.
	Names []string
	// NotBefore and NotAfter are the validity; zero values take now and now + 90 days.
	NotBefore, NotAfter time.Time
	// PublicKey is the key certified (an ordered CSR's); nil certifies the PKI's own
	// leaf key.
	PublicKey any
}

// Leaf is an issued leaf certificate.
type Leaf struct {
	Cert   *x509.Certificate
	PEM    []byte // the leaf alone
	Serial string // lower-case hex, no leading zeros beyond one digit pair
	SHA1   string // lower-case hex SHA-1 of the DER: the thumbprint / fingerprint
}

// Issue signs a leaf for spec with the intermediate.
func (p *PKI) Issue(spec LeafSpec) (*Leaf, error) {
	serial := new(big.Int)
	if s := strings.NewReplacer(":", "", " ", "").Replace(spec.Serial); s != "" {
		if _, ok := serial.SetString(s, 16); !ok || serial.Sign() <= 0 || serial.BitLen() > 159 {
			return nil, fmt.Errorf("fakeca: serial %q is not a positive hex number of at most 159 bits", spec.Serial)
		}
	} else {
		sum := sha256.Sum256([]byte("fakeca-serial|" + spec.Seed))
		sum[0] &= 0x7f
		sum[0] |= 0x01
		serial.SetBytes(sum[:16])
	}
	nb, na := spec.NotBefore.UTC(), spec.NotAfter.UTC()
	if nb.IsZero() {
		nb = time.Now().UTC().Truncate(time.Second)
	}
	if na.IsZero() || !na.After(nb) {
		na = nb.Add(90 * 24 * time.Hour)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, NotBefore: nb, NotAfter: na,
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    append([]string(nil), spec.Names...),
	}
	if len(spec.Names) > 0 {
		tmpl.Subject = pkix.Name{CommonName: spec.Names[0]}
	}
	var pub any = &p.leafKey.PublicKey
	if spec.PublicKey != nil {
		pub = spec.PublicKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.Intermediate, pub, p.interKey)
	if err != nil {
		return nil, fmt.Errorf("fakeca: issuing a leaf: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum(der)
	return &Leaf{Cert: cert, PEM: pemOf(der), Serial: hex.EncodeToString(cert.SerialNumber.Bytes()), SHA1: hex.EncodeToString(sum[:])}, nil
}
