package zerossl

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/internal/fuzzseed"
	"github.com/anyca/anyca/internal/secretstest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// hostileDecoders decode and map a body the way the client does for each answer type; a
// nil error means the body was accepted.
var hostileDecoders = map[string]func(t *testing.T, c *Client, body []byte) error{
	"certificate": func(t *testing.T, c *Client, body []byte) error {
		var w wireCertificate
		if err := c.decode("Certificate", fuzzseed.Response(body), &w); err != nil {
			return err
		}
		mapAll(t, c, "Certificate", &w)
		_, err := c.mapOne("Certificate", &w)
		return err
	},
	"list": func(t *testing.T, c *Client, body []byte) error {
		var l wireList
		if err := c.decode("Certificates", fuzzseed.Response(body), &l); err != nil {
			return err
		}
		for i := range l.Results {
			mapAll(t, c, "Certificates", &l.Results[i])
		}
		return nil
	},
	"status": func(t *testing.T, c *Client, body []byte) error {
		var s wireStatus
		if err := c.decode("Challenges", fuzzseed.Response(body), &s); err != nil {
			return err
		}
		for d, det := range s.Details {
			fuzzseed.CheckNormalized(t, "status domain", model.NormalizeReportedDomain(d))
			emailValidationStatus(string(det.Status))
		}
		return nil
	},
	"error": func(t *testing.T, c *Client, body []byte) error {
		for _, status := range []int{400, 401, 404, 500} {
			if _, _, kind := decodeHTTPError(status, body); kind != nil && !fuzzseed.IsKind(kind) {
				t.Fatalf("decodeHTTPError(%d): kind %v", status, kind)
			}
		}
		var w wireCertificate
		return c.decode("Certificate", fuzzseed.Response(body), &w)
	},
}

var fixtureDecoder = map[string]string{
	"error-2838.json": "error", "error-dcv-failed.json": "error", "error-not-found.json": "error",
	"error-string-code.json": "error", "get-certificate.json": "certificate", "issued-quirks.json": "certificate",
	"list-page-number.json": "list", "list-page-string.json": "list", "status-email.json": "status",
	"wrong-types.json": "certificate",
}

// TestHostileWrongTypes replaces every field of every realistic payload by a number, a
// string, an array, an object, null, a boolean, "" and 1.5e300 in turn.
func TestHostileWrongTypes(t *testing.T) {
	secretstest.RunWrongTypes(t, "testdata", fixtureDecoder, secretstest.Bind(hostileDecoders, fuzzClient(t)), 300, nil)
}

// TestHostileShapes feeds deep nesting, nulls and invalid UTF-8 to every decoder.
func TestHostileShapes(t *testing.T) {
	deep := strings.Repeat("[", 100000)
	secretstest.RunShapes(t, secretstest.Bind(hostileDecoders, fuzzClient(t)),
		`{"id":"a","validation":`+deep+`}`,
		`{"success":false,"error":`+deep+`}`,
		`{"results":`+strings.Repeat(`[{"results":`, 50000)+`}`,
		`{"validation":null,"results":null,"details":null,"error":null,"success":null}`,
		`{"validation":{"email_validation":null,"other_methods":null},"results":[null]}`,
		`{"validation":{"email_validation":{"a.example":null},"other_methods":{"a.example":null}}}`,
		`{"details":{"a.example":null},"validation_completed":null}`,
		"{\"id\":\"a\xff\",\"common_name\":\"ex\xc3\x28ample.com\",\"additional_domains\":\"\xfe,b\xff.example\",\"created\":\"2024-01-01 00:00:00\",\"expires\":\"2024-04-01 00:00:00\",\"status\":\"iss\xffued\"}",
		"{\"success\":false,\"error\":{\"code\":\"10\xff1\",\"type\":\"\xff\",\"info\":\"\xc3\"}}",
		`{"total_count":1e999,"page":-1e400,"limit":"1e999"}`,
		`{"success":false,"error":{"code":1e999}}`)
}

// TestHostileHugeBody serves a 1 GiB answer without building it: the client stops at the
// body cap with ErrBodyTooLarge, and the heap grows by far less than the body.
func TestHostileHugeBody(t *testing.T) {
	secretstest.RunHugeBody(t, `{"id":"`, func(ctx context.Context, baseURL string) error {
		c, err := New(Config{APIKey: "hostile-key-0123456789", BaseURL: baseURL, MaxBodyBytes: secretstest.HugeBodyCap,
			Retry: retry.Config{MaxAttempts: 2, MinWait: time.Millisecond, MaxWait: time.Millisecond, RequestsPerSecond: -1}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Certificate(ctx, "0123456789abcdef0123456789abcdef")
		return err
	})
}
