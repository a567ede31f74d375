package secret

import "fmt"

// Write prints s, a description already free of secrets, for a Format method: %q quotes
// it, every other verb and flag writes it as is. A type whose Format calls Write prints
// the same safe text under %v %+v %#v %s %x %X %d and the rest.
func Write(f fmt.State, verb rune, s string) {
	if verb == 'q' {
		_, _ = fmt.Fprintf(f, "%q", s)
		return
	}
	_, _ = f.Write([]byte(s))
}

// Mask returns Redacted for a non-empty key and "" for an empty one: what a config
// shows in place of its key.
func Mask(key string) string { return New(key).String() }
