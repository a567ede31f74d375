package acme

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"

	acmez "github.com/mholt/acmez/v3/acme"

	"github.com/anyca/anyca/model"
)

// ChallengeTypes are the model types of the ACME challenges the adapter maps, in the
// order Verify prefers them when no method is named.
func ChallengeTypes() []model.ChallengeType {
	return []model.ChallengeType{model.ChallengeDNSTXT, model.ChallengeHTTPFile, model.ChallengeTLSALPN,
		model.ChallengeDNSAccount, model.ChallengeDNSPersist}
}

// acmeType maps a model type to the ACME challenge type.
var acmeType = map[model.ChallengeType]string{
	model.ChallengeDNSTXT:     acmez.ChallengeTypeDNS01,
	model.ChallengeHTTPFile:   acmez.ChallengeTypeHTTP01,
	model.ChallengeTLSALPN:    acmez.ChallengeTypeTLSALPN01,
	model.ChallengeDNSAccount: acmez.ChallengeTypeDNSAccount01,
	model.ChallengeDNSPersist: acmez.ChallengeTypeDNSPersist01,
}

// authorization reads one authorization (acmez fills the key authorizations).
func (c *Client) authorization(ctx context.Context, op, u string) (acmez.Authorization, error) {
	if _, err := c.checkID(op, u); err != nil {
		return acmez.Authorization{}, model.NewError(c.name, op, model.ErrUnavailable, "an authorization URL of the order is not on the CA's origin")
	}
	acct, err := c.account(ctx, op)
	if err != nil {
		return acmez.Authorization{}, err
	}
	var a acmez.Authorization
	_, err = c.do(ctx, op, "", "", false, func(ctx context.Context) (err error) {
		a, err = c.ac.GetAuthorization(ctx, acct, u)
		return err
	})
	return a, err
}

// Challenges returns every challenge the CA offers for each authorization of the order
// certificateID, in the order's authorization order: dns-01 as dns-txt at
// _acme-challenge.<name> with base64url(SHA-256(key authorization)), http-01 as
// http-file at http://<name>/.well-known/acme-challenge/<token> with the key
// authorization, tls-alpn-01, dns-account-01 and dns-persist-01 as their own types, and
// types the adapter does not know left out. Status follows the authorization (valid,
// failed for invalid, expired for expired, deactivated or revoked) and otherwise the
// challenge; Problem is the CA's problem detail.
func (c *Client) Challenges(ctx context.Context, certificateID string) ([]model.Challenge, error) {
	const op = "Challenges"
	authzs, _, err := c.authzURLs(ctx, op, certificateID)
	if err != nil {
		return nil, err
	}
	acct, err := c.account(ctx, op)
	if err != nil {
		return nil, err
	}
	var out []model.Challenge
	for _, u := range authzs {
		a, err := c.authorization(ctx, op, u)
		if err != nil {
			return nil, err
		}
		out = append(out, c.mapAuthorization(a, acct)...)
	}
	return out, nil
}

// authzURLs returns the authorization URLs of the order certificateID: those newOrder
// answered, kept with an order placed through this Client (an order's authorizations
// never change, RFC 8555 §7.1.3), else read from the order, which is then returned too.
func (c *Client) authzURLs(ctx context.Context, op, certificateID string) ([]string, *acmez.Order, error) {
	u, err := c.checkID(op, certificateID)
	if err != nil {
		return nil, nil, err
	}
	if r, ok := c.state.get(u); ok && len(r.Authzs) > 0 {
		return r.Authzs, nil, nil
	}
	o, err := c.getOrder(ctx, op, u)
	if err != nil {
		return nil, nil, err
	}
	return o.Authorizations, &o, nil
}

// mapAuthorization maps the challenges of one authorization.
func (c *Client) mapAuthorization(a acmez.Authorization, acct acmez.Account) []model.Challenge {
	base, err := model.NormalizeDomain(a.Identifier.Value)
	if err != nil {
		return nil
	}
	domain := base
	if a.Wildcard {
		domain = "*." + base
	}
	var out []model.Challenge
	for _, ch := range a.Challenges {
		m := model.Challenge{Domain: domain, Token: ch.Token, Status: challengeStatus(a.Status, ch.Status), ExpiresAt: a.Expires.UTC()}
		if ch.Error != nil {
			m.Problem = c.line(problemText(*ch.Error), 1024)
		}
		digest := func() string {
			sum := sha256.Sum256([]byte(ch.KeyAuthorization))
			return base64.RawURLEncoding.EncodeToString(sum[:])
		}
		switch ch.Type {
		case acmez.ChallengeTypeDNS01:
			m.Type, m.RecordName, m.RecordValue = model.ChallengeDNSTXT, "_acme-challenge."+base, digest()
		case acmez.ChallengeTypeHTTP01:
			m.Type, m.URL, m.Content = model.ChallengeHTTPFile, "http://"+base+"/.well-known/acme-challenge/"+ch.Token, ch.KeyAuthorization
		case acmez.ChallengeTypeTLSALPN01:
			m.Type, m.URL, m.Content = model.ChallengeTLSALPN, "https://"+base+":443/", ch.KeyAuthorization
		case acmez.ChallengeTypeDNSAccount01:
			m.Type, m.RecordName, m.RecordValue = model.ChallengeDNSAccount, strings.TrimSuffix(ch.DNSAccount01TXTRecordName(acct), "."), digest()
		case acmez.ChallengeTypeDNSPersist01:
			if len(ch.IssuerDomainNames) == 0 {
				continue
			}
			m.Type, m.RecordName = model.ChallengeDNSPersist, strings.TrimSuffix(ch.DNSPersist01TXTRecordName(), ".")
			m.RecordValue = ch.DNSPersist01TXTRecordValue(acct, ch.IssuerDomainNames[0], a.Wildcard)
		default:
			continue
		}
		out = append(out, m)
	}
	return out
}

// challengeStatus maps an authorization's and a challenge's status words.
func challengeStatus(authz, ch string) model.ValidationStatus {
	switch authz {
	case acmez.StatusValid:
		return model.ValidationValid
	case acmez.StatusInvalid:
		return model.ValidationFailed
	case acmez.StatusExpired, acmez.StatusDeactivated, acmez.StatusRevoked:
		return model.ValidationExpired
	}
	switch ch {
	case acmez.StatusValid:
		return model.ValidationValid
	case acmez.StatusInvalid:
		return model.ValidationFailed
	case acmez.StatusPending, acmez.StatusProcessing:
		return model.ValidationPending
	}
	return model.ValidationUnknown
}

// Verify asks the CA to check the order's pending authorizations now: for each, it
// answers the challenge of type method ("" takes the method given to Order, else the
// first of ChallengeTypes the authorization offers), once: a challenge the CA is
// already checking, or that this Client answered, is not answered again, and
// authorizations already valid are left alone. Each challenge POST reaches the CA at
// most once. It returns the challenges as Challenges does, from the authorizations read
// before answering, each answered challenge with the status and problem of the CA's
// answer to it (so valid only when the CA said so). An order whose authorizations are
// all valid and that is not finalized (the CA reused valid authorizations) comes back
// valid, with nothing answered. An issued or finalized order, or one with an
// authorization the CA refused, expired or deactivated, is model.ErrFailedPrecondition,
// before any challenge is answered; a method an authorization does not offer is
// model.ErrInvalidArgument.
func (c *Client) Verify(ctx context.Context, certificateID string, method model.ChallengeType) ([]model.Challenge, error) {
	const op = "Verify"
	if method != "" && acmeType[method] == "" {
		return nil, c.invalid(op, "method %q is not an ACME challenge type (%v)", method, ChallengeTypes())
	}
	authzs, o, err := c.authzURLs(ctx, op, certificateID)
	if err != nil {
		return nil, err
	}
	u, _ := c.checkID(op, certificateID)
	if o != nil && o.Status != acmez.StatusPending && o.Status != acmez.StatusReady {
		return nil, model.NewError(c.name, op, model.ErrFailedPrecondition, "order %s is %s: there is nothing to verify", truncate(u, 120), o.Status)
	}
	if method == "" {
		if r, ok := c.state.get(u); ok && r.Method != "" {
			method = model.ChallengeType(r.Method)
		}
	}
	acct, err := c.account(ctx, op)
	if err != nil {
		return nil, err
	}
	read := make([]acmez.Authorization, 0, len(authzs))
	pending := 0
	for _, au := range authzs {
		a, err := c.authorization(ctx, op, au)
		if err != nil {
			return nil, err
		}
		switch a.Status {
		case acmez.StatusPending:
			pending++
		case acmez.StatusValid:
		default:
			msg := "order %s cannot be verified: the authorization of %s is %s"
			if ch := refusedChallenge(a); ch != nil && ch.Error != nil {
				msg += " (" + strings.ReplaceAll(c.line(problemText(*ch.Error), 300), "%", "%%") + ")"
			}
			return nil, model.NewError(c.name, op, model.ErrFailedPrecondition, msg, truncate(u, 120), a.IdentifierValue(), a.Status)
		}
		read = append(read, a)
	}
	if pending == 0 {
		// Every authorization valid: an order the CA issued (through this client) is
		// ErrFailedPrecondition, as for every Verifier. One that is not issued is ready:
		// the CA reused valid authorizations (Let's Encrypt does, and Pebble does even
		// at PEBBLE_AUTHZREUSE=0, 1% of the time), so the answer is each domain valid,
		// without a challenge answered again.
		if r, ok := c.state.get(u); ok && (r.Finalized || len(r.Leaf) > 0) {
			return nil, model.NewError(c.name, op, model.ErrFailedPrecondition, "order %s has every authorization valid and was finalized: there is nothing to verify", truncate(u, 120))
		}
	}
	var out []model.Challenge
	for i := range read {
		a := &read[i]
		if a.Status == acmez.StatusPending {
			if err := c.answer(ctx, op, acct, a, method); err != nil {
				return nil, err
			}
		}
		out = append(out, c.mapAuthorization(*a, acct)...)
	}
	return out, nil
}

// answer answers authorization a's challenge of type method, unless the CA is already
// checking it or this Client answered it, and sets that challenge's status and problem
// in a from the CA's answer.
func (c *Client) answer(ctx context.Context, op string, acct acmez.Account, a *acmez.Authorization, method model.ChallengeType) error {
	ch, ok := pickChallenge(*a, method)
	if !ok {
		return c.invalid(op, "the authorization of %s offers no %s challenge", a.IdentifierValue(), method)
	}
	if ch.Status != acmez.StatusPending || !c.claim(ch.URL) {
		return nil // already being checked, or answered by this Client
	}
	var got acmez.Challenge
	if _, err := c.do(ctx, op, ch.URL, CodeOutcomeUnknown, false, func(ctx context.Context) (err error) {
		got, err = c.ac.InitiateChallenge(ctx, acct, ch)
		return err
	}); err != nil {
		return err
	}
	for i := range a.Challenges {
		if a.Challenges[i].URL == ch.URL && got.Status != "" {
			a.Challenges[i].Status, a.Challenges[i].Error = got.Status, got.Error
		}
	}
	return nil
}

// refusedChallenge returns the challenge of a that carries the CA's problem, if any.
func refusedChallenge(a acmez.Authorization) *acmez.Challenge {
	for i := range a.Challenges {
		if a.Challenges[i].Error != nil {
			return &a.Challenges[i]
		}
	}
	return nil
}

// pickChallenge returns the authorization's challenge of type method, or of the first
// type of ChallengeTypes it offers.
func pickChallenge(a acmez.Authorization, method model.ChallengeType) (acmez.Challenge, bool) {
	types := ChallengeTypes()
	if method != "" {
		types = []model.ChallengeType{method}
	}
	for _, t := range types {
		if i := slices.IndexFunc(a.Challenges, func(ch acmez.Challenge) bool { return ch.Type == acmeType[t] }); i >= 0 {
			return a.Challenges[i], true
		}
	}
	return acmez.Challenge{}, false
}

// claim records that this Client answers challenge URL u, and reports whether it had
// not before.
func (c *Client) claim(u string) bool {
	c.answerMu.Lock()
	defer c.answerMu.Unlock()
	if c.answered[u] {
		return false
	}
	c.answered[u] = true
	return true
}

// DomainValidation reports the validation of domain from the newest order of the
// account that names it (among the orders Certificates lists): its authorization's
// status, method (the challenge validated, or the one remembered from Order), validity
// (the authorization's expiry) and challenges. A domain no order names is
// model.ErrNotFound; without an orders list or StateDir, model.ErrUnsupported.
func (c *Client) DomainValidation(ctx context.Context, domain string) (*model.DomainValidation, error) {
	const op = "DomainValidation"
	name, err := model.NormalizeDomain(domain)
	if err != nil {
		return nil, &model.Error{Provider: c.name, Op: op, Kind: model.ErrInvalidArgument, Err: err}
	}
	var best *model.Certificate
	scanned := 0
	for cert, err := range c.Certificates(ctx, model.CertificateQuery{Search: name}) {
		if err != nil {
			return nil, err
		}
		scanned++
		if slices.Contains(cert.DNSNames, name) && cert.Status != model.StatusRejected && (best == nil || !cert.CreatedAt.Before(best.CreatedAt)) {
			best = cert
		}
		if scanned >= 1000 {
			break
		}
	}
	if best == nil {
		return nil, model.NewError(c.name, op, model.ErrNotFound, "no order of this account names %s", name)
	}
	chs, err := c.Challenges(ctx, best.ID)
	if err != nil {
		return nil, err
	}
	dv := &model.DomainValidation{Provider: c.name, Domain: name, ID: best.ID, CertificateID: best.ID, Status: model.ValidationNotStarted}
	for _, ch := range chs {
		if strings.TrimPrefix(ch.Domain, "*.") != name {
			continue
		}
		dv.Challenges = append(dv.Challenges, ch)
		dv.Status = ch.Status
		if ch.Status == model.ValidationValid {
			dv.Method = ch.Type
		}
	}
	if best.Status == model.StatusIssued && dv.Status != model.ValidationValid {
		dv.Status = model.ValidationValid
	}
	until := dv.Challenges
	var lv model.LevelValidation
	lv.Level, lv.Status = model.LevelDV, dv.Status
	if len(until) > 0 && dv.Status == model.ValidationValid {
		lv.ValidUntil = until[0].ExpiresAt
	}
	dv.Levels = []model.LevelValidation{lv}
	if dv.Method == "" {
		if r, ok := c.state.get(best.ID); ok {
			dv.Method = model.ChallengeType(r.Method)
		}
	}
	return dv, nil
}
