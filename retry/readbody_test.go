package retry

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadBodyWhateverTheContentLength: the announced length only sizes the first
// buffer; the body read, the cap and the error-body limit do not depend on it.
func TestReadBodyWhateverTheContentLength(t *testing.T) {
	c := &Client{maxBody: 100}
	body := strings.Repeat("x", 60)
	for _, length := range []int64{-1, 0, 1, 59, 60, 61, 100, 1 << 40} {
		got, err := c.readBody(iotest.OneByteReader(strings.NewReader(body)), 200, length)
		if err != nil || string(got) != body {
			t.Errorf("length %d: got %d bytes, %v", length, len(got), err)
		}
		_, err = c.readBody(strings.NewReader(strings.Repeat("y", 101)), 200, length)
		if !errors.Is(err, ErrBodyTooLarge) {
			t.Errorf("length %d: a body over the cap gave %v", length, err)
		}
		got, err = c.readBody(strings.NewReader(body+body), 500, length)
		if err != nil || !bytes.Equal(got, []byte(body + body)[:100]) {
			t.Errorf("length %d: error body %d bytes, %v", length, len(got), err)
		}
	}
	boom := errors.New("reset")
	if _, err := c.readBody(iotest.ErrReader(boom), 200, 10); !errors.Is(err, boom) {
		t.Errorf("a failed read gave %v", err)
	}
}
