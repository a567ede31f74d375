package digicert

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/anyca/anyca/internal/secretstest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// hostileDecoders decode and map a body the way the client does for each answer type; a
// nil error means the body was accepted.
var hostileDecoders = map[string]func(t *testing.T, c *Client, body []byte) error{
	"order": func(t *testing.T, c *Client, body []byte) error {
		var o orderWire
		if err := c.decode("Certificate", fuzzResp(body), &o); err != nil {
			return err
		}
		cert, err := mapOrder(&o)
		if err != nil {
			return c.mapErr("Certificate", fuzzResp(body), err)
		}
		checkCert(t, cert)
		checkUTF8(t, cert.ID, cert.CommonName, cert.VendorStatus, cert.Product, strings.Join(cert.DNSNames, ","))
		return nil
	},
	"order list": func(t *testing.T, c *Client, body []byte) error {
		var l orderListWire
		if err := c.decode("Certificates", fuzzResp(body), &l); err != nil {
			return err
		}
		for i := range l.Orders {
			cert, err := mapOrder(&l.Orders[i])
			if err != nil {
				return c.mapErr("Certificates", fuzzResp(body), err)
			}
			checkCert(t, cert)
		}
		return nil
	},
	"domain": func(t *testing.T, c *Client, body []byte) error {
		var d domainWire
		if err := c.decode("DomainValidation", fuzzResp(body), &d); err != nil {
			return err
		}
		dv, err := mapDomain(&d, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			return c.mapErr("DomainValidation", fuzzResp(body), err)
		}
		checkDomain(t, dv)
		checkUTF8(t, dv.Domain, dv.ID, dv.VendorMethod)
		return nil
	},
	"domain list": func(t *testing.T, c *Client, body []byte) error {
		var l domainListWire
		if err := c.decode("Domains", fuzzResp(body), &l); err != nil {
			return err
		}
		for i := range l.Domains {
			dv, err := mapDomain(&l.Domains[i], time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			if err != nil {
				return c.mapErr("Domains", fuzzResp(body), err)
			}
			checkDomain(t, dv)
		}
		return nil
	},
	"reports": func(t *testing.T, c *Client, body []byte) error {
		var ans reportAnswer
		if err := c.decode("CertificatesByID", fuzzResp(body), &ans); err != nil {
			return err
		}
		for i := 0; i < 4; i++ {
			raw, ok := ans.Data["o"+strconv.Itoa(i)]
			if !ok || len(raw) == 0 || string(raw) == "null" {
				continue
			}
			var o reportOrderWire
			if err := decodeJSON(raw, &o); err != nil {
				return c.mapErr("CertificatesByID", fuzzResp(body), err)
			}
			cert, err := mapReportOrder(&o)
			if err != nil {
				return c.mapErr("CertificatesByID", fuzzResp(body), err)
			}
			checkCert(t, cert)
		}
		return nil
	},
	"order validation": func(t *testing.T, c *Client, body []byte) error {
		var v orderValidationWire
		return c.decode("Challenges", fuzzResp(body), &v)
	},
	"random value": func(t *testing.T, c *Client, body []byte) error {
		var v randomValueWire
		return c.decode("Challenges", fuzzResp(body), &v)
	},
	"error": func(t *testing.T, c *Client, body []byte) error {
		for _, status := range []int{400, 403, 404, 500} {
			if _, _, kind := decodeError(status, body); kind == nil {
				t.Fatalf("decodeError(%d): nil kind", status)
			}
		}
		return nil
	},
}

// fixtureDecoder names the decoder for each testdata payload.
var fixtureDecoder = map[string]string{
	"order-info.json": "order", "list-orders.json": "order list", "domain-info.json": "domain",
	"domain-no-validations.json": "domain", "domain-quirks.json": "domain", "list-domains.json": "domain list",
	"reports-by-id.json": "reports", "order-validation.json": "order validation", "random-value.json": "random value",
	"error-access-denied.json": "error", "error-not-found.json": "error", "error-rate-limit.json": "error",
	"wrong-types.json": "order",
}

func checkUTF8(t *testing.T, ss ...string) {
	t.Helper()
	for _, s := range ss {
		if !utf8.ValidString(s) {
			t.Fatalf("mapped value %q is not valid UTF-8", s)
		}
	}
}

// decodeSafely runs dec on body, failing on a panic or on an error that is not a
// *model.Error with a kind.
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
			// DigiCert's own example leaves the token unquoted: quote it to get JSON.
			variants, err = secretstest.WrongTypes(bareToken.ReplaceAll(body, []byte(`${1}"${2}"${3}`)))
		}
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
	if total < 500 {
		t.Fatalf("only %d variants", total)
	}
	t.Logf("%d wrong-type variants decoded: %d accepted, %d rejected with *model.Error, no panic", total, total-rejected, rejected)
}

// TestHostileShapes feeds deep nesting, nulls and invalid UTF-8 to every decoder.
func TestHostileShapes(t *testing.T) {
	c := fuzzClient(t)
	deep := strings.Repeat("[", 100000)
	deepObj := strings.Repeat(`{"a":`, 100000)
	bodies := map[string]string{
		"100k [":                  deep,
		"100k [ closed":           deep + strings.Repeat("]", 100000),
		"100k {":                  deepObj,
		"deep in a field":         `{"id":1,"certificate":` + deep + `}`,
		"deep in data":            `{"data":{"o0":` + deep + `}}`,
		"null":                    `null`,
		"null objects":            `{"id":1,"product":null,"certificate":null,"orders":null,"domains":null,"validations":null,"dcv_token":null,"dcv_expiration":null,"page":null,"data":null,"errors":null}`,
		"null elements":           `{"orders":[null],"domains":[null],"validations":[null],"dns_name_validations":[null],"errors":[null],"data":{"o0":null}}`,
		"invalid UTF-8 strings":   "{\"id\":\"1\xff\",\"name\":\"ex\xc3\x28ample.com\",\"status\":\"iss\xffued\",\"certificate\":{\"common_name\":\"\xed\xa0\x80.example\",\"dns_names\":[\"a\xff.example\"]},\"data\":{\"o0\":{\"id\":\"2\",\"dns_names\":\"\xfe\xff\"}}}",
		"invalid UTF-8 in a key":  "{\"\xff\":1,\"id\":\"1\"}",
		"NUL and controls":        "{\"id\":\"1\",\"name\":\"a\\u0000b.example\",\"certificate\":{\"common_name\":\"\\u0007x\"}}",
		"huge numbers":            `{"id":1e999,"page":{"total":1e400,"limit":-1e400},"is_active":1e999}`,
		"duplicate keys":          `{"id":1,"id":{"x":1},"id":"3"}`,
		"bare token, then broken": `{"id":1,"dcv_token":{"token":abc-def,"status":}`,
	}
	for name, body := range bodies {
		for dec := range hostileDecoders {
			decodeSafely(t, c, dec, []byte(body))
		}
		_ = name
	}
}

// hugeBodyCap is the body cap of TestHostileHugeBody: 8 MiB rather than the 32 MiB
// default keeps the test fast under -race (with the default cap the heap grew by 73 MiB).
const hugeBodyCap = 8 << 20

// TestHostileHugeBody serves a 1 GiB answer without building it: the client stops at the
// body cap with ErrBodyTooLarge, and the heap grows by far less than the body (< 100 MB).
func TestHostileHugeBody(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prefix string
	}{{"zeros", ""}, {"JSON string", `{"id":"1","status":"`}} {
		t.Run(tc.name, func(t *testing.T) {
			var sent atomic.Int64
			srv := httptest.NewServer(secretstest.Stream(1<<30, tc.prefix, &sent))
			defer srv.Close()
			c, err := New(Config{APIKey: "hostile-key-0123456789", BaseURL: srv.URL, MaxBodyBytes: hugeBodyCap,
				Retry: retry.Config{MaxAttempts: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond, RequestsPerSecond: -1}})
			if err != nil {
				t.Fatal(err)
			}
			runtime.GC()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err = c.Certificate(context.Background(), "101")
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
			t.Logf("1 GiB body (%s): stopped after the server sent %d MiB; heap growth %d MiB, total allocated %d MiB; error: %v",
				tc.name, sent.Load()>>20, heap>>20, alloc>>20, err)
			if heap > 100<<20 || alloc > 256<<20 {
				t.Fatalf("heap grew by %d bytes (total allocated %d) for a capped body", heap, alloc)
			}
			if sent.Load() > 512<<20 {
				t.Fatalf("the server sent %d bytes before the client stopped reading", sent.Load())
			}
		})
	}
}
