package bench

import (
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
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
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

// p5Anyca is anyca's flow: Order, Verify (dns-txt), WaitValidated, Download.
func p5Anyca(tb testing.TB, info fakeInfo) p5Issuer {
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
	csr, _ := p5CSR(tb)
	return func(ctx context.Context) ([]byte, error) {
		o, err := c.Order(ctx, model.OrderRequest{Names: []string{p5Name}, CSR: csr.Raw, Method: model.ChallengeDNSTXT})
		if err != nil {
			return nil, err
		}
		if _, err := c.Verify(ctx, o.ID, model.ChallengeDNSTXT); err != nil {
			return nil, err
		}
		// The floor's acmez PollAuthorization waits p5Poll before its first look; so
		// does this flow, so that both look as often (WaitValidated looks at once).
		if err := retry.Sleep(ctx, p5Poll); err != nil {
			return nil, err
		}
		if _, err := anyca.WaitValidated(ctx, c, o.ID, anyca.WaitOptions{Min: p5Poll, Max: p5Poll, MaxPolls: 1000}); err != nil {
			return nil, err
		}
		b, err := c.Download(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		return b.Leaf.Raw, nil
	}
}

// p5Floor is the same flow as raw acmez calls: newOrder, the authorization, the dns-01
// challenge answered, the authorization polled, finalize (polling the order), the chain.
// acmez's chain download also fetches the leaf's renewal information (ARI), which
// anyca's Download does not (RenewalInfo does, when asked): the floor's transport
// answers that GET itself, unsent (acmez decodes the answer as usual), so that both
// flows send the same requests.
func p5Floor(tb testing.TB, info fakeInfo) p5Issuer {
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
	csr, _ := p5CSR(tb)
	return func(ctx context.Context) ([]byte, error) {
		o, err := ac.NewOrder(ctx, acct, acmez.Order{Identifiers: []acmez.Identifier{{Type: "dns", Value: p5Name}}})
		if err != nil {
			return nil, err
		}
		for _, u := range o.Authorizations {
			authz, err := ac.GetAuthorization(ctx, acct, u)
			if err != nil {
				return nil, err
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
			if _, err := ac.InitiateChallenge(ctx, acct, ch); err != nil {
				return nil, err
			}
			if _, err := ac.PollAuthorization(ctx, acct, authz); err != nil {
				return nil, err
			}
		}
		if o, err = ac.FinalizeOrder(ctx, acct, o, csr.Raw); err != nil {
			return nil, err
		}
		chains, err := ac.GetCertificateChain(ctx, acct, o.Certificate)
		if err != nil || len(chains) == 0 {
			return nil, fmt.Errorf("chain: %v", err)
		}
		leaf, err := x509.ParseCertificate(chainDER(string(chains[0].ChainPEM)))
		if err != nil {
			return nil, err
		}
		return leaf.Raw, nil
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
// floor (the same flow as raw acmez calls) and through lego v5. req/op is counted by
// the server, cpu-ns/op is the client's alone.
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

// chainDER returns the DER of the first certificate of a PEM chain (nil when none).
func chainDER(chain string) []byte {
	block, _ := pem.Decode([]byte(chain))
	if block == nil {
		return nil
	}
	return block.Bytes
}
