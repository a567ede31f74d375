package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anyca/anyca/model"
)

// TestACMEOrderRenewRevokeCancel walks the whole life through the CLI on anyca sim's ACME
// CA (Pebble, validating against the simulator's DNS server): order with a new key
// (0600, never printed) in the shortlived profile, the DCV loop, a download that
// certifies the key with a 6-day certificate, renew naming what it replaces, revoke done
// and idempotent, cancel refused as unsupported (exit 1, nothing sent), and --validity
// refused (exit 2) before any key is written.
func TestACMEOrderRenewRevokeCancel(t *testing.T) {
	env, _, rootFile, _ := simACMEEnv(t)
	acctKey := accountKey(t, env[envConfigFile])
	dir := t.TempDir()
	var outs []string
	run := func(args ...string) result {
		t.Helper()
		r := runLive(t, env, args...)
		outs = append(outs, r.stdout, r.stderr)
		return r
	}

	names := []string{"life.example.org", "www.life.example.org"}
	keyFile := filepath.Join(dir, "life.key")
	r := run("order", "--name", names[0], "--name", names[1], "--key-out", keyFile, "--product", "shortlived", "-o", "json")
	var c model.Certificate
	decode(t, r, &c)
	key, der := readKey(t, keyFile)
	assertKeyNotPrinted(t, r, der)
	if c.Provider != "acme" || c.Status != model.StatusPending || c.Product != "shortlived" || strings.Join(c.DNSNames, ",") != strings.Join(names, ",") {
		t.Fatalf("order: %+v", c)
	}

	mustSucceed(t, run("sim", "publish", c.ID))
	mustSucceed(t, run("verify", c.ID, "--method", "dns-txt", "--wait", "--timeout", "1m"))
	pemFile := filepath.Join(dir, "life.pem")
	mustSucceed(t, run("download", c.ID, "--out", pemFile))
	verifyChain(t, pemFile, rootFile, names[1])
	leaf := downloadedLeaf(t, pemFile)
	if !key.PublicKey.Equal(leaf.PublicKey) {
		t.Error("the downloaded certificate does not certify the key anyca order wrote")
	}
	if life := leaf.NotAfter.Sub(leaf.NotBefore); life > 7*24*time.Hour {
		t.Errorf("the shortlived profile gave a %s certificate", life)
	}

	// Renew: same names, a new key, the CA told what it replaces (ARI).
	var renewal model.Certificate
	decode(t, run("renew", c.ID, "--key-out", filepath.Join(dir, "renew.key"), "-o", "json"), &renewal)
	if renewal.ReplacesID != c.ID || renewal.ID == c.ID || strings.Join(renewal.DNSNames, ",") != strings.Join(names, ",") {
		t.Errorf("renewal %+v of %s", renewal, c.ID)
	}
	if rk, _ := readKey(t, filepath.Join(dir, "renew.key")); rk.PublicKey.Equal(&key.PublicKey) {
		t.Error("renew reused the key")
	}

	// Revoke: done, read back revoked, and done again.
	if got := mustSucceed(t, run("revoke", c.ID, "--reason", "superseded")).stdout; got != c.ID+": revoked (superseded)\n" {
		t.Errorf("revoke printed %q", got)
	}
	var got model.Certificate
	decode(t, run("cert", "get", c.ID, "-o", "json"), &got)
	if got.Status != model.StatusRevoked {
		t.Errorf("after revoke the certificate is %s", got.Status)
	}
	mustSucceed(t, run("revoke", c.ID, "--reason", "superseded"))

	// Cancel: ACME has none; the pending renewal is left as it is.
	assertFailure(t, run("cancel", renewal.ID), exitError, "ACME (RFC 8555) has no way to withdraw an order")
	decode(t, run("cert", "get", renewal.ID, "-o", "json"), &got)
	if got.Status != model.StatusPending {
		t.Errorf("after cancel the renewal is %s", got.Status)
	}

	// --validity: refused before any key is written or request sent.
	vKey := filepath.Join(dir, "v.key")
	assertFailure(t, run("order", "--name", "v.example.org", "--key-out", vKey, "--validity", "90d"), exitUsage, "--product shortlived")
	if _, err := os.Stat(vKey); !os.IsNotExist(err) {
		t.Errorf("--validity refused, yet %s was written (%v)", vKey, err)
	}
	if n := len(ordersFor(t, env, "v.example.org")); n != 0 {
		t.Errorf("--validity refused, yet %d orders were placed", n)
	}

	for _, o := range outs {
		if strings.Contains(o, strings.TrimSpace(acctKey)) || strings.Contains(o, "PRIVATE KEY") {
			t.Fatalf("the account key was printed:\n%s", o)
		}
	}
}

// TestHelpNamesACME: the top-level help says how an ACME CA is configured: its account
// by key or key_file, acme register, and ANYCA_CA_ROOTS.
func TestHelpNamesACME(t *testing.T) {
	r := mustSucceed(t, runApp(t, nil, "--help"))
	for _, want := range []string{envCARoots, `"acme": {"key_file": FILE}`, "anyca acme register", "letsencrypt"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("top help lacks %q", want)
		}
	}
}
