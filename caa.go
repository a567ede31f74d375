package anyca

// CAAIdentifier is implemented by providers that know which issuer domain names their CA
// looks for in CAA records (RFC 8659). Both built-in adapters implement it.
type CAAIdentifier interface {
	// CAAIdentities returns the issuer domain names, any one of which in a CAA issue
	// property allows the CA to issue, most common first. The slice is the caller's.
	CAAIdentities() []string
}

// CAAIdentities returns p's CAA issuer identities when p is a CAAIdentifier, and nil
// otherwise, so that preflight.Options{CAAIdentities: anyca.CAAIdentities(p)} checks CAA
// exactly when the provider says what to look for.
func CAAIdentities(p Provider) []string {
	if ci, ok := p.(CAAIdentifier); ok {
		return ci.CAAIdentities()
	}
	return nil
}
