package digicert_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/anyca/anyca/digicert"
	"github.com/anyca/anyca/internal/testsupport/secretstest"
	"github.com/anyca/anyca/model"
)

// The keys every failure path is run with: a plain one and one with characters that
// change when URL-escaped.
var secretKeys = secretstest.Keys("PLAINdcKEY7Q2W9E4R6T")

func secretsClient(t *testing.T, key string, env secretstest.Env) *digicert.Client {
	return secretstest.NewClient(t, func() (*digicert.Client, error) {
		return digicert.New(digicert.Config{APIKey: key, BaseURL: env.BaseURL, HTTPClient: env.HTTPClient,
			MaxBodyBytes: env.MaxBodyBytes, Logger: env.Logger, Retry: secretstest.Retry})
	})
}

// dcErrorBody is CertCentral's error answer with text as code and message.
func dcErrorBody(_ int, text string) []byte {
	b, _ := json.Marshal(map[string]any{"errors": []map[string]string{{"code": "access_denied|" + text, "message": text}}})
	return b
}

// firstCall is the call every common failure path is run through: Order info.
func firstCall(ctx context.Context, c *digicert.Client) error {
	_, err := c.Certificate(ctx, "101")
	return err
}

var q = secretstest.Quote

// digicertPaths are the failures only CertCentral has: Reports (GraphQL) error answers,
// and well-formed answers whose fields hold the key where a date or id belongs.
func digicertPaths() []secretstest.Extra[*digicert.Client] {
	byID := func(ctx context.Context, c *digicert.Client) error {
		_, err := c.CertificatesByID(ctx, []string{"101", "102"})
		return err
	}
	list := func(ctx context.Context, c *digicert.Client) error {
		for _, err := range c.Certificates(ctx, model.CertificateQuery{}) {
			if err != nil {
				return err
			}
		}
		return nil
	}
	domain := func(ctx context.Context, c *digicert.Client) error {
		_, err := c.DomainValidation(ctx, "example.com")
		return err
	}
	type p = secretstest.Extra[*digicert.Client]
	return []p{
		{Path: secretstest.Path{Name: "Reports 200 with GraphQL errors echoing the key", Handler: func(key string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if strings.HasSuffix(r.URL.Path, "reports/query") {
					fmt.Fprintf(w, `{"data":null,"errors":[{"code":%s,"message":%s}]}`, q("bad_query "+key), q(secretstest.Echo(r, key)))
					return
				}
				w.WriteHeader(500)
				w.Write(dcErrorBody(500, secretstest.Echo(r, key)))
			}
		}}, Call: byID},
		{Path: secretstest.Path{Name: "Reports 200 with a wrongly typed order", Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
			return fmt.Sprintf(`{"data":{"o0":{"id":"101","valid_from":%s,"dns_names":{"k":%s}},"o1":[%s]}}`, q(key), q(key), q(key))
		})}, Call: byID},
		{Path: secretstest.Path{Name: "Order info with the key as a date", Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
			return fmt.Sprintf(`{"id":101,"status":"issued","date_created":%s,"certificate":{"common_name":%s}}`, q(key), q(key))
		})}, Call: firstCall},
		{Path: secretstest.Path{Name: "Order info with the key as an object id", Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
			return fmt.Sprintf(`{"id":{"v":%s},"certificate":[%s]}`, q(key), q(key))
		})}, Call: firstCall},
		{Path: secretstest.Path{Name: "List orders with the key as a date", Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
			return fmt.Sprintf(`{"orders":[{"id":1,"certificate":{"valid_till":%s}}],"page":{"total":1}}`, q(key))
		})}, Call: list},
		{Path: secretstest.Path{Name: "Domain info with the key as dates", Handler: secretstest.JSONAnswer(func(r *http.Request, key string) string {
			if strings.HasSuffix(r.URL.Path, "/domain") {
				return `{"domains":[{"id":7,"name":"example.com","is_active":true}],"page":{"total":1}}`
			}
			return fmt.Sprintf(`{"id":7,"name":"example.com","dcv_approval_datetime":%s,"dcv_expiration":{"ov":%s},"validations":[{"type":"ov","validated_until":%s}]}`,
				q(key), q(key), q(key))
		})}, Call: domain},
	}
}

// TestSecretsOnFailurePaths runs every failure path with both keys and checks that the
// key is in no error text, no %+v/%#v/%q rendering of any error in the chain, and no
// debug log line.
func TestSecretsOnFailurePaths(t *testing.T) {
	secretstest.RunFailurePaths(t, secretKeys, secretstest.CommonPaths(dcErrorBody), digicertPaths(), secretsClient, firstCall)
}

// TestHugeBody serves 1 GiB answers, bare and inside a string field of an order, without
// building them: the client stops at the body cap with ErrBodyTooLarge, and the heap grows
// by far less than the body.
func TestHugeBody(t *testing.T) {
	secretstest.RunHugeBody(t, secretKeys[0], []string{"", `{"id":"1","status":"`}, secretsClient, firstCall)
}

// TestSecretsOnOtherCalls runs a few paths through the other calls (list, Reports batch,
// domain lookup, challenges), whose error paths differ.
func TestSecretsOnOtherCalls(t *testing.T) {
	calls := map[string]func(context.Context, *digicert.Client) error{
		"Certificates": func(ctx context.Context, c *digicert.Client) error {
			return secretstest.FirstError(c.Certificates(ctx, model.CertificateQuery{}))
		},
		"CertificatesByID": func(ctx context.Context, c *digicert.Client) error {
			_, err := c.CertificatesByID(ctx, []string{"101", "102"})
			return err
		},
		"DomainValidation": func(ctx context.Context, c *digicert.Client) error {
			_, err := c.DomainValidation(ctx, "example.com")
			return err
		},
		"Challenges": func(ctx context.Context, c *digicert.Client) error {
			_, err := c.Challenges(ctx, "101")
			return err
		},
	}
	// A batch leaves unknown ids out of its map: 404 and 410 are not failures.
	skip := func(call, path string) bool {
		return call == "CertificatesByID" && (path == "HTTP 404 vendor error echoing the key" || path == "HTTP 410 vendor error echoing the key")
	}
	secretstest.RunOnCalls(t, secretKeys[1], secretstest.SomePaths(secretstest.CommonPaths(dcErrorBody)), calls, secretsClient, skip)
}
