package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/cmd/anyca/internal/sim"
	"github.com/anyca/anyca/model"
	"github.com/anyca/anyca/providertest"
	"github.com/anyca/anyca/providertest/fakeca"
)

// orderFlagsFor are the flags an order on the simulated ca needs: DigiCert's DV product
// by DNS TXT (its default product is OV, and its default method email).
func orderFlagsFor(ca sim.CA) []string {
	if ca.Provider == "digicert" {
		return []string{"--product", "ssl_dv_geotrust", "--method", "dns-txt"}
	}
	return nil
}

// verifyMethod is the method anyca verify names on the simulated ca.
func verifyMethod(ca sim.CA) string {
	if ca.Provider == "zerossl" {
		return "http-file"
	}
	return "dns-txt"
}

// lifeEnv is simEnv with a config file that lets the DigiCert adapter approve the
// requests its revocations make (the simulator's account needs an approver).
func lifeEnv(t *testing.T, env map[string]string) map[string]string {
	out := maps.Clone(env)
	out[envConfigFile] = writeFile(t, t.TempDir(), "life.json", `{"digicert": {"approve_requests": true}}`)
	return out
}

// ordersFor lists the certificates of the account whose names are exactly names.
func ordersFor(t *testing.T, env map[string]string, names ...string) []model.Certificate {
	t.Helper()
	var all, out []model.Certificate
	decode(t, runLive(t, env, "certs", "list", "--search", names[0], "-o", "json"), &all)
	for _, c := range all {
		if strings.Join(c.DNSNames, ",") == strings.Join(names, ",") {
			out = append(out, c)
		}
	}
	return out
}

// readKey reads the PKCS#8 PEM key anyca order wrote, checking it is ECDSA P-256 and
// readable by its owner only.
func readKey(t *testing.T, path string) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatalf("%s is not a PRIVATE KEY PEM block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		t.Fatalf("the key is %T, want ECDSA P-256", k)
	}
	return ec, block.Bytes
}

// assertKeyNotPrinted fails when any output of r shows the key's PEM body or part of it.
func assertKeyNotPrinted(t *testing.T, r result, keyDER []byte) {
	t.Helper()
	body := strings.ReplaceAll(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})), "\n", "")
	body = strings.TrimSuffix(strings.TrimPrefix(body, "-----BEGIN PRIVATE KEY-----"), "-----END PRIVATE KEY-----")
	for _, out := range []string{r.stdout, r.stderr} {
		flat := strings.ReplaceAll(out, "\n", "")
		if strings.Contains(flat, body[:40]) || strings.Contains(out, "PRIVATE KEY") {
			t.Errorf("anyca %q printed the private key", r.args)
		}
	}
}

// TestOrderRenewRevokeCancel walks the whole life through the CLI on both simulated CAs:
// order with a new key (written 0600, never printed) that the downloaded certificate
// certifies, renew naming what it replaces, revoke done and idempotent, cancel done and
// idempotent, and the refusals.
func TestOrderRenewRevokeCancel(t *testing.T) {
	cas, srv := startSim(t, time.Now())
	for _, ca := range cas {
		t.Run(ca.Provider, func(t *testing.T) {
			env := lifeEnv(t, simEnv(ca, srv))
			dir := t.TempDir()
			keyFile := filepath.Join(dir, "shop.key")
			args := append([]string{"order", "--name", "shop.example.org", "--name", "www.shop.example.org", "--key-out", keyFile, "-o", "json"}, orderFlagsFor(ca)...)
			r := runLive(t, env, args...)
			var c model.Certificate
			decode(t, r, &c)
			key, der := readKey(t, keyFile)
			assertKeyNotPrinted(t, r, der)
			if c.ID == "" || strings.Join(c.DNSNames, ",") != "shop.example.org,www.shop.example.org" {
				t.Fatalf("order: %+v", c)
			}
			// The table form too never shows the key, and names the key file.
			tbl := mustSucceed(t, runLive(t, env, append([]string{"order", "--name", "table.example.org", "--key-out", filepath.Join(dir, "t.key")}, orderFlagsFor(ca)...)...))
			_, tder := readKey(t, filepath.Join(dir, "t.key"))
			assertKeyNotPrinted(t, tbl, tder)
			if !strings.Contains(tbl.stdout, "Key file:") || !strings.Contains(tbl.stdout, "anyca challenges ") {
				t.Errorf("order table: %q", tbl.stdout)
			}

			if ca.Provider == "digicert" {
				// The default product is OV: the account's only organization is used.
				var ov model.Certificate
				decode(t, runLive(t, env, "order", "--name", "ov.example.org", "--key-out", filepath.Join(dir, "ov.key"), "--method", "dns-txt", "-o", "json"), &ov)
				if ov.Level != model.LevelOV || ov.Product != "ssl_basic" {
					t.Errorf("default-product order: %+v", ov)
				}
			}

			// The DCV loop, then the download certifies the key written.
			mustSucceed(t, runLive(t, env, "sim", "publish", c.ID))
			mustSucceed(t, runLive(t, env, "verify", c.ID, "--method", verifyMethod(ca), "--wait", "--timeout", "1m"))
			pemFile := filepath.Join(dir, "shop.pem")
			mustSucceed(t, runLive(t, env, "download", c.ID, "--out", pemFile))
			leaf := downloadedLeaf(t, pemFile)
			if !key.PublicKey.Equal(leaf.PublicKey) {
				t.Error("the downloaded certificate does not certify the key anyca order wrote")
			}

			// Renew: same names, a new key, the CA told what it replaces.
			var renewal model.Certificate
			decode(t, runLive(t, env, append([]string{"renew", c.ID, "--key-out", filepath.Join(dir, "renew.key"), "-o", "json"}, orderFlagsFor(ca)...)...), &renewal)
			if renewal.ReplacesID != c.ID || renewal.ID == c.ID || strings.Join(renewal.DNSNames, ",") != strings.Join(c.DNSNames, ",") {
				t.Errorf("renewal %+v of %s", renewal, c.ID)
			}
			if rk, _ := readKey(t, filepath.Join(dir, "renew.key")); rk.PublicKey.Equal(&key.PublicKey) {
				t.Error("renew reused the key")
			}

			// Revoke: done, read back revoked, and done again.
			assertFailure(t, runLive(t, env, "revoke", c.ID, "--reason", "because"), exitUsage, "--reason")
			if got := mustSucceed(t, runLive(t, env, "revoke", c.ID, "--reason", "superseded")).stdout; got != c.ID+": revoked (superseded)\n" {
				t.Errorf("revoke printed %q", got)
			}
			var got model.Certificate
			decode(t, runLive(t, env, "cert", "get", c.ID, "-o", "json"), &got)
			if got.Status != model.StatusRevoked {
				t.Errorf("after revoke the certificate is %s", got.Status)
			}
			mustSucceed(t, runLive(t, env, "revoke", c.ID, "--reason", "superseded"))
			assertFailure(t, runLive(t, env, "cancel", c.ID), exitError, "")

			// Cancel the pending renewal: done, and done again; then it cannot be revoked.
			if got := mustSucceed(t, runLive(t, env, "cancel", renewal.ID)).stdout; got != renewal.ID+": cancelled\n" {
				t.Errorf("cancel printed %q", got)
			}
			decode(t, runLive(t, env, "cert", "get", renewal.ID, "-o", "json"), &got)
			if got.Status != model.StatusCancelled {
				t.Errorf("after cancel the order is %s", got.Status)
			}
			mustSucceed(t, runLive(t, env, "cancel", renewal.ID))
			assertFailure(t, runLive(t, env, "revoke", renewal.ID), exitError, "failed precondition")
		})
	}
}

// TestOrderRefusedLocally: an existing --key-out, a bad name, a CSR for other names and
// conflicting flags exit 2 before any order is placed, and an existing key file is left
// as it was.
func TestOrderRefusedLocally(t *testing.T) {
	cas, srv := startSim(t, time.Now())
	for _, ca := range cas {
		t.Run(ca.Provider, func(t *testing.T) {
			env := caEnv(ca, srv.URL)
			dir := t.TempDir()
			existing := writeFile(t, dir, "old.key", "precious")
			csr := writeFile(t, dir, "other.csr", string(providertest.NewCSR("other.example.org")))
			flags := orderFlagsFor(ca)
			for _, tc := range []struct {
				args []string
				says string
			}{
				{[]string{"order", "--name", "refused.example.org", "--key-out", existing}, "never overwritten"},
				{[]string{"order", "--name", "refused .example.org", "--key-out", filepath.Join(dir, "bad.key")}, "--name"},
				{[]string{"order", "--name", "refused.example.org", "--csr", csr}, "differ from the request"},
				{[]string{"order", "--name", "refused.example.org"}, "--key-out"},
				{[]string{"order", "--name", "refused.example.org", "--csr", csr, "--key-out", filepath.Join(dir, "x.key")}, "exclude each other"},
				{[]string{"order", "--name", "refused.example.org", "--key-out", filepath.Join(dir, "v.key"), "--validity", "soon"}, "--validity"},
				{[]string{"renew", "4123045"}, "--key-out"},
			} {
				assertFailure(t, runLive(t, env, append(tc.args, flags...)...), exitUsage, tc.says)
			}
			if b, _ := os.ReadFile(existing); string(b) != "precious" {
				t.Errorf("the existing key file was changed: %q", b)
			}
			for _, f := range []string{"bad.key", "x.key", "v.key"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
					t.Errorf("%s was written for an order refused", f)
				}
			}
			if n := len(ordersFor(t, env, "refused.example.org")); n != 0 {
				t.Errorf("%d orders placed for refused command lines", n)
			}
		})
	}
}

// TestOrderOutcomeUnknown: when the create request's answer is lost after the CA made
// the order, anyca order prints the order FindOrder found and exits 8, and the CA holds
// exactly one order; when a 503 answers it, the order was not made, anyca says so and
// exits 8, and nothing was ordered again.
func TestOrderOutcomeUnknown(t *testing.T) {
	cas, srv := startSim(t, time.Now())
	for _, ca := range cas {
		t.Run(ca.Provider, func(t *testing.T) {
			env := caEnv(ca, srv.URL)
			dir := t.TempDir()

			ca.FailNext(1, fakeca.Fault{Kind: fakeca.LostAnswer})
			r := runLive(t, env, append([]string{"order", "--name", "lost.example.org", "--key-out", filepath.Join(dir, "lost.key"), "-o", "json"}, orderFlagsFor(ca)...)...)
			var found model.Certificate
			decodeExit(t, r, exitOutcomeUnknown, &found)
			for _, want := range []string{"order_outcome_unknown", "the order was made: " + found.ID, "do not order again", "the key is kept in"} {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr %q does not say %q", r.stderr, want)
				}
			}
			orders := ordersFor(t, env, "lost.example.org")
			if len(orders) != 1 || orders[0].ID != found.ID {
				t.Errorf("after a lost answer the CA holds %d orders %v, want exactly the one found (%s)", len(orders), orders, found.ID)
			}
			readKey(t, filepath.Join(dir, "lost.key")) // kept: the order found certifies it

			ca.FailNext(1, fakeca.Fault{Kind: fakeca.ServerError, Status: 503})
			r = runLive(t, env, append([]string{"order", "--name", "busy.example.org", "--key-out", filepath.Join(dir, "busy.key")}, orderFlagsFor(ca)...)...)
			assertFailure(t, r, exitOutcomeUnknown, "no order for busy.example.org was found")
			if n := len(ordersFor(t, env, "busy.example.org")); n != 0 {
				t.Errorf("after a 503 the CA holds %d orders: the create request was sent again", n)
			}
		})
	}
}

// downloadedLeaf parses the first certificate of the PEM file anyca download wrote.
func downloadedLeaf(t *testing.T, pemFile string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s holds no PEM block", pemFile)
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return leaf
}
