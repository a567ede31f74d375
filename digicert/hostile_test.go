package digicert

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/anyca/anyca/internal/fuzzseed"
	"github.com/anyca/anyca/internal/secretstest"
	"github.com/anyca/anyca/retry"
)

// hostileDecoders decode and map a body the way the client does for each answer type; a
// nil error means the body was accepted.
var hostileDecoders = map[string]func(t *testing.T, c *Client, body []byte) error{
	"order": func(t *testing.T, c *Client, body []byte) error {
		var o orderWire
		if err := c.decode("Certificate", fuzzseed.Response(body), &o); err != nil {
			return err
		}
		cert, err := mapOrder(&o)
		if err != nil {
			return c.mapErr("Certificate", fuzzseed.Response(body), err)
		}
		checkCert(t, cert)
		checkUTF8(t, cert.ID, cert.CommonName, cert.VendorStatus, cert.Product, strings.Join(cert.DNSNames, ","))
		return nil
	},
	"order list": func(t *testing.T, c *Client, body []byte) error {
		var l orderListWire
		if err := c.decode("Certificates", fuzzseed.Response(body), &l); err != nil {
			return err
		}
		for i := range l.Orders {
			cert, err := mapOrder(&l.Orders[i])
			if err != nil {
				return c.mapErr("Certificates", fuzzseed.Response(body), err)
			}
			checkCert(t, cert)
		}
		return nil
	},
	"domain": func(t *testing.T, c *Client, body []byte) error {
		var d domainWire
		if err := c.decode("DomainValidation", fuzzseed.Response(body), &d); err != nil {
			return err
		}
		dv, err := mapDomain(&d, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			return c.mapErr("DomainValidation", fuzzseed.Response(body), err)
		}
		checkDomain(t, dv)
		checkUTF8(t, dv.Domain, dv.ID, dv.VendorMethod)
		return nil
	},
	"domain list": func(t *testing.T, c *Client, body []byte) error {
		var l domainListWire
		if err := c.decode("Domains", fuzzseed.Response(body), &l); err != nil {
			return err
		}
		for i := range l.Domains {
			dv, err := mapDomain(&l.Domains[i], time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			if err != nil {
				return c.mapErr("Domains", fuzzseed.Response(body), err)
			}
			checkDomain(t, dv)
		}
		return nil
	},
	"reports": func(t *testing.T, c *Client, body []byte) error {
		var ans reportAnswer
		if err := c.decode("CertificatesByID", fuzzseed.Response(body), &ans); err != nil {
			return err
		}
		for i := 0; i < 4; i++ {
			raw, ok := ans.Data["o"+strconv.Itoa(i)]
			if !ok || len(raw) == 0 || string(raw) == "null" {
				continue
			}
			var o reportOrderWire
			if err := decodeJSON(raw, &o); err != nil {
				return c.mapErr("CertificatesByID", fuzzseed.Response(body), err)
			}
			cert, err := mapReportOrder(&o)
			if err != nil {
				return c.mapErr("CertificatesByID", fuzzseed.Response(body), err)
			}
			checkCert(t, cert)
		}
		return nil
	},
	"order validation": func(t *testing.T, c *Client, body []byte) error {
		var v orderValidationWire
		return c.decode("Challenges", fuzzseed.Response(body), &v)
	},
	"random value": func(t *testing.T, c *Client, body []byte) error {
		var v randomValueWire
		return c.decode("Challenges", fuzzseed.Response(body), &v)
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

// TestHostileWrongTypes replaces every field of every realistic payload by a number, a
// string, an array, an object, null, a boolean, "" and 1.5e300 in turn.
func TestHostileWrongTypes(t *testing.T) {
	// DigiCert's own example leaves the token unquoted: quote it to get JSON.
	repair := func(b []byte) []byte { return bareToken.ReplaceAll(b, []byte(`${1}"${2}"${3}`)) }
	secretstest.RunWrongTypes(t, "testdata", fixtureDecoder, secretstest.Bind(hostileDecoders, fuzzClient(t)), 500, repair)
}

// TestHostileShapes feeds deep nesting, nulls and invalid UTF-8 to every decoder.
func TestHostileShapes(t *testing.T) {
	deep := strings.Repeat("[", 100000)
	secretstest.RunShapes(t, secretstest.Bind(hostileDecoders, fuzzClient(t)),
		`{"id":1,"certificate":`+deep+`}`,
		`{"data":{"o0":`+deep+`}}`,
		`{"id":1,"product":null,"certificate":null,"orders":null,"domains":null,"validations":null,"dcv_token":null,"dcv_expiration":null,"page":null,"data":null,"errors":null}`,
		`{"orders":[null],"domains":[null],"validations":[null],"dns_name_validations":[null],"errors":[null],"data":{"o0":null}}`,
		"{\"id\":\"1\xff\",\"name\":\"ex\xc3\x28ample.com\",\"status\":\"iss\xffued\",\"certificate\":{\"common_name\":\"\xed\xa0\x80.example\",\"dns_names\":[\"a\xff.example\"]},\"data\":{\"o0\":{\"id\":\"2\",\"dns_names\":\"\xfe\xff\"}}}",
		"{\"id\":\"1\",\"name\":\"a\\u0000b.example\",\"certificate\":{\"common_name\":\"\\u0007x\"}}",
		`{"id":1e999,"page":{"total":1e400,"limit":-1e400},"is_active":1e999}`,
		`{"id":1,"dcv_token":{"token":abc-def,"status":}`)
}

// TestHostileHugeBody serves a 1 GiB answer without building it: the client stops at the
// body cap with ErrBodyTooLarge, and the heap grows by far less than the body.
func TestHostileHugeBody(t *testing.T) {
	for _, prefix := range []string{"", `{"id":"1","status":"`} {
		secretstest.RunHugeBody(t, prefix, func(ctx context.Context, baseURL string) error {
			c, err := New(Config{APIKey: "hostile-key-0123456789", BaseURL: baseURL, MaxBodyBytes: secretstest.HugeBodyCap,
				Retry: retry.Config{MaxAttempts: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond, RequestsPerSecond: -1}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Certificate(ctx, "101")
			return err
		})
	}
}
