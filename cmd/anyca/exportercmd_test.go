package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	promodel "github.com/prometheus/common/model"

	"github.com/anyca/anyca"
	"github.com/anyca/anyca/cmd/anyca/internal/exporter"
)

// TestExporterCommand runs "anyca exporter" on the simulated fleet with staging's key
// wrong, scrapes it over HTTP and checks each account's refresh outcome.
func TestExporterCommand(t *testing.T) {
	fleet := startSimFleet(t, true)
	exp := serve(t, func(k string) string { return fleet.env[k] }, "--config", fleet.config, "exporter", "--listen", "127.0.0.1:0")
	addr, errb := exp.addr, exp.stderr

	var text string
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, text = fetch(t, http.DefaultClient, "http://"+addr+"/metrics")
		if strings.Count(text, "anyca_refresh_success{") == len(fleet.accounts) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	p := expfmt.NewTextParser(promodel.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	// byAccount calls f with the account label and the value of each series of family.
	byAccount := func(family string, f func(account string, value float64)) {
		for _, m := range mfs[family].GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "account" {
					f(l.GetValue(), m.GetGauge().GetValue())
				}
			}
		}
	}
	got := map[string]float64{}
	byAccount("anyca_refresh_success", func(account string, v float64) { got[account] = v })
	if got["prod"] != 1 || got["dv"] != 1 || got["staging"] != 0 || len(got) != 3 {
		t.Errorf("anyca_refresh_success by account %v", got)
	}
	perAccount := map[string]int{}
	byAccount("anyca_certificate_not_after_seconds", func(account string, _ float64) { perAccount[account]++ })
	if perAccount["prod"] == 0 || perAccount["dv"] == 0 || perAccount["staging"] != 0 {
		t.Errorf("certificate series by account %v", perAccount)
	}
	for _, ca := range fleet.accounts {
		if strings.Contains(text+errb.String(), ca.APIKey) || strings.Contains(errb.String(), "wrong-staging-key") {
			t.Fatalf("a key is in the metrics or the log")
		}
	}
	if !strings.Contains(errb.String(), "account=staging") {
		t.Errorf("the failed refresh is not logged: %q", errb.String())
	}
}

// TestRulesFileUsesServedMetrics checks that every metric the example alert rules name
// is one the exporter serves.
func TestRulesFileUsesServedMetrics(t *testing.T) {
	b, err := os.ReadFile("exporter-rules.yml")
	if err != nil {
		t.Fatal(err)
	}
	e, err := exporter.New(context.Background(), []anyca.Account{{Name: "a",
		Config: anyca.Config{Provider: "zerossl", APIKey: "rules-test-key-0123456789", BaseURL: "http://127.0.0.1:9"}}}, exporter.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan *prometheus.Desc, 32)
	e.Describe(ch)
	close(ch)
	served := map[string]bool{}
	for d := range ch {
		if m := regexp.MustCompile(`fqName: "([a-z_]+)"`).FindStringSubmatch(d.String()); m != nil {
			served[m[1]] = true
		}
	}
	used := regexp.MustCompile(`\banyca_[a-z_]+`).FindAllString(string(b), -1)
	if len(used) < 4 {
		t.Fatalf("rules name %d metrics", len(used))
	}
	for _, name := range used {
		if !served[name] {
			t.Errorf("rules use %s, which the exporter does not serve", name)
		}
	}
}

// requirePromtoolEnv, set to 1 (as .ci/run does), makes TestRulesWithPromtool fail
// instead of skipping when promtool is not installed.
const requirePromtoolEnv = "ANYCA_REQUIRE_PROMTOOL"

// TestRulesWithPromtool runs the alert rules' unit tests (exporter-rules_test.yml) with
// promtool: each alert fires when it should, with its labels and annotations, and not
// before (an expired certificate is not "expiring soon").
func TestRulesWithPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv(requirePromtoolEnv) == "1" {
			t.Fatalf("promtool is not installed and %s=1 requires it (Debian: apt-get install prometheus)", requirePromtoolEnv)
		}
		t.Skipf("promtool is not installed (Debian: apt-get install prometheus); set %s=1 to require it", requirePromtoolEnv)
	}
	for _, args := range [][]string{{"check", "rules", "exporter-rules.yml"}, {"test", "rules", "exporter-rules_test.yml"}} {
		out, err := exec.Command(promtool, args...).CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
