package zerossl_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/anyca/anyca/internal/testsupport/secretstest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl"
)

// The keys every failure path is run with: a plain one and one with characters that
// change when URL-escaped (the key travels in the access_key query parameter).
var secretKeys = secretstest.Keys("PLAINzsKEY7Q2W9E4R6T")

const secretsCertID = "0123456789abcdef0123456789abcdef"

func secretsClient(t *testing.T, key string, env secretstest.Env) *zerossl.Client {
	return secretstest.NewClient(t, func() (*zerossl.Client, error) {
		return zerossl.New(zerossl.Config{APIKey: key, BaseURL: env.BaseURL, HTTPClient: env.HTTPClient,
			MaxBodyBytes: env.MaxBodyBytes, Logger: env.Logger, Retry: secretstest.Retry})
	})
}

// firstCall is the call every common failure path is run through: Get certificate.
func firstCall(ctx context.Context, c *zerossl.Client) error {
	_, err := c.Certificate(ctx, secretsCertID)
	return err
}

var q = secretstest.Quote

// zsErrorBody is ZeroSSL's error answer with text as type and info.
func zsErrorBody(status int, text string) []byte {
	return []byte(fmt.Sprintf(`{"success":false,"error":{"code":%d,"type":%s,"info":%s}}`, status, q(text), q(text)))
}

type zsPath = secretstest.Extra[*zerossl.Client]

// zerosslPaths are the failures only ZeroSSL has: HTTP-200 error envelopes (every code
// the adapter maps, and unknown ones), with the key echoed in type, info and message, and
// well-formed answers whose fields hold the key.
func zerosslPaths() []zsPath {
	list := func(ctx context.Context, c *zerossl.Client) error {
		for _, err := range c.Certificates(ctx, model.CertificateQuery{}) {
			if err != nil {
				return err
			}
		}
		return nil
	}
	var out []zsPath
	for _, code := range []string{"101", "102", "103", "104", "110", "111", "2801", "2803", "2814", "2817", "2838", "2904", "9999"} {
		out = append(out, zsPath{Path: secretstest.Path{Name: "HTTP 200 error " + code + " echoing the key",
			Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
				e := secretstest.Echo(r, key)
				return fmt.Sprintf(`{"success":false,"error":{"code":%s,"type":%s,"info":%s,"message":%s,"details":{"k":%s}}}`,
					code, q("t "+e), q(e), q(key), q(key))
			})}, Call: firstCall})
	}
	out = append(out,
		zsPath{Path: secretstest.Path{Name: "HTTP 200 error as a string", Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
			return fmt.Sprintf(`{"success":"0","error":%s}`, q(secretstest.Echo(r, key)))
		})}, Call: firstCall},
		zsPath{Path: secretstest.Path{Name: "HTTP 200 success false without error", Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
			return fmt.Sprintf(`{"success":0,"note":%s}`, q(secretstest.Echo(r, key)))
		})}, Call: firstCall},
		zsPath{Path: secretstest.Path{Name: "HTTP 200 error object of the wrong type", Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
			return fmt.Sprintf(`{"success":false,"error":[%s,{"info":%s}]}`, q(key), q(secretstest.Echo(r, key)))
		})}, Call: firstCall},
		zsPath{Path: secretstest.Path{Name: "certificate with the key as a date", Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
			return fmt.Sprintf(`{"id":%s,"common_name":%s,"created":%s,"expires":%s,"status":"issued"}`, q(secretsCertID), q(key), q(key), q(key))
		})}, Call: firstCall},
		zsPath{Path: secretstest.Path{Name: "certificate with wrong types holding the key", Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
			return fmt.Sprintf(`{"id":{"k":%s},"common_name":[%s],"validation":%s}`, q(key), q(key), q(key))
		})}, Call: firstCall},
		zsPath{Path: secretstest.Path{Name: "list with the key as a date", Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
			return fmt.Sprintf(`{"total_count":1,"result_count":1,"page":1,"limit":100,"results":[{"id":"a","created":%s}]}`, q(key))
		})}, Call: list},
		zsPath{Path: secretstest.Path{Name: "list with the key as a count", Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
			return fmt.Sprintf(`{"total_count":%s,"results":[]}`, q(key))
		})}, Call: list},
		zsPath{Path: secretstest.Path{Name: "status endpoint error echoing the key", Handler: func(key string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if strings.HasSuffix(r.URL.Path, "/status") {
					fmt.Fprintf(w, `{"success":false,"error":{"code":111,"type":%s}}`, q(secretstest.Echo(r, key)))
					return
				}
				fmt.Fprintf(w, `{"id":%s,"common_name":"example.com","created":"2024-01-02 03:04:05","expires":"2024-04-01 00:00:00","status":"pending_validation","validation_type":"EMAIL","validation":{"email_validation":{"example.com":["admin@example.com"]}}}`, q(secretsCertID))
			}
		}}, Call: func(ctx context.Context, c *zerossl.Client) error {
			_, err := c.Challenges(ctx, secretsCertID)
			return err
		}},
	)
	return out
}

// TestSecretsOnFailurePaths runs every failure path with both keys and checks that the
// key (raw or URL-escaped) is in no error text, no %+v/%#v/%q rendering of any error in
// the chain, and no debug log line.
func TestSecretsOnFailurePaths(t *testing.T) {
	secretstest.RunFailurePaths(t, secretKeys, secretstest.CommonPaths(zsErrorBody), zerosslPaths(), secretsClient, firstCall)
}

// TestHugeBody serves a 1 GiB answer inside the id of a certificate, without building
// it: the client stops at the body cap with ErrBodyTooLarge, and the heap grows by far
// less than the body.
func TestHugeBody(t *testing.T) {
	secretstest.RunHugeBody(t, secretKeys[0], []string{`{"id":"`}, secretsClient, firstCall)
}

// TestSecretsOnOtherCalls runs a few paths through the other calls (list, domain
// validation, challenges), whose error paths differ.
func TestSecretsOnOtherCalls(t *testing.T) {
	calls := map[string]func(context.Context, *zerossl.Client) error{
		"Certificates": func(ctx context.Context, c *zerossl.Client) error {
			return secretstest.FirstError(c.Certificates(ctx, model.CertificateQuery{}))
		},
		"DomainValidation": func(ctx context.Context, c *zerossl.Client) error {
			_, err := c.DomainValidation(ctx, "example.com")
			return err
		},
		"Challenges": func(ctx context.Context, c *zerossl.Client) error {
			_, err := c.Challenges(ctx, secretsCertID)
			return err
		},
	}
	secretstest.RunOnCalls(t, secretKeys[1], secretstest.SomePaths(secretstest.CommonPaths(zsErrorBody), "DNS failure"), calls, secretsClient, nil)
}
