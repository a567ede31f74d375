package main

import (
	"os"
	"strings"
	"testing"

	"github.com/anyca/anyca/cmd/anyca/internal/demo"
	"github.com/anyca/anyca/model"
)

func TestFleetCertsListOneAccountFails(t *testing.T) {
	fleet := startSimFleet(t, true)
	r := fleet.run(t, "certs", "list", "-o", "json")
	if !strings.Contains(r.stderr, "account staging (digicert)") || !strings.Contains(r.stderr, "unauthenticated") ||
		strings.Contains(r.stderr, "wrong-staging-key") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr %q", r.stderr)
	}
	var certs []model.Certificate
	decodeExit(t, r, exitPartial, &certs)
	got := map[string]int{}
	for _, c := range certs {
		got[c.Account]++
	}
	for _, ca := range fleet.accounts {
		want := ca.Certs
		if ca.Account == "staging" {
			want = 0
		}
		if got[ca.Account] != want {
			t.Errorf("account %s: %d certificates, want %d", ca.Account, got[ca.Account], want)
		}
	}

	// The table has an ACCOUNT column; --account narrows to one account and exits 0.
	r = fleet.run(t, "certs", "list", "--account", "dv")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "ACCOUNT  ID") || strings.Contains(r.stdout, "prod ") {
		t.Errorf("--account dv: exit %d\n%.300s%s", r.code, r.stdout, r.stderr)
	}
	assertFailure(t, fleet.run(t, "certs", "list", "--account", "nope"), exitUsage, "configured: dv, prod, staging")
	if r := fleet.run(t, "certs", "list", "--account", "staging"); r.code != exitAuth || r.stdout != "" {
		t.Errorf("only the broken account: exit %d, stdout %.100q", r.code, r.stdout)
	}
}

func TestFleetExpiringAndDomains(t *testing.T) {
	fleet := startSimFleet(t, false)
	var rep expiringReport
	decode(t, fleet.run(t, "expiring", "--within", "30d", "-o", "json"), &rep)
	accounts := map[string]bool{}
	for _, c := range rep.Certificates {
		accounts[c.Account] = true
	}
	if !accounts["prod"] || !accounts["staging"] || !accounts["dv"] || rep.Failed != nil {
		t.Errorf("expiring certificates from %v, failed %v", accounts, rep.Failed)
	}
	r := fleet.run(t, "expiring", "--within", "30d")
	if r.code != 0 || !strings.Contains(r.stdout, "ACCOUNT") || !strings.Contains(r.stdout, " staging ") {
		t.Errorf("table: exit %d\n%.400s", r.code, r.stdout)
	}

	// Both DigiCert accounts hold the featured domain: one answer per account.
	var dvs []model.DomainValidation
	decode(t, fleet.run(t, "domain", "status", demo.FeaturedDomain, "-o", "json"), &dvs)
	seen := map[string]bool{}
	for _, d := range dvs {
		seen[d.Account] = d.Domain == demo.FeaturedDomain
	}
	if !seen["prod"] || !seen["staging"] {
		t.Errorf("domain status answered by %v", seen)
	}
	assertFailure(t, fleet.run(t, "domain", "status", "unknown-domain.example"), exitNotFound, "any of the accounts dv, prod, staging")

	var doms []model.DomainValidation
	decode(t, fleet.run(t, "domains", "list", "-o", "json"), &doms)
	for _, d := range doms {
		if d.Account == "" {
			t.Fatalf("untagged domain %s", d.Domain)
		}
	}

	// Single-account commands need --account with several accounts.
	assertFailure(t, fleet.run(t, "cert", "get", "1"), exitUsage, "--account")
	if r := fleet.run(t, "--provider", "digicert", "certs", "list"); r.code != exitUsage {
		t.Errorf("--provider with an accounts config: exit %d %q", r.code, r.stderr)
	}
}

func TestFleetConfigWarnings(t *testing.T) {
	fleet := startSimFleet(t, false)
	prod, dv := fleet.account(t, "prod"), fleet.account(t, "dv")
	dir := t.TempDir()
	if err := os.Chmod(writeFile(t, dir, "prod.key", prod.APIKey+"\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	file := writeFile(t, dir, "fleet.json", `{"accounts":[{"name":"prod","provider":"digicert","api_key_file":"prod.key","base_url":"`+
		prod.BaseURL(fleet.root)+`"},
		{"name":"dv","provider":"zerossl","api_key":"`+dv.APIKey+`","base_url":"`+dv.BaseURL(fleet.root)+`"}]}`)
	r := mustSucceed(t, runLive(t, nil, "--config", file, "certs", "list", "-o", "json"))
	if !strings.Contains(r.stderr, `warning: account "prod": api_key_file`) || !strings.Contains(r.stderr, "0640") ||
		!strings.Contains(r.stderr, `warning: account "dv": api_key is written`) || strings.Contains(r.stderr, dv.APIKey) {
		t.Errorf("warnings %q", r.stderr)
	}
	writeFile(t, dir, "fleet.json", `{"accounts":[{"name":"a","provider":"zerossl","api_key":"x1234567890123456"},{"name":"a","provider":"zerossl","api_key":"y1234567890123456"}]}`)
	assertFailure(t, runLive(t, nil, "--config", file, "certs", "list"), exitUsage, "used twice")
}

func TestFleetExpiringPartialJSON(t *testing.T) {
	fleet := startSimFleet(t, true)
	r := fleet.run(t, "expiring", "--within", "30d", "-o", "json")
	var rep expiringReport
	decodeExit(t, r, exitPartial, &rep)
	if len(rep.Failed) != 1 || !strings.Contains(rep.Failed["staging"], "unauthenticated") || strings.Contains(r.stdout, "wrong-staging-key") {
		t.Errorf("failed %v", rep.Failed)
	}
	for _, c := range rep.Certificates {
		if c.Account == "staging" {
			t.Fatalf("certificate %s from the failed account", c.ID)
		}
	}
	if len(rep.Certificates) == 0 {
		t.Error("no certificates from the working accounts")
	}
}

func TestFleetErrorExitCodes(t *testing.T) {
	auth := model.NewError("digicert", "Certificates", model.ErrUnauthenticated, "bad key")
	limited := model.NewError("zerossl", "Certificates", model.ErrRateLimited, "slow down")
	for _, tc := range []struct {
		total  int
		failed map[string]error
		want   int
	}{
		{3, map[string]error{"a": auth}, exitPartial},
		{2, map[string]error{"a": auth, "b": auth}, exitAuth},
		{2, map[string]error{"a": auth, "b": limited}, exitError},
		{1, map[string]error{"a": limited}, exitRateLimited},
	} {
		if got := exitCode(fleetFailure(tc.total, nil, tc.failed)); got != tc.want {
			t.Errorf("%d accounts, failed %v: exit %d, want %d", tc.total, tc.failed, got, tc.want)
		}
	}
	if err := fleetFailure(2, func(err error) bool { return true }, map[string]error{"a": auth}); err != nil {
		t.Errorf("skipped failure reported: %v", err)
	}
}
