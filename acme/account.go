package acme

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	acmez "github.com/mholt/acmez/v3/acme"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
)

// NewKey returns a new account key: ECDSA P-256, PEM ("EC PRIVATE KEY"), for
// Config.Key or anyca.ACMEAccount.Key.
func NewKey() (string, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), nil
}

// ParseKey reads an account key: the first PEM block, an EC (SEC 1), PKCS#8 or PKCS#1
// private key, ECDSA on P-256 or P-384 or RSA of at least 2048 bits. Errors never quote
// the key.
func ParseKey(s string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(strings.TrimSpace(s)))
	if block == nil {
		return nil, errors.New("not PEM")
	}
	var key any
	var err error
	switch block.Type {
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("a %q PEM block is not a private key", truncate(block.Type, 40))
	}
	if err != nil {
		return nil, errors.New("the private key does not parse")
	}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return nil, errors.New("an ECDSA account key must be on P-256 or P-384")
		}
		return k, nil
	case *rsa.PrivateKey:
		if k.N.BitLen() < model.MinRSAKeyBits {
			return nil, fmt.Errorf("an RSA account key needs at least %d bits", model.MinRSAKeyBits)
		}
		return k, nil
	}
	return nil, errors.New("the account key must be ECDSA or RSA")
}

// decodeHMAC decodes a base64url HMAC key, padded or not.
func decodeHMAC(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(strings.TrimSpace(s), "="))
}

// Register makes a Client from cfg and registers its key (Client.Register): the account
// is looked up first (onlyReturnExisting) and registered only with cfg.AgreeTerms,
// else model.ErrInvalidArgument naming the CA's terms of service URL; an account bound
// to an external account (EAB) is registered once, and its URL remembered in
// cfg.StateDir so that a later Register or Client uses it without asking again. It
// returns the account URL. A key to register comes from NewKey.
func Register(ctx context.Context, cfg Config) (string, error) {
	c, err := New(cfg)
	if err != nil {
		return "", err
	}
	return c.Register(ctx)
}

// Register looks the account up and registers it when the CA does not know it (with
// Config.AgreeTerms), and returns its URL. Every other call does the same on first use.
func (c *Client) Register(ctx context.Context) (string, error) {
	a, err := c.account(ctx, "Register")
	if err != nil {
		return "", err
	}
	return a.Location, nil
}

// account returns the ACME account: the URL remembered in the state for this directory
// and key, else the CA's answer to onlyReturnExisting, else a new registration (only
// with AgreeTerms; with EAB when the CA requires it).
func (c *Client) account(ctx context.Context, op string) (acmez.Account, error) {
	c.acctMu.Lock()
	defer c.acctMu.Unlock()
	if c.acct != nil {
		return *c.acct, nil
	}
	dir, err := c.directory(ctx, op)
	if err != nil {
		return acmez.Account{}, err
	}
	a := acmez.Account{PrivateKey: c.key}
	thumb, err := a.Thumbprint()
	if err != nil {
		return acmez.Account{}, c.invalid(op, "account key: %v", err)
	}
	if e := c.state.account(c.dirURL.String(), thumb); e.URL != "" {
		a.Location, a.Orders = e.URL, e.Orders
		a.Status = "valid"
		c.acct = &a
		return a, nil
	}
	var found acmez.Account
	unknown := false
	_, err = c.do(ctx, op, "", "", false, func(ctx context.Context) (err error) {
		found, err = c.ac.GetAccount(ctx, a)
		var p acmez.Problem
		if errors.As(err, &p) && shortProblem(p.Type) == "accountDoesNotExist" {
			unknown = true
			return nil
		}
		return err
	})
	if err != nil {
		return acmez.Account{}, err
	}
	if !unknown && found.Location != "" {
		found.PrivateKey = c.key
		if err := c.state.setAccount(c.dirURL.String(), thumb, accountEntry{URL: found.Location, Orders: found.Orders}); err != nil {
			return acmez.Account{}, model.NewError(c.name, op, model.ErrUnavailable, "remembering the account URL in state_dir: %v", err)
		}
		c.acct = &found
		return found, nil
	}
	terms := ""
	eabRequired := c.cfg.RequireEAB
	if dir.Meta != nil {
		terms = dir.Meta.TermsOfService
		eabRequired = eabRequired || dir.Meta.ExternalAccountRequired
	}
	if !c.cfg.AgreeTerms {
		if terms == "" {
			terms = "(the directory names none)"
		}
		return acmez.Account{}, c.invalid(op, "this key has no account at the CA; to register one, agree to the terms of service at %s (acme.agree_terms)", terms)
	}
	a.TermsOfServiceAgreed = true
	if c.cfg.Email != "" {
		a.Contact = []string{"mailto:" + c.cfg.Email}
	}
	if eabRequired || c.cfg.EABKeyID != "" {
		kid, mac := c.cfg.EABKeyID, c.hmac.Reveal()
		if kid == "" {
			if c.cfg.EABURL == "" || c.apiKey.IsZero() {
				return acmez.Account{}, c.invalid(op, "the CA requires an external account binding: set eab_key_id and eab_hmac_key")
			}
			kid, mac, err = c.fetchEAB(ctx, op)
			if err != nil {
				return acmez.Account{}, err
			}
		}
		raw, err := decodeHMAC(mac)
		if err != nil {
			return acmez.Account{}, c.invalid(op, "the EAB HMAC key is not base64url")
		}
		if err := a.SetExternalAccountBinding(ctx, c.ac, acmez.EAB{KeyID: kid, MACKey: base64.RawURLEncoding.EncodeToString(raw)}); err != nil {
			return acmez.Account{}, c.invalid(op, "signing the external account binding failed")
		}
	}
	var made acmez.Account
	if _, err := c.do(ctx, op, dir.NewAccount, "", false, func(ctx context.Context) (err error) {
		made, err = c.ac.NewAccount(ctx, a)
		return err
	}); err != nil {
		return acmez.Account{}, err
	}
	made.PrivateKey = c.key
	if err := c.state.setAccount(c.dirURL.String(), thumb, accountEntry{URL: made.Location, Orders: made.Orders}); err != nil {
		return acmez.Account{}, model.NewError(c.name, op, model.ErrUnavailable, "remembering the account URL in state_dir: %v", err)
	}
	c.acct = &made
	return made, nil
}

// eabErrors maps the answers of ZeroSSL's EAB endpoint to kinds: its own error codes
// (sent with HTTP 200, in ZeroSSL's REST error object), then a 401 or 403, both the API
// key refused. Anything else that carries no credentials (another code, a proxy's page,
// a body that is not JSON) is model.ErrUnavailable.
var eabErrors = wire.ErrorTable{
	{Code: "101", Kind: model.ErrUnauthenticated}, // invalid_access_key
	{Code: "102", Kind: model.ErrUnauthenticated}, // inactive_user
	{Code: "2902", Kind: model.ErrUnavailable},    // failed_creating_eab_account: maintenance, try later
	{Code: "2903", Kind: model.ErrUnavailable},    // failed_saving_eab_account
	{Code: "2904", Kind: model.ErrRateLimited},    // too_many_eab_credentials_created_today
	{Code: "2905", Kind: model.ErrRateLimited},    // too_many_eab_credentials_created_for_user
	{Status: http.StatusUnauthorized, Kind: model.ErrUnauthenticated},
	{Status: http.StatusForbidden, Kind: model.ErrUnauthenticated},
}

// fetchEAB asks ZeroSSL's REST API for EAB credentials with the API key. An answer
// without them is a *model.Error of eabErrors' kind, with ZeroSSL's error code in Code
// and the HTTP status kept; no text of it ever shows the key.
func (c *Client) fetchEAB(ctx context.Context, op string) (kid, mac string, err error) {
	u, perr := url.Parse(c.cfg.EABURL)
	if perr != nil {
		return "", "", c.invalid(op, "the EAB URL does not parse")
	}
	q := u.Query()
	q.Set("access_key", c.apiKey.Reveal())
	u.RawQuery = q.Encode()
	var resp *http.Response
	var data []byte
	if _, err := c.do(ctx, op, "", "", false, func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), nil)
		r, err := c.hc.Do(req)
		if err != nil {
			return errors.New("fetching EAB credentials failed")
		}
		defer r.Body.Close()
		if callOf(ctx).snapshot().failed {
			return errors.New("fetching EAB credentials failed")
		}
		resp = r
		data, err = io.ReadAll(r.Body)
		return err
	}); err != nil {
		return "", "", err
	}
	var body struct {
		KID   string `json:"eab_kid"`
		HMAC  string `json:"eab_hmac_key"`
		Error *struct {
			Code json.RawMessage `json:"code"`
			Type json.RawMessage `json:"type"`
		} `json:"error"`
	}
	if err := json.Unmarshal(data, &body); err != nil || resp.StatusCode >= 300 || body.KID == "" || body.HMAC == "" {
		var code, typ string
		if err == nil && body.Error != nil {
			code, _ = wire.ScalarString(body.Error.Code)
			typ, _ = wire.ScalarString(body.Error.Type)
		}
		e := &model.Error{Provider: c.name, Op: op, Kind: eabErrors.Kind(resp.StatusCode, code), HTTPStatus: resp.StatusCode,
			Code: c.line(code, 40), Message: "ZeroSSL gave no EAB credentials"}
		if e.Kind == nil {
			e.Kind = model.ErrUnavailable
		}
		if typ != "" {
			e.Message += ": " + c.line(typ, 100)
		}
		return "", "", e
	}
	return body.KID, body.HMAC, nil
}
