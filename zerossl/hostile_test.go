package zerossl

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anyca/anyca/internal/secretstest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// hostileDecoders decode and map a body the way the client does for each answer type; a
// nil error means the body was accepted.
var hostileDecoders = map[string]func(t *testing.T, c *Client, body []byte) error{
	"certificate": func(t *testing.T, c *Client, body []byte) error {
		var w wireCertificate
		if err := c.decode("Certificate", fuzzResp(body), &w); err != nil {
			return err
		}
		mapAll(t, c, "Certificate", &w)
		_, err := c.mapOne("Certificate", &w)
		return err
	},
	"list": func(t *testing.T, c *Client, body []byte) error {
		var l wireList
		if err := c.decode("Certificates", fuzzResp(body), &l); err != nil {
			return err
		}
		for i := range l.Results {
			mapAll(t, c, "Certificates", &l.Results[i])
		}
		return nil
	},
	"status": func(t *testing.T, c *Client, body []byte) error {
		var s wireStatus
		if err := c.decode("Challenges", fuzzResp(body), &s); err != nil {
			return err
		}
		for d, det := range s.Details {
			checkNormalized(t, "status domain", model.NormalizeReportedDomain(d))
			emailValidationStatus(string(det.Status))
		}
		return nil
	},
	"error": func(t *testing.T, c *Client, body []byte) error {
		for _, status := range []int{400, 401, 404, 500} {
			if _, _, kind := decodeHTTPError(status, body); kind != nil && !isKind(kind) {
				t.Fatalf("decodeHTTPError(%d): kind %v", status, kind)
			}
		}
		var w wireCertificate
		return c.decode("Certificate", fuzzResp(body), &w)
	},
}

var fixtureDecoder = map[string]string{
	"error-2838.json": "error", "error-dcv-failed.json": "error", "error-not-found.json": "error",
	"error-string-code.json": "error", "get-certificate.json": "certificate", "issued-quirks.json": "certificate",
	"list-page-number.json": "list", "list-page-string.json": "list", "status-email.json": "status",
	"wrong-types.json": "certificate",
}

func decodeSafely(t *testing.T, c *Client, name string, body []byte) (err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s decoder panicked on %.200q: %v", name, body, r)
		}
	}()
	err = hostileDecoders[name](t, c, body)
	if err != nil {
		checkModelError(t, err)
	}
	return err
}

// TestHostileWrongTypes replaces every field of every realistic payload by a number, a
// string, an array, an object, null, a boolean, "" and 1.5e300 in turn.
func TestHostileWrongTypes(t *testing.T) {
	c := fuzzClient(t)
	total, rejected := 0, 0
	for file, dec := range fixtureDecoder {
		body, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		variants, err := secretstest.WrongTypes(body)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, v := range variants {
			total++
			if decodeSafely(t, c, dec, v.Body) != nil {
				rejected++
			}
		}
	}
	if total < 300 {
		t.Fatalf("only %d variants", total)
	}
	t.Logf("%d wrong-type variants decoded: %d accepted, %d rejected with *model.Error, no panic", total, total-rejected, rejected)
}

// TestHostileShapes feeds deep nesting, nulls and invalid UTF-8 to every decoder.
func TestHostileShapes(t *testing.T) {
	c := fuzzClient(t)
	deep := strings.Repeat("[", 100000)
	bodies := []string{
		deep, deep + strings.Repeat("]", 100000), strings.Repeat(`{"a":`, 100000),
		`{"id":"a","validation":` + deep + `}`,
		`{"success":false,"error":` + deep + `}`,
		`{"results":` + strings.Repeat(`[{"results":`, 50000) + `}`,
		`null`, `{}`,
		`{"validation":null,"results":null,"details":null,"error":null,"success":null}`,
		`{"validation":{"email_validation":null,"other_methods":null},"results":[null]}`,
		`{"validation":{"email_validation":{"a.example":null},"other_methods":{"a.example":null}}}`,
		`{"details":{"a.example":null},"validation_completed":null}`,
		"{\"id\":\"a\xff\",\"common_name\":\"ex\xc3\x28ample.com\",\"additional_domains\":\"\xfe,b\xff.example\",\"created\":\"2024-01-01 00:00:00\",\"expires\":\"2024-04-01 00:00:00\",\"status\":\"iss\xffued\"}",
		"{\"success\":false,\"error\":{\"code\":\"10\xff1\",\"type\":\"\xff\",\"info\":\"\xc3\"}}",
		"{\"\xff\":1}",
		`{"total_count":1e999,"page":-1e400,"limit":"1e999"}`,
		`{"success":false,"error":{"code":1e999}}`,
	}
	for _, body := range bodies {
		for dec := range hostileDecoders {
			decodeSafely(t, c, dec, []byte(body))
		}
	}
}

// hugeBodyCap is the body cap of TestHostileHugeBody: 8 MiB rather than the 32 MiB
// default keeps the test fast under -race (with the default cap the heap grew by 73 MiB).
const hugeBodyCap = 8 << 20

// TestHostileHugeBody serves a 1 GiB answer without building it: the client stops at the
// body cap with ErrBodyTooLarge, and the heap grows by far less than the body (< 100 MB).
func TestHostileHugeBody(t *testing.T) {
	var sent atomic.Int64
	srv := httptest.NewServer(secretstest.Stream(1<<30, `{"id":"`, &sent))
	defer srv.Close()
	c, err := New(Config{APIKey: "hostile-key-0123456789", BaseURL: srv.URL, MaxBodyBytes: hugeBodyCap,
		Retry: retry.Config{MaxAttempts: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond, RequestsPerSecond: -1}})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err = c.Certificate(context.Background(), "0123456789abcdef0123456789abcdef")
	runtime.ReadMemStats(&after)
	if !errors.Is(err, retry.ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", err)
	}
	var me *model.Error
	if !errors.As(err, &me) {
		t.Fatalf("err %T is not a *model.Error", err)
	}
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("1 GiB body: stopped after the server sent %d MiB; heap growth %d MiB, total allocated %d MiB; error: %v",
		sent.Load()>>20, heap>>20, alloc>>20, err)
	if heap > 100<<20 || alloc > 256<<20 {
		t.Fatalf("heap grew by %d bytes (total allocated %d) for a capped body", heap, alloc)
	}
	if sent.Load() > 512<<20 {
		t.Fatalf("the server sent %d bytes before the client stopped reading", sent.Load())
	}
}
