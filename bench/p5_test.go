package bench

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	legoacme "github.com/go-acme/lego/v5/acme"
	"github.com/go-acme/lego/v5/certificate"
	legodns "github.com/go-acme/lego/v5/challenge/dns01"
	"github.com/go-acme/lego/v5/lego"
	legolog "github.com/go-acme/lego/v5/log"
	"github.com/go-acme/lego/v5/registration"
	acmez "github.com/mholt/acmez/v3/acme"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/acme"
	"github.com/anyca/anyca/acme/acmetest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/retry"
)

// P5: one certificate issued per op on Pebble (acme/acmetest in a child process, so
// cpu-ns/op is the client's alone): always-valid, no VA sleep, no nonce rejection, the
// same for the three clients. Each client registers its account before the timer; an
// op orders one name, answers its dns-01 challenge, waits for the authorization,
// finalizes with a CSR made before the timer and downloads the chain. req/op is counted
// at the server.

// p5Name is the name every op orders (Pebble reuses no authorization: each op validates).
const p5Name = "p5.example.com"

// p5Poll is every client's wait between two looks at an authorization or an order.
const p5Poll = 5 * time.Millisecond

// servePebble is the child process of spec "pebble": Pebble always-valid, its request
// counter on a plain loopback listener, until stdin closes.
func servePebble() {
	srv, err := acmetest.New(acmetest.Options{AlwaysValid: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pebble:", err)
		os.Exit(2)
	}
	ctl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, srv.Requests())
	}))
	b, _ := json.Marshal(fakeInfo{URL: srv.DirectoryURL, Control: ctl.URL, TLS: string(srv.TLSCertificatePEM())})
	os.Stdout.Write(append(b, '\n'))
	_, _ = io.Copy(io.Discard, os.Stdin)
	ctl.Close()
	srv.Close()
}

// p5Client is an HTTP client that trusts the child Pebble's TLS certificate.
func p5Client(tb testing.TB, info fakeInfo) *http.Client {
	tb.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(info.TLS)) {
		tb.Fatal("pebble: no TLS certificate")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 4}}
}

// p5CSR is the certificate request every op finalizes with, and its key.
func p5CSR(tb testing.TB) (*x509.CertificateRequest, crypto.Signer) {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: p5Name}, DNSNames: []string{p5Name}}, k)
	if err != nil {
		tb.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		tb.Fatal(err)
	}
	return csr, k
}

// p5Issuer is one client's issuance: it returns the leaf's DER.
type p5Issuer func(ctx context.Context) ([]byte, error)

// p5Issuance is what anyca's flow and the floor hand back for one issuance: the order
// as placed, mapped into a model.Certificate (what anyca's Order returns), and the
// downloaded chain as a model.Bundle (what anyca's Download returns).
type p5Issuance struct {
	order  *model.Certificate
	bundle *model.Bundle
}

// p5AnycaClient is anyca's ACME client for the child Pebble, its account registered.
func p5AnycaClient(tb testing.TB, info fakeInfo) *acme.Client {
	key, err := acme.NewKey()
	if err != nil {
		tb.Fatal(err)
	}
	c, err := acme.New(acme.Config{DirectoryURL: info.URL, Key: key, AgreeTerms: true, HTTPClient: p5Client(tb, info),
		Retry: retry.Config{RequestsPerSecond: -1}, PollInterval: p5Poll})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Register(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return c
}

// p5AnycaIssue is anyca's flow for one CSR: Order, Verify (dns-txt), WaitValidated,
// Download.
func p5AnycaIssue(ctx context.Context, c *acme.Client, csr []byte) (p5Issuance, error) {
	o, err := c.Order(ctx, model.OrderRequest{Names: []string{p5Name}, CSR: csr, Method: model.ChallengeDNSTXT})
	if err != nil {
		return p5Issuance{}, err
	}
	if _, err := c.Verify(ctx, o.ID, model.ChallengeDNSTXT); err != nil {
		return p5Issuance{}, err
	}
	// The floor's acmez PollAuthorization waits p5Poll before its first look; so does
	// this flow, so that both look as often (WaitValidated looks at once).
	if err := retry.Sleep(ctx, p5Poll); err != nil {
		return p5Issuance{}, err
	}
	if _, err := anyca.WaitValidated(ctx, c, o.ID, anyca.WaitOptions{Min: p5Poll, Max: p5Poll, MaxPolls: 1000}); err != nil {
		return p5Issuance{}, err
	}
	b, err := c.Download(ctx, o.ID)
	if err != nil {
		return p5Issuance{}, err
	}
	return p5Issuance{order: o, bundle: b}, nil
}

// p5Anyca is anyca's flow with the CSR every op finalizes.
func p5Anyca(tb testing.TB, info fakeInfo) p5Issuer {
	c := p5AnycaClient(tb, info)
	csr, _ := p5CSR(tb)
	return func(ctx context.Context) ([]byte, error) {
		iss, err := p5AnycaIssue(ctx, c, csr.Raw)
		if err != nil {
			return nil, err
		}
		return iss.bundle.Leaf.Raw, nil
	}
}

// p5FloorClient is the floor: the same flow as raw acmez calls (newOrder, the
// authorization, the dns-01 challenge answered, the authorization polled, finalize
// polling the order, the chain), plus the work anyca's guarantees cost it, written by
// hand: the CSR checked before newOrder (floorCheckCSR), the order mapped into the
// model.Certificate anyca's Order returns, a record of each order kept as anyca's state
// keeps it, and the download read into the model.Bundle anyca's Download returns
// (floorBundle). TestP5FloorMatchesAnyca checks that it returns what anyca returns and
// refuses what anyca refuses.
//
// acmez's chain download also fetches the leaf's renewal information (ARI), which
// anyca's Download does not (RenewalInfo does, when asked): the floor's transport
// answers that GET itself, unsent (acmez decodes the answer as usual), so that both
// flows send the same requests.
type p5FloorClient struct {
	ac      *acmez.Client
	acct    acmez.Account
	records map[string]*p5FloorRecord // by order URL
}

// p5FloorRecord is what the floor keeps of an order it placed, as anyca's state does
// (in memory): the names and CSR it was placed with and when, its authorization and
// finalize URLs, whether a finalize was sent, and the leaf once downloaded.
type p5FloorRecord struct {
	names     []string
	csr       []byte
	created   time.Time
	authzs    []string
	finalize  string
	finalized bool
	leaf      []byte
}

// newP5Floor is the floor's acmez client for the child Pebble, its account registered.
func newP5Floor(tb testing.TB, info fakeInfo) *p5FloorClient {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	hc := p5Client(tb, info)
	hc.Transport = noARI{hc.Transport}
	ac := &acmez.Client{Directory: info.URL, HTTPClient: hc, PollInterval: p5Poll, PollTimeout: time.Minute}
	acct, err := ac.NewAccount(context.Background(), acmez.Account{PrivateKey: k, TermsOfServiceAgreed: true})
	if err != nil {
		tb.Fatal(err)
	}
	return &p5FloorClient{ac: ac, acct: acct, records: map[string]*p5FloorRecord{}}
}

// issue orders p5Name with csr, answers its dns-01 challenge, waits for the
// authorization, finalizes and downloads the chain.
func (f *p5FloorClient) issue(ctx context.Context, csr []byte) (p5Issuance, error) {
	names := []string{p5Name}
	if err := floorCheckCSR(csr, names); err != nil {
		return p5Issuance{}, err
	}
	rec := &p5FloorRecord{names: names, csr: csr, created: time.Now().UTC().Truncate(time.Second)}
	o, err := f.ac.NewOrder(ctx, f.acct, acmez.Order{Identifiers: []acmez.Identifier{{Type: "dns", Value: p5Name}}})
	if err != nil {
		return p5Issuance{}, err
	}
	if o.Status != acmez.StatusPending && o.Status != acmez.StatusReady {
		return p5Issuance{}, fmt.Errorf("new order %s is %s", o.Location, o.Status)
	}
	rec.authzs, rec.finalize = o.Authorizations, o.Finalize
	f.records[o.Location] = rec
	placed := &model.Certificate{Provider: acme.Name, ID: o.Location, CommonName: names[0], DNSNames: names,
		Status: model.StatusPending, VendorStatus: o.Status, Level: model.LevelDV, Product: o.Profile, CreatedAt: rec.created}
	for _, u := range o.Authorizations {
		authz, err := f.ac.GetAuthorization(ctx, f.acct, u)
		if err != nil {
			return p5Issuance{}, err
		}
		if authz.Status == acmez.StatusValid {
			continue // reused by the CA (Pebble: 1% of orders even at PEBBLE_AUTHZREUSE=0)
		}
		var ch acmez.Challenge
		for _, c := range authz.Challenges {
			if c.Type == acmez.ChallengeTypeDNS01 {
				ch = c
			}
		}
		if _, err := f.ac.InitiateChallenge(ctx, f.acct, ch); err != nil {
			return p5Issuance{}, err
		}
		if _, err := f.ac.PollAuthorization(ctx, f.acct, authz); err != nil {
			return p5Issuance{}, err
		}
	}
	rec.finalized = true
	if o, err = f.ac.FinalizeOrder(ctx, f.acct, o, csr); err != nil {
		return p5Issuance{}, err
	}
	chains, err := f.ac.GetCertificateChain(ctx, f.acct, o.Certificate)
	if err != nil || len(chains) == 0 {
		return p5Issuance{}, fmt.Errorf("chain: %v", err)
	}
	b, err := floorBundle(chains[0].ChainPEM, rec.names)
	if err != nil {
		return p5Issuance{}, err
	}
	rec.leaf = b.Leaf.Raw
	return p5Issuance{order: placed, bundle: b}, nil
}

// floorCheckCSR is the floor's check of a CSR before newOrder, as anyca's Order checks
// it (model.CheckOrder) so that a mistake costs no request: it parses as PKCS#10, its
// signature verifies with its own key, and it names DNS names only, exactly the order's
// names (CheckOrder also checks the key's type and size, which costs nothing).
func floorCheckCSR(der []byte, names []string) error {
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return err
	}
	if err := csr.CheckSignature(); err != nil {
		return err
	}
	if len(csr.IPAddresses)+len(csr.EmailAddresses)+len(csr.URIs) > 0 {
		return errors.New("the CSR names more than DNS names")
	}
	inCSR := map[string]bool{}
	for _, n := range append([]string{csr.Subject.CommonName}, csr.DNSNames...) {
		if n != "" {
			inCSR[strings.ToLower(n)] = true
		}
	}
	for _, n := range names {
		if !inCSR[n] {
			return fmt.Errorf("the CSR does not name %s", n)
		}
		delete(inCSR, n)
	}
	if len(inCSR) > 0 {
		return errors.New("the CSR names more than the order")
	}
	return nil
}

// floorBundle reads a PEM chain into the model.Bundle anyca's Download returns: every
// block parsed as a certificate, the first the leaf, and the blocks re-encoded; then
// checked as anyca checks every download: each certificate signed by the next, and the
// leaf naming every name of the order.
func floorBundle(chain []byte, names []string) (*model.Bundle, error) {
	var b model.Bundle
	var out bytes.Buffer
	for block, rest := pem.Decode(chain); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("a %s block in the chain", block.Type)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		if b.Leaf == nil {
			b.Leaf = c
		} else {
			b.Intermediates = append(b.Intermediates, c)
		}
		_ = pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes})
	}
	if b.Leaf == nil {
		return nil, errors.New("no certificate in the chain")
	}
	certs := append([]*x509.Certificate{b.Leaf}, b.Intermediates...)
	for i := 0; i+1 < len(certs); i++ {
		if err := certs[i].CheckSignatureFrom(certs[i+1]); err != nil {
			return nil, fmt.Errorf("certificate %d is not signed by the next: %v", i+1, err)
		}
	}
	for _, n := range names {
		if !slices.Contains(b.Leaf.DNSNames, n) {
			return nil, fmt.Errorf("the leaf does not name %s", n)
		}
	}
	b.PEM = out.Bytes()
	return &b, nil
}

// p5Floor is the floor with the CSR every op finalizes.
func p5Floor(tb testing.TB, info fakeInfo) p5Issuer {
	f := newP5Floor(tb, info)
	csr, _ := p5CSR(tb)
	return func(ctx context.Context) ([]byte, error) {
		iss, err := f.issue(ctx, csr.Raw)
		if err != nil {
			return nil, err
		}
		return iss.bundle.Leaf.Raw, nil
	}
}

// noARI answers, unsent, the renewal information GET acmez makes after a chain
// download, with a window a month ahead (an error would make acmez try twice more,
// seconds apart); every other request goes through.
type noARI struct{ base http.RoundTripper }

func (t noARI) RoundTrip(r *http.Request) (*http.Response, error) {
	if !strings.Contains(r.URL.Path, "/renewalInfo/") {
		return t.base.RoundTrip(r)
	}
	start := time.Now().Add(30 * 24 * time.Hour).UTC()
	body := fmt.Sprintf(`{"suggestedWindow":{"start":%q,"end":%q}}`, start.Format(time.RFC3339), start.Add(24*time.Hour).Format(time.RFC3339))
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)), Request: r}, nil
}

// legoUser is lego's account holder.
type legoUser struct {
	key crypto.Signer
	reg *legoacme.ExtendedAccount
}

func (u *legoUser) GetEmail() string                           { return "" }
func (u *legoUser) GetRegistration() *legoacme.ExtendedAccount { return u.reg }
func (u *legoUser) GetPrivateKey() crypto.Signer               { return u.key }

// legoDNS publishes nothing (Pebble is always-valid) and asks lego to look at once.
type legoDNS struct{}

func (legoDNS) Present(context.Context, string, string, string) error { return nil }
func (legoDNS) CleanUp(context.Context, string, string, string) error { return nil }
func (legoDNS) Timeout() (time.Duration, time.Duration)               { return time.Minute, time.Millisecond }

// p5Lego is github.com/go-acme/lego/v5: ObtainForCSR with a dns-01 provider, its
// propagation check off (nothing is published; Pebble is always-valid).
func p5Lego(tb testing.TB, info fakeInfo) p5Issuer {
	tb.Setenv("LEGO_DISABLE_CNAME_SUPPORT", "true")
	legolog.SetDefault(slog.New(slog.DiscardHandler)) // anyca and the floor log nothing either
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	user := &legoUser{key: k}
	cfg := lego.NewConfig(user)
	cfg.CADirURL, cfg.HTTPClient = info.URL, p5Client(tb, info)
	client, err := lego.NewClient(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if err := client.Challenge.SetDNS01Provider(legoDNS{}, legodns.PropagationWait(0, true)); err != nil {
		tb.Fatal(err)
	}
	if user.reg, err = client.Registration.Register(context.Background(), registration.RegisterOptions{TermsOfServiceAgreed: true}); err != nil {
		tb.Fatal(err)
	}
	csr, _ := p5CSR(tb)
	return func(ctx context.Context) ([]byte, error) {
		res, err := client.Certificate.ObtainForCSR(ctx, certificate.ObtainForCSRRequest{CSR: csr})
		if err != nil {
			return nil, err
		}
		return chainDER(string(res.Certificate)), nil
	}
}

// BenchmarkP5Issue issues one certificate per op on Pebble: through anyca, through the
// floor (the same flow as raw acmez calls, plus the work anyca's guarantees cost it:
// p5FloorClient) and through lego v5. req/op is counted by the server, cpu-ns/op is the
// client's alone.
func BenchmarkP5Issue(b *testing.B) {
	for _, v := range []struct {
		name string
		make func(testing.TB, fakeInfo) p5Issuer
	}{{"anyca", p5Anyca}, {"floor", p5Floor}, {"lego", p5Lego}} {
		b.Run(v.name, func(b *testing.B) {
			info := fake(b, "pebble:0")
			issue := v.make(b, info)
			ctx := context.Background()
			before := requests(b, info)
			cpu := startCPU()
			for b.Loop() {
				leaf, err := issue(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if len(leaf) == 0 {
					b.Fatal("no leaf")
				}
			}
			cpu.report(b)
			b.ReportMetric(float64(requests(b, info)-before)/float64(b.N), "req/op")
		})
	}
}

// TestP5Issues runs each P5 client once: every one gets a leaf for p5Name.
func TestP5Issues(t *testing.T) {
	info := fake(t, "pebble:0")
	for name, mk := range map[string]func(testing.TB, fakeInfo) p5Issuer{"anyca": p5Anyca, "floor": p5Floor, "lego": p5Lego} {
		t.Run(name, func(t *testing.T) {
			before := requests(t, info)
			der, err := mk(t, info)(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			leaf, err := x509.ParseCertificate(der)
			if err != nil || len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != p5Name {
				t.Fatalf("leaf %v: %v", leaf, err)
			}
			t.Logf("%s: %d requests for registration and one issuance", name, requests(t, info)-before)
		})
	}
}

// TestP5FloorMatchesAnyca checks that P5's floor does the work anyca does for one
// issuance, so that the CPU ratio compares the same work: for the same CSR both return
// the same placed order (every field but the order URL, creation time and profile,
// each order's own) and the same bundle (a leaf for the same name and key, the same intermediates,
// the PEM re-encoded alike), the floor keeps the record anyca's state keeps, and both
// refuse, before any request, the CSRs anyca's Order refuses (a broken signature, a
// name the order does not have).
func TestP5FloorMatchesAnyca(t *testing.T) {
	info := fake(t, "pebble:0")
	ctx := context.Background()
	c, f := p5AnycaClient(t, info), newP5Floor(t, info)
	csr, _ := p5CSR(t)
	start := time.Now().UTC().Truncate(time.Second)
	a, err := p5AnycaIssue(ctx, c, csr.Raw)
	if err != nil {
		t.Fatal(err)
	}
	fl, err := f.issue(ctx, csr.Raw)
	if err != nil {
		t.Fatal(err)
	}
	end := time.Now()

	dir, _ := url.Parse(info.URL)
	for name, o := range map[string]*model.Certificate{"anyca": a.order, "floor": fl.order} {
		u, err := url.Parse(o.ID)
		if err != nil || u.Host != dir.Host || o.CreatedAt.Before(start) || o.CreatedAt.After(end) || o.Product == "" {
			t.Errorf("%s: order %q created %s with profile %q, want an order URL on %s created in [%s, %s] with the CA's profile",
				name, o.ID, o.CreatedAt, o.Product, dir.Host, start, end)
		}
	}
	ao, fo := *a.order, *fl.order
	ao.ID, fo.ID, ao.CreatedAt, fo.CreatedAt = "", "", time.Time{}, time.Time{}
	ao.Product, fo.Product = "", "" // Pebble picks a profile at random for an order that names none
	if !reflect.DeepEqual(ao, fo) {
		t.Errorf("placed order:\nanyca %+v\nfloor %+v", ao, fo)
	}

	for name, b := range map[string]*model.Bundle{"anyca": a.bundle, "floor": fl.bundle} {
		var want []byte
		for _, cert := range append([]*x509.Certificate{b.Leaf}, b.Intermediates...) {
			want = append(want, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
		}
		if !bytes.Equal(b.PEM, want) {
			t.Errorf("%s: the bundle's PEM is not its certificates re-encoded", name)
		}
		if !equalStrings(b.Leaf.DNSNames, []string{p5Name}) || !csr.PublicKey.(*ecdsa.PublicKey).Equal(b.Leaf.PublicKey) {
			t.Errorf("%s: leaf for %v, not the CSR's name and key", name, b.Leaf.DNSNames)
		}
	}
	leafPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fl.bundle.Leaf.Raw})
	if _, err := floorBundle(append(bytes.Clone(leafPEM), leafPEM...), []string{p5Name}); err == nil {
		t.Error("the floor took a chain whose leaf is not signed by the next certificate")
	}
	if _, err := floorBundle(fl.bundle.PEM, []string{"other.example.com"}); err == nil {
		t.Error("the floor took a leaf that does not name the order's name")
	}
	if len(a.bundle.Intermediates) == 0 || len(a.bundle.Intermediates) != len(fl.bundle.Intermediates) {
		t.Fatalf("intermediates: anyca %d, floor %d", len(a.bundle.Intermediates), len(fl.bundle.Intermediates))
	}
	for i, in := range a.bundle.Intermediates {
		if !bytes.Equal(in.Raw, fl.bundle.Intermediates[i].Raw) {
			t.Errorf("intermediate %d differs", i+1)
		}
	}
	if rec := f.records[fl.order.ID]; rec == nil || !rec.finalized || !bytes.Equal(rec.csr, csr.Raw) ||
		!bytes.Equal(rec.leaf, fl.bundle.Leaf.Raw) || len(rec.authzs) == 0 || rec.finalize == "" {
		t.Errorf("the floor's record of its order: %+v", rec)
	}

	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: []string{"other.example.com"}}, k)
	if err != nil {
		t.Fatal(err)
	}
	broken := bytes.Clone(csr.Raw)
	broken[len(broken)-1] ^= 1 // the signature's last byte
	for name, der := range map[string][]byte{"broken signature": broken, "another name": other} {
		before := requests(t, info)
		if _, err := p5AnycaIssue(ctx, c, der); model.KindOf(err) != model.ErrInvalidArgument {
			t.Errorf("%s: anyca gave %v, want ErrInvalidArgument", name, err)
		}
		if _, err := f.issue(ctx, der); err == nil {
			t.Errorf("%s: the floor ordered", name)
		}
		if n := requests(t, info) - before; n != 0 {
			t.Errorf("%s: %d requests reached Pebble, want none", name, n)
		}
	}
}

// chainDER returns the DER of the first certificate of a PEM chain (nil when none).
func chainDER(chain string) []byte {
	block, _ := pem.Decode([]byte(chain))
	if block == nil {
		return nil
	}
	return block.Bytes
}
