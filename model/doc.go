// Package model holds the normalized, vendor-neutral types every anyca adapter returns:
// certificates, domain validations, DCV challenges, queries and errors.
//
// It performs no I/O. Its helpers (domain-name normalization, hex normalization, time
// parsing) are the single place both adapters share those rules, so that a value means the
// same thing whichever certificate authority produced it.
//
// Conventions every adapter upholds:
//   - times are UTC; a zero time.Time means the CA gave none;
//   - domain names are lower-case ASCII (IDNs in punycode) without a trailing dot;
//   - every normalized enum keeps the vendor's own word beside it (VendorStatus, VendorMethod).
package model
