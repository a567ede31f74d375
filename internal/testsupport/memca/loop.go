package memca

import (
	"context"
	"crypto/x509"
	"fmt"
	"slices"
	"sort"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/internal/chain"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
)

// Verify and Download of the in-memory CA, and the bugs that break them.

var (
	_ anyca.Verifier   = (*Provider)(nil)
	_ anyca.Downloader = (*Provider)(nil)
)

// LoopBugs break Verify and Download on purpose.
type LoopBugs struct {
	VerifyIgnoresPublish bool // Verify passes every domain, published or not
	VerifyNoProblem      bool // a failed domain has no Problem
	VerifyIssued         bool // Verify of an issued certificate is accepted
	DownloadPending      bool // a certificate that is not issued is downloaded anyway
	DownloadWrongLeaf    bool // the leaf of another certificate is sent
	DownloadStaleLeaf    bool // a leaf of the same names and serial, nine years older, is sent
	DownloadBrokenChain  bool // another certificate is sent between the leaf and its intermediate
	RecheckAfterRefusal  bool // with FinalRefusal, a refused domain is checked again (and passes once published)
}

// Roots returns a pool with the root that signs the server's chains.
func Roots() *x509.CertPool { return fakeca.TestPKI().RootPool() }

// issueLeaves signs a leaf for every certificate that was issued (issued, revoked,
// expired), with its names, serial and dates; its fingerprint becomes the leaf's.
func (s *Server) issueLeaves() {
	s.leaves = map[string]*fakeca.Leaf{}
	for i := range s.certs {
		c := &s.certs[i]
		if c.Status != model.StatusIssued && c.Status != model.StatusRevoked && c.Status != model.StatusExpired {
			continue
		}
		spec := fakeca.LeafSpec{Serial: c.SerialNumber, Seed: c.ID, Names: c.DNSNames, NotBefore: c.NotBefore, NotAfter: c.NotAfter}
		leaf, err := fakeca.TestPKI().Issue(spec)
		if err != nil {
			spec.Serial = ""
			if leaf, err = fakeca.TestPKI().Issue(spec); err != nil {
				continue
			}
		}
		s.leaves[c.ID] = leaf
		c.SerialNumber, c.FingerprintSHA1 = leaf.Serial, leaf.SHA1
	}
}

// Publish marks every challenge of domain as published.
func (s *Server) Publish(domain string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.published == nil {
		s.published = map[string]bool{}
	}
	if d, err := model.NormalizeDomain(domain); err == nil {
		domain = d
	}
	s.published[domain] = true
}

// Verify checks every domain of the certificate: published ones become valid, the
// others failed with a Problem; with FinalRefusal, a failed one is not checked again.
func (p *Provider) Verify(ctx context.Context, certificateID string, method model.ChallengeType) ([]model.Challenge, error) {
	const op = "Verify"
	if method != "" && !slices.Contains(model.ChallengeTypes(), method) {
		return nil, p.errorf(op, model.ErrInvalidArgument, "no DCV method %q", method)
	}
	s, c, err := p.callFor(ctx, op, certificateID)
	if err != nil {
		return nil, err
	}
	bugs := p.bugs().Loop
	switch st := c.Status; st {
	case model.StatusPending, model.StatusDraft:
	default:
		if !bugs.VerifyIssued {
			return nil, p.errorf(op, model.ErrFailedPrecondition, "the certificate is %s", st)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	chs := s.challenges[certificateID]
	for j := range chs {
		ch := &chs[j]
		if ch.Status == model.ValidationValid || (ch.Status == model.ValidationFailed && s.FinalRefusal && !bugs.RecheckAfterRefusal) {
			continue
		}
		if s.published[ch.Domain] || bugs.VerifyIgnoresPublish {
			ch.Status, ch.Problem = model.ValidationValid, ""
			continue
		}
		ch.Status = model.ValidationFailed
		if !bugs.VerifyNoProblem {
			ch.Problem = fmt.Sprintf("no %s proof found for %s (expected %s)", ch.Type, ch.Domain, ch.RecordValue+ch.Content)
		}
	}
	s.issueIfValidated(certificateID)
	return model.CloneChallenges(chs), nil
}

// Download returns the issued certificate's leaf and the intermediate.
func (p *Provider) Download(ctx context.Context, certificateID string) (*model.Bundle, error) {
	const op = "Download"
	s, c, err := p.callFor(ctx, op, certificateID)
	if err != nil {
		return nil, err
	}
	bugs := p.bugs().Loop
	if st := c.Status; st != model.StatusIssued && !bugs.DownloadPending {
		return nil, p.errorf(op, model.ErrFailedPrecondition, "the certificate is %s", st)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	leaf := s.leaves[certificateID]
	if s.noLeaves {
		return nil, p.errorf(op, model.ErrUnavailable, "the server issues no leaves (NoLeaves)")
	}
	if leaf == nil || bugs.DownloadWrongLeaf {
		ids := make([]string, 0, len(s.leaves))
		for id := range s.leaves {
			if id != certificateID {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		if len(ids) == 0 {
			return nil, p.errorf(op, model.ErrUnavailable, "no certificate to send")
		}
		leaf = s.leaves[ids[0]]
	}
	parts := [][]byte{leaf.PEM, fakeca.TestPKI().IntermediatePEM()}
	if bugs.DownloadStaleLeaf {
		stale, err := fakeca.TestPKI().Issue(fakeca.LeafSpec{Serial: c.SerialNumber, Seed: c.ID, Names: c.DNSNames,
			NotBefore: c.NotBefore.AddDate(-9, 0, 0), NotAfter: c.NotAfter.AddDate(-9, 0, 0)})
		if err == nil {
			parts[0] = stale.PEM
		}
	}
	if bugs.DownloadBrokenChain {
		for id, other := range s.leaves {
			if id != certificateID {
				parts = [][]byte{parts[0], other.PEM, parts[1]}
				break
			}
		}
	}
	b, err := chain.Parse(parts...)
	if err != nil {
		return nil, p.errorf(op, model.ErrUnavailable, "%v", err)
	}
	return b, nil
}
