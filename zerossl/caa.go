package zerossl

import "slices"

// caaIdentities are the issuer domain names CAA must allow for ZeroSSL: its certificates
// are issued by Sectigo, which checks for sectigo.com.
var caaIdentities = []string{"sectigo.com"}

// CAAIdentities returns the issuer domain names a CAA issue (or issuewild) property may
// name to allow ZeroSSL: "sectigo.com", the CA that signs its certificates. The slice is
// the caller's to modify.
func (c *Client) CAAIdentities() []string { return slices.Clone(caaIdentities) }
