package zerossl_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/zerossl"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

var now = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func fakeAt(t *testing.T) (*zerossltest.Server, *zerossl.Client) {
	t.Helper()
	s := zerossltest.NewServer()
	t.Cleanup(s.Close)
	return s, newClient(t, s.URL, s.APIKey, func(c *zerossl.Config) { c.Now = func() time.Time { return now } })
}

func TestChallengesFromFake(t *testing.T) {
	s, c := fakeAt(t)
	cert := s.AddCertificate(model.Certificate{CommonName: "example.com", DNSNames: []string{"www.example.com"}, Status: model.StatusDraft})
	got, err := c.Challenges(context.Background(), cert.ID)
	if err != nil {
		t.Fatal(err)
	}
	seeded := zerossltest.DefaultChallenges(cert.ID, cert.DNSNames)
	if len(got) != len(seeded) || len(got) != 8 {
		t.Fatalf("%d challenges, want %d", len(got), len(seeded))
	}
	order := []model.ChallengeType{model.ChallengeDNSCNAME, model.ChallengeHTTPFile, model.ChallengeHTTPSFile, model.ChallengeEmail}
	for i, ch := range got {
		wantDomain := cert.DNSNames[i/4]
		if ch.Domain != wantDomain || ch.Type != order[i%4] || ch.Status != model.ValidationNotStarted {
			t.Errorf("%d: %+v", i, ch)
		}
	}
	if cn := got[0]; cn.RecordName != lower(seeded[0].RecordName) || cn.RecordValue != lower(seeded[0].RecordValue) {
		t.Errorf("cname must be lower-cased: %+v", cn)
	}
	if f := got[1]; f.Content != seeded[1].Content || f.URL == "" {
		t.Errorf("file: %+v", f)
	}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func TestChallengeStatusFollowsCertificate(t *testing.T) {
	s, c := fakeAt(t)
	for st, want := range map[model.CertificateStatus]model.ValidationStatus{
		model.StatusIssued: model.ValidationValid, model.StatusDraft: model.ValidationNotStarted,
		model.StatusPending: model.ValidationPending, model.StatusExpired: model.ValidationExpired,
		model.StatusRevoked: model.ValidationExpired, model.StatusCancelled: model.ValidationExpired,
	} {
		cert := s.AddCertificate(model.Certificate{CommonName: "x.example.com", Status: st})
		chs, err := c.Challenges(context.Background(), cert.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, ch := range chs {
			if ch.Status != want {
				t.Errorf("%s: challenge %s is %s, want %s", st, ch.Type, ch.Status, want)
			}
		}
	}
}

func TestEmailValidationStatus(t *testing.T) {
	s, c := fakeAt(t)
	cert := s.AddCertificate(model.Certificate{CommonName: "mail.example.com", DNSNames: []string{"www.mail.example.com"}, Status: model.StatusPending})
	s.SetValidation(cert.ID, zerossltest.Validation{
		Method: model.ChallengeEmail,
		Challenges: []model.Challenge{
			{Domain: "mail.example.com", Type: model.ChallengeEmail, Emails: []string{"Admin@mail.example.com", "admin@mail.example.com"}},
			{Domain: "www.mail.example.com", Type: model.ChallengeEmail, Emails: []string{"admin@www.mail.example.com"}},
			{Domain: "www.mail.example.com", Type: model.ChallengeDNSCNAME, RecordName: "_x.www.mail.example.com", RecordValue: "Y.COMODOCA.COM."},
		},
		EmailStatus: map[string]string{"mail.example.com": "Email Sent", "www.mail.example.com": "Validated"},
	})
	got, err := c.Challenges(context.Background(), cert.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []model.Challenge{
		{Domain: "mail.example.com", Type: model.ChallengeEmail, Emails: []string{"admin@mail.example.com"}, Status: model.ValidationPending},
		{Domain: "www.mail.example.com", Type: model.ChallengeDNSCNAME, RecordName: "_x.www.mail.example.com", RecordValue: "y.comodoca.com", Status: model.ValidationPending},
		{Domain: "www.mail.example.com", Type: model.ChallengeEmail, Emails: []string{"admin@www.mail.example.com"}, Status: model.ValidationValid},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	// Without email status the endpoint answers 2838: the call still succeeds.
	s.SetValidation(cert.ID, zerossltest.Validation{Method: model.ChallengeEmail,
		Challenges: []model.Challenge{{Domain: "mail.example.com", Type: model.ChallengeEmail, Emails: []string{"a@mail.example.com"}}}})
	got, err = c.Challenges(context.Background(), cert.ID)
	if err != nil || len(got) != 1 || got[0].Status != model.ValidationPending {
		t.Fatalf("2838 must not fail the call: %+v %v", got, err)
	}
	// Any other /status failure does.
	s.FailNext(1, zerossltest.Fault{Kind: providertest.FaultRateLimit, RetryAfter: "0"}) // consumed by GET certificate, retried
	_, err = c.Challenges(context.Background(), cert.ID)
	if err != nil {
		t.Fatal(err)
	}
}

func TestDomainValidation(t *testing.T) {
	s, c := fakeAt(t)
	day := 24 * time.Hour
	old := s.AddCertificate(model.Certificate{CommonName: "valid.example.com", Status: model.StatusIssued,
		CreatedAt: now.Add(-200 * day), NotAfter: now.Add(-110 * day)})
	valid := s.AddCertificate(model.Certificate{CommonName: "valid.example.com", DNSNames: []string{"san.example.com"}, Status: model.StatusIssued,
		CreatedAt: now.Add(-10 * day), NotAfter: now.Add(80 * day)})
	s.SetValidation(valid.ID, zerossltest.Validation{Method: model.ChallengeDNSCNAME, Challenges: zerossltest.DefaultChallenges(valid.ID, valid.DNSNames)})
	s.AddCertificate(model.Certificate{CommonName: "valid.example.com", Status: model.StatusCancelled, CreatedAt: now.Add(-1 * day)})
	pastDate := s.AddCertificate(model.Certificate{CommonName: "lapsed.example.com", Status: model.StatusIssued,
		CreatedAt: now.Add(-100 * day), NotAfter: now.Add(-10 * day)})
	pending := s.AddCertificate(model.Certificate{CommonName: "new.example.com", DNSNames: []string{"other.example.com"}, Status: model.StatusPending,
		CreatedAt: now.Add(-day)})
	s.SetValidation(pending.ID, zerossltest.Validation{Method: model.ChallengeHTTPFile, Challenges: zerossltest.DefaultChallenges(pending.ID, pending.DNSNames)})
	s.AddCertificate(model.Certificate{CommonName: "gone.example.com", Status: model.StatusCancelled})
	_ = old

	dv, err := c.DomainValidation(context.Background(), "VALID.example.com.")
	if err != nil {
		t.Fatal(err)
	}
	want := &model.DomainValidation{Provider: "zerossl", Domain: "valid.example.com", ID: valid.ID, CertificateID: valid.ID, Status: model.ValidationValid,
		VendorStatus: "issued", Method: model.ChallengeDNSCNAME, VendorMethod: "CNAME_CSR_HASH",
		Levels: []model.LevelValidation{{Level: model.LevelDV, Status: model.ValidationValid, VendorStatus: "issued", ValidUntil: valid.NotAfter}}}
	if !reflect.DeepEqual(dv, want) {
		t.Fatalf("got  %+v\nwant %+v", dv, want)
	}
	if dv.ValidUntil() != valid.NotAfter {
		t.Error("ValidUntil")
	}
	dv, err = c.DomainValidation(context.Background(), "san.example.com")
	if err != nil || dv.ID != valid.ID || dv.Status != model.ValidationValid {
		t.Fatalf("SAN: %+v %v", dv, err)
	}
	dv, err = c.DomainValidation(context.Background(), "lapsed.example.com")
	if err != nil || dv.ID != pastDate.ID || dv.Status != model.ValidationExpired || dv.Levels[0].Status != model.ValidationExpired {
		t.Fatalf("lapsed: %+v %v", dv, err)
	}
	dv, err = c.DomainValidation(context.Background(), "other.example.com")
	if err != nil || dv.Status != model.ValidationPending || dv.Method != model.ChallengeHTTPFile || len(dv.Challenges) != 4 {
		t.Fatalf("pending: %+v %v", dv, err)
	}
	for _, ch := range dv.Challenges {
		if ch.Domain != "other.example.com" || ch.Status != model.ValidationPending {
			t.Errorf("pending challenge: %+v", ch)
		}
	}
	for _, name := range []string{"gone.example.com", "nowhere.example.com", "example.com"} {
		_, err = c.DomainValidation(context.Background(), name)
		wantKind(t, err, model.ErrNotFound)
	}
	before := s.Requests()
	for _, name := range []string{"", "bad name.example.com", "-x.example.com", "a..b"} {
		_, err = c.DomainValidation(context.Background(), name)
		wantKind(t, err, model.ErrInvalidArgument)
	}
	if s.Requests() != before {
		t.Error("invalid names must make no request")
	}
}

// The server-side search misses SANs on large accounts: the adapter falls back to a scan.
func TestDomainValidationSearchMissFallsBack(t *testing.T) {
	s := zerossltest.NewServer()
	t.Cleanup(s.Close)
	cert := s.AddCertificate(model.Certificate{CommonName: "main.example.com", DNSNames: []string{"alt.example.com"}, Status: model.StatusIssued,
		NotAfter: now.Add(time.Hour)})
	exactCN := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query().Get("search"); q != "" && q != "main.example.com" {
			fmt.Fprint(w, `{"total_count":0,"result_count":0,"page":"1","limit":"1000","results":[]}`)
			return
		}
		s.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(exactCN.Close)
	c := newClient(t, exactCN.URL, s.APIKey, func(c *zerossl.Config) { c.Now = func() time.Time { return now } })
	dv, err := c.DomainValidation(context.Background(), "alt.example.com")
	if err != nil || dv.ID != cert.ID || dv.Status != model.ValidationValid {
		t.Fatalf("%+v %v", dv, err)
	}
}

func TestDomains(t *testing.T) {
	s, c := fakeAt(t)
	s.AddCertificate(model.Certificate{CommonName: "b.example.com", DNSNames: []string{"www.b.example.com"}, Status: model.StatusIssued, NotAfter: now.Add(time.Hour)})
	s.AddCertificate(model.Certificate{CommonName: "a.example.com", DNSNames: []string{"b.example.com"}, Status: model.StatusDraft})
	s.AddCertificate(model.Certificate{CommonName: "c.example.org", Status: model.StatusCancelled})
	var names []string
	for dv, err := range c.Domains(context.Background(), model.DomainQuery{PageSize: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, dv.Domain)
		one, err := c.DomainValidation(context.Background(), dv.Domain)
		if err != nil || !reflect.DeepEqual(one, dv) {
			t.Errorf("Domains and DomainValidation disagree on %s:\n%+v\n%+v", dv.Domain, dv, one)
		}
	}
	if want := []string{"a.example.com", "b.example.com", "www.b.example.com"}; !reflect.DeepEqual(names, want) {
		t.Errorf("domains %v, want %v", names, want)
	}
	names = nil
	for dv, err := range anyca.Domains(context.Background(), c, model.DomainQuery{Search: "WWW"}) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, dv.Domain)
	}
	if !reflect.DeepEqual(names, []string{"www.b.example.com"}) {
		t.Errorf("search: %v", names)
	}
}

func TestCertificatesByIDThroughRoot(t *testing.T) {
	s, c := fakeAt(t)
	var ids []string
	for i := 0; i < 20; i++ {
		ids = append(ids, s.AddCertificate(model.Certificate{CommonName: fmt.Sprintf("h%d.example.com", i)}).ID)
	}
	ids = append(ids, "ffffffffffffffffffffffffffffffff", "not-an-id", ids[0])
	got, err := anyca.CertificatesByID(context.Background(), c, ids)
	if err != nil || len(got) != 20 {
		t.Fatalf("%d %v", len(got), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = anyca.CertificatesByID(ctx, c, ids)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	s, c := fakeAt(t)
	cert := s.AddCertificate(model.Certificate{CommonName: "x.example.com", Status: model.StatusPending})
	done := make(chan error, 8)
	for i := 0; i < 8; i++ {
		go func(i int) {
			s.AddCertificate(model.Certificate{CommonName: fmt.Sprintf("c%d.example.com", i)})
			_, err := c.Certificate(context.Background(), cert.ID)
			if err == nil {
				_, err = c.DomainValidation(context.Background(), "x.example.com")
			}
			for _, e := range c.Certificates(context.Background(), model.CertificateQuery{PageSize: 2}) {
				if e != nil {
					err = e
				}
			}
			done <- err
		}(i)
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
