package model

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
)

// MinRSAKeyBits is the smallest RSA key CheckOrder accepts in a CSR (the CA/Browser
// Forum's minimum).
const MinRSAKeyBits = 2048

// CheckedOrder is an OrderRequest that passed CheckOrder: names normalized, CSR parsed.
type CheckedOrder struct {
	// Request is the request with Names normalized and de-duplicated, the common name
	// first, and CSR in DER form.
	Request OrderRequest
	// CSR is the parsed request; its signature has been checked.
	CSR *x509.CertificateRequest
}

// PEM returns the CSR as one "CERTIFICATE REQUEST" PEM block, the form REST CAs take.
func (o CheckedOrder) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: o.Request.CSR})
}

// CheckOrder checks req before any request is sent, as every Orderer must: at least one
// name, each a valid host name; a CSR that parses (PEM or DER), is signed by its own
// key, holds an RSA key of at least MinRSAKeyBits or an ECDSA key on P-256, P-384 or
// P-521, and names exactly the request's names (common name included, compared as
// normalized sets, no IP address, email or URI); a Validity that is not negative. Any
// failure is a *Error of kind ErrInvalidArgument for provider and op "Order", whose
// message says what is wrong and never quotes the CSR.
func CheckOrder(provider string, req OrderRequest) (CheckedOrder, error) {
	bad := func(format string, args ...any) (CheckedOrder, error) {
		return CheckedOrder{}, NewError(provider, "Order", ErrInvalidArgument, format, args...)
	}
	if len(req.Names) == 0 {
		return bad("an order needs at least one name")
	}
	names := make([]string, 0, len(req.Names))
	for _, n := range req.Names {
		norm, err := NormalizeDomain(n)
		if err != nil {
			return bad("%s", trimKind(err))
		}
		if !slices.Contains(names, norm) {
			names = append(names, norm)
		}
	}
	if req.Validity < 0 {
		return bad("validity %s is negative", req.Validity)
	}
	if len(req.CSR) == 0 {
		return bad("an order needs a CSR (PKCS#10, PEM or DER)")
	}
	der := req.CSR
	if block, _ := pem.Decode(req.CSR); block != nil {
		if block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST" {
			return bad("the CSR's first PEM block is not a CERTIFICATE REQUEST")
		}
		der = block.Bytes
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return bad("the CSR does not parse as PKCS#10")
	}
	if err := csr.CheckSignature(); err != nil {
		return bad("the CSR's signature does not verify with its own key")
	}
	if why := weakKey(csr.PublicKey); why != "" {
		return bad("the CSR's key is not accepted: %s", why)
	}
	if len(csr.IPAddresses) > 0 || len(csr.EmailAddresses) > 0 || len(csr.URIs) > 0 {
		return bad("the CSR names IP addresses, email addresses or URIs; an order certifies DNS names only")
	}
	var csrNames []string
	for _, n := range append([]string{csr.Subject.CommonName}, csr.DNSNames...) {
		if n == "" {
			continue
		}
		norm, err := NormalizeDomain(n)
		if err != nil {
			return bad("the CSR names %s", trimKind(err))
		}
		if !slices.Contains(csrNames, norm) {
			csrNames = append(csrNames, norm)
		}
	}
	if missing, extra := setDiff(names, csrNames); len(missing)+len(extra) > 0 {
		return bad("the CSR's names differ from the request's: missing from the CSR %v, not requested %v", missing, extra)
	}
	out := req
	out.Names = names
	out.CSR = der
	return CheckedOrder{Request: out, CSR: csr}, nil
}

// weakKey says why a CSR's public key is refused, or "" when it is accepted.
func weakKey(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < MinRSAKeyBits {
			return fmt.Sprintf("RSA key of %d bits, fewer than %d", k.N.BitLen(), MinRSAKeyBits)
		}
		return ""
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return ""
		}
		return "ECDSA key on a curve other than P-256, P-384 or P-521"
	}
	return fmt.Sprintf("%T keys are not accepted by public CAs (RSA or ECDSA only)", pub)
}

// setDiff returns the items of want missing from got, and those of got not in want.
func setDiff(want, got []string) (missing, extra []string) {
	for _, w := range want {
		if !slices.Contains(got, w) {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			extra = append(extra, g)
		}
	}
	return missing, extra
}

// trimKind removes the leading "invalid argument: " of a NormalizeDomain error, which
// the *Error built from it already says.
func trimKind(err error) string {
	s := err.Error()
	prefix := ErrInvalidArgument.Error() + ": "
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}
