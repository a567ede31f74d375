package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anyca/anyca/digicert/digicerttest"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/zerossl/zerossltest"
)

// envFake makes the test binary serve one seeded fake instead of running tests.
const envFake = "ANYCA_BENCH_FAKE"

// fakeInfo is what a fake process prints on its first stdout line.
type fakeInfo struct {
	URL string   `json:"url"` // base URL for the adapter (and the floor)
	Key string   `json:"key"`
	IDs []string `json:"ids"` // certificate ids seeded, in order (domains: none)
	// Control is the URL of the /_bench/requests counter endpoint.
	Control string `json:"control"`
	// TLS is the PEM of the server's own TLS certificate (pebble: its API is https).
	TLS string `json:"tls,omitempty"`
}

type fakeProc struct {
	info fakeInfo
	cmd  *exec.Cmd
	in   io.WriteCloser
}

var (
	fakesMu sync.Mutex
	fakes   = map[string]*fakeProc{}
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(envFake); spec != "" {
		serveFake(spec)
		return
	}
	code := m.Run()
	stopFakes()
	os.Exit(code)
}

// fake returns the fake process for spec, starting and seeding it on first use (once per
// test binary, so seeding never falls inside a benchmark's timer).
func fake(tb testing.TB, spec string) fakeInfo {
	tb.Helper()
	fakesMu.Lock()
	defer fakesMu.Unlock()
	if p := fakes[spec]; p != nil {
		return p.info
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), envFake+"="+spec, "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	line, err := bufio.NewReaderSize(out, 1<<20).ReadBytes('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		tb.Fatalf("fake %s: %v", spec, err)
	}
	p := &fakeProc{cmd: cmd, in: in}
	if err := json.Unmarshal(line, &p.info); err != nil {
		_ = cmd.Process.Kill()
		tb.Fatalf("fake %s: %v: %q", spec, err, line)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	fakes[spec] = p
	return p.info
}

func stopFakes() {
	fakesMu.Lock()
	defer fakesMu.Unlock()
	for spec, p := range fakes {
		_ = p.in.Close() // the child exits when its stdin closes
		done := make(chan struct{})
		go func() { _ = p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
		}
		delete(fakes, spec)
	}
}

// requests returns the fake's request counter (faults included).
func requests(tb testing.TB, info fakeInfo) int64 {
	resp, err := http.Get(info.Control)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		tb.Fatalf("counter: %q", b)
	}
	return n
}

// p1Certificate is the certificate P1 looks up: realistic size (OV, five names, serial,
// fingerprint, dates).
func p1Certificate(cn string) model.Certificate {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	return model.Certificate{
		CommonName:      cn,
		DNSNames:        []string{"www." + cn, "api." + cn, "mail." + cn, "static." + cn},
		Status:          model.StatusIssued,
		Level:           model.LevelOV,
		SerialNumber:    "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
		FingerprintSHA1: "da39a3ee5e6b4b0d3255bfef95601890afd80709",
		CreatedAt:       now.Add(-24 * time.Hour),
		NotBefore:       now,
		NotAfter:        now.Add(397 * 24 * time.Hour),
	}
}

// serveFake seeds the fake spec names ("digicert-certs:N", "digicert-domains:N",
// "zerossl-certs:N", "zerossl-list:N" with one name per certificate, "zerossl-page:N"
// with its GET answers memoized), serves it on loopback, prints a fakeInfo line and serves until
// stdin closes.
func serveFake(spec string) {
	kind, nStr, _ := strings.Cut(spec, ":")
	if kind == "pebble" {
		servePebble()
		return
	}
	n, err := strconv.Atoi(nStr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad spec", spec)
		os.Exit(2)
	}
	var (
		h      http.Handler
		count  func() int64
		info   fakeInfo
		prefix string
	)
	switch kind {
	case "digicert-certs", "digicert-domains":
		s := digicerttest.NewUnstarted()
		h, count, info.Key, prefix = s.Handler(), s.Requests, s.APIKey, digicerttest.BasePath
		for i := 0; i < n; i++ {
			if kind == "digicert-certs" {
				info.IDs = append(info.IDs, s.AddCertificate(p1Certificate(fmt.Sprintf("site%06d.example.com", i))).ID)
				continue
			}
			s.AddDomain(model.DomainValidation{
				Domain: fmt.Sprintf("d%06d.example.com", i),
				Method: model.ChallengeDNSTXT,
				Levels: []model.LevelValidation{
					{Level: model.LevelDV, Status: model.ValidationValid, ValidUntil: time.Now().AddDate(0, 6, 0)},
					{Level: model.LevelOV, Status: model.ValidationValid, ValidUntil: time.Now().AddDate(1, 0, 0)},
				},
			})
		}
	case "zerossl-certs", "zerossl-list", "zerossl-page":
		s := zerossltest.NewUnstarted()
		h, count, info.Key = s.Handler(), s.Requests, s.APIKey
		for i := 0; i < n; i++ {
			c := p1Certificate(fmt.Sprintf("site%06d.example.com", i))
			c.Product = ""
			if kind == "zerossl-list" {
				// One name per certificate: the fake serves validation data for every
				// name (~4.5 KB per five-name certificate) and takes ~0.8 s per 1,000.
				c.DNSNames = nil
			}
			info.IDs = append(info.IDs, s.AddCertificate(c).ID)
		}
		h = authHeaderShim(h)
		if kind == "zerossl-page" {
			// The fake takes ~0.8 s to render 1,000 five-name certificates; the list-decode
			// benchmark asks for the same page every op, so it is rendered once.
			m := newPageMemo(h)
			h, count = m, m.requests
		}
	default:
		fmt.Fprintln(os.Stderr, "bad spec", spec)
		os.Exit(2)
	}
	if len(info.IDs) > 2000 {
		info.IDs = info.IDs[:2000] // listings need none; keep the line short
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/_bench/requests", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, count())
	})
	mux.Handle("/", h)
	ts := httptest.NewServer(mux)
	info.URL = ts.URL + prefix
	info.Control = ts.URL + "/_bench/requests"
	b, _ := json.Marshal(info)
	os.Stdout.Write(append(b, '\n'))
	_, _ = io.Copy(io.Discard, os.Stdin)
	ts.Close()
}

// authHeaderShim lets github.com/caddyserver/zerossl v0.1.6, which sends the key as
// "Authorization: ApiKey KEY", talk to zerossltest, which reads access_key from the
// query string (as anyca sends it). Requests without the header pass through untouched.
func authHeaderShim(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "ApiKey "); ok {
			q := r.URL.Query()
			q.Set("access_key", key)
			r.URL.RawQuery = q.Encode()
		}
		next.ServeHTTP(w, r)
	})
}
