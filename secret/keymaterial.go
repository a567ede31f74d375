package secret

import (
	"regexp"
	"strings"
)

// RedactedKey replaces a private key found by ScrubKeyMaterial.
const RedactedKey = "[REDACTED PRIVATE KEY]"

// RedactedDER replaces a base64 DER structure (a key, or a certificate: they cannot be
// told apart without decoding) found by ScrubKeyMaterial.
const RedactedDER = "[REDACTED BASE64 DER]"

var (
	// pemKey is a PEM private key block (PKCS#8, SEC 1, PKCS#1, OpenSSH, encrypted),
	// to its END line or, when the text was cut inside the block, to the end.
	pemKey = regexp.MustCompile(`(?is)-{2,}\s*BEGIN[ A-Z0-9]*PRIVATE KEY\s*-{2,}.*?(?:-{2,}\s*END[ A-Z0-9]*PRIVATE KEY\s*-{2,}|$)`)
	// pemHeader is what remains of a BEGIN line cut short at the end of a text.
	pemHeader = regexp.MustCompile(`(?i)-{2,}\s*BEGIN[ A-Z0-9]*PRIV[A-Z ]*$`)
	// der is base64 of an ASN.1 SEQUENCE ("MI", "MH", "MC", "MD"... all start 0x30), at
	// least 40 characters, standard or URL alphabet, with the lines that follow it
	// (raw or JSON-escaped line breaks) when they are base64 too: a key or certificate
	// whose PEM armor is missing or was cut away. Group 1 keeps the character before it.
	der = regexp.MustCompile(`(^|[^A-Za-z0-9+/_-])M[A-Za-z0-9+/_-]{39,}={0,2}(?:(?:\s|\\[rn])+[A-Za-z0-9+/_-]{16,}={0,2})*`)
	// jwk is a JSON Web Key's private member (EC/RSA/OKP "d", RSA's primes and CRT
	// values, a symmetric "k") holding a base64url value. Group 1 keeps the name.
	jwk = regexp.MustCompile(`("(?:d|p|q|dp|dq|qi|k)"\s*:\s*")[A-Za-z0-9_=-]{16,}`)
)

// ScrubKeyMaterial returns s with key material replaced: PEM private key blocks
// (whole, or from the BEGIN line to the end of s when s was cut inside one), base64
// DER structures of 40 characters or more with or without their armor, and the
// private members of a JSON Web Key. What is left is safe to show in an error, a log
// line or a terminal. It is applied, with the API key's redaction, to every message
// the retry client builds, before the message is cut.
func ScrubKeyMaterial(s string) string {
	if strings.Contains(s, "-") {
		s = pemKey.ReplaceAllString(s, RedactedKey)
		s = pemHeader.ReplaceAllString(s, RedactedKey)
	}
	if strings.Contains(s, "M") {
		s = der.ReplaceAllString(s, "${1}"+RedactedDER)
	}
	if strings.Contains(s, `":`) || strings.Contains(s, `" :`) {
		s = jwk.ReplaceAllString(s, "${1}"+Redacted)
	}
	return s
}
