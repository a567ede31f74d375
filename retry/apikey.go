package retry

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MinKeyLength is the shortest API key New accepts, in characters. DigiCert and ZeroSSL
// keys are far longer; a shorter value is a truncated copy or a placeholder, and would
// make redaction match inside ordinary words.
const MinKeyLength = 16

// CheckAPIKey returns key with surrounding whitespace removed (a key read from a file
// keeps its newline), or an error saying why the key can never work: it is empty, holds
// a control character, inner whitespace or an invisible formatting character (such as a
// byte order mark), is not UTF-8, or is shorter than MinKeyLength. The error never
// quotes the key, nor any part of it.
func CheckAPIKey(key string) (string, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return "", fmt.Errorf("an API key is required")
	}
	if !utf8.ValidString(key) {
		return "", fmt.Errorf("the API key is not valid UTF-8; check how it was copied")
	}
	n := 0
	for _, r := range key {
		n++
		var what string
		switch {
		case unicode.IsControl(r):
			what = "a control character"
		case unicode.IsSpace(r):
			what = "whitespace"
		case unicode.Is(unicode.Cf, r):
			what = "an invisible formatting character"
		default:
			continue
		}
		return "", fmt.Errorf("the API key has %s at character %d; keys are printable and have no spaces: check how it was copied", what, n)
	}
	if n < MinKeyLength {
		unit := "characters"
		if n == 1 {
			unit = "character"
		}
		return "", fmt.Errorf("the API key is %d %s long; real keys have at least %d: check that it was copied whole", n, unit, MinKeyLength)
	}
	return key, nil
}
