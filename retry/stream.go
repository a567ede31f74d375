package retry

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// DecodeFunc decodes a 2xx answer from body while the attempt is still inside the retry
// loop (see Request.Decode). resp carries the status, the header and the attempt count;
// its Body is nil, since the body is read from the stream. Do tells the outcomes apart by
// what body saw, never by the error DecodeFunc returns:
//
//   - a read of body that failed (the connection lost or reset mid-body, the attempt's
//     timeout) makes the attempt a connection error, retried for idempotent requests
//     exactly like one before the body, whatever DecodeFunc made of it;
//   - reading past Options.MaxBodyBytes fails with ErrBodyTooLarge, never retried, so a
//     longer body is never a truncated decode that succeeds;
//   - otherwise an error from DecodeFunc is final: Do returns it as it is, without retry;
//   - a nil error with bytes of the body left unread is a malformed response (data after
//     the document), so whatever follows what DecodeFunc read is never ignored.
//
// DecodeFunc runs once per 2xx attempt; it must reset whatever it decodes into, since a
// retried attempt starts again from the first byte.
type DecodeFunc func(resp *Response, body *BodyStream) error

// BodyStream is a 2xx body as a DecodeFunc reads it: capped at the client's MaxBodyBytes,
// its first bytes kept for the snippet of MalformedError (redacted there as any snippet),
// and its first read error recorded for the retry decision. It is not safe for concurrent
// use, and not usable once Do has returned except through MalformedError.
type BodyStream struct {
	r      io.Reader
	limit  int64 // the cap: reading byte limit+1 fails
	length int64 // the announced Content-Length, -1 when unknown
	n      int64 // bytes handed out so far
	// head is the first headMax bytes of the body: copied as they are read, or the start
	// of the slice ReadAll returned.
	head    []byte
	headMax int
	bulk    bool  // ReadAll is reading: nothing is copied into head
	err     error // the first failed read (not io.EOF); ErrBodyTooLarge past the cap
	done    bool  // the attempt is over: head is what it is
}

// Read reads the next bytes of the body. Past the cap it fails with ErrBodyTooLarge;
// any failure is kept and returned again by every later Read.
func (b *BodyStream) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if left := b.limit + 1 - b.n; int64(len(p)) > left {
		p = p[:left]
	}
	n, err := b.r.Read(p)
	if b.n+int64(n) > b.limit {
		n = int(b.limit - b.n)
		b.err = fmt.Errorf("%w (%d bytes)", ErrBodyTooLarge, b.limit)
	} else if err != nil && err != io.EOF {
		b.err = err
	}
	b.keep(p[:n])
	b.n += int64(n)
	if b.err != nil {
		return n, b.err
	}
	return n, err
}

// ReadAll reads the rest of the body, up to the cap, into one slice sized from the
// announced Content-Length: the cheaper way for a document that is decoded whole. When
// nothing was read before, the slice is also the snippet's head, without a copy.
func (b *BodyStream) ReadAll() ([]byte, error) {
	fresh := b.n == 0
	b.bulk = fresh // the slice read is the head: no copy while reading
	data, err := readAll(b, min(b.length, b.limit))
	if fresh {
		b.bulk = false
		b.head = data[:min(len(data), b.headMax)]
	}
	if b.err != nil {
		return nil, b.err
	}
	return data, err
}

// keep copies the start of p into head while head is short of headMax.
func (b *BodyStream) keep(p []byte) {
	if room := b.headMax - len(b.head); room > 0 && len(p) > 0 && !b.bulk {
		if b.head == nil {
			b.head = make([]byte, 0, b.headMax)
		}
		b.head = append(b.head, p[:min(room, len(p))]...)
	}
}

// snippetSource returns the body's first bytes for an error snippet, reading on (within
// headMax, not past the cap, its errors ignored) while the stream is still open, so that
// a snippet shows what it would show had the body been read whole.
func (b *BodyStream) snippetSource() []byte {
	if !b.done && b.err == nil {
		var buf [512]byte
		for len(b.head) < b.headMax && b.n < b.limit {
			want := min(b.headMax-len(b.head), len(buf), int(b.limit-b.n))
			n, err := b.r.Read(buf[:want])
			b.keep(buf[:n])
			b.n += int64(n)
			if err != nil {
				break
			}
		}
	}
	return b.head
}

// finalDecodeError carries a DecodeFunc's error through the retry loop: checkRetry never
// retries it, and Do returns the error inside as it is.
type finalDecodeError struct{ err error }

func (e *finalDecodeError) Error() string { return e.err.Error() }
func (e *finalDecodeError) Unwrap() error { return e.err }

// errDataAfterDocument: a DecodeFunc returned without reading the whole body.
var errDataAfterDocument = errors.New("data after the decoded document")

// decodeAttempt runs decode on the 2xx body of resp, one attempt's, and returns the
// Response Do gives back, or the attempt's error: a connection error or ErrBodyTooLarge
// for the retry decision, or a *finalDecodeError.
func (c *Client) decodeAttempt(st *callState, resp *http.Response, decode DecodeFunc) (*Response, error) {
	b := &BodyStream{r: resp.Body, limit: c.maxBody, length: resp.ContentLength, headMax: snippetBytes + c.redact.maxLen() + 1}
	defer func() { b.done = true }()
	out := &Response{StatusCode: resp.StatusCode, Header: resp.Header, Attempts: st.attempts, stream: b}
	err := decode(out, b)
	if b.err != nil {
		return nil, b.err
	}
	if err != nil {
		return nil, &finalDecodeError{err}
	}
	// Read to the end: the cap holds for what the decoder left, a connection lost there is
	// lost like any other, and anything but white space is data after the document.
	var rest [512]byte
	extra := false
	for {
		n, rerr := b.Read(rest[:])
		for _, ch := range rest[:n] {
			extra = extra || ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r'
		}
		if rerr != nil {
			if b.err != nil {
				return nil, b.err
			}
			break
		}
	}
	if extra {
		return nil, &finalDecodeError{c.MalformedError(st.op, out, errDataAfterDocument)}
	}
	return out, nil
}
