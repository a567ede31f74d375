package acme

import (
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	acmez "github.com/mholt/acmez/v3/acme"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// ARI's Retry-After is followed within these bounds: a CA asking for less is asked no
// sooner than a minute later, one asking for more is asked again within a day. An
// answer without a Retry-After, or with one that does not parse, is asked again after
// DefaultARIRetry: RFC 9773 §4.3.3 counts it a long-term error, after which the next
// fetch comes six hours later.
const (
	MinARIRetry     = time.Minute
	MaxARIRetry     = 24 * time.Hour
	DefaultARIRetry = 6 * time.Hour
)

// CertID returns the ARI identifier of a certificate (RFC 9773 section 4.1): the
// base64url of its Authority Key Identifier, a period, and the base64url of the DER
// content bytes of its serial number (with the leading zero byte DER puts before a
// serial whose top bit is set, which big.Int.Bytes leaves out).
func CertID(leaf *x509.Certificate) (string, error) {
	if len(leaf.AuthorityKeyId) == 0 {
		return "", errors.New("the certificate has no Authority Key Identifier")
	}
	if leaf.SerialNumber == nil {
		return "", errors.New("the certificate has no serial number")
	}
	der, err := asn1.Marshal(leaf.SerialNumber)
	if err != nil {
		return "", err
	}
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(der, &raw); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(leaf.AuthorityKeyId) + "." + base64.RawURLEncoding.EncodeToString(raw.Bytes), nil
}

// RenewalInfo returns the CA's suggested renewal window for an issued certificate (ARI,
// FromCA set). The answer is kept for the CA's Retry-After, clamped to between
// MinARIRetry and MaxARIRetry, or for DefaultARIRetry when the CA sent none (NextCheck
// says until when): a call before then is answered without a request. A CA without ARI
// is model.ErrUnsupported; a certificate not issued is model.ErrFailedPrecondition.
func (c *Client) RenewalInfo(ctx context.Context, certificateID string) (*model.RenewalWindow, error) {
	const op = "RenewalInfo"
	u, err := c.checkID(op, certificateID)
	if err != nil {
		return nil, err
	}
	c.ariMu.Lock()
	if w, ok := c.ari[u]; ok && c.now().Before(w.NextCheck) {
		c.ariMu.Unlock()
		return &w, nil
	}
	c.ariMu.Unlock()
	dir, err := c.directory(ctx, op)
	if err != nil {
		return nil, err
	}
	if dir.RenewalInfo == "" {
		return nil, model.NewError(c.name, op, model.ErrUnsupported, "this CA offers no renewal information (ARI)")
	}
	o, err := c.getOrder(ctx, op, u)
	if err != nil {
		return nil, err
	}
	if o.Status != acmez.StatusValid {
		return nil, model.NewError(c.name, op, model.ErrFailedPrecondition, "order %s is %s: it has no certificate to renew", truncate(u, 120), o.Status)
	}
	leaf, err := c.leaf(ctx, op, o)
	if err != nil {
		return nil, err
	}
	id, err := CertID(leaf)
	if err != nil {
		return nil, model.NewError(c.name, op, model.ErrFailedPrecondition, "%v", err)
	}
	ariURL := strings.TrimSuffix(dir.RenewalInfo, "/") + "/" + id
	if _, err := url.Parse(ariURL); err != nil {
		return nil, c.invalid(op, "the directory's renewalInfo URL does not parse")
	}
	var status int
	var data []byte
	var retryAfterSent bool
	st, err := c.do(ctx, op, "", "", false, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ariURL, nil)
		if err != nil {
			return err
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if callOf(ctx).snapshot().failed {
			return errors.New("the renewal information request failed")
		}
		status = resp.StatusCode
		_, retryAfterSent = retry.ParseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		data, err = io.ReadAll(resp.Body)
		if err == nil && status != http.StatusOK {
			var p acmez.Problem
			_ = json.Unmarshal(data, &p)
			p.Status = status
			return p
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var info struct {
		Window struct {
			Start time.Time `json:"start"`
			End   time.Time `json:"end"`
		} `json:"suggestedWindow"`
		ExplanationURL string `json:"explanationURL"`
	}
	if err := json.Unmarshal(data, &info); err != nil || info.Window.Start.IsZero() || !info.Window.End.After(info.Window.Start) {
		return nil, model.NewError(c.name, op, model.ErrUnavailable, "the CA's renewal information has no usable window")
	}
	wait := DefaultARIRetry
	if retryAfterSent {
		wait = min(max(st.retryAfter, MinARIRetry), MaxARIRetry)
	}
	w := model.RenewalWindow{Start: info.Window.Start.UTC(), End: info.Window.End.UTC(), ExplanationURL: info.ExplanationURL,
		FromCA: true, NextCheck: c.now().Add(wait).UTC()}
	c.ariMu.Lock()
	c.ari[u] = w
	c.ariMu.Unlock()
	return &w, nil
}

// Revoke revokes the certificate of order certificateID, signed with the account key,
// with reason's RFC 5280 code. A certificate the CA reports already revoked is done. A
// reason outside model.RevocationReasons is model.ErrInvalidArgument before any request.
func (c *Client) Revoke(ctx context.Context, certificateID string, reason model.RevocationReason) error {
	const op = "Revoke"
	code, ok := reason.Code()
	if !ok {
		return c.invalid(op, "revocation reason %q is not one of %v", truncate(string(reason), 40), model.RevocationReasons())
	}
	o, err := c.getOrder(ctx, op, certificateID)
	if err != nil {
		return err
	}
	if o.Status != acmez.StatusValid {
		return model.NewError(c.name, op, model.ErrFailedPrecondition, "order %s is %s: there is no certificate to revoke", truncate(o.Location, 120), o.Status)
	}
	leaf, err := c.leaf(ctx, op, o)
	if err != nil {
		return err
	}
	acct, err := c.account(ctx, op)
	if err != nil {
		return err
	}
	if _, err := c.do(ctx, op, "", "", false, func(ctx context.Context) error {
		err := c.ac.RevokeCertificate(ctx, acct, leaf, nil, code)
		var p acmez.Problem
		if errors.As(err, &p) && shortProblem(p.Type) == "alreadyRevoked" {
			return nil // done before, perhaps by an attempt whose answer was lost
		}
		return err
	}); err != nil {
		return err
	}
	if err := c.state.update(o.Location, func(r *record) { r.Revoked = true }); err != nil {
		return model.NewError(c.name, op, model.ErrUnavailable, "remembering the revocation in state_dir: %v", err)
	}
	return nil
}
