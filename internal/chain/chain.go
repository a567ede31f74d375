// Package chain is the one place adapters turn a CA's certificate download into a
// model.Bundle: PEM parsing and normalization (at most MaxCertificates), the check that
// each certificate is signed by the next, and the check that the downloaded leaf is the
// certificate the lookup described (serial, SHA-1 fingerprint, validity dates, names),
// so that a wrong file is an error and never handed out.
package chain

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// ErrNotPEM: a part of the download is not a sequence of PEM CERTIFICATE blocks.
var ErrNotPEM = errors.New("the download is not PEM certificates")

// ErrLeafMismatch: the downloaded leaf is not the certificate the lookup described.
var ErrLeafMismatch = errors.New("the downloaded leaf does not match the certificate")

// MismatchCode is the model.Error Code of a leaf that does not match its lookup.
const MismatchCode = "leaf_mismatch"

// ErrBrokenChain: a certificate of the download is not signed by the one after it.
var ErrBrokenChain = errors.New("the downloaded chain is broken")

// BrokenCode is the model.Error Code of a chain whose links do not verify.
const BrokenCode = "chain_broken"

// MaxCertificates is the most certificates a download may hold, the leaf included: real
// chains have two to four.
const MaxCertificates = 10

// DateSlack is how far the leaf's validity dates may be from the lookup's: CAs report
// them rounded (DigiCert sends dates without a time, in its own zone).
const DateSlack = 48 * time.Hour

// Parse reads parts (the leaf first, then the chain; a CA may send them in one text or
// several) as PEM CERTIFICATE blocks and returns the bundle: the first certificate is
// the leaf, the rest are Intermediates in the CA's order, and PEM holds every block
// re-encoded with "\n" line ends. Text between blocks other than whitespace, a block of
// another type, a certificate that does not parse, or no certificate at all is an error
// wrapping ErrNotPEM.
func Parse(parts ...[]byte) (*model.Bundle, error) {
	var certs []*x509.Certificate
	var out bytes.Buffer
	size := 0
	for _, part := range parts {
		size += len(part)
	}
	out.Grow(size) // the blocks re-encoded take about the room they came in
	for i, part := range parts {
		if bytes.Contains(part, []byte("\r\n")) {
			part = bytes.ReplaceAll(part, []byte("\r\n"), []byte("\n"))
		}
		rest := bytes.TrimSpace(part)
		for len(rest) > 0 {
			block, next := pem.Decode(rest)
			if block == nil {
				return nil, fmt.Errorf("%w: part %d has text that is not a PEM block", ErrNotPEM, i+1)
			}
			if !bytes.HasPrefix(rest, []byte("-----BEGIN")) {
				return nil, fmt.Errorf("%w: part %d has text before a PEM block", ErrNotPEM, i+1)
			}
			if block.Type != "CERTIFICATE" {
				return nil, fmt.Errorf("%w: part %d has a %s block", ErrNotPEM, i+1, wire.QuoteWhole(block.Type))
			}
			if len(certs) == MaxCertificates {
				return nil, fmt.Errorf("%w: more than %d certificates", ErrNotPEM, MaxCertificates)
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%w: certificate %d: %v", ErrNotPEM, len(certs)+1, err)
			}
			certs = append(certs, c)
			_ = pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes})
			rest = bytes.TrimSpace(next)
		}
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: no certificate in the download", ErrNotPEM)
	}
	return &model.Bundle{Leaf: certs[0], Intermediates: certs[1:], PEM: out.Bytes()}, nil
}

// Links checks that each certificate of b is signed by the one after it (the leaf by
// the first intermediate, and so on); a link that does not verify is an error wrapping
// ErrBrokenChain naming it. Trust in the last one is the caller's to decide.
func Links(b *model.Bundle) error {
	chain := append([]*x509.Certificate{b.Leaf}, b.Intermediates...)
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			return fmt.Errorf("%w: certificate %d is not signed by certificate %d: %v", ErrBrokenChain, i+1, i+2, err)
		}
	}
	return nil
}

// Match checks that b's leaf is the certificate want describes: the same serial number
// (compared as numbers, so leading zeros and case do not matter) when want has one, the
// same SHA-1 fingerprint of the DER when want has one, validity dates within DateSlack
// of want's when want has them, and every name of want among the leaf's DNS names. A
// difference is an error wrapping ErrLeafMismatch saying which.
func Match(b *model.Bundle, want *model.Certificate) error {
	leaf := b.Leaf
	if s := model.NormalizeHex(want.SerialNumber); s != "" {
		n, ok := new(big.Int).SetString(s, 16)
		if !ok || n.Cmp(leaf.SerialNumber) != 0 {
			return fmt.Errorf("%w: serial %s, the certificate's is %s", ErrLeafMismatch,
				hex.EncodeToString(leaf.SerialNumber.Bytes()), wire.QuoteWhole(s))
		}
	}
	if f := model.NormalizeHex(want.FingerprintSHA1); f != "" {
		sum := sha1.Sum(leaf.Raw)
		if got := hex.EncodeToString(sum[:]); got != f {
			return fmt.Errorf("%w: SHA-1 fingerprint %s, the certificate's is %s", ErrLeafMismatch, got, wire.QuoteWhole(f))
		}
	}
	for _, d := range []struct {
		name      string
		got, want time.Time
	}{{"not after", leaf.NotAfter, want.NotAfter}, {"not before", leaf.NotBefore, want.NotBefore}} {
		if !d.want.IsZero() && (d.got.Sub(d.want) > DateSlack || d.want.Sub(d.got) > DateSlack) {
			return fmt.Errorf("%w: the leaf is valid %s %s, the certificate %s", ErrLeafMismatch, d.name,
				d.got.UTC().Format(time.RFC3339), d.want.UTC().Format(time.RFC3339))
		}
	}
	have := map[string]bool{}
	for _, n := range leaf.DNSNames {
		have[strings.ToLower(strings.TrimSuffix(n, "."))] = true
	}
	for _, n := range want.DNSNames {
		if !have[n] {
			return fmt.Errorf("%w: the leaf does not name %s", ErrLeafMismatch, wire.QuoteWhole(n))
		}
	}
	return nil
}

// Check checks b's links (Links) and matches its leaf against want (Match). For the
// first that fails it returns the Code of the adapter's error (BrokenCode or
// MismatchCode), the sentinel its Err wraps (ErrBrokenChain or ErrLeafMismatch) and the
// detail; all nil ("") when b passes. Every adapter's download goes through it, through
// Bundle or on its own (ACME reads its chain with its own client).
func Check(b *model.Bundle, want *model.Certificate) (code string, sentinel, detail error) {
	if err := Links(b); err != nil {
		return BrokenCode, ErrBrokenChain, err
	}
	if err := Match(b, want); err != nil {
		return MismatchCode, ErrLeafMismatch, err
	}
	return "", nil, nil
}

// Bundle parses parts, checks the chain's links and matches the leaf against want,
// returning the errors an adapter returns: a download that does not parse or holds more
// than MaxCertificates is the client's malformed-response error (model.ErrUnavailable,
// quoting a redacted snippet of resp's body), a broken link is model.ErrUnavailable with
// Code BrokenCode, a leaf that does not match is model.ErrUnavailable with Code
// MismatchCode.
func Bundle(hc *retry.Client, op string, resp *retry.Response, want *model.Certificate, parts ...[]byte) (*model.Bundle, error) {
	b, err := Parse(parts...)
	if err != nil {
		return nil, hc.MalformedError(op, resp, err)
	}
	if code, sentinel, err := Check(b, want); err != nil {
		e := hc.Error(op, model.ErrUnavailable, "%v", err)
		e.Code, e.Err = code, sentinel
		if resp != nil {
			e.HTTPStatus = resp.StatusCode
		}
		return nil, e
	}
	return b, nil
}
