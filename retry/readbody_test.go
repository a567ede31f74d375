package retry

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadBodyWhateverTheContentLength: the announced length only sizes the first
// buffer; the body read, the cap (readBody's and ReadCapped's) and the error-body limit
// do not depend on it.
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
		got, err = ReadCapped(iotest.HalfReader(strings.NewReader(body)), 60, length)
		if err != nil || string(got) != body {
			t.Errorf("length %d: ReadCapped at the body's size got %d bytes, %v", length, len(got), err)
		}
		if _, err = ReadCapped(strings.NewReader(body), 59, length); !errors.Is(err, ErrBodyTooLarge) {
			t.Errorf("length %d: ReadCapped one byte past the cap gave %v", length, err)
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

// TestReadUnsized: a body of unknown length reads whole at every size around the scratch
// buffer's, whatever the reads return at a time; a failed read keeps what came before it;
// and no result shares memory with the pooled buffer or with another result.
func TestReadUnsized(t *testing.T) {
	for _, n := range []int{0, 1, scratchBytes - 1, scratchBytes, scratchBytes + 1, 3*scratchBytes + 7} {
		body := bytes.Repeat([]byte("0123456789abcdef"), n/16+1)[:n]
		for name, r := range map[string]func() io.Reader{
			"whole":    func() io.Reader { return bytes.NewReader(body) },
			"one-byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(body)) },
			"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(body)) },
			"data-eof": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(body)) },
		} {
			got, err := readUnsized(r())
			if err != nil || !bytes.Equal(got, body) || got == nil {
				t.Errorf("%d bytes, %s reads: got %d bytes, nil %v, %v", n, name, len(got), got == nil, err)
			}
		}
	}
	boom := errors.New("reset")
	got, err := readUnsized(io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) || string(got) != "partial" {
		t.Errorf("a failed read gave %q, %v; want the bytes before it and the error", got, err)
	}
	first, _ := readUnsized(strings.NewReader("first body"))
	second, _ := readUnsized(strings.NewReader("SECOND BODY"))
	if string(first) != "first body" || string(second) != "SECOND BODY" {
		t.Errorf("results share the scratch buffer: %q, %q", first, second)
	}
}
