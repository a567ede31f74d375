package zerossl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/anyca/anyca/internal/wire"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// dcvFailedType is the error type of a verify whose check failed; its details say why
// per domain.
const dcvFailedType = "domain_control_validation_failed"

// Verify asks ZeroSSL to check the DCV of certificate certificateID now
// (POST /certificates/{id}/challenges with validation_method) and returns its challenges
// of the method checked (one per domain), with each domain's state after the check.
// method "" keeps the certificate's validation_type (none chosen yet is
// model.ErrInvalidArgument, code method_required, naming the methods the certificate
// offers); dns-txt, which ZeroSSL
// does not have, is model.ErrInvalidArgument. For email, validation_email names one
// address per domain from the certificate's own validation.email_validation choices:
// the one already in validation_emails when it is a choice, else the first; a domain
// without choices is model.ErrInvalidArgument. A certificate that is issued, cancelled,
// revoked or expired is model.ErrFailedPrecondition. A failed check is not an error: the
// failing domains come back model.ValidationFailed with Problem quoting ZeroSSL's
// details (CNAME found or not, the record seen and the one expected; file found or not,
// the error slug and text), a passing domain valid.
//
// The POST is sent at most once: it is never retried after a 5xx or a connection
// error once sent (an email verify sends the emails again), only after a 429, which
// ZeroSSL answers before doing anything. Cost: one lookup, the POST, and for email one
// status read.
func (c *Client) Verify(ctx context.Context, certificateID string, method model.ChallengeType) ([]model.Challenge, error) {
	const op = "Verify"
	if method != "" && ValidationType(method) == "" {
		return nil, c.http.Error(op, model.ErrInvalidArgument, "ZeroSSL has no DCV method %q (dns-cname, http-file, https-file, email)", method)
	}
	ci, err := c.lookup(ctx, op, certificateID)
	if err != nil {
		return nil, err
	}
	cert, w := ci.cert, ci.wire
	switch cert.Status {
	case model.StatusIssued, model.StatusCancelled, model.StatusRevoked, model.StatusExpired:
		e := c.http.Error(op, model.ErrFailedPrecondition, "certificate %s is %s: there is no DCV left to check", cert.ID, cert.VendorStatus)
		e.Code = "certificate_" + string(cert.Status)
		return nil, e
	}
	if method == "" {
		method = Method(w.ValidationType)
		if method == "" {
			all, err := mapChallenges(w, cert.DNSNames, model.ValidationPending, nil)
			if err != nil {
				return nil, c.http.MalformedError(op, nil, err)
			}
			e := c.http.Error(op, model.ErrInvalidArgument, "certificate %s has no validation method yet: name one of %s", cert.ID, offered(all))
			e.Code = "method_required"
			return nil, e
		}
	}
	vm := ValidationType(method)
	if vm == "" {
		return nil, c.http.Error(op, model.ErrInvalidArgument, "ZeroSSL has no DCV method %q (dns-cname, http-file, https-file, email)", method)
	}
	form := url.Values{}
	form.Set("validation_method", vm)
	if method == model.ChallengeEmail {
		emails, err := c.chooseEmails(op, w, cert.DNSNames)
		if err != nil {
			return nil, err
		}
		form.Set("validation_email", strings.Join(emails, ","))
	}
	resp, err := c.http.Do(ctx, &retry.Request{Op: op, Method: http.MethodPost,
		Path: "certificates/" + wire.PathSegment(cert.ID) + "/challenges",
		Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded"})
	if err != nil {
		return nil, err
	}
	verdicts, failed, err := c.checkVerdicts(op, resp)
	if err != nil {
		return nil, err
	}
	if !failed {
		var after wireCertificate
		if err := c.decode(op, resp, &after); err != nil {
			return nil, err
		}
		if strings.TrimSpace(after.ID) != cert.ID || strings.TrimSpace(after.Status) == "" {
			return nil, c.http.MalformedError(op, resp, errors.New("zerossl: the answer is not this certificate's object"))
		}
		acert, err := c.mapOne(op, &after)
		if err != nil {
			return nil, err
		}
		chs, err := c.challenges(ctx, op, certInfo{acert, &after})
		return ofType(chs, method), err
	}
	all, err := mapChallenges(w, cert.DNSNames, model.ValidationPending, nil)
	if err != nil {
		return nil, c.http.MalformedError(op, resp, err)
	}
	chs := ofType(all, method)
	for i := range chs {
		if v, ok := verdicts[chs[i].Domain]; ok {
			chs[i].Status, chs[i].Problem = v.status, v.problem
		}
	}
	return chs, nil
}

// ofType keeps the challenges of the method that was checked: ZeroSSL offers every
// method for every domain, but a check answers for one.
func ofType(chs []model.Challenge, method model.ChallengeType) []model.Challenge {
	out := chs[:0:0]
	for _, ch := range chs {
		if ch.Type == method {
			out = append(out, ch)
		}
	}
	return out
}

// offered lists the DCV methods among chs (the certificate's validation object
// mapped), in ZeroSSL's order (dns-cname, http-file, https-file, email), for an error
// message.
func offered(chs []model.Challenge) string {
	have := map[model.ChallengeType]bool{}
	for _, ch := range chs {
		have[ch.Type] = true
	}
	var out []string
	for _, t := range []model.ChallengeType{model.ChallengeDNSCNAME, model.ChallengeHTTPFile, model.ChallengeHTTPSFile, model.ChallengeEmail} {
		if have[t] {
			out = append(out, string(t))
		}
	}
	if len(out) == 0 {
		return "dns-cname, http-file, https-file, email (the certificate offers none yet)"
	}
	return strings.Join(out, ", ")
}

// CheckMethod returns the DCV method Verify checks when given none: the certificate's
// validation_type (chosen by its first verify), or "" when it has none yet. ZeroSSL
// checks a pending certificate only when asked, so WaitValidated's default asks with this
// method (never email: an email check sends the emails again). Cost: one lookup.
func (c *Client) CheckMethod(ctx context.Context, certificateID string) (model.ChallengeType, error) {
	ci, err := c.lookup(ctx, "CheckMethod", certificateID)
	if err != nil {
		return "", err
	}
	return Method(ci.wire.ValidationType), nil
}

// chooseEmails picks one address per name from the certificate's email choices.
func (c *Client) chooseEmails(op string, w *wireCertificate, names []string) ([]string, error) {
	choices := map[string][]string{}
	val, err := w.Validation.get()
	if err != nil {
		return nil, c.http.MalformedError(op, nil, err)
	}
	if val != nil {
		for d, list := range val.EmailValidation {
			n := wire.ReportedDomain(d)
			choices[n] = append(choices[n], list...)
		}
	}
	chosen := map[string]bool{}
	for _, e := range model.SplitList(w.ValidationEmails) {
		chosen[strings.ToLower(e)] = true
	}
	var out []string
	for _, n := range names {
		list := choices[n]
		if len(list) == 0 {
			return nil, c.http.Error(op, model.ErrInvalidArgument, "ZeroSSL offers no validation email address for %s", n)
		}
		pick := strings.TrimSpace(list[0])
		for _, e := range list {
			if chosen[strings.ToLower(strings.TrimSpace(e))] {
				pick = strings.TrimSpace(e)
				break
			}
		}
		out = append(out, pick)
	}
	return out, nil
}

// verdict is one domain's outcome of a failed check.
type verdict struct {
	status  model.ValidationStatus
	problem string
}

// checkVerdicts reads a verify answer: a success (failed false), a failed check with
// per-domain verdicts, or another vendor error.
func (c *Client) checkVerdicts(op string, resp *retry.Response) (map[string]verdict, bool, error) {
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 || body[0] != '{' {
		return nil, false, c.http.MalformedError(op, resp, errors.New("zerossl: the body is not a JSON object"))
	}
	var env struct {
		Success json.RawMessage `json:"success"`
		Error   *wireError      `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, false, c.http.MalformedError(op, resp, fmt.Errorf("zerossl: %w", err))
	}
	if env.Error == nil || !strings.EqualFold(strings.TrimSpace(string(env.Error.Type)), dcvFailedType) {
		return nil, false, nil // a success, or another error that decode reports
	}
	out := map[string]verdict{}
	var details phpMap[json.RawMessage]
	if err := json.Unmarshal(orNull(env.Error.Details), &details); err != nil {
		return nil, false, c.http.MalformedError(op, resp, fmt.Errorf("zerossl: error.details: %w", err))
	}
	for d, raw := range details {
		out[wire.ReportedDomain(d)] = c.domainVerdict(raw)
	}
	return out, true, nil
}

func orNull(b json.RawMessage) []byte {
	if len(bytes.TrimSpace(b)) == 0 {
		return []byte("null")
	}
	return b
}

// domainVerdict reads details[domain]: {"validation_successful": true} for a passing
// domain, else {name or url: {cname_found, record_correct, target_host, target_record,
// actual_record} or {file_found, error, error_slug, error_info}}.
func (c *Client) domainVerdict(raw json.RawMessage) verdict {
	var entries phpMap[json.RawMessage]
	if err := json.Unmarshal(raw, &entries); err != nil {
		return verdict{model.ValidationFailed, "ZeroSSL's details for this domain are unreadable: " + c.http.Snippet(raw)}
	}
	if ok, _ := wire.ParseBool(entries["validation_successful"]); ok.Set && ok.V {
		return verdict{status: model.ValidationValid}
	}
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var problems []string
	for _, k := range keys {
		if k == "validation_successful" {
			continue
		}
		var f map[string]json.RawMessage
		if json.Unmarshal(entries[k], &f) != nil {
			problems = append(problems, c.clean(k)+": "+c.http.Snippet(entries[k]))
			continue
		}
		problems = append(problems, c.describe(k, f))
	}
	if len(problems) == 0 {
		problems = append(problems, "ZeroSSL reported the check failed without details")
	}
	return verdict{model.ValidationFailed, strings.Join(problems, "; ")}
}

// clean makes a vendor value safe for a one-line message: the kit's Snippet (one
// printable, redacted line, capped).
func (c *Client) clean(s string) string { return c.http.Snippet([]byte(s)) }

// describe words one failing check as a sentence, with the values ZeroSSL gave, each
// value cleaned: "no CNAME record at NAME; ZeroSSL expects one pointing to TARGET".
func (c *Client) describe(where string, f map[string]json.RawMessage) string {
	str := func(k string) string {
		var s flexString
		if json.Unmarshal(orNull(f[k]), &s) != nil {
			return ""
		}
		return c.clean(string(s))
	}
	yes := func(k string) string {
		v, _ := wire.ParseBool(f[k])
		switch {
		case !v.Set:
			return "unknown"
		case v.V:
			return "yes"
		}
		return "no"
	}
	if _, ok := f["cname_found"]; ok {
		name, target := c.clean(where), str("target_record")
		var out string
		switch found, correct := yes("cname_found"), yes("record_correct"); {
		case found == "no":
			out = fmt.Sprintf("no CNAME record at %s; ZeroSSL expects one pointing to %s", name, target)
		case found == "unknown":
			out = fmt.Sprintf("ZeroSSL could not tell whether a CNAME record is at %s; it expects one pointing to %s", name, target)
		case correct == "yes":
			out = fmt.Sprintf("the CNAME record at %s points to %s as expected, yet ZeroSSL refused it", name, target)
		default:
			seen := str("actual_record")
			if seen == "" {
				seen = "another name"
			}
			out = fmt.Sprintf("the CNAME record at %s points to %s, not to %s as ZeroSSL expects", name, seen, target)
		}
		if host := str("target_host"); host != "" && !strings.EqualFold(strings.TrimSuffix(host, "."), strings.TrimSuffix(name, ".")) {
			out += fmt.Sprintf(" (ZeroSSL looked up %s)", host)
		}
		return out
	}
	if _, ok := f["file_found"]; ok {
		var s string
		switch yes("file_found") {
		case "no":
			s = "no file at " + c.clean(where)
		case "yes":
			s = "the file at " + c.clean(where) + " was found but refused"
		default:
			s = "ZeroSSL could not tell whether the file at " + c.clean(where) + " exists"
		}
		reason := str("error_slug")
		if info := str("error_info"); info != "" {
			reason = strings.TrimPrefix(reason+": "+info, ": ")
		}
		if reason != "" {
			s += " (ZeroSSL: " + reason + ")"
		}
		return s
	}
	var parts []string
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		parts = append(parts, c.clean(k)+"="+str(k))
	}
	return c.clean(where) + ": " + strings.Join(parts, ", ")
}
