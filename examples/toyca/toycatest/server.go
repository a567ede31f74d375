// Package toycatest is a fake ToyCA for tests, built on providertest/fakeca: the Base
// gives the loopback server, the key check, the fault injector and the request counts;
// this package adds ToyCA's vocabulary, its JSON and its routes, and declares how its
// listing pages so the injector can play the paging faults on its real pages. It never
// imports the adapter: its words are its own (vocab), so the two can disagree.
package toycatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// APIKey is the key a Server accepts.
const APIKey = "toycatest-key-0123456789abcdef"

// vocab is ToyCA's certificate states, as its API documentation lists them.
var vocab = map[model.CertificateStatus]string{
	model.StatusIssued: "active", model.StatusPending: "waiting", model.StatusDraft: "draft",
	model.StatusRevoked: "revoked", model.StatusCancelled: "cancelled", model.StatusExpired: "expired",
}

// Server is a running fake ToyCA; URL (the Base's) is the BaseURL to give the adapter.
// Its methods are safe for concurrent use.
type Server struct {
	*fakeca.Base
	mu         sync.Mutex
	certs      []model.Certificate
	domains    []model.DomainValidation
	challenges map[string][]model.Challenge
}

// NewServer starts a fake on a loopback port; call Close when done.
func NewServer() *Server {
	s := &Server{challenges: map[string][]model.Challenge{}}
	s.Base = fakeca.NewBase("", errorBody, &fakeca.Auth{
		KeyOf: func(r *http.Request) string { return r.Header.Get("Toy-Key") },
		Key:   APIKey,
		Unauthorized: func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, http.StatusUnauthorized, "bad_key", "the Toy-Key is not valid")
		},
	}, func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "no_route", "no such endpoint")
	})
	s.DeclarePaging(fakeca.Paging{Params: []string{"offset"}, Total: "total"})
	s.Handle("GET /certificates", s.list)
	s.Handle("GET /certificates/{id}", func(w http.ResponseWriter, r *http.Request) {
		if c, ok := s.find(r.PathValue("id")); ok {
			writeJSON(w, certJSON(c))
			return
		}
		writeError(w, http.StatusNotFound, "not_found", "no such certificate")
	})
	s.Handle("GET /certificates/{id}/challenges", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := s.find(r.PathValue("id")); !ok {
			writeError(w, http.StatusNotFound, "not_found", "no such certificate")
			return
		}
		s.mu.Lock()
		chs := challengesJSON(s.challenges[r.PathValue("id")])
		s.mu.Unlock()
		writeJSON(w, map[string]any{"challenges": chs})
	})
	s.Handle("GET /domains/{name}", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, d := range s.domains {
			if d.Domain == r.PathValue("name") {
				writeJSON(w, domainJSON(d))
				return
			}
		}
		writeError(w, http.StatusNotFound, "not_found", "no such domain")
	})
	return fakeca.Started(s)
}

// AddCertificate stores c and returns it as the adapter must report it: provider toyca,
// names normalized with the common name first, times UTC to the second, the state in
// ToyCA's words (draft for one ToyCA has no word for).
func (s *Server) AddCertificate(c model.Certificate) model.Certificate {
	c.Provider, c.Account = "toyca", ""
	c.CommonName = fakeca.NormName(c.CommonName)
	c.DNSNames = model.NormalizeDomains(append([]string{c.CommonName}, c.DNSNames...))
	if vocab[c.Status] == "" {
		c.Status = model.StatusDraft
	}
	c.VendorStatus = vocab[c.Status]
	c.SerialNumber, c.FingerprintSHA1 = model.NormalizeHex(c.SerialNumber), model.NormalizeHex(c.FingerprintSHA1)
	c.CreatedAt, c.NotBefore, c.NotAfter = second(c.CreatedAt), second(c.NotBefore), second(c.NotAfter)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.ID == "" {
		c.ID = fmt.Sprintf("toy-%d", len(s.certs)+1)
	}
	s.certs = append(s.certs, c)
	return c
}

// AddDomain stores d as ToyCA's record of the domain (id dom-N when it has no DomainID)
// and returns it as the adapter must report it: what ToyCA does not keep (vendor words,
// a certificate id) cleared.
func (s *Server) AddDomain(d model.DomainValidation) model.DomainValidation {
	s.mu.Lock()
	defer s.mu.Unlock()
	d.Provider, d.Account, d.Domain = "toyca", "", fakeca.NormName(d.Domain)
	if d.DomainID == "" {
		d.DomainID = fmt.Sprintf("dom-%d", len(s.domains)+1)
	}
	d.ID, d.CertificateID, d.VendorStatus, d.VendorMethod = d.DomainID, "", "", ""
	d.ValidatedAt = second(d.ValidatedAt)
	d.Levels = append([]model.LevelValidation(nil), d.Levels...)
	for i := range d.Levels {
		d.Levels[i].VendorStatus, d.Levels[i].ValidUntil = "", second(d.Levels[i].ValidUntil)
	}
	d.Challenges = normChallenges(d.Domain, d.Challenges)
	s.domains = append(s.domains, d)
	return d
}

// SetChallenges sets what the certificate with id hands out, and returns them as the
// adapter must report them.
func (s *Server) SetChallenges(id string, chs []model.Challenge) []model.Challenge {
	chs = normChallenges("", chs)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.challenges[id] = chs
	return chs
}

func normChallenges(domain string, in []model.Challenge) []model.Challenge {
	var out []model.Challenge
	for _, ch := range in {
		if ch.Domain == "" {
			ch.Domain = domain
		}
		ch.Domain, ch.ExpiresAt = fakeca.NormName(ch.Domain), second(ch.ExpiresAt)
		out = append(out, ch)
	}
	return out
}

// Certificates returns the stored certificates in listing order.
func (s *Server) Certificates() []model.Certificate {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]model.Certificate(nil), s.certs...)
}

// Domains returns the stored domain records.
func (s *Server) Domains() []model.DomainValidation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]model.DomainValidation(nil), s.domains...)
}

func (s *Server) find(id string) (model.Certificate, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.certs {
		if c.ID == id {
			return c, true
		}
	}
	return model.Certificate{}, false
}

// list serves GET /certificates: offset (default 0), limit (default 20, at most 50),
// state and q.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit := 0, 20 // ToyCA's defaults
	var err1, err2 error
	if v := q.Get("offset"); v != "" {
		offset, err1 = strconv.Atoi(v)
	}
	if v := q.Get("limit"); v != "" {
		limit, err2 = strconv.Atoi(v)
	}
	if err1 != nil || err2 != nil || offset < 0 || limit < 1 {
		writeError(w, http.StatusBadRequest, "bad_paging", "offset and limit must be counts")
		return
	}
	limit = min(limit, 50)
	states, search := q.Get("state"), strings.ToLower(q.Get("q"))
	var match []any
	for _, c := range s.Certificates() {
		if states != "" && !strings.Contains(","+states+",", ","+c.VendorStatus+",") {
			continue
		}
		if search != "" && !strings.Contains(strings.Join(c.DNSNames, " "), search) {
			continue
		}
		match = append(match, certJSON(c))
	}
	page := match[min(offset, len(match)):min(offset+limit, len(match))]
	writeJSON(w, map[string]any{"certificates": append([]any{}, page...), "total": len(match)})
}

func second(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// when is a time as ToyCA sends it: RFC 3339, null when unset.
func when(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Format(time.RFC3339)
}

func certJSON(c model.Certificate) map[string]any {
	return map[string]any{"id": c.ID, "cn": c.CommonName, "names": c.DNSNames, "state": c.VendorStatus,
		"level": c.Level, "product": c.Product, "created": when(c.CreatedAt), "not_before": when(c.NotBefore),
		"not_after": when(c.NotAfter), "serial": c.SerialNumber, "sha1": c.FingerprintSHA1, "replaces": c.ReplacesID}
}

func challengesJSON(chs []model.Challenge) []any {
	out := []any{}
	for _, ch := range chs {
		out = append(out, map[string]any{"domain": ch.Domain, "type": ch.Type, "record_name": ch.RecordName,
			"record_value": ch.RecordValue, "url": ch.URL, "content": ch.Content, "emails": ch.Emails,
			"token": ch.Token, "status": ch.Status, "expires": when(ch.ExpiresAt), "problem": ch.Problem})
	}
	return out
}

func domainJSON(d model.DomainValidation) map[string]any {
	levels := []any{}
	for _, l := range d.Levels {
		levels = append(levels, map[string]any{"level": l.Level, "status": l.Status, "valid_until": when(l.ValidUntil)})
	}
	return map[string]any{"id": d.DomainID, "domain": d.Domain, "status": d.Status, "method": d.Method,
		"levels": levels, "validated": when(d.ValidatedAt), "challenges": challengesJSON(d.Challenges)}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// errorBody is ToyCA's error body, for the injector's 429 and 5xx too.
func errorBody(status int, message string) []byte {
	if message == "" {
		message = http.StatusText(status)
	}
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": "http_" + strconv.Itoa(status), "message": message}})
	return b
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}
