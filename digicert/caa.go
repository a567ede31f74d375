package digicert

import "slices"

// caaIdentities are the issuer domain names DigiCert checks CAA issue properties for:
// digicert.com, and the names of the brands it issues under.
var caaIdentities = []string{"digicert.com", "www.digicert.com", "geotrust.com", "rapidssl.com", "thawte.com", "symantec.com"}

// CAAIdentities returns the issuer domain names a CAA issue (or issuewild) property may
// name to allow DigiCert: "digicert.com" first, then its brands' names. Any one of them
// allows issuance. The slice is the caller's to modify.
func (c *Client) CAAIdentities() []string { return slices.Clone(caaIdentities) }
