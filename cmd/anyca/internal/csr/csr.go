// Package csr makes the certificate signing requests the CLI sends when it orders: the
// order command's and the demo's.
package csr

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
)

// PEM returns the PEM CSR for names signed by key: the first name the common name,
// every name a DNS name.
func PEM(key crypto.Signer, names []string) ([]byte, error) {
	tmpl := &x509.CertificateRequest{DNSNames: names}
	if len(names) > 0 {
		tmpl.Subject = pkix.Name{CommonName: names[0]}
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}
