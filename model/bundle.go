package model

import "crypto/x509"

// Bundle is an issued certificate with its chain, as a Downloader returns it.
type Bundle struct {
	// Leaf is the issued certificate; its serial matches the certificate lookup.
	Leaf *x509.Certificate
	// Intermediates are the chain certificates the CA sent after the leaf, in its order
	// (a root, when the CA includes one, is kept here too).
	Intermediates []*x509.Certificate
	// PEM is the leaf first, then the chain, as the CA sent it, normalized to PEM blocks
	// of type CERTIFICATE separated by single newlines.
	PEM []byte
}
