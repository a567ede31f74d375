package fakeca

import (
	"crypto/tls"
	"fmt"
)

// ServerCertificate issues a leaf for spec and returns it with the PKI's leaf key and the
// intermediate, ready for a tls.Config: for a simulator's HTTPS file host, whose clients
// trust RootPool. The key never leaves the process.
func (p *PKI) ServerCertificate(spec LeafSpec) (*tls.Certificate, error) {
	leaf, err := p.Issue(spec)
	if err != nil {
		return nil, err
	}
	if p.leafKey == nil {
		return nil, fmt.Errorf("fakeca: the PKI has no leaf key")
	}
	return &tls.Certificate{Certificate: [][]byte{leaf.Cert.Raw, p.Intermediate.Raw}, PrivateKey: p.leafKey, Leaf: leaf.Cert}, nil
}
