package retry

import (
	"fmt"
	"io"
	"sync"
)

// Reading a body whole: the 2xx body of a call without a DecodeFunc, and the capped start
// of an error body.

// errorBodyBytes caps the part of a non-2xx body that is read for the vendor's error.
const errorBodyBytes = 64 << 10

// sizeHintMax bounds the buffer readBody allocates from a Content-Length before the body
// has arrived, so that a server announcing a large body and sending little costs no more.
const sizeHintMax = 1 << 20

// readBody reads the body of an answer with status. A 2xx body is read up to the cap and a
// longer one is ErrBodyTooLarge, not a truncated read; of any other body only the first
// errorBodyBytes (at most the cap) are kept, enough for the vendor's error. length is the
// announced Content-Length (-1 when unknown), used only to size the first buffer.
func (c *Client) readBody(r io.Reader, status int, length int64) ([]byte, error) {
	if status < 200 || status > 299 {
		n := min(c.maxBody, errorBodyBytes)
		data, err := readAll(io.LimitReader(r, n), min(length, n))
		if err != nil && len(data) == 0 {
			return nil, err
		}
		return data, nil
	}
	return ReadCapped(r, c.maxBody, length)
}

// ReadCapped reads r to its end, or fails with ErrBodyTooLarge past max bytes (never a
// truncated read): what a Client does with a 2xx body, for an adapter whose HTTP goes
// through a library's own client (the acme adapter's transport reads every answer with
// it). length is the announced Content-Length (-1 when unknown): it only sizes the
// first buffer, so a body of the announced length is read into one allocation.
func ReadCapped(r io.Reader, max, length int64) ([]byte, error) {
	data, err := readAll(io.LimitReader(r, max+1), min(length, max))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, max)
	}
	return data, nil
}

// readAll reads r to its end. With a hint (the announced length, within sizeHintMax) it
// allocates room for hint bytes and the read that sees EOF at once; without one it reads
// through a pooled scratch buffer (readUnsized); when the body outgrows the hint it
// leaves the rest to io.ReadAll.
func readAll(r io.Reader, hint int64) ([]byte, error) {
	if hint <= 0 || hint > sizeHintMax {
		return readUnsized(r)
	}
	b := make([]byte, 0, hint+1)
	for {
		if len(b) == cap(b) {
			// Longer than announced: read the rest the ordinary way.
			rest, err := io.ReadAll(r)
			return append(b, rest...), err
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// scratchBytes is the size of readUnsized's pooled buffer: more than a lookup's body, so
// one of unknown length is read in one buffer and copied once.
const scratchBytes = 16 << 10

var scratchPool = sync.Pool{New: func() any { b := make([]byte, scratchBytes); return &b }}

// readUnsized reads r, of unknown length, to its end: into a pooled scratch buffer, then
// copied into a slice of the exact size, so a body of up to scratchBytes costs one
// allocation rather than io.ReadAll's growing chunks (nine for a 5 KB body). The scratch
// buffer never leaves this function. A longer body reads its rest through io.ReadAll.
// Like io.ReadAll, EOF is not an error, and another error comes with what was read.
func readUnsized(r io.Reader) ([]byte, error) {
	bp := scratchPool.Get().(*[]byte)
	defer scratchPool.Put(bp)
	buf := *bp
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return append(make([]byte, 0, n), buf[:n]...), err
		}
	}
	rest, err := io.ReadAll(r)
	out := make([]byte, 0, n+len(rest))
	return append(append(out, buf[:n]...), rest...), err
}
