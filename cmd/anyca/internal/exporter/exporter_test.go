package exporter

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	promodel "github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest/fakeca"
	"github.com/anyca/anyca/retry"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fleetFakes are the three simulated accounts: prod and staging on DigiCert fakes with
// the demo data of two seeds, dv on a ZeroSSL fake. Staging is configured with a wrong key.
type fleetFakes struct {
	prod, staging *digicerttest.Server
	dv            *zerossltest.Server
	want          map[string]demo.Account // seeded data by account
	accounts      []anyca.Account
}

func newFleetFakes(t *testing.T) *fleetFakes {
	t.Helper()
	now := time.Now()
	f := &fleetFakes{
		prod:    digicerttest.NewServer(digicerttest.WithAPIKey("prod-digicert-key-000001")),
		staging: digicerttest.NewServer(digicerttest.WithAPIKey("staging-digicert-key-0002")),
		dv:      zerossltest.NewServer(zerossltest.WithAPIKey("dv-zerossl-key-0000000003")),
		want:    map[string]demo.Account{"prod": demo.DigiCert(1, now), "staging": demo.DigiCert(2, now), "dv": demo.ZeroSSL(3, now)},
	}
	t.Cleanup(func() { f.prod.Close(); f.staging.Close(); f.dv.Close() })
	for name, srv := range map[string]*digicerttest.Server{"prod": f.prod, "staging": f.staging} {
		acct := f.want[name]
		for _, d := range acct.Domains {
			srv.AddDomain(d)
		}
		var certs []model.Certificate
		for _, c := range acct.Certificates {
			certs = append(certs, srv.AddCertificate(c))
		}
		acct.Certificates = certs
		f.want[name] = acct
	}
	dv := f.want["dv"]
	var certs []model.Certificate
	for _, c := range dv.Certificates {
		certs = append(certs, f.dv.AddCertificate(c))
	}
	dv.Certificates = certs
	f.want["dv"] = dv
	quick := retry.Config{MaxAttempts: 2, MinWait: time.Millisecond, MaxWait: 5 * time.Millisecond, RequestsPerSecond: -1}
	f.accounts = []anyca.Account{
		{Name: "prod", Config: anyca.Config{Provider: "digicert", APIKey: f.prod.APIKey, BaseURL: f.prod.URL, Retry: quick}},
		{Name: "staging", Config: anyca.Config{Provider: "digicert", APIKey: "wrong-key-for-staging-000", BaseURL: f.staging.URL, Retry: quick}},
		{Name: "dv", Config: anyca.Config{Provider: "zerossl", APIKey: f.dv.APIKey, BaseURL: f.dv.URL, Retry: quick}},
	}
	return f
}

// scrape fetches url and parses the text exposition format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: HTTP %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(promodel.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return mfs
}

// series indexes a family's samples by their labels, rendered "k=v,k=v" in label order.
func series(mf *dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	if mf == nil {
		return out
	}
	for _, m := range mf.GetMetric() {
		var parts []string
		for _, l := range m.GetLabel() {
			parts = append(parts, l.GetName()+"="+l.GetValue())
		}
		v := m.GetGauge().GetValue()
		if m.GetCounter() != nil {
			v = m.GetCounter().GetValue()
		}
		out[strings.Join(parts, ",")] = v
	}
	return out
}

func startExporter(t *testing.T, f *fleetFakes, opt Options) (*Exporter, string) {
	t.Helper()
	e, err := New(context.Background(), f.accounts, opt)
	if err != nil {
		t.Fatal(err)
	}
	h, err := e.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return e, srv.URL + "/metrics"
}

func TestExporterMetrics(t *testing.T) {
	f := newFleetFakes(t)
	e, url := startExporter(t, f, Options{})
	e.Refresh(context.Background())

	requests := f.prod.Requests() + f.dv.Requests() + f.staging.Requests()
	mfs := scrape(t, url)
	if n := f.prod.Requests() + f.dv.Requests() + f.staging.Requests(); n != requests {
		t.Errorf("a scrape made %d CA requests", n-requests)
	}

	notAfter := series(mfs["anyca_certificate_not_after_seconds"])
	for _, name := range []string{"prod", "dv"} {
		acct := f.want[name]
		provider := map[string]string{"prod": "digicert", "dv": "zerossl"}[name]
		n, dropped := 0, map[model.CertificateStatus]int{}
		for _, c := range acct.Certificates {
			if c.NotAfter.IsZero() {
				continue
			}
			// Only issued certificates have an expiry to watch; the series has no status
			// label, so a status change never starts a new one.
			key := fmt.Sprintf("account=%s,common_name=%s,id=%s,provider=%s", name, c.CommonName, c.ID, provider)
			got, ok := notAfter[key]
			if c.Status != model.StatusIssued {
				dropped[c.Status]++
				if ok {
					t.Errorf("series %s for a certificate that is %s", key, c.Status)
				}
				continue
			}
			n++
			if !ok {
				t.Fatalf("no series %s", key)
			}
			if want := float64(c.NotAfter.Unix()); got != want {
				t.Errorf("%s = %v, want %v", key, got, want)
			}
		}
		if n == 0 || dropped[model.StatusExpired] == 0 || dropped[model.StatusRevoked] == 0 {
			t.Fatalf("account %s seeded %d issued certificates with an expiry, and besides %v: want expired and revoked ones too", name, n, dropped)
		}
		for _, d := range acct.Domains {
			for _, l := range d.Levels {
				if l.ValidUntil.IsZero() {
					continue
				}
				key := fmt.Sprintf("account=%s,domain=%s,level=%s,provider=%s,status=%s", name, d.Domain, l.Level, provider, l.Status)
				if got, ok := series(mfs["anyca_domain_validation_valid_until_seconds"])[key]; !ok || got != float64(l.ValidUntil.Unix()) {
					t.Errorf("%s = %v (present %v), want %d", key, got, ok, l.ValidUntil.Unix())
				}
			}
		}
	}
	counts := series(mfs["anyca_certificates"])
	issued := 0
	for _, c := range f.want["prod"].Certificates {
		if c.Status == model.StatusIssued {
			issued++
		}
	}
	if got := counts["account=prod,provider=digicert,status=issued"]; got != float64(issued) {
		t.Errorf("prod issued count %v, want %d", got, issued)
	}
	for key := range notAfter {
		if strings.Contains(key, "account=staging") {
			t.Errorf("series for the broken account: %s", key)
		}
	}
	success := series(mfs["anyca_refresh_success"])
	want := map[string]float64{"account=prod,provider=digicert": 1, "account=staging,provider=digicert": 0, "account=dv,provider=zerossl": 1}
	if fmt.Sprint(success) != fmt.Sprint(want) {
		t.Errorf("anyca_refresh_success %v, want %v", success, want)
	}
	reqs := series(mfs["anyca_ca_requests_total"])
	if reqs["account=prod,provider=digicert"] < 1 || reqs["account=staging,provider=digicert"] < 1 {
		t.Errorf("request counts %v", reqs)
	}
	if reqs["account=prod,provider=digicert"] != float64(f.prod.Requests()) {
		t.Errorf("prod: counted %v requests, the fake saw %d", reqs["account=prod,provider=digicert"], f.prod.Requests())
	}
	if _, ok := series(mfs["anyca_refresh_last_success_timestamp_seconds"])["account=staging,provider=digicert"]; ok {
		t.Error("the broken account has a last success time")
	}

	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.New(resp.Body).Lint()
	resp.Body.Close()
	if err != nil || len(problems) > 0 {
		t.Errorf("promlint: %v %v", problems, err)
	}
}

func TestExporterCountsRateLimited(t *testing.T) {
	f := newFleetFakes(t)
	e, url := startExporter(t, f, Options{})
	f.dv.FailNext(2, fakeca.Fault{Kind: fakeca.RateLimit, RetryAfter: "0"})
	e.Refresh(context.Background())
	mfs := scrape(t, url)
	if got := series(mfs["anyca_ca_rate_limited_total"])["account=dv,provider=zerossl"]; got != 2 {
		t.Errorf("dv 429s counted %v, want 2", got)
	}
	if got := series(mfs["anyca_refresh_success"])["account=dv,provider=zerossl"]; got != 0 {
		t.Errorf("dv refresh_success %v after retries ran out on 429", got)
	}
}

// TestScrapeDuringRefresh holds a refresh after it listed the new certificates and
// before the domains, scrapes, and finds the previous complete set.
func TestScrapeDuringRefresh(t *testing.T) {
	f := newFleetFakes(t)
	f.accounts = f.accounts[:1] // prod
	entered, release := make(chan struct{}), make(chan struct{})
	var hold bool
	e, url := startExporter(t, f, Options{AfterCertificates: func(string) {
		if hold {
			entered <- struct{}{}
			<-release
		}
	}})
	e.Refresh(context.Background())
	before := scrape(t, url)

	added := f.prod.AddCertificate(model.Certificate{CommonName: "new.example.com", DNSNames: []string{"new.example.com"},
		Status: model.StatusIssued, NotBefore: time.Now(), NotAfter: time.Now().AddDate(0, 2, 0)})
	hold = true
	done := make(chan struct{})
	go func() { e.Refresh(context.Background()); close(done) }()
	<-entered
	during := scrape(t, url)
	close(release)
	<-done
	after := scrape(t, url)

	for _, name := range []string{"anyca_certificate_not_after_seconds", "anyca_domain_validation_valid_until_seconds", "anyca_certificates", "anyca_refresh_success"} {
		if fmt.Sprint(series(before[name])) != fmt.Sprint(series(during[name])) {
			t.Errorf("%s changed during the refresh", name)
		}
	}
	hasNew := func(mfs map[string]*dto.MetricFamily) bool {
		for k := range series(mfs["anyca_certificate_not_after_seconds"]) {
			if strings.Contains(k, "id="+added.ID+",") {
				return true
			}
		}
		return false
	}
	if hasNew(during) || !hasNew(after) {
		t.Errorf("new certificate during the refresh: %v, after: %v", hasNew(during), hasNew(after))
	}
	if len(series(after["anyca_domain_validation_valid_until_seconds"])) != len(series(before["anyca_domain_validation_valid_until_seconds"])) {
		t.Error("domains lost by the second refresh")
	}
}

func TestRefreshInterval(t *testing.T) {
	for _, tc := range []struct {
		requests uint64
		rps      float64
		want     time.Duration
	}{
		{0, 5, time.Minute},             // never refreshed: the base
		{10, 5, time.Minute},            // 10 requests at 10% of 5/s: 20 s, under the base
		{600, 5, 20 * time.Minute},      // 600 at 0.5/s: 1200 s
		{600, -1, time.Minute},          // no client-side limit
		{1, 0.001, 10000 * time.Second}, // one request at 0.0001/s
	} {
		if got := refreshInterval(time.Minute, tc.requests, tc.rps); got != tc.want {
			t.Errorf("refreshInterval(1m, %d, %v) = %v, want %v", tc.requests, tc.rps, got, tc.want)
		}
	}
}

func TestRunStopsWithContext(t *testing.T) {
	f := newFleetFakes(t)
	e, err := New(context.Background(), f.accounts, Options{Interval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { e.Run(ctx); close(done) }()
	for e.snap.Load().accounts["dv"] == nil {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// A failed refresh is logged once, with the account and provider as fields and the
// provider's error as the error: not a fleet's error about the account inside it.
func TestRefreshFailureLogLine(t *testing.T) {
	f := newFleetFakes(t)
	f.accounts = f.accounts[1:2] // staging, whose key is wrong
	var buf bytes.Buffer
	e, err := New(context.Background(), f.accounts, Options{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.Refresh(context.Background())
	line := buf.String()
	if strings.Count(line, "\n") != 1 || !strings.Contains(line, "account=staging provider=digicert") ||
		!strings.Contains(line, `error="digicert: Certificates: unauthenticated`) {
		t.Errorf("log line %q", line)
	}
	for _, nested := range []string{"account(s) failed", "account staging", "fleet"} {
		if strings.Contains(line, nested) {
			t.Errorf("log line %q wraps the error in another account error (%q)", line, nested)
		}
	}
}

// TestExporterRenewalWindow scrapes the renewal-window metrics: every issued certificate
// of a listed account has its window's start (the last third of its lifetime: these CAs
// give no advice), and anyca_certificate_renewed is 1 exactly for those a pending or
// issued certificate of the account replaces.
func TestExporterRenewalWindow(t *testing.T) {
	f := newFleetFakes(t)
	// A renewal ordered for the first issued certificate of each account.
	for name, add := range map[string]func(model.Certificate) model.Certificate{"prod": f.prod.AddCertificate, "dv": f.dv.AddCertificate} {
		acct := f.want[name]
		for _, c := range acct.Certificates {
			if c.Status == model.StatusIssued {
				r := add(model.Certificate{CommonName: c.CommonName, DNSNames: c.DNSNames, Status: model.StatusPending,
					Level: c.Level, Product: c.Product, CreatedAt: time.Now().UTC().Truncate(time.Second), ReplacesID: c.ID})
				acct.Certificates = append(acct.Certificates, r)
				break
			}
		}
		f.want[name] = acct
	}
	e, url := startExporter(t, f, Options{})
	e.Refresh(context.Background())
	mfs := scrape(t, url)
	start := series(mfs["anyca_certificate_renewal_window_start_seconds"])
	renewed := series(mfs["anyca_certificate_renewed"])
	for _, name := range []string{"prod", "dv"} {
		provider := map[string]string{"prod": "digicert", "dv": "zerossl"}[name]
		acct := f.want[name]
		// Renewed: a live certificate names it as replaced, or has its names and is newer.
		live := func(c model.Certificate) bool {
			return c.Status == model.StatusPending || c.Status == model.StatusDraft || c.Status == model.StatusIssued
		}
		replaced := map[string]bool{}
		for _, c := range acct.Certificates {
			for _, d := range acct.Certificates {
				if d.ID != c.ID && live(d) && (d.ReplacesID == c.ID ||
					fmt.Sprint(sortedNames(d)) == fmt.Sprint(sortedNames(c)) && d.CreatedAt.After(c.CreatedAt)) {
					replaced[c.ID] = true
				}
			}
		}
		var issued, renewedN, open int
		for _, c := range acct.Certificates {
			key := fmt.Sprintf("account=%s,common_name=%s,id=%s,provider=%s,status=%s", name, c.CommonName, c.ID, provider, c.Status)
			if c.Status != model.StatusIssued {
				if _, ok := start[key]; ok {
					t.Errorf("a renewal window for a %s certificate: %s", c.Status, key)
				}
				continue
			}
			issued++
			life := c
			if life.NotBefore.IsZero() {
				life.NotBefore = life.CreatedAt // ZeroSSL gives no start date
			}
			w, ok := model.LifetimeRenewalWindow(&life)
			if !ok {
				t.Fatalf("seeded issued certificate %s has no dates", c.ID)
			}
			if got, ok := start[key]; !ok || got != float64(w.Start.Unix()) {
				t.Errorf("%s renewal window start = %v (present %v), want %v", key, got, ok, w.Start.Unix())
			}
			want := 0.0
			if replaced[c.ID] {
				want, renewedN = 1, renewedN+1
			}
			if got, ok := renewed[key]; !ok || got != want {
				t.Errorf("%s renewed = %v (present %v), want %v", key, got, ok, want)
			}
			if w.Open(time.Now()) && !replaced[c.ID] {
				open++
			}
		}
		if issued == 0 || renewedN == 0 || open == 0 {
			t.Fatalf("account %s: %d issued, %d renewed, %d due: the seed does not exercise both sides", name, issued, renewedN, open)
		}
	}
}

// A config that anyca.New refuses names the account, and no fleet.
func TestNewRefusesAnAccountByName(t *testing.T) {
	f := newFleetFakes(t)
	accts := f.accounts[:1]
	accts[0].Config.BaseURL = "127.0.0.1:8089/digicert"
	_, err := New(context.Background(), accts, Options{})
	var ae *anyca.AccountError
	if !errors.As(err, &ae) || ae.Account != "prod" || model.KindOf(err) != model.ErrInvalidArgument || strings.Contains(err.Error(), "fleet") {
		t.Errorf("New: %v", err)
	}
}

// sortedNames returns c's names sorted.
func sortedNames(c model.Certificate) []string {
	n := append([]string(nil), c.DNSNames...)
	sort.Strings(n)
	return n
}

// TestWedgedRefreshFails: a CA that accepts the connection and never answers cannot
// hold a refresh forever; the refresh ends at RefreshTimeout and counts as failed.
func TestWedgedRefreshFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns sync.WaitGroup
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop); ln.Close(); conns.Wait() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { defer conns.Done(); <-stop; c.Close() }() // read nothing, answer nothing
		}
	}()
	accounts := []anyca.Account{{Name: "wedged", Config: anyca.Config{Provider: "zerossl",
		APIKey: "wedged-zerossl-key-000000", BaseURL: "http://" + ln.Addr().String(),
		Retry: retry.Config{MaxAttempts: 1, RequestsPerSecond: -1}}}}
	e, err := New(context.Background(), accounts, Options{RefreshTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { e.Refresh(context.Background()); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the refresh of a CA that never answers did not end")
	}
	st := e.snap.Load().accounts["wedged"]
	if st == nil || st.success {
		t.Fatalf("a wedged refresh must count as failed, got %+v", st)
	}
}
